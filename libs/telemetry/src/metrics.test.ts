import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.ts';
import { startMetricsServer } from './server.ts';

describe('createMetrics', () => {
  it('registers metaclip_ metrics with app and device labels', async () => {
    const m = createMetrics({ app: 'worker', device: 'cuda:0', processMetrics: false });
    m.imagesProcessed.inc(5);
    m.imagesFailed.inc({ reason: 'decode' });
    m.batchSize.observe(32);
    m.stageSeconds.observe({ stage: 'inference' }, 0.02);
    m.shardsProcessed.inc({ status: 'done' });
    const text = await m.registry.metrics();
    expect(text).toContain('metaclip_images_processed_total{app="worker",device="cuda:0"} 5');
    expect(text).toContain('metaclip_images_failed_total{reason="decode",app="worker",device="cuda:0"} 1');
    expect(text).toContain('metaclip_batch_images_bucket{le="32",app="worker",device="cuda:0"} 1');
    expect(text).toContain('metaclip_stage_seconds_count{app="worker",device="cuda:0",stage="inference"} 1');
    const names = (await m.registry.getMetricsAsJSON()).map((x) => x.name);
    expect(names.every((n) => n.startsWith('metaclip_'))).toBe(true);
  });

  it('keeps the standard process_* and nodejs_* names and follows the unit rules', async () => {
    const names = (await createMetrics({ app: 'worker' }).registry.getMetricsAsJSON()).map((x) => x.name);
    expect(names).toEqual(expect.arrayContaining(['process_cpu_seconds_total', 'nodejs_eventloop_lag_seconds']));
    for (const n of names.filter((x) => x.startsWith('metaclip_'))) {
      expect(n, n).toMatch(/_(total|seconds|images)$/);
    }
  });

  it('gives each call its own registry', () => {
    expect(() => {
      createMetrics({ app: 'a' });
      createMetrics({ app: 'a' });
    }).not.toThrow();
  });
});

describe('startMetricsServer', () => {
  it('serves /metrics, /healthz and /readyz following ready()', async () => {
    const m = createMetrics({ app: 'producer', processMetrics: false });
    m.jobsEnqueued.inc(3);
    let ready = false;
    const server = await startMetricsServer({ port: 0, host: '127.0.0.1', registry: m.registry, ready: () => ready });
    try {
      const url = (p: string) => `http://127.0.0.1:${server.port}${p}`;
      const metrics = await fetch(url('/metrics'));
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('metaclip_jobs_enqueued_total{app="producer"} 3');
      expect((await fetch(url('/healthz'))).status).toBe(200);
      expect((await fetch(url('/readyz'))).status).toBe(503);
      ready = true;
      expect((await fetch(url('/readyz'))).status).toBe(200);
      expect((await fetch(url('/nope'))).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
