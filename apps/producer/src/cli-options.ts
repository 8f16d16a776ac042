import { DEFAULT_TEMPLATES } from '@metaclip-batch/jobs';
import { type Command, Option } from 'commander';

/** The examples and notes under `enqueue --help`. */
export const ENQUEUE_EXAMPLES = `
Examples:
  $ metaclip-producer enqueue --source s3://photos/2024/ --output s3://embeddings/2024/ \\
      --model facebook/metaclip-b16-fullcc2.5b --labels cat,dog,car --wait
  $ metaclip-producer enqueue --source ./images --output ./out --model ./models/tiny-clip \\
      --labels-file labels.txt --template "a photo of a {}." --template "a drawing of a {}." --top-k 3
  $ metaclip-producer enqueue --source uris.jsonl --output s3://b/out/ --model ./m --labels a,b --run-id nightly-1

Sources: an S3 prefix, a local folder (recursive; images kept by extension), a manifest file (.txt: one URI or path
per line; .jsonl: {"uri": ..., "etag": ...} per line) or an S3 Inventory report's manifest.json (CSV or Parquet;
.../<config>/*/manifest.json: its newest report). Without --run-id the run id is
<source>-<UTC date>-<hash of the options>: the same command on the same day names the same run and adds nothing.
Environment: as metaclip-producer --help lists it, and AWS_* for S3.`;

/** The options `enqueue` and `schedule` share. */
export function addEnqueueOptions(cmd: Command): Command {
  const collect = (v: string, prev: string[] = []) => [...prev, v];
  return cmd
    .option('--source <uri>', 'S3 prefix, local folder, manifest file (.txt, .jsonl) or S3 Inventory manifest.json')
    .option('--output <uri>', 'where workers write embeddings and labels (S3 prefix or folder)')
    .option('--model <ref>', 'model folder, ONNX folder or Hugging Face hub id')
    .option('--labels <list>', 'comma-separated zero-shot labels')
    .option('--labels-file <file>', 'labels, one per line (or a JSON array)')
    .option(
      '--template <text>',
      `prompt template with {} for the label (repeatable; default "${DEFAULT_TEMPLATES.join('", "')}")`,
      collect,
    )
    .option('--top-k <k>', 'labels kept per image (default min(5, labels))')
    .option('--queue <name>', 'BullMQ queue (default: one per model)')
    .option('--run-id <id>', 'run id (default: derived from source, date and options)')
    .option('--shard-size <n>', 'images per shard job (default 1000)')
    .option('--since <date>', 'only objects modified at or after this date (ISO 8601)')
    .option('--incremental', 'only objects new or changed since the last completed run over this source')
    .addOption(
      new Option(
        '--embed-dtype <dtype>',
        'embedding dtype written (default float16, as clip-retrieval writes them)',
      ).choices(['float32', 'float16']),
    )
    .option('--high-water <n>', 'pause listing while the queue holds this many jobs (default 2000)')
    .option(
      '--list-parallelism <n>',
      'S3: ListObjectsV2 requests at once, fanned out over sub-prefixes; same objects, same order (default 16; 1: one stream)',
    );
}

/** Write one line (a newline is added when missing). */
export function write(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text.endsWith('\n') ? text : `${text}\n`);
}
