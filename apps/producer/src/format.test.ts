import type { RunState } from '@metaclip-batch/jobs';
import { describe, expect, it } from 'vitest';
import { describeRun, formatDuration, runsTable } from './format.ts';

const state: RunState = {
  runId: 'photos-20240506-1a2b3c4d',
  queue: 'q',
  source: 's3://b/photos/',
  output: 's3://b/out/',
  model: 'm',
  labels: ['a', 'b'],
  templates: ['{}'],
  topK: 2,
  embedDtype: 'float16',
  shardSize: 1000,
  createdAt: Date.UTC(2024, 4, 6, 2),
  status: 'running',
  listed: true,
  shardsTotal: 100,
  imagesTotal: 100_000,
  shardsDone: 40,
  shardsFailed: 10,
  imagesDone: 49_000,
  imagesFailed: 1_000,
  shardMs: 0,
  startedAt: Date.UTC(2024, 4, 6, 2),
  updatedAt: 0,
};

describe('format', () => {
  it('formats durations', () => {
    expect([formatDuration(7.4), formatDuration(125), formatDuration(3725), formatDuration(null)]).toEqual([
      '7s',
      '2m 05s',
      '1h 02m',
      '-',
    ]);
  });

  it('describes a run with rate and ETA', () => {
    const text = describeRun(state, state.startedAt + 100_000);
    expect(text).toContain('shards   40 done, 10 failed of 100 (50.0%)');
    expect(text).toContain('rate     500 images/s, ETA 1m 40s');
  });

  it('aligns the runs table', () => {
    const lines = runsTable([state], state.startedAt + 100_000).split('\n');
    expect(lines[0]).toMatch(/^RUN\s+STATUS\s+SHARDS\s+FAILED\s+IMAGES\s+RATE\/s\s+ETA\s+CREATED$/);
    expect(lines[1]).toMatch(
      /^photos-20240506-1a2b3c4d\s+running\s+40\/100\s+10\s+49,000\s+500\s+1m 40s\s+2024-05-06 02:00:00Z$/,
    );
  });
});
