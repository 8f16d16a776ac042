/**
 * `loadModel`: a model reference -> a ready {@link MetaClipModel}.
 *
 * A Hugging Face folder (config.json + model.safetensors) is converted to ONNX by our converter (cached by content);
 * an ONNX folder in transformers.js layout is used as it is: separate `onnx/vision_model.onnx` and
 * `onnx/text_model.onnx` when present, otherwise the combined `onnx/model.onnx`.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Logger } from 'pino';
import { readClipConfig } from '../config/clip-config.ts';
import { findCheckpoint } from '../convert/checkpoint.ts';
import { convertModel, readManifest } from '../convert/convert.ts';
import { EXPORT_DTYPES, type ExportDtype, ONNX_FILES } from '../convert/export-onnx.ts';
import { ModelLoadError } from '../errors.ts';
import type { DecodeMode } from '../image/decode.ts';
import { ImageProcessor } from '../image/processor.ts';
import { type ModelDtype, onnxSuffix } from '../resolve/onnx-variants.ts';
import { resolveModelDir } from '../resolve/resolve.ts';
import { formatDevice, parseDevice } from '../runtime/device.ts';
import { createSession } from '../runtime/session.ts';
import { cosine } from '../similarity.ts';
import { ClipTokenizer } from '../tokenizer/clip-tokenizer.ts';
import { MetaClipModel } from './metaclip-model.ts';
import { CombinedTowers, SeparateTowers, type Towers } from './towers.ts';

/** Options of {@link loadModel}. */
export interface LoadOptions {
  /** `cpu` (default), `cuda`, `cuda:N` or `webgpu`. */
  device?: string;
  /**
   * Compute precision. A Hugging Face checkpoint is converted to fp32 (default), fp16 or int8 (MatMul weights in
   * int8, activations quantised on the fly: for onnxruntime on a CPU); a transformers.js ONNX folder is loaded from
   * that dtype's files (`_fp16`, `_int8`, `_uint8`, `_quantized` for q8, `_q4`, `_q4f16`, `_bnb4`).
   */
  dtype?: ModelDtype;
  /** Emit onnxruntime's fused ops when converting (default: the converter's). */
  fused?: boolean;
  intraOpThreads?: number;
  interOpThreads?: number;
  /** Whether onnxruntime's idle threads spin (default: on a CPU only; see `SessionOptions.spinning`). */
  spinning?: boolean;
  /** How `processor` decodes: `exact` (default, transformers' pixels) or `fast` (see `DecodeMode`). */
  decode?: DecodeMode;
  /**
   * Which towers get an onnxruntime session (default `both`). With `text`, `embedPixels` and `embedImages` throw;
   * with `vision`, `embedTexts` does. A folder with only the combined `model.onnx` always opens both.
   */
  towers?: 'both' | 'vision' | 'text';
  /**
   * What the vision tower is fed (default `pixel_values`). `rgb`: packed 8-bit crops (`MetaClipModel.embedRgb`), run
   * by the converter's `vision_model_rgb.onnx`, which normalises inside; a folder without that graph normalises on
   * the host and runs `vision_model.onnx`, with the same result. `embedPixels` then throws.
   */
  visionInput?: 'pixel_values' | 'rgb';
  /** Cache of converted models; default `$METACLIP_CACHE`, `$XDG_CACHE_HOME/metaclip-batch` or `~/.cache/metaclip-batch`. */
  cacheDir?: string;
  /** Hub revision (for hub ids). */
  revision?: string;
  logger?: Logger;
}

/**
 * Load a MetaCLIP model.
 *
 * @example Embed an image and a text (from the repository root, on the tiny test model)
 * ```ts
 * import { loadModel } from '@metaclip-batch/metaclip';
 *
 * const model = await loadModel('../shared/fixtures/tiny-clip', { device: 'cpu' });
 * const [image] = await model.embedImages(['../shared/fixtures/images/astronaut.jpg']);
 * const [text] = await model.embedTexts(['a photo of an astronaut']);
 * console.log(model.embedDim, model.imageSize, model.device, image?.length, text?.length);
 * // 24 224 cpu 24 24
 * ```
 * @throws ModelLoadError when the folder is neither a Hugging Face CLIP checkpoint nor an ONNX folder, or its files
 *   are missing or corrupt.
 * @throws ProviderUnavailableError for an unknown device or one whose provider cannot load.
 */
