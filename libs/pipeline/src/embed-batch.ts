import { l2NormalizeRows } from '@metaclip-batch/metaclip';
import type { BatchPolicy, DelayBounds } from './batch-policy';
import { Pool } from './bounded';
import { type BatchStats, DynamicBatcher } from './dynamic-batcher';

/** The slice of `MetaClipModel` the in-process path needs (structural, so tests can pass any loaded model). */
export interface PixelModel {
  /** Embedding width D. */
  readonly embedDim: number;
  /** Crop side S of the pixels the vision tower takes. */
  readonly imageSize: number;
  /** `[n, 3, S, S]` pixels in, `[n, D]` raw image embeddings out. */
  embedPixels(pixels: Float32Array, n: number): Promise<Float32Array>;
}

/**
 * What the batcher runs a batch on: pixel slots in, `[n, D]` raw embeddings out. Either the model on this thread
 * ({@link inProcessSlotModel}) or `VisionThreads`, which runs it on worker threads.
 */
export interface SlotModel {
  /** Embedding width D. */
  readonly embedDim: number;
  embedSlots(slots: readonly Float32Array[]): Promise<Float32Array>;
}

/** Options of {@link createEmbedBatcher}. */
export interface EmbedBatcherOptions {
  model: SlotModel;
  policy: BatchPolicy;
  maxQueue: number;
  /** Batches on the model at once (default 1). */
  inflight?: number;
  onBatch?: (stats: BatchStats) => void;
  /** Let the batch delay follow the model's batch time within these bounds (see `DynamicBatcherOptions`). */
  adaptiveDelay?: DelayBounds;
}

/** Floats in one preprocessed image of side `imageSize`. */
export function pixelsPerImage(imageSize: number): number {
  return 3 * imageSize * imageSize;
}

/** Pixel slots in one shared buffer, so that worker threads can write and read them without copies. */
export interface PixelArena {
  /** All slots, back to back: `size * 3 * S * S` floats. */
  buffer: SharedArrayBuffer;
  /** The slots as a pool: an image holds one from before its fetch until its result is back. */
  pool: Pool<Float32Array>;
}

/**
 * The pixels images are preprocessed into: `size` slots of one image each. Every image in flight between its fetch
 * and its result holds one slot, so this arena is what bounds the worker's pixel memory.
 */
export function createPixelArena(size: number, imageSize: number): PixelArena {
  const per = pixelsPerImage(imageSize);
  const buffer = new SharedArrayBuffer(size * per * Float32Array.BYTES_PER_ELEMENT);
  const slots = Array.from({ length: size }, (_, i) => new Float32Array(buffer, i * per * 4, per));
  return { buffer, pool: new Pool(slots) };
}

/**
 * The model on this thread: gathers a batch's slots into a reused tensor (onnxruntime-node takes no tensors over
 * shared memory) and runs it. `inflight` tensors, one per batch that may run at once.
 */
export function inProcessSlotModel(model: PixelModel, maxBatch: number, inflight = 1): SlotModel {
  const per = pixelsPerImage(model.imageSize);
  const tensors = new Pool(Array.from({ length: inflight }, () => new Float32Array(maxBatch * per)));
  return {
    embedDim: model.embedDim,
    async embedSlots(slots) {
      const n = slots.length;
      if (n > maxBatch)
        throw new RangeError(`a batch of ${n} images is over the ${maxBatch} this model was set up for`);
      const tensor = await tensors.acquire();
      try {
        slots.forEach((slot, i) => {
          tensor.set(slot, i * per);
        });
        return await model.embedPixels(tensor.subarray(0, n * per), n);
      } finally {
        tensors.release(tensor);
      }
    },
  };
}

/**
 * The worker's one batcher in front of its model: gathers pixel slots (each `3 * S * S` floats, see
 * {@link createPixelArena}) from every shard in flight into batches, runs the vision tower on them and hands each
 * image back its unit-length embedding (D floats). It only embeds: scoring labels is the shard's business, done once
 * per shard on the unit embeddings (`runShard`), so no label set rides along with every image.
 */
export function createEmbedBatcher(options: EmbedBatcherOptions): DynamicBatcher<Float32Array, Float32Array> {
  const { model, policy } = options;
  const dim = model.embedDim;

  const run = async (slots: Float32Array[]): Promise<Float32Array[]> => {
    const unit = l2NormalizeRows(await model.embedSlots(slots), slots.length, dim);
    return slots.map((_, i) => unit.subarray(i * dim, (i + 1) * dim));
  };

  return new DynamicBatcher<Float32Array, Float32Array>({
    policy,
    maxQueue: options.maxQueue,
    inflight: options.inflight,
    run,
    onBatch: options.onBatch,
    adaptiveDelay: options.adaptiveDelay,
  });
}
