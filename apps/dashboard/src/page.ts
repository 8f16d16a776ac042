import type { QueueSummary } from './queue-registry.ts';
import type { RunsSummary, RunView } from './runs-view.ts';

/** The pages load only their own scripts and stylesheets; data from runs can never run as code. */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Pure: text made safe to place in HTML element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Columns of the runs table: header and the `text` field its cell shows (null: the progress cell). */
const COLUMNS: readonly [string, keyof RunView['text'] | null][] = [
  ['Run', 'runId'],
  ['Status', 'status'],
  ['Model', 'model'],
  ['Labels', 'labels'],
  ['Progress', null],
  ['Shards', 'shards'],
  ['Images', 'images'],
  ['Failed', 'failed'],
  ['Rate', 'rate'],
  ['ETA', 'eta'],
  ['Elapsed', 'elapsed'],
  ['Why failed', 'reason'],
];

/**
 * Pure: one run's table row. The same markup, rendered with no run, is the `<template>` the page script clones for
 * runs that appear later; it fills cells by their `data-k` names, so rows have one definition.
 */
export function renderRunRow(view?: RunView): string {
  const text = (k: keyof RunView['text']) => (view ? escapeHtml(view.text[k]) : '');
  const cells = COLUMNS.map(([, k]) => {
    if (k === null) {
      const value = view ? view.fraction.toFixed(4) : '0';
      return `<td class="progress"><progress max="1" value="${value}"></progress><span data-k="percent">${text('percent')}</span></td>`;
    }
    const full = k === 'labels' ? view?.labels.join(', ') : k === 'reason' ? view?.reasons.join('\n') : undefined;
    const title = full ? ` title="${escapeHtml(full)}"` : '';
    const cls = k === 'runId' ? ' class="run-id"' : k === 'status' ? ' class="status"' : '';
    return `<td${cls} data-k="${k}"${title}>${text(k)}</td>`;
  }).join('');
  const attrs = view
    ? ` data-run="${escapeHtml(view.runId)}" data-status="${view.status}"` +
      ` data-failures="${view.images.failed + view.shards.failed > 0}"`
    : '';
  return `<tr class="run"${attrs} tabindex="0">${cells}</tr>`;
}

const QUEUE_FIELDS = ['name', 'workers', 'waiting', 'active', 'delayed', 'completed', 'failed'] as const;

/** Pure: one queue's row; rendered with no queue it is the template the page script clones (cells by `data-k`). */
export function renderQueueRow(q?: QueueSummary): string {
  const cells = QUEUE_FIELDS.map((k) => {
    const v = q?.[k];
    const text = v === undefined ? '' : typeof v === 'number' ? v.toLocaleString('en-US') : escapeHtml(v);
    return `<td data-k="${k}">${text}</td>`;
  }).join('');
  const attrs = q
    ? ` data-queue="${escapeHtml(q.name)}" data-paused="${q.paused}" data-has-failed="${q.failed > 0}"`
    : '';
  return `<tr${attrs}>${cells}</tr>`;
}

function tile(key: keyof RunsSummary['text'], value: string, label: string, bad = false): string {
  return (
    `<div class="tile" data-tile="${key}" data-bad="${bad}">` +
    `<b data-s="${key}">${escapeHtml(value)}</b><span>${label}</span></div>`
  );
}

/**
 * Pure: the runs page, complete as served (it reads without JavaScript); `assets/runs.js` then polls the JSON API and
 * updates it in place. Links are relative so the page works behind a path-prefixing proxy.
 */
export function renderRunsPage(
  runs: readonly RunView[],
  summary: RunsSummary,
  queues: readonly QueueSummary[],
  opts: { pollMs: number; now: number },
): string {
  const { pollMs, now } = opts;
  const head = COLUMNS.map(([h]) => `<th>${h}</th>`).join('');
  const body =
    runs.length > 0
      ? runs.map((r) => renderRunRow(r)).join('')
      : `<tr class="empty-row"><td colspan="${COLUMNS.length}" class="empty">no runs yet: enqueue one with <code>metaclip-producer enqueue</code></td></tr>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>metaclip-batch · runs</title>
<link rel="icon" href="assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="assets/runs.css">
<script src="assets/runs.js" defer></script>
</head>
<body data-poll-ms="${pollMs}">
<header>
  <h1>metaclip<span>-batch</span></h1>
  <nav><a href="./" aria-current="page">Runs</a><a href="queues">Queues (Bull Board)</a><a href="api/runs">JSON</a></nav>
  <p id="live" class="live" title="updates every ${(pollMs / 1000).toFixed(1)} s">live · <time id="updated">${new Date(now).toISOString().slice(11, 19)}</time> UTC</p>
</header>
<main>
<section class="tiles">
  ${tile('active', summary.text.active, 'active runs')}
  ${tile('finished', summary.text.finished, 'finished runs')}
  ${tile('imagesDone', summary.text.imagesDone, 'images embedded')}
  ${tile('imagesFailed', summary.text.imagesFailed, 'images failed', summary.imagesFailed > 0)}
  ${tile('rate', summary.text.rate, 'images per second, live runs')}
</section>
<section>
  <h2>Queues</h2>
  <table id="queues" class="queues">
    <thead><tr><th>Queue</th><th>Workers</th><th>Waiting</th><th>Active</th><th>Delayed</th><th>Completed</th><th>Failed</th></tr></thead>
    <tbody>${queues.length > 0 ? queues.map((q) => renderQueueRow(q)).join('') : '<tr class="empty-row"><td colspan="7" class="empty">no queues yet</td></tr>'}</tbody>
  </table>
</section>
<section>
  <h2>Runs <small>newest first · click a run for details and failed images</small></h2>
  <table id="runs" class="runs">
    <thead><tr>${head}</tr></thead>
    <tbody>${body}</tbody>
  </table>
</section>
</main>
<template id="run-row">${renderRunRow()}</template>
<template id="queue-row">${renderQueueRow()}</template>
</body>
</html>
`;
}
