import { DEFAULT_TEMPLATE } from '@metaclip-batch/metaclip/zero-shot-scoring';
import { z } from 'zod';
import { MalformedJobError } from './errors.ts';
import { SIDECAR_EXTENSIONS } from './sidecars.ts';

/**
 * Run ids name Redis keys, BullMQ job ids and output folders, so they are restricted to a portable alphabet: a
 * letter or digit first, then letters, digits, `.`, `_`, `-`; at most 128 characters. No `:` (BullMQ forbids it in
 * custom job ids) and no `/` (it would nest output folders).
 */
export const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Schema of a run id; see {@link RUN_ID_PATTERN}. */
export const RunIdSchema = z
  .string()
  .regex(RUN_ID_PATTERN, 'use 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit');

/** Embedding dtypes a run can write. */
export const EmbedDtypeSchema = z.enum(['float32', 'float16']);
/** `float32` or `float16`. */
export type EmbedDtype = z.infer<typeof EmbedDtypeSchema>;

/**
 * Templates of a run that names none: the model library's default (the Hugging Face pipeline's), so a labeling run
 * scores images exactly as `metaclip classify` and the pipeline do.
 */
export const DEFAULT_TEMPLATES: readonly string[] = [DEFAULT_TEMPLATE];

/**
 * Everything a worker needs to process any shard of a run, stored once per run in the {@link RunStore} (so 100k shard
 * jobs do not each carry the label list). Timestamps are epoch milliseconds.
 */
export const RunSpecSchema = z
  .object({
    runId: RunIdSchema,
    /** BullMQ queue the shards were enqueued on. */
    queue: z
      .string()
      .min(1)
      .refine((q) => !q.includes(':'), 'a queue name cannot contain ":"'),
    /** S3 prefix, local folder or manifest file the URIs were listed from. */
    source: z.string().min(1),
    /** Where the workers write `img_emb_<shard>.npy` and `metadata_<shard>.parquet`. */
    output: z.string().min(1),
    /** Model reference as {@link modelKey} normalises it. */
    model: z.string().min(1),
    labels: z.array(z.string().trim().min(1, 'labels cannot be empty')).min(1, 'give at least one label'),
    /** Prompt templates; each holds `{}` where the label goes. */
    templates: z
      .array(z.string().refine((t) => t.includes('{}'), 'a template must contain {} where the label goes'))
      .min(1),
    topK: z.number().int().positive(),
    embedDtype: EmbedDtypeSchema,
    shardSize: z.number().int().positive().max(1_000_000),
    createdAt: z.number().int().nonnegative(),
    /** Only objects modified at or after this time (epoch ms) were enqueued. */
    since: z.number().int().optional(),
    /** Set when only objects new or changed since `baseRunId` were enqueued. */
    incremental: z.object({ baseRunId: RunIdSchema }).optional(),
  })
  .refine((s) => s.topK <= s.labels.length, {
    message: 'topK cannot exceed the number of labels',
    path: ['topK'],
  });
/** A validated run specification. */
export type RunSpec = z.infer<typeof RunSpecSchema>;

/**
 * The payload of one BullMQ job: one shard of a run. Labels and templates live in the run's {@link RunSpec}.
 * `sidecars[i]` names the caption sidecar of `uris[i]` by its extension (`sidecarUri` gives its URI), `null` for
 * none; a shard without any sidecar has no `sidecars`, so sources without captions pay nothing for them.
 */
export const ShardJobSchema = z
  .object({
    runId: RunIdSchema,
    shard: z.number().int().nonnegative(),
    model: z.string().min(1),
    uris: z.array(z.string().min(1)).min(1),
    sidecars: z.array(z.enum(SIDECAR_EXTENSIONS).nullable()).optional(),
  })
  .refine((j) => j.sidecars === undefined || j.sidecars.length === j.uris.length, {
    message: 'sidecars must have one entry per URI',
    path: ['sidecars'],
  });
/** A validated shard job. */
export type ShardJob = z.infer<typeof ShardJobSchema>;

/**
 * Validate job data as it comes off the queue.
 *
 * @throws {@link MalformedJobError} (permanent: the worker fails the job without retrying it).
 */
export function parseShardJob(data: unknown): ShardJob {
  const parsed = ShardJobSchema.safeParse(data);
  if (!parsed.success) throw new MalformedJobError(z.prettifyError(parsed.error));
  return parsed.data;
}

/**
 * Validate a run spec (for example one read back from Redis or built from CLI flags).
 *
 * @throws the zod error when invalid; callers at the edges turn it into a message for a person.
 */
export function parseRunSpec(data: unknown): RunSpec {
  return RunSpecSchema.parse(data);
}
