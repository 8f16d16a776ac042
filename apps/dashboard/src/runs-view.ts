import {
  type ErrorSample,
  failureReasons,
  formatDuration,
  progress,
  type RunState,
  type RunStatus,
} from '@metaclip-batch/jobs';

export { formatDuration };

/** Counts of one unit (shards or images) of a run. */
export interface Tally {
  total: number;
  done: number;
  failed: number;
}

/**
 * One run as the JSON API serves it and the runs page shows it. `text` holds the display strings, formatted once here
 * so the server-rendered page and the polling script agree without a second formatter in the browser.
 */
export interface RunView {
  runId: string;
  status: RunStatus;
  queue: string;
  model: string;
  labels: string[];
  source: string;
  output: string;
  listed: boolean;
  shards: Tally;
  images: Tally;
  /** Share of shards accounted for, 0..1. */
  fraction: number;
  /** Images per second since the run started. */
  rate: number;
  /** Seconds left at the current rate; null while unknown. */
  etaSeconds: number | null;
  createdAt: number;
  startedAt: number;
  updatedAt: number;
  finishedAt: number | null;
  /** Why the run failed: its own error, then sampled failed shards (`shard 3: ...`); empty when nothing failed. */
  reasons: string[];
  text: Record<RunTextField, string>;
}

/** Display fields of {@link RunView.text}; the page template names its cells after them. */
export const RUN_TEXT_FIELDS = [
  'runId',
  'status',
  'model',
  'labels',
  'percent',
  'shards',
  'images',
  'failed',
  'rate',
  'eta',
  'elapsed',
  'started',
  'queue',
  'reason',
] as const;
/** One of {@link RUN_TEXT_FIELDS}. */
export type RunTextField = (typeof RUN_TEXT_FIELDS)[number];

/** A run with what its detail view adds: failed shards and samples of images that could not be processed. */
export interface RunDetailView extends RunView {
  templates: string[];
  topK: number;
  failedShards: { shard: number; error: string }[];
  errorSamples: ErrorSample[];
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** Pure: images per second with sensible precision: `0.42/s`, `12.5/s`, `3,120/s`. */
export function formatRate(rate: number): string {
  if (rate <= 0) return '–';
  if (rate < 1) return `${rate.toFixed(2)}/s`;
  if (rate < 100) return `${rate.toFixed(1)}/s`;
  return `${integer.format(rate)}/s`;
}

/** Pure: the last path segment of a model reference (`/models/tiny-clip` -> `tiny-clip`); hub ids stay whole. */
export function shortModel(model: string): string {
  if (!model.startsWith('/')) return model;
  return model.split('/').filter(Boolean).pop() ?? model;
}

/** Pure: up to `max` labels joined, with how many more: `cat, dog, bird +997`. */
export function labelSummary(labels: readonly string[], max = 4): string {
  const head = labels.slice(0, max).join(', ');
  return labels.length > max ? `${head} +${integer.format(labels.length - max)}` : head;
}

function failedText(state: RunState): string {
  const parts = [];
  if (state.imagesFailed > 0) parts.push(`${integer.format(state.imagesFailed)} img`);
  if (state.shardsFailed > 0)
    parts.push(`${integer.format(state.shardsFailed)} shard${state.shardsFailed > 1 ? 's' : ''}`);
  return parts.length > 0 ? parts.join(' · ') : '–';
}

function etaText(state: RunState, etaSeconds: number | null): string {
  if (state.status === 'completed') return 'done';
  if (state.status === 'failed' || state.status === 'cancelled') return '–';
  if (etaSeconds === null) return state.listed ? 'estimating…' : 'listing…';
  return formatDuration(etaSeconds);
}

/** The first reason, and how many more there are, for the runs table's cell. */
function reasonText(reasons: readonly string[]): string {
  if (reasons.length === 0) return '–';
  return reasons.length > 1 ? `${reasons[0]} (+${reasons.length - 1} more)` : (reasons[0] as string);
}

/**
 * Pure: the view of a run as of `now` (epoch ms); `failedShards` is a sample of its failed shards, whose errors
 * (with the run's own) become the reasons the page shows.
 */
export function runView(
  state: RunState,
  now: number,
  failedShards: readonly { shard: number; error: string }[] = [],
): RunView {
  const p = progress(state, now);
  const reasons = failureReasons(state, failedShards);
  const total = state.listed ? '' : '+';
  const end = state.finishedAt ?? now;
  return {
    runId: state.runId,
    status: state.status,
    queue: state.queue,
    model: state.model,
    labels: state.labels,
    source: state.source,
    output: state.output,
    listed: state.listed,
    shards: { total: state.shardsTotal, done: state.shardsDone, failed: state.shardsFailed },
    images: { total: state.imagesTotal, done: state.imagesDone, failed: state.imagesFailed },
    fraction: p.fraction,
    rate: p.rate,
    etaSeconds: p.etaSeconds,
    createdAt: state.createdAt,
    startedAt: state.startedAt,
    updatedAt: state.updatedAt,
    finishedAt: state.finishedAt ?? null,
    reasons,
    text: {
      runId: state.runId,
      status: state.status,
      model: shortModel(state.model),
      labels: labelSummary(state.labels),
      percent: `${(p.fraction * 100).toFixed(1)}%`,
      shards: `${integer.format(state.shardsDone + state.shardsFailed)} / ${integer.format(state.shardsTotal)}${total}`,
      images: `${integer.format(state.imagesDone)} / ${integer.format(state.imagesTotal)}${total}`,
      failed: failedText(state),
      rate: formatRate(p.rate),
      eta: etaText(state, p.etaSeconds),
      elapsed: formatDuration((end - state.startedAt) / 1000),
      started: new Date(state.startedAt).toISOString().replace('T', ' ').slice(0, 19),
      queue: state.queue,
      reason: reasonText(reasons),
    },
  };
}

/** Totals over the listed runs, for the tiles above the runs table. */
export interface RunsSummary {
  /** Runs listing or running. */
  active: number;
  imagesDone: number;
  imagesFailed: number;
  /** Images per second summed over running runs. */
  rate: number;
  text: Record<'active' | 'finished' | 'imagesDone' | 'imagesFailed' | 'rate', string>;
}

/** Pure: totals over runs (as listed: the newest ones). */
export function runsSummary(views: readonly RunView[]): RunsSummary {
  const active = views.filter((v) => v.status === 'running' || v.status === 'listing');
  const imagesDone = views.reduce((n, v) => n + v.images.done, 0);
  const imagesFailed = views.reduce((n, v) => n + v.images.failed, 0);
  const rate = active.reduce((n, v) => n + v.rate, 0);
  return {
    active: active.length,
    imagesDone,
    imagesFailed,
    rate,
    text: {
      active: integer.format(active.length),
      finished: integer.format(views.length - active.length),
      imagesDone: integer.format(imagesDone),
      imagesFailed: integer.format(imagesFailed),
      rate: formatRate(rate),
    },
  };
}

/** Pure: the detail view of a run. */
export function runDetailView(
  state: RunState,
  now: number,
  failures: { failedShards: { shard: number; error: string }[]; errorSamples: ErrorSample[] },
): RunDetailView {
  return {
    ...runView(state, now, failures.failedShards),
    templates: state.templates,
    topK: state.topK,
    ...failures,
  };
}
