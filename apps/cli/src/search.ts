/** `metaclip search`: nearest images of a text, an image file or an indexed image, one JSON line per result. */

import { IndexSearcher, QueryEncoder, type SearchHit } from '@metaclip-batch/search';
import { type Command, Option } from 'commander';
import type { CliContext } from './context.ts';
import { examples, positiveInt, UsageError } from './options.ts';

interface SearchFlags {
  index: string;
  text?: string[];
  image?: string;
  like?: string;
  k: number;
  label?: string;
  device: string;
}

/** Registers the command on `program`. */
export function registerSearch(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('search')
    .summary('search an index by text, image or example')
    .description(
      'Prints {"query","rank","image_path","score","label"} per result, best first (score: cosine). --text is\n' +
        "embedded as given (no prompt template) with the index's model (its runs' manifest.json names it); --image\n" +
        'embeds an image file; --like takes an image_path in the index and returns it first (score 1.0), then its\n' +
        "nearest neighbours. --label keeps images whose top label (the run's) is that label.",
    )
    .addOption(new Option('--index <dir>', 'index folder or S3 prefix (metaclip index --out)').makeOptionMandatory())
    .addOption(new Option('--text <text...>', 'text queries (one result list each)'))
    .addOption(new Option('--image <file>', 'an image file as the query'))
    .addOption(new Option('--like <image_path>', 'an indexed image as the query'))
    .addOption(new Option('--k <n>', 'results per query').argParser(positiveInt).default(10))
    .addOption(new Option('--label <label>', 'only images with this top label'))
    .addOption(new Option('--device <device>', 'where text and image queries are embedded').default('cpu'))
    .addHelpText(
      'after',
      examples([
        'metaclip search --index out/run-1/index --text "a red bicycle" --k 20',
        'metaclip search --index out/run-1/index --image query.jpg --label "a dog"',
        'metaclip search --index out/run-1/index --like /data/photos/0001.jpg',
      ]),
    );
  cmd.action(async (flags: SearchFlags) => {
    const kinds = [flags.text !== undefined, flags.image !== undefined, flags.like !== undefined].filter(Boolean);
    if (kinds.length !== 1) throw new UsageError('give exactly one of --text, --image or --like');
    const searcher = await IndexSearcher.open(flags.index);
    const opts = { k: flags.k, label: flags.label };
    const print = async (query: string, hits: SearchHit[]) => {
      for (const h of hits) await ctx.out.write({ query, ...h });
    };
    if (flags.like !== undefined) {
      await print(flags.like, await searcher.like(flags.like, opts));
      return;
    }
    const encoder = await QueryEncoder.open(searcher.info.model, { device: flags.device, logger: ctx.logger });
    try {
      if (flags.image !== undefined) {
        await print(flags.image, await searcher.search(await encoder.image(flags.image), opts));
      }
      const texts = flags.text ?? [];
      const vectors = texts.length > 0 ? await encoder.texts(texts) : [];
      for (const [i, text] of texts.entries())
        await print(text, await searcher.search(vectors[i] as Float32Array, opts));
    } finally {
      await encoder.close();
    }
  });
}
