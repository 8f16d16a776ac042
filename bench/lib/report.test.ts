import { describe, expect, it } from 'vitest';
import { computeRatios, contentionNote, missedTargets, replaceBetweenMarkers } from './report';
import { sampleReport as report } from './report.fixture';
import { summarize } from './stats';

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
