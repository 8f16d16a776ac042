import { readFile } from 'node:fs/promises';
import { DEFAULT_SHARD_SIZE, DEFAULT_TEMPLATES, EmbedDtypeSchema, modelKey, RunIdSchema } from '@metaclip-batch/jobs';
import {
  ConfigError,
  defineSettings,
  keyPrefixSchema,
  logLevelSchema,
  redisUrlSchema,
  resolveSettings,
  type SettingsValues,
  switchSchema,
} from '@metaclip-batch/settings';
import { formatUri, parseUri } from '@metaclip-batch/storage';
import { redactSecrets } from '@metaclip-batch/telemetry';
import { z } from 'zod';
import { checkModelRef } from './model-check.ts';

export { ConfigError, EXIT_CONFIG } from '@metaclip-batch/settings';

/** Listing pauses while the queue holds this many jobs not yet started (2,000 jobs x 1,000 URIs: ~150 MB). */
export const DEFAULT_HIGH_WATER = 2000;
/** `--wait` gives up when no worker has taken a shard for this long, in seconds (a worker loading a model is slower). */
export const DEFAULT_WAIT_TIMEOUT_S = 300;
/**
 * ListObjectsV2 requests at once when listing an S3 prefix: 16 lists ~16x one stream's ~10k keys/s on AWS, far below
 * S3's 5,500 LIST/s per prefix partition.
 */
export const DEFAULT_LIST_PARALLELISM = 16;
/** Top-k labels kept per image unless asked otherwise (never more than there are labels). */
export const DEFAULT_TOP_K = 5;

/**
 * The producer's settings: read from the environment (its other flags are each command's own), except
 * `--redis-cluster`, a flag of the program.
 */
export const PRODUCER_SETTINGS = defineSettings({
  redisUrl: { env: 'REDIS_URL', default: 'redis://127.0.0.1:6379', schema: redisUrlSchema, help: 'Redis URL' },
  redisCluster: {
    flag: '--redis-cluster',
    env: 'METACLIP_REDIS_CLUSTER',
    default: false,
    schema: switchSchema,
    help: 'REDIS_URL is a seed node of a Redis Cluster',
  },
  logLevel: { env: 'LOG_LEVEL', default: 'info', schema: logLevelSchema, help: 'stderr log level' },
  keyPrefix: {
    env: 'METACLIP_PREFIX',
    default: 'metaclip',
    schema: keyPrefixSchema,
    help: 'key prefix of the run store in Redis (BullMQ keeps its own `bull:` prefix, `{bull}` on a cluster)',
  },
  pollMs: {
    env: 'METACLIP_POLL_MS',
    default: 1000,
    schema: z.coerce.number().int().min(10, 'must be at least 10 (ms)'),
    help: 'how often --wait and a paused listing look at Redis, in ms',
  },
  metricsPort: {
    env: 'METACLIP_METRICS_PORT',
    deprecatedEnv: ['METRICS_PORT'],
    schema: z.coerce.number().int().min(0).max(65535).optional(),
    help: "port of the scheduler's /metrics, /healthz and /readyz server; unset: no server",
  },
  controlQueue: {
    env: 'METACLIP_CONTROL_QUEUE',
    default: 'metaclip-control',
    schema: keyPrefixSchema,
    help: 'queue holding the job schedulers of nightly runs',
  },
});
/** Validated producer settings. */
export type Env = SettingsValues<typeof PRODUCER_SETTINGS>;

const positiveInt = (what: string) =>
  z.coerce
    .number({ error: `must be ${what}` })
    .int(`must be ${what}`)
    .min(1, `must be ${what}`);

const DateSchema = z
  .string()
  .transform((s, ctx) => {
    const ms = Date.parse(s);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: 'custom', message: 'must be a date such as 2024-05-01 or 2024-05-01T02:00:00Z' });
      return z.NEVER;
    }
    return ms;
  })
  .optional();

/** The `enqueue` (and `schedule`) options, after defaults. */
export const EnqueueOptionsSchema = z.object({
  source: z.string().min(1, 'give the images: an S3 prefix, a local folder or a manifest file'),
  output: z.string().min(1, 'give where the embeddings go: an S3 prefix or a local folder'),
  model: z.string().min(1, 'give a model folder or hub id'),
  labels: z
    .array(z.string())
    .min(1, 'give labels with --labels a,b,c or --labels-file FILE')
    .refine((l) => new Set(l).size === l.length, 'labels must be distinct'),
  templates: z.array(z.string().refine((t) => t.includes('{}'), 'each template needs {} where the label goes')).min(1),
  topK: positiveInt('a positive integer').optional(),
  queue: z
    .string()
    .regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, ".", "_" or "-" (BullMQ forbids ":")')
    .optional(),
  runId: RunIdSchema.optional(),
  shardSize: positiveInt('a positive integer').max(1_000_000, 'must be at most 1000000').default(DEFAULT_SHARD_SIZE),
  since: DateSchema,
  incremental: z.boolean().default(false),
  // float16 as clip-retrieval writes its embeddings: half the storage, ~1e-3 per component on unit vectors.
  embedDtype: EmbedDtypeSchema.default('float16'),
  highWater: positiveInt('a positive integer').default(DEFAULT_HIGH_WATER),
  listParallelism: positiveInt('a positive integer').max(256, 'must be at most 256').default(DEFAULT_LIST_PARALLELISM),
  wait: z.boolean().default(false),
  /** `--wait` gives up after this many seconds without a worker taking a shard. */
  waitTimeout: positiveInt('a positive number of seconds').default(DEFAULT_WAIT_TIMEOUT_S),
});
/** Validated `enqueue` options; `topK` is resolved against the labels. */
export type EnqueueOptions = Omit<z.infer<typeof EnqueueOptionsSchema>, 'topK'> & { topK: number };

