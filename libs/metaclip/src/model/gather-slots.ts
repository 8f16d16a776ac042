/**
 * Gathering a batch out of pixel slots: onnxruntime-node takes no tensors over shared memory, so the slots a batch
 * names are copied back to back into a buffer the session may read. The one copy of the pixel path, wherever the
 * session runs (the worker's main thread or a vision thread).
 */

/**
 * Copies `slots` (each one image, all the same length) back to back into `into` and returns the filled prefix.
 * @throws RangeError when the slots differ in length or do not fit.
 */
export function gatherSlots(slots: readonly Uint8Array[], into: Uint8Array): Uint8Array {
  const per = slots[0]?.length ?? 0;
  if (slots.length * per > into.length) {
    throw new RangeError(`${slots.length} slots of ${per} bytes do not fit in a batch buffer of ${into.length}`);
  }
  slots.forEach((slot, i) => {
    if (slot.length !== per) throw new RangeError(`slot ${i} holds ${slot.length} bytes, the first ${per}`);
    into.set(slot, i * per);
  });
  return into.subarray(0, slots.length * per);
}
