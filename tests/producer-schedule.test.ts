import { RunStore } from '@metaclip-batch/jobs';
import { controlQueue, loadEnv, openContext } from '@metaclip-batch/producer';
import { createLogger } from '@metaclip-batch/telemetry';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { cleanup, cli, enqueueArgs, imagesDir, isolation, redisUrl } from './producer-harness';

const iso = isolation();
const redis = new Redis(redisUrl);
const store = new RunStore(redis, iso.prefix);

afterAll(async () => {
  await cleanup(redis, iso.prefix);
  redis.disconnect();
});

/** `enqueue` flags minus the command word, for `schedule`. */
function scheduleArgs(name: string, cron: string, queue: string): string[] {
  return ['schedule', '--cron', cron, '--name', name, ...enqueueArgs(imagesDir, queue).slice(1)];
}

describe('schedules', () => {
  it('registers a BullMQ job scheduler with the enqueue options, lists and removes it', async () => {
    const r = await cli(scheduleArgs('nightly', '0 2 * * *', iso.queueName()), iso.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/schedule nightly registered: "0 2 \* \* \*", next \d{4}-\d\d-\d\d 02:00:00Z/);

    const ctx = await openContext(loadEnv(iso.env), createLogger({ name: 'test', level: 'warn' }));
    const control = controlQueue(ctx);
    try {
      const scheduler = await control.getJobScheduler('nightly');
      expect(scheduler).toMatchObject({ key: 'nightly', pattern: '0 2 * * *' });
      expect(scheduler?.template?.data?.options).toMatchObject({
        source: imagesDir,
        incremental: true,
        labels: ['cat', 'dog', 'car'],
      });
    } finally {
      await control.close();
      await ctx.close();
    }

    const listed = JSON.parse((await cli(['schedules', '--json'], iso.env)).stdout);
    expect(listed.map((s: { key: string }) => s.key)).toEqual(['nightly']);
    expect((await cli(['unschedule', 'nightly'], iso.env)).code).toBe(0);
    expect((await cli(['schedules'], iso.env)).stdout).toContain('no schedules');
    expect((await cli(['unschedule', 'nightly'], iso.env)).code).toBe(1);
  });

  it('rejects a bad cron pattern at start-up with exit code 2', async () => {
    const r = await cli(scheduleArgs('bad', 'every night', iso.queueName()), iso.env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--cron/--tz: "every night" is not a valid schedule');
    const tz = await cli([...scheduleArgs('bad', '0 2 * * *', iso.queueName()), '--tz', 'Mars/Olympus'], iso.env);
    expect(tz.code).toBe(2);
    expect(tz.stderr).toContain('in Mars/Olympus is not a valid schedule');
  });

  it('the scheduler turns a firing into an incremental enqueue', async () => {
    // Every second, so the first firing comes without waiting for 02:00.
    expect((await cli(scheduleArgs('often', '* * * * * *', iso.queueName('sched')), iso.env)).code).toBe(0);
    let stop: () => void = () => {};
    const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
      stop = () => resolve('SIGTERM');
    });
    const running = cli(['scheduler'], iso.env, { stopSignal });
    try {
      // Polled for as long as a loaded machine may need to fire the schedule and list the folder (a fixed 10 s of
      // polling failed under load).
      const runs = await vi.waitFor(
        async () => {
          const found = await store.listForSource(imagesDir);
          expect(found.some((s) => s.listed)).toBe(true);
          return found;
        },
        { timeout: 120_000, interval: 50 },
      );
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({
        queue: iso.queueName('sched'),
        listed: true,
        imagesTotal: 27,
        status: 'running',
      });
    } finally {
      stop();
      expect((await running).code).toBe(143);
      await cli(['unschedule', 'often'], iso.env);
    }
  });
});
