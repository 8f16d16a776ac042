/**
 * Reads Hugging Face CLIP weights by name with their expected shapes, and lays them out for ONNX: `nn.Linear`
 * stores `[out, in]` while `MatMul(x, W)` wants `[in, out]`, and Q/K/V are packed side by side into one matrix so a
 * layer does one GEMM instead of three.
 */
import { ModelLoadError } from '../errors.ts';
import type { TensorSource } from './tensor-source.ts';

/** A linear layer ready for `MatMul`: weight `[in, out]` row-major, bias `[out]`. */
export interface LinearWeights {
  inFeatures: number;
  outFeatures: number;
  weight: Float32Array;
  bias: Float32Array | undefined;
}

/** Named access to a checkpoint's tensors, checking every shape. */
export class WeightReader {
  constructor(private readonly file: TensorSource) {}

  /** Whether the checkpoint holds `name`. */
  has(name: string): boolean {
    return this.file.has(name);
  }

  /** A tensor whose shape must equal `shape`. */
  tensor(name: string, shape: readonly number[]): Float32Array {
    const { shape: actual, data } = this.file.float32(name);
    this.checkShape(name, actual, shape);
    return data;
  }

  /**
   * A tensor whose shape must equal `shape`, in chunks of about `chunkValues` values (checked before any data is
   * read); for tables too big to hold whole. Each chunk is valid until the next is asked for.
   */
  tensorChunks(name: string, shape: readonly number[], chunkValues: number): Iterable<Float32Array> {
    const { shape: actual, chunks } = this.file.float32Chunks(name, chunkValues);
    this.checkShape(name, actual, shape);
    return chunks;
  }

  /** `<name>.weight` `[out, in]` (and `<name>.bias` when `bias`) as a MatMul-ready `[in, out]` layer. */
  linear(name: string, outFeatures: number, inFeatures: number, bias = true): LinearWeights {
    const w = this.tensor(`${name}.weight`, [outFeatures, inFeatures]);
    return {
      inFeatures,
      outFeatures,
      weight: transpose(w, outFeatures, inFeatures),
      bias: bias ? this.tensor(`${name}.bias`, [outFeatures]) : undefined,
    };
  }

  private checkShape(name: string, actual: readonly number[], shape: readonly number[]): void {
    if (actual.length !== shape.length || actual.some((d, i) => d !== shape[i])) {
      throw new ModelLoadError(
        `${this.file.source}: tensor "${name}" has shape [${actual}], the config implies [${shape}]`,
        { path: `${this.file.source}#${name}` },
      );
    }
  }
}

/** Transpose a row-major `[rows, cols]` matrix. */
export function transpose(m: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(m.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = m[r * cols + c] as number;
  }
  return out;
}

/** Multiply a layer's weight and bias by `factor` (to fold attention's 1/sqrt(head_dim) into Q). */
export function scaleLinear(layer: LinearWeights, factor: number): LinearWeights {
  return {
    ...layer,
    weight: layer.weight.map((v) => v * factor),
    bias: layer.bias?.map((v) => v * factor),
  };
}

/** Put layers with the same input side by side: `[in, sum(out)]`, biases concatenated. */
export function concatLinear(layers: readonly LinearWeights[]): LinearWeights {
  const first = layers[0];
  if (!first) throw new RangeError('concatLinear needs at least one layer');
  const inFeatures = first.inFeatures;
  const outFeatures = layers.reduce((n, l) => n + l.outFeatures, 0);
  const weight = new Float32Array(inFeatures * outFeatures);
  const bias = new Float32Array(outFeatures);
  let col = 0;
  for (const layer of layers) {
    for (let r = 0; r < inFeatures; r++) {
      weight.set(layer.weight.subarray(r * layer.outFeatures, (r + 1) * layer.outFeatures), r * outFeatures + col);
    }
    if (layer.bias) bias.set(layer.bias, col);
    col += layer.outFeatures;
  }
  return { inFeatures, outFeatures, weight, bias };
}
