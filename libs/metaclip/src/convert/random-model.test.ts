import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeRandomModel } from './random-model.ts';
import { SafetensorsReader } from './safetensors-reader.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'random-model-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const weightsHash = async (folder: string) =>
  createHash('sha256')
    .update(await readFile(path.join(folder, 'model.safetensors')))
    .digest('hex');

describe('writeRandomModel', () => {
  it('writes the same bytes for a seed as before weights were generated in chunks', async () => {
    // Pinned from the writer that drew each tensor whole: the token embedding (49,408 x 32 values) now comes in
    // two chunks, and the values must not change, so benchmarks and tests seeded before still see the same model.
    const a = await writeRandomModel(path.join(dir, 'a'), 'tiny', { seed: 5 });
    expect(await weightsHash(a)).toBe('c645b6a43ec87d8067ca2baad459cfb0a6a679c9f9e09245c0f5864c076a3bda');
    const b = await writeRandomModel(path.join(dir, 'b'), 'tiny', { seed: 6 });
    expect(await weightsHash(b)).not.toBe(await weightsHash(a));
  });

  it('writes every tensor of the checkpoint with its shape', async () => {
    const folder = await writeRandomModel(path.join(dir, 'shapes'), 'tiny', { seed: 1 });
    const file = SafetensorsReader.open(path.join(folder, 'model.safetensors'));
    try {
      expect(file.entries.get('text_model.embeddings.token_embedding.weight')?.shape).toEqual([49408, 32]);
      expect(file.entries.has('vision_model.post_layernorm.bias')).toBe(true);
    } finally {
      file.close();
    }
  });
});
