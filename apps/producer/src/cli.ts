import { JobsError, type RunState } from '@metaclip-batch/jobs';
import { addSettingOptions, envOnlyHelp, signalExitCode } from '@metaclip-batch/settings';
import { closeStorage } from '@metaclip-batch/storage';
import { createLogger, createMetrics, errorLine, type Logger, startMetricsServer } from '@metaclip-batch/telemetry';
import { Command, CommanderError } from 'commander';
import { addEnqueueOptions, ENQUEUE_EXAMPLES, write } from './cli-options.ts';
import { cancelRun } from './commands/cancel.ts';
import { followRun, runEnqueue } from './commands/enqueue.ts';
import { retryRun } from './commands/retry.ts';
import { defaultScheduleName, listSchedules, schedule, startScheduler, unschedule } from './commands/schedule.ts';
import { runsDocument, statusDocument, statusWithFailures } from './commands/status.ts';
import {
  ConfigError,
  type EnqueueFlags,
  type Env,
  EXIT_CONFIG,
  loadEnqueueOptions,
  loadEnv,
  PRODUCER_SETTINGS,
} from './config.ts';
import { type Context, isCommandTimeout, openContext, RedisTimeoutError } from './context.ts';
import { describeRun, formatTime, runsTable } from './format.ts';
import { ManifestFormatError } from './manifest-file.ts';
import { createProgressView } from './progress.ts';

/** Where a CLI invocation reads and writes; the bin passes the process's, tests their own. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** Whether stderr is a terminal (progress bar instead of log lines). */
  tty: boolean;
  /** Settles when the long-running `scheduler` should stop (SIGINT/SIGTERM). */
  stopSignal?: Promise<NodeJS.Signals>;
}

/** Exit code of a run that failed or was cancelled, or of any other runtime failure. */
export const EXIT_FAILED = 1;

/** How long a stopped command may take to leave its run in order (mark an interrupted listing) before it exits. */
const STOP_GRACE_MS = 3000;

/** The command was stopped by SIGINT or SIGTERM. */
class InterruptedError extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
    this.name = 'InterruptedError';
  }
}

