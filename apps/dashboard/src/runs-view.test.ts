import type { RunState } from '@metaclip-batch/jobs';
import { describe, expect, it } from 'vitest';
import { formatDuration, formatRate, labelSummary, runsSummary, runView, shortModel } from './runs-view.ts';

const T0 = Date.UTC(2025, 9, 1, 12, 0, 0);

function state(over: Partial<RunState> = {}): RunState {
  return {
    runId: 'r1',
    queue: 'q',
    source: 's3://bucket/images/',
    output: 's3://bucket/out/',
    model: '/models/metaclip-b16',
    labels: ['cat', 'dog', 'bird', 'fish', 'horse', 'cow'],
    templates: ['a photo of a {}.'],
    topK: 3,
    embedDtype: 'float16',
    shardSize: 1000,
    createdAt: T0,
    status: 'running',
    listed: true,
    shardsTotal: 10,
    imagesTotal: 10_000,
    shardsDone: 4,
    shardsFailed: 1,
    imagesDone: 3_990,
    imagesFailed: 10,
    shardMs: 0,
    startedAt: T0,
    updatedAt: T0,
    ...over,
  };
}

describe('runView', () => {
  it('turns counters into progress, rate and ETA text', () => {
    const v = runView(state(), T0 + 100_000);
    expect(v.fraction).toBe(0.5);
    expect(v.shards).toEqual({ total: 10, done: 4, failed: 1 });
    expect(v.text).toMatchObject({
      percent: '50.0%',
      shards: '5 / 10',
      images: '3,990 / 10,000',
      failed: '10 img · 1 shard',
      rate: '40.0/s',
      eta: '1m 40s',
      elapsed: '1m 40s',
      model: 'metaclip-b16',
      labels: 'cat, dog, bird, fish +2',
      started: '2025-10-01 12:00:00',
    });
  });

  it('marks totals as growing while the producer is still listing', () => {
    const v = runView(state({ status: 'listing', listed: false }), T0 + 10_000);
    expect(v.text.shards).toBe('5 / 10+');
    expect(v.text.eta).toBe('listing…');
  });

  it('says done for a completed run and measures elapsed time to its end', () => {
    const v = runView(
      state({ status: 'completed', shardsDone: 10, shardsFailed: 0, imagesFailed: 0, finishedAt: T0 + 3_725_000 }),
      T0 + 9_999_999,
    );
    expect(v.fraction).toBe(1);
    expect(v.text).toMatchObject({ eta: 'done', elapsed: '1h 2m', failed: '–' });
  });
});

describe('runsSummary', () => {
  it('adds up images and the rate of live runs only', () => {
    const views = [
      runView(state(), T0 + 100_000),
      runView(state({ runId: 'r2', status: 'completed', finishedAt: T0 + 10_000 }), T0 + 100_000),
    ];
    const s = runsSummary(views);
    expect(s).toMatchObject({ active: 1, imagesDone: 7_980, imagesFailed: 20, rate: 40 });
    expect(s.text).toMatchObject({ active: '1', finished: '1', imagesDone: '7,980', rate: '40.0/s' });
  });
});

describe('formatters', () => {
  it('format durations, rates, models and labels compactly', () => {
    expect([formatDuration(9.4), formatDuration(125), formatDuration(90_000)]).toEqual(['9s', '2m 5s', '1d 1h']);
    expect([formatRate(0), formatRate(0.421), formatRate(3120.4)]).toEqual(['–', '0.42/s', '3,120/s']);
    expect(shortModel('facebook/metaclip-b16-fullcc2.5b')).toBe('facebook/metaclip-b16-fullcc2.5b');
    expect(shortModel('/work/models/tiny-clip/')).toBe('tiny-clip');
    expect(labelSummary(['a', 'b'])).toBe('a, b');
  });
});
