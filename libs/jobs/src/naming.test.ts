import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidRunIdError } from './errors.ts';
import {
  defaultQueueName,
  defaultRunId,
  modelKey,
  parseShardJobId,
  shardJobId,
  shardName,
  validateRunId,
} from './naming.ts';
import { RUN_ID_PATTERN } from './schemas.ts';

describe('naming', () => {
  it('makes local model paths absolute and keeps hub ids', () => {
    expect(modelKey('./models/tiny')).toBe(path.resolve('models/tiny'));
    expect(modelKey('/abs/model')).toBe('/abs/model');
    expect(modelKey('facebook/metaclip-b16-fullcc2.5b')).toBe('facebook/metaclip-b16-fullcc2.5b');
  });

  it('names one BullMQ-safe queue per model', () => {
    const a = defaultQueueName('facebook/metaclip-b16-fullcc2.5b');
    expect(a).toMatch(/^metaclip-facebook-metaclip-b16-fullcc2\.5b-[0-9a-f]{8}$/);
    expect(a).not.toContain(':');
    expect(defaultQueueName('/a/tiny-clip')).not.toBe(defaultQueueName('/b/tiny-clip'));
    expect(defaultQueueName('./x/../tiny')).toBe(defaultQueueName('./tiny'));
  });

  it('builds deterministic shard job ids without colons that are never integers', () => {
    expect(shardName(42)).toBe('000042');
    expect(shardName(1_234_567)).toBe('1234567');
    expect(shardJobId('run-1', 42)).toBe('run-1.000042');
    expect(shardJobId('7', 0)).toBe('7.000000');
    expect(`${Number.parseInt(shardJobId('7', 0), 10)}`).not.toBe(shardJobId('7', 0));
    expect(parseShardJobId('run.1.000042')).toEqual({ runId: 'run.1', shard: 42 });
    expect(parseShardJobId('other')).toBeNull();
    expect(() => shardName(-1)).toThrow(RangeError);
  });

  it('validates run ids', () => {
    expect(validateRunId('nightly_2024-01-01.v2')).toBe('nightly_2024-01-01.v2');
    for (const bad of ['', 'a:b', 'a/b', '-x', 'x'.repeat(129)]) {
      expect(() => validateRunId(bad)).toThrow(InvalidRunIdError);
    }
  });

  it('derives a deterministic default run id from source, date and parameters', () => {
    const day = new Date('2024-05-06T23:59:00Z');
    const a = defaultRunId('s3://bucket/photos/2024/', day, { model: 'm', labels: ['a'] });
    expect(a).toMatch(/^bucket-photos-2024-20240506-[0-9a-f]{8}$/);
    expect(RUN_ID_PATTERN.test(a)).toBe(true);
    expect(
      defaultRunId('s3://bucket/photos/2024/', new Date('2024-05-06T01:00:00Z'), { labels: ['a'], model: 'm' }),
    ).toBe(a);
    expect(defaultRunId('s3://bucket/photos/2024/', day, { model: 'm', labels: ['b'] })).not.toBe(a);
    expect(defaultRunId('_/__', day, {})).toMatch(RUN_ID_PATTERN);
  });
});