export async function loadModel(ref: string, options: LoadOptions = {}): Promise<MetaClipModel> {
  const device = parseDevice(options.device);
  const log = options.logger?.child({ model: ref, device: formatDevice(device) });
  // The dtype picks files only in ONNX repos; a Hugging Face checkpoint is fetched whole and converted.
  const dir = await resolveModelDir(ref, { revision: options.revision, dtype: options.dtype, logger: log });
  if (!(await isFile(path.join(dir, 'config.json')))) {
    throw new ModelLoadError(`${dir} is not a model folder: it has no config.json`, { path: dir });
  }
  // Hugging Face weights (safetensors or PyTorch, single or sharded) are converted; anything else must be ONNX.
  const onnxDir = (await findCheckpoint(dir))
    ? await convertModel(dir, {
        dtype: exportDtype(options.dtype, dir),
        fused: options.fused,
        cacheDir: options.cacheDir,
        logger: log,
      })
    : dir;
  const [config, manifest] = await Promise.all([readClipConfig(onnxDir), readManifest(onnxDir)]);
  const files = await onnxFiles(onnxDir, manifest ? '' : onnxSuffix(options.dtype));
  const rgbFile = path.join(onnxDir, 'onnx', ONNX_FILES.visionRgb);
  const rgbGraph =
    options.visionInput === 'rgb' && manifest !== undefined && files.kind === 'separate' && (await isFile(rgbFile));

  const towers = options.towers ?? 'both';
  const sessions: ort.InferenceSession[] = [];
  const open = async (file: string) => {
    const session = await createSession(file, { ...options, device, logger: log });
    sessions.push(session);
    return session;
  };
  try {
    const channels = config.vision.numChannels;
    const imageShape = [channels, config.vision.imageSize, config.vision.imageSize] as const;
    // The tokenizer first: a combined graph is fed its special ids when only images are embedded.
    const tokenizer = await ClipTokenizer.fromDir(onnxDir);
    const special = [BigInt(tokenizer.bosId), BigInt(tokenizer.eosId)];
    const [processor, opened] = await Promise.all([
      ImageProcessor.fromDir(onnxDir, { decode: options.decode }),
      files.kind === 'separate'
        ? Promise.all([
            towers !== 'text' ? open(rgbGraph ? rgbFile : files.vision) : undefined,
            towers !== 'vision' ? open(files.text) : undefined,
          ]).then(([v, t]): Towers => new SeparateTowers(v, t))
        : open(files.combined).then((s): Towers => new CombinedTowers(s, imageShape, special)),
    ]);
    if (processor.size !== config.vision.imageSize) {
      throw new ModelLoadError(
        `${onnxDir}: preprocessor_config.json crops to ${processor.size} px but the vision tower takes ` +
          `${config.vision.imageSize} px`,
        { path: path.join(onnxDir, 'preprocessor_config.json') },
      );
    }
    const logitScale =
      manifest?.logitScale ??
      (await probeLogitScale(files.combined, opened, open, tokenizer.encode('a photo'), log)) ??
      Math.exp(config.logitScaleInit);
    log?.info({ dir: onnxDir, layout: files.kind, towers, logitScale }, 'model loaded');
    return new MetaClipModel({
      ref,
      dir: onnxDir,
      device: formatDevice(device),
      embedDim: config.projectionDim,
      imageSize: config.vision.imageSize,
      channels,
      visionInput: options.visionInput ?? 'pixel_values',
      rgbGraph,
      logitScale,
      tokenizer,
      processor,
      towers: opened,
      logger: log,
    });
  } catch (err) {
    await Promise.all(sessions.map((s) => s.release()));
    throw err;
  }
}

