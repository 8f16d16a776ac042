import { runCli } from './cli.ts';

// The process edge: real streams and environment, signals for the long-running scheduler, and the exit code.
const stopSignal = new Promise<NodeJS.Signals>((resolve) => {
  process.once('SIGINT', resolve);
  process.once('SIGTERM', resolve);
});
const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  tty: Boolean(process.stderr.isTTY),
  stopSignal,
});
process.exit(code);
