// Runs page: polls the JSON API and updates the server-rendered tables in place. New rows are cloned from the
// <template>s the server renders with its own row markup, and every value goes in through textContent: image paths
// and error messages come from user data and must never become HTML.

const pollMs = Number(document.body.dataset.pollMs) || 1500;
const runsBody = document.querySelector('#runs tbody');
const queuesBody = document.querySelector('#queues tbody');
const runTemplate = document.getElementById('run-row');
const queueTemplate = document.getElementById('queue-row');
const live = document.getElementById('live');
const updated = document.getElementById('updated');
/** Runs whose detail row is open; they survive re-rendering. */
const expanded = new Set();

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const child of children) node.append(child);
  return node;
}

function fillCells(row, values) {
  for (const cell of row.querySelectorAll('[data-k]')) {
    const v = values[cell.dataset.k];
    cell.textContent = typeof v === 'number' ? v.toLocaleString('en-US') : (v ?? '');
  }
}

function clone(template) {
  return template.content.firstElementChild.cloneNode(true);
}

function clearEmpty(body, hasRows) {
  const empty = body.querySelector('tr.empty-row');
  if (empty) empty.hidden = hasRows;
}

function renderQueues(queues) {
  const rows = new Map([...queuesBody.querySelectorAll('tr[data-queue]')].map((r) => [r.dataset.queue, r]));
  for (const q of queues) {
    const row = rows.get(q.name) ?? clone(queueTemplate);
    rows.delete(q.name);
    row.dataset.queue = q.name;
    row.dataset.paused = String(q.paused);
    row.dataset.hasFailed = String(q.failed > 0);
    fillCells(row, q);
    queuesBody.append(row);
  }
  for (const gone of rows.values()) gone.remove();
  clearEmpty(queuesBody, queues.length > 0);
}

function renderRuns(runs) {
  const rows = new Map([...runsBody.querySelectorAll('tr.run')].map((r) => [r.dataset.run, r]));
  for (const run of runs) {
    const row = rows.get(run.runId) ?? clone(runTemplate);
    rows.delete(run.runId);
    row.dataset.run = run.runId;
    row.dataset.status = run.status;
    row.dataset.failures = String(run.images.failed + run.shards.failed > 0);
    row.querySelector('[data-k="labels"]').title = run.labels.join(', ');
    row.querySelector('[data-k="reason"]').title = run.reasons.join('\n');
    row.querySelector('progress').value = run.fraction;
    fillCells(row, run.text);
    runsBody.append(row);
    const detail = runsBody.querySelector(`tr.detail[data-detail="${CSS.escape(run.runId)}"]`);
    if (detail) runsBody.append(detail);
  }
  for (const [id, gone] of rows) {
    gone.remove();
    runsBody.querySelector(`tr.detail[data-detail="${CSS.escape(id)}"]`)?.remove();
  }
  clearEmpty(runsBody, runs.length > 0);
}

function table(headers, rows) {
  return el(
    'table',
    { class: 'inner' },
    el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', {}, h)))),
    el('tbody', {}, ...rows.map((cells) => el('tr', {}, ...cells.map((c) => el('td', {}, String(c)))))),
  );
}

function renderDetail(run) {
  const facts = [
    ['Source', run.source],
    ['Output', run.output],
    ['Queue', run.queue],
    ['Model', run.model],
    ['Labels', `${run.labels.length}: ${run.labels.join(', ')}`],
    ['Templates', run.templates.join('  |  ')],
    ['Top-k', run.topK],
    ['Started', `${run.text.started} UTC`],
    ...(run.reasons.length > 0 ? [['Why failed', run.reasons.join('\n')]] : []),
  ];
  const box = el('div', { class: 'detail-box' });
  box.append(el('dl', {}, ...facts.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, String(v))])));
  if (run.failedShards.length > 0) {
    box.append(el('h3', {}, `Failed shards (${run.failedShards.length})`));
    box.append(
      table(
        ['Shard', 'Error'],
        run.failedShards.map((f) => [f.shard, f.error]),
      ),
    );
  }
  const failedImages = run.images.failed;
  box.append(
    el(
      'h3',
      {},
      failedImages > 0
        ? `Failed images: ${run.errorSamples.length} most recent of ${failedImages.toLocaleString('en-US')}`
        : 'No failed images',
    ),
  );
  if (run.errorSamples.length > 0) {
    box.append(
      table(
        ['Image', 'Error'],
        run.errorSamples.map((s) => [s.image_path, s.error]),
      ),
    );
  }
  return box;
}

async function getJson(url) {
  const res = await fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' });
  if (!res.ok) throw new Error(res.status === 401 ? 'unauthorized' : `HTTP ${res.status}`);
  return res.json();
}

async function refreshDetail(runId) {
  const run = await getJson(`api/runs/${encodeURIComponent(runId)}`);
  const anchor = runsBody.querySelector(`tr.run[data-run="${CSS.escape(runId)}"]`);
  if (!anchor || !expanded.has(runId)) return;
  let detail = runsBody.querySelector(`tr.detail[data-detail="${CSS.escape(runId)}"]`);
  if (!detail) {
    detail = el('tr', { class: 'detail', 'data-detail': runId }, el('td', { colspan: String(anchor.cells.length) }));
    anchor.after(detail);
  }
  detail.cells[0].replaceChildren(renderDetail(run));
}

function toggle(row) {
  const id = row.dataset.run;
  if (!id) return;
  if (expanded.delete(id)) {
    runsBody.querySelector(`tr.detail[data-detail="${CSS.escape(id)}"]`)?.remove();
    row.classList.remove('open');
    return;
  }
  expanded.add(id);
  row.classList.add('open');
  refreshDetail(id).catch(showError);
}

function showError(err) {
  live.classList.add('stale');
  live.firstChild.textContent = `${err.message} · retrying · last `;
}

async function poll() {
  try {
    const [runs, queues] = await Promise.all([getJson('api/runs'), getJson('api/queues')]);
    renderRuns(runs.runs);
    for (const node of document.querySelectorAll('[data-s]')) node.textContent = runs.summary.text[node.dataset.s];
    document.querySelector('[data-tile="imagesFailed"]').dataset.bad = String(runs.summary.imagesFailed > 0);
    renderQueues(queues.queues);
    await Promise.all([...expanded].map(refreshDetail));
    live.classList.remove('stale');
    live.firstChild.textContent = 'live · ';
    updated.textContent = new Date().toISOString().slice(11, 19);
  } catch (err) {
    showError(err);
  } finally {
    setTimeout(poll, pollMs);
  }
}

runsBody.addEventListener('click', (e) => {
  const row = e.target.closest('tr.run');
  if (row) toggle(row);
});
runsBody.addEventListener('keydown', (e) => {
  const row = e.target.closest('tr.run');
  if (row && (e.key === 'Enter' || e.key === ' ')) {
    e.preventDefault();
    toggle(row);
  }
});
setTimeout(poll, pollMs);
