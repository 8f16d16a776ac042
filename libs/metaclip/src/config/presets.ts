/**
 * Named model shapes for `convert --random --config NAME`: every MetaCLIP checkpoint size, so benchmarks and memory
 * checks run on the real shapes without the real weights.
 *
 * MetaCLIP 1 (OpenAI CLIP's architecture, quick_gelu, CLIP BPE vocabulary) from MetaCLIP's `model_configs/ViT-*-quickgelu.json`;
 * MetaCLIP 2 (worldwide: XLM-V vocabulary of 901,629 pieces, `</s>` = 2 pooled at its first occurrence) from
 * `model_configs/ViT-*-worldwide.json` and transformers' `convert_metaclip_2_to_hf.py`. Vision heads follow
 * open_clip's head width of 64 (80 for H, 104 for bigG: 16 heads); MLPs are 4x wide except bigG's 8,192.
 */
import type { ClipConfig, ClipTextConfig, ClipVisionConfig, HiddenAct, ModelType } from './clip-config.ts';

interface Tower {
  width: number;
  layers: number;
  heads: number;
  mlp?: number;
}

const CLIP_VOCAB = { vocabSize: 49408, eosTokenId: 49407 } as const;
/** XLM-V's vocabulary (fairseq ids: `<s>` 0, `<pad>` 1, `</s>` 2, `<unk>` 3). */
const XLMV_VOCAB = { vocabSize: 901629, eosTokenId: 2 } as const;

function shape(
  modelType: ModelType,
  act: HiddenAct,
  vision: Tower & { patch: number; image?: number },
  text: Tower,
  projectionDim: number,
): ClipConfig {
  const tower = (t: Tower) => ({
    hiddenAct: act,
    layerNormEps: 1e-5,
    hiddenSize: t.width,
    numLayers: t.layers,
    numHeads: t.heads,
    intermediateSize: t.mlp ?? 4 * t.width,
  });
  const v: ClipVisionConfig = {
    ...tower(vision),
    imageSize: vision.image ?? 224,
    patchSize: vision.patch,
    numChannels: 3,
  };
  const t: ClipTextConfig = {
    ...tower(text),
    ...(modelType === 'metaclip_2' ? XLMV_VOCAB : CLIP_VOCAB),
    maxPositions: 77,
    pooling: 'first-eos',
  };
  return { modelType, vision: v, text: t, projectionDim, logitScaleInit: 2.6592 };
}

const mc1 = (vision: Tower & { patch: number }, text: Tower, dim: number) =>
  shape('clip', 'quick_gelu', vision, text, dim);
const mc2 = (act: HiddenAct, vision: Tower & { patch: number; image?: number }, text: Tower, dim: number) =>
  shape('metaclip_2', act, vision, text, dim);

const B = { width: 768, layers: 12, heads: 12 };
const L = { width: 1024, layers: 24, heads: 16 };
const H = { width: 1280, layers: 32, heads: 16 };
const G = { width: 1664, layers: 48, heads: 16, mlp: 8192 };
const TEXT_B = { width: 512, layers: 12, heads: 8 };
const TEXT_L = { width: 768, layers: 12, heads: 12 };
const TEXT_H = { width: 1024, layers: 24, heads: 16 };
const TEXT_G = { width: 1280, layers: 32, heads: 20 };

/**
 * Every named shape. `tiny` is the shared test fixture's (`fixtures/tiny-clip`); `b32` ... `bigG14` are MetaCLIP 1
 * (`facebook/metaclip-*`); `mc2-*` are MetaCLIP 2 worldwide (`facebook/metaclip-2-worldwide-*`; `mc2-h14` is the
 * quick_gelu "huge" model, the others use gelu; `s16` ... `l14` are the distilled ones).
 */
export const CLIP_PRESETS = {
  tiny: shape(
    'clip',
    'quick_gelu',
    { width: 48, layers: 2, heads: 4, mlp: 96, patch: 16 },
    { width: 32, layers: 2, heads: 4, mlp: 64 },
    24,
  ),
  b32: mc1({ ...B, patch: 32 }, TEXT_B, 512),
  b16: mc1({ ...B, patch: 16 }, TEXT_B, 512),
  l14: mc1({ ...L, patch: 14 }, TEXT_L, 768),
  h14: mc1({ ...H, patch: 14 }, TEXT_H, 1024),
  bigG14: mc1({ ...G, patch: 14 }, TEXT_G, 1280),
  'mc2-h14': mc2('quick_gelu', { ...H, patch: 14 }, TEXT_H, 1024),
  'mc2-h14-378': mc2('gelu', { ...H, patch: 14, image: 378 }, TEXT_H, 1024),
  'mc2-bigG14': mc2('gelu', { ...G, patch: 14 }, TEXT_G, 1280),
  'mc2-bigG14-378': mc2('gelu', { ...G, patch: 14, image: 378 }, TEXT_G, 1280),
  'mc2-s16': mc2('gelu', { width: 384, layers: 12, heads: 6, patch: 16 }, { width: 384, layers: 12, heads: 6 }, 384),
  'mc2-m16': mc2('gelu', { width: 512, layers: 12, heads: 8, patch: 16 }, TEXT_B, 512),
  'mc2-b32': mc2('gelu', { ...B, patch: 32 }, TEXT_B, 512),
  'mc2-b16': mc2('gelu', { ...B, patch: 16 }, TEXT_B, 512),
  'mc2-l14': mc2('gelu', { ...L, patch: 14 }, TEXT_L, 768),
} as const satisfies Record<string, ClipConfig>;

/** Name of a preset in {@link CLIP_PRESETS}. */
export type ClipPreset = keyof typeof CLIP_PRESETS;
