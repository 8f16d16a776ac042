import { setTimeout as sleep } from 'node:timers/promises';
import {
  defaultQueueName,
  defaultRunId,
  type EnqueueResult,
  enqueueRun,
  isTerminal,
  type RunSpec,
  type RunState,
  type RunStore,
} from '@metaclip-batch/jobs';
import type { StorageOptions } from '@metaclip-batch/storage';
import type { Metrics } from '@metaclip-batch/telemetry';
import type { EnqueueOptions } from '../config';
import type { Context } from '../context';
import type { ProgressView } from '../progress';
import { openSource } from '../sources';

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
  const source = await openSource(o.source, deps.storage);
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
  const { state, ...counts } = result;
  ctx.log.info(
    { ...counts, skippedNonImages: source.skipped(), status: state.status },
    result.mode === 'existing'
      ? `run ${result.runId} was already enqueued (status ${state.status}): nothing to add`
      : `run ${result.runId}: ${counts.added} jobs added`,
  );
  return result;
}

/** Follow a run in the run store until it reaches a terminal status; returns its final state. */
export async function followRun(
  store: RunStore,
  runId: string,
  opts: { pollMs?: number; onUpdate?: (s: RunState) => void } = {},
): Promise<RunState> {
  for (;;) {
    const state = await store.require(runId);
    opts.onUpdate?.(state);
    if (isTerminal(state.status)) return state;
    await sleep(opts.pollMs ?? 1000);
  }
}
