// The explore page of one run: text search and "more like this" as a thumbnail grid, the top images per label,
// clusters and duplicate groups, all from api/runs/:id/... (the page is at runs/:id/explore).
const runId = document.body.dataset.run;
const api = new URL(`../../api/runs/${encodeURIComponent(runId)}/`, location.href);
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

async function getJson(pathAndQuery) {
  const res = await fetch(new URL(pathAndQuery, api), { headers: { accept: 'application/json' } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
  return body;
}

const thumbUrl = (imagePath) => new URL(`thumbnail?image=${encodeURIComponent(imagePath)}`, api).href;
const baseName = (p) => p.split('/').pop();

/** One image card: thumbnail, name, score and label; a click asks for more like it. */
function card(r, opts = {}) {
  const img = el('img', { src: thumbUrl(r.image_path), alt: baseName(r.image_path), loading: 'lazy' });
  const meta = el('figcaption', {}, el('span', { class: 'name', title: r.image_path }, baseName(r.image_path)));
  if (r.score !== undefined) meta.append(el('span', { class: 'score' }, r.score.toFixed(3)));
  if (r.label) meta.append(el('span', { class: 'label' }, r.label));
  if (opts.exact) meta.append(el('span', { class: 'exact' }, 'exact copy'));
  const fig = el('figure', { class: 'card', tabindex: '0', 'data-image': r.image_path }, img, meta);
  const more = () => similar(r.image_path);
  fig.addEventListener('click', more);
  fig.addEventListener('keydown', (e) => e.key === 'Enter' && more());
  return fig;
}

function showResults(title, results) {
  $('status').textContent = title;
  $('results').replaceChildren(...results.map((r) => card(r)));
}

function fail(where, err) {
  where.replaceChildren(el('p', { class: 'empty error' }, err.message));
}

async function search(q) {
  $('status').textContent = `Searching for “${q}”…`;
  try {
    const { results } = await getJson(`search?q=${encodeURIComponent(q)}&k=${$('k').value}`);
    showResults(`${results.length} images for “${q}”`, results);
  } catch (err) {
    $('status').textContent = err.message;
    $('results').replaceChildren();
  }
}

async function similar(imagePath) {
  $('status').textContent = `Looking for images like ${baseName(imagePath)}…`;
  try {
    const { results } = await getJson(`similar?image=${encodeURIComponent(imagePath)}&k=${$('k').value}`);
    showResults(`More like ${baseName(imagePath)}`, results);
    $('results').scrollIntoView({ block: 'nearest' });
  } catch (err) {
    $('status').textContent = err.message;
  }
}

async function loadLabels() {
  try {
    const { labels } = await getJson('labels?k=8');
    $('labels').replaceChildren(
      ...labels.map((g) =>
        el(
          'div',
          { class: 'gallery', 'data-label': g.label },
          el('h3', {}, g.label, el('small', {}, ` ${g.results.length}`)),
          el(
            'div',
            { class: 'strip' },
            ...(g.results.length > 0
              ? g.results.map((r) => card(r))
              : [el('p', { class: 'empty' }, 'no image has this as its top label')]),
          ),
        ),
      ),
    );
    if (labels.length === 0) $('labels').replaceChildren(el('p', { class: 'empty' }, 'this run has no labels'));
  } catch (err) {
    fail($('labels'), err);
  }
}

async function loadClusters() {
  try {
    const { clusters } = await getJson('clusters');
    if (!clusters) {
      $('clusters').replaceChildren(
        el('p', { class: 'empty' }, `not clustered yet: metaclip cluster --run <run> --k K`),
      );
      return;
    }
    $('clusters').replaceChildren(
      ...clusters.map((c) =>
        el(
          'div',
          { class: 'cluster', 'data-cluster': String(c.id) },
          el('h3', {}, `#${c.id} ${c.name ?? ''}`, el('small', {}, ` ${c.size} images`)),
          el('div', { class: 'strip' }, ...c.examples.map((p) => card({ image_path: p }))),
        ),
      ),
    );
  } catch (err) {
    fail($('clusters'), err);
  }
}

async function loadDuplicates() {
  try {
    const { groups } = await getJson('duplicates');
    if (!groups) {
      $('duplicates').replaceChildren(el('p', { class: 'empty' }, 'not deduplicated yet: metaclip dedup --run <run>'));
      return;
    }
    if (groups.length === 0) {
      $('duplicates').replaceChildren(el('p', { class: 'empty' }, 'no duplicates at the threshold used'));
      return;
    }
    $('duplicates').replaceChildren(
      ...groups.map((g) =>
        el(
          'div',
          { class: 'dup-group', 'data-first': g.image_path },
          card({ image_path: g.image_path, label: 'first' }),
          ...g.duplicates.map((d) => card({ image_path: d.image_path, score: d.score }, { exact: d.exact })),
        ),
      ),
    );
  } catch (err) {
    fail($('duplicates'), err);
  }
}

$('search').addEventListener('submit', (e) => {
  e.preventDefault();
  const q = $('q').value.trim();
  if (q) search(q);
});
loadLabels();
loadClusters();
loadDuplicates();
