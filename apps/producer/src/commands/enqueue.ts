import { setTimeout as sleep } from 'node:timers/promises';
import {
  defaultQueueName,
  defaultRunId,
  type EnqueueResult,
  enqueueRun,
  isComplete,
  isTerminal,
  JobsError,
  type RunSpec,
  type RunState,
  type RunStore,
  type ShardQueue,
} from '@metaclip-batch/jobs';
import { type StorageOptions, storageFor } from '@metaclip-batch/storage';
import type { Metrics } from '@metaclip-batch/telemetry';
import type { EnqueueOptions } from '../config.ts';
import type { Context } from '../context.ts';
import type { ProgressView } from '../progress.ts';
import { openSource } from '../sources.ts';

/** Options of {@link runEnqueue} beyond the validated flags. */
export interface EnqueueDeps {
  progress?: ProgressView;
  metrics?: Metrics;
  storage?: StorageOptions;
  /** Time the run is for (the default run id carries its date); default now. */
  now?: Date;
  /** Called when listing pauses at the high-water mark. */
  onPause?: (depth: number) => void;
  /** Queue poll interval while paused, in ms. */
  pollMs?: number;
  /** Stops the listing (SIGINT, say); the run is marked failed with the reason, and the same enqueue resumes it. */
  signal?: AbortSignal;
}

/**
 * The parameters that make a run what it is; the default run id hashes them, so the same command names the same run
 * (and enqueues nothing new) while any change names a new one.
 */
function runIdentity(o: EnqueueOptions, queue: string): Record<string, unknown> {
  return {
    output: o.output,
    model: o.model,
    queue,
    labels: o.labels,
    templates: o.templates,
    topK: o.topK,
    embedDtype: o.embedDtype,
    shardSize: o.shardSize,
    since: o.since ?? null,
    incremental: o.incremental,
  };
}

/**
 * The run an incremental enqueue compares against: the newest completed run over the same source, model and output
 * that still has its source manifest. Only completed runs qualify: objects of a failed or cancelled run may never have
 * been embedded, so they must count as new. The manifests of older runs over the same source, model and output can
 * never be chosen again, so they are deleted here: Redis keeps the newest manifest per source, not one per night.
 */
export async function findIncrementalBase(store: RunStore, o: EnqueueOptions, runId: string): Promise<RunState | null> {
  const same = (await store.listForSource(o.source)).filter(
    (s) => s.runId !== runId && s.model === o.model && s.output === o.output,
  );
  for (const [i, s] of same.entries()) {
    if (s.status !== 'completed' || !(await store.hasSourceManifest(s.runId))) continue;
    await store.dropSourceManifests(same.slice(i + 1).map((older) => older.runId));
    return s;
  }
  return null;
}

/** Build the run spec from validated options (run id, queue and incremental base resolved). */
export async function buildSpec(ctx: Context, o: EnqueueOptions, now: Date): Promise<RunSpec> {
  const queue = o.queue ?? defaultQueueName(o.model);
  const runId = o.runId ?? defaultRunId(o.source, now, runIdentity(o, queue));
  const base = o.incremental ? await findIncrementalBase(ctx.store, o, runId) : null;
  if (o.incremental && !base) {
    ctx.log.info({ source: o.source }, 'no completed earlier run over this source: enqueuing every object');
  }
  return {
    runId,
    queue,
    source: o.source,
    output: o.output,
    model: o.model,
    labels: o.labels,
    templates: o.templates,
    topK: o.topK,
    embedDtype: o.embedDtype,
    shardSize: o.shardSize,
    createdAt: now.getTime(),
    ...(o.since !== undefined ? { since: o.since } : {}),
    ...(base ? { incremental: { baseRunId: base.runId } } : {}),
  };
}

