import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ModelLoadError } from '../errors.ts';
import { parseSafetensorsHeader, writeSafetensors } from './safetensors.ts';
import { SafetensorsReader } from './safetensors-reader.ts';
import { joinedChunks } from './tensor-chunks.fixture.ts';

const TINY_CLIP = inject('sharedFixtures').tinyClip;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'safetensors-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A safetensors file from a header object and raw data bytes. */
function build(header: Record<string, unknown>, data: Uint8Array, headerLength?: number): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerLength ?? json.length));
  return Buffer.concat([prefix, json, data]);
}

/** Open `bytes` as a file named `name` in the test folder. */
async function openBytes(name: string, bytes: Uint8Array): Promise<SafetensorsReader> {
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  return SafetensorsReader.open(file);
}

function corrupt(bytes: Uint8Array): string {
  try {
    parseSafetensorsHeader(bytes, 'x.safetensors');
  } catch (err) {
    expect(err).toBeInstanceOf(ModelLoadError);
    return (err as Error).message;
  }
  throw new Error('expected a ModelLoadError');
}

describe('SafetensorsReader', () => {
  it('reads the fixture checkpoint', () => {
    const file = SafetensorsReader.open(path.join(TINY_CLIP, 'model.safetensors'));
    try {
      expect(file.metadata).toEqual({ format: 'pt' });
      expect(file.float32('visual_projection.weight').shape).toEqual([24, 48]);
      expect(file.float32('logit_scale').data[0]).toBeCloseTo(Math.log(14.284855842590332), 6);
      expect(() => file.float32('nope')).toThrow(ModelLoadError);
      expect(() => file.float32Chunks('nope', 8)).toThrow(ModelLoadError);
    } finally {
      file.close();
    }
  });

  it('reads every tensor in chunks to exactly its whole values', () => {
    const file = SafetensorsReader.open(path.join(TINY_CLIP, 'model.safetensors'));
    try {
      for (const name of file.entries.keys()) {
        const whole = file.float32(name);
        // 777 divides no tensor's size, so the last chunk is a short one.
        expect(file.float32Chunks(name, 777).shape, name).toEqual(whole.shape);
        expect(Buffer.from(joinedChunks(file, name, 777).buffer).equals(Buffer.from(whole.data.buffer)), name).toBe(
          true,
        );
      }
      const token = file.entries.get('text_model.embeddings.token_embedding.weight');
      const chunks = [...file.float32Chunks('text_model.embeddings.token_embedding.weight', 777).chunks];
      expect(chunks.length).toBe(Math.ceil((token?.length ?? 0) / 4 / 777));
    } finally {
      file.close();
    }
  });

  it('writes files it reads back, including lazily made tensors', async () => {
    const target = path.join(dir, 'roundtrip.safetensors');
    const a = Float32Array.from([1, -2.5, 3e-8, 1e30, 0, 7]);
    await writeSafetensors(target, [
      ['a', { shape: [2, 3], data: a }],
      ['b', { shape: [], chunks: () => [Float32Array.of(42)] }],
      ['c', { shape: [2, 2], chunks: () => [Float32Array.of(1, 2, 3), Float32Array.of(4)] }],
    ]);
    const bytes = await readFile(target);
    expect(Number(bytes.readBigUInt64LE(0)) % 8).toBe(0);
    const file = SafetensorsReader.open(target);
    expect(file.float32('a')).toEqual({ shape: [2, 3], data: a });
    expect(Array.from(file.float32('b').data)).toEqual([42]);
    expect(Array.from(file.float32('c').data)).toEqual([1, 2, 3, 4]);
    file.close();
  });

  it('refuses a tensor whose chunks do not add up to its shape', async () => {
    const target = path.join(dir, 'short.safetensors');
    const write = (chunks: Float32Array[]) => writeSafetensors(target, [['x', { shape: [3], chunks: () => chunks }]]);
    await expect(write([Float32Array.of(1, 2)])).rejects.toThrow(/needs 3 values, got 2/);
    await expect(write([Float32Array.of(1, 2), Float32Array.of(3, 4)])).rejects.toThrow(/needs 3 values, got more/);
  });

  it('converts F16 and BF16 tensors to float32, whole and in chunks', async () => {
    const data = new Uint8Array(8);
    const view = new DataView(data.buffer);
    view.setUint16(0, 0x3c00, true); // fp16 1.0
    view.setUint16(2, 0xc100, true); // fp16 -2.5
    view.setUint16(4, 0x3f80, true); // bf16 1.0
    view.setUint16(6, 0x4049, true); // bf16 3.140625
    const bytes = build(
      {
        h: { dtype: 'F16', shape: [2], data_offsets: [0, 4] },
        b: { dtype: 'BF16', shape: [2], data_offsets: [4, 8] },
      },
      data,
    );
    const file = await openBytes('mixed.safetensors', bytes);
    expect(Array.from(file.float32('h').data)).toEqual([1, -2.5]);
    expect(Array.from(file.float32('b').data)).toEqual([1, 3.140625]);
    expect(Array.from(joinedChunks(file, 'h', 1))).toEqual([1, -2.5]);
    expect(Array.from(joinedChunks(file, 'b', 1))).toEqual([1, 3.140625]);
    file.close();
  });

  it('reads F32 data that is not 4-byte aligned in the file', async () => {
    const bytes = build(
      { x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } },
      new Uint8Array(Float32Array.of(1.5).buffer),
    );
    // A header of odd length puts the data off alignment.
    expect((8 + bytes.readUInt32LE(0)) % 4).not.toBe(0);
    const file = await openBytes('odd.safetensors', bytes);
    expect(Array.from(file.float32('x').data)).toEqual([1.5]);
    expect(Array.from(joinedChunks(file, 'x', 1))).toEqual([1.5]);
    file.close();
  });

  it('rejects corrupt files with a clear ModelLoadError', async () => {
    const f32 = (offsets: number[], shape = [2]) => ({ dtype: 'F32', shape, data_offsets: offsets });
    expect(corrupt(new Uint8Array(4))).toMatch(/shorter than the 8-byte header length/);
    expect(corrupt(build({}, new Uint8Array(0), 1e6))).toMatch(/header length 1000000 does not fit/);
    expect(
      corrupt(Buffer.concat([build({}, new Uint8Array(0)).subarray(0, 8), Buffer.from('{]')]).fill(2, 0, 1)),
    ).toMatch(/not JSON/);
    expect(corrupt(build({ x: f32([0, 8]) }, new Uint8Array(4)))).toMatch(/outside the 4 data bytes \(truncated/);
    expect(corrupt(build({ x: f32([0, 4]) }, new Uint8Array(8)))).toMatch(/has 4 bytes, its shape \[2\] F32 needs 8/);
    expect(corrupt(build({ x: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)))).toMatch(
      /unsupported dtype I64/,
    );
    expect(corrupt(build({ x: f32([0, 8]), y: f32([4, 12]) }, new Uint8Array(12)))).toMatch(/overlap/);
    expect(corrupt(build({ x: f32([0, 8], [-2] as number[]) }, new Uint8Array(8)))).toMatch(/bad shape/);

    // A checkpoint cut short on disk, or a file shorter than the length prefix: the typed error comes from open too.
    const full = await readFile(path.join(TINY_CLIP, 'model.safetensors'));
    const truncated = path.join(dir, 'truncated.safetensors');
    await writeFile(truncated, full.subarray(0, full.length - 1000));
    expect(() => SafetensorsReader.open(truncated)).toThrow(/corrupt safetensors.*truncated/);
    await expect(openBytes('four.safetensors', new Uint8Array(4))).rejects.toThrow(/shorter than the 8-byte header/);
    expect(() => SafetensorsReader.open(path.join(dir, 'missing.safetensors'))).toThrow(ModelLoadError);
  });
});
