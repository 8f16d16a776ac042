import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  /** `app` label on every series (`worker`, `producer`). */
  app: string;
  /** `device` label on every series (`cpu`, `cuda:0`); lets dashboards split throughput per GPU. */
  device?: string;
  /** Also collect Node process metrics (CPU, memory, event-loop lag) under their standard `process_*`/`nodejs_*` names. Default true. */
  processMetrics?: boolean;
}

/**
 * The project's metrics, `metaclip_`-prefixed with the unit as suffix (`_images`, `_seconds`, counters `_total`), as
 * Prometheus names them, registered in `registry`. Queue gauges are the dashboard's (`createQueueMetrics`).
 */
export interface Metrics {
  registry: Registry;
  /** Images embedded and written (worker). */
  imagesProcessed: Counter;
  /** Images that became error rows, by `reason` (`fetch`, `decode`, ...) (worker). */
  imagesFailed: Counter<'reason'>;
  /** Shards finished, by `status` (`done` or `failed`) (worker). */
  shardsProcessed: Counter<'status'>;
  /** Images per model batch, as the dynamic batcher formed them (worker). */
  batchSize: Histogram;
  /** Seconds per stage call, by `stage` (the `Stage`s of stages.ts, fed through `observeStages`) (worker). */
  stageSeconds: Histogram<'stage'>;
  /** Image URIs listed from sources (producer). */
  urisListed: Counter;
  /** Shard jobs added to queues (producer). */
  jobsEnqueued: Counter;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

/**
 * A fresh registry with the project's metrics. Each call makes its own registry (no global state), so tests and
 * several workers in one process do not collide.
 */
export function createMetrics(opts: MetricsOptions): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels(opts.device ? { app: opts.app, device: opts.device } : { app: opts.app });
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    imagesProcessed: new Counter({
      name: 'metaclip_images_processed_total',
      help: 'Images embedded and written',
      registers,
    }),
    imagesFailed: new Counter({
      name: 'metaclip_images_failed_total',
      help: 'Images that became error rows',
      labelNames: ['reason'],
      registers,
    }),
    shardsProcessed: new Counter({
      name: 'metaclip_shards_processed_total',
      help: 'Shards finished',
      labelNames: ['status'],
      registers,
    }),
    batchSize: new Histogram({
      name: 'metaclip_batch_images',
      help: 'Images per model batch',
      buckets: BATCH_BUCKETS,
      registers,
    }),
    stageSeconds: new Histogram({
      name: 'metaclip_stage_seconds',
      help: 'Seconds per pipeline stage call (fetch, decode, batch_wait, inference, score, write)',
      labelNames: ['stage'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    urisListed: new Counter({ name: 'metaclip_uris_listed_total', help: 'Image URIs listed from sources', registers }),
    jobsEnqueued: new Counter({ name: 'metaclip_jobs_enqueued_total', help: 'Shard jobs added to queues', registers }),
  };
}
