/**
 * The benchmark report: its shape (the JSON line `npm run bench -- --json` ends with), the targets it is judged by,
 * and its renderings (terminal table, Markdown table for docs/benchmarks.md, chart spec). Pure.
 */
import type { ChartSpec } from './chart';
import { formatValue } from './chart';
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

interface Row {
  metric: string;
  median: string;
  min: string;
  max: string;
  n: string;
  unit: string;
  detail: string;
}

function rows(r: BenchReport): Row[] {
  const out: Row[] = [];
  for (const [key, spec] of Object.entries(METRICS) as [MetricName, (typeof METRICS)[MetricName]][]) {
    const m = r.metrics[key];
    if (!m) continue;
    out.push({
      metric: key,
      median: formatValue(m.median),
      min: formatValue(m.min),
      max: formatValue(m.max),
      n: String(m.n),
      unit: spec.unit,
      detail: m.detail ? describeDetail(m.detail) : '',
    });
  }
  return out;
}

function describeDetail(detail: Record<string, unknown>): string {
  return Object.entries(detail)
    .filter(([, v]) => v !== undefined && (typeof v !== 'object' || v === null))
    .map(([k, v]) => `${k}=${typeof v === 'number' ? formatValue(v) : String(v)}`)
    .join(' ');
}

function verdict(t: TargetResult): string {
  if (t.ok === null) return 'not measured';
  return `${t.ok ? 'OK  ' : 'MISS'} got ${t.got === null ? '-' : formatValue(t.got)}`;
}

/** The human-readable table printed before the JSON line. */
export function renderText(r: BenchReport): string {
  const table = rows(r);
  const head: Row = { metric: 'metric', median: 'median', min: 'min', max: 'max', n: 'n', unit: 'unit', detail: '' };
  const cols = ['metric', 'median', 'min', 'max', 'n', 'unit'] as const;
  const w = Object.fromEntries(cols.map((c) => [c, Math.max(...[head, ...table].map((row) => row[c].length))]));
  const line = (row: Row) =>
    cols
      .map((c) => (c === 'metric' || c === 'unit' ? row[c].padEnd(w[c] ?? 0) : row[c].padStart(w[c] ?? 0)))
      .join('  ')
      .concat(row.detail ? `  ${row.detail}` : '');
  const out = [
    `metaclip-batch bench: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.device} ${r.dtype}, ORT ${r.ortVersion}, ` +
      `threads intra=${r.threads.intraOp} inter=${r.threads.interOp}${r.quick ? ', --quick' : ''}`,
    '',
    line(head),
    ...table.map(line),
  ];
  const batches = Object.entries(r.rawByBatch);
  if (batches.length > 0) {
    out.push('', `raw model by batch: ${batches.map(([b, s]) => `${b}: ${formatValue(s.median)}`).join(', ')} img/s`);
  }
  out.push(
    '',
    `ratios: e2e/raw = ${r.ratios.e2e_vs_raw ?? '-'}, e2e/transformers.js = ${r.ratios.e2e_vs_transformersjs ?? '-'}`,
  );
  const rss = rssLine(r);
  if (rss) out.push(rss);
  out.push('', 'targets:');
  for (const t of r.targets) out.push(`  ${t.name.padEnd(24)} ${t.want.padEnd(34)} ${verdict(t)}`);
  for (const s of r.skipped) out.push(`skipped ${s.metric}: ${s.reason}`);
  for (const n of r.notes) out.push(`note: ${n}`);
  return out.join('\n');
}

/** `b16` -> `B/16`, as MetaCLIP names its models. */
export function modelName(shape: string): string {
  const m = /^([a-z])(\d+)$/i.exec(shape);
  return m ? `${m[1]?.toUpperCase()}/${m[2]}` : shape;
}

/** The RSS verdict in one line, or null when it was not measured. */
function rssLine(r: BenchReport): string | null {
  if (!r.rss) return null;
  return (
    `worker RSS: peak ${formatValue(r.rss.peakMiB)} MiB, growth after warm-up ${r.rss.growthMiB} MiB ` +
    `over ${r.rss.steadySamples} samples (${r.rss.flat ? 'flat' : 'NOT flat'})`
  );
}

/** The header of the GPU table in docs/benchmarks.md; {@link gpuTableRow} writes its rows. */
export const GPU_TABLE_HEAD =
  '| card | provider | dtype | batch | model img/s | e2e img/s |\n| --- | --- | --- | ---: | ---: | ---: |';

