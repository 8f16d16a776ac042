/** `metaclip classify`: zero-shot labels of images, with Hugging Face pipeline semantics. */
import { readFile } from 'node:fs/promises';
import { buildLabelSet, classify, DEFAULT_TEMPLATE, ImageInputError } from '@metaclip-batch/metaclip';
import { zeroShotBenchmark } from '@metaclip-batch/metaclip/zero-shot';
import { validatePrompts } from '@metaclip-batch/metaclip/zero-shot-scoring';
import { type Command, Option } from 'commander';
import type { CliContext } from './context.ts';
import {
  addBatchOption,
  addModelOptions,
  chunks,
  collect,
  EXIT,
  examples,
  type ModelFlags,
  openModel,
  positiveInt,
  UsageError,
} from './options.ts';

interface ClassifyFlags extends ModelFlags {
  labels?: string;
  labelsFile?: string;
  imagenet?: boolean;
  template: string[];
  topK?: number;
  batchSize: number;
}

/** Registers the command on `program`. */
export function registerClassify(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('classify')
    .summary('zero-shot classify images against candidate labels')
    .description(
      'Prints {"image","labels":[{"label","score"},...]} per image, best first: softmax over logit_scale x cosine\n' +
        `between the image and each label's prompt embedding. Templates default to "${DEFAULT_TEMPLATE}"; with\n` +
        'several, each label is the renormalised mean of its normalised prompt embeddings (CLIP prompt ensembling).\n' +
        'Scores are relative to the labels given: a single label always scores 1.0, which says nothing about the\n' +
        'image (use `metaclip similarity` for that). An unreadable image prints {"image","error"}; the others still run.',
    )
    .argument('<image...>', 'image files')
    .addOption(new Option('--labels <a,b,c>', 'comma-separated candidate labels'))
    .addOption(new Option('--labels-file <file>', 'candidate labels, one per line'))
    .addOption(new Option('--imagenet', 'the 1,000 ImageNet classes with the 80 CLIP templates'))
    .addOption(
      new Option('--template <t>', 'prompt template with {} for the label; repeat to ensemble').argParser(collect),
    )
    .addOption(new Option('--top-k <k>', 'print only the best K labels').argParser(positiveInt));
  addBatchOption(addModelOptions(cmd)).addHelpText(
    'after',
    examples([
      'metaclip classify --model facebook/metaclip-b16-fullcc2.5b --labels cat,dog,car photo.jpg',
      'metaclip classify --model ./metaclip-b16 --labels-file labels.txt --template "a photo of a {}." --template "a drawing of a {}." *.jpg',
      'metaclip classify --model ./metaclip-b16 --imagenet --top-k 5 --device cuda photos/*.png',
    ]),
  );
  cmd.action(async (images: string[], flags: ClassifyFlags) => {
    const { labels, templates } = await labelsFrom(flags);
    const model = await openModel(flags, ctx.logger);
    try {
      const labelSet = await buildLabelSet(model, labels, templates);
      let done = 0;
      for (const batch of chunks(images, flags.batchSize)) {
        const embeds = await model.embedImages(batch);
        for (const [i, image] of batch.entries()) {
          const embed = embeds[i];
          if (embed instanceof ImageInputError) {
            ctx.exitCode = Math.max(ctx.exitCode, EXIT.PARTIAL);
            await ctx.out.write({ image, error: embed.message });
          } else if (embed) {
            const [scores] = classify(embed, 1, labelSet, { topK: flags.topK });
            await ctx.out.write({ image, labels: scores });
          }
        }
        done += batch.length;
        ctx.logger.info({ done, total: images.length }, 'classified');
      }
    } finally {
      await model.dispose();
    }
  });
}

/** Labels and templates from exactly one of --labels, --labels-file, --imagenet; --template overrides templates. */
async function labelsFrom(flags: ClassifyFlags): Promise<{ labels: string[]; templates: string[] }> {
  const given = [flags.labels, flags.labelsFile, flags.imagenet].filter((x) => x !== undefined).length;
  if (given !== 1) throw new UsageError('give exactly one of --labels, --labels-file or --imagenet');
  let labels: string[];
  let templates = flags.template ?? [];
  if (flags.imagenet) {
    const imagenet = await zeroShotBenchmark('imagenet');
    labels = imagenet.labels;
    if (templates.length === 0) templates = imagenet.templates;
  } else if (flags.labelsFile) {
    const text = await readFile(flags.labelsFile, 'utf8').catch((err: Error) => {
      throw new UsageError(`cannot read --labels-file: ${err.message}`);
    });
    labels = text.split(/\r?\n/).map((l) => l.trim());
  } else {
    labels = (flags.labels ?? '').split(',').map((l) => l.trim());
  }
  labels = labels.filter((l) => l.length > 0);
  if (templates.length === 0) templates = [DEFAULT_TEMPLATE];
  try {
    validatePrompts(labels, templates);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return { labels, templates };
}
