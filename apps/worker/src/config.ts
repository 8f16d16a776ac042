import { hostname } from 'node:os';
import { defaultQueueName, modelKey } from '@metaclip-batch/jobs';
import { MODEL_DTYPES } from '@metaclip-batch/metaclip';
import { DECODE_MODES } from '@metaclip-batch/metaclip/image';
import {
  defineSettings,
  MODEL_REF_SETTINGS,
  REDIS_CONNECTION_SETTINGS,
  resolveSettings,
  type SettingsValues,
} from '@metaclip-batch/settings';
import { z } from 'zod';

/**
 * The worker's settings table: each setting's flag, environment variable, default, schema and help, once. The CLI's
 * options and help and the start-up validation are derived from it, so a typo fails before the model loads, with a
 * message that names the flag and the variable.
 */

const int = (min: number) => z.coerce.number().int().min(min);
const threadCount = z.union([z.literal('auto'), int(0)], { error: 'use a number of threads (0: none), or auto' });

/** Every worker setting. */
export const WORKER_SETTINGS = defineSettings({
  ...MODEL_REF_SETTINGS,
  queue: {
    flag: '--queue <name>',
    env: 'METACLIP_QUEUE',
    defaultHelp: "the model's own queue, as the producer names it",
    schema: z
      .string()
      .min(1)
      .refine((q) => !q.includes(':'), 'a queue name cannot contain ":"')
      .optional(),
    help: 'BullMQ queue',
  },
  dtype: {
    flag: '--dtype <dtype>',
    env: 'METACLIP_DTYPE',
    default: 'fp32',
    schema: z.enum(MODEL_DTYPES, { error: `use one of ${MODEL_DTYPES.join(', ')}` }),
    help: "fp32 or fp16 compute; int8 (quantised MatMul weights) for CPU workers; uint8, q8, q4, q4f16, bnb4 pick a transformers.js folder's files",
  },
  decode: {
    flag: '--decode <mode>',
    env: 'METACLIP_DECODE',
    // Hugging Face's pixels; `fast` is an explicit choice of speed over fidelity.
    default: 'exact',
    schema: z.enum(DECODE_MODES, { error: 'use exact or fast' }),
    help:
      "exact: Hugging Face's pixels; fast: JPEG/WebP shrink-on-load, a few levels off per pixel and much cheaper " +
      'on large photos (see docs/deploy.md)',
  },
  ...REDIS_CONNECTION_SETTINGS,
  maxBatch: {
    flag: '--max-batch <n>',
    env: 'METACLIP_MAX_BATCH',
    default: 32,
    schema: int(1),
    help: 'largest model batch',
  },
  maxDelayMs: {
    flag: '--max-delay-ms <ms|auto>',
    env: 'METACLIP_MAX_DELAY_MS',
    // 'auto': the delay follows the model's batch time (see adaptBatchDelay), right on a GPU and on a CPU alike.
    default: 'auto',
    schema: z.union([z.literal('auto'), z.coerce.number().min(0)], {
      error: 'use a number of milliseconds, or auto to follow the model',
    }),
    help: "longest wait to fill a batch; auto follows the model's batch time",
  },
  maxQueue: {
    flag: '--max-queue <n>',
    env: 'METACLIP_MAX_QUEUE',
    // Twice the batch, so the next batch assembles while one runs.
    defaultHelp: '2 x max batch',
    schema: int(1).optional(),
    help: 'images queued for the model before fetching pauses',
  },
  inflight: {
    flag: '--inflight <n>',
    env: 'METACLIP_INFLIGHT',
    default: 1,
    schema: int(1),
    help: 'model batches run at once, at least one per vision thread',
  },
  concurrency: {
    flag: '--concurrency <n>',
    env: 'METACLIP_CONCURRENCY',
    default: 4,
    schema: int(1),
    help: 'shards in flight',
  },
  fetchConcurrency: {
    flag: '--fetch-concurrency <n|auto>',
    env: 'METACLIP_FETCH_CONCURRENCY',
    // 'auto': 16 on a CPU; 128 on a GPU, which needs that many GETs in flight to hide object-store latency.
    default: 'auto',
    schema: z.union([z.literal('auto'), int(1)], { error: 'use a number of fetches, or auto' }),
    help: 'image fetches at once; auto: 16 on a CPU, 128 on a GPU',
  },
  metricsPort: {
    flag: '--metrics-port <port>',
    env: 'METACLIP_METRICS_PORT',
    default: 9464,
    schema: int(-1).max(65_535),
    help: 'metrics server port; 0: any free port, -1: none',
  },
  threads: {
    flag: '--threads <n>',
    env: 'METACLIP_THREADS',
    defaultHelp: 'onnxruntime picks',
    schema: int(1).optional(),
    help: 'onnxruntime intra-op threads',
  },
  preprocessThreads: {
    flag: '--preprocess-threads <n|auto>',
    env: 'METACLIP_PREPROCESS_THREADS',
    // 'auto': on this thread for a CPU (its cores run the model), on worker threads for a GPU (see planRuntime).
    default: 'auto',
    schema: threadCount,
    help:
      'worker threads that decode and preprocess images; 0: on the main thread. auto: 0 on a CPU, half the cores ' +
      'on a GPU',
  },
  visionThreads: {
    flag: '--vision-threads <n|auto>',
    env: 'METACLIP_VISION_THREADS',
    default: 'auto',
    schema: threadCount,
    help:
      'worker threads each running a model session, so batches never block the main thread; 0: on the main ' +
      'thread. auto: 0 on a CPU, 2 on a GPU',
  },
  graceMs: {
    flag: '--grace-ms <ms>',
    env: 'METACLIP_GRACE_MS',
    default: 60_000,
    schema: int(0),
    help: 'time to finish in-flight shards on SIGTERM',
  },
  // A lock renews every lockDuration/2 while the shard runs; a SIGKILLed worker's shards go back after at most
  // lockDuration + stalledInterval (45 s here) instead of BullMQ's 60 s.
  lockDurationMs: {
    flag: '--lock-duration-ms <ms>',
    env: 'METACLIP_LOCK_DURATION_MS',
    default: 30_000,
    schema: int(1_000),
    help: "shard lock; a dead worker's shards return after it",
  },
  stalledIntervalMs: {
    flag: '--stalled-interval-ms <ms>',
    env: 'METACLIP_STALLED_INTERVAL_MS',
    default: 15_000,
    schema: int(1_000),
    help: 'how often to look for stalled shards',
  },
  name: {
    flag: '--name <name>',
    env: 'METACLIP_WORKER_NAME',
    defaultHelp: '<hostname>-<pid>',
    schema: z.string().min(1).optional(),
    help: 'worker name, shown as the processedBy of its jobs',
  },
  foreignModelDelayMs: {
    flag: '--foreign-model-delay-ms <ms>',
    env: 'METACLIP_FOREIGN_MODEL_DELAY_MS',
    default: 5_000,
    schema: int(0),
    help: 'delay before a shard for another model is offered again',
  },
});

