/**
 * Image preprocessing on worker threads: the same decode, resize, crop and normalisation as {@link ImageProcessor},
 * written into slots of a shared pixel arena. On a GPU the model outruns one JavaScript thread's worth of
 * preprocessing (resampling and normalising some 150,000 values per image), so the worker spreads it over cores.
 */
import { siblingModule, ThreadPool } from '../threads/thread-pool.ts';
import type { DecodeMode } from './decode.ts';
import type { ImageLimits } from './limits.ts';
import type { PreprocessResult, PreprocessTask, PreprocessThreadData } from './preprocess.thread.ts';
import type { Dimensions } from './preprocess.ts';

/** Options of {@link PreprocessThreads.start}. */
export interface PreprocessThreadsOptions {
  /** The model folder (its `preprocessor_config.json` decides the preprocessing). */
  modelDir: string;
  limits: ImageLimits;
  /** Default `exact`, as `ImageProcessor`'s. */
  decode?: DecodeMode;
  /** Every `out` passed to {@link PreprocessThreads.preprocess} must be a view of this buffer. */
  arena: SharedArrayBuffer;
  threads: number;
  onReplace?: (error: Error) => void;
}

/** An {@link ImageProcessor}-compatible `preprocessRgb` that runs on a pool of threads. */
export class PreprocessThreads {
  readonly #pool: ThreadPool<PreprocessTask, PreprocessResult>;
  readonly #arena: SharedArrayBuffer;

  private constructor(pool: ThreadPool<PreprocessTask, PreprocessResult>, arena: SharedArrayBuffer) {
    this.#pool = pool;
    this.#arena = arena;
  }

  /**
   * Starts the threads; each reads the model's preprocessing config.
   * @throws ModelLoadError when the config is missing or malformed.
   */
  static async start(options: PreprocessThreadsOptions): Promise<PreprocessThreads> {
    const data: PreprocessThreadData = {
      modelDir: options.modelDir,
      limits: options.limits,
      decode: options.decode ?? 'exact',
      arena: options.arena,
    };
    const pool = await ThreadPool.start<PreprocessTask, PreprocessResult, PreprocessThreadData>({
      module: siblingModule('./preprocess.thread', import.meta.url),
      size: options.threads,
      data,
      name: 'preprocess',
      onReplace: options.onReplace,
    });
    return new PreprocessThreads(pool, options.arena);
  }

  /** Threads running. */
  get threads(): number {
    return this.#pool.size;
  }

  /**
   * Decodes `input` on a thread and writes its packed RGB crop at `out[offset]`, as `ImageProcessor.preprocessRgb` does.
   * @throws ImageInputError (an `ImageInputError` with its reason) for bytes that are not a usable image;
   *   RangeError when `out` is not a view of the arena.
   */
  async preprocessRgb(input: Buffer, out: Uint8Array, offset: number): Promise<Dimensions> {
    if (out.buffer !== this.#arena) throw new RangeError('preprocess: out must be a view of the pixel arena');
    // A buffer that owns its whole ArrayBuffer moves to the thread; a slice of a shared pool (small files) is copied.
    const owned = input.byteOffset === 0 && input.byteLength === input.buffer.byteLength;
    const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    const task = { bytes: owned ? bytes : bytes.slice(), offset: out.byteOffset + offset };
    return this.#pool.run(task, [task.bytes.buffer as ArrayBuffer]);
  }

  /** Stops the threads. */
  close(): Promise<void> {
    return this.#pool.close();
  }
}
