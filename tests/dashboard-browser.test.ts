import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DashboardFixture, repoRoot, type SpawnedDashboard, spawnDashboard } from './dashboard-harness';

/**
 * A real headless Chromium on the runs page while shards complete in a real BullMQ queue: the page must show the
 * progress advancing without a reload, the failed images of a run, and Bull Board must list the jobs.
 */

const CHROMIUM = '/usr/bin/chromium';
const artifacts = path.join(repoRoot, 'artifacts');
const fx = new DashboardFixture();
const DONE_RUN = 'catalog-2025-10-01';
const LIVE_RUN = 'catalog-2025-10-02';

let dash: SpawnedDashboard;
let browser: Browser;
let page: Page;

/** The text of one cell of a run's row, as the browser shows it. */
async function cell(runId: string, key: string): Promise<string> {
  return (await page.locator(`tr.run[data-run="${runId}"] [data-k="${key}"]`).textContent()) ?? '';
}

/** Wait until the page itself (by polling, no reload) shows `text` in a run's cell. */
async function waitForCell(runId: string, key: string, text: string): Promise<void> {
  const exact = new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`);
  await page.locator(`tr.run[data-run="${runId}"] [data-k="${key}"]`, { hasText: exact }).waitFor({ timeout: 30_000 });
}

/** The value of a run's progress bar (the script sets the property, which <progress> reflects to the attribute). */
async function barValue(runId: string): Promise<number> {
  return Number(await page.locator(`tr.run[data-run="${runId}"] progress`).getAttribute('value'));
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium); .ci/run does`);
  }
  mkdirSync(artifacts, { recursive: true });
  // A finished run (27 images and one missing file) and a live one of 7 shards of 4 images.
  await fx.enqueue(DONE_RUN, { shardSize: 14 });
  while (await fx.processNextShard()) {
    // drain the first run
  }
  await fx.enqueue(LIVE_RUN, {
    shardSize: 4,
    labels: ['astronaut', 'coffee', 'coins', 'moon', 'rocket', 'grass', 'cat'],
  });
  dash = await spawnDashboard(['--key-prefix', fx.prefix, '--discover-interval', '1']);
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
  await browser?.close();
  await dash?.stop();
  await fx.cleanup();
});

describe('runs page in a browser', () => {
  it('shows progress advancing as shards complete, without a reload', async () => {
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(msg.text());
    });
    await page.goto(dash.url);
    expect(await cell(LIVE_RUN, 'status')).toMatch(/running/i);
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
    expect(await cell(DONE_RUN, 'status')).toMatch(/completed/i);
    expect(await page.locator('#live').getAttribute('class')).not.toContain('stale');
    expect(await page.locator('[data-s="imagesDone"]').textContent()).toBe(String(27 + 5 * 4));
    expect(errors).toEqual([]);
  });

  it('opens a run to show its failed images with their errors', async () => {
    await page.locator(`tr.run[data-run="${DONE_RUN}"]`).click();
    const detail = page.locator(`tr.detail[data-detail="${DONE_RUN}"]`);
    await detail.locator('table.inner').first().waitFor({ timeout: 30_000 });
    const text = await detail.textContent();
    expect(text).toMatch(/Failed images: 1 most recent of 1/);
    expect(text).toMatch(/missing-0\.jpg/);
    expect(text).toMatch(/NotFoundError/);
    // The detail stays open across polls.
    await waitForCell(DONE_RUN, 'failed', '1 img');
    await page.screenshot({ path: path.join(artifacts, 'dashboard-runs.png'), fullPage: true });
    expect(await detail.isVisible()).toBe(true);
  });

  it('lists the shard jobs in Bull Board', async () => {
    await page.goto(`${dash.url}queues/queue/${encodeURIComponent(fx.queueName)}?status=completed`);
    await page.getByText(`${DONE_RUN}.000000`).first().waitFor({ timeout: 30_000 });
    expect(await page.getByText(fx.queueName).count()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(artifacts, 'dashboard-bull-board.png') });
  });
});
