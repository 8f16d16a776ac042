/**
 * `MetaClipModel`: a loaded MetaCLIP (tokenizer, image processor, ONNX towers on a device) with the embedding calls
 * the rest of the system uses. Create it with `loadModel`.
 *
 * The hot path is {@link MetaClipModel.embedPixels}: the worker's batcher preprocesses images straight into a batch
 * buffer and hands it over; the buffer is wrapped as a tensor without a copy and the runtime's output array is
 * returned as is.
 */
import * as ort from 'onnxruntime-node';
import type { Logger } from 'pino';
import { ImageInputError } from '../errors.ts';
import type { ImageProcessor } from '../image/processor.ts';
import type { ClipTokenizer } from '../tokenizer/clip-tokenizer.ts';
import { attentionMask, trimPadding } from './text-batch.ts';
import type { Towers } from './towers.ts';

/** Texts per text-tower run: bounds memory when embedding e.g. 1000 classes x 80 templates. */
const TEXT_BATCH = 128;
/** Images decoded and run together by {@link MetaClipModel.embedImages}. */
const IMAGE_BATCH = 32;

/** Everything a model is made of (what `loadModel` assembles). */
export interface MetaClipModelParts {
  ref: string;
  dir: string;
  device: string;
  embedDim: number;
  imageSize: number;
  channels: number;
  /** What the vision tower is fed (`loadModel`'s `visionInput`). */
  visionInput: 'pixel_values' | 'rgb';
  /** The vision session takes `rgb` itself (the converter's `vision_model_rgb.onnx`). */
  rgbGraph: boolean;
  logitScale: number;
  tokenizer: ClipTokenizer;
  processor: ImageProcessor;
  towers: Towers;
  logger?: Logger;
}

/** A loaded MetaCLIP model. */
export class MetaClipModel {
  /** What the caller asked for (folder or hub id). */
  readonly ref: string;
  /** The ONNX folder the sessions were created from. */
  readonly dir: string;
  /** Canonical device string (`cpu`, `cuda:0`, `webgpu`). */
  readonly device: string;
  /** Width of image and text embeddings (the projection dim). */
  readonly embedDim: number;
  /** Side of the square input image (pixel_values are `[n, 3, imageSize, imageSize]`). */
  readonly imageSize: number;
  /** exp(logit_scale): the factor on cosine similarities before a softmax over labels. */
  readonly logitScale: number;
  readonly tokenizer: ClipTokenizer;
  readonly processor: ImageProcessor;
  readonly #towers: Towers;
  readonly #channels: number;
  readonly #visionInput: 'pixel_values' | 'rgb';
  readonly #rgbGraph: boolean;
  /** Float batch of {@link embedRgb} when the graph takes `pixel_values` (normalised on the host). */
  #normalised: Float32Array | undefined;
  readonly #log: Logger | undefined;
  /** Pixel buffers of {@link embedImages}, reused across calls. */
  readonly #buffers: Float32Array[] = [];
  #disposed = false;

  constructor(parts: MetaClipModelParts) {
    this.ref = parts.ref;
    this.dir = parts.dir;
    this.device = parts.device;
    this.embedDim = parts.embedDim;
    this.imageSize = parts.imageSize;
    this.logitScale = parts.logitScale;
    this.tokenizer = parts.tokenizer;
    this.processor = parts.processor;
    this.#towers = parts.towers;
    this.#channels = parts.channels;
    this.#visionInput = parts.visionInput;
    this.#rgbGraph = parts.rgbGraph;
    this.#log = parts.logger;
  }

  /** Floats of one preprocessed image (`3 * S * S`). */
  get pixelsPerImage(): number {
    return this.#channels * this.imageSize * this.imageSize;
  }

  /**
   * Raw image embeddings of `n` preprocessed images. `pixels` holds at least `n * 3 * S * S` floats (a larger batch
   * buffer is fine: only the first `n` images are read, without a copy). Returns `[n, D]` row-major.
   */
  async embedPixels(pixels: Float32Array, n: number): Promise<Float32Array> {
    this.#assertLive();
    if (this.#visionInput === 'rgb') {
      throw new Error(`model ${this.ref} was loaded with visionInput 'rgb': use embedRgb`);
    }
    return this.#embedFloats(pixels, n);
  }

