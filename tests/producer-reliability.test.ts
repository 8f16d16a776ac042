/**
 * The producer under hostile conditions, against real Redis and real processes: folder entries that cannot be read,
 * a listing that fails half-way, a Redis that accepts connections and never answers, and Ctrl-C / SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { parseShardJob, RunStore, type ShardQueue } from '@metaclip-batch/jobs';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startSilentServer } from './helpers/silent-server';
import {
  cleanup,
  cli,
  enqueueArgs,
  isolation,
  makeImageFolder,
  queueFactory,
  redisUrl,
  repoRoot,
} from './producer-harness';

const iso = isolation();
const redis = new Redis(redisUrl);
const store = new RunStore(redis, iso.prefix);
const queues = queueFactory(redis);
const queue = queues.open;
let folder: Awaited<ReturnType<typeof makeImageFolder>>;

async function queuedUris(q: ShardQueue): Promise<string[]> {
  const jobs = await q.getJobs(['waiting'], 0, -1);
  return jobs.flatMap((j) => parseShardJob(j.data).uris).sort();
}

beforeAll(async () => {
  folder = await makeImageFolder();
});

afterAll(async () => {
  await queues.closeAll();
  await cleanup(redis, iso.prefix);
  redis.disconnect();
  await folder.remove();
});

describe('a listing never dies on one entry', () => {
  it('passes over looping and dangling links, names them, and enqueues every good image', async () => {
    const dir = path.join(folder.dir, 'hostile');
    await mkdir(dir);
    await symlink('self.jpg', path.join(dir, 'self.jpg'));
    await symlink('b.jpg', path.join(dir, 'a.jpg'));
    await symlink('a.jpg', path.join(dir, 'b.jpg'));
    await symlink('gone.jpg', path.join(dir, 'dangling.jpg'));
    try {
      const q = queue(iso.queueName('hostile'));
      const r = await cli(enqueueArgs(folder.dir, q.name, ['--run-id', 'hostile-1', '--json']), {
        ...iso.env,
        LOG_LEVEL: 'warn',
      });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ listed: folder.images.length, status: 'running' });
      expect(await queuedUris(q)).toEqual([...folder.images].sort());
      for (const name of ['self.jpg', 'a.jpg', 'b.jpg']) {
        expect(r.stderr).toContain(`skipped ${path.join(dir, name)}: ELOOP`);
      }
      expect(r.stderr).toContain(`skipped ${path.join(dir, 'dangling.jpg')}: ENOENT`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('marks a run whose listing fails half-way as failed, with the reason, and resumes it when fixed', async () => {
    const manifest = path.join(folder.dir, 'broken.jsonl');
    const good = folder.images.slice(0, 3).map((uri) => JSON.stringify({ uri }));
    await writeFile(manifest, `${good.join('\n')}\n{"uri": \n`);
    const q = queue(iso.queueName('broken'));
    const args = enqueueArgs(manifest, q.name, ['--run-id', 'broken-1', '--shard-size', '1']);
    const r = await cli(args, iso.env);
    expect(r.code).toBe(1);
    const state = await store.require('broken-1');
    expect(state.status).toBe('failed');
    expect(state.error).toMatch(/listing stopped: .*broken\.jsonl.*line 4.*run the same enqueue again to resume/);
    expect((await cli(['status', 'broken-1'], iso.env)).stdout).toMatch(/failures\n\s+listing stopped: /);

    await writeFile(manifest, `${good.join('\n')}\n`);
    expect((await cli(args, iso.env)).code).toBe(0);
    const resumed = await store.require('broken-1');
    expect(resumed).toMatchObject({ status: 'running', listed: true, shardsTotal: 3 });
    expect(resumed.error).toBeUndefined();
  });
});

describe('the producer checks the model before enqueuing, and --wait gives up without a worker', () => {
  const withModel = (model: string, runId: string) => {
    const args = enqueueArgs(folder.dir, iso.queueName('models'), ['--run-id', runId]);
    args[args.indexOf('--model') + 1] = model;
    return args;
  };

  it('refuses a missing folder, a folder without config.json and a malformed hub id, enqueuing nothing', async () => {
    const cases: [model: string, message: RegExp][] = [
      [path.join(folder.dir, 'no-such-model'), /--model: .*no-such-model does not exist; give a model folder/],
      [folder.dir, /--model: .* is not a model folder \(no config\.json\)/],
      [path.join(folder.dir, 'notes.txt'), /--model: .*notes\.txt is a file; give the folder that holds config\.json/],
      ['facebook//metaclip', /--model: "facebook\/\/metaclip" is neither a local folder nor a hub id/],
    ];
    for (const [i, [model, message]] of cases.entries()) {
      const r = await cli(withModel(model, `bad-model-${i}`), iso.env);
      expect(r.code, model).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(await store.get(`bad-model-${i}`)).toBeNull();
    }
  });

  it('--wait exits 1 with what to do when no worker takes a shard for --wait-timeout; the run stays queued', async () => {
    const q = queue(iso.queueName('nobody'));
    const args = enqueueArgs(folder.dir, q.name, ['--run-id', 'nobody-1', '--wait', '--wait-timeout', '2']);
    const r = await cli(args, iso.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /no worker has taken a shard of run nobody-1 for 2 s \(--wait-timeout\): start one for its model \(metaclip-worker --model .*tiny-clip --queue .*nobody\)/,
    );
    expect(await store.require('nobody-1')).toMatchObject({ status: 'running', listed: true });
    expect(await q.getWaitingCount()).toBe(1);
  });
});

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('every Redis call is bounded', () => {
  it('start-up gives up on a Redis that accepts connections but never answers, naming the bound', async () => {
    const silent = await startSilentServer();
    try {
      for (const args of [['status', 'some-run'], enqueueArgs(folder.dir, 'q-silent')]) {
        const r = await cli(args, { ...iso.env, REDIS_URL: silent.url });
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+ \(no answer within 5 s\)/);
      }
    } finally {
      await silent.close();
    }
  });

  it('a Redis stopped with SIGSTOP while --wait follows a run fails the command with the bound', async () => {
    const port = await freePort();
    const server = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    const url = `redis://127.0.0.1:${port}`;
    const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => 200, maxRetriesPerRequest: null });
    probe.on('error', () => undefined); // refused until redis-server listens
    try {
      await vi.waitFor(() => probe.ping(), { timeout: 30_000, interval: 200 });
      const env = { ...iso.env, REDIS_URL: url };
      const child = startCli(enqueueArgs(folder.dir, 'q-stopped', ['--run-id', 'stopped-1', '--wait']), env);
      const store2 = new RunStore(probe, iso.prefix);
      await vi.waitFor(async () => expect((await store2.get('stopped-1'))?.listed).toBe(true), { timeout: 60_000 });
      server.kill('SIGSTOP');
      const { code, stderr } = await child.done;
      server.kill('SIGCONT');
      expect(code).toBe(1);
      expect(stderr).toMatch(/Redis at redis:\/\/127\.0\.0\.1:\d+ did not answer within 10 s/);
    } finally {
      server.kill('SIGCONT');
      probe.disconnect();
      server.kill('SIGKILL');
      await once(server, 'exit').catch(() => undefined);
    }
  }, 120_000);
});

/** The real bin as a process, with its output collected. */
function startCli(args: string[], env: Record<string, string>) {
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(repoRoot, 'apps/producer/bin/metaclip-producer.js'), ...args],
    {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done, stderr: () => stderr };
}

