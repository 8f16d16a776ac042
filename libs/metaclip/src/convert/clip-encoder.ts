/**
 * Emits CLIP's pre-LN transformer encoder (modeling_clip.py `CLIPEncoderLayer`):
 *
 *   x = x + out_proj(attn(layer_norm1(x)));  x = x + fc2(act(fc1(layer_norm2(x))))
 *
 * in one of two op sets with the same math:
 * - standard opset 17 (LayerNormalization, MatMul, Softmax, ...), which any runtime loads;
 * - onnxruntime's com.microsoft fused ops (MultiHeadAttention, QuickGelu/BiasGelu, SkipLayerNormalization), which
 *   the CPU and CUDA providers implement and which the GPU path needs for speed.
 *
 * Both fold the attention scale 1/sqrt(head_dim) into the Q weights (exact for head_dim 64, a power of two) and
 * both take the final norm, so a fused graph can merge the last residual add into it.
 */
import type { ClipEncoderConfig } from '../config/clip-config.ts';
import type { GraphBuilder } from './graph-builder.ts';
import { concatLinear, type LinearWeights, scaleLinear, type WeightReader } from './weights.ts';

const MS = 'com.microsoft';

/** How to emit the encoder. */
export interface EncoderOptions {
  /** Use com.microsoft fused ops. */
  fused: boolean;
  /** Causal self-attention (the text tower). Unfused graphs need `causalMask` too. */
  causal: boolean;
  /** Additive `[L, L]` mask (0 on and below the diagonal, dtype minimum above) for unfused causal attention. */
  causalMask?: string;
  /**
   * Only the first token leaves the last layer (the vision tower pools CLS): its Q, attention output and MLP are
   * computed for that token alone, which saves most of the last layer at identical math.
   */
  firstTokenOnly: boolean;
  /** Weight name prefix of the final LayerNorm applied to the output (`post_layernorm`, `final_layer_norm`). */
  finalNorm: string;
}

/**
 * Emit `config.numLayers` layers reading weights under `<prefix>.encoder.layers.<i>` and return the normalized
 * output `[N, L, D]` (`[N, 1, D]` with `firstTokenOnly`).
 */
export function emitEncoder(
  b: GraphBuilder,
  w: WeightReader,
  prefix: string,
  config: ClipEncoderConfig,
  input: string,
  options: EncoderOptions,
): string {
  const layer = (i: number) => `${prefix}.encoder.layers.${i}`;
  const norm = (name: string) => layerNormWeights(b, w, name, config.hiddenSize);
  const final = norm(options.finalNorm);
  let x = input;
  let h = layerNorm(b, x, norm(`${layer(0)}.layer_norm1`), config.layerNormEps);
  for (let i = 0; i < config.numLayers; i++) {
    const name = layer(i);
    const last = i === config.numLayers - 1;
    const firstOnly = last && options.firstTokenOnly;
    const residual = firstOnly ? firstToken(b, x) : x;
    const attn = attention(b, w, name, config, h, firstOnly, options);
    const outProj = w.linear(`${name}.self_attn.out_proj`, config.hiddenSize, config.hiddenSize);
    const nextNorm = last ? final : norm(`${layer(i + 1)}.layer_norm1`);
    if (options.fused) {
      const [h2, x1] = skipLayerNorm(
        b,
        residual,
        matmul(b, attn, outProj, `${name}.self_attn.out_proj`, false),
        norm(`${name}.layer_norm2`),
        biasOf(b, outProj, `${name}.self_attn.out_proj`),
        config.layerNormEps,
      );
      const fc2 = w.linear(`${name}.mlp.fc2`, config.hiddenSize, config.intermediateSize);
      const mlpOut = matmul(b, mlpHidden(b, w, name, config, h2, true), fc2, `${name}.mlp.fc2`, false);
      [h, x] = skipLayerNorm(b, x1, mlpOut, nextNorm, biasOf(b, fc2, `${name}.mlp.fc2`), config.layerNormEps);
    } else {
      const x1 = b.op('Add', [residual, matmul(b, attn, outProj, `${name}.self_attn.out_proj`, true)]);
      const h2 = layerNorm(b, x1, norm(`${name}.layer_norm2`), config.layerNormEps);
      const fc2 = w.linear(`${name}.mlp.fc2`, config.hiddenSize, config.intermediateSize);
      x = b.op('Add', [x1, matmul(b, mlpHidden(b, w, name, config, h2, false), fc2, `${name}.mlp.fc2`, true)]);
      h = layerNorm(b, x, nextNorm, config.layerNormEps);
    }
  }
  return h;
}

