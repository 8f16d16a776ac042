import { setTimeout as sleep } from 'node:timers/promises';
import { JobsError, RunConflictError, type SpecConflict } from './errors.ts';
import { shardJobId, stableStringify } from './naming.ts';
import { queueDepth, SHARD_JOB_NAME, type ShardQueue } from './queue.ts';
import type { RunState } from './run-state.ts';
import type { RunStore } from './run-store.ts';
import type { RunSpec, ShardJob } from './schemas.ts';
import { modifiedSince, type SourceObject } from './select.ts';
import { chunk, planShards } from './shard-plan.ts';
import type { SourceManifest } from './source-manifest.ts';

/** Counters reported while enqueuing and at the end. */
export interface EnqueueProgress {
  /** Objects the listing yielded. */
  listed: number;
  /** Objects selected (after `--since` and the incremental filter). */
  selected: number;
  /** Shards planned so far. */
  shards: number;
  /** Jobs handed to BullMQ (new shards; shards already done or already queued are not counted). */
  added: number;
}

/** Options of {@link enqueueRun}. */
export interface EnqueueRunOptions {
  queue: ShardQueue;
  store: RunStore;
  spec: RunSpec;
  /**
   * The source's objects in a stable order (the shard plan depends on it); already filtered to images, each with its
   * caption sidecar when it has one (`pairSidecars`).
   */
  objects: AsyncIterable<SourceObject>;
  /** Pause listing while the queue holds at least this many jobs not yet started. */
  highWater: number;
  /** `addBulk` calls in flight at once (pipelining). Default 4. */
  concurrency?: number;
  /** How often to re-check the queue while paused, in ms. Default 1,000. */
  pollMs?: number;
  onProgress?: (p: EnqueueProgress) => void;
  /** Called once each time listing pauses at the high-water mark, with the queue depth seen. */
  onPause?: (depth: number) => void;
  /** Stops the enqueue (SIGINT, say): it throws the signal's reason and marks the run failed, resumable. */
  signal?: AbortSignal;
}

/** Outcome of {@link enqueueRun}. */
export interface EnqueueResult extends EnqueueProgress {
  runId: string;
  /** `created`: a new run; `resumed`: an interrupted listing was completed; `existing`: nothing to do. */
  mode: 'created' | 'resumed' | 'existing';
  /** Listing stopped because the run was cancelled meanwhile. */
  cancelled: boolean;
  state: RunState;
}

/** URIs per `addBulk` call: large enough to amortise round trips, small enough to keep each reply quick. */
const URIS_PER_BULK = 20_000;
/** Objects per source-manifest chunk. */
const MANIFEST_CHUNK = 4096;
/** Spec fields that define what a run computes; a re-enqueue under the same id must agree on them. */
const IDENTITY_FIELDS = [
  'source',
  'output',
  'model',
  'labels',
  'templates',
  'topK',
  'embedDtype',
  'shardSize',
] as const;

/** Pure: the identity fields on which the existing run's spec and a new spec of the same run id disagree. */
export function specConflicts(existing: RunSpec, given: RunSpec): SpecConflict[] {
  return IDENTITY_FIELDS.filter((f) => stableStringify(existing[f]) !== stableStringify(given[f])).map((field) => ({
    field,
    existing: existing[field],
    given: given[field],
  }));
}

/**
 * Enqueue a run: list -> select -> plan shards -> `addBulk` in pipelined chunks, pausing at the high-water mark, while
 * recording the listed objects for later incremental runs; then mark the run listed with its totals.
 *
 * Idempotent: job ids are deterministic and the plan depends only on the listing, so re-running an interrupted
 * enqueue (the run exists but was never marked listed) adds only shards neither done nor queued; a run already
 * listed, or cancelled, is left alone. An incremental spec (`incremental.baseRunId`) keeps only objects new or changed
 * since the base run's source manifest.
 *
 * A listing that fails (or is stopped) never leaves the run in `listing`: it is marked `failed` with the reason, and
 * running the same enqueue again resumes it. Each shard's URI digest is recorded in the plan before its job exists.
 *
 * @throws {@link RunConflictError} when the run id exists with different parameters.
 */
