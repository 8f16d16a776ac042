/**
 * Renderings of a bench report: the terminal table, the Markdown block of docs/benchmarks.md (and a GPU run's row of
 * its GPU table), and the chart's spec. Pure.
 */
import type { ChartSpec } from './chart';
import { formatValue } from './chart';
import { CORPORA } from './corpus';
import type { BenchReport, MetricName, TargetResult } from './report';
import { corpusMetric, metricOrder, metricSpec } from './report';

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
  for (const key of metricOrder()) {
    const m = r.metrics[key];
    if (!m) continue;
    const spec = metricSpec(key);
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
  out.push('', ...corpusLines(r), `ratios: ${ratioLine(r)}`);
  const rss = rssLine(r);
  if (rss) out.push(rss);
  out.push('', 'targets:');
  for (const t of r.targets) out.push(`  ${t.name.padEnd(24)} ${t.want.padEnd(34)} ${verdict(t)}`);
  for (const s of r.skipped) out.push(`skipped ${s.metric}: ${s.reason}`);
  for (const n of r.notes) out.push(`note: ${n}`);
  return out.join('\n');
}

/** The ratios in one line: over each peer, then each corpus's efficiency and preprocessing cost. */
function ratioLine(r: BenchReport): string {
  const x = r.ratios;
  const v = (n: number | null | undefined) => (n == null ? '-' : String(n));
  const peers = [
    `e2e/raw = ${v(x.e2e_vs_raw)}`,
    `e2e/transformers.js = ${v(x.e2e_vs_transformersjs)}`,
    `e2e/HF pipeline = ${v(x.e2e_vs_hf_pipeline)}`,
    `e2e/HF pipeline batched = ${v(x.e2e_vs_hf_pipeline_batched)}`,
    `e2e/torch batched = ${v(x.e2e_vs_torch_batched)}`,
    `raw/torch raw = ${v(x.raw_vs_torch_raw)}`,
    `raw int8/fp32 = ${v(x.raw_int8_vs_fp32)}`,
  ];
  const corpora = Object.entries(x.by_corpus).map(
    ([c, cr]) =>
      `${c}: pipeline efficiency = ${v(cr?.pipeline_efficiency)}, preprocess/floor = ${v(cr?.preprocess_vs_floor)}, ` +
      `fast/floor = ${v(cr?.fast_vs_floor)}, pipeline fast/exact = ${v(cr?.pipeline_fast_vs_exact)}, ` +
      `pipeline CPU/floor = ${v(cr?.pipeline_cpu_vs_floor)}`,
  );
  return [...peers, ...corpora].join(', ');
}

/** One line per corpus: what it holds. */
function corpusLines(r: BenchReport): string[] {
  return Object.entries(r.corpora).map(
    ([c, info]) =>
      `corpus ${c}: ${info?.files} files, mean ${formatValue(info?.meanKiB ?? 0)} KiB, ` +
      `${formatValue(info?.meanMpx ?? 0)} Mpx (${info?.dir})`,
  );
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
  '| card | host cores | provider | dtype | corpus | batch | model img/s | e2e img/s | pipeline efficiency |\n' +
  '| --- | ---: | --- | --- | --- | ---: | ---: | ---: | ---: |';

/** A GPU run's row of the GPU table: the card, host cores, provider, corpus, best raw batch, throughputs, efficiency. */
export function gpuTableRow(r: BenchReport): string {
  const raw = r.metrics.raw_model_img_s;
  const e2e = r.metrics.e2e_img_s;
  const provider = r.device === 'webgpu' ? 'WebGPU' : r.device.startsWith('cuda') ? 'CUDA' : r.device;
  const cells = [
    r.machine.gpu ?? 'unknown GPU',
    String(r.machine.cores),
    provider,
    r.dtype,
    r.ratios.corpus ?? '-',
    String(raw?.detail?.batch ?? '-'),
    raw ? formatValue(raw.median) : '-',
    e2e ? formatValue(e2e.median) : '-',
    r.ratios.pipeline_efficiency == null ? '-' : String(r.ratios.pipeline_efficiency),
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
  out.push('', ...corpusLines(r).map((l) => `- ${l}`), '', `Ratios of medians: ${ratioLine(r)}.`);
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

/** The chart of a report: throughput beside the peers, then per corpus what decoding allows and what we deliver. */
export function chartSpec(r: BenchReport): ChartSpec {
  const bar = (key: MetricName, label: string, highlight = false) => {
    const m = r.metrics[key];
    return m ? [{ label, value: m.median, min: m.min, max: m.max, highlight }] : [];
  };
  const raw = r.metrics.raw_model_img_s?.detail?.batch;
  const cores = r.machine.cores;
  // What decoding allows on every core: cores / CPU seconds per image (a smaller CPU time is a longer bar).
  const allows = (key: MetricName, label: string) => {
    const m = r.metrics[key];
    return m
      ? [{ label, value: (1000 * cores) / m.median, min: (1000 * cores) / m.max, max: (1000 * cores) / m.min }]
      : [];
  };
  const measured = CORPORA.filter((c) => r.corpora[c]);
  const sections: ChartSpec['sections'] = [
    {
      title: `Throughput, MetaCLIP ${modelName(r.model.shape)}`,
      unit: 'images/s, higher is better',
      bars: [
        ...bar('e2e_img_s', 'metaclip-batch end to end', true),
        ...bar('raw_model_img_s', `ORT session alone${raw ? ` (batch ${raw})` : ''}`),
        ...bar('torch_raw_img_s', 'PyTorch model alone'),
        ...bar('transformersjs_img_s', 'transformers.js pipeline'),
        ...bar('torch_batched_img_s', 'PyTorch DataLoader, batched'),
        ...bar('hf_pipeline_batched_img_s', 'HF pipeline, batched'),
        ...bar('hf_pipeline_img_s', 'HF pipeline, one per call'),
      ],
    },
    // Per corpus, on its own scale (a camera photo costs ~30x a web image): the whole system with a nearly free
    // model beside what decoding allows on all cores, the floor's and ours.
    ...measured.map((c) => ({
      title: `Corpus ${c}`,
      unit: 'images/s on all cores',
      bars: [
        ...bar(corpusMetric('pipeline_img_s', c), 'whole system, tiny model', true),
        ...bar(corpusMetric('pipeline_fast_img_s', c), 'whole system, --decode fast', true),
        ...allows(corpusMetric('floor_cpu_ms_per_img', c), 'floor allows (plain sharp)'),
        ...allows(corpusMetric('decode_cpu_ms_per_img', c), 'our preprocessing allows'),
        ...allows(corpusMetric('fast_cpu_ms_per_img', c), '--decode fast allows'),
      ],
    })),
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
