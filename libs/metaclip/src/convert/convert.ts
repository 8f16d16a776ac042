/**
 * `convertModel`: a Hugging Face CLIP folder -> an ONNX folder in transformers.js layout, cached by content.
 * transformers.js reads tokenizers from tokenizer.json only, so a checkpoint that ships just vocab.json + merges.txt
 * gets the tokenizer.json transformers' CLIPTokenizerFast would build from them.
 *
 * The cache key covers the config, the weights, the tokenizer and preprocessor files, dtype, fusion and the
 * converter version, so any change converts again and nothing else does. Output is built in a temporary sibling
 * folder and renamed into place: a crash leaves no half-written cache entry, and two processes converting the same
 * model at once both end up with one complete folder.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { readClipConfig } from '../config/clip-config.ts';
import { ModelLoadError } from '../errors.ts';
import { parsePreprocessorConfig } from '../image/config.ts';
import { normalisationConstants } from '../image/preprocess.ts';
import { xdgCacheHome } from '../resolve/hub-env.ts';
import { clipTokenizerJsonFromVocabFiles, readTokenizerConfig } from '../tokenizer/tokenizer-files.ts';
import { findCheckpoint, WEIGHT_FILES } from './checkpoint.ts';
import { type ExportDtype, exportClipOnnx } from './export-onnx.ts';
import { FingerprintMemo, sha256, sha256File } from './fingerprint.ts';

/**
 * Version of the folders this converter emits. Bump it whenever the emitted ONNX or the other files written change,
 * so caches convert again (2: tokenizer.json generated from vocab.json + merges.txt).
 */
export const CONVERTER_VERSION = 'metaclip-batch-onnx/3';

/** Whether fused com.microsoft ops are emitted when the caller does not say (chosen by measurement, see convert/README.md). */
export const DEFAULT_FUSED = true;

/** Files copied verbatim from the source folder when present (everything transformers.js and we read). */
export const COPIED_FILES = [
  'config.json',
  'preprocessor_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'vocab.json',
  'merges.txt',
] as const;

/** Name of the file describing a converted folder. */
export const MANIFEST_FILE = 'metaclip.json';

/** Options of {@link convertModel}. */
export interface ConvertOptions {
  /** Compute precision; default fp32. */
  dtype?: ExportDtype;
  /** Emit onnxruntime fused ops; default {@link DEFAULT_FUSED}. */
  fused?: boolean;
  /** Cache root; default `$METACLIP_CACHE` or `~/.cache/metaclip-batch`. */
  cacheDir?: string;
  /** Write here instead of the cache (replaced if it holds an older conversion). */
  outDir?: string;
  logger?: Logger;
}

/** What `metaclip.json` records about a conversion. */
export interface ConversionManifest {
  converter: string;
  key: string;
  dtype: ExportDtype;
  fused: boolean;
  /** exp(logit_scale), the factor on cosine similarities. */
  logitScale: number;
  embedDim: number;
  imageSize: number;
  /** sha256 of each source file that went into the key. */
  source: Record<string, string>;
  createdAt: string;
}

/**
 * The default root of our own caches (converted models, staged search indexes): `$METACLIP_CACHE`, else
 * `metaclip-batch` under `$XDG_CACHE_HOME` (beside huggingface_hub's cache), else under `~/.cache`.
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.METACLIP_CACHE || path.join(xdgCacheHome(env), 'metaclip-batch');
}

/** The cache key of a conversion (pure): sha256 over the converter version, options and source hashes. */
export function conversionKey(input: { dtype: ExportDtype; fused: boolean; source: Record<string, string> }): string {
  const files = Object.keys(input.source)
    .sort()
    .map((name) => [name, input.source[name]]);
  return sha256(JSON.stringify([CONVERTER_VERSION, input.dtype, input.fused, files]));
}

/**
 * Convert (or find in the cache) the Hugging Face CLIP model in `hfDir` and return the ONNX folder.
 * @throws ModelLoadError for a missing or bad config, missing or corrupt weights, malformed vocab.json / merges.txt /
 * tokenizer configs when tokenizer.json must be built from them, or an unusable `outDir`.
 */
