/**
 * The benchmark report: its shape (the JSON line `npm run bench -- --json` ends with), the targets it is judged by,
 * and the docs block it is written into (bench/lib/render.ts renders it). Pure.
 */
import type { Corpus } from './corpus';
import { CORPORA } from './corpus';
import type { RssSample, RssTrend, Summary } from './stats';
import { ratio } from './stats';

/** Every number the bench measures once per run (on the run's first corpus), by its key in the report. */
export const METRICS = {
  raw_model_img_s: { title: 'raw model (ORT session, ready tensors)', unit: 'img/s' },
  e2e_img_s: { title: 'end to end (producer, Redis, worker, disk)', unit: 'img/s' },
  transformersjs_img_s: { title: 'transformers.js zero-shot pipeline', unit: 'img/s' },
  hf_pipeline_img_s: { title: 'HF transformers pipeline, one image per call', unit: 'img/s' },
  hf_pipeline_batched_img_s: { title: 'HF transformers pipeline, batch_size = ours', unit: 'img/s' },
  torch_batched_img_s: { title: 'PyTorch DataLoader + get_image_features', unit: 'img/s' },
  torch_raw_img_s: { title: 'PyTorch get_image_features alone (ready tensors)', unit: 'img/s' },
  raw_int8_img_s: { title: 'raw model, --dtype int8 (CPU), batch as raw', unit: 'img/s' },
  fast_pixel_mae: { title: '--decode fast vs exact, mean abs pixel difference (fixtures)', unit: 'levels' },
  fast_cosine_min: { title: '--decode fast vs exact, worst embedding cosine (fixtures)', unit: 'cosine' },
  int8_cosine_min: { title: 'int8 vs fp32, worst image embedding cosine (fixtures)', unit: 'cosine' },
  int8_top1_agreement: { title: 'int8 vs fp32, zero-shot top-1 agreement (fixtures)', unit: 'fraction' },
  enqueue_uris_s: { title: 'enqueue (manifest -> Redis)', unit: 'URIs/s' },
  worker_peak_rss_mib: { title: 'worker peak RSS', unit: 'MiB' },
  search_recall_at_10: { title: 'HNSW recall@10 vs exact (bench/search.ts)', unit: 'recall' },
  search_query_p50_ms: { title: 'HNSW query p50, warm, memory-mapped', unit: 'ms' },
  search_build_s: { title: 'HNSW index build', unit: 's' },
  search_kmeans_s: { title: 'spherical k-means into 1,000 clusters', unit: 's' },
} as const;

/** Every number the bench measures on each corpus; its key in the report is `<metric>.<corpus>`. */
export const CORPUS_METRICS = {
  decode_img_s: { title: 'decode + preprocess, batches in parallel', unit: 'img/s' },
  decode_cpu_ms_per_img: { title: 'our preprocessing, CPU per image', unit: 'ms' },
  fast_cpu_ms_per_img: { title: 'our preprocessing with --decode fast, CPU per image', unit: 'ms' },
  floor_cpu_ms_per_img: { title: 'floor: plain sharp resize, CPU per image', unit: 'ms' },
  pipeline_img_s: { title: 'whole system, tiny model (decode-bound)', unit: 'img/s' },
  pipeline_fast_img_s: { title: 'whole system, tiny model, --decode fast', unit: 'img/s' },
  pipeline_cpu_ms_per_img: { title: 'whole system, tiny model: worker CPU per image', unit: 'ms' },
} as const;

/** A per-corpus metric, without its corpus. */
export type CorpusMetricName = keyof typeof CORPUS_METRICS;
/** A metric's key in the report. */
export type MetricName = keyof typeof METRICS | `${CorpusMetricName}.${Corpus}`;

/** The key of `metric` measured on `corpus`. */
export function corpusMetric(metric: CorpusMetricName, corpus: Corpus): MetricName {
  return `${metric}.${corpus}`;
}

/** Every metric key in report order: the run-wide ones, then each corpus's. */
export function metricOrder(): MetricName[] {
  const perCorpus = CORPORA.flatMap((c) =>
    (Object.keys(CORPUS_METRICS) as CorpusMetricName[]).map((m) => corpusMetric(m, c)),
  );
  return [...(Object.keys(METRICS) as (keyof typeof METRICS)[]), ...perCorpus];
}

