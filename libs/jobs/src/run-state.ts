import { z } from 'zod';
import { type RunSpec, RunSpecSchema } from './schemas.ts';

/** Lifecycle of a run. `listing`: the producer is still enqueuing; terminal: completed, failed, cancelled. */
export const RUN_STATUSES = ['listing', 'running', 'completed', 'failed', 'cancelled'] as const;
/** One of {@link RUN_STATUSES}. */
export type RunStatus = (typeof RUN_STATUSES)[number];

/** The run's spec plus its live counters. Timestamps are epoch milliseconds. */
export type RunState = RunSpec & {
  status: RunStatus;
  /** True once listing finished and the totals below are final. */
  listed: boolean;
  shardsTotal: number;
  imagesTotal: number;
  shardsDone: number;
  shardsFailed: number;
  /** Images written successfully, in done shards. */
  imagesDone: number;
  /** Images that became error rows (bad data), in done shards. */
  imagesFailed: number;
  /** Sum of the processing time the workers reported per shard. */
  shardMs: number;
  startedAt: number;
  updatedAt: number;
  finishedAt?: number;
  /** Why the run failed as a whole (its listing, or writing its manifest), beside any failed shards. */
  error?: string;
  /** Embedding width, recorded with the first shard done (for the manifest of a run no worker finished). */
  embedDim?: number;
};

/** A sample of a per-image error, kept for people to look at (capped per run). */
export interface ErrorSample {
  image_path: string;
  error: string;
}

/** Whether a status is final. */
export function isTerminal(status: RunStatus): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

/**
 * Pure: every shard of a fully listed run is done or failed. The run ends (completed or failed) once its manifest is
 * written, right after.
 */
export function isComplete(state: RunState): boolean {
  return state.listed && state.shardsDone + state.shardsFailed >= state.shardsTotal;
}

/** Progress of a run: `fraction` of shards accounted for (0..1), `rate` in images per second, ETA when known. */
export interface RunProgress {
  fraction: number;
  rate: number;
  /** Seconds left at the current rate; null while unknown (still listing, or nothing done yet); 0 when complete. */
  etaSeconds: number | null;
}

/** Pure: progress of a run as of `now` (epoch ms). */
export function progress(state: RunState, now: number): RunProgress {
  const accounted = state.shardsDone + state.shardsFailed;
  const end = state.finishedAt ?? now;
  const seconds = Math.max(0, end - state.startedAt) / 1000;
  const rate = seconds > 0 ? (state.imagesDone + state.imagesFailed) / seconds : 0;
  if (isComplete(state)) return { fraction: 1, rate, etaSeconds: 0 };
  const fraction = state.shardsTotal > 0 ? Math.min(1, accounted / state.shardsTotal) : 0;
  const shardRate = seconds > 0 ? accounted / seconds : 0;
  const etaSeconds =
    state.listed && shardRate > 0 && !isTerminal(state.status) ? (state.shardsTotal - accounted) / shardRate : null;
  return { fraction, rate, etaSeconds };
}

/**
 * Pure: why a run failed, for people: the run's own error (its listing or manifest), then the sampled failed shards
 * (`shard 3: <error>`), then how many more failed. Empty for a run with no failure.
 */
export function failureReasons(state: RunState, sample: readonly { shard: number; error: string }[]): string[] {
  const lines = state.error ? [state.error] : [];
  for (const { shard, error } of sample) lines.push(`shard ${shard}: ${error}`);
  const more = state.shardsFailed - sample.length;
  if (more > 0) lines.push(`... and ${more} more failed shard${more > 1 ? 's' : ''}`);
  return lines;
}

const int = z.coerce.number().int();

/** Shape of the Redis hash of a run (all strings on the wire). */
const RunHashSchema = z.object({
  spec: z.string(),
  status: z.enum(RUN_STATUSES),
  listed: z.enum(['0', '1']),
  shardsTotal: int,
  imagesTotal: int,
  shardsDone: int,
  shardsFailed: int,
  imagesDone: int,
  imagesFailed: int,
  shardMs: int,
  startedAt: int,
  updatedAt: int,
  finishedAt: int.optional(),
  error: z.string().optional(),
  embedDim: int.optional(),
});

/** Decode a run hash, as an object (HGETALL) or a flat field/value array (HGETALL inside Lua). */
export function runStateFromHash(hash: Record<string, string> | readonly string[]): RunState {
  const record = Array.isArray(hash) ? pairsToRecord(hash) : (hash as Record<string, string>);
  const { spec, listed, ...counters } = RunHashSchema.parse(record);
  const parsedSpec = RunSpecSchema.parse(JSON.parse(spec));
  return { ...parsedSpec, ...counters, listed: listed === '1' };
}

function pairsToRecord(flat: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i] as string] = flat[i + 1] as string;
  return out;
}
