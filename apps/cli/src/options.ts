/**
 * What every `metaclip` command shares: the model flags and how they become a loaded model, number parsing,
 * exit codes and help text. Commands stay thin: parse, call the library, print.
 */

import { ProjectError } from '@metaclip-batch/errors';
import type { MetaClipModel } from '@metaclip-batch/metaclip';
import { loadModel, MODEL_DTYPES } from '@metaclip-batch/metaclip';
import {
  addSettingOptions,
  defineSettings,
  logLevelSchema,
  MODEL_REF_SETTINGS,
  resolveSettings,
  type SettingsValues,
} from '@metaclip-batch/settings';
import type { Logger } from '@metaclip-batch/telemetry';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { z } from 'zod';

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
or the token \`hf auth login\` saved ($HF_TOKEN_PATH, $HF_HOME/token) authenticates; HF_HUB_ETAG_TIMEOUT and
HF_HUB_DOWNLOAD_TIMEOUT (seconds, default 10) bound each request; HF_HUB_OFFLINE=1 uses the cache only.`;

/** A user mistake found after parsing (exit status 2). */
export class UsageError extends ProjectError {
  readonly code = 'USAGE';
  readonly retryable = false;
}

/** Settings every command shares: the stderr log level. */
export const CLI_SETTINGS = defineSettings({
  logLevel: {
    flag: '--log-level <level>',
    env: 'LOG_LEVEL',
    default: 'info',
    schema: logLevelSchema,
    help: 'stderr log level',
  },
});

/** The model settings of every command that runs the model or its tokenizer. */
export const MODEL_SETTINGS = defineSettings({
  ...MODEL_REF_SETTINGS,
  revision: {
    flag: '--revision <rev>',
    env: 'METACLIP_REVISION',
    schema: z.string().min(1).optional(),
    help: 'hub branch, tag or commit (overrides @revision)',
  },
  threads: {
    flag: '--threads <n>',
    env: 'METACLIP_THREADS',
    defaultHelp: 'all cores',
    schema: z.coerce.number().int().min(1).optional(),
    help: 'onnxruntime intra-op threads',
  },
  dtype: {
    flag: '--dtype <dtype>',
    env: 'METACLIP_DTYPE',
    default: 'fp32',
    schema: z.enum(MODEL_DTYPES, { error: `use one of ${MODEL_DTYPES.join(', ')}` }),
    help: "compute precision; int8 (quantised vision MatMul weights) on a CPU; uint8, q8, q4, q4f16, bnb4 pick a transformers.js folder's files",
  },
  cacheDir: {
    flag: '--cache-dir <dir>',
    env: 'METACLIP_CACHE',
    defaultHelp: '$XDG_CACHE_HOME/metaclip-batch or ~/.cache/metaclip-batch',
    schema: z.string().min(1).optional(),
    help: 'cache of converted models',
  },
});

/** Validated model settings. */
export type ModelSettings = SettingsValues<typeof MODEL_SETTINGS>;

/** Flags of {@link addModelOptions}, as commander hands them over (validated by {@link modelSettings}). */
export type ModelFlags = Record<string, unknown>;

/** Adds the model flags to a command. */
export function addModelOptions(cmd: Command): Command {
  return addSettingOptions(cmd, MODEL_SETTINGS);
}

/**
 * The model settings from the flags, else their environment variables, else the defaults.
 *
 * @throws ConfigError naming each bad setting (exit status 2).
 */
export function modelSettings(flags: ModelFlags, env: NodeJS.ProcessEnv = process.env): ModelSettings {
  return resolveSettings(MODEL_SETTINGS, { flags, env });
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
  const settings = modelSettings(flags);
  return loadModel(settings.model, {
    device: settings.device,
    dtype: settings.dtype,
    intraOpThreads: settings.threads,
    revision: settings.revision,
    cacheDir: settings.cacheDir,
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
