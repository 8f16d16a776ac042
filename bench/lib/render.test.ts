import { describe, expect, it } from 'vitest';
import { chartSpec, GPU_TABLE_HEAD, gpuTableRow, modelName, renderMarkdown, renderText } from './render';
import { sampleReport as report } from './report.fixture';

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
    expect(md).toContain('Ratios of medians: e2e/raw = 0.909, e2e/transformers.js = 2, e2e/HF pipeline = 2.5,');
    expect(md).toContain('web: pipeline efficiency = 0.95, preprocess/floor = 1.1, fast/floor = -');
    expect(md).toContain('| `pipeline_img_s.web` | 190 | 180 | 200 | 3 | img/s |');
    expect(md).toContain('- corpus web: 256 files, mean 119 KiB, 0.21 Mpx');
    expect(md).toContain('MetaCLIP B/16 shape');
    expect(md).toContain('![benchmark chart](benchmarks-cpu.svg)');
  });

  it('charts throughput beside the peers, each corpus and enqueue in separate sections, ours highlighted', () => {
    const spec = chartSpec(report());
    expect(spec.sections.map((s) => s.bars.map((b) => b.label))).toEqual([
      [
        'metaclip-batch end to end',
        'ORT session alone (batch 8)',
        'PyTorch model alone',
        'transformers.js pipeline',
        'PyTorch DataLoader, batched',
        'HF pipeline, batched',
        'HF pipeline, one per call',
      ],
      ['whole system, tiny model', 'floor allows (plain sharp)', 'our preprocessing allows'],
      ['producer, manifest'],
    ]);
    expect(spec.sections[0]?.bars[0]?.highlight).toBe(true);
    // What decoding allows: 2 cores / 10 ms = 200 img/s, the whisker from the slowest and fastest rounds.
    expect(spec.sections[1]?.bars[1]).toMatchObject({ value: 200, min: 2000 / 11, max: 2000 / 9 });
  });
});

describe('GPU table', () => {
  it('writes one row per GPU run with the best batch, and heads the Markdown of a GPU run with it', () => {
    const r = report({ device: 'cuda', dtype: 'fp16', machine: { ...report().machine, gpu: 'NVIDIA H200' } });
    expect(gpuTableRow(r)).toBe('| NVIDIA H200 | 2 | CUDA | fp16 | web | 8 | 11 | 10 | 0.95 |');
    expect(renderMarkdown(r, 'x.svg').startsWith(`${GPU_TABLE_HEAD}\n${gpuTableRow(r)}`)).toBe(true);
    expect(renderMarkdown(report(), 'x.svg')).not.toContain(GPU_TABLE_HEAD);
  });
});

describe('modelName', () => {
  it('writes presets as MetaCLIP names them', () => {
    expect(modelName('b16')).toBe('B/16');
    expect(modelName('h14')).toBe('H/14');
    expect(modelName('tiny')).toBe('tiny');
  });
});
