import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.ts';
import { observeStages, type Stage, timeStage } from './stages.ts';

describe('timeStage', () => {
  it('tells the observer how long the call took, and passes its value through', async () => {
    const seen: [Stage, number][] = [];
    const value = await timeStage(
      (stage, seconds) => seen.push([stage, seconds]),
      'fetch',
      () => new Promise<string>((resolve) => setTimeout(() => resolve('bytes'), 20)),
    );
    expect(value).toBe('bytes');
    expect(seen).toHaveLength(1);
    expect(seen[0]?.[0]).toBe('fetch');
    expect(seen[0]?.[1]).toBeGreaterThanOrEqual(0.015);
  });

  it('times a call that throws too, and rethrows its error', async () => {
    const seen: Stage[] = [];
    const failing = timeStage(
      (stage) => seen.push(stage),
      'write',
      async () => {
        throw new Error('disk full');
      },
    );
    await expect(failing).rejects.toThrow('disk full');
    expect(seen).toEqual(['write']);
  });

  it('only runs the call without an observer', async () => {
    expect(await timeStage(undefined, 'score', () => 7)).toBe(7);
  });
});

describe('observeStages', () => {
  it('records each stage in metaclip_stage_seconds under its label', async () => {
    const metrics = createMetrics({ app: 'test', processMetrics: false });
    const observe = observeStages(metrics);
    observe('decode', 0.004);
    observe('decode', 0.006);
    observe('inference', 0.2);
    const { values } = await metrics.stageSeconds.get();
    const of = (name: string, stage: Stage) =>
      values.find((v) => v.metricName === name && v.labels.stage === stage)?.value;
    expect(of('metaclip_stage_seconds_count', 'decode')).toBe(2);
    expect(of('metaclip_stage_seconds_sum', 'decode')).toBeCloseTo(0.01, 9);
    expect(of('metaclip_stage_seconds_count', 'inference')).toBe(1);
    expect(of('metaclip_stage_seconds_count', 'fetch')).toBeUndefined();
  });
});
