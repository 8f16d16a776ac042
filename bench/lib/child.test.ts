import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runJsonScript, SubBenchmarkError } from './child';
import { REPO_ROOT } from './workload';

const dir = mkdtempSync(path.join(tmpdir(), 'bench-child-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function script(name: string, body: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, body);
  return file;
}

/** Whether a process runs: gone, or a zombie waiting for its reparented parent to reap it, both count as stopped. */
function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

const opts = { cwd: REPO_ROOT, timeoutMs: 30_000, label: 'test' };

describe('runJsonScript', () => {
  it('returns the last stdout line parsed, with the arguments passed through', async () => {
    const file = script(
      'ok.mjs',
      `console.log('a table line'); console.error('progress'); console.log(JSON.stringify({ args: process.argv.slice(2) }));`,
    );
    await expect(runJsonScript(file, ['--n', '3'], opts)).resolves.toEqual({ args: ['--n', '3'] });
  });

  it('fails with the stderr tail when the script exits non-zero', async () => {
    const file = script('fail.mjs', `console.error('boom: no Redis'); process.exit(3);`);
    const err = await runJsonScript(file, [], opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SubBenchmarkError);
    expect((err as SubBenchmarkError).message).toMatch(/exited with 3/);
    expect((err as SubBenchmarkError).stderrTail).toContain('boom: no Redis');
  });

  it('fails when the last line is not a JSON object', async () => {
    const file = script('nojson.mjs', `console.log('{"a":1}'); console.log('done');`);
    await expect(runJsonScript(file, [], opts)).rejects.toThrow(/not JSON/);
  });

  it('stops a script that runs past its limit, children included', async () => {
    const file = script(
      'hang.mjs',
      `import { spawn } from 'node:child_process';
       const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'inherit' });
       console.error('child ' + c.pid);
       setInterval(() => {}, 1000);`,
    );
    // Long enough for tsx to start the script and its child on a loaded machine before the limit strikes.
    const err = await runJsonScript(file, [], { ...opts, timeoutMs: 8000 }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/timed out after 8000 ms/);
    const childPid = Number(/child (\d+)/.exec((err as SubBenchmarkError).stderrTail)?.[1]);
    expect(childPid).toBeGreaterThan(0);
    expect(alive(childPid)).toBe(false);
  });
});