/** A validated worker configuration with every default applied. */
export type WorkerConfig = Omit<SettingsValues<typeof WORKER_SETTINGS>, 'queue' | 'maxQueue' | 'name'> & {
  name: string;
  /** `modelKey` of `--model`: what shard jobs name. */
  modelKey: string;
  queue: string;
  maxQueue: number;
};

/**
 * Pure: each setting from its flag, else its environment variable, else its default, validated.
 *
 * @param flags commander's parsed options (keys as in {@link WORKER_SETTINGS}); undefined means "not given".
 * @throws ConfigError naming each bad setting by its flag and variable.
 */
export function resolveConfig(
  flags: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  defaultName = `${hostname()}-${process.pid}`,
): WorkerConfig {
  const config = resolveSettings(WORKER_SETTINGS, { flags, env }, (c) => [
    ...(c.maxQueue === undefined || c.maxQueue >= c.maxBatch
      ? []
      : [{ key: 'maxQueue' as const, message: 'must be at least --max-batch' }]),
    // onnxruntime's int8 MatMul kernels are CPU ones: on a GPU every quantised MatMul would fall back to the CPU.
    ...(c.dtype === 'int8' && c.device !== 'cpu'
      ? [{ key: 'dtype' as const, message: 'int8 runs on the CPU only; use fp16 on a GPU' }]
      : []),
  ]);
  return {
    ...config,
    modelKey: modelKey(config.model),
    queue: config.queue ?? defaultQueueName(config.model),
    maxQueue: config.maxQueue ?? 2 * config.maxBatch,
    name: config.name ?? defaultName,
  };
}

