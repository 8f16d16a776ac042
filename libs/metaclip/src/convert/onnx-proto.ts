/**
 * A small protobuf encoder for ONNX `ModelProto` (field numbers from onnx/onnx.proto3), enough to write inference
 * graphs: nodes with attributes, initializers inline or as external data, typed inputs and outputs, opset imports.
 *
 * Big initializers are never part of the protobuf: they live in `<model>.onnx_data` files and the TensorProto only
 * holds `location`, `offset` and `length`, so a ViT-B/16 graph stays a few hundred kilobytes.
 */

/** ONNX element types we emit, with their `TensorProto.DataType` numbers. */
export const DATA_TYPES = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float16: 10 } as const;
/** An element type name. */
export type DataType = keyof typeof DATA_TYPES;

/** Where an external tensor's bytes are: a file relative to the model, and a byte range. */
export interface ExternalRef {
  location: string;
  offset: number;
  length: number;
}

/** An initializer or tensor attribute: raw little-endian bytes inline, or a reference to external data. */
export interface TensorValue {
  name: string;
  dataType: DataType;
  dims: readonly number[];
  data: Uint8Array | ExternalRef;
}

/** A node attribute value, tagged by ONNX attribute type. */
export type AttributeValue =
  | { i: number }
  | { f: number }
  | { s: string }
  | { ints: readonly number[] }
  | { floats: readonly number[] }
  | { t: TensorValue };

/** One operator application. */
export interface NodeSpec {
  opType: string;
  domain?: string;
  name: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: Readonly<Record<string, AttributeValue>>;
}

/** A typed graph input or output; string dims are symbolic (dynamic) sizes. */
export interface ValueInfo {
  name: string;
  dataType: DataType;
  shape: readonly (number | string)[];
}

/** A whole model. */
export interface ModelSpec {
  graphName: string;
  nodes: readonly NodeSpec[];
  initializers: readonly TensorValue[];
  inputs: readonly ValueInfo[];
  outputs: readonly ValueInfo[];
  opsets: readonly { domain: string; version: number }[];
  producerVersion: string;
  docString?: string;
  metadata?: Readonly<Record<string, string>>;
}

// IR version 8 is the one that goes with opset 17 (onnx 1.12); onnxruntime 1.29 reads up to 11.
const IR_VERSION = 8;

/** Encode a model as ONNX protobuf bytes. */
export function encodeModel(model: ModelSpec): Uint8Array {
  const w = new ProtoWriter();
  w.varint(1, IR_VERSION);
  w.string(2, 'metaclip-batch');
  w.string(3, model.producerVersion);
  if (model.docString) w.string(6, model.docString);
  w.message(7, encodeGraph(model));
  for (const opset of model.opsets) {
    const o = new ProtoWriter();
    if (opset.domain) o.string(1, opset.domain);
    o.varint(2, opset.version);
    w.message(8, o);
  }
  for (const [key, value] of Object.entries(model.metadata ?? {})) w.message(14, stringEntry(key, value));
  return w.finish();
}

function encodeGraph(model: ModelSpec): ProtoWriter {
  const g = new ProtoWriter();
  for (const node of model.nodes) g.message(1, encodeNode(node));
  g.string(2, model.graphName);
  for (const tensor of model.initializers) g.message(5, encodeTensor(tensor));
  for (const input of model.inputs) g.message(11, encodeValueInfo(input));
  for (const output of model.outputs) g.message(12, encodeValueInfo(output));
  return g;
}

function encodeNode(node: NodeSpec): ProtoWriter {
  const n = new ProtoWriter();
  for (const input of node.inputs) n.string(1, input);
  for (const output of node.outputs) n.string(2, output);
  n.string(3, node.name);
  n.string(4, node.opType);
  for (const [name, value] of Object.entries(node.attributes ?? {})) n.message(5, encodeAttribute(name, value));
  if (node.domain) n.string(7, node.domain);
  return n;
}

// AttributeProto.AttributeType numbers.
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

