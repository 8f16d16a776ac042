import { describe, expect, it } from 'vitest';
import { MalformedJobError } from './errors.ts';
import { parseRunSpec, parseShardJob } from './schemas.ts';

describe('parseShardJob', () => {
  it('returns typed data for a valid job', () => {
    const job = parseShardJob({ runId: 'run-1', shard: 3, model: 'm', uris: ['s3://b/a.jpg'] });
    expect(job).toEqual({ runId: 'run-1', shard: 3, model: 'm', uris: ['s3://b/a.jpg'] });
  });

  it('keeps a sidecar per URI when the shard has captions', () => {
    const data = { runId: 'r', shard: 0, model: 'm', uris: ['a.jpg', 'b.jpg'], sidecars: ['txt', null] };
    expect(parseShardJob(data).sidecars).toEqual(['txt', null]);
  });

  it.each([
    ['sidecars of another length than the URIs', { runId: 'r', shard: 0, model: 'm', uris: ['a'], sidecars: [] }],
    ['a sidecar that is not .txt or .json', { runId: 'r', shard: 0, model: 'm', uris: ['a'], sidecars: ['csv'] }],
    ['null', null],
    ['a string', 'hello'],
    ['a negative shard', { runId: 'r', shard: -1, model: 'm', uris: ['a'] }],
    ['no URIs', { runId: 'r', shard: 0, model: 'm', uris: [] }],
    ['a run id with a colon', { runId: 'a:b', shard: 0, model: 'm', uris: ['a'] }],
    ['a fractional shard', { runId: 'r', shard: 1.5, model: 'm', uris: ['a'] }],
  ])('rejects %s with an unrecoverable MalformedJobError', (_what, data) => {
    let caught: unknown;
    try {
      parseShardJob(data);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(MalformedJobError);
    expect(caught).toMatchObject({ code: 'MALFORMED_JOB', retryable: false });
    expect((caught as MalformedJobError).issues.length).toBeGreaterThan(0);
  });
});

describe('parseRunSpec', () => {
  const base = {
    runId: 'r',
    queue: 'q',
    source: '/s',
    output: '/o',
    model: 'm',
    labels: ['a', 'b'],
    templates: ['a photo of a {}.'],
    topK: 2,
    embedDtype: 'float16',
    shardSize: 1000,
    createdAt: 0,
  };

  it('accepts a full spec', () => {
    expect(parseRunSpec({ ...base, incremental: { baseRunId: 'prev' }, since: 5 }).incremental?.baseRunId).toBe('prev');
  });

  it('rejects a template without {}, empty labels, topK above the label count and shard size 0', () => {
    expect(() => parseRunSpec({ ...base, templates: ['a photo'] })).toThrow(/\{\}/);
    expect(() => parseRunSpec({ ...base, labels: [] })).toThrow(/label/);
    expect(() => parseRunSpec({ ...base, topK: 3 })).toThrow(/topK/);
    expect(() => parseRunSpec({ ...base, shardSize: 0 })).toThrow();
  });
});
