/**
 * The `metaclip` command: builds the program, runs it, and turns every outcome into one of the documented exit
 * statuses. Imported (and thereby run) by `bin/metaclip.cjs`.
 */

import { ModelLoadError, ProviderUnavailableError } from '@metaclip-batch/metaclip';
import { SearchError } from '@metaclip-batch/search';
import { addSettingOptions, ConfigError, resolveSettings } from '@metaclip-batch/settings';
import { createLogger, errorLine } from '@metaclip-batch/telemetry';
import { Command, CommanderError } from 'commander';
import { registerClassify } from './classify.ts';
import type { CliContext } from './context.ts';
import { registerConvert } from './convert.ts';
import { registerEmbed } from './embed.ts';
import { CLI_SETTINGS, EXIT, EXIT_HELP, UsageError } from './options.ts';
import { JsonLines } from './output.ts';
import { registerRunCommands } from './run-commands.ts';
import { registerSearch } from './search.ts';
import { registerSimilarity } from './similarity.ts';
import { registerTokenize } from './tokenize.ts';

/** Builds the program; commands record their exit status in `ctx`. */
export function buildProgram(ctx: CliContext): Command {
  const program = addSettingOptions(
    new Command('metaclip').description(
      'MetaCLIP on onnxruntime: zero-shot labels, embeddings, similarity, tokens, model conversion, and search,\n' +
        "near-duplicates and clusters over a run's embeddings.",
    ),
    CLI_SETTINGS,
  )
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', EXIT_HELP)
    .hook('preAction', (cmd) => {
      const { logLevel } = resolveSettings(CLI_SETTINGS, { flags: cmd.opts(), env: process.env });
      ctx.logger = createLogger({ name: 'metaclip', level: logLevel });
    });
  // Subcommands made with .command() inherit exitOverride and output settings from here.
  registerClassify(program, ctx);
  registerEmbed(program, ctx);
  registerSimilarity(program, ctx);
  registerTokenize(program, ctx);
  registerConvert(program, ctx);
  registerRunCommands(program, ctx);
  registerSearch(program, ctx);
  return program;
}

/** Runs the CLI on `argv` (as `process.argv`) and returns the exit status. */
export async function runCli(argv: string[]): Promise<number> {
  const ctx: CliContext = {
    out: new JsonLines(),
    logger: createLogger({ name: 'metaclip', level: 'info' }),
    exitCode: EXIT.OK,
  };
  try {
    await buildProgram(ctx).parseAsync(argv);
    return ctx.exitCode;
  } catch (err) {
    // Commander has already printed its own message (or the help, with exit code 0).
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    const { status, hint } = classifyError(err);
    process.stderr.write(errorLine('metaclip', `${(err as Error).message ?? String(err)}${hint}`));
    if (status === EXIT.INTERNAL) ctx.logger.error({ err }, 'unexpected error');
    return status;
  }
}

function classifyError(err: unknown): { status: number; hint: string } {
  if (err instanceof UsageError || err instanceof ConfigError)
    return { status: EXIT.USAGE, hint: ' (add --help for usage)' };
  if (err instanceof ModelLoadError) return { status: EXIT.MODEL, hint: '' };
  if (err instanceof SearchError) {
    return err.code === 'BAD_ARGUMENT'
      ? { status: EXIT.USAGE, hint: ' (add --help for usage)' }
      : { status: EXIT.INPUT, hint: '' };
  }
  if (err instanceof ProviderUnavailableError) {
    return { status: EXIT.DEVICE, hint: ' (use --device cpu, or see docs/GPU.md for the GPU providers)' };
  }
  return { status: EXIT.INTERNAL, hint: '' };
}

process.exitCode = await runCli(process.argv);