/** A GPU run's row of the GPU table: the card, the provider, the best raw batch and both throughputs. */
export function gpuTableRow(r: BenchReport): string {
  const raw = r.metrics.raw_model_img_s;
  const e2e = r.metrics.e2e_img_s;
  const provider = r.device === 'webgpu' ? 'WebGPU' : r.device.startsWith('cuda') ? 'CUDA' : r.device;
  const cells = [
    r.machine.gpu ?? 'unknown GPU',
    provider,
    r.dtype,
    String(raw?.detail?.batch ?? '-'),
    raw ? formatValue(raw.median) : '-',
    e2e ? formatValue(e2e.median) : '-',
  ];
  return `| ${cells.join(' | ')} |`;
}

/** The Markdown block that `--write-docs` puts between the markers of docs/benchmarks.md. */
export function renderMarkdown(r: BenchReport, chartPath: string): string {
  const out = [
    ...(r.device === 'cpu' ? [] : [GPU_TABLE_HEAD, gpuTableRow(r), '']),
    `Measured ${r.startedAt.slice(0, 10)} on **${r.machine.cpu}, ${r.machine.cores} cores**` +
      `${r.machine.gpu ? `, ${r.machine.gpu}` : ''}, ${r.machine.memGiB} GiB, Node ${r.machine.node}, ` +
      `onnxruntime-node ${r.ortVersion}, device ${r.device}, ${r.dtype}, threads intra-op ${r.threads.intraOp} / ` +
      `inter-op ${r.threads.interOp}; model: MetaCLIP ${modelName(r.model.shape)} shape, random weights ` +
      `(seed ${r.model.seed}), ${r.model.imageSize}px, ${r.model.embedDim}-d embeddings` +
      `${r.quick ? '; `--quick` run' : ''}.`,
    '',
    '| metric | median | min | max | repeats | unit | detail |',
    '| --- | ---: | ---: | ---: | ---: | --- | --- |',
    ...rows(r).map((x) => `| \`${x.metric}\` | ${x.median} | ${x.min} | ${x.max} | ${x.n} | ${x.unit} | ${x.detail} |`),
  ];
  const batches = Object.entries(r.rawByBatch);
  if (batches.length > 0) {
    out.push(
      '',
      `Raw model by batch size: ${batches.map(([b, s]) => `${b} → ${formatValue(s.median)}`).join(', ')} img/s.`,
    );
  }
  out.push(
    '',
    `Ratios of medians: e2e/raw = ${r.ratios.e2e_vs_raw ?? '-'}, ` +
      `e2e/transformers.js = ${r.ratios.e2e_vs_transformersjs ?? '-'}.`,
  );
  const rss = rssLine(r);
  if (rss) out.push('', `${rss.charAt(0).toUpperCase()}${rss.slice(1)}.`);
  out.push('', '| target | want | got | holds |', '| --- | --- | ---: | --- |');
  for (const t of r.targets) {
    const holds = t.ok === null ? 'not measured' : t.ok ? 'yes' : '**no**';
    out.push(`| ${t.name} | ${t.want} | ${t.got === null ? '-' : formatValue(t.got)} | ${holds} |`);
  }
  for (const s of r.skipped) out.push('', `Skipped \`${s.metric}\`: ${s.reason}`);
  for (const n of r.notes) out.push('', `Note: ${n}`);
  out.push('', `![benchmark chart](${chartPath})`);
  return out.join('\n');
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

/** The chart of a report: model throughputs, decode and enqueue each in a section of its own scale. */
export function chartSpec(r: BenchReport): ChartSpec {
  const bar = (key: MetricName, label: string, highlight = false) => {
    const m = r.metrics[key];
    return m ? [{ label, value: m.median, min: m.min, max: m.max, highlight }] : [];
  };
  const raw = r.metrics.raw_model_img_s?.detail?.batch;
  const sections: ChartSpec['sections'] = [
    {
      title: 'Throughput',
      unit: 'images/s, higher is better',
      bars: [
        ...bar('e2e_img_s', 'metaclip-batch end to end', true),
        ...bar('raw_model_img_s', `ORT session alone${raw ? ` (batch ${raw})` : ''}`),
        ...bar('transformersjs_img_s', 'transformers.js pipeline'),
      ],
    },
    // Decode runs ~30x faster than the model on a CPU: on the model's scale its bar would hide the comparison.
    { title: 'Decode + preprocess', unit: 'images/s, sharp only', bars: bar('decode_img_s', 'fixture photographs') },
    { title: 'Enqueue', unit: 'URIs/s into Redis', bars: bar('enqueue_uris_s', 'producer, manifest', true) },
  ];
  return {
    title: `metaclip-batch on ${r.machine.cpu}, ${r.machine.cores} cores (${r.device}, ${r.dtype})`,
    subtitle:
      `MetaCLIP ${modelName(r.model.shape)} shape, random weights, onnxruntime-node ${r.ortVersion}` +
      `${r.quick ? ', --quick' : ''}`,
    sections: sections.filter((s) => s.bars.length > 0),
  };
}
