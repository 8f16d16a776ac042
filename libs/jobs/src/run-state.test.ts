import { describe, expect, it } from 'vitest';
import { isComplete, progress, type RunState } from './run-state.ts';

const base: RunState = {
  runId: 'r',
  queue: 'q',
  source: 's',
  output: 'o',
  model: 'm',
  labels: ['a'],
  templates: ['{}'],
  topK: 1,
  embedDtype: 'float32',
  shardSize: 10,
  createdAt: 0,
  status: 'running',
  listed: true,
  shardsTotal: 10,
  imagesTotal: 100,
  shardsDone: 4,
  shardsFailed: 1,
  imagesDone: 45,
  imagesFailed: 5,
  shardMs: 0,
  startedAt: 0,
  updatedAt: 0,
};

describe('run progress', () => {
  it('computes fraction, image rate and ETA from shards accounted for', () => {
    expect(progress(base, 10_000)).toEqual({ fraction: 0.5, rate: 5, etaSeconds: 10 });
  });

  it('has no ETA while listing or before anything is done', () => {
    expect(progress({ ...base, listed: false, status: 'listing' }, 10_000).etaSeconds).toBeNull();
    expect(progress({ ...base, shardsDone: 0, shardsFailed: 0 }, 10_000).etaSeconds).toBeNull();
    expect(progress(base, 0)).toEqual({ fraction: 0.5, rate: 0, etaSeconds: null });
  });

  it('is complete when every shard of a listed run is done or failed', () => {
    expect(isComplete(base)).toBe(false);
    const done = { ...base, shardsDone: 9, finishedAt: 20_000, status: 'failed' as const };
    expect(isComplete(done)).toBe(true);
    expect(progress(done, 99_000)).toEqual({ fraction: 1, rate: 2.5, etaSeconds: 0 });
    expect(isComplete({ ...done, listed: false })).toBe(false);
  });
});