  /**
   * Raw image embeddings of `n` packed 8-bit RGB crops (`ImageProcessor.preprocessRgb`'s `3 * S * S` bytes each,
   * at least `n` of them in `rgb`). With `loadModel`'s `visionInput: 'rgb'` and the converter's RGB graph, the bytes
   * are the tensor and the graph normalises; otherwise they are normalised here first. Returns `[n, D]`.
   */
  async embedRgb(rgb: Uint8Array, n: number): Promise<Float32Array> {
    this.#assertLive();
    const per = this.pixelsPerImage;
    if (!Number.isInteger(n) || n < 1 || rgb.length < n * per) {
      throw new RangeError(`embedRgb: need n >= 1 and ${per} bytes per image; got n=${n}, ${rgb.length} bytes`);
    }
    if (this.#rgbGraph) {
      const view = rgb.length === n * per ? rgb : rgb.subarray(0, n * per);
      return this.#towers.image(new ort.Tensor('uint8', view, [n, this.imageSize, this.imageSize, this.#channels]));
    }
    if (!this.#normalised || this.#normalised.length < n * per) this.#normalised = new Float32Array(n * per);
    return this.#embedFloats(this.processor.normaliseRgb(rgb, n, this.#normalised), n);
  }

  async #embedFloats(pixels: Float32Array, n: number): Promise<Float32Array> {
    const per = this.pixelsPerImage;
    if (!Number.isInteger(n) || n < 1 || pixels.length < n * per) {
      throw new RangeError(`embedPixels: need n >= 1 and ${per} floats per image; got n=${n}, ${pixels.length} floats`);
    }
    const view = pixels.length === n * per ? pixels : pixels.subarray(0, n * per);
    const tensor = new ort.Tensor('float32', view, [n, this.#channels, this.imageSize, this.imageSize]);
    return this.#towers.image(tensor);
  }

  /** Raw text embeddings, one `Float32Array(D)` per text, in order. */
  async embedTexts(texts: string[]): Promise<Float32Array[]> {
    this.#assertLive();
    const out: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += TEXT_BATCH) {
      const encoded = this.tokenizer.encodeBatch(texts.slice(start, start + TEXT_BATCH));
      const tokens = trimPadding(
        { ids: encoded.inputIds, batch: encoded.batch, length: encoded.length },
        this.tokenizer.eosId,
      );
      const ids = new ort.Tensor('int64', tokens.ids, [tokens.batch, tokens.length]);
      const mask = () => new ort.Tensor('int64', attentionMask(tokens, this.tokenizer.eosId), ids.dims);
      const embeds = await this.#towers.text(ids, mask);
      for (let i = 0; i < tokens.batch; i++) out.push(embeds.subarray(i * this.embedDim, (i + 1) * this.embedDim));
    }
    return out;
  }

  /**
   * Decode, preprocess and embed images (paths or encoded bytes). A bad image yields its {@link ImageInputError}
   * in its slot; the others are embedded.
   */
  async embedImages(inputs: (string | Buffer)[]): Promise<(Float32Array | ImageInputError)[]> {
    this.#assertLive();
    const results: (Float32Array | ImageInputError)[] = [];
    const per = this.pixelsPerImage;
    const buffer = this.#buffers.pop() ?? new Float32Array(IMAGE_BATCH * per);
    try {
      for (let start = 0; start < inputs.length; start += IMAGE_BATCH) {
        const chunk = inputs.slice(start, start + IMAGE_BATCH);
        const { results: slots } = await this.processor.preprocessBatch(chunk, buffer);
        // Move good images down over the slots of bad ones so the batch is contiguous.
        let good = 0;
        slots.forEach((slot, i) => {
          if (slot instanceof ImageInputError) return;
          if (good !== i) buffer.copyWithin(good * per, i * per, (i + 1) * per);
          good++;
        });
        const embeds = good > 0 ? await this.embedPixels(buffer, good) : new Float32Array(0);
        let row = 0;
        for (const slot of slots) {
          results.push(
            slot instanceof ImageInputError ? slot : embeds.subarray(row * this.embedDim, ++row * this.embedDim),
          );
        }
      }
    } finally {
      this.#buffers.push(buffer);
    }
    return results;
  }

  /** Release the sessions; the model cannot be used afterwards. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#buffers.length = 0;
    await this.#towers.release();
    this.#log?.debug({ model: this.ref }, 'model disposed');
  }

  #assertLive(): void {
    if (this.#disposed) throw new Error(`model ${this.ref} was disposed`);
  }
}
