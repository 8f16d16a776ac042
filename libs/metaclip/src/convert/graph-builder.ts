/**
 * Builds an ONNX graph node by node, with unique value names, and stores initializers as it goes: small ones inline,
 * big ones appended to an external data file right away, so converting ViT-B/16 never holds a second copy of the
 * weights in memory. Writes are synchronous on purpose: conversion is a one-off CPU-bound step and straight-line
 * graph code reads better than a thousand awaits.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { float32ToFloat16 } from '@metaclip-batch/float16';
import { quantizeColumns } from './int8.ts';
import type { AttributeValue, DataType, ExternalRef, NodeSpec, TensorValue } from './onnx-proto.ts';

/** Tensors at least this big go to external data; smaller ones stay in the protobuf. */
const EXTERNAL_MIN_BYTES = 1024;
// Page-aligned offsets let onnxruntime map the data file instead of copying it.
const ALIGNMENT = 4096;

/** An append-only `.onnx_data` file. */
export class ExternalDataWriter {
  private readonly fd: number;
  private offset = 0;

  /** `file` is the path to create; `location` is how models refer to it (a name relative to the model). */
  constructor(
    file: string,
    readonly location: string,
  ) {
    this.fd = openSync(file, 'w');
  }

  /** Append bytes at the next aligned offset and return where they are. */
  append(bytes: Uint8Array): ExternalRef {
    return this.appendChunks([bytes]);
  }

  /** Append consecutive chunks as one tensor's data at the next aligned offset and return where it is. */
  appendChunks(chunks: Iterable<Uint8Array>): ExternalRef {
    const pad = (ALIGNMENT - (this.offset % ALIGNMENT)) % ALIGNMENT;
    if (pad) writeSync(this.fd, new Uint8Array(pad));
    const offset = this.offset + pad;
    let length = 0;
    for (const bytes of chunks) {
      let written = 0;
      while (written < bytes.length) written += writeSync(this.fd, bytes, written);
      length += bytes.length;
    }
    this.offset = offset + length;
    return { location: this.location, offset, length };
  }

  /** Flush and close the file. */
  close(): void {
    closeSync(this.fd);
  }
}

/** Options of a node. */
export interface OpOptions {
  domain?: string;
  /** Number of outputs (default 1). */
  outputs?: number;
  /** Explicit output names (graph outputs such as `image_embeds`); default: generated. */
  names?: string[];
}

/**
 * A graph under construction. Value names are `<prefix><op>_<n>`, so two towers built with different prefixes can
 * be merged into one model without clashes. Float weights are stored in `dtype` (the compute type); with
 * `int8MatMul` the weights of {@link GraphBuilder.matmulWeight} are stored as int8 instead.
 */
export class GraphBuilder {
  readonly nodes: NodeSpec[] = [];
  readonly initializers: TensorValue[] = [];
  /** Non-default operator domains used so far (for opset imports). */
  readonly domains = new Set<string>();
  private counter = 0;

  constructor(
    /** Prefix of every name this builder creates. */
    readonly prefix: string,
    /** Element type of float weights and activations. */
    readonly dtype: 'float32' | 'float16',
    private readonly external: ExternalDataWriter | undefined,
    /** Quantise the weights of `matmulWeight` to int8 (per output column), activations dynamically. */
    readonly int8MatMul = false,
  ) {}

  /** Add a node with one output and return the output's name. */
  op(
    opType: string,
    inputs: readonly string[],
    attributes?: Record<string, AttributeValue>,
    options?: OpOptions,
  ): string {
    return this.opN(opType, inputs, attributes, { ...options, outputs: 1 })[0] as string;
  }

  /** Add a node and return all its output names. An empty input name marks an omitted optional input. */
  opN(
    opType: string,
    inputs: readonly string[],
    attributes?: Record<string, AttributeValue>,
    options?: OpOptions,
  ): string[] {
    const id = `${this.prefix}${opType}_${this.counter++}`;
    const outputs = options?.names ?? Array.from({ length: options?.outputs ?? 1 }, (_, i) => `${id}:${i}`);
    if (options?.domain) this.domains.add(options.domain);
    this.nodes.push({ opType, domain: options?.domain, name: id, inputs, outputs, attributes });
    return outputs;
  }