export async function convertModel(hfDir: string, options: ConvertOptions = {}): Promise<string> {
  const dtype = options.dtype ?? 'fp32';
  const fused = options.fused ?? DEFAULT_FUSED;
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const log = options.logger?.child({ model: hfDir, dtype, fused });
  const config = await readClipConfig(hfDir);
  const checkpoint = await findCheckpoint(hfDir);
  if (!checkpoint) {
    throw new ModelLoadError(
      `cannot convert ${hfDir}: it has no weights (${WEIGHT_FILES.map((w) => w.file).join(', ')})`,
      { path: path.join(hfDir, 'model.safetensors') },
    );
  }
  const memo = new FingerprintMemo(path.join(cacheDir, 'fingerprints'));

  const source: Record<string, string> = {};
  for (const name of COPIED_FILES) {
    const bytes = await readOptional(path.join(hfDir, name));
    if (bytes) source[name] = sha256(bytes);
  }
  const copied = Object.keys(source);
  // Hash the weights only when the memo cannot vouch for them (a cache hit then reads no weight bytes at all).
  const weightHashes = new Map<string, string>();
  for (const file of checkpoint.files) {
    const hash = (await memo.lookup(file)) ?? (await sha256File(file));
    weightHashes.set(file, hash);
    source[path.basename(file)] = hash;
  }

  const key = conversionKey({ dtype, fused, source });
  const target = options.outDir ? path.resolve(options.outDir) : path.join(cacheDir, 'onnx', key);
  const existing = await readManifest(target);
  if (existing?.key === key) {
    log?.debug({ dir: target }, 'converted model found in cache');
    return target;
  }
  if (options.outDir && (await exists(target)) && !existing) {
    throw new ModelLoadError(`outDir ${target} exists and is not a metaclip conversion; refusing to replace it`, {
      path: target,
    });
  }

  const started = performance.now();
  const weights = await checkpoint.open();
  const tmp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await mkdir(path.join(tmp, 'onnx'), { recursive: true });
    for (const name of copied) await copyFile(path.join(hfDir, name), path.join(tmp, name));
    if (!source['tokenizer.json'] && source['vocab.json'] && source['merges.txt']) {
      await writeTokenizerJson(hfDir, tmp);
    }
    const { logitScale } = exportClipOnnx(weights, config, path.join(tmp, 'onnx'), {
      dtype,
      fused,
      producerVersion: CONVERTER_VERSION,
      normalisation: await normalisationOf(hfDir),
    });
    const manifest: ConversionManifest = {
      converter: CONVERTER_VERSION,
      key,
      dtype,
      fused,
      logitScale: Math.fround(Math.exp(logitScale)),
      embedDim: config.projectionDim,
      imageSize: config.vision.imageSize,
      source,
      createdAt: new Date().toISOString(),
    };
    await writeFile(path.join(tmp, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    await publish(tmp, target, Boolean(existing));
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    weights.close?.();
  }
  for (const [file, hash] of weightHashes) await memo.remember(file, hash);
  log?.info({ dir: target, ms: Math.round(performance.now() - started) }, 'converted model to ONNX');
  return target;
}

/** Read a folder's `metaclip.json`, or undefined when there is none (or it is unreadable). */
export async function readManifest(dir: string): Promise<ConversionManifest | undefined> {
  const bytes = await readOptional(path.join(dir, MANIFEST_FILE));
  if (!bytes) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8')) as ConversionManifest;
  } catch {
    return undefined; // a damaged manifest means "not a usable conversion": convert again
  }
}

/**
 * Writes into `outDir` the tokenizer.json of `hfDir`'s vocab.json + merges.txt and special tokens, built by the same
 * code `ClipTokenizer` runs for that folder, so transformers.js and our tokenizer give the same ids.
 * Reads from `hfDir`, not the copies, so an error names the user's file.
 */
async function writeTokenizerJson(hfDir: string, outDir: string): Promise<void> {
  const { specials } = await readTokenizerConfig(hfDir);
  const json = await clipTokenizerJsonFromVocabFiles(hfDir, specials);
  await writeFile(path.join(outDir, 'tokenizer.json'), JSON.stringify(json));
}

/** Move `tmp` to `target`; an older conversion at `target` is replaced, a concurrent identical one is kept. */
async function publish(tmp: string, target: string, replace: boolean): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  if (replace) {
    const old = `${tmp}.old`;
    await rename(target, old);
    await rename(tmp, target);
    await rm(old, { recursive: true, force: true });
    return;
  }
  try {
    await rename(tmp, target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    // Another process published the same key first; its folder is complete and equivalent.
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The checkpoint's normalisation for the RGB vision graph, or undefined when it has no preprocessor config. */
async function normalisationOf(hfDir: string) {
  const file = path.join(hfDir, 'preprocessor_config.json');
  const bytes = await readOptional(file);
  return bytes && normalisationConstants(parsePreprocessorConfig(JSON.parse(bytes.toString('utf8')), file));
}

async function readOptional(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ModelLoadError(`cannot read ${file}: ${(err as Error).message}`, { cause: err, path: file });
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
