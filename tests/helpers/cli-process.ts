import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { repoRoot } from '../../scripts/lib/local-run';

/** The `metaclip` and `metaclip-producer` bins, run as a user runs them. */
export const METACLIP_BIN = path.join(repoRoot, 'apps/cli/bin/metaclip.cjs');
export const PRODUCER_BIN = path.join(repoRoot, 'apps/producer/bin/metaclip-producer.js');

/** What a finished command said. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout's JSON lines, parsed. */
  lines: Record<string, unknown>[];
}

/** Runs `node <bin> ...args` to completion with `env` added to this process's environment. */
export async function runBin(bin: string, args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  const lines = stdout
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { code, stdout, stderr, lines };
}