/** Self-attention before `out_proj`: `[N, Lq, D]`. */
function attention(
  b: GraphBuilder,
  w: WeightReader,
  name: string,
  config: ClipEncoderConfig,
  h: string,
  firstOnly: boolean,
  options: EncoderOptions,
): string {
  const d = config.hiddenSize;
  const headDim = d / config.numHeads;
  const proj = (p: string) => w.linear(`${name}.self_attn.${p}`, d, d);
  const q = scaleLinear(proj('q_proj'), headDim ** -0.5);
  const k = proj('k_proj');
  const v = proj('v_proj');
  let query: string;
  let key: string;
  let value: string;
  if (firstOnly) {
    // Keys and values still come from every token; only the query is the first token's.
    const kv = concatLinear([k, v]);
    query = matmul(b, firstToken(b, h), q, `${name}.self_attn.q_proj`, !options.fused);
    [key, value] = split(b, matmul(b, h, kv, `${name}.self_attn.kv_proj`, !options.fused), [d, d]) as [string, string];
  } else {
    const packed = matmul(b, h, concatLinear([q, k, v]), `${name}.self_attn.qkv_proj`, !options.fused);
    [query, key, value] = split(b, packed, [d, d, d]) as [string, string, string];
  }
  if (options.fused) {
    const attrs = { num_heads: { i: config.numHeads }, scale: { f: 1 }, unidirectional: { i: options.causal ? 1 : 0 } };
    // MultiHeadAttention adds the Q, K and V biases itself.
    const bias = Float32Array.from([...(q.bias ?? []), ...(k.bias ?? []), ...(v.bias ?? [])]);
    const biasName = b.weight(`${name}.self_attn.qkv_bias`, [3 * d], bias);
    return b.op('MultiHeadAttention', [query, key, value, biasName], attrs, { domain: MS });
  }
  const heads = b.int64([0, 0, config.numHeads, headDim]);
  const q4 = b.op('Transpose', [b.op('Reshape', [query, heads])], { perm: { ints: [0, 2, 1, 3] } });
  const kT = b.op('Transpose', [b.op('Reshape', [key, heads])], { perm: { ints: [0, 2, 3, 1] } });
  const v4 = b.op('Transpose', [b.op('Reshape', [value, heads])], { perm: { ints: [0, 2, 1, 3] } });
  let scores = b.op('MatMul', [q4, kT]);
  if (options.causal) {
    if (!options.causalMask) throw new Error('unfused causal attention needs options.causalMask');
    scores = b.op('Add', [scores, options.causalMask]);
  }
  const probs = softmax(b, scores);
  const out = b.op('Transpose', [b.op('MatMul', [probs, v4])], { perm: { ints: [0, 2, 1, 3] } });
  return b.op('Reshape', [out, b.int64([0, 0, d])]);
}

/** fc1 + activation: `[N, L, intermediate]`. */
function mlpHidden(
  b: GraphBuilder,
  w: WeightReader,
  name: string,
  config: ClipEncoderConfig,
  h: string,
  fused: boolean,
) {
  const fc1 = w.linear(`${name}.mlp.fc1`, config.intermediateSize, config.hiddenSize);
  if (fused && config.hiddenAct === 'gelu') {
    return b.op(
      'BiasGelu',
      [matmul(b, h, fc1, `${name}.mlp.fc1`, false), biasOf(b, fc1, `${name}.mlp.fc1`)],
      {},
      {
        domain: MS,
      },
    );
  }
  const x = matmul(b, h, fc1, `${name}.mlp.fc1`, true);
  if (config.hiddenAct === 'quick_gelu') {
    if (fused) return b.op('QuickGelu', [x], { alpha: { f: 1.702 } }, { domain: MS });
    return b.op('Mul', [x, b.op('Sigmoid', [b.op('Mul', [x, b.scalar(1.702)])])]);
  }
  // Exact GELU: x * 0.5 * (1 + erf(x / sqrt(2))).
  const erf = b.op('Erf', [b.op('Div', [x, b.scalar(Math.SQRT2)])]);
  return b.op('Mul', [b.op('Mul', [x, b.scalar(0.5)]), b.op('Add', [erf, b.scalar(1)])]);
}

/** A LayerNorm's scale and shift initializers. */
export interface NormWeights {
  gamma: string;
  beta: string;
}

/** Add `<name>.weight` and `<name>.bias` (`[size]`) as initializers. */
export function layerNormWeights(b: GraphBuilder, w: WeightReader, name: string, size: number): NormWeights {
  return {
    gamma: b.weight(`${name}.weight`, [size], w.tensor(`${name}.weight`, [size])),
    beta: b.weight(`${name}.bias`, [size], w.tensor(`${name}.bias`, [size])),
  };
}

/** Standard LayerNormalization over the last axis. */
export function layerNorm(b: GraphBuilder, x: string, n: NormWeights, eps: number): string {
  return b.op('LayerNormalization', [x, n.gamma, n.beta], { axis: { i: -1 }, epsilon: { f: eps } });
}

/** com.microsoft SkipLayerNormalization: returns [LN(x + skip + bias), x + skip + bias]. */
function skipLayerNorm(b: GraphBuilder, x: string, skip: string, n: NormWeights, bias: string, eps: number) {
  const [out, , , sum] = b.opN(
    'SkipLayerNormalization',
    [x, skip, n.gamma, n.beta, bias],
    { epsilon: { f: eps } },
    {
      domain: MS,
      outputs: 4,
    },
  );
  return [out, sum] as [string, string];
}

/** `x @ W` (+ bias when `withBias`). */
function matmul(b: GraphBuilder, x: string, layer: LinearWeights, name: string, withBias: boolean): string {
  const y = b.matmulWeight(x, `${name}.weight_t`, [layer.inFeatures, layer.outFeatures], layer.weight);
  return withBias && layer.bias ? b.op('Add', [y, biasOf(b, layer, name)]) : y;
}

function biasOf(b: GraphBuilder, layer: LinearWeights, name: string): string {
  return b.weight(`${name}.bias`, [layer.outFeatures], layer.bias as Float32Array);
}

function split(b: GraphBuilder, x: string, sizes: number[]): string[] {
  return b.opN('Split', [x, b.int64(sizes)], { axis: { i: -1 } }, { outputs: sizes.length });
}

/** `x[:, 0:1, :]`. */
function firstToken(b: GraphBuilder, x: string): string {
  return b.op('Slice', [x, b.int64([0]), b.int64([1]), b.int64([1])]);
}

/** Softmax over the last axis, in float32 as transformers does even for half-precision models. */
function softmax(b: GraphBuilder, scores: string): string {
  if (b.dtype === 'float32') return b.op('Softmax', [scores], { axis: { i: -1 } });
  const p = b.op('Softmax', [b.op('Cast', [scores], { to: { i: 1 } })], { axis: { i: -1 } });
  return b.op('Cast', [p], { to: { i: 10 } });
}
