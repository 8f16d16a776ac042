/**
 * Command-line options of `npm run bench`, and the run plan they imply (counts, repeats, batch sizes). Pure: parsing
 * and defaults are decided here, tested without running anything.
 */
import { parseArgs } from 'node:util';
import type { Corpus } from './corpus';
import { CORPORA } from './corpus';

/**
 * The measurements `npm run bench` knows, in the order it runs them. `decode` and `pipeline` run on every corpus of
 * the run; the others on its first corpus. `variants`: `--dtype int8`'s speed and the drift of int8 and
 * `--decode fast` (whose speed `decode` and `pipeline` measure).
 */
export const SUITES = [
  'raw',
  'decode',
  'enqueue',
  'e2e',
  'pipeline',
  'transformersjs',
  'peers',
  'variants',
  'search',
] as const;
/** One measurement of {@link SUITES}. */
export type Suite = (typeof SUITES)[number];

/** Everything a bench run needs to know, after defaults. */
export interface BenchOptions {
  quick: boolean;
  json: boolean;
  check: boolean;
  writeDocs: boolean;
  help: boolean;
  /** `cpu`, `cuda`, `cuda:N` or `webgpu`, as `loadModel` takes it. */
  device: string;
  dtype: 'fp32' | 'fp16';
  /** Raw-model sweep; the best one is `raw_model_img_s`. */
  batchSizes: number[];
  suites: Suite[];
  /** Intra-op threads for every ONNX session of the run (ours and transformers.js alike). */
  threads: number;
  repeats: number;
  /** Images through the whole pipeline per e2e repeat. */
  e2eImages: number;
  /** Images per transformers.js repeat. */
  transformersjsImages: number;
  /** The corpora of the run, in order; the first is the one the run-wide measurements use. */
  corpora: Corpus[];
  /** Images per decode repeat and per pipeline repeat, by corpus (cycled from its files). */
  corpusImages: Record<Corpus, { decode: number; pipeline: number }>;
  /** Images per Python peer (each of the three) per round. */
  peerImages: number;
  /** URIs in the enqueue manifest. */
  enqueueUris: number;
  /** Vectors in the search measurement's index (and rows of its k-means). */
  searchVectors: number;
  /** Held-out queries of the search measurement: its latency sample and its exact reference for recall@10. */
  searchQueries: number;
  seed: number;
  /**
   * Candidate labels of the e2e and transformers.js runs: `short` (the ten of workload.ts, a short list) or
   * `imagenet` (1,000 class names, a typical dataset-labelling vocabulary).
   */
  labels: 'short' | 'imagenet';
  /** Also write the JSON report to this file (the GPU script points it into `$OUT`). */
  out: string | undefined;
  /** Render this saved JSON report (a GPU run's, say) instead of measuring. */
  from: string | undefined;
}

/** A bad command line: the message is meant for the person who typed it. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The `--help` text. */
export const USAGE = `Usage: npm run bench -- [options]

Measures, in one run, on a MetaCLIP B/16-shaped model with random weights (cached under .cache/bench/):
raw ONNX session img/s, end-to-end pipeline img/s, transformers.js and (with $BENCH_PYTHON, default python3, that
imports torch and transformers) Hugging Face pipeline, PyTorch batch and PyTorch model-alone img/s, enqueue URIs/s and
worker RSS; and per image corpus (built once under .cache/bench/corpus/): CPU per image of our preprocessing and of a
plain sharp resize (the floor), and the whole system's img/s with the tiny fixture model. Prints a table, then (with
--json) one JSON object as the last line.

Options:
  --quick               fewer images, URIs and repeats, web corpus only (a few minutes on 2 cores)
  --json                end stdout with the report as one JSON line
  --check               exit 1 when a measured target is missed
  --write-docs          rewrite the results block of docs/benchmarks.md and docs/benchmarks-<device>.svg
  --device <d>          cpu (default) | cuda | cuda:N | webgpu
  --dtype <t>           fp32 (default) | fp16
  --batch-sizes <list>  raw-model batch sweep, e.g. 1,4,8 (default: 1,4,8,16 on cpu, 4,8 with --quick, 32..512 on a GPU)
  --only <list>         run only these of: ${SUITES.join(', ')} (search only when named)
  --threads <n>         intra-op threads for every ONNX session (default: all cores)
  --repeats <n>         repeats per measurement (default 3, --quick 2)
  --corpus <list>       image corpora, of: ${CORPORA.join(', ')} (default: all; --quick: web). web = img2dataset-like
                        JPEGs, photos = 8-12 Mpx camera roll, fixtures = the source folder (BENCH_IMAGES_DIR)
  --images <n>          images per end-to-end repeat
  --uris <n>            URIs in the enqueue manifest (default 1,000,000)
  --vectors <n>         search: clustered 512-d unit vectors indexed and clustered (default 1,000,000, --quick 100,000)
  --queries <n>         search: held-out queries timed and checked against exact search (default 1,000)
  --seed <n>            seed of the random model weights (default 1)
  --labels <set>        candidate labels of e2e and transformers.js: short (10, default) | imagenet (1,000)
  --out <file>          also write the JSON report to this file (+ .md and .svg beside it)
  --from <file>         measure nothing: render a saved JSON report (with --write-docs: into the docs)
  -h, --help            this text
`;

