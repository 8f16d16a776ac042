/**
 * Random CLIP checkpoints in the Hugging Face layout, for tests and benchmarks where no real weights exist: the
 * right tensor names and shapes for a preset, weights drawn from a seeded generator at the scales transformers'
 * `CLIPPreTrainedModel._init_weights` uses (plus small random biases and norms, so every parameter matters).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Gaussian } from '@metaclip-batch/random';
import { type ClipConfig, type ClipEncoderConfig, toHfConfigJson, visionTokens } from '../config/clip-config.ts';
import { CLIP_PRESETS, type ClipPreset } from '../config/presets.ts';
import { writeClipTokenizerFiles } from '../tokenizer/vocab-files.ts';
import { writeXlmrPlaceholderTokenizerFiles } from '../tokenizer/xlmr-placeholder.ts';
import { type Float32Tensor, writeSafetensors } from './safetensors.ts';

/** Options of {@link writeRandomModel}. */
export interface RandomModelOptions {
  /** Seed of the generator; the same seed gives the same bytes. Default 0. */
  seed?: number;
  /** Write `eos_token_id: 2` like configs converted by older transformers (pooling at argmax of the ids). */
  legacyEos?: boolean;
}

/**
 * CLIPImageProcessor settings of MetaCLIP checkpoints (bicubic, CLIP mean/std): MetaCLIP 1 resizes the shortest
 * edge and centre-crops; MetaCLIP 2 (`square`) resizes straight to the square, as convert_metaclip_2_to_hf.py writes.
 */
export function clipPreprocessorConfig(imageSize: number, square = false): Record<string, unknown> {
  return {
    crop_size: { height: imageSize, width: imageSize },
    do_center_crop: true,
    do_convert_rgb: true,
    do_normalize: true,
    do_rescale: true,
    do_resize: true,
    image_mean: [0.48145466, 0.4578275, 0.40821073],
    image_processor_type: 'CLIPImageProcessor',
    image_std: [0.26862954, 0.26130258, 0.27577711],
    resample: 3,
    rescale_factor: 0.00392156862745098,
    size: square ? { height: imageSize, width: imageSize } : { shortest_edge: imageSize },
  };
}

/**
 * Write a random model folder: `config.json`, `model.safetensors`, `preprocessor_config.json` and tokenizer files
 * (CLIP's for MetaCLIP 1, an XLM-R-style placeholder for MetaCLIP 2). Returns `outDir`.
 */
export async function writeRandomModel(
  outDir: string,
  preset: ClipPreset | ClipConfig,
  options: RandomModelOptions = {},
): Promise<string> {
  const base: ClipConfig = typeof preset === 'string' ? CLIP_PRESETS[preset] : preset;
  const config: ClipConfig = options.legacyEos
    ? { ...base, text: { ...base.text, eosTokenId: 2, pooling: 'argmax' } }
    : base;
  await mkdir(outDir, { recursive: true });
  const rng = new Gaussian(options.seed ?? 0);
  await writeSafetensors(path.join(outDir, 'model.safetensors'), clipTensors(config, rng));
  // transformers >= 5 checks config fields by type and `initializer_factor` is a float: JSON.stringify writes 1, not 1.0.
  const configJson = JSON.stringify(toHfConfigJson(config), null, 2).replace(
    /("initializer_factor": -?\d+)(?=[,\n])/g,
    '$1.0',
  );
  await writeFile(path.join(outDir, 'config.json'), `${configJson}\n`);
  const mc2 = config.modelType === 'metaclip_2';
  const preprocessor = clipPreprocessorConfig(config.vision.imageSize, mc2);
  await writeFile(path.join(outDir, 'preprocessor_config.json'), `${JSON.stringify(preprocessor, null, 2)}\n`);
  await (mc2 ? writeXlmrPlaceholderTokenizerFiles(outDir) : writeClipTokenizerFiles(outDir));
  return outDir;
}

/**
 * Values generated per chunk: 4 MB of float32, even, so chunked draws equal one whole draw ({@link Gaussian}) and
 * MetaCLIP 2's 901,629-row token embedding (3.7-4.6 GB) is never in memory at once.
 */
