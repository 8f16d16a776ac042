import { bullPrefix, closeAfterInit, createQueue, duplicateRedis, shortHash } from '@metaclip-batch/jobs';
import type { StorageOptions } from '@metaclip-batch/storage';
import type { Metrics } from '@metaclip-batch/telemetry';
import { type Job, type JobSchedulerJson, type Queue, Worker } from 'bullmq';
// CommonJS without named ESM exports: Node only offers its default export.
import cronParser from 'cron-parser';
import { z } from 'zod';
import { ConfigError, type EnqueueOptions, EnqueueOptionsSchema } from '../config.ts';
import type { Context } from '../context.ts';
import { runEnqueue } from './enqueue.ts';

/** BullMQ job name of a scheduled enqueue. */
export const SCHEDULED_JOB_NAME = 'enqueue';

/** The data of a scheduled enqueue: validated enqueue options (absolute paths, labels inline). */
const ScheduledEnqueueSchema = z.object({
  options: EnqueueOptionsSchema.extend({
    since: z.number().int().optional(),
    topK: z.number().int().positive(),
  }),
});
/** What each firing of a schedule carries. */
export type ScheduledEnqueue = { options: EnqueueOptions };

/** The control queue holding the job schedulers (not shard jobs). */
export function controlQueue(ctx: Context): Queue<ScheduledEnqueue, unknown, string> {
  return createQueue<ScheduledEnqueue>(ctx.env.controlQueue, ctx.redis, {
    defaultJobOptions: { attempts: 3, removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
  });
}

/** Default schedule name: one schedule per (source, model, output), readable in `schedules`. */
export function defaultScheduleName(o: EnqueueOptions): string {
  const base = o.source.split('/').filter(Boolean).pop() ?? 'source';
  return `${base.replace(/[^A-Za-z0-9._-]+/g, '-')}-${shortHash(`${o.source}\n${o.model}\n${o.output}`)}`;
}

/**
 * Register (or update) a job scheduler that fires an incremental enqueue on a cron pattern. Each firing is picked up
 * by `metaclip-producer scheduler` and names its own run (source + firing date + parameters).
 *
 * @throws {@link ConfigError} for a bad cron pattern or time zone, or a fixed run id.
 */
export async function schedule(
  ctx: Context,
  opts: { name: string; cron: string; tz?: string; options: EnqueueOptions },
): Promise<JobSchedulerJson<ScheduledEnqueue>> {
  if (opts.options.runId) throw new ConfigError(['--run-id: each firing names its own run; leave it out']);
  validateCron(opts.cron, opts.tz);
  const queue = controlQueue(ctx);
  try {
    const data: ScheduledEnqueue = { options: { ...opts.options, incremental: true, wait: false } };
    await queue.upsertJobScheduler(
      opts.name,
      { pattern: opts.cron, ...(opts.tz ? { tz: opts.tz } : {}) },
      { name: SCHEDULED_JOB_NAME, data },
    );
    const registered = await queue.getJobScheduler(opts.name);
    if (!registered) throw new Error(`job scheduler ${opts.name} was not registered`);
    ctx.log.info({ name: opts.name, cron: opts.cron, tz: opts.tz, next: registered.next }, 'schedule registered');
    return registered;
  } finally {
    await closeAfterInit(queue);
  }
}

/**
 * Check a cron pattern and time zone with the parser BullMQ uses (same version), computing one firing as BullMQ will,
 * so a typo fails at `schedule` time with a clear message instead of inside Redis later.
 *
 * @throws {@link ConfigError}
 */
export function validateCron(pattern: string, tz?: string): void {
  try {
    cronParser.parseExpression(pattern, tz ? { tz } : {}).next();
  } catch (err) {
    throw new ConfigError([
      `--cron/--tz: "${pattern}"${tz ? ` in ${tz}` : ''} is not a valid schedule (${(err as Error).message}); ` +
        'example: --cron "0 2 * * *" --tz Europe/Paris',
    ]);
  }
}

/** Remove a schedule; false when there was none of that name. */
export async function unschedule(ctx: Context, name: string): Promise<boolean> {
  const queue = controlQueue(ctx);
  try {
    return await queue.removeJobScheduler(name);
  } finally {
    await closeAfterInit(queue);
  }
}

/** The registered schedules. */
export async function listSchedules(ctx: Context): Promise<JobSchedulerJson<ScheduledEnqueue>[]> {
  const queue = controlQueue(ctx);
  try {
    return await queue.getJobSchedulers(0, -1, true);
  } finally {
    await closeAfterInit(queue);
  }
}

/**
 * Run one firing: an incremental enqueue of the scheduled options, for the firing's time (so a firing redelivered
 * after a crash names the same run and resumes it rather than starting another).
 */
export async function handleFiring(
  ctx: Context,
  job: Pick<Job<unknown>, 'data' | 'timestamp' | 'delay'>,
  deps: { metrics?: Metrics; storage?: StorageOptions } = {},
) {
  const { options } = ScheduledEnqueueSchema.parse(job.data);
  const firedAt = new Date(job.timestamp + (job.delay ?? 0));
  return runEnqueue(ctx, { ...options, incremental: true }, { ...deps, now: firedAt });
}

/** A running scheduler consumer. */
export interface SchedulerHandle {
  worker: Worker;
  close(): Promise<void>;
}

/**
 * Consume the control queue: each firing becomes an incremental enqueue. One firing at a time: listings are
 * I/O-heavy and two runs over the same source at once would compare against the same base. Resolves once the
 * consumer's Redis connections are ready.
 */
export async function startScheduler(
  ctx: Context,
  deps: { metrics?: Metrics; storage?: StorageOptions } = {},
): Promise<SchedulerHandle> {
  // Workers block on Redis; BullMQ wants their connection to retry forever rather than fail commands.
  // No command timeout either: blocking commands wait by design.
  const connection = duplicateRedis(ctx.redis, { maxRetriesPerRequest: null, commandTimeout: undefined });
  const worker = new Worker(
    ctx.env.controlQueue,
    async (job) => {
      const result = await handleFiring(ctx, job, deps);
      return { runId: result.runId, mode: result.mode, added: result.added };
    },
    { connection, prefix: bullPrefix(connection), concurrency: 1 },
  );
  worker.on('failed', (job, err) => ctx.log.error({ err, jobId: job?.id }, 'scheduled enqueue failed'));
  worker.on('error', (err) => ctx.log.warn({ err }, 'scheduler worker error'));
  await worker.waitUntilReady();
  return {
    worker,
    async close() {
      await closeAfterInit(worker);
      await connection.quit();
    },
  };
}
