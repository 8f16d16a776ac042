/**
 * Errors across a thread boundary. Structured clone keeps an Error's message but loses its class and fields, while
 * callers decide by `retryable` and sometimes by class (an image error becomes an error row). So errors travel as
 * plain objects and are rebuilt: as their registered class when there is one, else as a plain `Error` that still
 * carries `code` and `retryable`.
 */
import { isProjectError } from './project-error.ts';

/** An error as it crosses a thread boundary. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
  /** The error's own data fields (`code`, `retryable`, `reason`, `source`, ...): strings, numbers, booleans. */
  fields?: Record<string, string | number | boolean>;
}

// biome-ignore lint/suspicious/noExplicitAny: any constructor; instances are made with Object.create, never `new`.
type ErrorClass = abstract new (...args: any[]) => Error;

const registry = new Map<string, ErrorClass>();

/**
 * Makes errors of these classes cross thread boundaries as themselves. A library registers its classes beside their
 * definitions; registering twice is harmless.
 */
export function registerWireErrors(...classes: ErrorClass[]): void {
  for (const cls of classes) registry.set(cls.name, cls);
}

function dataFields(error: Error): Record<string, string | number | boolean> {
  const fields: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key === 'name' || key === 'message' || key === 'stack') continue;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields[key] = value;
  }
  return fields;
}

/** Flattens any thrown value for `postMessage`. */
export function toWire(error: unknown): WireError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const wire: WireError = { name: error.name, message: error.message, stack: error.stack };
  if (isProjectError(error)) wire.fields = dataFields(error);
  return wire;
}

/**
 * Rebuilds the error a thread threw, fields included, as its registered class (without running its constructor), or
 * as an `Error` with the original name. The thread's stack is kept under the caller's.
 */
export function fromWire(wire: WireError): Error {
  const cls = registry.get(wire.name);
  const error: Error = cls ? Object.create(cls.prototype) : new Error(wire.message);
  const here = new Error(wire.message).stack;
  Object.assign(error, wire.fields ?? {});
  Object.defineProperty(error, 'name', { value: wire.name, writable: true, configurable: true });
  Object.defineProperty(error, 'message', { value: wire.message, writable: true, configurable: true });
  const stack = wire.stack ? `${here}\n    --- in the thread ---\n${wire.stack}` : here;
  Object.defineProperty(error, 'stack', { value: stack, writable: true, configurable: true });
  return error;
}
