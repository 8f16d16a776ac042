import { isPermanent } from '@metaclip-batch/errors';
import { UnrecoverableError } from 'bullmq';

/**
 * Pure: whether a shard failure can never succeed on retry: BullMQ's own `UnrecoverableError`, or a project error
 * that says `retryable: false` (a malformed job, a missing run, storage refusing the write, a model that cannot
 * load, ...). Everything else (storage outages, Redis blips, an onnxruntime error, a bug fixed by a redeploy) is
 * retried with BullMQ's backoff, a bounded number of times.
 */
export function isPermanentFailure(error: unknown): boolean {
  return error instanceof UnrecoverableError || isPermanent(error);
}

/**
 * The error to give BullMQ: permanent failures become an `UnrecoverableError` (the job fails at once, its attempts
 * unspent) carrying the original as `cause`; retryable ones go through unchanged.
 */
export function toJobError(error: unknown): unknown {
  if (error instanceof UnrecoverableError || !isPermanentFailure(error)) return error;
  const err = error as Error;
  const wrapped = new UnrecoverableError(`${err.name}: ${err.message}`);
  wrapped.cause = error;
  return wrapped;
}

/** Whether this attempt is the job's last: a permanent failure, or the attempts BullMQ allows are spent. */
export function isFinalAttempt(error: unknown, attemptsMade: number, attempts: number | undefined): boolean {
  return isPermanentFailure(error) || attemptsMade + 1 >= (attempts ?? 1);
}
