/** `metaclip index`, `dedup` and `cluster`: one call of `@metaclip-batch/search` each, a JSON summary line. */

import { readFile } from 'node:fs/promises';
import { clusterRun, DEFAULT_HNSW, dedupRun, indexRun } from '@metaclip-batch/search';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { CliContext } from './context.ts';
import { examples, positiveInt } from './options.ts';

const RUN_HELP =
  'run folder <output>/<run-id> or S3 prefix s3://bucket/prefix/<run-id> (the one holding manifest.json)';

/** Registers `index`, `dedup` and `cluster` on `program`. */
export function registerRunCommands(program: Command, ctx: CliContext): void {
  registerIndex(program, ctx);
  registerDedup(program, ctx);
  registerCluster(program, ctx);
}

function registerIndex(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('index')
    .summary("build or update the search index of a run's embeddings")
    .description(
      "Builds an approximate-nearest-neighbour index (usearch HNSW, cosine, float16) of a run's img_emb, with\n" +
        'keys.parquet mapping each vector to its image_path and label, under <run>/index by default. Given --out\n' +
        'that already holds an index, applies the run to it instead (a later, e.g. nightly incremental, run over the\n' +
        'same source and model): new images are added, re-embedded ones replaced, and images gone from the source\n' +
        '(listed now) removed. Prints {"index","runId","mode","kind","images","added","replaced","removed"}.',
    )
    .addOption(new Option('--run <run>', RUN_HELP).makeOptionMandatory())
    .addOption(new Option('--out <dir>', 'index folder or S3 prefix (default <run>/index)'))
    .addOption(new Option('--exact', 'brute-force index (exact results, for small runs); kept by later updates'))
    .addOption(
      new Option('--connectivity <n>', 'HNSW links per node (new index)')
        .argParser(positiveInt)
        .default(DEFAULT_HNSW.connectivity),
    )
    .addOption(
      new Option('--expansion-search <n>', 'HNSW candidates per query: recall vs speed (new index)')
        .argParser(positiveInt)
        .default(DEFAULT_HNSW.expansionSearch),
    )
    .addHelpText(
      'after',
      examples([
        'metaclip index --run out/run-2026-12-01',
        'metaclip index --run out/run-2026-12-02 --out out/run-2026-12-01/index   # apply the nightly run',
        'metaclip index --run s3://photos-index/run-1 --out /srv/index/photos',
      ]),
    );
  cmd.action(
    async (flags: { run: string; out?: string; exact?: boolean; connectivity: number; expansionSearch: number }) => {
      const summary = await indexRun(flags.run, {
        out: flags.out,
        exact: flags.exact,
        hnsw: { ...DEFAULT_HNSW, connectivity: flags.connectivity, expansionSearch: flags.expansionSearch },
        logger: ctx.logger,
      });
      await ctx.out.write({ ...summary });
    },
  );
}

function unitInterval(value: string): number {
  const x = Number(value);
  if (!(x > 0 && x <= 1)) throw new InvalidArgumentError('expected a number in (0, 1].');
  return x;
}

function registerDedup(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('dedup')
    .summary('find near-duplicate and identical images in a run')
    .description(
      'Groups images whose embeddings have cosine >= --threshold (transitively), plus every byte-for-byte copy\n' +
        'whatever the threshold, and writes <run>/duplicates/duplicates.parquet: one row per duplicate with\n' +
        'image_path, duplicate_of (the first image of its group, in run order), score (cosine to it) and exact.\n' +
        'Prints {"groups","duplicates","exact","file"}.',
    )
    .addOption(new Option('--run <run>', RUN_HELP).makeOptionMandatory())
    .addOption(
      new Option('--threshold <cos>', 'cosine similarity that makes two images duplicates')
        .argParser(unitInterval)
        .default(0.96),
    )
    .addHelpText(
      'after',
      examples(['metaclip dedup --run out/run-1', 'metaclip dedup --run s3://b/runs/run-1 --threshold 0.99']),
    );
  cmd.action(async (flags: { run: string; threshold: number }) => {
    await ctx.out.write({ ...(await dedupRun(flags.run, { threshold: flags.threshold, logger: ctx.logger })) });
  });
}

function registerCluster(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('cluster')
    .summary("group a run's images into K clusters (spherical k-means)")
    .description(
      'Spherical k-means on the embeddings (k-means++ init; mini-batches above 65,536 images; deterministic per\n' +
        '--seed). Writes <run>/clusters/clusters.parquet (image_path, cluster, score = cosine to its centroid; every\n' +
        'image exactly once), centroids.npy (float32 [K, D]) and clusters.json (per cluster: id, size, name = the\n' +
        "nearest of the run's labels, or of the --names prompts, and 8 example image_paths).\n" +
        'Prints {"clusters","images","iterations","files"}.',
    )
    .addOption(new Option('--run <run>', RUN_HELP).makeOptionMandatory())
    .addOption(new Option('--k <K>', 'number of clusters').argParser(positiveInt).makeOptionMandatory())
    .addOption(new Option('--seed <S>', 'random seed').argParser(Number).default(0))
    .addOption(new Option('--names <file>', 'name clusters after these prompts, one per line (embedded as given)'))
    .addHelpText(
      'after',
      examples([
        'metaclip cluster --run out/run-1 --k 50',
        'metaclip cluster --run out/run-1 --k 20 --names themes.txt',
      ]),
    );
  cmd.action(async (flags: { run: string; k: number; seed: number; names?: string }) => {
    const names = flags.names
      ? (await readFile(flags.names, 'utf8'))
          .split(/\r?\n/)
          .map((l) => l.trim())
          .filter((l) => l !== '')
      : undefined;
    const summary = await clusterRun(flags.run, { k: flags.k, seed: flags.seed, names, logger: ctx.logger });
    await ctx.out.write({ ...summary });
  });
}
