/**
 * What every measurement of a bench run gets, and the two helpers they share: running a script for one round and
 * reading its samples. The adapters in bench/lib/suites.ts, corpus-suites.ts and peer-suite.ts are where each
 * script's output format is known; nothing else in the bench depends on it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { runJsonScript } from './child';
import type { Corpus } from './corpus';
import type { CorpusFiles } from './corpus-build';
import type { BenchModel } from './model';
import type { BenchOptions } from './options';
import type { RoundResult } from './rounds';
import { REPO_ROOT } from './workload';

/** Settings later measurements take from the first round's raw sweep, fixed for the rest of the run. */
export interface Tuning {
  /** The raw sweep's best batch: the worker's largest batch and transformers.js's images per call. */
  batch: number;
  /** Raw img/s at that batch, when measured. */
  rawImgPerS: number | undefined;
}

/** What a measurement gets. */
export interface SuiteContext {
  opts: BenchOptions;
  model: BenchModel;
  tuning: Tuning;
  /** The run's corpora, built; `opts.corpora[0]`'s is the one run-wide measurements use. */
  corpora: Partial<Record<Corpus, CorpusFiles>>;
  /** 0 for the first round. */
  round: number;
  progress: (msg: string) => void;
}

/** One measurement for one round. */
export type SuiteRunner = (ctx: SuiteContext) => Promise<RoundResult>;

/** The corpus run-wide measurements use (the run's first). */
export function mainCorpus(ctx: SuiteContext): CorpusFiles {
  const name = ctx.opts.corpora[0];
  const c = name ? ctx.corpora[name] : undefined;
  if (!c) throw new Error('no corpus was prepared for this run');
  return c;
}

/**
 * Runs `script` (relative to the repo root) with the time limit of this run's size (or `timeoutMs`); `command` is
 * its interpreter (default this Node with tsx).
 */
export function runScript(
  ctx: SuiteContext,
  script: string,
  args: (string | number)[],
  label: string,
  extra: { command?: string[]; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<unknown> {
  if (!existsSync(path.join(REPO_ROOT, script))) throw new Error(`${script} is not there`);
  return runJsonScript(script, args.map(String), {
    cwd: REPO_ROOT,
    timeoutMs: (ctx.opts.quick ? 10 : 60) * 60_000,
    label,
    ...extra,
  });
}

/** Reads `key` of a sub-benchmark's JSON as a list of per-repeat numbers. */
export function samplesOf(json: unknown, key: string, script: string): number[] {
  const v = (json as Record<string, unknown>)[key];
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'number')) {
    throw new Error(`${script}: expected '${key}' to be a non-empty array of numbers, got ${JSON.stringify(v)}`);
  }
  return v;
}
