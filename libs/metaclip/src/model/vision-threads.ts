/**
 * The vision tower on worker threads, one onnxruntime session each: `embedSlots` hands a batch of pixel-arena slots
 * to the least busy thread. With two threads on one GPU, one batch is gathered and launched while the other runs,
 * and the main thread never blocks in `session.run`.
 */
import { siblingModule, ThreadPool } from '../threads/thread-pool.ts';
import type { VisionTask, VisionThreadData } from './vision.thread.ts';

/**
 * Options of {@link VisionThreads.start}: what each thread is set up with (the ONNX folder of the loaded model,
 * `MetaClipModel.dir`; device, dtype and threads; the pixel arena every slot passed to
 * {@link VisionThreads.embedSlots} must be a view of; the largest batch), and the pool around them.
 */
export interface VisionThreadsOptions extends VisionThreadData {
  threads: number;
  /** Embedding width D and crop side S, as the main thread's model has them. */
  embedDim: number;
  imageSize: number;
  onReplace?: (error: Error) => void;
}

/** Raw image embeddings of arena slots, computed on threads. */
export class VisionThreads {
  readonly embedDim: number;
  readonly imageSize: number;
  readonly #pool: ThreadPool<VisionTask, Float32Array>;
  readonly #arena: SharedArrayBuffer;

  private constructor(pool: ThreadPool<VisionTask, Float32Array>, options: VisionThreadsOptions) {
    this.#pool = pool;
    this.#arena = options.arena;
    this.embedDim = options.embedDim;
    this.imageSize = options.imageSize;
  }

  /**
   * Starts the threads, each opening its own session on the device.
   * @throws ProviderUnavailableError / ModelLoadError as `loadModel` would.
   */
  static async start(options: VisionThreadsOptions): Promise<VisionThreads> {
    const { threads, embedDim, imageSize, onReplace, ...data } = options;
    const pool = await ThreadPool.start<VisionTask, Float32Array, VisionThreadData>({
      module: siblingModule('./vision.thread', import.meta.url),
      size: threads,
      data,
      name: 'vision',
      onReplace,
    });
    return new VisionThreads(pool, options);
  }

  /** Threads (sessions) running: batches that can be on the device at once. */
  get threads(): number {
    return this.#pool.size;
  }

  /**
   * Embeds the images in `slots` (each a `3 * S * S`-byte view of the arena: packed RGB). Returns `[n, D]` raw embeddings.
   * @throws RangeError when a slot is not a view of the arena.
   */
  embedSlots(slots: readonly Uint8Array[]): Promise<Float32Array> {
    const offsets = slots.map((slot) => {
      if (slot.buffer !== this.#arena) throw new RangeError('embedSlots: every slot must be a view of the pixel arena');
      return slot.byteOffset;
    });
    return this.#pool.run({ offsets });
  }

  /** Stops the threads and releases their sessions. */
  close(): Promise<void> {
    return this.#pool.close();
  }
}
