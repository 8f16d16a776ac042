import { RunNotFoundError } from './errors.ts';
import { shardDigest, shortHash } from './naming.ts';
import type { RedisClient } from './redis.ts';
import { type ErrorSample, isTerminal, type RunState, type RunStatus, runStateFromHash } from './run-state.ts';
import {
  CREATE,
  FINISH,
  REOPEN,
  SEAL_OBJECTS,
  SET_LISTED,
  SET_STATUS,
  SHARD_DONE,
  SHARD_FAILED,
} from './run-store-scripts.ts';
import { type RunSpec, RunSpecSchema } from './schemas.ts';
import { type SourceObject, sourceSeries } from './select.ts';
import { encodeDigests, SOURCE_MANIFEST_TTL_SECONDS, SourceManifest } from './source-manifest.ts';

/** How many per-image error samples a run keeps (the newest). */
export const ERROR_SAMPLES_CAP = 1000;

/**
 * Redis key of a run (`part` omitted) or of one of its parts (`done`, `failed`, `errors`, `objects`, ...):
 * `<prefix>:run:{<runId>}[:<part>]`. The braces are a Redis Cluster hash tag: all of a run's keys share one slot, so
 * the Lua scripts that touch several of them run on a cluster, while different runs spread over the nodes.
 */
export function runKey(prefix: string, runId: string, part?: string): string {
  const key = `${prefix}:run:{${runId}}`;
  return part ? `${key}:${part}` : key;
}

/** What a worker reports when a shard is written. */
export interface ShardDoneReport {
  /** Images embedded and written. */
  images: number;
  /** Images that became error rows. */
  failed: number;
  /** Time the shard took, in milliseconds. */
  ms: number;
  /** Embedding width of the model that wrote it (kept for the run's manifest). */
  embedDim?: number;
}

/** A shard recorded as failed. */
export interface FailedShard {
  shard: number;
  error: string;
  /** The shard's URIs, when the worker passed them. */
  uris?: string[];
}

/**
 * Run state in Redis: one hash per run with its spec and counters, a done-set and a failed-hash of shard numbers (so
 * a redelivered shard never counts twice), the shard plan (a digest of each shard's URIs, written at enqueue, so a
 * worker runs only shards of the plan), capped error samples, an index of runs by creation time and one per source,
 * and the run's source manifest for incremental runs. A run's keys are {@link runKey}s, one cluster slot per run, so
 * the same store works on one Redis and on a Redis Cluster.
 *
 * Producer, workers and dashboard share it; every counter update is a single Lua script, so concurrent workers are
 * safe without locks.
 */
