import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ExternalDataWriter, GraphBuilder } from './graph-builder.ts';
import { encodeModel, ProtoWriter } from './onnx-proto.ts';

const hex = (w: ProtoWriter) => Buffer.from(w.finish()).toString('hex');

describe('ProtoWriter', () => {
  it('encodes varints like protobuf, negative int64 as ten bytes', () => {
    const w = (value: number) => {
      const p = new ProtoWriter();
      p.varint(1, value);
      return hex(p);
    };
    expect(w(1)).toBe('0801');
    expect(w(300)).toBe('08ac02');
    expect(w(-1)).toBe('08ffffffffffffffffff01');
    expect(w(2 ** 40)).toBe('08808080808020');
    expect(() => w(2 ** 60)).toThrow(RangeError);
  });

  it('encodes strings, floats and packed repeated fields', () => {
    const p = new ProtoWriter();
    p.string(2, 'hi');
    p.float(3, 1);
    p.packedVarints(4, [1, 2]);
    p.packedVarints(5, []);
    expect(hex(p)).toBe('120268691d0000803f22020102');
  });
});

describe('encodeModel', () => {
  it('writes a model onnxruntime runs, with inline and external initializers', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'onnx-proto-'));
    try {
      const data = new ExternalDataWriter(path.join(dir, 'm.onnx_data'), 'm.onnx_data');
      const b = new GraphBuilder('g/', 'float32', data);
      const small = b.weight('small', [2], Float32Array.of(1, 2));
      const big = b.weight(
        'big',
        [512, 2],
        Float32Array.from({ length: 1024 }, (_, i) => i),
      );
      const row = b.op('Gather', [big, b.int64([511], [])]); // [510*2.., ] = [1022, 1023]
      const sum = b.op('Add', [b.op('Mul', ['x', small]), row]);
      b.op('ReduceSum', [sum], { keepdims: { i: 0 } }, { names: ['y'] });
      data.close();
      expect(b.initializers.find((t) => t.name === 'g/big')?.data).toMatchObject({ location: 'm.onnx_data' });
      expect(b.initializers.find((t) => t.name === 'g/small')?.data).toBeInstanceOf(Uint8Array);
      const model = encodeModel({
        graphName: 'test',
        nodes: b.nodes,
        initializers: b.initializers,
        inputs: [{ name: 'x', dataType: 'float32', shape: ['n', 2] }],
        outputs: [{ name: 'y', dataType: 'float32', shape: [] }],
        opsets: [{ domain: '', version: 17 }],
        producerVersion: 'test',
        metadata: { purpose: 'unit test' },
      });
      await writeFile(path.join(dir, 'm.onnx'), model);
      const session = await ort.InferenceSession.create(path.join(dir, 'm.onnx'));
      const out = await session.run({ x: new ort.Tensor('float32', Float32Array.of(1, 1, 2, 2), [2, 2]) });
      // (1*1 + 1022) + (1*2 + 1023) + (2*1 + 1022) + (2*2 + 1023)
      expect(out.y?.data[0]).toBe(4099);
      await session.release();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
