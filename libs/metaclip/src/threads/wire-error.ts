/**
 * Errors across a thread boundary. Structured clone keeps only an Error's message (and loses its class), but callers
 * decide by class and fields: an `ImageInputError` with its `reason` becomes an error row, anything else fails the
 * shard so the queue retries it. So errors travel as plain objects and are rebuilt as the classes they were.
 */
import { ImageDecodeError, ModelLoadError, ProviderUnavailableError } from '../errors';
import { type ImageDecodeReason, ImageInputError } from '../image/image-input-error';

/** An error as it crosses a thread boundary. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  reason?: string;
  source?: string;
  path?: string;
  provider?: string;
}

/** Flattens any thrown value for `postMessage`. */
export function toWire(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const wire: WireError = { name: error.name, message: error.message, stack: error.stack };
  if (error instanceof ImageInputError) wire.reason = error.reason;
  if (error instanceof ImageDecodeError && error.source !== undefined) wire.source = error.source;
  if (error instanceof ModelLoadError && error.path !== undefined) wire.path = error.path;
  if (error instanceof ProviderUnavailableError) wire.provider = error.provider;
  return wire;
}

/**
 * Rebuilds the error a thread threw: this library's error classes as themselves (fields included), anything else as
 * an `Error` with the original name and message. The thread's stack is kept under the caller's.
 */
export function fromWire(wire: WireError): Error {
  let error: Error;
  const source = wire.source;
  switch (wire.name) {
    case 'ImageInputError':
      error = new ImageInputError(wire.reason as ImageDecodeReason, wire.message, { source });
      break;
    case 'ImageDecodeError':
      error = new ImageDecodeError(wire.message, { source });
      break;
    case 'ModelLoadError':
      error = new ModelLoadError(wire.message, { path: wire.path });
      break;
    case 'ProviderUnavailableError':
      error = new ProviderUnavailableError(wire.provider ?? 'unknown', wire.message);
      break;
    default:
      error = new Error(wire.message);
      error.name = wire.name;
  }
  if (wire.stack) error.stack = `${error.stack}\n    --- in the thread ---\n${wire.stack}`;
  return error;
}
