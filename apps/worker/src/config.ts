import { hostname } from 'node:os';
import { defaultQueueName, modelKey } from '@metaclip-batch/jobs';
import { z } from 'zod';

/**
 * The worker's one configuration schema. Every setting comes from a flag or, failing that, an environment variable
 * (`METACLIP_*`, `REDIS_URL`), else its default; the whole is validated once at start-up so a typo fails before the
 * model loads, with a message that names the flag.
 */

const int = (min: number) => z.coerce.number().int().min(min);

/** Settings, the flag that sets each, and the environment variable it falls back to. */
export const SETTINGS = {
  model: { flag: '--model', env: 'METACLIP_MODEL' },
  queue: { flag: '--queue', env: 'METACLIP_QUEUE' },
  device: { flag: '--device', env: 'METACLIP_DEVICE' },
  dtype: { flag: '--dtype', env: 'METACLIP_DTYPE' },
  redisUrl: { flag: '--redis-url', env: 'REDIS_URL' },
  keyPrefix: { flag: '--key-prefix', env: 'METACLIP_PREFIX' },
  maxBatch: { flag: '--max-batch', env: 'METACLIP_MAX_BATCH' },
  maxDelayMs: { flag: '--max-delay-ms', env: 'METACLIP_MAX_DELAY_MS' },
  maxQueue: { flag: '--max-queue', env: 'METACLIP_MAX_QUEUE' },
  inflight: { flag: '--inflight', env: 'METACLIP_INFLIGHT' },
  concurrency: { flag: '--concurrency', env: 'METACLIP_CONCURRENCY' },
  fetchConcurrency: { flag: '--fetch-concurrency', env: 'METACLIP_FETCH_CONCURRENCY' },
  metricsPort: { flag: '--metrics-port', env: 'METACLIP_METRICS_PORT' },
  threads: { flag: '--threads', env: 'METACLIP_THREADS' },
  preprocessThreads: { flag: '--preprocess-threads', env: 'METACLIP_PREPROCESS_THREADS' },
  visionThreads: { flag: '--vision-threads', env: 'METACLIP_VISION_THREADS' },
  graceMs: { flag: '--grace-ms', env: 'METACLIP_GRACE_MS' },
  lockDurationMs: { flag: '--lock-duration-ms', env: 'METACLIP_LOCK_DURATION_MS' },
  stalledIntervalMs: { flag: '--stalled-interval-ms', env: 'METACLIP_STALLED_INTERVAL_MS' },
  foreignModelDelayMs: { flag: '--foreign-model-delay-ms', env: 'METACLIP_FOREIGN_MODEL_DELAY_MS' },
  name: { flag: '--name', env: 'METACLIP_WORKER_NAME' },
} as const;

/** Defaults, also shown by `--help`. */
export const DEFAULTS = {
  device: 'cpu',
  dtype: 'fp32',
  redisUrl: 'redis://127.0.0.1:6379',
  keyPrefix: 'metaclip',
  maxBatch: 32,
  // 'auto': the delay follows the model's batch time (see adaptBatchDelay), right on a GPU and on a CPU alike.
  maxDelayMs: 'auto',
  inflight: 1,
  // 'auto': on this thread for a CPU (its cores run the model), on worker threads for a GPU (see threadPlan).
  preprocessThreads: 'auto',
  visionThreads: 'auto',
  concurrency: 4,
  // 'auto': 16 on a CPU; 128 on a GPU, which needs that many GETs in flight to hide object-store latency.
  fetchConcurrency: 'auto',
  metricsPort: 9464,
  graceMs: 60_000,
  // A lock renews every lockDuration/2 while the shard runs; a SIGKILLed worker's shards go back after at most
  // lockDuration + stalledInterval (45 s here) instead of BullMQ's 60 s.
  lockDurationMs: 30_000,
  stalledIntervalMs: 15_000,
  foreignModelDelayMs: 5_000,
} as const;