const DEVICE = /^(cpu|cuda(:\d+)?|webgpu)$/;

/**
 * Parses `argv` (without node and script) into a complete plan.
 *
 * @param cores - cores of this machine: the default thread count.
 * @throws UsageError on an unknown option or a malformed value.
 */
export function parseOptions(argv: readonly string[], cores: number): BenchOptions {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const quick = values.quick ?? false;
  const device = values.device ?? 'cpu';
  if (!DEVICE.test(device)) throw new UsageError(`--device must be cpu, cuda, cuda:N or webgpu, got '${device}'`);
  const dtype = values.dtype ?? 'fp32';
  if (dtype !== 'fp32' && dtype !== 'fp16') throw new UsageError(`--dtype must be fp32 or fp16, got '${dtype}'`);
  const labels = values.labels ?? 'short';
  if (labels !== 'short' && labels !== 'imagenet') {
    throw new UsageError(`--labels must be short or imagenet, got '${labels}'`);
  }
  const gpu = device !== 'cpu';
  const defaultBatches = gpu ? [32, 64, 128, 256, 512] : quick ? [4, 8] : [1, 4, 8, 16];
  // search (a million-vector index, minutes of both cores) runs only when named: --only search.
  const suites = values.only ? list(values.only, '--only').map(suite) : SUITES.filter((s) => s !== 'search');
  const corpora = values.corpus ? list(values.corpus, '--corpus').map(corpus) : quick ? ['web' as const] : [...CORPORA];
  // On a GPU an image costs ~100x less, so the same wall time pushes ~100x more images through.
  const scale = gpu ? 64 : 1;
  return {
    quick,
    json: values.json ?? false,
    check: values.check ?? false,
    writeDocs: values['write-docs'] ?? false,
    help: values.help ?? false,
    device,
    dtype,
    batchSizes: values['batch-sizes'] ? list(values['batch-sizes'], '--batch-sizes').map(positive) : defaultBatches,
    suites: SUITES.filter((s) => suites.includes(s)),
    threads: values.threads ? positive(values.threads) : cores,
    repeats: values.repeats ? positive(values.repeats) : quick ? 2 : 3,
    e2eImages: values.images ? positive(values.images) : (quick ? 128 : 256) * scale,
    transformersjsImages: (quick ? 32 : 48) * scale,
    corpora: [...new Set(corpora)],
    // A camera photo costs ~30x a web image to decode: fewer of them keep each corpus's share of the run similar.
    // A run has a serial head and tail (enqueue, the first reads, the last shards' writes, the manifest): at 256 web
    // images, about a second of ideal decoding on 2 cores, those would weigh on img/s as they never do in a long run.
    corpusImages: {
      web: { decode: quick ? 64 : 256, pipeline: gpu ? (quick ? 256 : 512) * scale : quick ? 1024 : 2048 },
      fixtures: { decode: quick ? 64 : 256, pipeline: gpu ? (quick ? 256 : 512) * scale : quick ? 1024 : 2048 },
      photos: { decode: quick ? 12 : 32, pipeline: (quick ? 24 : 64) * scale },
    },
    peerImages: (quick ? 16 : 32) * scale,
    enqueueUris: values.uris ? positive(values.uris) : quick ? 200_000 : 1_000_000,
    searchVectors: values.vectors ? positive(values.vectors) : quick ? 100_000 : 1_000_000,
    searchQueries: values.queries ? positive(values.queries) : 1000,
    seed: values.seed ? nonNegative(values.seed) : 1,
    labels,
    out: values.out,
    from: values.from,
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      quick: { type: 'boolean' },
      json: { type: 'boolean' },
      check: { type: 'boolean' },
      'write-docs': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      device: { type: 'string' },
      dtype: { type: 'string' },
      'batch-sizes': { type: 'string' },
      only: { type: 'string' },
      corpus: { type: 'string' },
      threads: { type: 'string' },
      repeats: { type: 'string' },
      images: { type: 'string' },
      uris: { type: 'string' },
      vectors: { type: 'string' },
      queries: { type: 'string' },
      seed: { type: 'string' },
      labels: { type: 'string' },
      out: { type: 'string' },
      from: { type: 'string' },
    },
  });
}

function list(s: string, flag: string): string[] {
  const items = s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  if (items.length === 0) throw new UsageError(`${flag} needs a comma-separated list`);
  return items;
}

function suite(s: string): Suite {
  const found = SUITES.find((x) => x === s);
  if (!found) throw new UsageError(`unknown suite '${s}' (known: ${SUITES.join(', ')})`);
  return found;
}

function corpus(s: string): Corpus {
  const found = CORPORA.find((x) => x === s);
  if (!found) throw new UsageError(`unknown corpus '${s}' (known: ${CORPORA.join(', ')})`);
  return found;
}

function positive(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`expected a positive integer, got '${s}'`);
  return n;
}

function nonNegative(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`expected a non-negative integer, got '${s}'`);
  return n;
}
