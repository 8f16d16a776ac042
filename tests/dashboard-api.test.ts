import type { RunDetailView, RunView } from '@metaclip-batch/dashboard';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DashboardFixture, runDashboardToExit, type SpawnedDashboard, spawnDashboard } from './dashboard-harness';

/**
 * The spawned `metaclip-dashboard` bin against the real Redis, with runs made by the real enqueue path and shard jobs
 * in a real BullMQ queue.
 */

const fx = new DashboardFixture();
const RUN = 'api-run';
const TOKEN = 'test-token-0123456789abcdef';
const USER = 'operator';
const PASSWORD = 'correct-horse-battery';

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

beforeAll(async () => {
  // 27 fixture images + 1 missing = 28 URIs: 4 shards of 7.
  await fx.enqueue(RUN, { shardSize: 7 });
  await fx.processNextShard();
});

afterAll(async () => {
  await fx.cleanup();
});

describe('without credentials, on loopback', () => {
  let dash: SpawnedDashboard;
  beforeAll(async () => {
    dash = await spawnDashboard(['--key-prefix', fx.prefix]);
  });
  afterAll(async () => {
    await dash.stop();
  });

  it('listens on 127.0.0.1 and answers /healthz and /readyz', async () => {
    expect(new URL(dash.url).hostname).toBe('127.0.0.1');
    const health = await get(`${dash.url}healthz`);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.text)).toEqual({ status: 'ok' });
    const ready = await get(`${dash.url}readyz`);
    expect(JSON.parse(ready.text)).toEqual({ status: 'ready' });
  });

  it('serves the runs as JSON with live counters', async () => {
    const res = await get(`${dash.url}api/runs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = JSON.parse(res.text) as { runs: RunView[] };
    expect(body.runs.map((r) => r.runId)).toEqual([RUN]);
    const run = body.runs[0] as RunView;
    expect(run).toMatchObject({
      status: 'running',
      queue: fx.queueName,
      shards: { total: 4, done: 1, failed: 0 },
      images: { total: 28, done: 7, failed: 0 },
      fraction: 0.25,
    });
    expect(run.text).toMatchObject({ shards: '1 / 4', images: '7 / 28', percent: '25.0%', model: 'tiny-clip' });
  });

  it('serves one run with its failed-image samples, 404 for an unknown run and 400 for a bad id', async () => {
    while (await fx.processNextShard()) {
      // drain: the last shard holds the missing image
    }
    const res = await get(`${dash.url}api/runs/${RUN}`);
    expect(res.status).toBe(200);
    const run = JSON.parse(res.text) as RunDetailView;
    expect(run.status).toBe('completed');
    expect(run.images).toEqual({ total: 28, done: 27, failed: 1 });
    expect(run.errorSamples).toHaveLength(1);
    expect(run.errorSamples[0]?.image_path).toMatch(/missing-0\.jpg$/);
    expect(run.errorSamples[0]?.error).toMatch(/NotFoundError/);
    expect(run.templates).toEqual(['a photo of a {}.']);

    expect((await get(`${dash.url}api/runs/no-such-run`)).status).toBe(404);
    expect((await get(`${dash.url}api/runs/${encodeURIComponent('bad:id')}`)).status).toBe(400);
  });

  it('shows why a failed run failed, on the runs page and in the API', async () => {
    const failing = 'api-failing-run';
    await fx.enqueue(failing, { shardSize: 100 });
    // What a worker records when its output refuses the write.
    const why = 'PermanentStorageError: put /ro/out/img_emb_000000.npy: EACCES, check file permissions';
    await fx.store.recordShardFailed(failing, 0, why);
    expect((await fx.store.finish(failing)).status).toBe('failed');

    const runs = JSON.parse((await get(`${dash.url}api/runs`)).text).runs as RunView[];
    const view = runs.find((r) => r.runId === failing);
    expect(view?.reasons).toEqual([`shard 0: ${why}`]);
    const page = (await get(dash.url)).text;
    const row = page.slice(page.indexOf(`data-run="${failing}"`));
    expect(row.slice(0, row.indexOf('</tr>'))).toContain(`shard 0: ${why}`);
  });

  it('renders the runs page with the run and its queue, under a strict CSP', async () => {
    const res = await get(dash.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.text).toContain(`data-run="${RUN}"`);
    expect(res.text).toContain(`data-queue="${fx.queueName}"`);
    expect((await get(`${dash.url}assets/runs.js`)).status).toBe(200);
  });

  it('shows the queues that runs name in Bull Board', async () => {
    const page = await get(`${dash.url}queues`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>metaclip-batch</title>');
    expect(page.text).toContain('<base href="/queues/" />');
    // Bull Board's own API, as its page calls it.
    const api = JSON.parse(
      (await get(`${dash.url}queues/api/queues?activeQueue=${fx.queueName}&status=completed`)).text,
    ) as { queues: { name: string; counts: Record<string, number>; jobs: { id: string }[] }[] };
    const queue = api.queues.find((q) => q.name === fx.queueName);
    expect(queue?.counts.completed).toBe(4);
    expect(queue?.jobs.map((j) => j.id)).toContain(`${RUN}.000000`);
  });
});

describe('with credentials', () => {
  let dash: SpawnedDashboard;
  beforeAll(async () => {
    dash = await spawnDashboard(['--key-prefix', fx.prefix, '--host', '0.0.0.0'], {
      METACLIP_DASHBOARD_TOKEN: TOKEN,
      METACLIP_DASHBOARD_USER: USER,
      METACLIP_DASHBOARD_PASSWORD: PASSWORD,
    });
  });
  afterAll(async () => {
    await dash.stop();
  });

  it('binds publicly and rejects requests without valid credentials', async () => {
    const url = dash.url.replace('0.0.0.0', '127.0.0.1');
    for (const path of ['', 'api/runs', `api/runs/${RUN}`, 'queues', 'queues/api/queues']) {
      const res = await get(`${url}${path}`);
      expect(res.status, path).toBe(401);
      expect(res.headers.get('www-authenticate'), path).toMatch(/^Basic realm=/);
    }
    expect((await get(`${url}api/runs`, { authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
    const wrongPassword = Buffer.from(`${USER}:${PASSWORD}x`).toString('base64');
    expect((await get(`${url}api/runs`, { authorization: `Basic ${wrongPassword}` })).status).toBe(401);
  });

  it('accepts the bearer token and basic credentials, and leaves the probes open', async () => {
    const url = dash.url.replace('0.0.0.0', '127.0.0.1');
    expect((await get(`${url}api/runs`, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    const basic = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    expect((await get(`${url}queues`, { authorization: `Basic ${basic}` })).status).toBe(200);
    expect((await get(`${url}healthz`)).status).toBe(200);
    expect((await get(`${url}readyz`)).status).toBe(200);
  });

  it('never logs the secrets', () => {
    const out = dash.output();
    expect(out).toContain('dashboard listening');
    for (const secret of [TOKEN, PASSWORD]) expect(out).not.toContain(secret);
  });
});

describe('Bull Board: read-only unless the request has the admin credentials', () => {
  const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
  let dash: SpawnedDashboard;
  beforeAll(async () => {
    dash = await spawnDashboard(['--key-prefix', fx.prefix], {
      METACLIP_DASHBOARD_TOKEN: TOKEN,
      METACLIP_DASHBOARD_ADMIN_TOKEN: ADMIN_TOKEN,
    });
  });
  afterAll(async () => {
    await dash.stop();
  });

  const put = async (path: string, token: string) =>
    (
      await fetch(`${dash.url}queues/api/queues/${fx.queueName}/${path}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}` },
      })
    ).status;

  it('refuses a remove and a retry with the plain token, and lets the admin token remove a job', async () => {
    const [job] = await fx.queue.getJobs(['completed']);
    const jobId = job?.id as string;
    expect(jobId).toBeTruthy();
    // Both can read.
    for (const token of [TOKEN, ADMIN_TOKEN]) {
      expect((await get(`${dash.url}queues/api/queues`, { authorization: `Bearer ${token}` })).status).toBe(200);
    }
    expect(await put(`${jobId}/clean`, TOKEN)).toBe(405);
    expect(await put('retry/completed', TOKEN)).toBe(405);
    expect(await fx.queue.getJob(jobId)).toBeTruthy();

    expect(await put(`${jobId}/clean`, ADMIN_TOKEN)).toBeLessThan(300);
    expect(await fx.queue.getJob(jobId)).toBeFalsy();
  });
});

describe('without Redis', () => {
  it('stays alive but not ready, and says why', async () => {
    // Nothing listens on port 1: the dashboard starts, keeps reconnecting, and answers the probes.
    const dash = await spawnDashboard(['--redis-url', 'redis://127.0.0.1:1']);
    try {
      expect((await get(`${dash.url}healthz`)).status).toBe(200);
      const ready = await get(`${dash.url}readyz`);
      expect(ready.status).toBe(503);
      expect(JSON.parse(ready.text)).toEqual({ status: 'unavailable', reason: 'redis unreachable' });
      expect((await get(`${dash.url}api/runs`)).status).toBe(500);
    } finally {
      await dash.stop();
    }
  });
});

describe('refusing unsafe settings', () => {
  it('refuses --host 0.0.0.0 without credentials, with a message saying what to do', async () => {
    const { code, output } = await runDashboardToExit(['--host', '0.0.0.0']);
    expect(code).toBe(2);
    expect(output).toMatch(/refusing to listen on 0\.0\.0\.0 without credentials/);
    expect(output).toMatch(/METACLIP_DASHBOARD_TOKEN/);
  });

  it('refuses a public published host without credentials, and a short token', async () => {
    const [published, short] = await Promise.all([
      runDashboardToExit(['--host', '0.0.0.0'], { METACLIP_DASHBOARD_PUBLISHED_HOST: '0.0.0.0' }),
      runDashboardToExit([], { METACLIP_DASHBOARD_TOKEN: 'REPLACE_ME' }),
    ]);
    expect(published.code).toBe(2);
    expect(published.output).toMatch(/published on 0\.0\.0\.0/);
    expect(short.code).toBe(2);
    expect(short.output).toMatch(/METACLIP_DASHBOARD_TOKEN: needs at least 16 characters/);
    expect(short.output).not.toContain('REPLACE_ME');
  });

  it('listens on 0.0.0.0 without credentials only when the container port is published on loopback', async () => {
    const dash = await spawnDashboard(['--key-prefix', fx.prefix, '--host', '0.0.0.0'], {
      METACLIP_DASHBOARD_PUBLISHED_HOST: '127.0.0.1',
    });
    try {
      expect(dash.output()).toMatch(/relying on the container port being published on loopback only/);
      expect((await get(`${dash.url.replace('0.0.0.0', '127.0.0.1')}api/runs`)).status).toBe(200);
    } finally {
      await dash.stop();
    }
  });
});
