import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cleanupRedis, enqueueSource, killAll, spawnWorker, type WorkerProcess } from '../scripts/lib/local-run';
import { DashboardFixture, imagesDir, repoRoot, type SpawnedDashboard, spawnDashboard } from './dashboard-harness';

const tinyModelDir = inject('sharedFixtures').tinyClip;

/**
 * A real headless Chromium on the runs page. Two runs advance step by step through the run store and a real BullMQ
 * queue (so each intermediate state is certain), and one run is processed by a real `metaclip-worker` on the tiny
 * fixture model. The page must follow all of them without a reload, show failed images with their errors, and Bull
 * Board must list the jobs.
 */

const CHROMIUM = '/usr/bin/chromium';
const artifacts = path.join(repoRoot, 'artifacts');
// The workers keep run state under the default prefix, so the runs here share it (with ids of their own).
const fx = new DashboardFixture({ prefix: 'metaclip' });
const DONE_RUN = `${fx.tag}-catalog-a`;
const LIVE_RUN = `${fx.tag}-catalog-b`;
const WORKER_RUN = `${fx.tag}-worker`;

let tmp: string;
let dash: SpawnedDashboard;
let browser: Browser;
let page: Page;
const workers: WorkerProcess[] = [];

function row(runId: string) {
  return page.locator(`tr.run[data-run="${runId}"]`);
}

async function cell(runId: string, key: string): Promise<string> {
  return (await row(runId).locator(`[data-k="${key}"]`).textContent()) ?? '';
}

/** Wait until the page itself (polling, no reload) shows exactly `text` in a run's cell. */
async function waitForCell(runId: string, key: string, text: string): Promise<void> {
  const exact = new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`);
  await row(runId).locator(`[data-k="${key}"]`, { hasText: exact }).waitFor({ timeout: 60_000 });
}

/** The value of a run's progress bar (the script sets the property, which <progress> reflects to the attribute). */
async function barValue(runId: string): Promise<number> {
  return Number(await row(runId).locator('progress').getAttribute('value'));
}

/** Copies of the fixture photographs plus one truncated JPEG, as a local source folder. */
async function sourceFolder(): Promise<{ dir: string; images: number }> {
  const dir = path.join(tmp, 'images');
  await mkdir(dir, { recursive: true });
  const names = await readdir(imagesDir);
  await Promise.all(names.map((n) => copyFile(path.join(imagesDir, n), path.join(dir, n))));
  await writeFile(
    path.join(dir, 'broken.jpg'),
    (await readFile(path.join(imagesDir, 'astronaut.jpg'))).subarray(0, 400),
  );
  return { dir, images: names.length + 1 };
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); .ci/run does`);
  }
  await mkdir(artifacts, { recursive: true });
  tmp = await mkdtemp(path.join(tmpdir(), 'dashboard-browser-'));
  // A finished run (27 images and one missing file) and a live one of 7 shards of 4 images.
  await fx.enqueue(DONE_RUN, { shardSize: 14 });
  while (await fx.processNextShard()) {
    // drain the first run
  }
  await fx.enqueue(LIVE_RUN, {
    shardSize: 4,
    labels: ['astronaut', 'coffee', 'coins', 'moon', 'rocket', 'grass', 'cat'],
  });
  dash = await spawnDashboard(['--discover-interval', '1']);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
});

afterAll(async () => {
  await killAll(workers);
  await browser?.close();
  await dash?.stop();
  await fx.cleanup();
  if (tmp) {
    const redis = fx.redis.duplicate();
    await cleanupRedis(redis, WORKER_RUN, WORKER_RUN, path.join(tmp, 'images'));
    redis.disconnect();
    await rm(tmp, { recursive: true, force: true });
  }
});