export async function enqueueRun(opts: EnqueueRunOptions): Promise<EnqueueResult> {
  const { store, highWater } = opts;
  if (!Number.isSafeInteger(highWater) || highWater < 1) throw new RangeError(`high-water must be >= 1: ${highWater}`);
  const created = await store.create(opts.spec);
  const existing = created ? null : await store.require(opts.spec.runId);
  if (existing) {
    const conflicts = specConflicts(existing, opts.spec);
    if (conflicts.length > 0) throw new RunConflictError(existing.runId, conflicts);
    if (existing.listed || existing.status === 'cancelled') {
      return { runId: existing.runId, mode: 'existing', cancelled: false, state: existing, ...zero() };
    }
  }
  const spec: RunSpec = existing ?? opts.spec;
  // A listing that failed before is resumed: the run is listing again.
  if (existing?.status === 'failed') await store.setStatus(spec.runId, 'listing');
  try {
    return await listAndEnqueue(opts, spec, existing !== null, created);
  } catch (thrown) {
    // Stopped: report the signal's reason ("interrupted by SIGINT"), whichever await noticed it.
    const err = opts.signal?.aborted ? opts.signal.reason : thrown;
    const why = err instanceof Error ? err.message : String(err);
    const state = await store.get(spec.runId);
    if (state && !state.listed && state.status === 'listing') {
      await store.setStatus(spec.runId, 'failed', {
        error: `listing stopped: ${why}; run the same enqueue again to resume`,
      });
    }
    throw err;
  }
}

async function listAndEnqueue(
  opts: EnqueueRunOptions,
  spec: RunSpec,
  existing: boolean,
  created: boolean,
): Promise<EnqueueResult> {
  const { queue, store, highWater } = opts;
  const base = await loadBase(store, spec);
  const done = existing ? await store.doneShards(spec.runId) : new Set<number>();
  await store.resetSourceObjects(spec.runId);

  const counts = zero();
  const inFlight = new Set<Promise<void>>();
  let inFlightJobs = 0;
  let failure: unknown = null;
  const track = (p: Promise<void>, jobs: number): void => {
    inFlightJobs += jobs;
    const t = p
      .catch((err: unknown) => {
        failure ??= err;
      })
      .finally(() => {
        inFlightJobs -= jobs;
        inFlight.delete(t);
      });
    inFlight.add(t);
  };
  const settle = async (limit: number): Promise<void> => {
    while (inFlight.size > limit) await Promise.race(inFlight);
    if (failure) throw failure;
  };

  let pending: SourceObject[] = [];
  const flushManifest = (): void => {
    if (pending.length === 0) return;
    track(store.recordSourceObjects(spec.runId, pending), 0);
    pending = [];
  };
  async function* selected(): AsyncGenerator<SourceObject> {
    for await (const obj of opts.objects) {
      counts.listed++;
      pending.push(obj);
      if (pending.length >= MANIFEST_CHUNK) flushManifest();
      if (modifiedSince(obj, spec.since) && (!base || base.isNewOrChanged(obj))) {
        counts.selected++;
        yield obj;
      }
    }
    flushManifest();
  }

  const concurrency = opts.concurrency ?? 4;
  const jobsPerBulk = Math.max(1, Math.min(highWater, Math.ceil(URIS_PER_BULK / spec.shardSize)));
  let cancelled = false;
  try {
    for await (const shards of chunk(planShards(selected(), spec.shardSize), jobsPerBulk)) {
      opts.signal?.throwIfAborted();
      counts.shards += shards.length;
      const planned = store.recordPlan(
        spec.runId,
        shards.map((s) => ({ shard: s.shard, uris: s.items.map((o) => o.uri) })),
      );
      const jobs = shards
        .filter((s) => !done.has(s.shard))
        .map((s) => ({
          name: SHARD_JOB_NAME,
          data: shardJob(spec, s.shard, s.items),
          opts: { jobId: shardJobId(spec.runId, s.shard) },
        }));
      const fresh = existing ? await withoutExisting(queue, jobs) : jobs;
      if (fresh.length === 0) {
        await planned;
        continue;
      }
      await settle(concurrency - 1);
      if (!(await waitForRoom(opts, () => inFlightJobs, fresh.length))) {
        cancelled = true;
        break;
      }
      counts.added += fresh.length;
      // A job may be taken the moment it exists: its plan entry is written first.
      track(
        planned.then(() => queue.addBulk(fresh)).then(() => undefined),
        fresh.length,
      );
      opts.onProgress?.({ ...counts });
    }
  } finally {
    // A failed listing must not leave writes racing the caller's error handling.
    await Promise.allSettled(inFlight);
  }
  await settle(0);
  if (cancelled) {
    const state = await store.require(spec.runId);
    return { runId: spec.runId, mode: created ? 'created' : 'resumed', cancelled, state, ...counts };
  }
  await store.sealSourceObjects(spec.runId);
  const state = await store.setListed(spec.runId, { shards: counts.shards, images: counts.selected });
  opts.onProgress?.({ ...counts });
  return { runId: spec.runId, mode: created ? 'created' : 'resumed', cancelled: false, state, ...counts };
}

