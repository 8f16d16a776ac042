/**
 * The project's error protocol: {@link ProjectError} (every error carries `code` and `retryable`), the one test of
 * permanence ({@link isPermanent}), and errors across thread boundaries ({@link toWire} / {@link fromWire}).
 *
 * @example
 * ```ts
 * import { fromWire, isPermanent, ProjectError, registerWireErrors, toWire } from '@metaclip-batch/errors';
 *
 * class QuotaError extends ProjectError {
 *   readonly code = 'QUOTA';
 *   readonly retryable = true;
 * }
 * registerWireErrors(QuotaError);
 * // A plain Error is not permanent either: it is retried within the caller's attempts.
 * console.log(isPermanent(new QuotaError('slow down')), isPermanent(new Error('a bug')));
 * console.log(fromWire(toWire(new QuotaError('x'))) instanceof QuotaError);
 * // false false
 * // true
 * ```
 *
 * @module @metaclip-batch/errors
 */
export { type ErrorProtocol, isPermanent, isProjectError, ProjectError } from './project-error.ts';
export { fromWire, registerWireErrors, toWire, type WireError } from './wire.ts';