  /** A float weight (given as float32) stored in the graph's dtype. */
  weight(name: string, dims: readonly number[], values: Float32Array): string {
    return this.tensor(name, this.dtype, dims, this.storedBytes(values));
  }

  /**
   * A float weight given as consecutive float32 chunks (row-major), streamed into the external data file chunk by
   * chunk, so a table bigger than memory (MetaCLIP 2's 901,629-row token embedding) is never held whole. Stored
   * bytes are the same as {@link GraphBuilder.weight} of the joined values.
   */
  weightChunks(name: string, dims: readonly number[], chunks: Iterable<Float32Array>): string {
    if (!this.external) throw new RangeError(`${name}: streamed weights need an external data file`);
    const fullName = name.startsWith(this.prefix) ? name : this.prefix + name;
    const ref = this.external.appendChunks(mapIterable(chunks, (c) => this.storedBytes(c)));
    const expected = dims.reduce((a, b) => a * b, 1) * (this.dtype === 'float16' ? 2 : 4);
    if (ref.length !== expected) throw new RangeError(`${name}: [${dims}] needs ${expected} bytes, got ${ref.length}`);
    this.initializers.push({ name: fullName, dataType: this.dtype, dims, data: ref });
    return fullName;
  }

  /**
   * `x @ W` for a weight `W` of shape `[K, N]` given as float32. With `int8MatMul`, `W` is stored as int8 with one
   * scale per output column and onnxruntime's `DynamicQuantizeMatMul` quantises `x` to uint8 on the fly (CPU only:
   * the int8 kernels are MLAS's); otherwise a plain `MatMul` on a `dtype` weight.
   */
  matmulWeight(x: string, name: string, dims: readonly [number, number], values: Float32Array): string {
    if (!this.int8MatMul) return this.op('MatMul', [x, this.weight(name, dims, values)]);
    const { weights, scales } = quantizeColumns(values, dims[0], dims[1]);
    const quantised = this.tensor(`${name}_int8`, 'int8', dims, bytesOf(weights));
    const scale = this.weight32(`${name}_scale`, [dims[1]], scales);
    return this.op('DynamicQuantizeMatMul', [x, quantised, scale], undefined, { domain: 'com.microsoft' });
  }

  /** A float32 weight regardless of the graph's dtype (for values that stay in float32). */
  weight32(name: string, dims: readonly number[], values: Float32Array): string {
    return this.tensor(name, 'float32', dims, bytesOf(values));
  }

  /** A small int64 constant (shapes, axes, indices). */
  int64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const data = BigInt64Array.from(values, (v) => BigInt(v));
    return this.tensor(`${this.prefix}const_${this.counter++}`, 'int64', dims, bytesOf(data));
  }

  /** A scalar float constant in the graph's dtype. */
  scalar(value: number): string {
    return this.weight(`${this.prefix}const_${this.counter++}`, [], Float32Array.of(value));
  }

  /** `values` as stored in the graph's dtype. */
  private storedBytes(values: Float32Array): Uint8Array {
    return this.dtype === 'float16' ? bytesOf(float32ToFloat16(values)) : bytesOf(values);
  }

  /** Add an initializer of any type from raw little-endian bytes. */
  tensor(name: string, dataType: DataType, dims: readonly number[], bytes: Uint8Array): string {
    const fullName = name.startsWith(this.prefix) ? name : this.prefix + name;
    const data = this.external && bytes.length >= EXTERNAL_MIN_BYTES ? this.external.append(bytes) : bytes.slice();
    this.initializers.push({ name: fullName, dataType, dims, data });
    return fullName;
  }
}

function* mapIterable<T, U>(items: Iterable<T>, f: (item: T) => U): Generator<U> {
  for (const item of items) yield f(item);
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}
