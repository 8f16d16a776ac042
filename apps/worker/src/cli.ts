import { Command } from 'commander';
import { DEFAULTS } from './config';

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

Every flag also reads an environment variable (METACLIP_MODEL, METACLIP_QUEUE, METACLIP_DEVICE, REDIS_URL, ...);
a flag wins. SIGTERM or SIGINT: stop taking shards, finish those in flight, exit 0 (within --grace-ms).`;

/** The worker's flags, shared by the default command and `launch` (which passes them on to every child). */
function workerOptions(cmd: Command): Command {
  return cmd
    .option('--model <ref>', 'model: Hugging Face folder, ONNX folder or hub id (required)')
    .option('--queue <name>', "BullMQ queue (default: the model's own queue, as the producer names it)")
    .option('--device <device>', `cpu, cuda, cuda:N or webgpu (default: ${DEFAULTS.device})`)
    .option('--dtype <dtype>', `fp32 or fp16 compute (default: ${DEFAULTS.dtype})`)
    .option('--redis-url <url>', `Redis URL (default: ${DEFAULTS.redisUrl})`)
    .option('--key-prefix <prefix>', `run store key prefix, as the producer's (default: ${DEFAULTS.keyPrefix})`)
    .option('--max-batch <n>', `largest model batch (default: ${DEFAULTS.maxBatch})`)
    .option(
      '--max-delay-ms <ms|auto>',
      `longest wait to fill a batch; auto follows the model's batch time (default: ${DEFAULTS.maxDelayMs})`,
    )
    .option('--max-queue <n>', 'images queued for the model before fetching pauses (default: 2 x max batch)')
    .option(
      '--inflight <n>',
      `model batches run at once, at least one per vision thread (default: ${DEFAULTS.inflight})`,
    )
    .option('--concurrency <n>', `shards in flight (default: ${DEFAULTS.concurrency})`)
    .option(
      '--fetch-concurrency <n|auto>',
      `image fetches at once; auto: 16 on a CPU, 128 on a GPU (default: ${DEFAULTS.fetchConcurrency})`,
    )
    .option(
      '--metrics-port <port>',
      `metrics server port; 0: any free port, -1: none (default: ${DEFAULTS.metricsPort})`,
    )
    .option('--threads <n>', 'onnxruntime intra-op threads (default: onnxruntime picks)')
    .option(
      '--preprocess-threads <n|auto>',
      'worker threads that decode and preprocess images; 0: on the main thread. auto: 0 on a CPU, half the cores on ' +
        `a GPU (default: ${DEFAULTS.preprocessThreads})`,
    )
    .option(
      '--vision-threads <n|auto>',
      'worker threads each running a model session, so batches never block the main thread; 0: on the main ' +
        `thread. auto: 0 on a CPU, 2 on a GPU (default: ${DEFAULTS.visionThreads})`,
    )
    .option('--grace-ms <ms>', `time to finish in-flight shards on SIGTERM (default: ${DEFAULTS.graceMs})`)
    .option(
      '--lock-duration-ms <ms>',
      `shard lock; a dead worker's shards return after it (default: ${DEFAULTS.lockDurationMs})`,
    )
    .option(
      '--stalled-interval-ms <ms>',
      `how often to look for stalled shards (default: ${DEFAULTS.stalledIntervalMs})`,
    )
    .option('--name <name>', 'worker name, shown as the processedBy of its jobs (default: <hostname>-<pid>)')
    .option(
      '--foreign-model-delay-ms <ms>',
      `delay before a shard for another model is offered again (default: ${DEFAULTS.foreignModelDelayMs})`,
    );
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
