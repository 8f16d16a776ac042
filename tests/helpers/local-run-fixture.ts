import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { cleanupRedis, killAll, REDIS_URL, type WorkerProcess } from '../../scripts/lib/local-run';
import { type ImageCorpus, makeImageCorpus } from './image-corpus';

/** What a suite over a local image folder works with; filled in by the suite's `beforeAll`. */
export interface LocalRun {
  tmp: string;
  /** `<tmp>/images`: the corpus's files. */
  source: string;
  corpus: ImageCorpus;
  redis: Redis;
  /** Workers the suite starts; killed after it. */
  workers: WorkerProcess[];
}

/**
 * Registers the set-up the local-folder worker suites share: a temp folder with an image corpus of `limit` variations,
 * a Redis client, and afterwards every worker killed and the run's queue and keys (queue and run id = `id`) removed.
 */
export function useLocalRun(id: string, opts: { limit: number }): LocalRun {
  const run = { workers: [] as WorkerProcess[] } as LocalRun;
  beforeAll(async () => {
    run.tmp = await mkdtemp(path.join(tmpdir(), `${id}-`));
    run.corpus = await makeImageCorpus(run.tmp, { limit: opts.limit });
    run.source = path.join(run.tmp, 'images');
    run.redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    await killAll(run.workers);
    await cleanupRedis(run.redis, id, id, run.source);
    run.redis.disconnect();
    await rm(run.tmp, { recursive: true, force: true });
  });
  return run;
}