describe('long-running commands stop on SIGINT and SIGTERM', () => {
  for (const [signal, exit] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`enqueue --wait exits ${exit} on ${signal} and leaves the run as it was`, async () => {
      const runId = `signal-${exit}`;
      const q = queue(iso.queueName(`signal-${exit}`));
      const run = startCli(
        enqueueArgs(folder.dir, q.name, ['--run-id', runId, '--shard-size', '10', '--wait']),
        iso.env,
      );
      await vi.waitFor(async () => expect((await store.get(runId))?.listed).toBe(true), { timeout: 60_000 });
      run.child.kill(signal);
      const { code, stderr } = await run.done;
      expect(code, stderr).toBe(exit);
      expect(stderr).toContain(`interrupted by ${signal}`);
      expect(await store.require(runId)).toMatchObject({ status: 'running', listed: true, shardsTotal: 3 });
      expect(await q.getWaitingCount()).toBe(3);
    }, 90_000);
  }

  it('the scheduler exits 143 on SIGTERM', async () => {
    const run = startCli(['scheduler'], { ...iso.env, LOG_LEVEL: 'info' });
    await vi.waitFor(() => expect(run.stderr()).toContain('scheduler running'), { timeout: 60_000 });
    run.child.kill('SIGTERM');
    const { code, signal, stderr } = await run.done;
    expect({ code, signal }, stderr).toEqual({ code: 143, signal: null });
  }, 90_000);
});
