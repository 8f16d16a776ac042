/**
 * The project's one error protocol: every error thrown on purpose carries a stable `code` and says whether the same
 * operation may succeed when tried again (`retryable`). Callers decide retry or give up from `retryable` alone, never
 * from the class; classes are for `instanceof` where a caller handles one case specially (an image error row).
 */

/** Base class of every error the project throws on purpose. */
export abstract class ProjectError extends Error {
  /** Stable, machine-readable code, safe as a metric label. */
  abstract readonly code: string;
  /** Whether the same call may succeed later. */
  abstract readonly retryable: boolean;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** What every project error has: the two fields callers decide by. */
export interface ErrorProtocol {
  code: string;
  retryable: boolean;
}

/**
 * Whether `error` follows the protocol. Checks the fields, not the class, so an error rebuilt across a thread
 * boundary or from another copy of a library counts too.
 */
export function isProjectError(error: unknown): error is Error & ErrorProtocol {
  if (!(error instanceof Error)) return false;
  const e = error as Partial<ErrorProtocol>;
  return typeof e.code === 'string' && typeof e.retryable === 'boolean';
}

/**
 * Whether retrying can never help: a project error that says `retryable: false`. Anything else (an error of a
 * dependency, a bug a redeploy may fix) counts as retryable, within the caller's bounded attempts.
 */
export function isPermanent(error: unknown): boolean {
  return isProjectError(error) && !error.retryable;
}
