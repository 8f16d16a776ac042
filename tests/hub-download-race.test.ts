/**
 * Two real `metaclip` processes fetching the same model into one Hugging Face cache at the same moment, as two
 * workers on one machine do at startup: the flock on `.locks/models--org--name/<etag>.lock` (huggingface_hub's own)
 * must let exactly one download each file while the other waits, and leave neither a corrupt file nor a lock
 * file swapped from under its holder.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { repoRoot } from '../scripts/lib/local-run';
import { METACLIP_BIN } from './helpers/cli-process';
import { type FakeHub, filesFrom, sha256, startFakeHub } from './helpers/hub-server';

const tiny = inject('sharedFixtures').tinyClip;
const MODEL_FILES = ['config.json', 'model.safetensors', 'preprocessor_config.json', 'tokenizer.json'];
const files = filesFrom(tiny, MODEL_FILES);
const weightsSha = sha256(files['model.safetensors'] as Buffer);

let hub: FakeHub;
let tmp: string;
beforeAll(async () => {
  // Only the weights in LFS: the one file served (and held back) by the CDN.
  hub = await startFakeHub({ 'org/tiny-clip': { refs: { main: 'c'.repeat(40) }, files, lfs: ['model.safetensors'] } });
  tmp = await mkdtemp(path.join(tmpdir(), 'metaclip-hub-race-'));
});
afterAll(async () => {
  await hub?.close();
  await rm(tmp, { recursive: true, force: true });
});

interface Proc {
  child: ChildProcess;
  stdout: string;
  stderr: string;
}

function tokenize(env: Record<string, string>): Proc {
  const child = spawn(process.execPath, [METACLIP_BIN, 'tokenize', '--model', 'org/tiny-clip', 'a cat'], {
    cwd: repoRoot,
    env: { ...process.env, HF_HUB_OFFLINE: '', HF_TOKEN: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc: Proc = { child, stdout: '', stderr: '' };
  child.stdout?.on('data', (d: Buffer) => {
    proc.stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    proc.stderr += d.toString();
  });
  return proc;
}

async function until(what: string, ok: () => boolean | Promise<boolean>): Promise<void> {
  for (let waited = 0; !(await ok()); waited += 100) {
    if (waited > 120_000) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

it('two processes fetching one model at once: one download, the other waits, both get the whole file', async () => {
  const cache = path.join(tmp, 'hub');
  const env = { HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: cache, HF_HOME: tmp, METACLIP_CACHE: path.join(tmp, 'm') };
  const lock = path.join(cache, '.locks', 'models--org--tiny-clip', `${weightsSha}.lock`);
  // The first download is held open after 64 KiB, so the second process surely finds the lock taken.
  const resume = hub.pauseDownloads();
  const procs = [tokenize(env), tokenize(env)];
  const exits = procs.map((p) => once(p.child, 'exit') as Promise<[number | null]>);
  try {
    // Every file is fetched under its own lock; the weights' is the one held while the CDN holds its bytes back.
    const waiting = (p: Proc) => p.stderr.split('\n').some((l) => l.includes('another process') && l.includes(lock));
    await until('a download and a waiter', () => procs.some(waiting));
    const held = await stat(lock);
    resume();
    const codes = await Promise.all(exits);
    expect(
      codes.map(([c]) => c),
      procs.map((p) => p.stderr).join('\n'),
    ).toEqual([0, 0]);
    // The lock file is the one the holder took (never deleted and re-created by a waiter) and stays, as Python's.
    expect((await stat(lock)).ino).toBe(held.ino);
  } finally {
    resume();
    for (const p of procs) p.child.kill();
  }
  const downloads = hub.requests.filter((r) => r.server === 'cdn' && r.method === 'GET');
  expect(downloads).toHaveLength(1);
  const blob = path.join(cache, 'models--org--tiny-clip', 'blobs', weightsSha);
  expect(sha256(await readFile(blob))).toBe(weightsSha);
  const [a, b] = procs.map((p) => JSON.parse(p.stdout.trim()) as { input_ids: number[] });
  expect(a?.input_ids.length).toBeGreaterThan(2);
  expect(b).toEqual(a);
});
