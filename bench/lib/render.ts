/**
 * Renderings of a bench report: the terminal table, the Markdown block of docs/benchmarks.md (and a GPU run's row of
 * its GPU table), and the chart's spec. Pure.
 */
import type { ChartSpec } from './chart';
import { formatValue } from './chart';
import type { BenchReport, MetricName, TargetResult } from './report';
import { METRICS } from './report';

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
