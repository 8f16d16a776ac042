/**
 * The shape of a CLIP model, parsed from a Hugging Face `config.json`.
 *
 * Missing keys take transformers' `CLIPTextConfig` / `CLIPVisionConfig` / `CLIPConfig` defaults, because older
 * `save_pretrained` wrote only the keys that differ from them; present keys must have the right type and a sane
 * value, or loading fails with a {@link ModelLoadError} that names the key.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ModelLoadError } from '../errors.ts';

/**
 * The architectures we run: `clip` (MetaCLIP 1, `CLIPModel`) and `metaclip_2` (`MetaClip2Model`: the same graph,
 * with an XLM-R-style SentencePiece vocabulary and text pooling always at the first `eos_token_id`).
 */
export type ModelType = 'clip' | 'metaclip_2';

/** Activation of the encoder MLPs: CLIP's sigmoid approximation, or the exact erf GELU. */
export type HiddenAct = 'quick_gelu' | 'gelu';

/**
 * How the text tower picks the token whose state becomes the text embedding.
 * `argmax`: the position of the largest input id (legacy configs with `eos_token_id: 2`, where EOS is the largest id);
 * `first-eos`: the first position holding `eosTokenId`.
 */
export type TextPooling = 'argmax' | 'first-eos';

/** What both towers share: a pre-LN transformer encoder. */
export interface ClipEncoderConfig {
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  hiddenAct: HiddenAct;
  layerNormEps: number;
}

/** The vision tower (ViT). */
export interface ClipVisionConfig extends ClipEncoderConfig {
  imageSize: number;
  patchSize: number;
  numChannels: number;
}

/** The text tower (causal transformer over BPE ids). */
export interface ClipTextConfig extends ClipEncoderConfig {
  vocabSize: number;
  maxPositions: number;
  eosTokenId: number;
  pooling: TextPooling;
}

/** A whole CLIP model: two towers projected into one `projectionDim`-wide space. */
export interface ClipConfig {
  modelType: ModelType;
  vision: ClipVisionConfig;
  text: ClipTextConfig;
  projectionDim: number;
  /** log of the logit scale a fresh model starts with; the checkpoint's `logit_scale` tensor wins when present. */
  logitScaleInit: number;
}

const positive = z.number().int().positive();
const encoderKeys = {
  hidden_act: z.enum(['quick_gelu', 'gelu']),
  layer_norm_eps: z.number().positive().lt(1),
};

// Defaults are transformers' (configuration_clip.py); `.default` applies only when the key is absent.
const textSchema = z.object({
  hidden_size: positive.default(512),
  num_hidden_layers: positive.default(12),
  num_attention_heads: positive.default(8),
  intermediate_size: positive.default(2048),
  hidden_act: encoderKeys.hidden_act.default('quick_gelu'),
  layer_norm_eps: encoderKeys.layer_norm_eps.default(1e-5),
  vocab_size: positive.default(49408),
  max_position_embeddings: positive.default(77),
  eos_token_id: z.number().int().nonnegative().default(49407),
});

const visionSchema = z.object({
  hidden_size: positive.default(768),
  num_hidden_layers: positive.default(12),
  num_attention_heads: positive.default(12),
  intermediate_size: positive.default(3072),
  hidden_act: encoderKeys.hidden_act.default('quick_gelu'),
  layer_norm_eps: encoderKeys.layer_norm_eps.default(1e-5),
  image_size: positive.default(224),
  patch_size: positive.default(32),
  num_channels: positive.default(3),
});

const rootSchema = z.object({
  model_type: z.enum(['clip', 'metaclip_2']),
  projection_dim: positive.default(512),
  logit_scale_init_value: z.number().default(2.6592),
  // transformers < 4.26 wrote `*_config_dict` next to (or instead of) `*_config`.
  text_config: z.unknown().optional(),
  text_config_dict: z.unknown().optional(),
  vision_config: z.unknown().optional(),
  vision_config_dict: z.unknown().optional(),
});

/** Parse a config object (the JSON of `config.json`); `source` names the file in errors. */
export function parseClipConfig(json: unknown, source = 'config.json'): ClipConfig {
  const root = check(rootSchema, json, source, '');
  const text = check(textSchema, root.text_config ?? root.text_config_dict ?? {}, source, 'text_config.');
  const vision = check(visionSchema, root.vision_config ?? root.vision_config_dict ?? {}, source, 'vision_config.');
  const config: ClipConfig = {
    modelType: root.model_type,
    vision: {
      ...encoder(vision),
      imageSize: vision.image_size,
      patchSize: vision.patch_size,
      numChannels: vision.num_channels,
    },
    text: {
      ...encoder(text),
      vocabSize: text.vocab_size,
      maxPositions: text.max_position_embeddings,
      eosTokenId: text.eos_token_id,
      // transformers' CLIP reads eos_token_id 2 as "converted by old transformers": pool at argmax(input_ids).
      // MetaCLIP 2's `</s>` really is 2, and modeling_metaclip_2.py always pools at its first occurrence.
      pooling: root.model_type === 'clip' && text.eos_token_id === 2 ? 'argmax' : 'first-eos',
    },
    projectionDim: root.projection_dim,
    logitScaleInit: root.logit_scale_init_value,
  };
  validateShapes(config, source);
  return config;
}

