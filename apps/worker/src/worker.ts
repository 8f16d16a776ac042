import { availableParallelism } from 'node:os';
import { bullPrefix, closeAfterInit, clusterModeProblem, connectRedis, RunStore } from '@metaclip-batch/jobs';
import { buildLabelSet, ImageInputError, loadModel, type MetaClipModel } from '@metaclip-batch/metaclip';
import { tuneSharpForThroughput } from '@metaclip-batch/metaclip/image';
import { createEmbedBatcher, createPixelArena, Semaphore } from '@metaclip-batch/pipeline';
import { ConfigError, describeSetting } from '@metaclip-batch/settings';
import { closeStorage, storageFor } from '@metaclip-batch/storage';
import {
  createMetrics,
  type Logger,
  type MetricsServer,
  observeStages,
  startMetricsServer,
} from '@metaclip-batch/telemetry';
import { Worker } from 'bullmq';
import { startCompute } from './compute.ts';
import { planRuntime, SESSION_SPINNING, WORKER_SETTINGS, type WorkerConfig } from './config.ts';
import { createDeferredFailureRecorder, createShardHandler, type ShardHandlerDeps } from './shard-handler.ts';

/** How long start-up waits for Redis's first answer before saying the Redis setting is wrong. */
const REDIS_STARTUP_TIMEOUT_MS = 30_000;

/** `promise`, or a rejection once `ms` have passed. */
function withinBound<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, bound]).finally(() => clearTimeout(timer));
}

/** `--max-delay-ms auto`: start at a GPU's few milliseconds, follow the model's batch time, never wait over 5 s. */
const AUTO_DELAY = { startMs: 20, minMs: 2, maxMs: 5_000 } as const;

/** A started worker. */
export interface RunningWorker {
  model: MetaClipModel;
  /** The metrics server's port, when one runs. */
  metricsPort: number | undefined;
  /**
   * Graceful stop: take no new shards, finish the ones in flight (their batches included), then release the model,
   * Redis and the metrics server.
   */
  close(): Promise<void>;
}

/**
 * Wires one worker process: metrics server, model, the pixel arena and where images are decoded and batches run
 * (this thread or thread pools: `startCompute`), the shared batcher, the run store, and a
 * BullMQ worker running `concurrency` shards at once on the model's queue.
 *
 * Connection: one ioredis client with `maxRetriesPerRequest: null` (BullMQ requires it for workers), so during a Redis
 * restart commands wait for the reconnect instead of failing the shards in flight. Stalled-job recovery: a worker
 * that dies holding shards stops renewing their locks; after `lockDurationMs` another worker's stalled check (every
 * `stalledIntervalMs`) puts them back in the queue. Output keys depend only on (run, shard), so the redone shard
 * overwrites whatever the dead worker may have written.
 */
