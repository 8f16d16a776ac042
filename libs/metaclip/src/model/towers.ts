/**
 * The two towers behind one interface, whether a folder has them as separate graphs (`vision_model.onnx`,
 * `text_model.onnx`: ours, and most transformers.js exports) or only as the combined `model.onnx`, which must be fed
 * both inputs on every run (so a one-row dummy of the other modality goes along).
 */
import * as ort from 'onnxruntime-node';

/** Runs the towers; each call returns raw (unnormalised) embeddings `[n, D]` row-major. */
export interface Towers {
  /** pixel_values float32 `[n, C, S, S]`, or for a graph that takes `rgb`, uint8 `[n, S, S, C]`. */
  image(pixels: ort.Tensor): Promise<Float32Array>;
  /** input_ids int64 `[n, L]`, padded after the end token; `mask` is the matching attention mask. */
  text(ids: ort.Tensor, mask: () => ort.Tensor): Promise<Float32Array>;
  release(): Promise<void>;
}

/**
 * Separate vision and text sessions. Either may be left out (`loadModel`'s `towers` option: a worker's main thread
 * needs only the text tower when vision threads embed the images, and each vision thread only the vision tower).
 */
export class SeparateTowers implements Towers {
  constructor(
    private readonly vision: ort.InferenceSession | undefined,
    private readonly textSession: ort.InferenceSession | undefined,
  ) {}

  async image(pixels: ort.Tensor): Promise<Float32Array> {
    if (!this.vision) throw new Error("this model was loaded without its vision tower (loadModel's towers: 'text')");
    // `pixel_values`, or `rgb` for the converter's vision_model_rgb.onnx: the one input the graph declares.
    const out = await this.vision.run({ [this.vision.inputNames[0] as string]: pixels }, ['image_embeds']);
    return (out.image_embeds as ort.Tensor).data as Float32Array;
  }

  async text(ids: ort.Tensor, mask: () => ort.Tensor): Promise<Float32Array> {
    const session = this.textSession;
    if (!session) throw new Error("this model was loaded without its text tower (loadModel's towers: 'vision')");
    const feeds: Record<string, ort.Tensor> = { input_ids: ids };
    // Third-party exports sometimes declare attention_mask; ours do not need it (causal attention, EOS pooling).
    if (session.inputNames.includes('attention_mask')) feeds.attention_mask = mask();
    const out = await session.run(feeds, ['text_embeds']);
    return (out.text_embeds as ort.Tensor).data as Float32Array;
  }

  async release(): Promise<void> {
    await Promise.all([this.vision?.release(), this.textSession?.release()]);
  }
}

/** Only `model.onnx`: both inputs on every run, the unwanted side a single dummy row. */
export class CombinedTowers implements Towers {
  constructor(
    /** The `model.onnx` session (also read once by loadModel, for the logit scale). */
    readonly session: ort.InferenceSession,
    private readonly imageShape: readonly [number, number, number],
    private readonly dummyIds: readonly bigint[],
  ) {}

  async image(pixels: ort.Tensor): Promise<Float32Array> {
    const ids = new ort.Tensor('int64', BigInt64Array.from(this.dummyIds), [1, this.dummyIds.length]);
    const out = await this.session.run(
      this.feeds(ids, () => ones(ids.dims), pixels),
      ['image_embeds'],
    );
    return (out.image_embeds as ort.Tensor).data as Float32Array;
  }

  async text(ids: ort.Tensor, mask: () => ort.Tensor): Promise<Float32Array> {
    const [c, h, w] = this.imageShape;
    const pixels = new ort.Tensor('float32', new Float32Array(c * h * w), [1, c, h, w]);
    const out = await this.session.run(this.feeds(ids, mask, pixels), ['text_embeds']);
    return (out.text_embeds as ort.Tensor).data as Float32Array;
  }

  async release(): Promise<void> {
    await this.session.release();
  }

  private feeds(ids: ort.Tensor, mask: () => ort.Tensor, pixels: ort.Tensor): Record<string, ort.Tensor> {
    const feeds: Record<string, ort.Tensor> = { input_ids: ids, pixel_values: pixels };
    if (this.session.inputNames.includes('attention_mask')) feeds.attention_mask = mask();
    return feeds;
  }
}

function ones(dims: readonly number[]): ort.Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  return new ort.Tensor('int64', new BigInt64Array(n).fill(1n), dims);
}