/** What the worker runs with once every `auto` is decided. */
export interface RuntimePlan {
  /** Threads that decode and preprocess images; 0: on the main thread. */
  preprocessThreads: number;
  /** Threads that each own a model session; 0: the session runs on the main thread. */
  visionThreads: number;
  /** Model batches at once: `--inflight`, and at least one per vision thread. */
  inflight: number;
  /** Image fetches at once. */
  fetchConcurrency: number;
  /**
   * Images decoded at once, across shards: two per decoding thread (the preprocess threads, or on the main thread's
   * path one per core, libvips decoding on libuv's pool), so the next image is already queued when one finishes and
   * a thread never waits for the main thread to hand it work (measured on 2 cores, tiny model: one per core left the
   * worker at 1.5 of its 2 cores, two per core ran 15-20% more images a second). The bin sizes libuv's pool to these
   * decodes plus a few threads, so file reads and writes always find a thread instead of queueing behind decoding.
   */
  decodes: number;
}

/**
 * A worker's sessions share the cores with image decoding, so their idle threads never spin: measured on 2 cores with
 * the tiny model, onnxruntime's one spinning pool thread used more CPU than all of libvips' decoding (see
 * docs/benchmarks.md).
 */
export const SESSION_SPINNING = false;

/** `--fetch-concurrency auto` on a GPU: ~30 ms per object-store GET x 128 in flight covers some 4,000 images/s. */
const GPU_FETCHES = 128;
const CPU_FETCHES = 16;
/** Images in decoding per decoding thread: one decoding, one queued behind it (see {@link RuntimePlan.decodes}). */
const DECODES_PER_THREAD = 2;

/**
 * Pure: what `auto` means. On a CPU the cores belong to the model's own threads, so decoding and the session stay
 * on the main thread (libuv already decodes in parallel) and 16 fetches keep up. On a GPU the model outruns one
 * thread's preprocessing and `session.run` blocks its caller: two vision threads (one batch gathered and launched
 * while the other runs), half the cores for preprocessing (libvips decodes on the rest), and enough fetches in
 * flight to feed thousands of images a second.
 */
export function planRuntime(
  config: Pick<WorkerConfig, 'device' | 'preprocessThreads' | 'visionThreads' | 'inflight' | 'fetchConcurrency'>,
  cores: number,
): RuntimePlan {
  const gpu = config.device !== 'cpu';
  const pick = (value: number | 'auto', onGpu: number, onCpu: number) =>
    value !== 'auto' ? value : gpu ? onGpu : onCpu;
  const visionThreads = pick(config.visionThreads, 2, 0);
  const preprocessThreads = pick(config.preprocessThreads, Math.max(2, Math.floor(cores / 2)), 0);
  return {
    preprocessThreads,
    visionThreads,
    inflight: Math.max(config.inflight, visionThreads),
    fetchConcurrency: pick(config.fetchConcurrency, GPU_FETCHES, CPU_FETCHES),
    decodes: DECODES_PER_THREAD * (preprocessThreads > 0 ? preprocessThreads : cores),
  };
}
