/**
 * `npm run bench`: measures, in one run, the raw ONNX session, the whole pipeline, transformers.js on the same model,
 * decode and enqueue rates and the worker's memory; prints a table, judges the targets, draws the chart, and with
 * `--json` ends stdout with the report as one JSON line. See docs/benchmarks.md and `--help`.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { renderBarChart } from './lib/chart';
import type { Corpus } from './lib/corpus';
import type { CorpusFiles } from './lib/corpus-build';
import { ensureCorpus } from './lib/corpus-build';
import { describeMachine, ortVersion } from './lib/machine';
import { ensureBenchModel } from './lib/model';
import type { BenchOptions, Suite } from './lib/options';
import { parseOptions, USAGE, UsageError } from './lib/options';
import { chartSpec, renderMarkdown, renderText } from './lib/render';
import type { BenchReport } from './lib/report';
import { computeRatios, contentionNote, evaluateTargets, missedTargets, replaceBetweenMarkers } from './lib/report';
import { addRound, bestBatch, emptyCollected, finish, worstRss } from './lib/rounds';
import type { Tuning } from './lib/suites';
import { FALLBACK_BATCH, SUITE_RUNNERS, suiteMetrics } from './lib/suites';
import { ONCE_METRICS } from './lib/variant-suite';
import { REPO_ROOT } from './lib/workload';

const progress = (msg: string) => process.stderr.write(`bench: ${msg}\n`);

async function main(): Promise<number> {
  let opts: BenchOptions;
  try {
    opts = parseOptions(process.argv.slice(2), os.availableParallelism());
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const report = opts.from ? (JSON.parse(await readFile(opts.from, 'utf8')) as BenchReport) : await measure(opts);
  const device = report.device;
  const chartName = `benchmarks-${device === 'cpu' ? 'cpu' : `${device.replace(':', '')}-${report.dtype}`}.svg`;
  if (opts.writeDocs) await writeDocs(report, chartName);
  if (opts.out) {
    await mkdir(path.dirname(path.resolve(opts.out)), { recursive: true });
    await writeFile(opts.out, `${JSON.stringify(report, null, 2)}\n`);
    const base = opts.out.replace(/\.json$/, '');
    await writeFile(`${base}.md`, `${renderMarkdown(report, path.basename(`${base}.svg`))}\n`);
    await writeFile(`${base}.svg`, renderBarChart(chartSpec(report)));
  }
  process.stdout.write(`${renderText(report)}\n`);
  if (opts.json) process.stdout.write(`${JSON.stringify(report)}\n`);

  const missed = missedTargets(report.targets);
  if (opts.check && missed.length > 0) {
    progress(`--check: missed ${missed.map((t) => t.name).join(', ')}`);
    return 1;
  }
  return 0;
}

/** Runs every selected measurement in rounds and returns the judged report. */
async function measure(opts: BenchOptions): Promise<BenchReport> {
  const started = new Date();
  const t0 = performance.now();
  const cacheRoot = path.join(REPO_ROOT, '.cache/bench');
  const model = await ensureBenchModel(cacheRoot, opts, progress);
  const corpora: Partial<Record<Corpus, CorpusFiles>> = {};
  for (const name of opts.corpora) corpora[name] = await ensureCorpus(name, { cacheRoot, progress });
  const report: BenchReport = {
    schema: 'metaclip-batch-bench/2',
    startedAt: started.toISOString(),
    durationS: 0,
    quick: opts.quick,
    device: opts.device,
    dtype: opts.dtype,
    machine: describeMachine(opts.device),
    ortVersion: ortVersion(),
    threads: { intraOp: opts.threads, interOp: 1 },
    model: { shape: model.shape, seed: model.seed, imageSize: model.imageSize, embedDim: model.embedDim },
    corpora: Object.fromEntries(
      Object.entries(corpora).map(([name, c]) => [
        name,
        { dir: path.relative(REPO_ROOT, c.dir) || '.', files: c.files.length, meanKiB: c.meanKiB, meanMpx: c.meanMpx },
      ]),
    ),
    metrics: {},
    rawByBatch: {},
    ratios: computeRatios({}, 0, opts.corpora),
    rss: null,
    targets: [],
    skipped: [],
    notes: [],
  };
  const busy = contentionNote(report.machine);
  if (busy) report.notes.push(busy);

  let collected = emptyCollected();
  const tuning: Tuning = { batch: FALLBACK_BATCH, rawImgPerS: undefined };
  const failed = new Set<Suite>();
  for (let round = 0; round < opts.repeats; round++) {
    for (const suite of opts.suites) {
      if (failed.has(suite)) continue;
      progress(`round ${round + 1}/${opts.repeats}: ${suite}`);
      const s0 = performance.now();
      try {
        collected = addRound(collected, await SUITE_RUNNERS[suite]({ opts, model, tuning, corpora, round, progress }));
      } catch (err) {
        // One failed measurement must not cost the others: it is reported as skipped, with the reason.
        const reason = err instanceof Error ? err.message : String(err);
        progress(`${suite}: FAILED: ${reason}`);
        failed.add(suite);
        for (const metric of suiteMetrics(suite, opts.corpora)) report.skipped.push({ metric, reason });
        continue;
      }
      if (suite === 'raw' && round === 0) {
        const best = bestBatch(collected.rawByBatch);
        if (best) Object.assign(tuning, { batch: best.batch, rawImgPerS: best.imgPerS });
      }
      progress(
        `round ${round + 1}/${opts.repeats}: ${suite} done in ${((performance.now() - s0) / 1000).toFixed(1)} s`,
      );
    }
  }
  const { metrics, rawByBatch } = finish(collected);
  Object.assign(report, { metrics, rawByBatch, rss: worstRss(collected.rss) });
  report.notes.push(...collected.notes);
  for (const [metric, m] of Object.entries(metrics)) {
    if (m.n < opts.repeats && !(ONCE_METRICS as readonly string[]).includes(metric))
      report.notes.push(`${metric}: ${m.n} of ${opts.repeats} rounds measured`);
  }
  report.ratios = computeRatios(report.metrics, report.machine.cores, opts.corpora);
  report.targets = evaluateTargets(report);
  report.durationS = Math.round((performance.now() - t0) / 100) / 10;

  return report;
}

/** Rewrites the chart and the results block of docs/benchmarks.md (`cpu` or `gpu` markers, by device). */
async function writeDocs(report: BenchReport, chartName: string): Promise<void> {
  const docs = path.join(REPO_ROOT, 'docs');
  await writeFile(path.join(docs, chartName), renderBarChart(chartSpec(report)));
  const file = path.join(docs, 'benchmarks.md');
  const doc = await readFile(file, 'utf8');
  const block = report.device === 'cpu' ? 'cpu' : 'gpu';
  await writeFile(file, replaceBetweenMarkers(doc, block, renderMarkdown(report, chartName)));
  progress(`wrote docs/${chartName} and the ${block} block of docs/benchmarks.md`);
}

process.exitCode = await main();
