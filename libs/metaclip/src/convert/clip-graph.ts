/**
 * The two CLIP towers as ONNX, following transformers' modeling_clip.py:
 * - vision (`CLIPModel.get_image_features`): patch conv, class embedding, positions, pre_layrnorm, encoder,
 *   post_layernorm on CLS, visual_projection;
 * - text (`CLIPModel.get_text_features`): token + position embeddings, causal encoder, final_layer_norm, pooling at
 *   EOS (first `eos_token_id`, or argmax of the ids for legacy configs), text_projection;
 * - and what `CLIPModel.forward` adds for `model.onnx`: cosine logits scaled by `exp(logit_scale)`.
 *
 * Inputs and outputs are float32 whatever the compute dtype; fp16 graphs cast at the edges.
 */
import type { ClipConfig } from '../config/clip-config.ts';
import { emitEncoder, layerNorm, layerNormWeights } from './clip-encoder.ts';
import type { GraphBuilder } from './graph-builder.ts';
import type { ValueInfo } from './onnx-proto.ts';
import type { WeightReader } from './weights.ts';

/** What the towers are emitted with. */
export interface TowerOptions {
  fused: boolean;
}

/** Values per chunk of a streamed weight (4 MB of float32). */
const STREAM_CHUNK_VALUES = 1 << 20;

const FLOAT32 = 1;
const FLOAT16 = 10;

/** Graph inputs and outputs (the names transformers.js and our runtime feed and read). */
export const IO = {
  pixelValues: (size: number, channels: number): ValueInfo => ({
    name: 'pixel_values',
    dataType: 'float32',
    shape: ['batch_size', channels, size, size],
  }),
  /** Packed 8-bit RGB crops, as libvips and `ImageProcessor.preprocessRgb` produce them. */
  rgb: (size: number, channels: number): ValueInfo => ({
    name: 'rgb',
    dataType: 'uint8',
    shape: ['batch_size', size, size, channels],
  }),
  inputIds: { name: 'input_ids', dataType: 'int64', shape: ['batch_size', 'sequence_length'] } as ValueInfo,
  imageEmbeds: (dim: number): ValueInfo => ({ name: 'image_embeds', dataType: 'float32', shape: ['image_batch', dim] }),
  textEmbeds: (dim: number): ValueInfo => ({ name: 'text_embeds', dataType: 'float32', shape: ['text_batch', dim] }),
  logitsPerImage: { name: 'logits_per_image', dataType: 'float32', shape: ['image_batch', 'text_batch'] } as ValueInfo,
  logitsPerText: { name: 'logits_per_text', dataType: 'float32', shape: ['text_batch', 'image_batch'] } as ValueInfo,
};

/** Emit the vision tower from graph value `pixels` (float32 `[N, C, S, S]`); returns the float32 `[N, P]` output. */
export function emitVisionTower(
  b: GraphBuilder,
  w: WeightReader,
  config: ClipConfig,
  pixels: string,
  options: TowerOptions,
): string {
  const v = config.vision;
  const d = v.hiddenSize;
  const grid = v.imageSize / v.patchSize;
  const tokens = grid * grid + 1;
  const kernel = [d, v.numChannels, v.patchSize, v.patchSize];
  const conv = w.tensor('vision_model.embeddings.patch_embedding.weight', kernel);
  const positions = w.tensor('vision_model.embeddings.position_embedding.weight', [tokens, d]);
  const classEmbedding = w.tensor('vision_model.embeddings.class_embedding', [d]);

  const input = toCompute(b, pixels);
  const patches = b.op('Conv', [input, b.weight('vision_model.embeddings.patch_embedding.weight', kernel, conv)], {
    kernel_shape: { ints: [v.patchSize, v.patchSize] },
    strides: { ints: [v.patchSize, v.patchSize] },
  });
  // [N, D, G, G] -> [N, G*G, D], plus the patch positions 1..G*G.
  const sequence = b.op('Transpose', [b.op('Reshape', [patches, b.int64([0, d, -1])])], { perm: { ints: [0, 2, 1] } });
  const patchPositions = b.weight('vision_model.embeddings.patch_positions', [grid * grid, d], positions.subarray(d));
  const embedded = b.op('Add', [sequence, patchPositions]);
  // The class token with position 0 (the sum is a float32 add, as in torch), repeated over the batch.
  const cls = classEmbedding.map((x, i) => x + (positions[i] as number));
  const clsName = b.weight('vision_model.embeddings.class_position', [1, 1, d], cls);
  const batch = b.op('Shape', [pixels], { start: { i: 0 }, end: { i: 1 } });
  const clsShape = b.op('Concat', [batch, b.int64([1, d])], { axis: { i: 0 } });
  const hidden = b.op('Concat', [b.op('Expand', [clsName, clsShape]), embedded], { axis: { i: 1 } });

  const pre = layerNormWeights(b, w, 'vision_model.pre_layrnorm', d);
  const encoded = emitEncoder(b, w, 'vision_model', v, layerNorm(b, hidden, pre, v.layerNormEps), {
    fused: options.fused,
    causal: false,
    firstTokenOnly: true,
    finalNorm: 'vision_model.post_layernorm',
  });
  const pooled = b.op('Reshape', [encoded, b.int64([-1, d])]);
  return project(b, w, pooled, 'visual_projection', d, config.projectionDim);
}

