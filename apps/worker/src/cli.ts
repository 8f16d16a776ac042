import { addSettingOptions } from '@metaclip-batch/settings';
import { Command } from 'commander';
import { WORKER_SETTINGS } from './config.ts';

/** What the CLI does once parsed; `main.ts` supplies the real actions, tests can supply their own. */
export interface CliActions {
  run(flags: Record<string, unknown>): Promise<void>;
  launch(gpus: string, flags: Record<string, unknown>): Promise<void>;
}

const EXAMPLES = `
Examples:
  # one worker on the CPU for a local model, on the model's default queue
  $ metaclip-worker --model ./models/metaclip-b16-fullcc2.5b

  # a GPU worker with bigger batches and more shards in flight
  $ metaclip-worker --model facebook/metaclip-b16-fullcc2.5b --device cuda:0 --max-batch 128 --concurrency 8

  # one worker per visible GPU, metrics on ports 9464, 9465, ...
  $ metaclip-worker launch --gpus all --model facebook/metaclip-b16-fullcc2.5b --max-batch 128

Every flag also reads an environment variable (METACLIP_MODEL, METACLIP_QUEUE, METACLIP_DEVICE, REDIS_URL, ...,
as each line says); a flag wins. SIGTERM or SIGINT: stop taking shards, finish those in flight, exit 0 (within --grace-ms).`;

/** The worker's flags, shared by the default command and `launch` (which passes them on to every child). */
function workerOptions(cmd: Command): Command {
  return addSettingOptions(cmd, WORKER_SETTINGS);
}

/** Builds the `metaclip-worker` command line. */
export function buildCli(actions: CliActions): Command {
  const program = new Command('metaclip-worker')
    .description('Embed and label image shards from a BullMQ queue with a MetaCLIP model (one process per GPU).')
    .enablePositionalOptions()
    .showHelpAfterError();
  workerOptions(program)
    .addHelpText('after', EXAMPLES)
    .action((flags: Record<string, unknown>) => actions.run(flags));

  workerOptions(
    program
      .command('launch')
      .description('start one worker per GPU (--device cuda:i, metrics port + i); forwards SIGTERM/SIGINT')
      .option('--gpus <list>', 'all, or GPU indices such as 0,1', 'all'),
  ).action((flags: Record<string, unknown>) => {
    const { gpus, ...rest } = flags;
    return actions.launch(String(gpus), rest);
  });
  return program;
}