/** The title and unit of a metric key. */
export function metricSpec(name: MetricName): { title: string; unit: string } {
  const [base, corpus] = name.split('.') as [string, string | undefined];
  if (corpus)
    return {
      ...CORPUS_METRICS[base as CorpusMetricName],
      title: `${CORPUS_METRICS[base as CorpusMetricName].title} (${corpus})`,
    };
  return METRICS[base as keyof typeof METRICS];
}

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

/** A corpus as the run found it: where, how many files, how large. */
export interface CorpusInfo {
  dir: string;
  files: number;
  meanKiB: number;
  meanMpx: number;
}

/** The ratios measured on each corpus. */
export interface CorpusRatios {
  /**
   * `pipeline_img_s / (cores / floor CPU seconds per image)`: the fraction of what plain decoding allows on this
   * machine's cores that the whole system delivers (with a model whose inference is nearly free).
   */
  pipeline_efficiency: number | null;
  /** CPU per image of our preprocessing over the floor's (plain `sharp(buf).resize()`). */
  preprocess_vs_floor: number | null;
  /** The same with `--decode fast`. */
  fast_vs_floor: number | null;
  /** The whole system's img/s with `--decode fast` over exact. */
  pipeline_fast_vs_exact: number | null;
  /**
   * The worker's CPU per image in the whole system over the floor's: what the system spends per image, in floors.
   * Unlike `pipeline_efficiency` it does not drop when other work takes cores; `1 / pipeline_cpu_vs_floor` is the
   * most `pipeline_efficiency` could be on an idle machine with every core busy.
   */
  pipeline_cpu_vs_floor: number | null;
}

/** Every ratio of a report: throughput over a peer's, of medians. The corpus ones are the first corpus's. */
export interface Ratios extends CorpusRatios {
  e2e_vs_raw: number | null;
  e2e_vs_transformersjs: number | null;
  /** Over Hugging Face transformers' zero-shot pipeline called one image at a time (the seed's recipe). */
  e2e_vs_hf_pipeline: number | null;
  e2e_vs_hf_pipeline_batched: number | null;
  /** Over PyTorch batch inference as clip-retrieval does it (DataLoader decode workers + get_image_features). */
  e2e_vs_torch_batched: number | null;
  /**
   * Our bare ONNX session over PyTorch's bare model, same batch and threads: the runtimes' kernels alone. The pipeline
   * ratios above are bounded by it (e2e cannot beat our session), so it says whether a peer target is a question of
   * the pipeline or of the CPU's kernels (MKL and oneDNN run much faster on some CPUs than on others).
   */
  raw_vs_torch_raw: number | null;
  /** Raw model img/s with `--dtype int8` over fp32's. */
  raw_int8_vs_fp32: number | null;
  /** The corpus `pipeline_efficiency` and `preprocess_vs_floor` are of: the run's first. */
  corpus: Corpus | null;
  by_corpus: Partial<Record<Corpus, CorpusRatios>>;
}

/** The whole result of one bench run. */
export interface BenchReport {
  schema: 'metaclip-batch-bench/2';
  startedAt: string;
  durationS: number;
  quick: boolean;
  device: string;
  dtype: 'fp32' | 'fp16';
  machine: MachineInfo;
  ortVersion: string;
  threads: { intraOp: number; interOp: number };
  model: { shape: string; seed: number; imageSize: number; embedDim: number };
  /** The corpora measured, in run order; the first is the one the run-wide metrics use. */
  corpora: Partial<Record<Corpus, CorpusInfo>>;
  metrics: Partial<Record<MetricName, Metric>>;
  /** Raw model img/s by batch size: the sweep the best batch was chosen from. */
  rawByBatch: Record<string, Summary>;
  ratios: Ratios;
  rss: (RssTrend & { samples: RssSample[] }) | null;
  targets: TargetResult[];
  skipped: Skipped[];
  notes: string[];
}

/** The targets the project set for this machine (issue 9). */
export const TARGETS = {
  e2eVsRaw: 0.93,
  pipelineEfficiency: 0.9,
  preprocessVsFloor: 1.15,
  e2eVsHfPipeline: 2.5,
  e2eVsTorchBatched: 1.5,
  enqueueUrisPerS: 50_000,
} as const;

