/**
 * The bench model: MetaCLIP B/16's architecture with random weights, written once and converted once, cached under
 * `.cache/bench/` so repeated runs pay neither (writing ~600 MB of weights and converting takes a minute or two).
 */
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { convertModel, type ExportDtype, readManifest, writeRandomModel } from '@metaclip-batch/metaclip/convert';

/** A ready bench model. */
export interface BenchModel {
  /** The Hugging Face folder (config.json + model.safetensors + tokenizer and preprocessor files). */
  hfDir: string;
  /** Our converter's ONNX folder in transformers.js layout; what every measurement loads. */
  onnxDir: string;
  shape: 'b16';
  seed: number;
  dtype: ExportDtype;
  imageSize: number;
  embedDim: number;
}

/** Marks a fully written random checkpoint: a run killed halfway leaves no marker and the next one rewrites it. */
const COMPLETE = '.complete';

/**
 * Returns the cached bench model, writing and converting it first when needed.
 *
 * @param cacheRoot - `.cache/bench` under the repo root.
 * @param progress - one line per slow step, to stderr.
 */
export async function ensureBenchModel(
  cacheRoot: string,
  opts: { seed: number; dtype: ExportDtype },
  progress: (msg: string) => void,
): Promise<BenchModel> {
  const hfDir = path.join(cacheRoot, `b16-seed${opts.seed}`);
  if (!existsSync(path.join(hfDir, COMPLETE))) {
    progress(`writing a random MetaCLIP B/16 checkpoint (seed ${opts.seed}) to ${hfDir}`);
    await rm(hfDir, { recursive: true, force: true });
    await writeRandomModel(hfDir, 'b16', { seed: opts.seed });
    await writeFile(path.join(hfDir, COMPLETE), `${new Date().toISOString()}\n`);
  }
  const t0 = performance.now();
  const onnxDir = await convertModel(hfDir, { dtype: opts.dtype, cacheDir: path.join(cacheRoot, 'converted') });
  const ms = performance.now() - t0;
  if (ms > 2000) progress(`converted to ONNX (${opts.dtype}) in ${(ms / 1000).toFixed(1)} s: ${onnxDir}`);
  const manifest = await readManifest(onnxDir);
  if (!manifest) throw new Error(`convertModel returned ${onnxDir}, which has no conversion manifest`);
  return {
    hfDir,
    onnxDir,
    shape: 'b16',
    seed: opts.seed,
    dtype: opts.dtype,
    imageSize: manifest.imageSize,
    embedDim: manifest.embedDim,
  };
}
