/**
 * `metaclip-worker launch` as a process. This machine has no GPU, so its children (given `--device cuda:i`) cannot
 * load the model: that exercises the supervision rule that matters most, a child that dies is logged, not restarted,
 * and the launcher exits non-zero once every child is gone. Signal forwarding needs GPUs to keep children alive.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../scripts/lib/local-run';

const tinyModelDir = inject('sharedFixtures').tinyClip;

const BIN = path.join(repoRoot, 'apps/worker/bin/metaclip-worker.cjs');

async function launch(args: string[], env: Record<string, string>) {
  const proc = spawn(process.execPath, [BIN, 'launch', ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  proc.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const [code] = await once(proc, 'exit');
  return { code: code as number, output };
}

describe('metaclip-worker launch', () => {
  it('starts one worker per selected GPU, restarts none, and exits non-zero when they are all gone', async () => {
    const { code, output } = await launch(
      ['--gpus', 'all', '--model', tinyModelDir, '--queue', `worker-launch-${process.pid}`, '--metrics-port', '-1'],
      { CUDA_VISIBLE_DEVICES: '0,1' },
    );
    expect(code).toBe(1);
    const started = output.split('\n').filter((l) => l.includes('"msg":"worker started"'));
    expect(started.map((l) => JSON.parse(l).gpu).sort()).toEqual([0, 1]);
    expect(started.every((l) => l.includes('"--device","cuda:') && l.includes('--metrics-port'))).toBe(true);
    expect(output.split('\n').filter((l) => l.includes('not restarting it'))).toHaveLength(2);
  });

  it('refuses GPUs that are not visible before starting anything', async () => {
    const { code, output } = await launch(['--gpus', '3', '--model', tinyModelDir], { CUDA_VISIBLE_DEVICES: '0' });
    expect(code).toBe(2);
    expect(output).toContain('not among the 1 visible GPU(s)');
    expect(output).not.toContain('worker started');
  });
});
