import { describe, expect, it } from 'vitest';
import { computeRatios, contentionNote, missedTargets, replaceBetweenMarkers } from './report';
import { sampleReport as report } from './report.fixture';
import { summarize } from './stats';

describe('targets', () => {
  it('divides medians: over each peer, and the pipeline over what the floor allows on all cores', () => {
    const r = report();
    expect(r.ratios).toEqual({
      e2e_vs_raw: 0.909,
      e2e_vs_transformersjs: 2,
      e2e_vs_hf_pipeline: 2.5,
      e2e_vs_hf_pipeline_batched: 2,
      e2e_vs_torch_batched: 1.6,
      // the two bare models: 11 img/s over 8
      raw_vs_torch_raw: 1.375,
      raw_int8_vs_fp32: null,
      // 190 img/s x 10 ms / (1000 x 2 cores)
      pipeline_efficiency: 0.95,
      preprocess_vs_floor: 1.1,
      fast_vs_floor: null,
      pipeline_fast_vs_exact: null,
      // 15 ms of worker CPU per image over the floor's 10
      pipeline_cpu_vs_floor: 1.5,
      corpus: 'web',
      by_corpus: {
        web: {
          pipeline_efficiency: 0.95,
          preprocess_vs_floor: 1.1,
          fast_vs_floor: null,
          pipeline_fast_vs_exact: null,
          pipeline_cpu_vs_floor: 1.5,
        },
      },
    });
  });

  it('holds when every ratio and rate clears its bar', () => {
    const r = report();
    expect(r.targets.map((t) => [t.name, t.ok])).toEqual([
      ['pipeline_efficiency (web)', true],
      ['preprocess_vs_floor (web)', true],
      ['e2e_vs_raw', false],
      ['e2e_vs_hf_pipeline', true],
      ['e2e_vs_torch_batched', true],
      ['enqueue_uris_s', true],
      ['worker_rss_flat', null],
    ]);
    expect(missedTargets(r.targets).map((t) => t.name)).toEqual(['e2e_vs_raw']);
  });

  it('reports a miss, and an unmeasured target as null rather than a miss', () => {
    const metrics = { ...report().metrics, e2e_img_s: summarize([5]), 'decode_cpu_ms_per_img.web': summarize([12]) };
    delete metrics.torch_batched_img_s;
    delete metrics['pipeline_img_s.web'];
    const r = report({ metrics, ratios: computeRatios(metrics, 2, ['web']) });
    const byName = Object.fromEntries(r.targets.map((t) => [t.name, t]));
    expect(byName.e2e_vs_raw?.ok).toBe(false);
    expect(byName.e2e_vs_torch_batched).toMatchObject({ ok: null, got: null });
    expect(byName['pipeline_efficiency (web)']).toMatchObject({ ok: null, got: null });
    expect(byName['preprocess_vs_floor (web)']).toMatchObject({ ok: false, got: 1.2, want: '<= 1.15' });
  });

  it('keeps every corpus apart and heads with the first', () => {
    const metrics = {
      ...report().metrics,
      'floor_cpu_ms_per_img.photos': summarize([100]),
      'decode_cpu_ms_per_img.photos': summarize([150]),
      'pipeline_img_s.photos': summarize([10]),
    };
    const ratios = computeRatios(metrics, 2, ['photos', 'web']);
    expect(ratios).toMatchObject({ corpus: 'photos', pipeline_efficiency: 0.5, preprocess_vs_floor: 1.5 });
    expect(ratios.by_corpus.web).toMatchObject({ pipeline_efficiency: 0.95, preprocess_vs_floor: 1.1 });
    expect(computeRatios(metrics, 2, [])).toMatchObject({ corpus: null, pipeline_efficiency: null });
  });

  it('judges RSS by its trend', () => {
    const rss = { peakMiB: 900, growthMiB: 120, toleranceMiB: 40, flat: false, steadySamples: 30, samples: [] };
    const r = report({ rss });
    expect(r.targets.find((t) => t.name === 'worker_rss_flat')).toMatchObject({ ok: false, got: 120 });
  });
});

describe('contentionNote', () => {
  it('speaks only when the load exceeded the cores', () => {
    const m = report().machine;
    expect(contentionNote(m)).toBeNull();
    expect(contentionNote({ ...m, loadAvg1m: 7.5 })).toMatch(/load average 7.5 on 2 cores/);
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
