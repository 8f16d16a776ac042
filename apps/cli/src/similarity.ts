/** `metaclip similarity`: cosine similarity of two images, two texts, or an image and a text. */

import { cosine, embedForSimilarity, ImageInputError, type SimilarityInput } from '@metaclip-batch/metaclip';
import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { addModelOptions, EXIT, examples, type ModelFlags, openModel } from './options.ts';

const TEXT_PREFIX = 'text:';

/** Registers the command on `program`. */
export function registerSimilarity(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('similarity')
    .summary('cosine similarity of two images or texts')
    .description(
      'Prints {"a","b","cosine"}: the cosine of the two embeddings in [-1, 1]. A and B are image files, or texts\n' +
        `written as "${TEXT_PREFIX}...". Images and texts share one embedding space, so any pair compares. This is the\n` +
        'measure to use for similarity; a zero-shot score with a single label is always 1.0 and says nothing.',
    )
    .argument('<a>', `image file or ${TEXT_PREFIX}TEXT`)
    .argument('<b>', `image file or ${TEXT_PREFIX}TEXT`);
  addModelOptions(cmd).addHelpText(
    'after',
    examples([
      'metaclip similarity --model facebook/metaclip-b16-fullcc2.5b cat1.jpg cat2.jpg',
      'metaclip similarity --model ./metaclip-b16 photo.jpg "text:a photo of a cat"',
      'metaclip similarity --model ./metaclip-b16 "text:a cat" "text:a kitten"',
    ]),
  );
  cmd.action(async (a: string, b: string, flags: ModelFlags) => {
    const model = await openModel(flags, ctx.logger);
    try {
      const [ea, eb] = await embedForSimilarity(model, [input(a), input(b)]);
      const failed = [ea, eb].find((e) => e instanceof ImageInputError);
      if (failed) {
        ctx.exitCode = Math.max(ctx.exitCode, EXIT.PARTIAL);
        await ctx.out.write({ a, b, error: failed.message });
      } else {
        await ctx.out.write({ a, b, cosine: cosine(ea as Float32Array, eb as Float32Array) });
      }
    } finally {
      await model.dispose();
    }
  });
}

function input(arg: string): SimilarityInput {
  return arg.startsWith(TEXT_PREFIX) ? { text: arg.slice(TEXT_PREFIX.length) } : { image: arg };
}