type OnnxFiles =
  | { kind: 'separate'; vision: string; text: string; combined?: string }
  | { kind: 'combined'; combined: string };

/** Which ONNX graphs a folder has (`suffix` is transformers.js's dtype suffix, e.g. `_fp16`). */
async function onnxFiles(dir: string, suffix: string): Promise<OnnxFiles> {
  const file = (name: string) => path.join(dir, 'onnx', `${name}${suffix}.onnx`);
  const [vision, text, combined] = [file('vision_model'), file('text_model'), file('model')];
  const [hasVision, hasText, hasCombined] = await Promise.all([isFile(vision), isFile(text), isFile(combined)]);
  if (hasVision && hasText) return { kind: 'separate', vision, text, ...(hasCombined ? { combined } : {}) };
  if (hasCombined) return { kind: 'combined', combined };
  throw new ModelLoadError(
    `${dir} has neither Hugging Face weights (model.safetensors, pytorch_model.bin or their sharded index) nor ONNX graphs (onnx/vision_model${suffix}.onnx + ` +
      `onnx/text_model${suffix}.onnx, or onnx/model${suffix}.onnx)`,
    { path: path.join(dir, 'onnx') },
  );
}

/** The converter's dtype for `dtype`; the transformers.js-only variants cannot be made from a checkpoint. */
function exportDtype(dtype: ModelDtype | undefined, dir: string): ExportDtype | undefined {
  if (dtype === undefined || (EXPORT_DTYPES as readonly string[]).includes(dtype)) return dtype as ExportDtype;
  throw new ModelLoadError(
    `dtype ${dtype} selects transformers.js ONNX files (onnx/*${onnxSuffix(dtype)}.onnx), but ${dir} is a ` +
      `Hugging Face checkpoint, which converts to ${EXPORT_DTYPES.join(', ')}`,
    { path: dir },
  );
}

/**
 * A third-party ONNX folder does not record its trained logit scale (config.json only has the initial value), but
 * `model.onnx` applies it: one run on a dummy pair gives it as `logits_per_image / cosine(image, text)`.
 */
async function probeLogitScale(
  combined: string | undefined,
  towers: Towers,
  open: (file: string) => Promise<ort.InferenceSession>,
  textIds: readonly number[],
  log: Logger | undefined,
): Promise<number | undefined> {
  if (!combined) {
    log?.warn('no onnx/model.onnx to read the logit scale from; using config logit_scale_init_value');
    return undefined;
  }
  const session = towers instanceof CombinedTowers ? towers.session : await open(combined);
  const meta = session.inputMetadata.find((m) => m.name === 'pixel_values');
  const dims = meta?.isTensor ? meta.shape.slice(1).map((d) => (typeof d === 'number' ? d : 224)) : [3, 224, 224];
  const pixels = new Float32Array(dims.reduce((a, b) => a * b, 1)).map((_, i) => Math.sin(i));
  const ids = BigInt64Array.from(textIds, (id) => BigInt(id));
  const feeds: Record<string, ort.Tensor> = {
    pixel_values: new ort.Tensor('float32', pixels, [1, ...dims]),
    input_ids: new ort.Tensor('int64', ids, [1, ids.length]),
  };
  if (session.inputNames.includes('attention_mask')) {
    feeds.attention_mask = new ort.Tensor(
      'int64',
      ids.map(() => 1n),
      [1, ids.length],
    );
  }
  const out = await session.run(feeds);
  if (!(towers instanceof CombinedTowers)) await session.release();
  const logit = (out.logits_per_image?.data as Float32Array | undefined)?.[0];
  const image = out.image_embeds?.data as Float32Array | undefined;
  const text = out.text_embeds?.data as Float32Array | undefined;
  if (logit === undefined || !image || !text) return undefined;
  const cos = cosine(image, text);
  return Math.abs(cos) > 1e-3 ? Math.fround(logit / cos) : undefined;
}

async function isFile(file: string): Promise<boolean> {
  return stat(file).then(
    (s) => s.isFile(),
    () => false,
  );
}
