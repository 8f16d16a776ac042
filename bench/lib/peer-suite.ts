/**
 * The Python peers (bench/peers.py): Hugging Face transformers' zero-shot pipeline, one image per call and batched,
 * clip-retrieval-style PyTorch batch inference and PyTorch's model alone, on the same random-weight B/16 folder,
 * images, labels and thread count as our e2e run. They run with `$BENCH_PYTHON` (default `python3`) when it imports
 * torch and transformers, and are reported as skipped, with what to install, when it does not: never a dependency of
 * the product or its tests.
 */
import { spawnSync } from 'node:child_process';
import type { MetricName } from './report';
import type { RoundResult } from './rounds';
import type { SuiteContext } from './suite-context';
import { mainCorpus, runScript, samplesOf } from './suite-context';
import { BENCH_TEMPLATE, benchLabels } from './workload';

/** The metrics of the peers, in the order bench/peers.py runs them. */
export const PEER_METRICS = [
  'hf_pipeline_img_s',
  'hf_pipeline_batched_img_s',
  'torch_batched_img_s',
  'torch_raw_img_s',
] as const satisfies readonly MetricName[];

/** The interpreter the peers run with. */
export function benchPython(): string {
  return process.env.BENCH_PYTHON || 'python3';
}

/** Why the peers cannot run here (a message that says what to install), or null when they can. */
export function peersUnavailable(python = benchPython()): string | null {
  const probe = spawnSync(python, ['-c', 'import torch, transformers, PIL'], { encoding: 'utf8', timeout: 120_000 });
  if (probe.status === 0) return null;
  const why = probe.error ? probe.error.message : (probe.stderr.trim().split('\n').at(-1) ?? `exit ${probe.status}`);
  return (
    `the Python peers need torch, transformers and pillow: '${python} -c "import torch, transformers, PIL"' failed ` +
    `(${why}); pip install torch transformers pillow, or set BENCH_PYTHON to a Python that has them`
  );
}

export async function peers(ctx: SuiteContext): Promise<RoundResult> {
  const { opts, model, tuning } = ctx;
  const python = benchPython();
  if (ctx.round === 0) {
    const missing = peersUnavailable(python);
    if (missing) throw new Error(missing);
  }
  const script = 'bench/peers.py';
  const corpus = mainCorpus(ctx);
  const labels = await benchLabels(opts.labels);
  const json = (await runScript(
    ctx,
    script,
    [
      ...['--model', model.hfDir, '--images-dir', corpus.dir, '--images', opts.peerImages, '--batch', tuning.batch],
      ...['--threads', opts.threads, '--labels', JSON.stringify(labels), '--template', BENCH_TEMPLATE],
    ],
    'peers',
    { command: [python] },
  )) as { torch?: string; transformers?: string; workers?: number };
  const detail = { corpus: corpus.name, images: opts.peerImages, labels: labels.length, threads: opts.threads };
  const versions = { torch: json.torch, transformers: json.transformers };
  return {
    samples: {
      hf_pipeline_img_s: samplesOf(json, 'hf_pipeline', script),
      hf_pipeline_batched_img_s: samplesOf(json, 'hf_pipeline_batched', script),
      torch_batched_img_s: samplesOf(json, 'torch_batched', script),
      torch_raw_img_s: samplesOf(json, 'torch_raw', script),
    },
    detail: {
      hf_pipeline_img_s: { ...detail, batch: 1, ...versions },
      hf_pipeline_batched_img_s: { ...detail, batch: tuning.batch },
      torch_batched_img_s: { ...detail, batch: tuning.batch, decode_workers: json.workers },
      torch_raw_img_s: { ...detail, batch: tuning.batch, of: 'get_image_features on ready pixels' },
    },
  };
}
