import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { bytesToUnicode, loadVendoredClipVocabulary, writeClipTokenizerFiles } from './vocab-files.ts';

const TINY_CLIP = inject('sharedFixtures').tinyClip;

interface TokenizerJsonModel {
  model: { vocab: Record<string, number>; merges: [string, string][] };
}

describe('CLIP vocabulary files', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('maps all 256 bytes to distinct printable symbols, printable ASCII first', () => {
    const table = bytesToUnicode();
    expect(new Set(table).size).toBe(256);
    expect(table[0]).toBe('!');
    expect(table[93]).toBe('~');
    expect(table[255]).toBe(String.fromCharCode(0x143));
  });

  it('builds exactly the vocabulary and merges of the real CLIP tokenizer.json', async () => {
    const { vocab, merges } = await loadVendoredClipVocabulary();
    const real = JSON.parse(await readFile(path.join(TINY_CLIP, 'tokenizer.json'), 'utf8')) as TokenizerJsonModel;
    expect(vocab.size).toBe(49408);
    expect(Object.keys(real.model.vocab)).toHaveLength(49408);
    // Element-wise checks: vitest's deep equality with diffing is slow on 49k entries.
    expect(Object.entries(real.model.vocab).filter(([token, id]) => vocab.get(token) !== id)).toEqual([]);
    expect(JSON.stringify(merges)).toBe(JSON.stringify(real.model.merges));
  });

  it('writes vocab.json, merges.txt and the configs', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'clip-vocab-'));
    dirs.push(dir);
    await writeClipTokenizerFiles(path.join(dir, 'nested'));
    const read = (f: string) => readFile(path.join(dir, 'nested', f), 'utf8');
    const vocab = JSON.parse(await read('vocab.json')) as Record<string, number>;
    expect(Object.keys(vocab)).toHaveLength(49408);
    expect(vocab['<|endoftext|>']).toBe(49407);
    expect(vocab['a</w>']).toBe(320);
    const merges = (await read('merges.txt')).split('\n');
    expect(merges[0]).toBe('#version: 0.2');
    expect(merges[1]).toBe('i n');
    expect(merges).toHaveLength(48894 + 2);
    const config = JSON.parse(await read('tokenizer_config.json')) as Record<string, unknown>;
    expect(config).toMatchObject({
      model_max_length: 77,
      pad_token: '<|endoftext|>',
      tokenizer_class: 'CLIPTokenizer',
    });
    const specials = JSON.parse(await read('special_tokens_map.json')) as Record<string, unknown>;
    expect(specials).toMatchObject({ bos_token: '<|startoftext|>', eos_token: '<|endoftext|>' });
  });
});
