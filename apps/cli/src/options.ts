/**
 * What every `metaclip` command shares: the model flags and how they become a loaded model, number parsing,
 * the stderr logger, exit codes and help text. Commands stay thin: parse, call the library, print.
 */

import type { MetaClipModel } from '@metaclip-batch/metaclip';
import { loadModel } from '@metaclip-batch/metaclip';
import { type Command, InvalidArgumentError, Option } from 'commander';
import pino, { type Logger } from 'pino';

/** Exit statuses, documented in every command's help. */
export const EXIT = {
  /** Everything worked. */
  OK: 0,
  /** Output is complete but some inputs failed (each has an `"error"` line on stdout). */
  PARTIAL: 1,
  /** Bad flags or arguments. */
  USAGE: 2,
  /** The model could not be found, fetched or loaded. */
  MODEL: 3,
  /** The requested device or execution provider is not available here. */
  DEVICE: 4,
  /** Anything else (a bug: please report it with the stderr output). */
  INTERNAL: 5,
  /** A run, index or query that cannot be used (missing, empty, another model's, not an image). */
  INPUT: 6,
} as const;

/** Help text shared by every command. */
export const EXIT_HELP = `
Output: one JSON object per line on stdout; logs and progress go to stderr.

Exit status:
  ${EXIT.OK}  success
  ${EXIT.PARTIAL}  finished, but some inputs failed (see their "error" lines)
  ${EXIT.USAGE}  bad flags or arguments
  ${EXIT.MODEL}  the model could not be found, downloaded or loaded
  ${EXIT.DEVICE}  the requested device is not available
  ${EXIT.INTERNAL}  unexpected error
  ${EXIT.INPUT}  a run, index or query that cannot be used (missing, empty, another model's, not an image)

Models (--model): a Hugging Face model folder (config.json + model.safetensors), an ONNX folder in
transformers.js layout, or a hub id such as facebook/metaclip-b16-fullcc2.5b[@revision]. Hub downloads go to
the Hugging Face cache ($HF_HUB_CACHE, $HF_HOME/hub or ~/.cache/huggingface/hub) from $HF_ENDPOINT; $HF_TOKEN
authenticates; HF_HUB_OFFLINE=1 uses the cache only.`;

/** A user mistake found after parsing (exit status 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Flags of {@link addModelOptions}, as commander hands them over. */
export interface ModelFlags {
  model: string;
  device: string;
  threads?: number;
  dtype: 'fp32' | 'fp16';
  revision?: string;
  cacheDir?: string;
}

/** Adds the model flags to a command. `required: false` for commands where another flag can stand in for it. */
export function addModelOptions(cmd: Command, { required = true } = {}): Command {
  const model = new Option('--model <ref>', 'model folder, ONNX folder or hub id org/name[@revision]');
  if (required) model.makeOptionMandatory();
  return cmd
    .addOption(model)
    .addOption(new Option('--revision <rev>', 'hub branch, tag or commit (overrides @revision)'))
    .addOption(new Option('--device <device>', 'cpu, cuda, cuda:N or webgpu').default('cpu'))
    .addOption(new Option('--threads <n>', 'onnxruntime intra-op threads (default: all cores)').argParser(positiveInt))
    .addOption(new Option('--dtype <dtype>', 'compute precision').choices(['fp32', 'fp16']).default('fp32'))
    .addOption(
      new Option('--cache-dir <dir>', 'cache of converted models (default $METACLIP_CACHE or ~/.cache/metaclip-batch)'),
    );
}

/** Adds `--batch-size`. */
export function addBatchOption(cmd: Command): Command {
  return cmd.addOption(
    new Option('--batch-size <n>', 'images decoded and run through the model together')
      .argParser(positiveInt)
      .default(32),
  );
}

/** Loads the model the flags name. */
export function openModel(flags: ModelFlags, logger: Logger): Promise<MetaClipModel> {
  return loadModel(flags.model, {
    device: flags.device,
    dtype: flags.dtype,
    intraOpThreads: flags.threads,
    revision: flags.revision,
    cacheDir: flags.cacheDir,
    logger,
  });
}

/** Commander argument parser for a positive integer. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer.');
  return n;
}

/** Commander argument parser that collects a repeatable option into a list. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A pino logger writing JSON lines to stderr, so stdout carries results only. */
export function stderrLogger(level: string): Logger {
  return pino({ level, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
}

/** Formats the `Examples:` section of a command's help. */
export function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n${EXIT_HELP}`;
}

/** Splits `items` into consecutive chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
