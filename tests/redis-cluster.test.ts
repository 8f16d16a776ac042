/**
 * A labeling run over a Redis Cluster (three masters): `metaclip-producer enqueue --redis-cluster --wait` with two
 * `metaclip-worker --redis-cluster` processes writes every image exactly once; the run store's keys share the run's
 * slot, BullMQ's live under the hash-tagged `{bull}` prefix, and the dashboard reads the run over the cluster.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resolveConfig, startDashboard } from '@metaclip-batch/dashboard';
import { connectRedis, createQueue, type RedisClient, RunStore, runKey } from '@metaclip-batch/jobs';
import { createLogger } from '@metaclip-batch/telemetry';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { killAll, readRunOutput, spawnWorker, type WorkerProcess, writtenUris } from '../scripts/lib/local-run';
import { PRODUCER_BIN, runBin } from './helpers/cli-process';
import { type ImageCorpus, makeImageCorpus } from './helpers/image-corpus';
import { CLUSTER_SOURCE, startTestCluster, type TestCluster } from './helpers/redis-cluster';

const tinyModelDir = inject('sharedFixtures').tinyClip;

const id = `cluster-${process.pid}-${Date.now()}`;

console.info(`redis-cluster suite: ${CLUSTER_SOURCE.reason}`);

describe.skipIf(CLUSTER_SOURCE.kind === 'none')('labeling run over a Redis Cluster', () => {
  let cluster: TestCluster;
  let redis: RedisClient;
  let tmp: string;
  let corpus: ImageCorpus;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    cluster = await startTestCluster();
    redis = connectRedis({ url: cluster.url, cluster: true }, { maxRetriesPerRequest: 20 });
    tmp = await mkdtemp(path.join(tmpdir(), `${id}-`));
    corpus = await makeImageCorpus(tmp, { limit: 40 });
  });

  afterAll(async () => {
    await killAll(workers);
    if (redis) {
      // The CI cluster outlives this suite: remove what the run left (a throwaway cluster simply stops).
      const queue = createQueue(id, redis);
      await queue.obliterate({ force: true }).catch(() => {});
      await queue.close();
      const parts = [undefined, 'done', 'failed', 'errors', 'objects', 'objects-pending'];
      await Promise.all(parts.map((p) => redis.del(runKey('metaclip', id, p))));
      await redis.zrem('metaclip:runs', id);
      redis.disconnect();
    }
    await cluster?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('runs end to end with two workers, every image exactly once', async () => {
    const env = { METACLIP_CACHE: path.join(tmp, 'model-cache'), REDIS_URL: cluster.url };
    const clusterArgs = ['--redis-cluster', '--redis-url', cluster.url];
    for (const n of [0, 1]) {
      workers.push(spawnWorker(`${id}-w${n}`, ['--model', tinyModelDir, '--queue', id, ...clusterArgs], env));
    }
    await Promise.all(workers.map((w) => w.ready));

    const output = path.join(tmp, 'out');
    const producer = await runBin(
      PRODUCER_BIN,
      [
        ...['enqueue', '--redis-cluster', '--source', path.join(tmp, 'images'), '--output', output],
        ...['--model', tinyModelDir, '--labels', 'a,b', '--queue', id, '--run-id', id, '--shard-size', '4', '--wait'],
      ],
      env,
    );
    expect(producer.code, producer.stdout + producer.stderr).toBe(0);

    const out = await readRunOutput(output, id);
    const written = writtenUris(out);
    expect(written).toEqual({ images: corpus.valid, errors: corpus.bad });
    expect(new Set(written.images).size).toBe(out.rows.length);
    expect(out.manifest).toMatchObject({
      status: 'completed',
      counts: { imagesDone: corpus.valid.length, imagesFailed: corpus.bad.length, shardsFailed: 0 },
    });
    // Both workers took shards (shards of 4 images), so the run really crossed processes.
    const tookShards = workers.filter((w) => w.logs.some((l) => l.includes(`"runId":"${id}"`)));
    expect(tookShards.length, workers.map((w) => w.logs.join('\n')).join('\n---\n')).toBe(2);

    const store = new RunStore(redis);
    const state = await store.require(id);
    expect(state).toMatchObject({ status: 'completed', shardsDone: state.shardsTotal, shardsFailed: 0 });
    expect(state.shardsTotal).toBeGreaterThan(2);
    const slots = await Promise.all(
      [undefined, 'done', 'objects'].map((p) => (redis as Cluster).cluster('KEYSLOT', runKey('metaclip', id, p))),
    );
    expect(new Set(slots).size).toBe(1);
    expect(await redis.exists(`{bull}:${id}:meta`)).toBe(1);
  });

  it('the dashboard reads runs and queues over the cluster', async () => {
    const config = resolveConfig({ port: '0', redisUrl: cluster.url, redisCluster: true, queue: [id] }, {});
    const dashboard = await startDashboard(config, createLogger({ name: 'dashboard', level: 'silent' }));
    try {
      const runs = (await (await fetch(new URL('api/runs', dashboard.url))).json()) as unknown;
      expect(JSON.stringify(runs)).toContain(id);
      const queues = (await (await fetch(new URL('api/queues', dashboard.url))).json()) as unknown;
      expect(JSON.stringify(queues)).toContain(id);
    } finally {
      await dashboard.close();
    }
  });
});
