import { l2NormalizeRows } from '@metaclip-batch/metaclip/similarity';
import type { BatchPolicy, DelayBounds } from './batch-policy.ts';
import { type BatchStats, DynamicBatcher } from './dynamic-batcher.ts';
import type { SlotModel } from './pixel-arena.ts';

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

/**
 * The worker's one batcher in front of its model: gathers pixel slots (each `3 * S * S` bytes of packed RGB, see
 * `createPixelArena`) from every shard in flight into batches, runs the vision tower on them and hands each
 * image back its unit-length embedding (D floats). It only embeds: scoring labels is the shard's business, done once
 * per shard on the unit embeddings (`runShard`), so no label set rides along with every image.
 */
export function createEmbedBatcher(options: EmbedBatcherOptions): DynamicBatcher<Uint8Array, Float32Array> {
  const { model, policy } = options;
  const dim = model.embedDim;

  const run = async (slots: Uint8Array[]): Promise<Float32Array[]> => {
    const unit = l2NormalizeRows(await model.embedSlots(slots), slots.length, dim);
    return slots.map((_, i) => unit.subarray(i * dim, (i + 1) * dim));
  };

  return new DynamicBatcher<Uint8Array, Float32Array>({
    policy,
    maxQueue: options.maxQueue,
    inflight: options.inflight,
    run,
    onBatch: options.onBatch,
    adaptiveDelay: options.adaptiveDelay,
  });
}
