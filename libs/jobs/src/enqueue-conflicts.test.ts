import { describe, expect, it } from 'vitest';
import { specConflicts } from './enqueue.ts';
import { RunConflictError } from './errors.ts';
import type { RunSpec } from './schemas.ts';

const spec: RunSpec = {
  runId: 'r1',
  queue: 'q',
  source: '/data/images',
  output: '/data/out',
  model: 'facebook/metaclip-b16-fullcc2.5b',
  labels: ['cat', 'dog'],
  templates: ['a photo of {}.'],
  topK: 2,
  embedDtype: 'float32',
  shardSize: 1000,
  createdAt: 1,
};

describe('specConflicts', () => {
  it('is empty for the same parameters, whatever the creation time', () => {
    expect(specConflicts(spec, { ...spec, createdAt: 2 })).toEqual([]);
  });

  it('names each identity field that differs, with both values', () => {
    const given: RunSpec = { ...spec, embedDtype: 'float16', labels: ['cat', 'bird'] };
    expect(specConflicts(spec, given)).toEqual([
      { field: 'labels', existing: ['cat', 'dog'], given: ['cat', 'bird'] },
      { field: 'embedDtype', existing: 'float32', given: 'float16' },
    ]);
  });
});

describe('RunConflictError', () => {
  it('says what differs and how to resume, with long values cut short', () => {
    const many = Array.from({ length: 100 }, (_, i) => `label ${i}`);
    const err = new RunConflictError('r1', specConflicts(spec, { ...spec, embedDtype: 'float16', labels: many }));
    expect(err.fields).toEqual(['labels', 'embedDtype']);
    expect(err.message).toContain('embedDtype (float32 there, float16 here)');
    expect(err.message).toContain('["cat","dog"] there, ["label 0","label 1"');
    expect(err.message).toMatch(/\.\.\. here\), embedDtype/);
    expect(err.message).toContain('to resume it, enqueue with the parameters it was created with');
    expect(err.retryable).toBe(false);
  });
});
