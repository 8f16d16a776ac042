import { ConfigError, EXIT_CONFIG, signalExitCode } from '@metaclip-batch/settings';
import { createLogger, errorLine } from '@metaclip-batch/telemetry';
import { buildCli } from './cli.ts';
import { type DashboardConfig, describeConfig, hasCredentials, isLoopback, resolveConfig } from './config.ts';

/** Settings, or the exit code after telling the person what is wrong. */
function configOrExit(flags: Parameters<typeof resolveConfig>[0]): DashboardConfig | null {
  try {
    return resolveConfig(flags, process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(errorLine('metaclip-dashboard', err));
    process.exitCode = EXIT_CONFIG;
    return null;
  }
}

const program = buildCli(async (flags) => {
  const config = configOrExit(flags);
  if (!config) return;
  const logger = createLogger({ name: 'dashboard', level: config.logLevel });
  if (!isLoopback(config.host) && !hasCredentials(config.auth)) {
    logger.warn(
      { host: config.host, publishedHost: config.publishedHost },
      'no credentials: relying on the container port being published on loopback only',
    );
  }
  // Loaded only once the settings are valid: a refused start answers at once instead of after loading Bull Board.
  const { startDashboard } = await import('./dashboard.ts');
  const dashboard = await startDashboard(config, logger);
  logger.info({ url: dashboard.url, config: describeConfig(config) }, 'dashboard listening');

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    dashboard.close().then(
      () => process.exit(signalExitCode(signal)),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
});

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.stderr.write(errorLine('metaclip-dashboard', err));
  process.exit(1);
}
