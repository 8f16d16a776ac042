/** `metaclip convert`: a checkpoint -> ONNX folder, or a random checkpoint for tests and benchmarks. */
import path from 'node:path';
import { CLIP_PRESETS, type ClipPreset } from '@metaclip-batch/metaclip/config';
import {
  convertModel,
  EXPORT_DTYPES,
  type ExportDtype,
  findCheckpoint,
  writeRandomModel,
} from '@metaclip-batch/metaclip/convert';
import { resolveModelDir } from '@metaclip-batch/metaclip/resolve';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { CliContext } from './context.ts';
import { examples, UsageError } from './options.ts';

interface ConvertFlags {
  model?: string;
  revision?: string;
  out: string;
  dtype: ExportDtype;
  format: 'onnx' | 'transformersjs';
  random?: boolean;
  config?: ClipPreset;
  seed: number;
}

/** Registers the command on `program`. */
export function registerConvert(program: Command, ctx: CliContext): void {
  program
    .command('convert')
    .summary('convert a checkpoint to ONNX, or write a random one')
    .description(
      'With --model: converts a Hugging Face checkpoint (config.json + model.safetensors or pytorch_model.bin, single\n' +
        'or sharded; a folder or a hub id) into\n' +
        'an ONNX folder in transformers.js layout (onnx/vision_model.onnx, onnx/text_model.onnx, onnx/model.onnx,\n' +
        'and tokenizer.json, built from vocab.json + merges.txt when the checkpoint has none).\n' +
        '--format onnx (default) uses onnxruntime fused ops, fastest with onnxruntime-node as the workers run it;\n' +
        '--format transformersjs uses standard ONNX ops only, so transformers.js and onnxruntime-web load it too.\n' +
        'With --random: writes a checkpoint with random weights (seeded) in the Hugging Face layout, with the shapes\n' +
        'of --config: MetaCLIP 1 b32, b16, l14, h14, bigG14; MetaCLIP 2 worldwide mc2-h14 (quick_gelu), mc2-h14-378,\n' +
        'mc2-bigG14, mc2-bigG14-378 and the distilled mc2-s16, mc2-m16, mc2-b32, mc2-b16, mc2-l14 (XLM-V vocabulary,\n' +
        'placeholder tokenizer); tiny: the test fixture. Weights are streamed to disk in 4 MB chunks, so the\n' +
        'biggest shapes write and convert in about half a GB of memory. Prints {"out",...}.',
    )
    .addOption(new Option('--model <ref>', 'checkpoint folder or hub id org/name[@revision]').conflicts('random'))
    .addOption(new Option('--revision <rev>', 'hub branch, tag or commit'))
    .requiredOption('--out <dir>', 'output folder')
    .addOption(
      new Option('--dtype <dtype>', 'compute precision of the graphs; int8: quantised MatMul weights, for CPUs')
        .choices(EXPORT_DTYPES)
        .default('fp32'),
    )
    .addOption(new Option('--format <format>', 'graph flavour').choices(['onnx', 'transformersjs']).default('onnx'))
    .addOption(new Option('--random', 'write a random checkpoint instead of converting one'))
    .addOption(new Option('--config <preset>', 'shapes of the random checkpoint').choices(Object.keys(CLIP_PRESETS)))
    .addOption(new Option('--seed <n>', 'seed of the random weights').argParser(nonNegativeInt).default(0))
    .addHelpText(
      'after',
      examples([
        'metaclip convert --model facebook/metaclip-b16-fullcc2.5b --out ./metaclip-b16-onnx',
        'metaclip convert --model ./metaclip-b16 --out ./metaclip-b16-web --dtype fp16 --format transformersjs',
        'metaclip convert --random --config tiny --out ./tiny-random --seed 7',
        'metaclip convert --random --config mc2-h14 --out ./mc2-h14-random && metaclip convert --model ./mc2-h14-random --out ./mc2-h14-onnx',
      ]),
    )
    .action(async (flags: ConvertFlags) => {
      const out = path.resolve(flags.out);
      if (flags.random) {
        if (!flags.config)
          throw new UsageError(`--random needs --config (one of: ${Object.keys(CLIP_PRESETS).join(', ')})`);
        await writeRandomModel(out, flags.config, { seed: flags.seed });
        await ctx.out.write({ out, source: `random:${flags.config}`, seed: flags.seed });
        return;
      }
      if (!flags.model)
        throw new UsageError('give --model to convert, or --random --config to write a random checkpoint');
      const dir = await resolveModelDir(flags.model, { revision: flags.revision, logger: ctx.logger });
      if (!(await findCheckpoint(dir))) {
        throw new UsageError(
          `${dir} has no model.safetensors, pytorch_model.bin or sharded index: it is not a Hugging Face checkpoint (already ONNX?)`,
        );
      }
      const fused = flags.format === 'onnx';
      await convertModel(dir, { dtype: flags.dtype, fused, outDir: out, logger: ctx.logger });
      await ctx.out.write({ out, source: flags.model, format: flags.format, dtype: flags.dtype });
    });
}

function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a non-negative integer.');
  return n;
}
