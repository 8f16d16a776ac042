/**
 * The project's error protocol: {@link ProjectError} (every error carries `code` and `retryable`), the one test of
 * permanence ({@link isPermanent}), and errors across thread boundaries ({@link toWire} / {@link fromWire}).
 *
 * @example
 * ```ts
 * class QuotaError extends ProjectError { readonly code = 'QUOTA'; readonly retryable = true; }
 * isPermanent(new QuotaError('slow down'));        // => false
 * isPermanent(new Error('a bug'));                 // => false (retried within the caller's attempts)
 * registerWireErrors(QuotaError);
 * fromWire(toWire(new QuotaError('x'))) instanceof QuotaError; // => true
 * ```
 *
 * @module @metaclip-batch/errors
 */
export { type ErrorProtocol, isPermanent, isProjectError, ProjectError } from './project-error.ts';
export { fromWire, registerWireErrors, toWire, type WireError } from './wire.ts';
