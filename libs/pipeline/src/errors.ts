import { ProjectError } from '@metaclip-batch/errors';

/**
 * Errors of the pipeline. `retryable` says whether running the same work again may succeed: the worker turns a
 * non-retryable failure into a job that fails at once, and lets BullMQ retry the rest with backoff.
 */
export class PipelineError extends ProjectError {
  /** Stable machine-readable code. */
  readonly code: string;
  /** Whether the same work may succeed when tried again. */
  readonly retryable: boolean;

  constructor(code: string, message: string, retryable: boolean, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.retryable = retryable;
  }
}

/** `submit` after `close()`: the batcher takes no new work while it drains. */
export class BatcherClosedError extends PipelineError {
  constructor() {
    super('BATCHER_CLOSED', 'the batcher is closed and takes no new items', false);
  }
}

/** A batch's `run` returned a different number of results than it was given items; a bug in `run`, never retried. */
export class BatchResultError extends PipelineError {
  constructor(expected: number, got: number) {
    super('BATCH_RESULT_MISMATCH', `batch run returned ${got} results for ${expected} items`, false);
  }
}
