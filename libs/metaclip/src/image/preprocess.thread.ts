/**
 * A preprocessing thread (started by {@link PreprocessThreads}): decodes images and writes their normalised pixels
 * straight into the worker's shared pixel arena, so neither the pixels nor the decoding touch the main thread.
 */
import { serveTasks } from '../threads/serve.ts';
import type { DecodeMode } from './decode.ts';
import type { ImageLimits } from './limits.ts';
import { ImageProcessor } from './processor.ts';

/** What every thread is set up with. */
export interface PreprocessThreadData {
  /** The model folder holding `preprocessor_config.json`. */
  modelDir: string;
  limits: ImageLimits;
  decode: DecodeMode;
  /** The pixel arena: packed RGB slots that tasks name by byte offset. */
  arena: SharedArrayBuffer;
}

/** One image: its encoded bytes and the byte offset in the arena to write its crop at. */
export interface PreprocessTask {
  bytes: Uint8Array;
  offset: number;
}

/** The original size (after EXIF orientation). */
export interface PreprocessResult {
  width: number;
  height: number;
}

await serveTasks<PreprocessThreadData, PreprocessTask, PreprocessResult>(async (data) => {
  const processor = await ImageProcessor.fromDir(data.modelDir, { limits: data.limits, decode: data.decode });
  const arena = new Uint8Array(data.arena);
  return async ({ bytes, offset }) => {
    const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return { result: await processor.preprocessRgb(input, arena, offset) };
  };
});
