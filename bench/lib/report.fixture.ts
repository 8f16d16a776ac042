/** A complete, judged bench report for the tests of report.ts and render.ts; `over` replaces top-level fields. */
import type { BenchReport } from './report';
import { computeRatios, evaluateTargets } from './report';
import { summarize } from './stats';

export function sampleReport(over: Partial<BenchReport> = {}): BenchReport {
  const metrics: BenchReport['metrics'] = {
    raw_model_img_s: { ...summarize([10, 11, 12]), detail: { batch: 8 } },
    e2e_img_s: { ...summarize([9.5, 10, 10.5]), detail: { images: 64 } },
    transformersjs_img_s: summarize([4, 5, 6]),
    hf_pipeline_img_s: summarize([3, 4, 5]),
    hf_pipeline_batched_img_s: summarize([5]),
    torch_batched_img_s: summarize([6, 6.25, 7]),
    torch_raw_img_s: summarize([8]),
    enqueue_uris_s: { ...summarize([60_000, 70_000, 80_000]), detail: { uris: 1_000_000 } },
    // 2 cores / 10 ms per image allow 200 img/s; 190 img/s is 0.95 of it.
    'floor_cpu_ms_per_img.web': summarize([9, 10, 11]),
    'decode_cpu_ms_per_img.web': summarize([11]),
    'pipeline_img_s.web': summarize([180, 190, 200]),
    'pipeline_cpu_ms_per_img.web': summarize([15]),
  };
  const ratios = computeRatios(metrics, 2, ['web']);
  const base: BenchReport = {
    schema: 'metaclip-batch-bench/2',
    startedAt: '2025-01-02T03:04:05.000Z',
    durationS: 100,
    quick: false,
    device: 'cpu',
    dtype: 'fp32',
    machine: { cpu: 'Test CPU', cores: 2, memGiB: 24, node: 'v20', os: 'linux x64', loadAvg1m: 0.5 },
    ortVersion: '1.29.0',
    threads: { intraOp: 2, interOp: 1 },
    model: { shape: 'b16', seed: 1, imageSize: 224, embedDim: 512 },
    corpora: { web: { dir: '.cache/bench/corpus/web-x', files: 256, meanKiB: 119, meanMpx: 0.21 } },
    metrics,
    rawByBatch: { '1': summarize([8]), '8': summarize([11]) },
    ratios,
    rss: null,
    targets: [],
    skipped: [],
    notes: [],
  };
  const r = { ...base, ...over };
  return { ...r, targets: evaluateTargets(r) };
}
