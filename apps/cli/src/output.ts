/**
 * Results as JSON lines on stdout, honouring backpressure so a large `embed` run piped into a slow consumer does not
 * buffer everything in memory.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** Writes one JSON object per line. */
export class JsonLines {
  readonly #out: Writable;

  constructor(out: Writable = process.stdout) {
    this.#out = out;
  }

  /** Writes `value` as one line; resolves once the stream can take more. */
  async write(value: Record<string, unknown>): Promise<void> {
    if (!this.#out.write(`${JSON.stringify(value)}\n`)) await once(this.#out, 'drain');
  }
}

/** An embedding as a plain JSON array. */
export function vector(values: Float32Array): number[] {
  return Array.from(values);
}