const CHUNK_VALUES = 1 << 20;

/** The tensors of a CLIPModel checkpoint, each made in chunks while it is written. */
function clipTensors(config: ClipConfig, rng: Gaussian): [string, Float32Tensor][] {
  const { vision: v, text: t, projectionDim: p } = config;
  const normal = (shape: number[], std: number, mean = 0): Float32Tensor => ({
    shape,
    chunks: () =>
      normalChunks(
        rng,
        shape.reduce((a, b) => a * b, 1),
        mean,
        std,
      ),
  });
  const tensors: [string, Float32Tensor][] = [
    ['logit_scale', { shape: [], data: Float32Array.of(config.logitScaleInit) }],
  ];
  tensors.push(
    ['text_model.embeddings.token_embedding.weight', normal([t.vocabSize, t.hiddenSize], 0.02)],
    ['text_model.embeddings.position_embedding.weight', normal([t.maxPositions, t.hiddenSize], 0.01)],
    ...encoderTensors('text_model', t, normal),
    ...norm('text_model.final_layer_norm', t.hiddenSize, normal),
    ['text_projection.weight', normal([p, t.hiddenSize], t.hiddenSize ** -0.5)],
    ['vision_model.embeddings.class_embedding', normal([v.hiddenSize], v.hiddenSize ** -0.5)],
    [
      'vision_model.embeddings.patch_embedding.weight',
      normal([v.hiddenSize, v.numChannels, v.patchSize, v.patchSize], 0.02),
    ],
    ['vision_model.embeddings.position_embedding.weight', normal([visionTokens(v), v.hiddenSize], 0.02)],
    ...norm('vision_model.pre_layrnorm', v.hiddenSize, normal),
    ...encoderTensors('vision_model', v, normal),
    ...norm('vision_model.post_layernorm', v.hiddenSize, normal),
    ['visual_projection.weight', normal([p, v.hiddenSize], v.hiddenSize ** -0.5)],
  );
  return tensors;
}

type Normal = (shape: number[], std: number, mean?: number) => Float32Tensor;

function encoderTensors(prefix: string, c: ClipEncoderConfig, normal: Normal): [string, Float32Tensor][] {
  const d = c.hiddenSize;
  const inStd = d ** -0.5 * (2 * c.numLayers) ** -0.5;
  const out: [string, Float32Tensor][] = [];
  for (let i = 0; i < c.numLayers; i++) {
    const layer = `${prefix}.encoder.layers.${i}`;
    const linear = (name: string, outF: number, inF: number, std: number): [string, Float32Tensor][] => [
      [`${layer}.${name}.weight`, normal([outF, inF], std)],
      [`${layer}.${name}.bias`, normal([outF], 0.02)],
    ];
    out.push(
      ...norm(`${layer}.layer_norm1`, d, normal),
      ...linear('self_attn.q_proj', d, d, inStd),
      ...linear('self_attn.k_proj', d, d, inStd),
      ...linear('self_attn.v_proj', d, d, inStd),
      ...linear('self_attn.out_proj', d, d, d ** -0.5),
      ...norm(`${layer}.layer_norm2`, d, normal),
      ...linear('mlp.fc1', c.intermediateSize, d, (2 * d) ** -0.5),
      ...linear('mlp.fc2', d, c.intermediateSize, inStd),
    );
  }
  return out;
}

/** `count` normal samples in chunks of one reused buffer: each chunk is consumed before the next is drawn. */
function* normalChunks(rng: Gaussian, count: number, mean: number, std: number): Generator<Float32Array> {
  const buffer = new Float32Array(Math.min(CHUNK_VALUES, count));
  for (let done = 0; done < count; done += buffer.length) {
    yield rng.fill(buffer.subarray(0, Math.min(buffer.length, count - done)), mean, std);
  }
}

function norm(name: string, size: number, normal: Normal): [string, Float32Tensor][] {
  return [
    [`${name}.weight`, normal([size], 0.02, 1)],
    [`${name}.bias`, normal([size], 0.02)],
  ];
}
