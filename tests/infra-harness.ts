import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { parseAllDocuments } from 'yaml';

/** Helpers of the deployment-file suite (tests/infra-files.test.ts): YAML loading, compose semantics, bins' help. */

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML is walked by the assertions; a missing path fails the test.
export type Doc = Record<string, any>;

/**
 * `--help` of a project bin, asked once: the flags the deployment files pass must be flags the programs take (their
 * help is their contract; their sources may move).
 */
const helps = new Map<string, Promise<string>>();
export function helpOf(bin: string, ...args: string[]): Promise<string> {
  const key = [bin, ...args].join(' ');
  let help = helps.get(key);
  if (!help) {
    help = promisify(execFile)(process.execPath, [path.join(root, bin), ...args, '--help'], { cwd: root }).then(
      (r) => r.stdout,
    );
    helps.set(key, help);
  }
  return help;
}
export const WORKER_BIN = 'apps/worker/bin/metaclip-worker.cjs';

/** The `--flags` of a command line. */
export function flagsOf(args: readonly string[]): string[] {
  return args.filter((a) => a.startsWith('--'));
}

/** Every flag in `flags` is listed in `help` (as an option line: two spaces, the flag, then a space or comma). */
export function expectFlagsIn(help: string, flags: readonly string[]): void {
  expect(flags.length).toBeGreaterThan(0);
  for (const flag of flags) expect(help, flag).toMatch(new RegExp(`^\\s+${flag}[ ,]`, 'm'));
}

/** Compose durations such as `75s` or `1m30s`, in seconds. */
export function parseDuration(value: string): number {
  const parts = [...value.matchAll(/(\d+)(h|m|s)/g)];
  expect(parts.length, value).toBeGreaterThan(0);
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * (unit === 'h' ? 3600 : unit === 'm' ? 60 : 1), 0);
}

/** Compose's `${VAR:-default}` / `${VAR}` interpolation with an empty environment: what a plain `up` sees. */
export function interpolate(value: string): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}/g, (_m, _name, fallback?: string) => fallback ?? '');
}

/** Every YAML file under `dir`, recursively. */
export function walkYaml(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return walkYaml(full);
    return /\.ya?ml$/.test(name) ? [full] : [];
  });
}

/** The documents of a multi-document YAML file; a syntax error fails the test. */
export function loadManifests(file: string): Doc[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  for (const d of docs) expect(d.errors, `${file}: ${d.errors.join('; ')}`).toEqual([]);
  return docs.map((d) => d.toJS() as Doc).filter((d) => d !== null);
}
