import { describe, expect, it } from 'vitest';
import { planKeys } from './index-plan.ts';

describe('planKeys', () => {
  const state = {
    byPath: new Map([
      ['a', 0],
      ['b', 1],
      ['c', 2],
    ]),
    free: [] as number[],
    slots: 3,
  };

  it('gives a new index consecutive keys', () => {
    const plan = planKeys({ byPath: new Map(), free: [], slots: 0 }, ['x', 'y'], null);
    expect(plan).toEqual({ keys: [0, 1], replaced: [], added: 2, removed: [], slots: 2 });
  });

  it('keeps the key of a replaced image, adds new ones and removes what the listing lacks', () => {
    const plan = planKeys(state, ['b', 'd'], new Set(['a', 'b', 'd']));
    expect(plan.keys).toEqual([1, 3]);
    expect(plan.replaced).toEqual([1]);
    expect(plan.added).toBe(1);
    expect(plan.removed).toEqual([2]);
    expect(plan.slots).toBe(4);
  });

  it('reuses free keys, smallest first', () => {
    const plan = planKeys({ byPath: new Map([['a', 1]]), free: [0, 2], slots: 3 }, ['x', 'y', 'z'], null);
    expect(plan.keys).toEqual([0, 2, 3]);
    expect(plan.slots).toBe(4);
  });

  it('removes nothing when the source cannot be listed', () => {
    expect(planKeys(state, [], null).removed).toEqual([]);
  });
});