/** Pure: the job of one planned shard; `sidecars` only when one of its images has one (small jobs without captions). */
export function shardJob(spec: RunSpec, shard: number, items: readonly SourceObject[]): ShardJob {
  const job: ShardJob = { runId: spec.runId, shard, model: spec.model, uris: items.map((o) => o.uri) };
  if (items.some((o) => o.sidecar)) job.sidecars = items.map((o) => o.sidecar?.ext ?? null);
  return job;
}

function zero(): EnqueueProgress {
  return { listed: 0, selected: 0, shards: 0, added: 0 };
}

async function loadBase(store: RunStore, spec: RunSpec): Promise<SourceManifest | null> {
  if (!spec.incremental) return null;
  const manifest = await store.loadSourceManifest(spec.incremental.baseRunId);
  if (!manifest) {
    throw new JobsError(
      'BASE_MANIFEST_MISSING',
      `run ${spec.runId} is incremental over ${spec.incremental.baseRunId}, whose source manifest is gone (expired or ` +
        'never sealed); enqueue a full run under a new run id',
    );
  }
  return manifest;
}

/** Drop jobs whose id is already in the queue (any state), so a resumed run reports honest counts. */
async function withoutExisting<J extends { opts: { jobId: string } }>(queue: ShardQueue, jobs: J[]): Promise<J[]> {
  if (jobs.length === 0) return jobs;
  const states = await Promise.all(jobs.map((j) => queue.getJobState(j.opts.jobId)));
  return jobs.filter((_, i) => states[i] === 'unknown');
}

/**
 * Wait until `jobs` more fit under the high-water mark. Returns false when the run was cancelled meanwhile (checked
 * while paused, and once per call so a cancel stops a listing that never pauses).
 */
async function waitForRoom(opts: EnqueueRunOptions, inFlightJobs: () => number, jobs: number): Promise<boolean> {
  let paused = false;
  for (;;) {
    const depth = await queueDepth(opts.queue);
    if ((await opts.store.get(opts.spec.runId))?.status === 'cancelled') return false;
    if (depth + inFlightJobs() + jobs <= opts.highWater) return true;
    if (!paused) opts.onPause?.(depth);
    paused = true;
    await sleep(opts.pollMs ?? 1000, undefined, opts.signal ? { signal: opts.signal } : {});
  }
}
