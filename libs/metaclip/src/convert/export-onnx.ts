/**
 * Writes the three ONNX files of the transformers.js layout from a checkpoint:
 * `vision_model.onnx` (+ `.onnx_data`), `text_model.onnx` (+ `.onnx_data`), and `model.onnx`, which holds both
 * towers and the logits but refers to the towers' data files instead of storing the weights a second time.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ClipConfig } from '../config/clip-config.ts';
import { emitLogits, emitNormalise, emitTextTower, emitVisionTower, IO } from './clip-graph.ts';
import { ExternalDataWriter, GraphBuilder } from './graph-builder.ts';
import { encodeModel, type ModelSpec, type NodeSpec, type TensorValue } from './onnx-proto.ts';
import type { TensorSource } from './tensor-source.ts';
import { WeightReader } from './weights.ts';

/**
 * Compute precision of the exported graphs (inputs and outputs are float32 either way). `int8`: the vision tower's
 * MatMul weights in int8 with dynamic activation quantisation (float32 elsewhere), for onnxruntime on a CPU.
 */
export type ExportDtype = (typeof EXPORT_DTYPES)[number];

/** The {@link ExportDtype}s, for option parsers. */
export const EXPORT_DTYPES = ['fp32', 'fp16', 'int8'] as const;

/** How to export. */
export interface ExportOptions {
  dtype: ExportDtype;
  /** Emit onnxruntime's com.microsoft fused ops. */
  fused: boolean;
  /** Written into each model's `producer_version`. */
  producerVersion: string;
  /**
   * The image processor's per-channel mean and std on the 0..255 scale (`normalisationConstants`): with them the
   * export adds `vision_model_rgb.onnx`, which takes packed 8-bit RGB and normalises inside.
   */
  normalisation?: { mean: Float32Array; std: Float32Array };
}

/** File names inside `onnx/`. */
export const ONNX_FILES = {
  vision: 'vision_model.onnx',
  /**
   * The vision tower taking `rgb` (uint8 `[N, S, S, 3]`) instead of `pixel_values`: the worker's graph, a quarter
   * of the bytes per image and no normalisation on the host. It shares `vision_model.onnx_data`; transformers.js
   * never reads it.
   */
  visionRgb: 'vision_model_rgb.onnx',
  text: 'text_model.onnx',
  combined: 'model.onnx',
} as const;

/**
 * Export the towers into `onnxDir` (which must exist). Returns the checkpoint's logit scale (log space), taken from
 * its `logit_scale` tensor or, failing that, the config's init value.
 */
export function exportClipOnnx(
  weights: TensorSource,
  config: ClipConfig,
  onnxDir: string,
  options: ExportOptions,
): { logitScale: number } {
  const w = new WeightReader(weights);
  const dtype = options.dtype === 'fp16' ? 'float16' : 'float32';
  const logitScale = w.has('logit_scale') ? (w.tensor('logit_scale', [])[0] as number) : config.logitScaleInit;
  const tower = (file: string, prefix: string, int8MatMul = false) => {
    const data = new ExternalDataWriter(path.join(onnxDir, `${file}_data`), `${file}_data`);
    return { b: new GraphBuilder(prefix, dtype, data, int8MatMul), data };
  };

  // int8 quantises the vision tower only: it runs on every image, the text tower once per label list, so
  // quantising text would add drift to every label's embedding and save no time.
  const vision = tower(ONNX_FILES.vision, 'vision/', options.dtype === 'int8');
  const imageEmbeds = emitVisionTower(vision.b, w, config, 'pixel_values', options);
  vision.b.op('Identity', [imageEmbeds], {}, { names: ['image_embeds'] });
  vision.data.close();

  const text = tower(ONNX_FILES.text, 'text/');
  const textEmbeds = emitTextTower(text.b, w, config, 'input_ids', options);
  text.b.op('Identity', [textEmbeds], {}, { names: ['text_embeds'] });
  text.data.close();

  const head = new GraphBuilder('logits/', 'float32', undefined);
  const logits = emitLogits(head, 'image_embeds', 'text_embeds', logitScale);
  head.op('Identity', [logits.perImage], {}, { names: ['logits_per_image'] });
  head.op('Identity', [logits.perText], {}, { names: ['logits_per_text'] });

  const p = config.projectionDim;
  const pixelValues = IO.pixelValues(config.vision.imageSize, config.vision.numChannels);
  const common = {
    producerVersion: options.producerVersion,
    opsets: opsets([vision.b, text.b]),
    metadata: { dtype: options.dtype, fused: String(options.fused) },
  };
  const write = (file: string, spec: Omit<ModelSpec, keyof typeof common>) => {
    writeFileSync(path.join(onnxDir, file), encodeModel({ ...spec, ...common }));
  };
  write(ONNX_FILES.vision, {
    graphName: 'clip_vision_with_projection',
    nodes: vision.b.nodes,
    initializers: vision.b.initializers,
    inputs: [pixelValues],
    outputs: [IO.imageEmbeds(p)],
  });
  if (options.normalisation) {
    const head = new GraphBuilder('rgb/', 'float32', undefined);
    emitNormalise(head, 'rgb', options.normalisation.mean, options.normalisation.std);
    write(ONNX_FILES.visionRgb, {
      graphName: 'clip_vision_with_projection_rgb',
      nodes: concat<NodeSpec>(head.nodes, vision.b.nodes),
      initializers: concat<TensorValue>(head.initializers, vision.b.initializers),
      inputs: [IO.rgb(config.vision.imageSize, config.vision.numChannels)],
      outputs: [IO.imageEmbeds(p)],
    });
  }
  write(ONNX_FILES.text, {
    graphName: 'clip_text_with_projection',
    nodes: text.b.nodes,
    initializers: text.b.initializers,
    inputs: [IO.inputIds],
    outputs: [IO.textEmbeds(p)],
  });
  write(ONNX_FILES.combined, {
    graphName: 'clip',
    nodes: concat<NodeSpec>(vision.b.nodes, text.b.nodes, head.nodes),
    initializers: concat<TensorValue>(vision.b.initializers, text.b.initializers, head.initializers),
    inputs: [IO.inputIds, pixelValues],
    outputs: [IO.logitsPerImage, IO.logitsPerText, IO.textEmbeds(p), IO.imageEmbeds(p)],
  });
  return { logitScale };
}

function opsets(builders: GraphBuilder[]) {
  const domains = new Set(builders.flatMap((b) => [...b.domains]));
  return [{ domain: '', version: 17 }, ...[...domains].map((domain) => ({ domain, version: 1 }))];
}

function concat<T>(...lists: (readonly T[])[]): T[] {
  return lists.flat();
}
