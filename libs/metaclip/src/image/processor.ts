/**
 * MetaCLIP's image preprocessing, matching transformers' `CLIPImageProcessor` (PIL backend): decode, shortest edge
 * to the configured size with bicubic, centre crop, rescale, normalise with the model's own mean and std, written
 * as CHW float32 straight into a batch tensor.
 */
import path from 'node:path';
import { ImageInputError } from '../errors.ts';
import { readJsonFile } from '../tokenizer/read-json.ts';
import { type PreprocessSpec, parsePreprocessorConfig } from './config.ts';
import { type DecodeMode, decodeImage } from './decode.ts';
import { type ImageLimits, resolveImageLimits } from './limits.ts';
import { type Dimensions, normalisationTables, resizeTarget, writeChw, writeRgb } from './preprocess.ts';
import { type ImageInput, readImageSource } from './source.ts';

/** What a batch slot holds after {@link ImageProcessor.preprocessBatch}: the original size, or why it failed. */
export type SlotResult = Dimensions | ImageInputError;

/** Pixels of a batch and what happened to each slot. */
export interface PreprocessedBatch {
  /** `[n, 3, size, size]`; a failed slot is all zeros. */
  pixels: Float32Array;
  results: SlotResult[];
}

/** Options of {@link ImageProcessor.preprocessBatch}. */
export interface BatchOptions {
  /**
   * Images decoded at once. Defaults to libuv's pool size (`UV_THREADPOOL_SIZE`, 4), which is what sharp runs on;
   * more would only hold more encoded files in memory.
   */
  concurrency?: number;
}

/** Options of {@link ImageProcessor.fromDir} and {@link ImageProcessor.fromConfig}. */
export interface ProcessorOptions {
  /** Per-image limits; unset ones take the defaults (`DEFAULT_IMAGE_LIMITS`). */
  limits?: Partial<ImageLimits>;
  /** `exact` (default: transformers' pixels) or `fast` (shrink-on-load; see {@link DecodeMode}). */
  decode?: DecodeMode;
}

/** Turns images into the `pixel_values` a MetaCLIP vision tower takes. */
export class ImageProcessor {
  /** Side of the square the model takes: each image becomes `3 * size * size` floats. */
  readonly size: number;
  /** What preprocessing does, resolved from the config. */
  readonly spec: Readonly<PreprocessSpec>;
  /** Per-image limits of decoding. */
  readonly limits: Readonly<ImageLimits>;
  /** How close to transformers' pixels decoding stays. */
  readonly decode: DecodeMode;
  readonly #tables: Float32Array[];

  private constructor(spec: PreprocessSpec, options: ProcessorOptions) {
    this.spec = spec;
    this.size = spec.size;
    this.limits = resolveImageLimits(options.limits);
    this.decode = options.decode ?? 'exact';
    this.#tables = normalisationTables(spec);
  }

  /**
   * Reads `preprocessor_config.json` from a model folder.
   * @throws ModelLoadError when the file is missing or malformed.
   */
  static async fromDir(dir: string, options: ProcessorOptions = {}): Promise<ImageProcessor> {
    const file = path.join(dir, 'preprocessor_config.json');
    return new ImageProcessor(parsePreprocessorConfig(await readJsonFile(file), file), options);
  }

  /**
   * From the parsed content of a `preprocessor_config.json`.
   * @throws ModelLoadError when it is malformed; RangeError when a limit is not a positive integer.
   */
  static fromConfig(config: unknown, options: ProcessorOptions = {}): ImageProcessor {
    return new ImageProcessor(parsePreprocessorConfig(config), options);
  }

  /** Floats one image takes in a batch tensor. */
  get floatsPerImage(): number {
    return 3 * this.size * this.size;
  }

