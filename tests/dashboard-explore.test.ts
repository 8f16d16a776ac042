/**
 * The explore page of a run in a real Chromium: a run embedded by a real `metaclip-worker` on the tiny model, indexed,
 * clustered and deduplicated with @metaclip-batch/search, served by the real `metaclip-dashboard` behind basic auth.
 * Text search fills a thumbnail grid, a click shows more like that image, and the label galleries, clusters and
 * duplicate groups render; the JSON API answers in its documented shape and refuses URIs outside the run's source.
 * Screenshots go to artifacts/.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { clusterRun, dedupRun, indexRun } from '@metaclip-batch/search';
import { Redis } from 'ioredis';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  cleanupRedis,
  enqueueSource,
  killAll,
  REDIS_URL,
  spawnWorker,
  until,
  type WorkerProcess,
  waitForRun,
} from '../scripts/lib/local-run';
import { imagesDir, repoRoot, type SpawnedDashboard, spawnDashboard } from './dashboard-harness';

const tinyModelDir = inject('sharedFixtures').tinyClip;

const CHROMIUM = '/usr/bin/chromium';
const artifacts = path.join(repoRoot, 'artifacts');
const id = `dash-explore-${process.pid}-${Date.now()}`;
const USER = 'explorer';
const PASSWORD = 'correct-horse-battery';
const auth = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
const LABELS = ['an astronaut', 'a coin', 'a camera', 'the moon', 'a chessboard'];

let tmp: string;
let photos: string[];
let source: string;
let redis: Redis;
let dash: SpawnedDashboard;
let browser: Browser;
let page: Page;
const workers: WorkerProcess[] = [];

const api = (p: string, headers: Record<string, string> = { authorization: auth }) =>
  fetch(`${dash.url}api/runs/${encodeURIComponent(id)}/${p}`, { headers });

beforeAll(async () => {
  await mkdir(artifacts, { recursive: true });
  tmp = await mkdtemp(path.join(tmpdir(), `${id}-`));
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  // The fixture photographs (every format, BMP included: its thumbnail too must render) plus one planted byte copy.
  source = path.join(tmp, 'images');
  await mkdir(source, { recursive: true });
  const names = (await readdir(imagesDir)).sort();
  await Promise.all(names.map((n) => copyFile(path.join(imagesDir, n), path.join(source, n))));
  await copyFile(path.join(imagesDir, 'coins.jpg'), path.join(source, 'zz-copy.jpg'));
  photos = names.map((n) => path.join(source, n));
  const env = { METACLIP_CACHE: path.join(tmp, 'model-cache') };
  workers.push(spawnWorker(`${id}-w0`, ['--model', tinyModelDir, '--queue', id], env));
  await enqueueSource({
    redis,
    runId: id,
    queue: id,
    source,
    output: path.join(tmp, 'out'),
    labels: LABELS,
    shardSize: 8,
  });
  expect((await waitForRun(redis, id)).status).toBe('completed');
  const run = path.join(tmp, 'out', id);
  // The worker that finishes the last shard writes the manifest just after the run is marked completed.
  await until(() => existsSync(path.join(run, 'manifest.json')), 'the run manifest');
  await killAll(workers);
  process.env.METACLIP_CACHE = env.METACLIP_CACHE;
  await indexRun(run);
  await clusterRun(run, { k: 4, seed: 1 });
  await dedupRun(run, { threshold: 0.999 });
  dash = await spawnDashboard([], {
    METACLIP_DASHBOARD_USER: USER,
    METACLIP_DASHBOARD_PASSWORD: PASSWORD,
    METACLIP_CACHE: env.METACLIP_CACHE,
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  const context = await browser.newContext({
    viewport: { width: 1440, height: 900 },
    httpCredentials: { username: USER, password: PASSWORD },
  });
  page = await context.newPage();
});

afterAll(async () => {
  await killAll(workers);
  await browser?.close();
  await dash?.stop();
  if (redis) {
    await cleanupRedis(redis, id, id, source);
    redis.disconnect();
  }
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('explore a run', () => {
  it('answers search and similar in the documented shape, behind auth, with thumbnails from the source only', async () => {
    expect((await api('search?q=a%20coin', {})).status).toBe(401);
    const res = await api('search?q=an%20astronaut&k=5');
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: Record<string, unknown>[] };
    expect(results).toHaveLength(5);
    for (const r of results) expect(Object.keys(r).sort()).toEqual(['image_path', 'label', 'score', 'thumbnail']);

    const first = photos[3] as string;
    const similar = (await (await api(`similar?image=${encodeURIComponent(first)}&k=4`)).json()) as {
      results: { image_path: string; score: number; thumbnail: string }[];
    };
    expect(similar.results[0]).toMatchObject({ image_path: first, score: 1 });

    const thumb = await fetch(new URL(similar.results[0]?.thumbnail as string, `${dash.url}api/runs/${id}/similar`), {
      headers: { authorization: auth },
    });
    expect(thumb.status).toBe(200);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    expect((await thumb.arrayBuffer()).byteLength).toBeGreaterThan(100);

    const bmp = await api(`thumbnail?image=${encodeURIComponent(path.join(source, 'astronaut.bmp'))}`);
    expect(bmp.status).toBe(200);
    expect(bmp.headers.get('content-type')).toBe('image/webp');

    for (const outside of ['/etc/passwd', `${source}/../../secret.jpg`, `${source}2/x.jpg`, 's3://bucket/x.jpg']) {
      const refused = await api(`thumbnail?image=${encodeURIComponent(outside)}`);
      expect(refused.status, outside).toBe(403);
    }
    expect((await api('search?q=x&k=0')).status).toBe(400);
    expect((await api('similar?image=/nope.jpg')).status).toBe(404);
  });

  it('searches, shows more like an image, and renders labels, clusters and duplicates', async () => {
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${dash.url}runs/${encodeURIComponent(id)}/explore`);
    await page.locator('#clusters .cluster').first().waitFor({ timeout: 60_000 });
    await page.locator('#labels .gallery').first().waitFor({ timeout: 60_000 });
    await page.locator('#duplicates .dup-group').first().waitFor({ timeout: 60_000 });
    expect(await page.locator('#clusters .cluster').count()).toBe(4);
    expect(await page.locator('#labels .gallery').count()).toBe(LABELS.length);
    // The planted byte copy sits beside its original, marked as exact.
    const group = page.locator('#duplicates .dup-group', { hasText: 'zz-copy.jpg' });
    expect(await group.locator('.card').first().getAttribute('data-image')).toBe(path.join(source, 'coins.jpg'));
    expect(await group.textContent()).toMatch(/exact copy/);

    await page.fill('#q', 'an astronaut');
    await page.click('form.search button');
    await page.locator('#results .card').first().waitFor({ timeout: 60_000 });
    expect(await page.locator('#results .card').count()).toBe(24);
    expect(await page.locator('#status').textContent()).toMatch(/24 images for “an astronaut”/);
    // Every thumbnail of the grid loaded (naturalWidth > 0), served by the dashboard.
    await allImagesLoaded('#results img');
    await page.screenshot({ path: path.join(artifacts, 'dashboard-explore-search.png') });

    const target = (await page.locator('#results .card').nth(2).getAttribute('data-image')) as string;
    await page.locator('#results .card').nth(2).click();
    await page.locator('#status', { hasText: /More like/ }).waitFor({ timeout: 60_000 });
    expect(await page.locator('#results .card').first().getAttribute('data-image')).toBe(target);
    expect(await page.locator('#results .card .score').first().textContent()).toBe('1.000');
    await allImagesLoaded('img');
    await page.screenshot({ path: path.join(artifacts, 'dashboard-explore.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});

/**
 * Waits until every image the selector names has loaded (naturalWidth > 0). Polled with `page.evaluate`, which runs
 * through the DevTools protocol: `waitForFunction` evaluates its predicate with `eval` inside the page, and the
 * dashboard's Content-Security-Policy (script-src 'self') rightly forbids that.
 */
async function allImagesLoaded(selector: string): Promise<void> {
  const check = `[...document.querySelectorAll(${JSON.stringify(selector)})].every((i) => i.complete && i.naturalWidth > 0)`;
  await expect.poll(async () => page.evaluate(check), { timeout: 60_000, interval: 250 }).toBe(true);
}