/**
 * `pixel_values` from graph value `rgb` (uint8 `[N, S, S, C]`): to CHW, to float32, then `(v - mean) / std` with the
 * 0..255-scale constants of `normalisationConstants`, the same two float32 operations as the host's tables.
 */
export function emitNormalise(b: GraphBuilder, rgb: string, mean: Float32Array, std: Float32Array): string {
  const chw = b.op('Transpose', [rgb], { perm: { ints: [0, 3, 1, 2] } });
  const floats = b.op('Cast', [chw], { to: { i: FLOAT32 } });
  const shape = [1, mean.length, 1, 1];
  const centred = b.op('Sub', [floats, b.weight32('rgb_mean', shape, mean)]);
  return b.op('Div', [centred, b.weight32('rgb_std', shape, std)], {}, { names: ['pixel_values'] });
}

/** Emit the text tower from graph value `ids` (int64 `[N, L]`); returns the float32 `[N, P]` output. */
export function emitTextTower(
  b: GraphBuilder,
  w: WeightReader,
  config: ClipConfig,
  ids: string,
  options: TowerOptions,
): string {
  const t = config.text;
  const d = t.hiddenSize;
  const length = b.op('Shape', [ids], { start: { i: 1 }, end: { i: 2 } });
  const zero = b.int64([0]);
  // Streamed: MetaCLIP 2's 901,629-piece table is 3.7-4.6 GB in float32, more than the rest of the tower.
  const tokenName = 'text_model.embeddings.token_embedding.weight';
  const tokenTable = w.tensorChunks(tokenName, [t.vocabSize, d], STREAM_CHUNK_VALUES);
  const tokens = b.op('Gather', [b.weightChunks(tokenName, [t.vocabSize, d], tokenTable), ids]);
  const positionTable = w.tensor('text_model.embeddings.position_embedding.weight', [t.maxPositions, d]);
  const positions = b.op('Slice', [
    b.weight('text_model.embeddings.position_embedding.weight', [t.maxPositions, d], positionTable),
    zero,
    length,
    zero,
  ]);
  const hidden = b.op('Add', [tokens, positions]);

  let causalMask: string | undefined;
  if (!options.fused) {
    // Additive mask like transformers' eager/sdpa path: 0 where a token may look, the dtype's minimum above.
    const min = b.dtype === 'float16' ? -65504 : -3.4028234663852886e38;
    const full = new Float32Array(t.maxPositions * t.maxPositions);
    for (let r = 0; r < t.maxPositions; r++) full.fill(min, r * t.maxPositions + r + 1, (r + 1) * t.maxPositions);
    const table = b.weight('text_model.causal_mask', [t.maxPositions, t.maxPositions], full);
    const ends = b.op('Concat', [length, length], { axis: { i: 0 } });
    causalMask = b.op('Slice', [table, b.int64([0, 0]), ends, b.int64([0, 1])]);
  }
  const encoded = emitEncoder(b, w, 'text_model', t, hidden, {
    fused: options.fused,
    causal: true,
    causalMask,
    firstTokenOnly: false,
    finalNorm: 'text_model.final_layer_norm',
  });

  // Pooling position per row; ArgMax returns the first maximum, which is what both transformers rules need.
  const ids32 = b.op('Cast', [ids], { to: { i: 6 } });
  const key =
    t.pooling === 'argmax'
      ? ids32
      : b.op('Cast', [b.op('Equal', [ids, b.int64([t.eosTokenId], [])])], { to: { i: 6 } });
  const position = b.op('ArgMax', [key], { axis: { i: 1 }, keepdims: { i: 1 } });
  const pooled = b.op('GatherND', [encoded, position], { batch_dims: { i: 1 } });
  return project(b, w, pooled, 'text_projection', d, config.projectionDim);
}

/**
 * `logits_per_image` `[Ni, Nt]` and `logits_per_text` `[Nt, Ni]`: `exp(logit_scale) * cos(image, text)`, in float32.
 */
export function emitLogits(b: GraphBuilder, imageEmbeds: string, textEmbeds: string, logitScale: number) {
  const unit = (x: string) => b.op('Div', [x, b.op('ReduceL2', [x], { axes: { ints: [-1] }, keepdims: { i: 1 } })]);
  const textT = b.op('Transpose', [unit(textEmbeds)], { perm: { ints: [1, 0] } });
  const scale = b.weight32('logit_scale_exp', [], Float32Array.of(Math.exp(logitScale)));
  const perImage = b.op('Mul', [b.op('MatMul', [unit(imageEmbeds), textT]), scale]);
  const perText = b.op('Transpose', [perImage], { perm: { ints: [1, 0] } });
  return { perImage, perText };
}

function project(b: GraphBuilder, w: WeightReader, pooled: string, name: string, d: number, p: number): string {
  const layer = w.linear(name, p, d, false);
  const out = b.matmulWeight(pooled, `${name}.weight_t`, [d, p], layer.weight);
  return b.dtype === 'float16' ? b.op('Cast', [out], { to: { i: FLOAT32 } }) : out;
}

function toCompute(b: GraphBuilder, x: string): string {
  return b.dtype === 'float16' ? b.op('Cast', [x], { to: { i: FLOAT16 } }) : x;
}
