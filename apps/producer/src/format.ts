import { failureReasons, formatDuration as formatRunDuration, progress, type RunState } from '@metaclip-batch/jobs';

/** `1234567` -> `1,234,567`. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Seconds as `1h 02m`, `2m 05s` or `7s` (aligned columns); `-` when unknown. */
export function formatDuration(seconds: number | null): string {
  return formatRunDuration(seconds, { pad: true });
}

/** Epoch ms as `2024-05-06 02:00:13Z`. */
export function formatTime(ms: number | undefined): string {
  return ms === undefined ? '-' : `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** Pure: the `status` report of a run, for people; `failedShards` (a sample) adds why it failed. */
export function describeRun(
  state: RunState,
  now: number,
  failedShards: readonly { shard: number; error: string }[] = [],
): string {
  const p = progress(state, now);
  const total = state.listed ? formatCount(state.shardsTotal) : `${formatCount(state.shardsTotal)}+ (still listing)`;
  const lines = [
    `run      ${state.runId}`,
    `status   ${state.status}`,
    `source   ${state.source}${state.incremental ? ` (new or changed since ${state.incremental.baseRunId})` : ''}`,
    `output   ${state.output}`,
    `model    ${state.model} (queue ${state.queue})`,
    `labels   ${state.labels.length} labels, ${state.templates.length} templates, top-${state.topK}, ${state.embedDtype}`,
    `shards   ${formatCount(state.shardsDone)} done, ${formatCount(state.shardsFailed)} failed of ${total} (${(p.fraction * 100).toFixed(1)}%)`,
    `images   ${formatCount(state.imagesDone)} done, ${formatCount(state.imagesFailed)} bad of ${formatCount(state.imagesTotal)}`,
    `rate     ${formatCount(p.rate)} images/s, ETA ${formatDuration(p.etaSeconds)}`,
    `started  ${formatTime(state.startedAt)}${state.finishedAt ? `, finished ${formatTime(state.finishedAt)}` : ''}`,
  ];
  const reasons = failureReasons(state, failedShards);
  if (reasons.length > 0) lines.push('failures', ...reasons.map((r) => `  ${r}`));
  return lines.join('\n');
}

/** Pure: the `runs` table, one line per run, columns aligned. */
export function runsTable(states: readonly RunState[], now: number): string {
  const header = ['RUN', 'STATUS', 'SHARDS', 'FAILED', 'IMAGES', 'RATE/s', 'ETA', 'CREATED'];
  const rows = states.map((s) => {
    const p = progress(s, now);
    return [
      s.runId,
      s.status,
      `${formatCount(s.shardsDone)}/${formatCount(s.shardsTotal)}${s.listed ? '' : '+'}`,
      formatCount(s.shardsFailed),
      formatCount(s.imagesDone),
      formatCount(p.rate),
      formatDuration(p.etaSeconds),
      formatTime(s.createdAt),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [header, ...rows]
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
