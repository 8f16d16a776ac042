/** Test helper: a {@link TensorSource}'s chunks joined back into one array (each copied, as readers reuse buffers). */
import type { TensorSource } from './tensor-source.ts';

export function joinedChunks(source: TensorSource, name: string, chunkValues: number): Float32Array {
  const parts: Float32Array[] = [];
  for (const chunk of source.float32Chunks(name, chunkValues).chunks) parts.push(chunk.slice());
  const out = new Float32Array(parts.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of parts) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
