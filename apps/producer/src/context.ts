import { setTimeout as sleep } from 'node:timers/promises';
import {
  closeAfterInit,
  clusterModeProblem,
  clusterNodeOptions,
  connectRedis,
  createQueue,
  type RedisClient,
  type RedisTarget,
  RunStore,
  type ShardQueue,
} from '@metaclip-batch/jobs';
import { type Logger, redactSecrets } from '@metaclip-batch/telemetry';
import { Redis } from 'ioredis';
import { ConfigError, type Env } from './config.ts';

/** What every command works with: one Redis connection, the run store and the queues it opens. */
export interface Context {
  env: Env;
  log: Logger;
  redis: RedisClient;
  store: RunStore;
  /** The shard queue of this name (opened once, closed with the context). */
  queue(name: string): ShardQueue;
  close(): Promise<void>;
}

/** How long start-up waits for Redis (connect and PING) before saying it cannot reach it. */
export const PROBE_TIMEOUT_MS = 5000;
/**
 * How long one Redis command may take before it fails: a Redis that accepts connections but never answers (hung,
 * SIGSTOP, a proxy with nothing behind it) fails a command with a message instead of hanging it for ever.
 */
export const REDIS_COMMAND_TIMEOUT_MS = 10_000;
/** How long closing waits for Redis to acknowledge QUIT before dropping the connection. */
const CLOSE_TIMEOUT_MS = 2000;

/** A Redis command that got no answer within {@link REDIS_COMMAND_TIMEOUT_MS}. */
export class RedisTimeoutError extends Error {
  constructor(url: string) {
    super(
      `Redis at ${redactSecrets(url)} did not answer within ${REDIS_COMMAND_TIMEOUT_MS / 1000} s: it may be hung, ` +
        'paused or overloaded, or REDIS_URL points at something that is not Redis; check it and retry',
    );
    this.name = 'RedisTimeoutError';
  }
}

/** ioredis's error for a command past `commandTimeout`. */
export function isCommandTimeout(err: unknown): boolean {
  return err instanceof Error && err.message === 'Command timed out';
}

/**
 * Check that Redis answers, once, without retrying: a wrong `REDIS_URL` should fail start-up in seconds with a
 * message a person can act on, not hang in reconnect loops. With `cluster`, also that the node is (or without it,
 * is not) part of a Redis Cluster, so a missing or stray `--redis-cluster` fails here and not as MOVED errors later.
 *
 * @throws {@link ConfigError}
 */
export async function probeRedis(url: string, cluster = false): Promise<void> {
  if (cluster) {
    try {
      clusterNodeOptions(url);
    } catch (err) {
      throw new ConfigError([`REDIS_URL: ${(err as Error).message}`]);
    }
  }
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: PROBE_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // The 'error' event carries the cause (ECONNREFUSED, ENOTFOUND, WRONGPASS); connect() only says "closed".
  let cause: Error | null = null;
  probe.on('error', (err: Error) => {
    cause ??= err;
  });
  // connectTimeout ends at the TCP handshake; a server that accepts and never answers is caught by this bound.
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS / 1000} s`)), PROBE_TIMEOUT_MS);
  });
  let mode: string | null = null;
  try {
    mode = await Promise.race([
      probe.connect().then(async () => clusterModeProblem(await probe.info('cluster'), cluster)),
      bound,
    ]);
  } catch (err) {
    const why = (cause as Error | null)?.message ?? (err as Error).message;
    throw new ConfigError([
      `REDIS_URL: cannot reach Redis at ${redactSecrets(url)} (${redactSecrets(why)}); ` +
        'start Redis or point REDIS_URL at it',
    ]);
  } finally {
    clearTimeout(timer);
    probe.disconnect();
  }
  if (mode) throw new ConfigError([`REDIS_URL: ${redactSecrets(url)} ${mode}`]);
}

/** Where the producer's Redis is, from its settings. */
export function redisTarget(env: Env): RedisTarget {
  return { url: env.redisUrl, cluster: env.redisCluster };
}

/** Probe Redis, then open the connection every command shares. */
export async function openContext(env: Env, log: Logger): Promise<Context> {
  await probeRedis(env.redisUrl, env.redisCluster);
  const redis = connectRedis(redisTarget(env), { maxRetriesPerRequest: 20, commandTimeout: REDIS_COMMAND_TIMEOUT_MS });
  redis.on('error', (err) => log.warn({ err }, 'redis connection error'));
  const store = new RunStore(redis, env.keyPrefix);
  const queues = new Map<string, ShardQueue>();
  return {
    env,
    log,
    redis,
    store,
    queue(name) {
      let q = queues.get(name);
      if (!q) {
        q = createQueue(name, redis);
        q.on('error', (err) => log.warn({ err, queue: name }, 'queue error'));
        queues.set(name, q);
      }
      return q;
    },
    async close() {
      // Bounded: a hung Redis never acknowledges, and an interrupted command must still exit. The queues share
      // `redis`: one still initialising when it quits would crash the process (closeAfterInit says why).
      const closing = Promise.all([...queues.values()].map(closeAfterInit)).then(() => redis.quit());
      await Promise.race([closing.catch(() => undefined), sleep(CLOSE_TIMEOUT_MS)]);
      redis.disconnect();
    },
  };
}
