import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ModelLoadError } from '../errors.ts';
import { ClipTokenizer, resolveContextLength } from './clip-tokenizer.ts';
import { writeClipTokenizerFiles } from './vocab-files.ts';

const { tinyClip: TINY_CLIP, golden: GOLDEN_DIR } = inject('sharedFixtures');

interface GoldenTokens {
  ids: Record<string, number[]>;
  padded77: Record<string, number[]>;
}

const golden = JSON.parse(await readFile(path.join(GOLDEN_DIR, 'tokenizer.json'), 'utf8')) as GoldenTokens;
const texts = Object.keys(golden.ids);

const tmpDirs: string[] = [];
async function tmpDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'clip-tok-'));
  tmpDirs.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(tmpDirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** Checks a tokenizer against every golden string, unpadded and padded to 77. */
function expectGolden(tokenizer: ClipTokenizer): void {
  expect(tokenizer.contextLength).toBe(77);
  for (const text of texts) {
    const full = golden.ids[text] ?? [];
    const expected = full.length <= 77 ? full : [...full.slice(0, 76), 49407];
    expect(tokenizer.encode(text), JSON.stringify(text)).toEqual(expected);
  }
  const paddedTexts = Object.keys(golden.padded77);
  const batch = tokenizer.encodeBatch(paddedTexts);
  expect(batch.batch).toBe(paddedTexts.length);
  expect(batch.length).toBe(77);
  paddedTexts.forEach((text, row) => {
    const got = Array.from(batch.inputIds.subarray(row * 77, (row + 1) * 77), Number);
    expect(got, JSON.stringify(text)).toEqual(golden.padded77[text]);
  });
}

describe('ClipTokenizer', () => {
  it('has golden strings longer than the context, so truncation is exercised', () => {
    expect(texts.some((t) => (golden.ids[t]?.length ?? 0) > 77)).toBe(true);
    expect(texts.length).toBeGreaterThan(10);
  });

  it('matches transformers bit for bit from tokenizer.json', async () => {
    expectGolden(await ClipTokenizer.fromDir(TINY_CLIP));
  });

  describe('from vocab.json + merges.txt', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await tmpDir();
      await writeClipTokenizerFiles(dir);
    });

    it('matches transformers bit for bit', async () => {
      const tokenizer = await ClipTokenizer.fromDir(dir);
      expect([tokenizer.bosId, tokenizer.eosId, tokenizer.padId]).toEqual([49406, 49407, 49407]);
      expectGolden(tokenizer);
    });

    it('says which file is missing when merges.txt is absent', async () => {
      const partial = await tmpDir();
      await copyFile(path.join(dir, 'vocab.json'), path.join(partial, 'vocab.json'));
      const err = await ClipTokenizer.fromDir(partial).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ModelLoadError);
      expect((err as ModelLoadError).path).toBe(path.join(partial, 'merges.txt'));
      expect((err as Error).message).toMatch(/merges\.txt is missing/);
    });

    it('rejects a malformed merge line', async () => {
      const bad = await tmpDir();
      await copyFile(path.join(dir, 'vocab.json'), path.join(bad, 'vocab.json'));
      await writeFile(path.join(bad, 'merges.txt'), '#version: 0.2\ni n\nthree parts here\n');
      await expect(ClipTokenizer.fromDir(bad)).rejects.toThrow(/merges\.txt is malformed: line 3/);
    });
  });

  it('names a vocab.json with a bad id', async () => {
    const dir = await tmpDir();
    await writeFile(path.join(dir, 'vocab.json'), '{"a": 0, "b": -1}');
    await writeFile(path.join(dir, 'merges.txt'), '#version: 0.2\na b\n');
    await expect(ClipTokenizer.fromDir(dir)).rejects.toThrow(/vocab\.json is malformed at b/);
  });

  it('names the folder when it has no tokenizer at all', async () => {
    const empty = await tmpDir();
    const err = await ClipTokenizer.fromDir(empty).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect((err as Error).message).toMatch(/needs tokenizer\.json, or vocab\.json and merges\.txt/);
  });

  it('names a corrupt tokenizer.json', async () => {
    const dir = await tmpDir();
    await writeFile(path.join(dir, 'tokenizer.json'), '{"model": {"type": "BPE", "vocab": ');
    const err = await ClipTokenizer.fromDir(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect((err as ModelLoadError).path).toBe(path.join(dir, 'tokenizer.json'));
    expect((err as Error).message).toMatch(/not valid JSON/);
  });

  it('names a tokenizer.json without a model', async () => {
    const dir = await tmpDir();
    await writeFile(path.join(dir, 'tokenizer.json'), '{"version": "1.0"}');
    await expect(ClipTokenizer.fromDir(dir)).rejects.toThrow(/tokenizer\.json is malformed at model/);
  });

  it('names a corrupt tokenizer_config.json', async () => {
    const dir = await tmpDir();
    await copyFile(path.join(TINY_CLIP, 'tokenizer.json'), path.join(dir, 'tokenizer.json'));
    await writeFile(path.join(dir, 'tokenizer_config.json'), '{"eos_token": 5}');
    await expect(ClipTokenizer.fromDir(dir)).rejects.toThrow(/tokenizer_config\.json is malformed at eos_token/);
  });

  it('truncates to a shorter context and still ends with the end token', async () => {
    const tokenizer = await ClipTokenizer.fromDir(TINY_CLIP, { contextLength: 5 });
    expect(tokenizer.encode('a photo of a cat.')).toEqual([49406, 320, 1125, 539, 49407]);
    const { inputIds } = tokenizer.encodeBatch(['a', 'a photo of a cat.']);
    expect(Array.from(inputIds, Number)).toEqual([49406, 320, 49407, 49407, 49407, 49406, 320, 1125, 539, 49407]);
  });
});

describe('resolveContextLength', () => {
  it('takes the option, else the smallest declared limit, else 77', () => {
    expect(resolveContextLength({ option: 32, maxPositions: 77 })).toBe(32);
    expect(resolveContextLength({ maxPositions: 77, modelMaxLength: 64 })).toBe(64);
    expect(resolveContextLength({ modelMaxLength: 1e30, truncationMaxLength: 77 })).toBe(77);
    expect(resolveContextLength({ modelMaxLength: 1e30 })).toBe(77);
    expect(resolveContextLength({})).toBe(77);
  });

  it('rejects a context too short for the start and end tokens', () => {
    expect(() => resolveContextLength({ option: 1 })).toThrow(ModelLoadError);
  });
});