/** Read and parse `<dir>/config.json`. */
export async function readClipConfig(dir: string): Promise<ClipConfig> {
  const file = path.join(dir, 'config.json');
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (err) {
    throw new ModelLoadError(`cannot read ${file}: ${(err as Error).message}`, { cause: err, path: file });
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new ModelLoadError(`${file} is not valid JSON: ${(err as Error).message}`, { cause: err, path: file });
  }
  return parseClipConfig(json, file);
}

/**
 * The Hugging Face `config.json` object for a config (what `save_pretrained` would write), used for random models
 * and for the transformers.js layout. Round-trips through {@link parseClipConfig}.
 */
export function toHfConfigJson(config: ClipConfig): Record<string, unknown> {
  const tower = (c: ClipEncoderConfig) => ({
    hidden_size: c.hiddenSize,
    num_hidden_layers: c.numLayers,
    num_attention_heads: c.numHeads,
    intermediate_size: c.intermediateSize,
    hidden_act: c.hiddenAct,
    layer_norm_eps: c.layerNormEps,
    attention_dropout: 0,
    initializer_factor: 1,
    initializer_range: 0.02,
  });
  const mc2 = config.modelType === 'metaclip_2';
  // Special ids: CLIP's BPE vocabulary ends with its two specials; XLM-R's fairseq ids start with them.
  const specials = mc2
    ? { bos_token_id: 0, eos_token_id: config.text.eosTokenId, pad_token_id: 1 }
    : { bos_token_id: 49406, eos_token_id: config.text.eosTokenId, pad_token_id: 49407 };
  return {
    architectures: [mc2 ? 'MetaClip2Model' : 'CLIPModel'],
    model_type: config.modelType,
    projection_dim: config.projectionDim,
    logit_scale_init_value: config.logitScaleInit,
    initializer_factor: 1,
    text_config: {
      ...tower(config.text),
      model_type: mc2 ? 'metaclip_2_text_model' : 'clip_text_model',
      vocab_size: config.text.vocabSize,
      max_position_embeddings: config.text.maxPositions,
      ...specials,
    },
    vision_config: {
      ...tower(config.vision),
      model_type: mc2 ? 'metaclip_2_vision_model' : 'clip_vision_model',
      image_size: config.vision.imageSize,
      patch_size: config.vision.patchSize,
      num_channels: config.vision.numChannels,
    },
  };
}

/** Number of vision tokens: one per patch plus the class token. */
export function visionTokens(vision: ClipVisionConfig): number {
  return (vision.imageSize / vision.patchSize) ** 2 + 1;
}

function encoder(raw: z.infer<typeof textSchema> | z.infer<typeof visionSchema>): ClipEncoderConfig {
  return {
    hiddenSize: raw.hidden_size,
    numLayers: raw.num_hidden_layers,
    numHeads: raw.num_attention_heads,
    intermediateSize: raw.intermediate_size,
    hiddenAct: raw.hidden_act,
    layerNormEps: raw.layer_norm_eps,
  };
}

function check<S extends z.ZodType>(schema: S, value: unknown, source: string, prefix: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const key = prefix + (issue?.path.join('.') ?? '');
  throw new ModelLoadError(`${source}: bad value for "${key || '(root)'}": ${issue?.message ?? 'invalid'}`, {
    path: `${source}#${key}`,
  });
}

function validateShapes(config: ClipConfig, source: string): void {
  const fail = (key: string, why: string) => {
    throw new ModelLoadError(`${source}: bad value for "${key}": ${why}`, { path: `${source}#${key}` });
  };
  for (const [name, tower] of [
    ['text_config', config.text],
    ['vision_config', config.vision],
  ] as const) {
    if (tower.hiddenSize % tower.numHeads !== 0) {
      fail(`${name}.num_attention_heads`, `hidden_size ${tower.hiddenSize} is not divisible by ${tower.numHeads}`);
    }
  }
  if (config.vision.imageSize % config.vision.patchSize !== 0) {
    fail('vision_config.patch_size', `image_size ${config.vision.imageSize} is not a multiple of it`);
  }
}