/**
 * Run the `metaclip-producer` command line. Returns the exit code: 0 success, 1 a failed or cancelled run (or another
 * runtime failure), 2 bad usage or configuration (bad flag, bad environment, Redis unreachable).
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode = 0;
  let log: Logger | null = null;
  const contexts: Context[] = [];
  // Environment and Redis are checked when a command runs, so `--help` works anywhere.
  const setup = async (): Promise<Context> => {
    const env: Env = loadEnv(io.env, program.opts());
    log = createLogger({ name: 'producer', level: env.logLevel, destination: io.stderr });
    const ctx = await openContext(env, log);
    contexts.push(ctx);
    return ctx;
  };
  const printJson = (value: unknown) => write(io.stdout, JSON.stringify(value, null, 2));
  // SIGINT/SIGTERM stop any command: sleeps and listings see `stop.signal` at once; whatever is still busy after the
  // grace period (a command against a hung Redis) is abandoned.
  const stop = new AbortController();
  const stopped = new Promise<never>((_, reject) => {
    void io.stopSignal?.then((signal) => {
      stop.abort(new InterruptedError(signal));
      setTimeout(() => reject(stop.signal.reason), STOP_GRACE_MS).unref();
    });
  });
  stopped.catch(() => undefined);

  const program = new Command('metaclip-producer')
    .description('List images, enqueue MetaCLIP shard jobs on BullMQ, and follow, retry, cancel or schedule runs.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', envOnlyHelp(PRODUCER_SETTINGS));
  addSettingOptions(program, PRODUCER_SETTINGS);

  addEnqueueOptions(program.command('enqueue').description('list a source and enqueue its shards as one run'))
    .option('--wait', 'follow the run to its end; exit 1 if any shard failed')
    .option(
      '--wait-timeout <seconds>',
      'with --wait: give up (exit 1, the run stays queued) when no worker has taken a shard for this long (default 300)',
    )
    .option('--json', 'print the outcome as JSON on stdout')
    .addHelpText('after', ENQUEUE_EXAMPLES)
    .action(async (flags: EnqueueFlags & { json?: boolean }) => {
      const options = await loadEnqueueOptions(flags);
      const ctx = await setup();
      const progress = createProgressView({ tty: io.tty, stream: io.stderr, log: ctx.log });
      const result = await runEnqueue(ctx, options, {
        progress,
        pollMs: ctx.env.pollMs,
        storage: { env: io.env },
        signal: stop.signal,
      });
      const { state, ...outcome } = result;
      if (flags.json && !options.wait) printJson({ ...outcome, status: state.status });
      else if (!flags.json) {
        write(
          io.stdout,
          result.mode === 'existing'
            ? `run ${result.runId} was already enqueued (status ${state.status}): nothing added`
            : `run ${result.runId}: ${result.added} jobs added (${result.shards} shards, ${result.selected} of ${result.listed} objects)`,
        );
      }
      if (!options.wait) return;
      const followed = await followRun(ctx.store, result.runId, {
        pollMs: ctx.env.pollMs,
        onUpdate: (s) => progress.run(s),
        waitTimeoutMs: options.waitTimeout * 1000,
        queue: ctx.queue(state.queue),
        signal: stop.signal,
      }).finally(() => progress.stop());
      const { state: final, failedShards } = await statusWithFailures(ctx, followed.runId);
      if (flags.json) printJson({ ...outcome, status: final.status, state: final, failedShards });
      else write(io.stdout, describeRun(final, Date.now(), failedShards));
      exitCode = final.status === 'completed' ? 0 : EXIT_FAILED;
    });

  program
    .command('status')
    .description('show how a run is going: shards done and failed, rate, ETA')
    .argument('<run>', 'run id')
    .option('--json', 'print JSON (state, progress, failed shards, error samples)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ metaclip-producer status photos-2024-20240506-1a2b3c4d\n  $ metaclip-producer status my-run --json | jq .progress',
    )
    .action(async (runId: string, flags: { json?: boolean }) => {
      const ctx = await setup();
      if (flags.json) printJson(await statusDocument(ctx, runId));
      else {
        const { state, failedShards } = await statusWithFailures(ctx, runId);
        write(io.stdout, describeRun(state, Date.now(), failedShards));
      }
    });

  program
    .command('runs')
    .description('list runs, newest first')
    .option('--limit <n>', 'how many runs', '20')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  $ metaclip-producer runs\n  $ metaclip-producer runs --limit 100 --json')
    .action(async (flags: { limit: string; json?: boolean }) => {
      const limit = Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw new ConfigError([`--limit: must be a positive integer (got "${flags.limit}")`]);
      const ctx = await setup();
      const runs = await runsDocument(ctx, limit);
      if (flags.json) printJson(runs);
      else write(io.stdout, runs.length === 0 ? 'no runs yet' : runsTable(runs as RunState[], Date.now()));
    });

  program
    .command('retry')
    .description('retry the failed shards of a run')
    .argument('<run>', 'run id')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  $ metaclip-producer retry photos-2024-20240506-1a2b3c4d')
    .action(async (runId: string, flags: { json?: boolean }) => {
      const ctx = await setup();
      const outcome = await retryRun(ctx, runId);
      if (flags.json) printJson(outcome);
      else {
        write(
          io.stdout,
          `run ${runId}: ${outcome.retried.length} shards retried, ${outcome.recreated.length} re-created, ` +
            `${outcome.pending.length} already queued, ${outcome.lost.length} cannot be retried`,
        );
      }
      if (outcome.lost.length > 0) {
        write(
          io.stderr,
          `shards ${outcome.lost.join(', ')}: their jobs are gone and no URIs were recorded; enqueue them again under a new run id`,
        );
        exitCode = EXIT_FAILED;
      }
    });

  program
    .command('cancel')
    .description('cancel a run: remove its queued jobs and mark it cancelled (running shards finish)')
    .argument('<run>', 'run id')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  $ metaclip-producer cancel photos-2024-20240506-1a2b3c4d')
    .action(async (runId: string, flags: { json?: boolean }) => {
      const ctx = await setup();
      const outcome = await cancelRun(ctx, runId);
      if (flags.json) printJson(outcome);
      else write(io.stdout, `run ${runId} cancelled: ${outcome.removed} queued jobs removed`);
    });

  addEnqueueOptions(
    program
      .command('schedule')
      .description('run an incremental enqueue on a cron schedule (needs `scheduler` running)'),
  )
    .requiredOption('--cron <pattern>', 'cron pattern, e.g. "0 2 * * *" (02:00 every day)')
    .option('--tz <zone>', 'time zone of the pattern, e.g. Europe/Paris (default UTC)')
    .option('--name <name>', 'schedule name (default: derived from source, model and output)')
    .addHelpText(
      'after',
      '\nExamples:\n  $ metaclip-producer schedule --cron "0 2 * * *" --source s3://photos/ --output s3://emb/ \\\n      --model facebook/metaclip-b16-fullcc2.5b --labels-file labels.txt\n  $ metaclip-producer scheduler   # the consumer that turns each firing into a run',
    )
    .action(async (flags: EnqueueFlags & { cron: string; tz?: string; name?: string }) => {
      const options = await loadEnqueueOptions(flags);
      const ctx = await setup();
      const name = flags.name ?? defaultScheduleName(options);
      const registered = await schedule(ctx, {
        name,
        cron: flags.cron,
        ...(flags.tz ? { tz: flags.tz } : {}),
        options,
      });
      write(
        io.stdout,
        `schedule ${name} registered: "${flags.cron}"${flags.tz ? ` (${flags.tz})` : ''}, next ${formatTime(registered.next)}`,
      );
    });

  program
    .command('unschedule')
    .description('remove a schedule')
    .argument('<name>', 'schedule name (see `schedules`)')
    .addHelpText('after', '\nExamples:\n  $ metaclip-producer unschedule photos-1a2b3c4d')
    .action(async (name: string) => {
      const ctx = await setup();
      if (await unschedule(ctx, name)) write(io.stdout, `schedule ${name} removed`);
      else {
        write(io.stderr, `no schedule named ${name}; \`metaclip-producer schedules\` lists them`);
        exitCode = EXIT_FAILED;
      }
    });

  program
    .command('schedules')
    .description('list schedules')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  $ metaclip-producer schedules --json')
    .action(async (flags: { json?: boolean }) => {
      const ctx = await setup();
      const all = await listSchedules(ctx);
      if (flags.json) printJson(all);
      else if (all.length === 0) write(io.stdout, 'no schedules');
      else {
        for (const s of all) {
          const o = s.template?.data?.options;
          write(
            io.stdout,
            `${s.key}  "${s.pattern}"${s.tz ? ` ${s.tz}` : ''}  next ${formatTime(s.next)}  ${o?.source ?? '?'} -> ${o?.output ?? '?'}`,
          );
        }
      }
    });

  program
    .command('scheduler')
    .description('long-running: turn each firing of a schedule into an incremental enqueue')
    .addHelpText('after', '\nExamples:\n  $ METACLIP_METRICS_PORT=9465 metaclip-producer scheduler')
    .action(async () => {
      const ctx = await setup();
      const metrics = createMetrics({ app: 'producer' });
      const scheduler = await startScheduler(ctx, { metrics, storage: { env: io.env } });
      const server =
        ctx.env.metricsPort === undefined
          ? null
          : await startMetricsServer({
              port: ctx.env.metricsPort,
              registry: metrics.registry,
              ready: () => scheduler.worker.isRunning(),
            });
      ctx.log.info({ queue: ctx.env.controlQueue, metricsPort: server?.port }, 'scheduler running');
      const signal = await (io.stopSignal ?? new Promise<never>(() => {}));
      ctx.log.info({ signal }, 'scheduler stopping');
      await scheduler.close();
      await server?.close();
      exitCode = signalExitCode(signal);
    });

  try {
    await Promise.race([program.parseAsync([...argv], { from: 'user' }), stopped]);
    return exitCode;
  } catch (thrown) {
    // Whatever a stopped command threw on its way out (an aborted sleep, say), it was stopped.
    const err = stop.signal.aborted ? stop.signal.reason : isCommandTimeout(thrown) ? redisTimeout(io) : thrown;
    if (err instanceof InterruptedError) {
      write(io.stderr, `metaclip-producer: ${err.message}; runs are left as they are (\`status <run>\` shows one)`);
      return signalExitCode(err.signal);
    }
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_CONFIG;
    if (err instanceof ConfigError) {
      io.stderr.write(errorLine('metaclip-producer', err));
      return EXIT_CONFIG;
    }
    if (!(err instanceof JobsError || err instanceof ManifestFormatError || err instanceof RedisTimeoutError)) {
      (log as Logger | null)?.error({ err }, 'failed');
    }
    io.stderr.write(errorLine('metaclip-producer', err));
    return EXIT_FAILED;
  } finally {
    await Promise.all(contexts.map((c) => c.close()));
    closeStorage();
  }
}

function redisTimeout(io: CliIo): RedisTimeoutError {
  return new RedisTimeoutError(io.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
}
