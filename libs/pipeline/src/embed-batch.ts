import { classify, type LabelScore, type LabelSet, l2NormalizeRows } from '@metaclip-batch/metaclip';
import type { BatchPolicy, DelayBounds } from './batch-policy';
import { Pool } from './bounded';
import { type BatchStats, DynamicBatcher } from './dynamic-batcher';

/** The slice of `MetaClipModel` a batch needs (structural, so the batcher does not care how the model was loaded). */
export interface PixelModel {
  /** Embedding width D. */
  readonly embedDim: number;
  /** Crop side S of the pixels the vision tower takes. */
  readonly imageSize: number;
  /** `[n, 3, S, S]` pixels in, `[n, D]` raw image embeddings out. */
  embedPixels(pixels: Float32Array, n: number): Promise<Float32Array>;
}

/** One preprocessed image waiting for the model, with what to score it against. */
export interface EmbedItem {
  /** A pixel slot holding exactly `3 * S * S` floats (see {@link createPixelPool}). */
  pixels: Float32Array;
  /** The run's label embeddings; items of different runs may share a batch. */
  labelSet: LabelSet;
  topK: number;
}

/** One image's output. */
export interface EmbedResult {
  /** Unit-length image embedding (D floats). */
  embedding: Float32Array;
  /** Zero-shot scores, best first, at most `topK`. */
  labels: LabelScore[];
}

/** Options of {@link createEmbedBatcher}. */
export interface EmbedBatcherOptions {
  model: PixelModel;
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

/**
 * The pool images are preprocessed into: `size` slots of one image each. Every image in flight between its fetch and
 * its result holds one slot, so this pool is what bounds the worker's pixel memory.
 */
export function createPixelPool(size: number, imageSize: number): Pool<Float32Array> {
  const per = pixelsPerImage(imageSize);
  return new Pool(Array.from({ length: size }, () => new Float32Array(per)));
}

/**
 * The worker's one batcher in front of its one model session: gathers pixel slots from every shard in flight into
 * `[n, 3, S, S]` batches, runs the vision tower, L2-normalises the embeddings and scores each image against its own
 * run's labels.
 */
export function createEmbedBatcher(options: EmbedBatcherOptions): DynamicBatcher<EmbedItem, EmbedResult> {
  const { model, policy } = options;
  const per = pixelsPerImage(model.imageSize);
  const dim = model.embedDim;
  // One batch tensor per batch that may run at once, reused: no per-batch allocation of up to maxBatch images.
  const tensors = new Pool(
    Array.from({ length: options.inflight ?? 1 }, () => new Float32Array(policy.maxBatch * per)),
  );

  const run = async (items: EmbedItem[]): Promise<EmbedResult[]> => {
    const n = items.length;
    const tensor = await tensors.acquire();
    let raw: Float32Array;
    try {
      items.forEach((item, i) => {
        tensor.set(item.pixels, i * per);
      });
      raw = await model.embedPixels(tensor.subarray(0, n * per), n);
    } finally {
      tensors.release(tensor);
    }
    const unit = l2NormalizeRows(raw, n, dim);
    return items.map((item, i) => {
      const embedding = unit.slice(i * dim, (i + 1) * dim);
      const [labels = []] = classify(embedding, 1, item.labelSet, { topK: item.topK });
      return { embedding, labels };
    });
  };

  return new DynamicBatcher<EmbedItem, EmbedResult>({
    policy,
    maxQueue: options.maxQueue,
    inflight: options.inflight,
    run,
    onBatch: options.onBatch,
    adaptiveDelay: options.adaptiveDelay,
  });
}
