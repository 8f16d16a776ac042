/**
 * Producer enqueue rate: a manifest of N URIs (default 1,000,000) turned into shard jobs in Redis by the same code
 * `metaclip-producer enqueue` runs (list -> plan -> pipelined addBulk, source manifest recorded, run marked listed).
 * Each repeat uses a fresh run store prefix and queue, deleted afterwards. Needs Redis at REDIS_URL. Prints one JSON
 * object as its last stdout line:
 * `{ samples: number[] /* URIs/s per repeat *\/, seconds: number[], uris, shardSize, shards, redisBytesPerUri }`.
 *
 * Usage: tsx bench/enqueue.ts [--uris 1000000] [--shard-size 1000] [--repeats 3]
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { loadEnqueueOptions, loadEnv, openContext, runEnqueue } from '@metaclip-batch/producer';
import { createLogger } from '@metaclip-batch/telemetry';

const { values } = parseArgs({
  options: {
    uris: { type: 'string', default: '1000000' },
    'shard-size': { type: 'string', default: '1000' },
    repeats: { type: 'string', default: '3' },
  },
});
const uris = Number(values.uris);
const shardSize = Number(values['shard-size']);
const repeats = Number(values.repeats);
const log = (msg: string) => process.stderr.write(`enqueue: ${msg}\n`);

async function writeManifest(file: string, n: number): Promise<void> {
  const out = createWriteStream(file);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(`s3://bench-bucket/images/${String(i).padStart(9, '0')}.jpg`);
    if (lines.length === 10_000 || i === n - 1) {
      if (!out.write(`${lines.join('\n')}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
      lines.length = 0;
    }
  }
  out.end();
  await finished(out);
}

const dir = await mkdtemp(path.join(tmpdir(), 'bench-enqueue-'));
const manifest = path.join(dir, 'uris.txt');
await writeManifest(manifest, uris);
log(`manifest of ${uris.toLocaleString('en-US')} URIs written`);

const samples: number[] = [];
const seconds: number[] = [];
let shards = 0;
let redisBytesPerUri = 0;
try {
  for (let r = 0; r < repeats; r++) {
    const prefix = `bench-enqueue-${randomUUID().slice(0, 8)}`;
    const env = loadEnv({ ...process.env, METACLIP_PREFIX: prefix, LOG_LEVEL: 'warn' });
    const ctx = await openContext(env, createLogger({ name: 'bench', level: 'warn' }));
    const queue = `${prefix}-q`;
    try {
      const memBefore = Number((await ctx.redis.info('memory')).match(/used_memory:(\d+)/)?.[1] ?? 0);
      const options = await loadEnqueueOptions({
        source: manifest,
        output: 's3://bench-bucket/out/',
        model: 'facebook/metaclip-b16-fullcc2.5b',
        labels: 'cat,dog',
        queue,
        runId: 'bench',
        shardSize: String(shardSize),
        highWater: String(Math.ceil(uris / shardSize) + 1),
      });
      const t0 = performance.now();
      const result = await runEnqueue(ctx, options);
      const s = (performance.now() - t0) / 1000;
      const memAfter = Number((await ctx.redis.info('memory')).match(/used_memory:(\d+)/)?.[1] ?? 0);
      shards = result.shards;
      redisBytesPerUri = Math.round((memAfter - memBefore) / uris);
      if (result.added !== Math.ceil(uris / shardSize)) throw new Error(`expected every shard added: ${result.added}`);
      seconds.push(Math.round(s * 1000) / 1000);
      samples.push(Math.round(uris / s));
      log(`repeat ${r + 1}: ${Math.round(uris / s).toLocaleString('en-US')} URIs/s (${s.toFixed(2)} s)`);
    } finally {
      await ctx.queue(queue).obliterate({ force: true });
      const keys = await ctx.redis.keys(`${prefix}:*`);
      if (keys.length > 0) await ctx.redis.del(...keys);
      await ctx.close();
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
process.stdout.write(`${JSON.stringify({ samples, seconds, uris, shardSize, shards, redisBytesPerUri })}\n`);