/** Schema of a complete worker configuration. */
export const WorkerConfigSchema = z
  .object({
    model: z
      .string({ error: 'name the model with --model (a folder, an ONNX folder or a hub id)' })
      .min(1, 'name the model with --model (a folder, an ONNX folder or a hub id)'),
    /** Default: the model's own queue (`defaultQueueName`), the one the producer uses when none is named. */
    queue: z
      .string()
      .min(1)
      .refine((q) => !q.includes(':'), 'a queue name cannot contain ":"')
      .optional(),
    device: z.string().regex(/^(cpu|cuda(:\d+)?|webgpu)$/, 'use cpu, cuda, cuda:N or webgpu'),
    dtype: z.enum(['fp32', 'fp16']),
    redisUrl: z.string().regex(/^rediss?:\/\//, 'use redis://host:port or rediss://...'),
    /** Key prefix of the run store, as the producer and dashboard use it. */
    keyPrefix: z.string().regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, ".", "_" or "-"'),
    maxBatch: int(1),
    maxDelayMs: z.union([z.literal('auto'), z.coerce.number().min(0)], {
      error: 'use a number of milliseconds, or auto to follow the model',
    }),
    /** Default: twice the batch, so the next batch assembles while one runs. */
    maxQueue: int(1).optional(),
    inflight: int(1),
    concurrency: int(1),
    fetchConcurrency: z.union([z.literal('auto'), int(1)], { error: 'use a number of fetches, or auto' }),
    /** 0 picks a free port; -1 serves no metrics. */
    metricsPort: int(-1).max(65_535),
    threads: int(1).optional(),
    preprocessThreads: z.union([z.literal('auto'), int(0)], { error: 'use a number of threads (0: none), or auto' }),
    visionThreads: z.union([z.literal('auto'), int(0)], { error: 'use a number of threads (0: none), or auto' }),
    graceMs: int(0),
    lockDurationMs: int(1_000),
    stalledIntervalMs: int(1_000),
    foreignModelDelayMs: int(0),
    /** Shown as the job's `processedBy` (Bull Board, tests); default `<hostname>-<pid>`. */
    name: z.string().min(1).optional(),
  })
  .refine((c) => c.maxQueue === undefined || c.maxQueue >= c.maxBatch, {
    message: '--max-queue must be at least --max-batch',
    path: ['maxQueue'],
  });

/** A validated worker configuration with every default applied. */
export type WorkerConfig = Omit<z.infer<typeof WorkerConfigSchema>, 'queue' | 'maxQueue' | 'name'> & {
  name: string;
  /** `modelKey` of `--model`: what shard jobs name. */
  modelKey: string;
  queue: string;
  maxQueue: number;
};

/** Raised for a configuration that cannot start a worker; the message lists every problem by flag. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Pure: merges flags over environment over defaults and validates the result.
 *
 * @param flags commander's parsed options (camelCase keys as in {@link SETTINGS}); undefined means "not given".
 * @throws ConfigError naming each bad setting by its flag and variable.
 */
export function resolveConfig(
  flags: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  defaultName = `${hostname()}-${process.pid}`,
): WorkerConfig {
  const raw: Record<string, unknown> = { ...DEFAULTS };
  for (const [key, { env: name }] of Object.entries(SETTINGS)) {
    const value = flags[key] ?? env[name];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  const parsed = WorkerConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const setting = SETTINGS[issue.path[0] as keyof typeof SETTINGS];
      return setting ? `${setting.flag} (${setting.env}): ${issue.message}` : issue.message;
    });
    throw new ConfigError(`invalid worker configuration:\n  ${lines.join('\n  ')}`);
  }
  const config = parsed.data;
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
}

/** `--fetch-concurrency auto` on a GPU: ~30 ms per object-store GET x 128 in flight covers some 4,000 images/s. */
const GPU_FETCHES = 128;
const CPU_FETCHES = 16;

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
  return {
    preprocessThreads: pick(config.preprocessThreads, Math.max(2, Math.floor(cores / 2)), 0),
    visionThreads,
    inflight: Math.max(config.inflight, visionThreads),
    fetchConcurrency: pick(config.fetchConcurrency, GPU_FETCHES, CPU_FETCHES),
  };
}

/**
 * Pixel slots the worker allocates: enough for a full queue, the batches on the model and the images being fetched,
 * so no stage starves another. Each slot is one preprocessed image (600 KB at 224 px).
 */
export function pixelSlots(config: Pick<WorkerConfig, 'maxQueue' | 'maxBatch'>, plan: RuntimePlan): number {
  return config.maxQueue + plan.inflight * config.maxBatch + plan.fetchConcurrency;
}
