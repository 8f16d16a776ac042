/** `metaclip tokenize`: CLIP token ids of texts, as the model's tokenizer produces them. */

import { resolveModelDir } from '@metaclip-batch/metaclip/resolve';
import { ClipTokenizer } from '@metaclip-batch/metaclip/tokenizer';
import type { Command } from 'commander';
import type { CliContext } from './context.ts';
import { addModelOptions, examples, type ModelFlags, modelSettings } from './options.ts';

/** Registers the command on `program`. */
export function registerTokenize(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('tokenize')
    .summary('print the token ids of texts')
    .description(
      'Prints {"text","input_ids"} per text: unpadded, with <|startoftext|> and <|endoftext|>, truncated to the\n' +
        "model's context length (keeping <|endoftext|>). Loads the tokenizer only, not the model.",
    )
    .argument('<text...>', 'texts to tokenize (quote each)');
  addModelOptions(cmd).addHelpText(
    'after',
    examples([
      'metaclip tokenize --model facebook/metaclip-b16-fullcc2.5b "a photo of a cat" "a dog"',
      'metaclip tokenize --model ./models/metaclip-b16 "$(cat caption.txt)"',
    ]),
  );
  cmd.action(async (texts: string[], flags: ModelFlags) => {
    const { model, revision } = modelSettings(flags);
    const dir = await resolveModelDir(model, { revision, logger: ctx.logger });
    const tokenizer = await ClipTokenizer.fromDir(dir);
    for (const text of texts) await ctx.out.write({ text, input_ids: tokenizer.encode(text) });
  });
}
