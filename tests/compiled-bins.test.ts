/**
 * The bins as a production install runs them: compiled JavaScript, no TypeScript and no tsx. Each workspace is
 * copied without its sources (package.json, bin/, dist/, assets) beside a node_modules holding every dependency but
 * tsx, and the commands run from that copy.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');
const { tinyClip: tiny, images, golden: goldenDir } = inject('sharedFixtures');
const astronaut = path.join(images, 'astronaut.jpg');
type Scored = { label: string; score: number }[];
const golden = JSON.parse(readFileSync(path.join(goldenDir, 'tiny_clip.json'), 'utf8')) as {
  labels: string[];
  pipeline: Record<string, Scored>;
};

let copy: string;

/** A copy of the tree as `npm ci --omit=dev` plus the build leave it, minus every .ts file and tsx. */
async function compiledCopy(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'metaclip-compiled-'));
  await cp(path.join(root, 'package.json'), path.join(dir, 'package.json'));
  await mkdir(path.join(dir, 'node_modules/@metaclip-batch'), { recursive: true });
  for (const group of ['apps', 'libs']) {
    for (const name of await readdir(path.join(root, group))) {
      const from = path.join(root, group, name);
      const to = path.join(dir, group, name);
      await cp(from, to, {
        recursive: true,
        filter: (file) => !['src', 'node_modules'].includes(path.basename(file)) && !file.endsWith('.ts'),
      });
      const manifest = JSON.parse(readFileSync(path.join(from, 'package.json'), 'utf8')) as { name: string };
      await symlink(to, path.join(dir, 'node_modules', manifest.name));
      // Workspace-local dependencies (another commander, say) stay as npm placed them.
      const own = path.join(from, 'node_modules');
      if (existsSync(own)) await symlink(own, path.join(to, 'node_modules'));
    }
  }
  for (const entry of await readdir(path.join(root, 'node_modules'))) {
    if (['tsx', '.bin', '@metaclip-batch', '.package-lock.json'].includes(entry)) continue;
    await symlink(path.join(root, 'node_modules', entry), path.join(dir, 'node_modules', entry));
  }
  return dir;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node <file> ...args` in the copy. */
function node(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      {
        cwd: copy,
        timeout: 180_000,
        env: { ...process.env, METACLIP_CACHE: path.join(copy, 'cache'), HF_HUB_OFFLINE: '1' },
      },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  copy = await compiledCopy();
});
afterAll(() => rm(copy, { recursive: true, force: true }));

describe('the compiled bins, without TypeScript or tsx', () => {
  it('has neither in the copy', () => {
    const resolve = createRequire(path.join(copy, 'apps/cli/bin/metaclip.cjs')).resolve;
    expect(() => resolve('tsx')).toThrow(/Cannot find module/);
    expect(() => resolve('@metaclip-batch/metaclip/bin/run-entry.cjs')).not.toThrow();
  });

  it('start and print their help', async () => {
    const bins = {
      metaclip: 'apps/cli/bin/metaclip.cjs',
      'metaclip-producer': 'apps/producer/bin/metaclip-producer.js',
      'metaclip-worker': 'apps/worker/bin/metaclip-worker.cjs',
      'metaclip-dashboard': 'apps/dashboard/bin/metaclip-dashboard.js',
    };
    const runs = await Promise.all(Object.values(bins).map((bin) => node([bin, '--help'])));
    Object.keys(bins).forEach((name, i) => {
      expect(runs[i]?.stderr).toBe('');
      expect(runs[i]?.code).toBe(0);
      expect(runs[i]?.stdout).toContain(`Usage: ${name}`);
    });
  });

  it('metaclip classify converts the tiny model and scores an image as the pipeline does', async () => {
    const run = await node([
      'apps/cli/bin/metaclip.cjs',
      'classify',
      '--model',
      tiny,
      '--labels',
      golden.labels.join(','),
      astronaut,
    ]);
    expect(run.code, run.stderr).toBe(0);
    const line = JSON.parse(run.stdout.trim()) as { image: string; labels: Scored };
    expect(line.image).toBe(astronaut);
    const expected = golden.pipeline['astronaut.jpg'] as Scored;
    expect(line.labels.map((s) => s.label)).toEqual(expected.map((s) => s.label));
    for (const [k, s] of line.labels.entries())
      expect(Math.abs(s.score - (expected[k]?.score ?? 0))).toBeLessThan(0.01);
  });

  it('runs the compiled thread modules: preprocessing on a thread matches the main thread', async () => {
    const script = `
      import { readFile } from 'node:fs/promises';
      import { DEFAULT_IMAGE_LIMITS, ImageProcessor } from '@metaclip-batch/metaclip/image';
      import { PreprocessThreads } from '@metaclip-batch/metaclip/threads';
      const bytes = await readFile(${JSON.stringify(astronaut)});
      const bytesPerImage = 3 * 1024 * 1024;
      const arena = new SharedArrayBuffer(bytesPerImage);
      const threads = await PreprocessThreads.start({ modelDir: ${JSON.stringify(tiny)}, limits: DEFAULT_IMAGE_LIMITS, arena, threads: 1 });
      const onThread = await threads.preprocessRgb(bytes, new Uint8Array(arena), 0);
      await threads.close();
      const here = new Uint8Array(bytesPerImage);
      const processor = await ImageProcessor.fromDir(${JSON.stringify(tiny)});
      // The thread took the first buffer.
      const onMain = await processor.preprocessRgb(await readFile(${JSON.stringify(astronaut)}), here, 0);
      const same = new Uint8Array(arena).every((v, i) => v === here[i]);
      console.log(JSON.stringify({ onThread, onMain, same, nonzero: here.some((v) => v !== 0) }));
    `;
    const run = await node(['--input-type=module', '-e', script]);
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout.trim()) as Record<string, unknown>;
    expect(result).toEqual({ onThread: result.onMain, onMain: expect.any(Object), same: true, nonzero: true });
  });
});
