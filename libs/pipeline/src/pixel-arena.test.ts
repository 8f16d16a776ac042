import { describe, expect, it } from 'vitest';
import { arenaSlots, createPixelArena, inProcessSlotModel, pixelsPerImage } from './pixel-arena.ts';

describe('pixel arena', () => {
  it('sizes the slots for a full queue, the batches running and the fetches', () => {
    expect(arenaSlots({ maxQueue: 64, maxBatch: 32, inflight: 2, fetches: 16 })).toBe(144);
  });

  it('holds every slot in one shared buffer, one image each, none overlapping', async () => {
    const arena = createPixelArena({ maxQueue: 2, maxBatch: 1, inflight: 1, fetches: 1 }, 4);
    expect(arena.pool.size).toBe(4);
    // One byte per value: packed 8-bit RGB, normalised by the graph.
    expect(arena.buffer.byteLength).toBe(4 * pixelsPerImage(4));
    const slots = await Promise.all(Array.from({ length: 4 }, () => arena.pool.acquire()));
    slots.forEach((slot, i) => {
      expect(slot.buffer).toBe(arena.buffer);
      slot.fill(i + 1);
    });
    expect(new Set(new Uint8Array(arena.buffer))).toEqual(new Set([1, 2, 3, 4]));
  });

  it('gathers a batch in slot order for the model on this thread, and refuses one over its size', async () => {
    const arena = createPixelArena({ maxQueue: 2, maxBatch: 1, inflight: 1, fetches: 0 }, 2);
    const [a, b, c] = await Promise.all([arena.pool.acquire(), arena.pool.acquire(), arena.pool.acquire()]);
    a?.fill(1);
    b?.fill(2);
    const seen: number[][] = [];
    const model = inProcessSlotModel(
      {
        embedDim: 1,
        imageSize: 2,
        embedRgb: async (rgb, n) => {
          seen.push([...rgb]);
          return new Float32Array(n);
        },
      },
      2,
    );
    await model.embedSlots([b as Uint8Array, a as Uint8Array]);
    expect(seen[0]).toEqual([...new Array(12).fill(2), ...new Array(12).fill(1)]);
    await expect(model.embedSlots([a, b, c] as Uint8Array[])).rejects.toThrow(RangeError);
  });
});