export class RunStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix = 'metaclip',
  ) {}

  private key(runId: string, part?: string): string {
    return runKey(this.prefix, runId, part);
  }

  private sourceIndexKey(source: string): string {
    return `${this.prefix}:source:${shortHash(sourceSeries(source))}:runs`;
  }

  private runKeys(runId: string): string[] {
    return [this.key(runId), this.key(runId, 'done'), this.key(runId, 'failed')];
  }

  private decode(runId: string, reply: unknown): RunState {
    if (!reply) throw new RunNotFoundError(runId);
    return runStateFromHash(reply as string[]);
  }

  /**
   * Create a run in status `listing`.
   *
   * @returns false (and changes nothing) when a run with this id already exists.
   */
  async create(spec: RunSpec, now = Date.now()): Promise<boolean> {
    const valid = RunSpecSchema.parse(spec);
    const created = await CREATE.run(this.redis, [this.key(valid.runId)], [JSON.stringify(valid), now]);
    // After the run exists, and idempotent (NX), so a retried create heals an index entry a crash left out.
    await Promise.all([
      this.redis.zadd(`${this.prefix}:runs`, 'NX', valid.createdAt, valid.runId),
      this.redis.zadd(this.sourceIndexKey(valid.source), 'NX', valid.createdAt, valid.runId),
    ]);
    return created === 1;
  }

  /** The run's state, or null when it does not exist. */
  async get(runId: string): Promise<RunState | null> {
    const hash = await this.redis.hgetall(this.key(runId));
    return Object.keys(hash).length === 0 ? null : runStateFromHash(hash);
  }

  /** The run's state. @throws {@link RunNotFoundError} */
  async require(runId: string): Promise<RunState> {
    const state = await this.get(runId);
    if (!state) throw new RunNotFoundError(runId);
    return state;
  }

  /** Runs, newest first. */
  async list(limit = 50): Promise<RunState[]> {
    return this.statesOf(await this.redis.zrevrange(`${this.prefix}:runs`, 0, limit - 1));
  }

  /** Runs over `source` (this string, or another report of the same S3 Inventory: `sourceSeries`), newest first. */
  async listForSource(source: string, limit = 100): Promise<RunState[]> {
    const states = await this.statesOf(await this.redis.zrevrange(this.sourceIndexKey(source), 0, limit - 1));
    return states.filter((s) => sourceSeries(s.source) === sourceSeries(source));
  }

  private async statesOf(runIds: string[]): Promise<RunState[]> {
    // One command per run, not a pipeline: on a cluster the runs live on different nodes (ioredis still sends the
    // commands together, per node).
    const hashes = await Promise.all(runIds.map((id) => this.redis.hgetall(this.key(id))));
    return hashes.flatMap((h) => (Object.keys(h).length === 0 ? [] : [runStateFromHash(h)]));
  }

  /**
   * Listing finished: the totals are final. A run whose every shard is already accounted for still needs
   * {@link finish} (after its manifest is written).
   */
  async setListed(runId: string, totals: { shards: number; images: number }, now = Date.now()): Promise<RunState> {
    const reply = await SET_LISTED.run(this.redis, [this.key(runId)], [totals.shards, totals.images, now]);
    return this.decode(runId, reply);
  }

  /**
   * A shard was written. Idempotent per shard: a redelivered shard (at-least-once queues) is counted once; a shard
   * that had failed before and now succeeded stops counting as failed.
   */
  async recordShardDone(runId: string, shard: number, report: ShardDoneReport, now = Date.now()): Promise<RunState> {
    const reply = await SHARD_DONE.run(this.redis, this.runKeys(runId), [
      shard,
      report.images,
      report.failed,
      Math.round(report.ms),
      now,
      report.embedDim ?? '',
    ]);
    return this.decode(runId, reply);
  }

  /**
   * A shard failed for good (its job ran out of attempts or hit a permanent error). Idempotent per shard; ignored for
   * a shard already done. Pass the shard's `uris` when at hand: `retry` can then re-create the job even after BullMQ
   * removed the failed one.
   */
  async recordShardFailed(
    runId: string,
    shard: number,
    error: string,
    uris?: readonly string[],
    now = Date.now(),
  ): Promise<RunState> {
    const record = JSON.stringify(uris ? { error, uris } : { error });
    const reply = await SHARD_FAILED.run(this.redis, this.runKeys(runId), [shard, record, now]);
    return this.decode(runId, reply);
  }

  /**
   * Shards are being retried: forget their failures, so they count as outstanding again and a `failed` run becomes
   * `running`. If they fail again the workers record them again.
   */
  async reopenShards(runId: string, shards: readonly number[], now = Date.now()): Promise<RunState> {
    const reply = await REOPEN.run(this.redis, [this.key(runId), this.key(runId, 'failed')], [now, ...shards]);
    return this.decode(runId, reply);
  }

  /** Numbers of the shards recorded as done. */
  async doneShards(runId: string): Promise<Set<number>> {
    return new Set((await this.redis.smembers(this.key(runId, 'done'))).map(Number));
  }

  /** Shards recorded as failed (and not done since), with their last error and URIs if recorded, in shard order. */
  async failedShards(runId: string): Promise<FailedShard[]> {
    const hash = await this.redis.hgetall(this.key(runId, 'failed'));
    return Object.entries(hash)
      .map(([shard, record]) => ({ shard: Number(shard), ...(JSON.parse(record) as Omit<FailedShard, 'shard'>) }))
      .sort((a, b) => a.shard - b.shard);
  }

  /**
   * Up to `limit` failed shards with their error (any of them, not the first: a sample that stays cheap however many
   * shards failed, since each record may carry a thousand URIs).
   */
  async failedShardSample(runId: string, limit = 5): Promise<{ shard: number; error: string }[]> {
    const key = this.key(runId, 'failed');
    const out: { shard: number; error: string }[] = [];
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(key, cursor, 'COUNT', limit);
      for (let i = 0; i + 1 < flat.length && out.length < limit; i += 2) {
        out.push({ shard: Number(flat[i]), error: (JSON.parse(flat[i + 1] as string) as { error: string }).error });
      }
      cursor = next;
    } while (cursor !== '0' && out.length < limit);
    return out.sort((a, b) => a.shard - b.shard);
  }

  /** Keep samples of per-image errors (the newest {@link ERROR_SAMPLES_CAP}). */
  async addErrorSamples(runId: string, samples: readonly ErrorSample[]): Promise<void> {
    if (samples.length === 0) return;
    const key = this.key(runId, 'errors');
    await this.redis
      .multi()
      .lpush(key, ...samples.map((s) => JSON.stringify({ image_path: s.image_path, error: s.error })))
      .ltrim(key, 0, ERROR_SAMPLES_CAP - 1)
      .exec();
  }

  /** The newest error samples first. */
  async errorSamples(runId: string, limit = 100): Promise<ErrorSample[]> {
    const raw = await this.redis.lrange(this.key(runId, 'errors'), 0, limit - 1);
    return raw.map((s) => JSON.parse(s) as ErrorSample);
  }

  /**
   * Set the status; a terminal status stamps `finishedAt`, a live one clears it. `error` records why the run failed
   * as a whole (shown by every status view); without it any earlier error is cleared.
   */
  async setStatus(runId: string, status: RunStatus, opts: { error?: string; now?: number } = {}): Promise<RunState> {
    const now = opts.now ?? Date.now();
    const args = [status, now, isTerminal(status) ? 1 : 0, opts.error ?? ''];
    const reply = await SET_STATUS.run(this.redis, [this.key(runId)], args);
    return this.decode(runId, reply);
  }

  /**
   * End a listed run whose every shard is accounted for, once its manifest is written: `completed`, or `failed` when
   * a shard failed or `error` says why the run failed as a whole (its manifest could not be written, say). A run not
   * yet complete, or already ended, is left as it is.
   */
  async finish(runId: string, opts: { error?: string; now?: number } = {}): Promise<RunState> {
    const reply = await FINISH.run(this.redis, [this.key(runId)], [opts.now ?? Date.now(), opts.error ?? '']);
    return this.decode(runId, reply);
  }

  /** Record planned shards (number and URI list): the worker runs a shard only when it matches this plan. */
  async recordPlan(runId: string, shards: readonly { shard: number; uris: readonly string[] }[]): Promise<void> {
    if (shards.length === 0) return;
    await this.redis.hset(this.key(runId, 'plan'), ...shards.flatMap((s) => [String(s.shard), shardDigest(s.uris)]));
  }

  /** Whether shard `shard` with these URIs is part of the run's plan as enqueued. */
  async inPlan(runId: string, shard: number, uris: readonly string[]): Promise<boolean> {
    return (await this.redis.hget(this.key(runId, 'plan'), String(shard))) === shardDigest(uris);
  }

  /** Start (or restart) recording the objects a listing pass sees; drops what an interrupted pass left. */
  async resetSourceObjects(runId: string): Promise<void> {
    await this.redis.del(this.key(runId, 'objects-pending'));
  }

  /**
   * Record a batch of listed objects (URI + ETag or mtime/size) for later incremental runs: 8 bytes per object. They
   * become visible only when {@link sealSourceObjects} is called at the end of a complete listing.
   */
  async recordSourceObjects(runId: string, objects: readonly SourceObject[]): Promise<void> {
    if (objects.length === 0) return;
    await this.redis.rpush(this.key(runId, 'objects-pending'), encodeDigests(objects));
  }

  /** Publish the recorded objects as the run's source manifest (kept {@link SOURCE_MANIFEST_TTL_SECONDS}). */
  async sealSourceObjects(runId: string): Promise<void> {
    await SEAL_OBJECTS.run(
      this.redis,
      [this.key(runId, 'objects-pending'), this.key(runId, 'objects')],
      [SOURCE_MANIFEST_TTL_SECONDS],
    );
  }

  /** Delete the source manifests of these runs (runs superseded as incremental bases); returns how many existed. */
  async dropSourceManifests(runIds: readonly string[]): Promise<number> {
    const deleted = await Promise.all(runIds.map((id) => this.redis.del(this.key(id, 'objects'))));
    return deleted.reduce((a, b) => a + b, 0);
  }

  /** The run's sealed source manifest, to ask which objects are new or changed since; null if none. */
  async loadSourceManifest(runId: string): Promise<SourceManifest | null> {
    return SourceManifest.load(this.redis, this.key(runId, 'objects'));
  }

  /** Whether the run has a sealed source manifest. */
  async hasSourceManifest(runId: string): Promise<boolean> {
    return (await this.redis.exists(this.key(runId, 'objects'))) === 1;
  }
}
