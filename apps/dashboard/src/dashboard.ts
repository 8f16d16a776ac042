import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBullBoard } from '@bull-board/api';
import { ExpressAdapter } from '@bull-board/express';
import { connectRedis, RunStore } from '@metaclip-batch/jobs';
import { createQueueMetrics, type Logger } from '@metaclip-batch/telemetry';
import type { Router } from 'express';
import type { DashboardConfig } from './config.ts';
import { QueueRegistry, wantedQueues } from './queue-registry.ts';
import { createDashboardApp } from './server.ts';

/** How often the runs page polls the API, in milliseconds. */
export const POLL_MS = 1500;

/** A listening dashboard. */
export interface RunningDashboard {
  /** Base URL, e.g. `http://127.0.0.1:3000/`. */
  url: string;
  /** Re-read the runs and open or close queues in Bull Board now (it also happens every discover interval). */
  discover(): Promise<void>;
  /** Stop listening, stop discovery, close queues and Redis. */
  close(): Promise<void>;
}

/**
 * Start the dashboard: connect to Redis, open the queues that runs name (plus the configured ones) in Bull Board,
 * keep that list fresh, and listen on `config.host:config.port` (port 0 picks a free one).
 */
export async function startDashboard(config: DashboardConfig, logger: Logger): Promise<RunningDashboard> {
  // Queue reads must fail fast while Redis is away rather than hang a page; ioredis keeps reconnecting meanwhile.
  const redis = connectRedis(
    { url: config.redisUrl, cluster: config.redisCluster },
    { maxRetriesPerRequest: 2, enableOfflineQueue: true },
  );
  redis.on('error', (err) => logger.warn({ err: { message: err.message } }, 'redis connection error'));
  const store = new RunStore(redis, config.keyPrefix);

  // Two boards over the same queues: Bull Board's read-only mode is per queue adapter, not per request, so
  // requests with the admin credentials are routed to the board that may act and all others to the read-only one.
  const board = (readOnly: boolean) => {
    const serverAdapter = new ExpressAdapter().setBasePath('/queues');
    const controls = createBullBoard({
      queues: [],
      serverAdapter,
      options: { uiConfig: { boardTitle: 'metaclip-batch' } },
    });
    return { controls, readOnly, router: serverAdapter.getRouter() as Router };
  };
  const readOnlyBoard = board(true);
  const adminBoard = board(false);
  const registry = new QueueRegistry([readOnlyBoard, adminBoard], redis, logger);

  const discover = async () => {
    const runs = await store.list(config.runsLimit);
    await registry.sync(wantedQueues(runs, config.queues));
  };
  await discover().catch((err) => logger.warn({ err }, 'initial queue discovery failed; retrying on the timer'));
  let discovering = false;
  const timer = setInterval(() => {
    if (discovering) return;
    discovering = true;
    discover()
      .catch((err) => logger.warn({ err }, 'queue discovery failed'))
      .finally(() => {
        discovering = false;
      });
  }, config.discoverIntervalMs);
  timer.unref();

  const app = createDashboardApp({
    auth: config.auth,
    runsLimit: config.runsLimit,
    pollMs: POLL_MS,
    store,
    registry,
    boardRouters: { readOnly: readOnlyBoard.router, admin: adminBoard.router },
    redis,
    metrics: createQueueMetrics(() => registry.summaries()),
    logger,
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(config.port, config.host, (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  return {
    url: `http://${host}:${port}/`,
    discover,
    async close() {
      clearInterval(timer);
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
      await registry.close();
      await redis.quit();
    },
  };
}
