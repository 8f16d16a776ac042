import { type RunStore, validateRunId } from '@metaclip-batch/jobs';
import { runRoot } from '@metaclip-batch/pipeline';
import { RunExplorer, SearchError, type SearchHit } from '@metaclip-batch/search';
import type { Logger } from '@metaclip-batch/telemetry';
import express, { type Request, type Router } from 'express';
import { renderExplorePage } from './explore-page.ts';
import { PAGE_CSP } from './page.ts';

/** Explorers kept open (each holds a memory-mapped index and a loaded model); the least recently used closes. */
const OPEN_RUNS = 4;
/** Largest `k` the API answers. */
const MAX_K = 200;

/** One result as the API returns it: `thumbnail` is relative to the API URL (`/api/runs/:id/...`). */
function withThumbnail(h: SearchHit) {
  return {
    image_path: h.image_path,
    score: h.score,
    label: h.label,
    thumbnail: `thumbnail?image=${encodeURIComponent(h.image_path)}`,
  };
}

function kOf(req: Request, fallback: number): number {
  const raw = req.query.k;
  if (raw === undefined) return fallback;
  const k = Number(raw);
  if (!Number.isSafeInteger(k) || k < 1 || k > MAX_K) {
    throw new SearchError('BAD_ARGUMENT', `k must be an integer from 1 to ${MAX_K}, got ${String(raw)}`);
  }
  return k;
}

function text(req: Request, name: string): string {
  const v = req.query[name];
  if (typeof v !== 'string' || v.trim() === '') throw new SearchError('BAD_ARGUMENT', `give ?${name}=...`);
  return v;
}

/** HTTP status of a search-library failure. */
export function searchErrorStatus(err: SearchError): number {
  switch (err.code) {
    case 'RUN_NOT_FOUND':
    case 'INDEX_NOT_FOUND':
    case 'NOT_IN_INDEX':
      return 404;
    case 'OUTSIDE_SOURCE':
      return 403;
    case 'BAD_ARGUMENT':
    case 'BAD_QUERY':
      return 400;
    default:
      return 409;
  }
}

/**
 * The explore page of a finished run (`/runs/:id/explore`) and its JSON API under `/api/runs/:id/`: `search?q=&k=`,
 * `similar?image=&k=`, `labels`, `clusters`, `duplicates` and `thumbnail?image=`. Mounted behind the dashboard's auth.
 */
export function exploreRouters(store: RunStore, logger: Logger): { page: Router; api: Router } {
  const open = new Map<string, Promise<RunExplorer>>();
  const explorer = async (id: string): Promise<RunExplorer> => {
    const runId = validateRunId(id);
    let hit = open.get(runId);
    if (hit) {
      open.delete(runId);
    } else {
      const state = await store.require(runId);
      hit = RunExplorer.open(runRoot(state.output, runId));
      hit.catch(() => open.delete(runId));
    }
    open.set(runId, hit);
    while (open.size > OPEN_RUNS) {
      const [oldest, evicted] = open.entries().next().value as [string, Promise<RunExplorer>];
      open.delete(oldest);
      evicted.then((e) => e.close()).catch((err) => logger.warn({ err, runId: oldest }, 'closing an explorer failed'));
    }
    return hit;
  };

  const page = express.Router();
  page.get('/runs/:id/explore', async (req, res) => {
    const state = await store.require(validateRunId(req.params.id));
    res.setHeader('Content-Security-Policy', PAGE_CSP);
    res.type('html').send(renderExplorePage(state));
  });

  const api = express.Router();
  api.get('/runs/:id/search', async (req, res) => {
    const e = await explorer(req.params.id);
    res.json({ results: (await e.search(text(req, 'q'), { k: kOf(req, 24) })).map(withThumbnail) });
  });
  api.get('/runs/:id/similar', async (req, res) => {
    const e = await explorer(req.params.id);
    res.json({ results: (await e.similar(text(req, 'image'), { k: kOf(req, 24) })).map(withThumbnail) });
  });
  api.get('/runs/:id/labels', async (req, res) => {
    const galleries = await (await explorer(req.params.id)).labels(kOf(req, 8));
    res.json({ labels: galleries.map((g) => ({ label: g.label, results: g.images.map(withThumbnail) })) });
  });
  api.get('/runs/:id/clusters', async (req, res) => {
    res.json({ clusters: await (await explorer(req.params.id)).clusters() });
  });
  api.get('/runs/:id/duplicates', async (req, res) => {
    res.json({ groups: await (await explorer(req.params.id)).duplicates() });
  });
  api.get('/runs/:id/thumbnail', async (req, res) => {
    const webp = await (await explorer(req.params.id)).thumbnails.get(text(req, 'image'));
    // Thumbnails of an object do not change within a run; private: they sit behind the dashboard's auth.
    res.setHeader('Cache-Control', 'private, max-age=3600');
    res.type('image/webp').send(webp);
  });

  return { page, api };
}
