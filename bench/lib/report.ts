/**
 * The benchmark report: its shape (the JSON line `npm run bench -- --json` ends with), the targets it is judged by,
 * and the docs block it is written into (bench/lib/render.ts renders it). Pure.
 */
import type { RssSample, RssTrend, Summary } from './stats';
import { ratio } from './stats';

/** Every number the bench measures, by its key in the report. */
export const METRICS = {
  raw_model_img_s: { title: 'raw model (ORT session, ready tensors)', unit: 'img/s' },
  e2e_img_s: { title: 'end to end (producer, Redis, worker, disk)', unit: 'img/s' },
  transformersjs_img_s: { title: 'transformers.js zero-shot pipeline', unit: 'img/s' },
  decode_img_s: { title: 'decode + preprocess (sharp)', unit: 'img/s' },
  enqueue_uris_s: { title: 'enqueue (manifest -> Redis)', unit: 'URIs/s' },
  worker_peak_rss_mib: { title: 'worker peak RSS', unit: 'MiB' },
} as const;

/** A metric's key in the report. */
export type MetricName = keyof typeof METRICS;

/** One measured metric: the summary of its repeats plus what was measured (batch size, counts, ...). */
export interface Metric extends Summary {
  /** Free-form facts about this measurement that a reader needs to judge it (e.g. `{ batch: 8, images: 64 }`). */
  detail?: Record<string, unknown>;
}

/** The machine the numbers come from. */
export interface MachineInfo {
  cpu: string;
  cores: number;
  memGiB: number;
  node: string;
  os: string;
  gpu?: string;
  /** 1-minute load average when the run started: other work on the machine skews every number. */
  loadAvg1m: number;
}

/** A measurement that did not run, and why (missing sub-benchmark, `--only`, a failure). */
export interface Skipped {
  metric: MetricName;
  reason: string;
}

/** One target and whether it held. `ok` is `null` when the numbers it needs were not measured. */
export interface TargetResult {
  name: string;
  want: string;
  got: number | null;
  ok: boolean | null;
}

/** The whole result of one bench run. */
export interface BenchReport {
  schema: 'metaclip-batch-bench/1';
  startedAt: string;
  durationS: number;
  quick: boolean;
  device: string;
  dtype: 'fp32' | 'fp16';
  machine: MachineInfo;
  ortVersion: string;
  threads: { intraOp: number; interOp: number };
  model: { shape: string; seed: number; imageSize: number; embedDim: number };
  metrics: Partial<Record<MetricName, Metric>>;
  /** Raw model img/s by batch size: the sweep the best batch was chosen from. */
  rawByBatch: Record<string, Summary>;
  ratios: { e2e_vs_raw: number | null; e2e_vs_transformersjs: number | null };
  rss: (RssTrend & { samples: RssSample[] }) | null;
  targets: TargetResult[];
  skipped: Skipped[];
  notes: string[];
}

/** The targets the project set for this machine; `aim` is the stretch goal printed beside the bar. */
export const TARGETS = {
  e2eVsRaw: 0.9,
  e2eVsTransformersjs: 1.5,
  e2eVsTransformersjsAim: 2,
  enqueueUrisPerS: 50_000,
} as const;

/** The two ratios, from medians. */
export function computeRatios(metrics: BenchReport['metrics']): BenchReport['ratios'] {
  return {
    e2e_vs_raw: ratio(metrics.e2e_img_s, metrics.raw_model_img_s),
    e2e_vs_transformersjs: ratio(metrics.e2e_img_s, metrics.transformersjs_img_s),
  };
}

/** Judges the report against {@link TARGETS}. A target whose inputs are missing is `ok: null`, not a failure. */
export function evaluateTargets(r: Pick<BenchReport, 'metrics' | 'ratios' | 'rss'>): TargetResult[] {
  const atLeast = (name: string, got: number | null | undefined, want: number, label: string): TargetResult => ({
    name,
    want: label,
    got: got ?? null,
    ok: got == null ? null : got >= want,
  });
  return [
    atLeast('e2e_vs_raw', r.ratios.e2e_vs_raw, TARGETS.e2eVsRaw, `>= ${TARGETS.e2eVsRaw}`),
    atLeast(
      'e2e_vs_transformersjs',
      r.ratios.e2e_vs_transformersjs,
      TARGETS.e2eVsTransformersjs,
      `>= ${TARGETS.e2eVsTransformersjs} (aim ${TARGETS.e2eVsTransformersjsAim})`,
    ),
    atLeast(
      'enqueue_uris_s',
      r.metrics.enqueue_uris_s?.median,
      TARGETS.enqueueUrisPerS,
      `>= ${TARGETS.enqueueUrisPerS}`,
    ),
    {
      name: 'worker_rss_flat',
      want: r.rss ? `growth <= ${r.rss.toleranceMiB} MiB after warm-up` : 'growth within tolerance after warm-up',
      got: r.rss ? r.rss.growthMiB : null,
      ok: r.rss ? r.rss.flat : null,
    },
  ];
}

/**
 * A note for the report when the machine was busy with other work as the run started (load above the core count):
 * the numbers are then pessimistic, the ratios less so since every side suffers alike.
 */
export function contentionNote(m: MachineInfo): string | null {
  if (m.loadAvg1m <= m.cores) return null;
  return (
    `load average ${m.loadAvg1m.toFixed(1)} on ${m.cores} cores when the run started: other processes competed ` +
    'for the CPU, so absolute numbers are pessimistic (ratios less so: every side shared the same contention)'
  );
}

/** True when some measured target was missed (what `--check` fails the process on). */
export function missedTargets(targets: readonly TargetResult[]): TargetResult[] {
  return targets.filter((t) => t.ok === false);
}

/** Replaces what stands between `<!-- bench:<name>:start -->` and `<!-- bench:<name>:end -->` in a document. */
export function replaceBetweenMarkers(doc: string, name: string, content: string): string {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i < 0 || j < i) throw new Error(`markers ${start} ... ${end} not found in order`);
  return `${doc.slice(0, i + start.length)}\n${content}\n${doc.slice(j)}`;
}