/** Raw `enqueue` flags as commander collects them. */
export interface EnqueueFlags {
  source?: string;
  output?: string;
  model?: string;
  labels?: string;
  labelsFile?: string;
  template?: string[];
  topK?: string;
  queue?: string;
  runId?: string;
  shardSize?: string;
  since?: string;
  incremental?: boolean;
  embedDtype?: string;
  highWater?: string;
  listParallelism?: string;
  wait?: boolean;
  waitTimeout?: string;
}

/** How options are spelled on the command line, for messages. */
const FLAG_NAMES: Record<string, string> = {
  source: '--source',
  output: '--output',
  model: '--model',
  labels: '--labels',
  templates: '--template',
  topK: '--top-k',
  queue: '--queue',
  runId: '--run-id',
  shardSize: '--shard-size',
  since: '--since',
  embedDtype: '--embed-dtype',
  highWater: '--high-water',
  waitTimeout: '--wait-timeout',
  listParallelism: '--list-parallelism',
};

function problemsOf(error: z.ZodError, input: Record<string, unknown>, names: Record<string, string> = {}): string[] {
  return error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '');
    const got = input[key];
    const shown = typeof got === 'string' ? ` (got ${JSON.stringify(redactSecrets(got))})` : '';
    return `${names[key] ?? key}: ${issue.message}${shown}`;
  });
}

/**
 * Validate the environment.
 *
 * @throws {@link ConfigError}
 */
export function loadEnv(env: NodeJS.ProcessEnv = process.env, flags: Record<string, unknown> = {}): Env {
  return resolveSettings(PRODUCER_SETTINGS, { env, flags });
}

/** Labels from a file: a JSON array of strings, or one label per line (blank lines and `#` comments skipped). */
export async function readLabelsFile(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`--labels-file: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? err})`]);
  }
  // Editors on Windows save UTF-8 with a byte-order mark, which JSON.parse refuses.
  if (text.startsWith('\uFEFF')) text = text.slice(1);
  if (file.endsWith('.json')) {
    const parsed = z.array(z.string()).safeParse(JSON.parse(text));
    if (!parsed.success) throw new ConfigError([`--labels-file: ${file} must hold a JSON array of strings`]);
    return parsed.data.map((l) => l.trim()).filter(Boolean);
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/**
 * Normalise a location as storage understands it: local paths (plain or `file://`) become absolute, because workers
 * may run elsewhere; S3 URIs stay as they are.
 *
 * @throws {@link ConfigError} for a scheme storage does not support.
 */
export function absoluteLocation(location: string, flag: string): string {
  try {
    return formatUri(parseUri(location));
  } catch (err) {
    throw new ConfigError([`${flag}: ${(err as Error).message}`]);
  }
}

/**
 * Validate `enqueue` flags: labels from `--labels` and `--labels-file` together, templates default to the model library's (the Hugging Face pipeline's),
 * `--top-k` defaults to min(5, labels) and may not exceed them, local paths become absolute and the model reference
 * is normalised and checked (`checkModelRef`).
 *
 * @throws {@link ConfigError} listing every problem.
 */
export async function loadEnqueueOptions(flags: EnqueueFlags): Promise<EnqueueOptions> {
  const labels = [
    ...(flags.labels ?? '')
      .split(',')
      .map((l) => l.trim())
      .filter(Boolean),
    ...(flags.labelsFile ? await readLabelsFile(flags.labelsFile) : []),
  ];
  const input = {
    ...flags,
    labels,
    templates: flags.template && flags.template.length > 0 ? flags.template : [...DEFAULT_TEMPLATES],
    incremental: flags.incremental ?? false,
    wait: flags.wait ?? false,
  };
  const parsed = EnqueueOptionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      problemsOf(parsed.error, input as Record<string, unknown>, FLAG_NAMES),
      'See `metaclip-producer enqueue --help`.',
    );
  }
  const o = parsed.data;
  if (o.topK !== undefined && o.topK > o.labels.length) {
    throw new ConfigError([`--top-k: ${o.topK} exceeds the ${o.labels.length} labels given`]);
  }
  const model = modelKey(o.model);
  await checkModelRef(model);
  return {
    ...o,
    source: absoluteLocation(o.source, '--source'),
    output: absoluteLocation(o.output, '--output'),
    model,
    topK: o.topK ?? Math.min(DEFAULT_TOP_K, o.labels.length),
  };
}