/** List the source and enqueue its shards (see `enqueueRun` for the idempotence rules). */
export async function runEnqueue(ctx: Context, o: EnqueueOptions, deps: EnqueueDeps = {}): Promise<EnqueueResult> {
  const spec = await buildSpec(ctx, o, deps.now ?? new Date());
  // One unreadable entry never ends a listing: it is named in a warning and passed over.
  let unreadable = 0;
  const source = await openSource(o.source, deps.storage, {
    parallelism: o.listParallelism,
    ...(deps.signal ? { signal: deps.signal } : {}),
    onSkip: (uri, reason) => {
      unreadable++;
      ctx.log.warn({ uri, reason }, `skipped ${uri}: ${reason}`);
    },
  });
  ctx.log.info(
    { runId: spec.runId, queue: spec.queue, source: spec.source, kind: source.kind, base: spec.incremental?.baseRunId },
    'enqueuing',
  );
  let reported = { listed: 0, added: 0 };
  const result = await enqueueRun({
    queue: ctx.queue(spec.queue),
    store: ctx.store,
    spec,
    objects: source.objects,
    highWater: o.highWater,
    ...(deps.pollMs !== undefined ? { pollMs: deps.pollMs } : {}),
    ...(deps.signal ? { signal: deps.signal } : {}),
    onProgress: (p) => {
      deps.progress?.enqueue(p);
      deps.metrics?.urisListed.inc(p.listed - reported.listed);
      deps.metrics?.jobsEnqueued.inc(p.added - reported.added);
      reported = p;
    },
    onPause: (depth) => {
      ctx.log.info({ depth, highWater: o.highWater }, 'queue above the high-water mark: listing paused');
      deps.onPause?.(depth);
    },
  });
  deps.progress?.stop();
  // Every shard was already accounted for when listing ended (none at all, or workers were quicker): no worker will
  // end this run, so the producer writes its manifest.
  if (isComplete(result.state) && !isTerminal(result.state.status)) {
    const { finishRun } = await import('@metaclip-batch/pipeline');
    const storage = storageFor(result.state.output, deps.storage);
    result.state = (await finishRun(result.state, { store: ctx.store, storage }, true)).state;
  }
  const { state, ...counts } = result;
  ctx.log.info(
    { ...counts, skippedNonImages: source.skipped(), unreadable, status: state.status },
    result.mode === 'existing'
      ? `run ${result.runId} was already enqueued (status ${state.status}): nothing to add`
      : `run ${result.runId}: ${counts.added} jobs added`,
  );
  return result;
}

/** `--wait` gave up: no worker took a shard of the run for the wait timeout. */
export class WaitTimeoutError extends JobsError {
  constructor(state: RunState, timeoutMs: number) {
    super(
      'WAIT_TIMEOUT',
      `no worker has taken a shard of run ${state.runId} for ${timeoutMs / 1000} s (--wait-timeout): start one for ` +
        `its model (metaclip-worker --model ${state.model} --queue ${state.queue}). The run stays queued; ` +
        `\`metaclip-producer status ${state.runId}\` follows it`,
    );
    this.name = 'WaitTimeoutError';
  }
}

/** Options of {@link followRun}. */
export interface FollowOptions {
  pollMs?: number;
  onUpdate?: (s: RunState) => void;
  /**
   * Give up (throw {@link WaitTimeoutError}) when the run has not moved and its queue has had no active job for this
   * long, in ms: no worker of its model is there. Default: wait for ever.
   */
  waitTimeoutMs?: number;
  /** The run's queue, to see whether a worker holds a shard (a long shard moves the run only when it ends). */
  queue?: ShardQueue;
  signal?: AbortSignal;
}

/** Follow a run in the run store until it reaches a terminal status; returns its final state. */
export async function followRun(store: RunStore, runId: string, opts: FollowOptions = {}): Promise<RunState> {
  let lastUpdate = -1;
  let lastActivity = Date.now();
  for (;;) {
    opts.signal?.throwIfAborted();
    const state = await store.require(runId);
    opts.onUpdate?.(state);
    if (isTerminal(state.status)) return state;
    const now = Date.now();
    if (state.updatedAt !== lastUpdate || (opts.queue && (await opts.queue.getActiveCount()) > 0)) {
      lastUpdate = state.updatedAt;
      lastActivity = now;
    } else if (opts.waitTimeoutMs !== undefined && now - lastActivity >= opts.waitTimeoutMs) {
      throw new WaitTimeoutError(state, opts.waitTimeoutMs);
    }
    await sleep(opts.pollMs ?? 1000, undefined, opts.signal ? { signal: opts.signal } : {});
  }
}
