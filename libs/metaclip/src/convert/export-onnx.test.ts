import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readClipConfig } from '../config/clip-config.ts';
import { exportClipOnnx } from './export-onnx.ts';
import { SafetensorsReader } from './safetensors-reader.ts';
import type { TensorChunks, TensorSource } from './tensor-source.ts';

const TINY_CLIP = inject('sharedFixtures').tinyClip;

const TOKEN_TABLE = 'text_model.embeddings.token_embedding.weight';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'export-onnx-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The fixture's real reader, refusing to hand out the token table whole and counting the chunks it streams. */
class NoWholeTokenTable implements TensorSource {
  readonly source: string;
  chunkValues = 0;
  chunks = 0;

  constructor(private readonly inner: SafetensorsReader) {
    this.source = inner.source;
  }

  close(): void {
    this.inner.close();
  }

  has(name: string): boolean {
    return this.inner.has(name);
  }

  float32(name: string): { shape: number[]; data: Float32Array } {
    if (name === TOKEN_TABLE) throw new Error('the token table was read whole');
    return this.inner.float32(name);
  }

  float32Chunks(name: string, chunkValues: number): TensorChunks {
    const { shape, chunks } = this.inner.float32Chunks(name, chunkValues);
    if (name === TOKEN_TABLE) this.chunkValues = chunkValues;
    const counted = function* (this: NoWholeTokenTable) {
      for (const chunk of chunks) {
        if (name === TOKEN_TABLE) this.chunks++;
        yield chunk;
      }
    }.call(this);
    return { shape, chunks: counted };
  }
}

describe('exportClipOnnx', () => {
  it.each(['fp32', 'fp16'] as const)('streams the token embedding in chunks, never whole (%s)', async (dtype) => {
    const source = new NoWholeTokenTable(SafetensorsReader.open(path.join(TINY_CLIP, 'model.safetensors')));
    const out = path.join(dir, dtype);
    await mkdir(out);
    try {
      exportClipOnnx(source, await readClipConfig(TINY_CLIP), out, { dtype, fused: true, producerVersion: 'test' });
    } finally {
      source.close();
    }
    const values = 49408 * 32;
    expect(source.chunkValues).toBeLessThan(values);
    expect(source.chunks).toBe(Math.ceil(values / source.chunkValues));
    // The whole table still landed in the text tower's data file.
    expect((await stat(path.join(out, 'text_model.onnx_data'))).size).toBeGreaterThan(
      values * (dtype === 'fp16' ? 2 : 4),
    );
  });
});
