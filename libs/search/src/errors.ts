import { ProjectError } from '@metaclip-batch/errors';

/** Why a search-library call failed; stable, machine-readable. */
export type SearchErrorCode =
  | 'RUN_NOT_FOUND'
  | 'RUN_EMPTY'
  | 'BAD_RUN'
  | 'INDEX_NOT_FOUND'
  | 'BAD_INDEX'
  | 'MODEL_MISMATCH'
  | 'SOURCE_MISMATCH'
  | 'BAD_ARGUMENT'
  | 'BAD_QUERY'
  | 'NOT_IN_INDEX'
  | 'OUTSIDE_SOURCE';

/**
 * Every failure of `@metaclip-batch/search`: a `code`, whether retrying can help (`retryable`), and a message that says
 * what to do. All of them are permanent: they are about the input (a run, an index, a query), not the network; storage
 * failures underneath keep their own classes (`RetryableStorageError` and friends) and are passed through.
 */
export class SearchError extends ProjectError {
  readonly code: SearchErrorCode;
  readonly retryable = false;

  constructor(code: SearchErrorCode, message: string, opts?: { cause?: unknown }) {
    super(message, opts?.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'SearchError';
    this.code = code;
  }
}

/** @throws SearchError (`BAD_ARGUMENT`) unless `k` is a positive integer. */
export function requirePositiveInt(name: string, k: number): number {
  if (!Number.isSafeInteger(k) || k < 1) {
    throw new SearchError('BAD_ARGUMENT', `${name} must be a positive integer, got ${k}`);
  }
  return k;
}
