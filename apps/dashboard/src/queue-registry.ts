import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { closeAfterInit, createQueue, type RedisClient } from '@metaclip-batch/jobs';
import { type Logger, pendingJobs, type QueueCounts } from '@metaclip-batch/telemetry';
import type { Queue } from 'bullmq';

/** The part of Bull Board's `createBullBoard(...)` result the registry drives. */
export interface BoardControls {
  addQueue(adapter: BullMQAdapter): void;
  removeQueue(name: string): void;
}

/** A board and whether its queues refuse every action (Bull Board's `readOnlyMode`). */
export interface Board {
  controls: BoardControls;
  readOnly: boolean;
}

/** Job counts of one queue, as the runs page shows them (and `/metrics` exports them). */
export interface QueueSummary extends QueueCounts {
  /** Worker processes connected to the queue. */
  workers: number;
}

/** What an autoscaler reads for one queue (`/api/scaling/<queue>`, a KEDA metrics-api trigger). */
export interface ScalingFigures {
  queue: string;
  /**
   * Work not yet started that workers should come up for: waiting + prioritized + delayed (retries in their backoff
   * come back by themselves). 0 while the queue is paused: no worker could take it.
   */
  pending: number;
  /** Shards being processed: scaling below `active / concurrency` pods would stop busy workers. */
  active: number;
  paused: boolean;
}

/** Pure: the scaling figures of a queue summary (the same rule as `metaclip_queue_pending_jobs`). */
export function scalingFigures(q: QueueSummary): ScalingFigures {
  return { queue: q.name, pending: pendingJobs(q), active: q.active, paused: q.paused };
}

/** Pure: the queues to show: the configured ones plus every queue a listed run was enqueued on, sorted. */
export function wantedQueues(runs: readonly { queue: string }[], configured: readonly string[]): string[] {
  return [...new Set([...configured, ...runs.map((r) => r.queue)])].sort();
}

/** Pure: which queues to open and which to close to go from `current` to `wanted`. */
export function planQueueChanges(
  current: Iterable<string>,
  wanted: Iterable<string>,
): { add: string[]; remove: string[] } {
  const have = new Set(current);
  const want = new Set(wanted);
  return { add: [...want].filter((q) => !have.has(q)), remove: [...have].filter((q) => !want.has(q)) };
}

/**
 * The BullMQ queues the dashboard shows, kept in step with Bull Board. Queues share one Redis connection; a queue
 * that no listed run names any more is closed and leaves the board.
 */
export class QueueRegistry {
  private readonly queues = new Map<string, Queue<unknown, unknown, string>>();

  constructor(
    private readonly boards: readonly Board[],
    private readonly connection: RedisClient,
    private readonly logger: Logger,
  ) {}

  /** Names of the open queues, sorted. */
  names(): string[] {
    return [...this.queues.keys()].sort();
  }

  /** Open the queues in `wanted` that are not open yet and close the others. */
  async sync(wanted: readonly string[]): Promise<void> {
    const { add, remove } = planQueueChanges(this.queues.keys(), wanted);
    for (const name of add) {
      const queue = createQueue<unknown>(name, this.connection);
      this.queues.set(name, queue);
      for (const b of this.boards) b.controls.addQueue(new BullMQAdapter(queue, { readOnlyMode: b.readOnly }));
    }
    for (const name of remove) {
      const queue = this.queues.get(name);
      this.queues.delete(name);
      for (const b of this.boards) b.controls.removeQueue(name);
      if (queue) await closeAfterInit(queue);
    }
    if (add.length + remove.length > 0) this.logger.info({ added: add, removed: remove }, 'queues updated');
  }

  /** Job counts of every open queue, by name. */
  async summaries(): Promise<QueueSummary[]> {
    return Promise.all(
      this.names().map(async (name) => {
        const queue = this.queues.get(name) as Queue<unknown, unknown, string>;
        const [c, paused, workers] = await Promise.all([
          queue.getJobCounts('wait', 'prioritized', 'delayed', 'active', 'completed', 'failed'),
          queue.isPaused(),
          queue.getWorkersCount(),
        ]);
        return {
          name,
          waiting: (c.wait ?? 0) + (c.prioritized ?? 0),
          delayed: c.delayed ?? 0,
          active: c.active ?? 0,
          completed: c.completed ?? 0,
          failed: c.failed ?? 0,
          workers,
          paused,
        };
      }),
    );
  }

  /** Close every queue, each once its start-up is over (the shared connection stays open; its owner closes it). */
  async close(): Promise<void> {
    const queues = [...this.queues.values()];
    this.queues.clear();
    await Promise.all(queues.map(closeAfterInit));
  }
}
