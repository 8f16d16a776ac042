import { describe, expect, it } from 'vitest';
import { addRound, bestBatch, emptyCollected, finish, worstRss } from './rounds';

describe('rounds', () => {
  it('pools samples of every round per metric and keeps the latest detail', () => {
    let c = emptyCollected();
    c = addRound(c, { samples: { e2e_img_s: [3] }, detail: { e2e_img_s: { images: 32, round: 1 } }, notes: ['n'] });
    c = addRound(c, {
      samples: { e2e_img_s: [5], 'decode_img_s.web': [60] },
      detail: { e2e_img_s: { round: 2 } },
      notes: ['n'],
    });
    c = addRound(c, { samples: { e2e_img_s: [4] } });
    const { metrics } = finish(c);
    expect(metrics.e2e_img_s).toEqual({ min: 3, median: 4, max: 5, n: 3, detail: { images: 32, round: 2 } });
    expect(metrics['decode_img_s.web']).toEqual({ min: 60, median: 60, max: 60, n: 1 });
    expect(c.notes).toEqual(['n']);
  });

  it('keeps the sweep by batch, in batch order', () => {
    let c = emptyCollected();
    c = addRound(c, { samples: {}, rawByBatch: { '16': [2], '4': [3], '8': [3.5] } });
    c = addRound(c, { samples: {}, rawByBatch: { '8': [3.7] } });
    const { rawByBatch } = finish(c);
    expect(Object.keys(rawByBatch)).toEqual(['4', '8', '16']);
    expect(rawByBatch['8']).toMatchObject({ median: 3.6, n: 2 });
  });

  it('picks the best batch by median, a tie going to the larger', () => {
    expect(bestBatch({ '4': [3, 3.2], '8': [3.5, 3.3], '16': [2] })).toEqual({ batch: 8, imgPerS: 3.4 });
    expect(bestBatch({ '4': [3.5], '8': [3.5] })?.batch).toBe(8);
    expect(bestBatch({})).toBeUndefined();
  });

  it('judges RSS by the round that grew most, ignoring rounds too short to tell', () => {
    const flat = Array.from({ length: 20 }, (_, i) => ({ tMs: i * 250, rssMiB: 800 + (i % 2) }));
    const leak = Array.from({ length: 20 }, (_, i) => ({ tMs: i * 250, rssMiB: 800 + i * 10 }));
    const worst = worstRss([flat, [{ tMs: 0, rssMiB: 5000 }], leak]);
    expect(worst?.flat).toBe(false);
    expect(worst?.peakMiB).toBe(990);
    expect(worstRss([[{ tMs: 0, rssMiB: 1 }]])).toBeNull();
  });
});