/** The ratios of one corpus, from medians; `cores` are the machine's. */
export function corpusRatios(metrics: BenchReport['metrics'], corpus: Corpus, cores: number): CorpusRatios {
  const pipeline = metrics[corpusMetric('pipeline_img_s', corpus)];
  const floor = metrics[corpusMetric('floor_cpu_ms_per_img', corpus)];
  const ours = metrics[corpusMetric('decode_cpu_ms_per_img', corpus)];
  // cores / (floor ms / 1000) is what decoding allows; pipeline over that is pipeline * floor ms / (1000 * cores).
  const efficiency =
    pipeline && floor && cores > 0
      ? Math.round(((pipeline.median * floor.median) / (1000 * cores)) * 1000) / 1000
      : null;
  return {
    pipeline_efficiency: efficiency,
    preprocess_vs_floor: ratio(ours, floor),
    fast_vs_floor: ratio(metrics[corpusMetric('fast_cpu_ms_per_img', corpus)], floor),
    pipeline_fast_vs_exact: ratio(metrics[corpusMetric('pipeline_fast_img_s', corpus)], pipeline),
    pipeline_cpu_vs_floor: ratio(metrics[corpusMetric('pipeline_cpu_ms_per_img', corpus)], floor),
  };
}

/** Every ratio, from medians. `corpora` in run order (the first is the headline one). */
export function computeRatios(metrics: BenchReport['metrics'], cores: number, corpora: readonly Corpus[]): Ratios {
  const e2e = metrics.e2e_img_s;
  const by_corpus: Partial<Record<Corpus, CorpusRatios>> = {};
  for (const c of corpora) by_corpus[c] = corpusRatios(metrics, c, cores);
  const first = corpora[0];
  return {
    e2e_vs_raw: ratio(e2e, metrics.raw_model_img_s),
    e2e_vs_transformersjs: ratio(e2e, metrics.transformersjs_img_s),
    e2e_vs_hf_pipeline: ratio(e2e, metrics.hf_pipeline_img_s),
    e2e_vs_hf_pipeline_batched: ratio(e2e, metrics.hf_pipeline_batched_img_s),
    e2e_vs_torch_batched: ratio(e2e, metrics.torch_batched_img_s),
    raw_vs_torch_raw: ratio(metrics.raw_model_img_s, metrics.torch_raw_img_s),
    raw_int8_vs_fp32: ratio(metrics.raw_int8_img_s, metrics.raw_model_img_s),
    fast_vs_floor: first ? (by_corpus[first]?.fast_vs_floor ?? null) : null,
    pipeline_fast_vs_exact: first ? (by_corpus[first]?.pipeline_fast_vs_exact ?? null) : null,
    pipeline_cpu_vs_floor: first ? (by_corpus[first]?.pipeline_cpu_vs_floor ?? null) : null,
    pipeline_efficiency: first ? (by_corpus[first]?.pipeline_efficiency ?? null) : null,
    preprocess_vs_floor: first ? (by_corpus[first]?.preprocess_vs_floor ?? null) : null,
    corpus: first ?? null,
    by_corpus,
  };
}

/** Judges the report against {@link TARGETS}. A target whose inputs are missing is `ok: null`, not a failure. */
export function evaluateTargets(r: Pick<BenchReport, 'metrics' | 'ratios' | 'rss'>): TargetResult[] {
  const judge = (name: string, got: number | null | undefined, want: number, atMost = false): TargetResult => ({
    name,
    want: `${atMost ? '<=' : '>='} ${want}`,
    got: got ?? null,
    ok: got == null ? null : atMost ? got <= want : got >= want,
  });
  const corpus = r.ratios.corpus;
  return [
    judge(
      `pipeline_efficiency${corpus ? ` (${corpus})` : ''}`,
      r.ratios.pipeline_efficiency,
      TARGETS.pipelineEfficiency,
    ),
    ...Object.entries(r.ratios.by_corpus).map(([c, cr]) =>
      judge(`preprocess_vs_floor (${c})`, cr?.preprocess_vs_floor, TARGETS.preprocessVsFloor, true),
    ),
    judge('e2e_vs_raw', r.ratios.e2e_vs_raw, TARGETS.e2eVsRaw),
    judge('e2e_vs_hf_pipeline', r.ratios.e2e_vs_hf_pipeline, TARGETS.e2eVsHfPipeline),
    judge('e2e_vs_torch_batched', r.ratios.e2e_vs_torch_batched, TARGETS.e2eVsTorchBatched),
    judge('enqueue_uris_s', r.metrics.enqueue_uris_s?.median, TARGETS.enqueueUrisPerS),
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