function encodeAttribute(name: string, value: AttributeValue): ProtoWriter {
  const a = new ProtoWriter();
  a.string(1, name);
  if ('f' in value) {
    a.float(2, value.f);
    a.varint(20, ATTR.FLOAT);
  } else if ('i' in value) {
    a.varint(3, value.i);
    a.varint(20, ATTR.INT);
  } else if ('s' in value) {
    a.string(4, value.s);
    a.varint(20, ATTR.STRING);
  } else if ('t' in value) {
    a.message(5, encodeTensor(value.t));
    a.varint(20, ATTR.TENSOR);
  } else if ('floats' in value) {
    a.packedFloats(7, value.floats);
    a.varint(20, ATTR.FLOATS);
  } else {
    a.packedVarints(8, value.ints);
    a.varint(20, ATTR.INTS);
  }
  return a;
}

function encodeTensor(tensor: TensorValue): ProtoWriter {
  const t = new ProtoWriter();
  t.packedVarints(1, tensor.dims);
  t.varint(2, DATA_TYPES[tensor.dataType]);
  t.string(8, tensor.name);
  if (tensor.data instanceof Uint8Array) {
    t.bytes(9, tensor.data);
  } else {
    const ref = tensor.data;
    t.message(13, stringEntry('location', ref.location));
    t.message(13, stringEntry('offset', String(ref.offset)));
    t.message(13, stringEntry('length', String(ref.length)));
    t.varint(14, 1); // DataLocation.EXTERNAL
  }
  return t;
}

function encodeValueInfo(info: ValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const dim of info.shape) {
    const d = new ProtoWriter();
    if (typeof dim === 'number') d.varint(1, dim);
    else d.string(2, dim);
    shape.message(1, d);
  }
  const tensorType = new ProtoWriter();
  tensorType.varint(1, DATA_TYPES[info.dataType]);
  tensorType.message(2, shape);
  const type = new ProtoWriter();
  type.message(1, tensorType);
  const v = new ProtoWriter();
  v.string(1, info.name);
  v.message(2, type);
  return v;
}

function stringEntry(key: string, value: string): ProtoWriter {
  const e = new ProtoWriter();
  e.string(1, key);
  e.string(2, value);
  return e;
}

const encoder = new TextEncoder();

/**
 * Protobuf wire-format writer. Collects chunks and concatenates once in {@link finish}; nested messages are finished
 * first because their length prefix must precede them.
 */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;

  /** Field of wire type 0 (int32/int64/enum); negative numbers take 10 bytes, as protobuf's int64 does. */
  varint(field: number, value: number): void {
    this.tag(field, 0);
    this.rawVarint(value);
  }

  /** Field of wire type 5 holding a float32. */
  float(field: number, value: number): void {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
  }

  /** Length-delimited bytes. */
  bytes(field: number, data: Uint8Array): void {
    this.tag(field, 2);
    this.rawVarint(data.length);
    this.push(data);
  }

  /** Length-delimited UTF-8 string. */
  string(field: number, value: string): void {
    this.bytes(field, encoder.encode(value));
  }

  /** Nested message. */
  message(field: number, inner: ProtoWriter): void {
    this.bytes(field, inner.finish());
  }

  /** Packed repeated varints (proto3 default for repeated scalars). */
  packedVarints(field: number, values: readonly number[]): void {
    if (values.length === 0) return;
    const inner = new ProtoWriter();
    for (const v of values) inner.rawVarint(v);
    this.bytes(field, inner.finish());
  }

  /** Packed repeated float32. */
  packedFloats(field: number, values: readonly number[]): void {
    const b = new Uint8Array(4 * values.length);
    const view = new DataView(b.buffer);
    values.forEach((v, i) => {
      view.setFloat32(4 * i, v, true);
    });
    this.bytes(field, b);
  }

  /** The encoded bytes. */
  finish(): Uint8Array {
    if (this.chunks.length === 1) return this.chunks[0] as Uint8Array;
    const out = new Uint8Array(this.size);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }

  private tag(field: number, wireType: number): void {
    this.rawVarint(field * 8 + wireType);
  }

  private rawVarint(value: number): void {
    if (!Number.isSafeInteger(value)) throw new RangeError(`varint ${value} is not a safe integer`);
    if (value >= 0 && value < 0x80) {
      this.push(Uint8Array.of(value));
      return;
    }
    let v = BigInt.asUintN(64, BigInt(value));
    const bytes: number[] = [];
    while (v >= 0x80n) {
      bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    bytes.push(Number(v));
    this.push(Uint8Array.from(bytes));
  }

  private push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
  }
}