export async function startWorker(config: WorkerConfig, log: Logger): Promise<RunningWorker> {
  const metrics = createMetrics({ app: 'worker', device: config.device });
  const observeStage = observeStages(metrics);
  let ready = false;
  const server: MetricsServer | undefined =
    config.metricsPort >= 0
      ? await startMetricsServer({ port: config.metricsPort, registry: metrics.registry, ready: () => ready })
      : undefined;
  if (server) log.info({ port: server.port }, 'metrics on /metrics, /healthz, /readyz');

  tuneSharpForThroughput();
  const plan = planRuntime(config, availableParallelism());
  const model = await loadModel(config.model, {
    device: config.device,
    dtype: config.dtype,
    decode: config.decode,
    intraOpThreads: config.threads,
    spinning: SESSION_SPINNING,
    // Pixel slots hold packed 8-bit RGB; the converter's RGB graph normalises them (see pixel-arena.ts).
    visionInput: 'rgb',
    // With vision threads, this thread only embeds label lists.
    towers: plan.visionThreads > 0 ? 'text' : 'both',
    logger: log,
  });
  const arena = createPixelArena(
    { maxQueue: config.maxQueue, maxBatch: config.maxBatch, inflight: plan.inflight, fetches: plan.fetchConcurrency },
    model.imageSize,
  );
  const compute = await startCompute(model, config, plan, arena, log);
  const delay = config.maxDelayMs;
  const batcher = createEmbedBatcher({
    model: compute.model,
    policy: { maxBatch: config.maxBatch, maxDelayMs: delay === 'auto' ? AUTO_DELAY.startMs : delay },
    adaptiveDelay: delay === 'auto' ? AUTO_DELAY : undefined,
    maxQueue: config.maxQueue,
    inflight: plan.inflight,
    onBatch: (stats) => {
      metrics.batchSize.observe(stats.size);
      observeStage('batch_wait', stats.queueMs / 1000);
      observeStage('inference', stats.runMs / 1000);
      if (stats.error !== undefined) log.error({ err: stats.error, size: stats.size }, 'model batch failed');
    },
  });
  const connection = connectRedis(
    { url: config.redisUrl, cluster: config.redisCluster },
    { maxRetriesPerRequest: null },
  );
  const prefix = bullPrefix(connection);
  connection.on('error', (err) => log.warn({ err: err.message }, 'redis connection error; reconnecting'));
  // A missing or stray --redis-cluster would otherwise surface as MOVED errors on the first shard. Bounded: once
  // running the worker waits out Redis restarts, but a Redis that never answers at start-up is a wrong setting.
  const modeProblem = await withinBound(connection.info('cluster'), REDIS_STARTUP_TIMEOUT_MS).then(
    (info) => clusterModeProblem(info, config.redisCluster),
    () => `did not answer within ${REDIS_STARTUP_TIMEOUT_MS / 1000} s (is it up, and is this its address?)`,
  );
  if (modeProblem) {
    connection.disconnect();
    await Promise.all([compute.close(), model.dispose(), server?.close()]);
    throw new ConfigError([`${describeSetting(WORKER_SETTINGS.redisUrl)}: the Redis there ${modeProblem}`]);
  }

  const handlerDeps: ShardHandlerDeps = {
    modelKey: config.modelKey,
    embedDim: model.embedDim,
    store: new RunStore(connection, config.keyPrefix),
    // Cached per (model, labels, templates) by the model library: labels are embedded once per run per worker.
    labelSetFor: (labels, templates) => buildLabelSet(model, labels, templates),
    runner: {
      storageFor: (uri) => storageFor(uri),
      processor: compute.processor,
      batcher,
      pixels: arena.pool,
      fetchLimiter: new Semaphore(plan.fetchConcurrency),
      decodeLimiter: new Semaphore(plan.decodes),
      onImageError: (uri, error) => {
        metrics.imagesFailed.inc({ reason: error instanceof ImageInputError ? 'decode' : 'fetch' });
        log.warn({ uri, err: error.message }, 'image skipped');
      },
      onCaptionError: (uri, error) => log.warn({ uri, err: error.message }, 'caption sidecar unreadable: null caption'),
      onStage: observeStage,
    },
    storageFor: (uri) => storageFor(uri),
    foreignModelDelayMs: config.foreignModelDelayMs,
    log,
    metrics,
  };
  const handler = createShardHandler(handlerDeps);
  const recordDeferredFailure = createDeferredFailureRecorder(handlerDeps);

  const worker = new Worker(config.queue, handler, {
    connection,
    prefix,
    name: config.name,
    concurrency: config.concurrency,
    lockDuration: config.lockDurationMs,
    stalledInterval: config.stalledIntervalMs,
    // A shard may stall when its worker is killed, and again if that happens twice; beyond that it fails for good.
    maxStalledCount: 2,
  });
  worker.on('error', (err) => log.error({ err }, 'worker error'));
  worker.on('failed', (job, err) => {
    if (job) void recordDeferredFailure(job, err);
  });
  await worker.waitUntilReady();
  ready = true;
  log.info(
    {
      name: config.name,
      queue: config.queue,
      model: config.modelKey,
      device: model.device,
      concurrency: config.concurrency,
      preprocessThreads: plan.preprocessThreads,
      visionThreads: plan.visionThreads,
      fetchConcurrency: plan.fetchConcurrency,
    },
    'worker ready',
  );

  return {
    model,
    metricsPort: server?.port,
    async close() {
      ready = false;
      await closeAfterInit(worker);
      await batcher.close();
      await compute.close();
      await model.dispose();
      await connection.quit();
      await server?.close();
      closeStorage();
    },
  };
}
