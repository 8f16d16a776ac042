import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

/** Job counts of one queue, as the dashboard reads them. */
export interface QueueCounts {
  name: string;
  /** Runnable and not started: wait + prioritized. */
  waiting: number;
  /** Retries in their backoff and delayed jobs. */
  delayed: number;
  active: number;
  completed: number;
  failed: number;
  paused: boolean;
}

/** Work workers should come up for: waiting + delayed (retries come back by themselves); 0 while paused. */
export function pendingJobs(q: Pick<QueueCounts, 'waiting' | 'delayed' | 'paused'>): number {
  return q.paused ? 0 : q.waiting + q.delayed;
}

/** The queue gauges' `state` label values. */
const STATES = ['waiting', 'delayed', 'active', 'completed', 'failed'] as const;

/** A registry rendered for `/metrics`. */
export interface QueueMetrics {
  registry: Registry;
  contentType: string;
  render(): Promise<string>;
}

/**
 * The queue gauges, exported once for the whole deployment by the dashboard's `/metrics` (not by every worker, which
 * would multiply each series by the pod count): `metaclip_queue_jobs{queue,state}`, `metaclip_queue_paused{queue}`
 * and `metaclip_queue_pending_jobs{queue}` (waiting + delayed, 0 when paused: the figure KEDA scales on). Read from
 * Redis at scrape time. The process's own metrics keep prom-client's standard `process_*` and `nodejs_*` names.
 */
export function createQueueMetrics(read: () => Promise<QueueCounts[]>, app = 'dashboard'): QueueMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ app });
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  // One read per scrape feeds all three gauges.
  let scrape: Promise<QueueCounts[]> | null = null;
  const counts = () => {
    scrape ??= read().finally(() => {
      setImmediate(() => {
        scrape = null;
      });
    });
    return scrape;
  };
  new Gauge({
    name: 'metaclip_queue_jobs',
    help: 'Jobs in a queue by state (waiting includes prioritized; delayed holds retries in backoff)',
    labelNames: ['queue', 'state'],
    registers,
    async collect() {
      this.reset();
      for (const q of await counts()) for (const state of STATES) this.set({ queue: q.name, state }, q[state]);
    },
  });
  new Gauge({
    name: 'metaclip_queue_paused',
    help: '1 while a queue is paused',
    labelNames: ['queue'],
    registers,
    async collect() {
      this.reset();
      for (const q of await counts()) this.set({ queue: q.name }, q.paused ? 1 : 0);
    },
  });
  new Gauge({
    name: 'metaclip_queue_pending_jobs',
    help: 'Work workers should come up for: waiting + delayed, 0 while the queue is paused',
    labelNames: ['queue'],
    registers,
    async collect() {
      this.reset();
      for (const q of await counts()) this.set({ queue: q.name }, pendingJobs(q));
    },
  });
  return { registry, contentType: registry.contentType, render: () => registry.metrics() };
}
