/**
 * The pixel arena, in one place: how many slots a worker needs, the shared buffer that holds them, and how a batch is
 * gathered from them. Every image in flight between its fetch and its result holds one slot, so the arena is what
 * bounds the worker's pixel memory however many shards run; threads write and read the same slots without copies.
 */
import { gatherSlots } from '@metaclip-batch/metaclip/threads';
import { Pool } from './bounded.ts';

/** Bytes in one preprocessed image of side `imageSize`: its packed 8-bit RGB crop (normalised by the graph). */
export function pixelsPerImage(imageSize: number): number {
  return 3 * imageSize * imageSize;
}

/** What the slots must cover at once. */
export interface ArenaDemand {
  /** Images queued for the model (the batcher's `maxQueue`). */
  maxQueue: number;
  /** Largest batch and batches on the model at once: their images keep their slots while they run. */
  maxBatch: number;
  inflight: number;
  /** Images being fetched (and decoded) at once. */
  fetches: number;
}

/**
 * Pure: slots for a full queue, the batches on the model and the images being fetched, so no stage starves another.
 * Each slot is one preprocessed image (150 KB at 224 px: 8-bit RGB, a quarter of float pixels).
 */
export function arenaSlots({ maxQueue, maxBatch, inflight, fetches }: ArenaDemand): number {
  return maxQueue + inflight * maxBatch + fetches;
}

/** Pixel slots in one shared buffer. */
export interface PixelArena {
  /** All slots, back to back: `slots * 3 * S * S` bytes. */
  buffer: SharedArrayBuffer;
  /** The slots as a pool: an image holds one from before its fetch until its result is back. */
  pool: Pool<Uint8Array>;
}

/** An arena of {@link arenaSlots} slots for images of side `imageSize`. */
export function createPixelArena(demand: ArenaDemand, imageSize: number): PixelArena {
  const slots = arenaSlots(demand);
  const per = pixelsPerImage(imageSize);
  const buffer = new SharedArrayBuffer(slots * per);
  const views = Array.from({ length: slots }, (_, i) => new Uint8Array(buffer, i * per, per));
  return { buffer, pool: new Pool(views) };
}

/** The slice of `MetaClipModel` the in-process path needs (structural, so tests can pass any loaded model). */
export interface PixelModel {
  /** Embedding width D. */
  readonly embedDim: number;
  /** Crop side S of the pixels the vision tower takes. */
  readonly imageSize: number;
  /** `[n, S, S, 3]` packed RGB crops in, `[n, D]` raw image embeddings out. */
  embedRgb(rgb: Uint8Array, n: number): Promise<Float32Array>;
}

/**
 * What the batcher runs a batch on: pixel slots in, `[n, D]` raw embeddings out. Either the model on this thread
 * ({@link inProcessSlotModel}) or `VisionThreads`, which runs it on worker threads.
 */
export interface SlotModel {
  /** Embedding width D. */
  readonly embedDim: number;
  embedSlots(slots: readonly Uint8Array[]): Promise<Float32Array>;
}

/**
 * The model on this thread: gathers a batch's slots into a reused tensor (onnxruntime-node takes no tensors over
 * shared memory) and runs it. `inflight` tensors, one per batch that may run at once.
 */
export function inProcessSlotModel(model: PixelModel, maxBatch: number, inflight = 1): SlotModel {
  const per = pixelsPerImage(model.imageSize);
  const tensors = new Pool(Array.from({ length: inflight }, () => new Uint8Array(maxBatch * per)));
  return {
    embedDim: model.embedDim,
    async embedSlots(slots) {
      const tensor = await tensors.acquire();
      try {
        return await model.embedRgb(gatherSlots(slots, tensor), slots.length);
      } finally {
        tensors.release(tensor);
      }
    },
  };
}
