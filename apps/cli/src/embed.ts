/** `metaclip embed`: raw (or normalised) image or text embeddings. */

import { ImageInputError, l2Normalize } from '@metaclip-batch/metaclip';
import { type Command, Option } from 'commander';
import type { CliContext } from './context.ts';
import {
  addBatchOption,
  addModelOptions,
  chunks,
  EXIT,
  examples,
  type ModelFlags,
  openModel,
  UsageError,
} from './options.ts';
import { vector } from './output.ts';

interface EmbedFlags extends ModelFlags {
  text?: string[];
  normalize?: boolean;
  batchSize: number;
}

/** Registers the command on `program`. */
export function registerEmbed(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('embed')
    .summary('print image or text embeddings')
    .description(
      'Prints {"image","embedding"} per image, or {"text","embedding"} per --text. Embeddings are the projected\n' +
        "features as transformers' get_image_features / get_text_features return them: unnormalised unless\n" +
        '--normalize. An unreadable image prints {"image","error"}; the others still run.',
    )
    .argument('[image...]', 'image files')
    .addOption(new Option('--text <text...>', 'embed these texts instead of images'))
    .addOption(new Option('--normalize', 'scale each embedding to unit length'));
  addBatchOption(addModelOptions(cmd)).addHelpText(
    'after',
    examples([
      'metaclip embed --model facebook/metaclip-b16-fullcc2.5b photo.jpg other.png',
      'metaclip embed --model ./metaclip-b16 --normalize --batch-size 64 photos/*.jpg > embeddings.jsonl',
      'metaclip embed --model ./metaclip-b16 --text "a photo of a cat" "a photo of a dog"',
    ]),
  );
  cmd.action(async (images: string[], flags: EmbedFlags) => {
    const texts = flags.text ?? [];
    if (texts.length > 0 === images.length > 0) throw new UsageError('give image files or --text, not both or neither');
    const model = await openModel(flags, ctx.logger);
    const shape = (e: Float32Array) => vector(flags.normalize ? l2Normalize(e) : e);
    try {
      for (const batch of chunks(texts, flags.batchSize)) {
        const embeds = await model.embedTexts(batch);
        for (const [i, text] of batch.entries())
          await ctx.out.write({ text, embedding: shape(embeds[i] as Float32Array) });
      }
      let done = 0;
      for (const batch of chunks(images, flags.batchSize)) {
        const embeds = await model.embedImages(batch);
        for (const [i, image] of batch.entries()) {
          const embed = embeds[i] as Float32Array | ImageInputError;
          if (embed instanceof ImageInputError) {
            ctx.exitCode = Math.max(ctx.exitCode, EXIT.PARTIAL);
            await ctx.out.write({ image, error: embed.message });
          } else {
            await ctx.out.write({ image, embedding: shape(embed) });
          }
        }
        done += batch.length;
        ctx.logger.info({ done, total: images.length }, 'embedded');
      }
    } finally {
      await model.dispose();
    }
  });
}
