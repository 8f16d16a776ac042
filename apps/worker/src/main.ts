/**
 * `metaclip-worker` entry point: parse, validate, start, and stop gracefully on SIGTERM/SIGINT.
 */
import { ConfigError, EXIT_CONFIG, signalExitCode } from '@metaclip-batch/settings';
import { createLogger, errorLine, type Logger } from '@metaclip-batch/telemetry';
import { buildCli } from './cli.ts';
import { resolveConfig } from './config.ts';
import { LaunchError, launchWorkers } from './launcher.ts';
import { type RunningWorker, startWorker } from './worker.ts';

const log = createLogger({ name: 'worker' });

/**
 * The first SIGTERM/SIGINT closes the worker (in-flight shards finish) and exits 143/130 (128 + the signal, the
 * convention for "stopped as asked"); if that takes longer than the grace period, or a second signal comes, it exits
 * 1 at once and the unfinished shards return to the queue through stalled-job recovery. Installed before start-up:
 * the worker may take shards before it says it is ready, and a signal then must still let them finish.
 */
function exitOnSignal(starting: Promise<RunningWorker>, graceMs: number, logger: Logger): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal; exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal, graceMs }, 'stopping: finishing shards in flight');
    setTimeout(() => {
      logger.error({ graceMs }, 'grace period over; exiting with shards unfinished (they will be redelivered)');
      process.exit(1);
    }, graceMs).unref();
    starting
      .then((running) => running.close())
      .then(
        () => {
          logger.info('worker stopped');
          process.exit(signalExitCode(signal));
        },
        (err: unknown) => {
          logger.error({ err }, 'error while stopping');
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

const cli = buildCli({
  async run(flags) {
    const config = resolveConfig(flags, process.env);
    const starting = startWorker(config, log);
    exitOnSignal(starting, config.graceMs, log);
    await starting;
  },
  async launch(gpus, flags) {
    process.exitCode = await launchWorkers(gpus, flags, log);
  },
});

try {
  await cli.parseAsync(process.argv);
} catch (err) {
  if (err instanceof ConfigError || err instanceof LaunchError) {
    process.stderr.write(errorLine('metaclip-worker', err));
    process.exit(EXIT_CONFIG);
  }
  log.fatal({ err }, 'worker failed to start');
  process.exit(1);
}
