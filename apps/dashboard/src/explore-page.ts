import type { RunState } from '@metaclip-batch/jobs';
import { escapeHtml } from './page.ts';

/**
 * Pure: the explore page of one run. The markup is the frame (search box, empty sections); `assets/explore.js` fills
 * it from `api/runs/:id/...`. Links are relative (`../../`) so the page works behind a path-prefixing proxy.
 */
export function renderExplorePage(run: RunState): string {
  const id = escapeHtml(run.runId);
  const facts = [
    ['model', run.model],
    ['source', run.source],
    ['images', `${run.imagesDone.toLocaleString('en-US')} embedded`],
    ['labels', run.labels.join(', ')],
  ]
    .map(([k, v]) => `<span><b>${k}</b> ${escapeHtml(String(v))}</span>`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>metaclip-batch · explore ${id}</title>
<link rel="icon" href="../../assets/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="../../assets/runs.css">
<link rel="stylesheet" href="../../assets/explore.css">
<script src="../../assets/explore.js" defer></script>
</head>
<body data-run="${id}">
<header>
  <h1>metaclip<span>-batch</span></h1>
  <nav><a href="../../">Runs</a><a href="../../queues">Queues (Bull Board)</a><a aria-current="page" href="explore">Explore</a></nav>
</header>
<main class="explore">
<section class="run-facts"><h2>${id}</h2><p>${facts}</p></section>
<section>
  <form id="search" class="search" role="search">
    <input id="q" name="q" type="search" placeholder="Search the images: a red bicycle, a clock, a page of text..." autocomplete="off" required>
    <select id="k" name="k" aria-label="results"><option>12</option><option selected>24</option><option>48</option></select>
    <button type="submit">Search</button>
  </form>
  <p id="status" class="status-line" role="status">Type a query, or click any image for more like it.</p>
  <div id="results" class="grid"></div>
</section>
<section><h2>Top images per label <small>nearest to each label's prompt, among the images with that label</small></h2><div id="labels" class="galleries"><p class="empty">loading...</p></div></section>
<section><h2>Clusters <small>metaclip cluster</small></h2><div id="clusters" class="clusters"><p class="empty">loading...</p></div></section>
<section><h2>Duplicate groups <small>metaclip dedup</small></h2><div id="duplicates" class="dups"><p class="empty">loading...</p></div></section>
</main>
</body>
</html>
`;
}
