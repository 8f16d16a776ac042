import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_TEMPLATE } from '@metaclip-batch/metaclip/zero-shot-scoring';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadEnqueueOptions, loadEnv } from './config.ts';

const base = { source: 's3://b/photos/', output: 'out', model: 'facebook/metaclip-b16-fullcc2.5b', labels: 'cat, dog' };

async function problems(flags: Record<string, unknown>): Promise<string[]> {
  try {
    await loadEnqueueOptions(flags);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('enqueue options', () => {
  it('fills defaults, makes local paths absolute and caps top-k at the label count', async () => {
    const o = await loadEnqueueOptions(base);
    expect(o).toMatchObject({
      source: 's3://b/photos/',
      output: path.resolve('out'),
      labels: ['cat', 'dog'],
      templates: [DEFAULT_TEMPLATE],
      topK: 2,
      shardSize: 1000,
      embedDtype: 'float16', // clip-retrieval's
      highWater: 2000,
      incremental: false,
    });
    expect((await loadEnqueueOptions({ ...base, since: '2024-05-01' })).since).toBe(Date.UTC(2024, 4, 1));
  });

  it('writes float32 embeddings on request', async () => {
    expect((await loadEnqueueOptions({ ...base, embedDtype: 'float32' })).embedDtype).toBe('float32');
  });

  it("defaults to the model library's template, the one metaclip classify and the Hugging Face pipeline use", async () => {
    // One constant: the producer's default is the library's, so a run scores images as `metaclip classify` does.
    expect(DEFAULT_TEMPLATE).toBe('This is a photo of {}.');
    expect((await loadEnqueueOptions(base)).templates).toEqual([DEFAULT_TEMPLATE]);
  });

  it('reads a UTF-8 labels file (with or without a byte-order mark) and keeps non-English labels intact', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'labels-'));
    const file = path.join(dir, 'labels.txt');
    await writeFile(file, '\uFEFF猫\n狗\r\n# 注释\n宇航员\n', 'utf8');
    const o = await loadEnqueueOptions({
      ...base,
      labels: undefined,
      labelsFile: file,
      template: ['这是一张{}的照片。'],
    });
    expect(o.labels).toEqual(['猫', '狗', '宇航员']);
    expect(o.templates).toEqual(['这是一张{}的照片。']);
  });

  it('reports every problem with the flag a person typed', async () => {
    expect(
      await problems({
        ...base,
        labels: undefined,
        shardSize: '0',
        since: 'yesterday',
        template: ['a photo'],
        runId: 'a:b',
      }),
    ).toEqual([
      '--labels: give labels with --labels a,b,c or --labels-file FILE',
      '--template: each template needs {} where the label goes',
      '--run-id: use 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit (got "a:b")',
      '--shard-size: must be a positive integer (got "0")',
      '--since: must be a date such as 2024-05-01 or 2024-05-01T02:00:00Z (got "yesterday")',
    ]);
    expect(await problems({ ...base, topK: '3' })).toEqual(['--top-k: 3 exceeds the 2 labels given']);
    expect(await problems({ ...base, labelsFile: '/nonexistent/labels.txt' })).toEqual([
      '--labels-file: cannot read /nonexistent/labels.txt (ENOENT)',
    ]);
    expect(await problems({ ...base, output: 'ftp://host/x' })).toHaveLength(1);
  });
});

describe('environment', () => {
  it('defaults REDIS_URL and rejects a non-Redis URL without echoing its password', () => {
    expect(loadEnv({}).redisUrl).toBe('redis://127.0.0.1:6379');
    expect(() => loadEnv({ REDIS_URL: 'http://user:pw@host' })).toThrow(
      'REDIS_URL: must be a redis:// or rediss:// URL such as redis://127.0.0.1:6379 (got "http://user:[redacted]@host")',
    );
  });
});