  /**
   * Decodes `input` (bytes or a file path) and writes its `3 * size * size` normalised floats at `out[offset]`.
   * @returns the original width and height (after EXIF orientation).
   * @throws ImageInputError (an `ImageInputError` with a `reason`) when the image cannot be used;
   *   RangeError when `out` has no room at `offset`.
   */
  async preprocess(input: ImageInput, out: Float32Array, offset: number): Promise<Dimensions> {
    if (!Number.isInteger(offset) || offset < 0 || offset + this.floatsPerImage > out.length) {
      throw new RangeError(`no room for ${this.floatsPerImage} floats at offset ${offset} in ${out.length}`);
    }
    const decoded = await this.#decode(input);
    writeChw(decoded.rgb, decoded.resized, this.size, this.#tables, out, offset, decoded.region);
    return decoded.original;
  }

  /**
   * Like {@link preprocess}, but writes the centre crop as `3 * size * size` bytes of packed RGB (HWC, before
   * rescale and normalisation) at `out[offset]`: the input of a vision graph that normalises inside
   * (`MetaClipModel.embedRgb`). A quarter of the bytes, and no per-pixel arithmetic on this thread.
   */
  async preprocessRgb(input: ImageInput, out: Uint8Array, offset: number): Promise<Dimensions> {
    if (!Number.isInteger(offset) || offset < 0 || offset + this.floatsPerImage > out.length) {
      throw new RangeError(`no room for ${this.floatsPerImage} bytes at offset ${offset} in ${out.length}`);
    }
    const decoded = await this.#decode(input);
    writeRgb(decoded.rgb, decoded.resized, this.size, out, offset, decoded.region);
    return decoded.original;
  }

  /**
   * Normalises `n` packed-RGB crops (as {@link preprocessRgb} writes them) into CHW floats, `out[i * 3 * S * S]`,
   * exactly as {@link preprocess} would have: for a vision graph that takes `pixel_values`.
   */
  normaliseRgb(rgb: Uint8Array, n: number, out: Float32Array): Float32Array {
    const per = this.floatsPerImage;
    const full = { width: this.size, height: this.size };
    for (let i = 0; i < n; i++) {
      writeChw(rgb.subarray(i * per, (i + 1) * per), full, this.size, this.#tables, out, i * per);
    }
    return out.subarray(0, n * per);
  }

  async #decode(input: ImageInput) {
    const bytes = await readImageSource(input, this.limits.maxBytes);
    const { resize } = this.spec;
    return decodeImage(bytes, {
      limits: this.limits,
      mode: this.decode,
      kernel: this.spec.kernel,
      target: (original) => (resize ? resizeTarget(original.width, original.height, resize) : null),
      crop: this.size,
      source: typeof input === 'string' ? input : undefined,
    });
  }

  /**
   * Preprocesses `inputs` in parallel, image `i` into slot `i` of `out` (allocated when not given). One bad image
   * never fails the batch: its slot is zeroed and its result is the {@link ImageInputError}.
   * @throws RangeError when `out` is smaller than `inputs.length` slots.
   */
  async preprocessBatch(
    inputs: readonly ImageInput[],
    out?: Float32Array,
    opts: BatchOptions = {},
  ): Promise<PreprocessedBatch> {
    const per = this.floatsPerImage;
    const pixels = out ?? new Float32Array(inputs.length * per);
    if (pixels.length < inputs.length * per) {
      throw new RangeError(`out holds ${pixels.length} floats, ${inputs.length} images need ${inputs.length * per}`);
    }
    const results: SlotResult[] = new Array(inputs.length);
    const concurrency = Math.max(1, opts.concurrency ?? (Number(process.env.UV_THREADPOOL_SIZE) || 4));
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < inputs.length; i = next++) {
        try {
          results[i] = await this.preprocess(inputs[i] as ImageInput, pixels, i * per);
        } catch (err) {
          if (!(err instanceof ImageInputError)) throw err;
          pixels.fill(0, i * per, (i + 1) * per);
          results[i] = err;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, inputs.length) }, worker));
    return { pixels, results };
  }
}
