import { Command, Option } from 'commander';
import { type DashboardFlags, DEFAULTS } from './config';

const EXAMPLES = `
Environment:
  REDIS_URL                 Redis holding the queues and run state (default ${DEFAULTS.redisUrl})
  DASHBOARD_TOKEN           bearer token (at least 16 characters): "Authorization: Bearer <token>"
  DASHBOARD_USER            basic-auth user name (with DASHBOARD_PASSWORD, at least 12 characters)
  DASHBOARD_PASSWORD
  DASHBOARD_PUBLISHED_HOST  same as --published-host
  METACLIP_PREFIX           same as --key-prefix (the producer reads it too)
  LOG_LEVEL                 fatal | error | warn | info (default) | debug | trace

Without credentials the dashboard listens on loopback only; a public --host needs a token or a user and password.

Examples:
  # Local: runs page at http://127.0.0.1:3000/, Bull Board at /queues
  metaclip-dashboard

  # Another Redis, a queue no run has named yet, another port
  REDIS_URL=redis://redis.internal:6379 metaclip-dashboard --queue metaclip --port 8080

  # Reachable from other machines, behind basic auth
  DASHBOARD_USER=ops DASHBOARD_PASSWORD='long-random-passphrase' metaclip-dashboard --host 0.0.0.0

  # In a container whose port is published only on the host's loopback (docker -p 127.0.0.1:3000:3000)
  metaclip-dashboard --host 0.0.0.0 --published-host 127.0.0.1
`;

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The `metaclip-dashboard` command line; `action` receives the raw flags for {@link resolveConfig}. */
export function buildCli(action: (flags: DashboardFlags) => Promise<void>): Command {
  return new Command('metaclip-dashboard')
    .description('Runs page, JSON API and Bull Board for metaclip-batch queues.')
    .addOption(new Option('--host <address>', 'address to listen on').default(DEFAULTS.host))
    .addOption(new Option('--port <number>', 'port to listen on (0: any free port)').default(DEFAULTS.port))
    .option('--redis-url <url>', 'Redis URL (overrides REDIS_URL)')
    .addOption(
      new Option('--key-prefix <prefix>', 'Redis key prefix of the run store (as producer and workers use)').default(
        DEFAULTS.keyPrefix,
      ),
    )
    .option('--queue <name>', 'also show this queue in Bull Board (repeatable)', collect)
    .addOption(
      new Option('--discover-interval <seconds>', 'how often to look for new queues in runs').default(
        DEFAULTS.discoverInterval,
      ),
    )
    .addOption(new Option('--runs <count>', 'how many of the newest runs to show').default(DEFAULTS.runs))
    .option(
      '--published-host <address>',
      'in a container: the host address its port is published on; loopback lets --host 0.0.0.0 run without credentials',
    )
    .addHelpText('after', EXAMPLES)
    .showHelpAfterError()
    .action((opts: DashboardFlags) => action(opts));
}
