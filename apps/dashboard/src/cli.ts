import { addSettingOptions, envOnlyHelp } from '@metaclip-batch/settings';
import { Command } from 'commander';
import { DASHBOARD_SETTINGS } from './config.ts';

const EXAMPLES = `
Without credentials the dashboard listens on loopback only; a public --host needs a token or a user and password.

Examples:
  # Local: runs page at http://127.0.0.1:3000/, Bull Board at /queues
  metaclip-dashboard

  # Another Redis, a queue no run has named yet, another port
  REDIS_URL=redis://redis.internal:6379 metaclip-dashboard --queue metaclip --port 8080

  # Reachable from other machines, behind basic auth
  METACLIP_DASHBOARD_USER=ops METACLIP_DASHBOARD_PASSWORD='long-random-passphrase' metaclip-dashboard --host 0.0.0.0

  # In a container whose port is published only on the host's loopback (docker -p 127.0.0.1:3000:3000)
  metaclip-dashboard --host 0.0.0.0 --published-host 127.0.0.1
`;

/** The `metaclip-dashboard` command line; `action` receives the raw flags for {@link resolveConfig}. */
export function buildCli(action: (flags: Record<string, unknown>) => Promise<void>): Command {
  return addSettingOptions(
    new Command('metaclip-dashboard').description('Runs page, JSON API and Bull Board for metaclip-batch queues.'),
    DASHBOARD_SETTINGS,
  )
    .addHelpText('after', envOnlyHelp(DASHBOARD_SETTINGS) + EXAMPLES)
    .showHelpAfterError()
    .action((opts: Record<string, unknown>) => action(opts));
}
