import { describe, expect, it } from 'vitest';
import { createQueueMetrics, pendingJobs } from './queue-metrics.ts';

describe('queue metrics', () => {
  it('counts waiting and delayed work as pending, none while paused', () => {
    expect(pendingJobs({ waiting: 3, delayed: 2, paused: false })).toBe(5);
    expect(pendingJobs({ waiting: 3, delayed: 2, paused: true })).toBe(0);
  });

  it('exports the gauges of every queue at scrape time, with one read per scrape', async () => {
    let reads = 0;
    const m = createQueueMetrics(async () => {
      reads++;
      return [{ name: 'q', waiting: 4, delayed: 1, active: 2, completed: 9, failed: 0, paused: false }];
    });
    const text = await m.render();
    expect(reads).toBe(1);
    expect(text).toContain('metaclip_queue_jobs{queue="q",state="waiting",app="dashboard"} 4');
    expect(text).toContain('metaclip_queue_jobs{queue="q",state="delayed",app="dashboard"} 1');
    expect(text).toContain('metaclip_queue_pending_jobs{queue="q",app="dashboard"} 5');
    expect(text).toContain('metaclip_queue_paused{queue="q",app="dashboard"} 0');
    expect(text).toContain('process_cpu_seconds_total');
  });
});