describe('runs page in a browser', () => {
  const errors: string[] = [];

  it('shows progress advancing as shards complete, without a reload', async () => {
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    await page.goto(dash.url);
    expect(await cell(LIVE_RUN, 'status')).toBe('running');
    expect(await cell(LIVE_RUN, 'shards')).toBe('0 / 7');
    expect(await barValue(LIVE_RUN)).toBe(0);

    const seen: number[] = [];
    for (const target of [2, 5]) {
      while ((await fx.store.require(LIVE_RUN)).shardsDone < target) await fx.processNextShard();
      await waitForCell(LIVE_RUN, 'shards', `${target} / 7`);
      seen.push(await barValue(LIVE_RUN));
      expect(await cell(LIVE_RUN, 'images')).toBe(`${target * 4} / 28`);
      expect(await cell(LIVE_RUN, 'rate')).toMatch(/\/s$/);
    }
    expect(seen[0]).toBeCloseTo(2 / 7, 3);
    expect(seen[1]).toBeCloseTo(5 / 7, 3);
    expect(await cell(DONE_RUN, 'status')).toBe('completed');
    expect(await page.locator('#live').getAttribute('class')).not.toContain('stale');
    expect(errors).toEqual([]);
  });

  it('follows a run that a real worker processes on the tiny model', async () => {
    const { dir, images } = await sourceFolder();
    const shards = Math.ceil(images / 4);
    await enqueueSource({
      redis: fx.redis,
      runId: WORKER_RUN,
      queue: WORKER_RUN,
      source: dir,
      output: path.join(tmp, 'out'),
      labels: ['astronaut', 'coins', 'moon'],
      shardSize: 4,
    });
    await waitForCell(WORKER_RUN, 'shards', `0 / ${shards}`);
    // Record every value the bar takes from here on, as the page's own script sets it (browser-side code as a
    // string: this project's TypeScript has no DOM types).
    await page.evaluate(`{
      const bar = document.querySelector('tr.run[data-run="${WORKER_RUN}"] progress');
      globalThis.barLog = [];
      new MutationObserver(() => globalThis.barLog.push(bar.getAttribute('value'))).observe(bar, { attributes: true });
    }`);

    const worker = spawnWorker(
      `${WORKER_RUN}-w0`,
      ['--model', tinyModelDir, '--queue', WORKER_RUN, '--concurrency', '1', '--max-batch', '4'],
      { METACLIP_CACHE: path.join(tmp, 'model-cache') },
    );
    workers.push(worker);
    await waitForCell(WORKER_RUN, 'status', 'completed');

    expect(await cell(WORKER_RUN, 'shards')).toBe(`${shards} / ${shards}`);
    expect(await cell(WORKER_RUN, 'images')).toBe(`${images - 1} / ${images}`);
    expect(await cell(WORKER_RUN, 'failed')).toBe('1 img');
    const values = (await page.evaluate('globalThis.barLog')) as string[];
    expect(values.length).toBeGreaterThan(0);
    expect(values.map(Number)).toEqual([...values.map(Number)].sort((a, b) => a - b));
    expect(Number(values.at(-1))).toBe(1);

    await row(WORKER_RUN).click();
    const detail = page.locator(`tr.detail[data-detail="${WORKER_RUN}"]`);
    await detail.locator('table.inner').first().waitFor({ timeout: 30_000 });
    expect(await detail.textContent()).toMatch(/broken\.jpg/);
    expect(errors).toEqual([]);
  });

  it('opens a run to show its failed images with their errors', async () => {
    await row(DONE_RUN).click();
    const detail = page.locator(`tr.detail[data-detail="${DONE_RUN}"]`);
    await detail.locator('table.inner').first().waitFor({ timeout: 30_000 });
    const text = await detail.textContent();
    expect(text).toMatch(/Failed images: 1 most recent of 1/);
    expect(text).toMatch(/missing-0\.jpg/);
    expect(text).toMatch(/NotFoundError/);
    // Both details stay open across a poll.
    const polled = (await page.locator('#updated').textContent()) ?? '';
    await page.locator('#updated', { hasNotText: polled }).waitFor({ timeout: 30_000 });
    expect(await page.locator(`tr.detail[data-detail="${WORKER_RUN}"]`).isVisible()).toBe(true);
    await page.screenshot({ path: path.join(artifacts, 'dashboard-runs.png'), fullPage: true });
    expect(await detail.isVisible()).toBe(true);
  });

  it('lists the shard jobs in Bull Board, the worker’s included', async () => {
    await page.goto(`${dash.url}queues/queue/${encodeURIComponent(fx.queueName)}?status=completed`);
    await page.getByText(`${DONE_RUN}.000000`).first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(artifacts, 'dashboard-bull-board.png') });
    await page.goto(`${dash.url}queues/queue/${encodeURIComponent(WORKER_RUN)}?status=completed`);
    await page.getByText(`${WORKER_RUN}.000000`).first().waitFor({ timeout: 30_000 });
  });
});
