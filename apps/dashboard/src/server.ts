import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  JobsError,
  type RedisClient,
  RunNotFoundError,
  type RunState,
  type RunStore,
  validateRunId,
} from '@metaclip-batch/jobs';
import { SearchError } from '@metaclip-batch/search';
import type { Logger, QueueMetrics } from '@metaclip-batch/telemetry';
import express, { type ErrorRequestHandler, type Express, type RequestHandler, type Router } from 'express';
import { isAdmin, requireAuth } from './auth.ts';
import type { AuthConfig } from './config.ts';
import { exploreRouters, searchErrorStatus } from './explore.ts';
import { PAGE_CSP, renderRunsPage } from './page.ts';
import { type QueueRegistry, scalingFigures } from './queue-registry.ts';
import { runDetailView, runsSummary, runView } from './runs-view.ts';

const publicDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../public');

/** How many per-image error samples and failed shards a run's detail shows. */
export const DETAIL_SAMPLES = 25;

/** How long `/readyz` waits for Redis before answering 503 (probes time out soon after). */
const READY_TIMEOUT_MS = 2000;

/** `promise`, or a rejection after `ms` naming `what`. */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** What the HTTP app needs; every part is owned (and closed) by the caller. */
export interface DashboardAppDeps {
  auth: AuthConfig;
  runsLimit: number;
  /** How often the runs page polls the API. */
  pollMs: number;
  store: RunStore;
  registry: QueueRegistry;
  /** Bull Board's router, mounted at `/queues`. */
  /** Bull Board for requests with the admin credentials, and the read-only one for all others. */
  boardRouters: { readOnly: Router; admin: Router };
  redis: RedisClient;
  /** What `/metrics` serves. */
  metrics: Pick<QueueMetrics, 'contentType' | 'render'>;
  logger: Logger;
  now?: () => number;
}

/** Headers every response gets: no sniffing, no framing, no referrer leaking run ids to other sites. */
const baseHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'no-referrer');
  next();
};

/**
 * Build the dashboard's HTTP app: `/healthz` and `/readyz` (open, for probes), then behind auth the runs page at `/`, its assets,
 * `/api/runs`, `/api/runs/:id`, `/api/queues` and Bull Board at `/queues`.
 */
export function createDashboardApp(deps: DashboardAppDeps): Express {
  const { store, registry, logger } = deps;
  const now = deps.now ?? Date.now;
  const app = express();
  app.disable('x-powered-by');
  app.use(baseHeaders);

  // Open routes for probes. Liveness says only that the process serves HTTP, so a Redis outage does not restart the
  // dashboard in a loop; readiness adds Redis, without which no page can answer.
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await withTimeout(deps.redis.ping(), READY_TIMEOUT_MS, 'redis ping');
      res.json({ status: 'ready' });
    } catch (err) {
      logger.warn({ err }, 'not ready: redis unreachable');
      res.status(503).json({ status: 'unavailable', reason: 'redis unreachable' });
    }
  });

  // Prometheus scrapes without credentials, as it does the workers' /metrics: counts and queue names only.
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.contentType).send(await deps.metrics.render());
  });

  app.use(requireAuth(deps.auth));

  app.get('/', async (_req, res) => {
    const [runs, queues] = await Promise.all([store.list(deps.runsLimit), registry.summaries()]);
    const t = now();
    res.setHeader('Content-Security-Policy', PAGE_CSP);
    const views = await runViews(store, runs, t);
    res.type('html').send(renderRunsPage(views, runsSummary(views), queues, { pollMs: deps.pollMs, now: t }));
  });
  app.use('/assets', express.static(publicDir, { index: false, maxAge: '5m' }));
  const explore = exploreRouters(store, logger);
  app.use(explore.page);

  const api = express.Router();
  api.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  api.get('/runs', async (_req, res) => {
    const runs = await store.list(deps.runsLimit);
    const t = now();
    const views = await runViews(store, runs, t);
    res.json({ runs: views, summary: runsSummary(views), generatedAt: t });
  });
  api.get('/runs/:id', async (req, res) => {
    const runId = validateRunId(req.params.id);
    const [state, failed, errorSamples] = await Promise.all([
      store.require(runId),
      store.failedShards(runId),
      store.errorSamples(runId, DETAIL_SAMPLES),
    ]);
    // Failed shards may carry thousands of URIs; the page needs the shard and its error.
    const failedShards = failed.slice(0, DETAIL_SAMPLES).map(({ shard, error }) => ({ shard, error }));
    res.json(runDetailView(state, now(), { failedShards, errorSamples }));
  });
  api.get('/queues', async (_req, res) => {
    res.json({ queues: await registry.summaries() });
  });
  api.get('/scaling/:queue', async (req, res) => {
    const q = (await registry.summaries()).find((s) => s.name === req.params.queue);
    if (!q) {
      res.status(404).json({
        error: `queue ${req.params.queue} is not shown here; start the dashboard with --queue ${req.params.queue}`,
      });
      return;
    }
    res.json(scalingFigures(q));
  });
  app.use('/api', api, explore.api);

  app.use('/queues', (req, res, next) =>
    (isAdmin(req.headers.authorization, deps.auth) ? deps.boardRouters.admin : deps.boardRouters.readOnly)(
      req,
      res,
      next,
    ),
  );

  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  const onError: ErrorRequestHandler = (err, req, res, _next) => {
    if (err instanceof RunNotFoundError) {
      res.status(404).json({ error: err.message, code: err.code });
      return;
    }
    if (err instanceof SearchError) {
      res.status(searchErrorStatus(err)).json({ error: err.message, code: err.code });
      return;
    }
    if (err instanceof JobsError) {
      res.status(400).json({ error: err.message, code: err.code });
      return;
    }
    logger.error({ err, method: req.method, path: req.path }, 'request failed');
    res.status(500).json({ error: 'internal error' });
  };
  app.use(onError);
  return app;
}

/** How many failed shards each row of the runs page samples for its reasons. */
const ROW_REASONS = 3;

/** The runs' views, with the reasons of those that have failed shards (one small Redis read each). */
async function runViews(store: RunStore, runs: readonly RunState[], now: number) {
  return Promise.all(
    runs.map(async (r) =>
      runView(r, now, r.shardsFailed > 0 ? await store.failedShardSample(r.runId, ROW_REASONS) : []),
    ),
  );
}
