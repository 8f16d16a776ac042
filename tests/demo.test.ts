/**
 * `npm run demo` where nothing answers at REDIS_URL: with `redis-server` on PATH it starts a private one on a free
 * port, runs the whole demo on it and stops it after; without one it says in one line how to get Redis.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answers, findOnPath, freePort } from '../scripts/local-redis';
import { runBin } from './helpers/cli-process';

/** `npm run demo -- ...args`, as npm runs it (node with tsx's loader, the workspaces' sources). */
const runDemo = (args: string[], env: Record<string, string>) =>
  runBin('--conditions=source', ['--import', 'tsx', 'scripts/demo.ts', ...args], env);

describe('npm run demo without a Redis', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'demo-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it.skipIf(findOnPath('redis-server') === undefined)(
    'starts a private redis-server on a free port, runs on it, and stops it after',
    async () => {
      const port = await freePort();
      const output = path.join(tmp, 'out');
      const run = await runDemo(['--output', output, '--workers', '1'], { REDIS_URL: `redis://127.0.0.1:${port}` });
      expect(run.stderr).toMatch(/started a private redis-server at redis:\/\/127\.0\.0\.1:\d+/);
      expect(run.code, run.stderr).toBe(0);
      const privatePort = Number(
        /redis:\/\/127\.0\.0\.1:(\d+)/.exec(run.stderr.split('private redis-server at ')[1] ?? '')?.[1],
      );
      expect(privatePort).not.toBe(port);
      expect(await answers('127.0.0.1', privatePort)).toBe(false);
      const [runDir] = await readdir(output);
      expect(await readdir(path.join(output, runDir as string))).toContain('manifest.json');
    },
  );

  it('says in one line how to get Redis when none answers and none is installed', async () => {
    const port = await freePort();
    const run = await runDemo([], { REDIS_URL: `redis://127.0.0.1:${port}`, PATH: tmp });
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/apt-get install redis-server.*brew install redis.*docker run/);
  });
});
