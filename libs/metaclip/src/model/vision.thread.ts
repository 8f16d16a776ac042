/**
 * A vision thread (started by {@link VisionThreads}): owns one onnxruntime session of the vision tower. onnxruntime-node
 * runs a session synchronously on the calling thread, so the run happens here while the main thread keeps fetching,
 * batching and writing. Pixels come from the shared pixel arena by slot offset: onnxruntime-node does not accept
 * tensors over shared memory, so the batch is gathered into this thread's own buffer (one copy, off the main thread).
 */
import type { ModelDtype } from '../resolve/onnx-variants.ts';
import { serveTasks } from '../threads/serve.ts';
import { gatherSlots } from './gather-slots.ts';
import { loadModel } from './load.ts';

/** What every thread is set up with. */
export interface VisionThreadData {
  /** The ONNX folder (`MetaClipModel.dir`): already converted, so a thread never converts. */
  onnxDir: string;
  device: string;
  dtype: ModelDtype;
  intraOpThreads?: number;
  /** Whether the session's idle threads spin (see `LoadOptions.spinning`). */
  spinning?: boolean;
  arena: SharedArrayBuffer;
  /** Largest batch a task may name. */
  maxBatch: number;
}

/** The images of one batch: byte offsets of their slots in the arena, in batch order. */
export interface VisionTask {
  offsets: number[];
}

await serveTasks<VisionThreadData, VisionTask, Float32Array>(async (data) => {
  const model = await loadModel(data.onnxDir, {
    device: data.device,
    dtype: data.dtype,
    intraOpThreads: data.intraOpThreads,
    interOpThreads: 1,
    spinning: data.spinning,
    towers: 'vision',
    visionInput: 'rgb',
  });
  const per = model.pixelsPerImage;
  const arena = new Uint8Array(data.arena);
  const batch = new Uint8Array(data.maxBatch * per);
  return async ({ offsets }) => {
    if (offsets.length < 1 || offsets.length > data.maxBatch) {
      throw new RangeError(`a vision task holds 1..${data.maxBatch} images, got ${offsets.length}`);
    }
    const pixels = gatherSlots(
      offsets.map((offset) => arena.subarray(offset, offset + per)),
      batch,
    );
    // The runtime's output array may not be transferable; a copy of n x D floats is small.
    const embeds = (await model.embedRgb(pixels, offsets.length)).slice();
    return { result: embeds, transfer: [embeds.buffer] };
  };
});
