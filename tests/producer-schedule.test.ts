import { setTimeout as sleep } from 'node:timers/promises';
import { RunStore } from '@metaclip-batch/jobs';
import { controlQueue, loadEnv, openContext } from '@metaclip-batch/producer';
import { createLogger } from '@metaclip-batch/telemetry';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
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
    const stopSignal = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const running = cli(['scheduler'], iso.env, { stopSignal });
    try {
      let runs = await store.listForSource(imagesDir);
      for (let i = 0; i < 500 && !runs.some((s) => s.listed); i++) {
        await sleep(20);
        runs = await store.listForSource(imagesDir);
      }
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({
        queue: iso.queueName('sched'),
        listed: true,
        imagesTotal: 27,
        status: 'running',
      });
    } finally {
      stop();
      expect((await running).code).toBe(0);
      await cli(['unschedule', 'often'], iso.env);
    }
  });
});
