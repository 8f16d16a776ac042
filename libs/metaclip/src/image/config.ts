/**
 * `preprocessor_config.json` of a `CLIPImageProcessor`, parsed into the few numbers preprocessing needs. Missing keys
 * take transformers' CLIPImageProcessor defaults; older checkpoints write `size` and `crop_size` as plain numbers.
 */
import { z } from 'zod';
import { ModelLoadError } from '../errors.ts';
import { parseJsonWith } from '../tokenizer/read-json.ts';

/** sharp kernels standing in for PIL's resampling filters. */
export type ResizeKernel = 'nearest' | 'linear' | 'cubic' | 'lanczos3';

/** How to resize before cropping: the shorter side to `shortestEdge` (aspect kept), or to exactly `width`x`height`. */
export type ResizeRule = { shortestEdge: number } | { width: number; height: number };

/** Everything preprocessing does, resolved from a config. */
export interface PreprocessSpec {
  /** `null` when the config says `do_resize: false`. */
  resize: ResizeRule | null;
  kernel: ResizeKernel;
  /** Side of the square the model takes (`S` of `[N,3,S,S]`). */
  size: number;
  /** Multiplier from 0..255 to the model's range; 1 when `do_rescale` is false. */
  rescaleFactor: number;
  /** Per-channel mean and std; 0 and 1 when `do_normalize` is false. */
  mean: [number, number, number];
  std: [number, number, number];
}

/** transformers' OPENAI_CLIP_MEAN / OPENAI_CLIP_STD, CLIPImageProcessor's defaults. */
const CLIP_MEAN: [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD: [number, number, number] = [0.26862954, 0.26130258, 0.27577711];

/**
 * PIL resampling codes -> sharp kernels. Bicubic (3, what CLIP uses) is Catmull-Rom in both; of sharp's kernels,
 * `cubic` came closest to transformers' golden pixels (mean abs. error ~0.0025 vs 0.007..0.025 for the others).
 * That is for shrinking: enlargements are resampled with PIL's own filter instead (`pilFilterFor` in decode.ts).
 */
const KERNELS: Record<number, ResizeKernel> = { 0: 'nearest', 1: 'lanczos3', 2: 'linear', 3: 'cubic' };

const side = z.number().int().positive();
const triple = z
  .union([z.number(), z.array(z.number()).length(3)])
  .transform((v): [number, number, number] => (typeof v === 'number' ? [v, v, v] : [v[0] ?? 0, v[1] ?? 0, v[2] ?? 0]));
const sizeSchema = z.union([
  side.transform((n) => ({ shortest_edge: n }) as { shortest_edge?: number; height?: number; width?: number }),
  z.object({ shortest_edge: side.optional(), height: side.optional(), width: side.optional() }),
]);
const configSchema = z.object({
  do_resize: z.boolean().default(true),
  size: sizeSchema.default({ shortest_edge: 224 }),
  resample: z.number().int().default(3),
  do_center_crop: z.boolean().default(true),
  crop_size: z
    .union([side.transform((n) => ({ height: n, width: n })), z.object({ height: side, width: side })])
    .default({ height: 224, width: 224 }),
  do_rescale: z.boolean().default(true),
  rescale_factor: z
    .number()
    .positive()
    .default(1 / 255),
  do_normalize: z.boolean().default(true),
  image_mean: triple.default(CLIP_MEAN),
  image_std: triple.refine((std) => std.every((s) => s > 0), 'every std must be positive').default(CLIP_STD),
});

/**
 * Resolves a parsed `preprocessor_config.json`.
 * @throws ModelLoadError naming the key when a value is malformed or describes output that is not one square size.
 */
export function parsePreprocessorConfig(json: unknown, source = 'preprocessor_config.json'): PreprocessSpec {
  const c = parseJsonWith(configSchema, json ?? {}, source);
  const fail = (key: string, why: string) =>
    new ModelLoadError(`${source}: ${key} ${why}`, { path: `${source}#${key}` });

  const kernel = KERNELS[c.resample];
  if (!kernel)
    throw fail(
      'resample',
      `${c.resample} is not a PIL filter we support (0 nearest, 1 lanczos, 2 bilinear, 3 bicubic)`,
    );

  let resize: ResizeRule | null = null;
  if (c.do_resize) {
    if (c.size.shortest_edge !== undefined) resize = { shortestEdge: c.size.shortest_edge };
    else if (c.size.height !== undefined && c.size.width !== undefined) {
      resize = { width: c.size.width, height: c.size.height };
    } else throw fail('size', 'needs shortest_edge, or height and width');
  }

  let size: number;
  if (c.do_center_crop) {
    if (c.crop_size.height !== c.crop_size.width) throw fail('crop_size', 'must be square');
    size = c.crop_size.height;
  } else if (resize && 'width' in resize && resize.width === resize.height) {
    size = resize.width;
  } else {
    throw fail('do_center_crop', 'is false but the resize does not make one square size the model can batch');
  }

  return {
    resize,
    kernel,
    size,
    rescaleFactor: c.do_rescale ? c.rescale_factor : 1,
    mean: c.do_normalize ? c.image_mean : [0, 0, 0],
    std: c.do_normalize ? c.image_std : [1, 1, 1],
  };
}
