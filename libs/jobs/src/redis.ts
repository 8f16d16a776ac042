import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** A connection to one Redis or to a Redis Cluster; BullMQ, the run store and the Lua scripts accept either. */
export type RedisClient = Redis | Cluster;

/** Where Redis is: a URL and whether it is a seed node of a Redis Cluster. */
export interface RedisTarget {
  /** `redis://[user:password@]host:port[/db]` or `rediss://...`; in cluster mode any one node (the seed). */
  url: string;
  /** True: `url` is a seed node of a Redis Cluster (`--redis-cluster`, `METACLIP_REDIS_CLUSTER=1`). */
  cluster: boolean;
}

/**
 * BullMQ key prefix of the queues. On a cluster every key of one queue must hash to one slot (BullMQ's Lua scripts
 * touch several at once), which BullMQ documents as a hash-tagged prefix: `{bull}`. A single Redis keeps BullMQ's
 * default `bull`, so existing queues stay where they are.
 */
export function bullPrefix(client: RedisClient): string {
  return client.isCluster ? '{bull}' : 'bull';
}

/** Pure: the settings a cluster's nodes are opened with: the seed URL's credentials and TLS, never its db. */
export function clusterNodeOptions(
  url: string,
  options: RedisOptions = {},
): { host: string; port: number; redisOptions: RedisOptions } {
  const u = new URL(url);
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && db !== '0') {
    throw new RangeError(`a Redis Cluster has only database 0; drop "/${db}" from ${u.protocol}//${u.host}`);
  }
  const redisOptions: RedisOptions = { ...options };
  if (u.username) redisOptions.username = decodeURIComponent(u.username);
  if (u.password) redisOptions.password = decodeURIComponent(u.password);
  if (u.protocol === 'rediss:') redisOptions.tls = { servername: u.hostname };
  return { host: u.hostname, port: Number(u.port || 6379), redisOptions };
}

/**
 * Open a connection to `target`: an ioredis `Redis`, or an ioredis `Cluster` seeded from the URL (it discovers the
 * other nodes and follows MOVED/ASK redirections itself). `options` apply to every node.
 */
export function connectRedis(target: RedisTarget, options: RedisOptions = {}): RedisClient {
  if (!target.cluster) return new Redis(target.url, options);
  const { host, port, redisOptions } = clusterNodeOptions(target.url, options);
  return new Cluster([{ host, port }], {
    redisOptions,
    lazyConnect: options.lazyConnect,
    enableOfflineQueue: options.enableOfflineQueue,
    // Slot refreshes after a failover: retry for a while, as a single Redis' reconnect does.
    clusterRetryStrategy: (times) => Math.min(100 * times, 2000),
  });
}

/** A second connection to the same Redis or cluster with some options changed (BullMQ workers block theirs). */
export function duplicateRedis(client: RedisClient, options: RedisOptions): RedisClient {
  if (!client.isCluster) return (client as Redis).duplicate(options);
  const cluster = client as Cluster;
  return cluster.duplicate(undefined, { redisOptions: { ...cluster.options.redisOptions, ...options } });
}

/**
 * Pure: what is wrong, if anything, with connecting in `cluster` mode to a node whose `INFO cluster` reply is `info`
 * (a sentence that says what to change), or null when the modes agree.
 */
export function clusterModeProblem(info: string, cluster: boolean): string | null {
  const enabled = /^cluster_enabled:1\s*$/m.test(info);
  if (cluster && !enabled) {
    return 'is not a Redis Cluster node (cluster_enabled:0); drop --redis-cluster / METACLIP_REDIS_CLUSTER';
  }
  if (!cluster && enabled) {
    return 'is a Redis Cluster node; add --redis-cluster (or METACLIP_REDIS_CLUSTER=1) so keys follow the cluster slots';
  }
  return null;
}
