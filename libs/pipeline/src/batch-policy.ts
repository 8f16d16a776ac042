/**
 * When to dispatch a model batch: the dynamic batcher's decision as a pure function, so every rule is tested without
 * timers. Semantics follow Triton's dynamic batcher: a full or preferred batch goes at once; otherwise the queue waits
 * until its oldest item has waited `maxDelayMs`, then whatever is queued goes.
 */

/** Tunables of a dynamic batcher. */
export interface BatchPolicy {
  /** Largest batch the model is given (>= 1). */
  maxBatch: number;
  /**
   * Batch sizes worth dispatching without waiting (e.g. sizes a GPU kernel is tuned for). Sizes above `maxBatch` are
   * ignored. Empty or absent: only a full batch dispatches early.
   */
  preferredSizes?: readonly number[];
  /** How long the oldest queued item may wait for company before a partial batch goes (>= 0). */
  maxDelayMs: number;
}

/** What the batcher knows when it decides. */
export interface BatchState {
  /** Items waiting in the queue. */
  queued: number;
  /** How long the oldest queued item has waited, in ms (ignored when `queued` is 0). */
  oldestAgeMs: number;
  policy: BatchPolicy;
  /** The batcher is closing: nothing more will arrive, so waiting gains nothing. */
  draining?: boolean;
}

/**
 * Dispatch the `take` oldest items now, or look again after `waitMs` (or sooner, when an item arrives).
 * `waitMs` is `Infinity` when the queue is empty: only an arrival can change the decision.
 */
export type BatchDecision = { take: number } | { waitMs: number };

/** Throws a `RangeError` for a policy no batcher can honour; called once when a batcher is built. */
export function validateBatchPolicy(policy: BatchPolicy): void {
  if (!Number.isInteger(policy.maxBatch) || policy.maxBatch < 1) {
    throw new RangeError(`maxBatch must be an integer >= 1, got ${policy.maxBatch}`);
  }
  if (!(policy.maxDelayMs >= 0)) throw new RangeError(`maxDelayMs must be >= 0, got ${policy.maxDelayMs}`);
  for (const size of policy.preferredSizes ?? []) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`preferred batch sizes must be >= 1, got ${size}`);
  }
}

/** Decides whether to dispatch a batch now and how large, or how long to wait. */
export function decideBatch({ queued, oldestAgeMs, policy, draining = false }: BatchState): BatchDecision {
  if (queued <= 0) return { waitMs: Number.POSITIVE_INFINITY };
  const { maxBatch, maxDelayMs } = policy;
  if (queued >= maxBatch) return { take: maxBatch };
  // Like Triton: the largest preferred size the queue can fill goes now, leaving the rest for the next batch.
  const preferred = largestPreferred(queued, policy);
  if (preferred > 0) return { take: preferred };
  if (draining || oldestAgeMs >= maxDelayMs) return { take: queued };
  return { waitMs: maxDelayMs - oldestAgeMs };
}

function largestPreferred(queued: number, { preferredSizes = [], maxBatch }: BatchPolicy): number {
  let best = 0;
  for (const size of preferredSizes) {
    if (size <= queued && size <= maxBatch && size > best) best = size;
  }
  return best;
}

/** Bounds of an adaptive batch delay. */
export interface DelayBounds {
  minMs: number;
  maxMs: number;
}

/**
 * The next batch delay of a batcher that tracks its model: about one batch's run time. While a batch runs, the next
 * one can only gather; waiting about as long again lets the images decoded meanwhile fill it, where a fixed few
 * milliseconds sends half-empty batches whenever the model and the decoder share the CPU (measured: 2.9 of 8 images
 * per batch and half the throughput on 2 cores). Smoothed, so one slow batch does not swing it; clamped to `bounds`.
 */
export function adaptBatchDelay(currentMs: number, lastRunMs: number, bounds: DelayBounds): number {
  const next = 0.5 * currentMs + 0.5 * lastRunMs;
  return Math.min(bounds.maxMs, Math.max(bounds.minMs, next));
}
