import { describe, expect, it } from 'vitest';
import type { BenchReport } from './report';
import {
  chartSpec,
  computeRatios,
  contentionNote,
  evaluateTargets,
  GPU_TABLE_HEAD,
  gpuTableRow,
  missedTargets,
  renderMarkdown,
  renderText,
  replaceBetweenMarkers,
} from './report';
import { summarize } from './stats';

function report(over: Partial<BenchReport> = {}): BenchReport {
  const metrics: BenchReport['metrics'] = {
    raw_model_img_s: { ...summarize([10, 11, 12]), detail: { batch: 8 } },
    e2e_img_s: { ...summarize([9.5, 10, 10.5]), detail: { images: 64 } },
    transformersjs_img_s: summarize([4, 5, 6]),
    enqueue_uris_s: { ...summarize([60_000, 70_000, 80_000]), detail: { uris: 1_000_000 } },
  };
  const ratios = computeRatios(metrics);
  const base: BenchReport = {
    schema: 'metaclip-batch-bench/1',
    startedAt: '2025-01-02T03:04:05.000Z',
    durationS: 100,
    quick: false,
    device: 'cpu',
    dtype: 'fp32',
    machine: { cpu: 'Test CPU', cores: 2, memGiB: 24, node: 'v20', os: 'linux x64', loadAvg1m: 0.5 },
    ortVersion: '1.29.0',
    threads: { intraOp: 2, interOp: 1 },
    model: { shape: 'b16', seed: 1, imageSize: 224, embedDim: 512 },
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

describe('targets', () => {
  it('holds when every ratio and rate clears its bar', () => {
    const r = report();
    expect(r.ratios).toEqual({ e2e_vs_raw: 0.909, e2e_vs_transformersjs: 2 });
    expect(r.targets.map((t) => [t.name, t.ok])).toEqual([
      ['e2e_vs_raw', true],
      ['e2e_vs_transformersjs', true],
      ['enqueue_uris_s', true],
      ['worker_rss_flat', null],
    ]);
    expect(missedTargets(r.targets)).toEqual([]);
  });

  it('reports a miss, and an unmeasured target as null rather than a miss', () => {
    const metrics = { ...report().metrics, e2e_img_s: summarize([5]) };
    delete metrics.transformersjs_img_s;
    const r = report({ metrics, ratios: computeRatios(metrics) });
    const byName = Object.fromEntries(r.targets.map((t) => [t.name, t]));
    expect(byName.e2e_vs_raw?.ok).toBe(false);
    expect(byName.e2e_vs_transformersjs).toMatchObject({ ok: null, got: null });
    expect(missedTargets(r.targets).map((t) => t.name)).toEqual(['e2e_vs_raw']);
  });

  it('judges RSS by its trend', () => {
    const rss = { peakMiB: 900, growthMiB: 120, toleranceMiB: 40, flat: false, steadySamples: 30, samples: [] };
    const r = report({ rss });
    expect(r.targets.find((t) => t.name === 'worker_rss_flat')).toMatchObject({ ok: false, got: 120 });
  });
});

describe('renderings', () => {
  it('prints every measured metric, the ratios and the verdicts', () => {
    const text = renderText(report());
    expect(text).toMatch(/raw_model_img_s\s+11\s+10\s+12\s+3\s+img\/s\s+batch=8/);
    expect(text).toContain('e2e/raw = 0.909');
    expect(text).toMatch(/enqueue_uris_s\s+>= 50000\s+OK {3}got 70,000/);
    expect(text).toContain('worker_rss_flat');
    expect(text).toContain('not measured');
  });

  it('writes a Markdown table and the chart link', () => {
    const md = renderMarkdown(report(), 'benchmarks-cpu.svg');
    expect(md).toContain('| `e2e_img_s` | 10 | 9.5 | 10.5 | 3 | img/s | images=64 |');
    expect(md).toContain('Raw model by batch size: 1 → 8, 8 → 11 img/s.');
    expect(md).toContain('Ratios of medians: e2e/raw = 0.909, e2e/transformers.js = 2.');
    expect(md).toContain('MetaCLIP B/16 shape');
    expect(md).toContain('![benchmark chart](benchmarks-cpu.svg)');
  });

  it('charts model throughput, decode and enqueue in separate sections, ours highlighted', () => {
    const metrics = { ...report().metrics, decode_img_s: summarize([100]) };
    const spec = chartSpec(report({ metrics }));
    expect(spec.sections.map((s) => s.bars.map((b) => b.label))).toEqual([
      ['metaclip-batch end to end', 'ORT session alone (batch 8)', 'transformers.js pipeline'],
      ['fixture photographs'],
      ['producer, manifest'],
    ]);
    expect(spec.sections[0]?.bars[0]?.highlight).toBe(true);
  });
});

describe('contentionNote', () => {
  it('speaks only when the load exceeded the cores', () => {
    const m = report().machine;
    expect(contentionNote(m)).toBeNull();
    expect(contentionNote({ ...m, loadAvg1m: 7.5 })).toMatch(/load average 7.5 on 2 cores/);
  });
});

describe('GPU table', () => {
  it('writes one row per GPU run with the best batch, and heads the Markdown of a GPU run with it', () => {
    const r = report({ device: 'cuda', dtype: 'fp16', machine: { ...report().machine, gpu: 'NVIDIA H200' } });
    expect(gpuTableRow(r)).toBe('| NVIDIA H200 | CUDA | fp16 | 8 | 11 | 10 |');
    expect(renderMarkdown(r, 'x.svg').startsWith(`${GPU_TABLE_HEAD}\n${gpuTableRow(r)}`)).toBe(true);
    expect(renderMarkdown(report(), 'x.svg')).not.toContain(GPU_TABLE_HEAD);
  });
});

describe('replaceBetweenMarkers', () => {
  it('replaces only the marked block and keeps the markers', () => {
    const doc = 'a\n<!-- bench:cpu:start -->\nold\n<!-- bench:cpu:end -->\nb\n';
    const out = replaceBetweenMarkers(doc, 'cpu', 'new');
    expect(out).toBe('a\n<!-- bench:cpu:start -->\nnew\n<!-- bench:cpu:end -->\nb\n');
    expect(replaceBetweenMarkers(out, 'cpu', 'new')).toBe(out);
  });

  it('refuses a document without the markers', () => {
    expect(() => replaceBetweenMarkers('nothing here', 'cpu', 'x')).toThrow(/markers/);
  });
});
