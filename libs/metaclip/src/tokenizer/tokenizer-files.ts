/**
 * A model folder's tokenizer files: the settings and special tokens its configs name, and CLIP's tokenizer.json built
 * from `vocab.json` + `merges.txt` for checkpoints that ship no tokenizer.json. `ClipTokenizer` runs what this builds
 * and the converter writes it into transformers.js folders, so both always see the same tokenizer.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ModelLoadError } from '../errors.ts';
import { type ClipSpecialTokens, clipTokenizerJson, parseMerges } from './clip-tokenizer-json.ts';
import { parseJsonWith, readJsonFile } from './read-json.ts';
import { CLIP_BOS_TOKEN, CLIP_EOS_TOKEN } from './vocab-files.ts';

/** A special token in tokenizer_config.json: a string, or an AddedToken object with `content`. */
const specialToken = z
  .union([z.string(), z.object({ content: z.string() })])
  .transform((v) => (typeof v === 'string' ? v : v.content))
  .optional();
const specialsSchema = z.object({
  bos_token: specialToken,
  eos_token: specialToken,
  pad_token: specialToken,
  unk_token: specialToken,
});
const tokenizerConfigSchema = specialsSchema.extend({ model_max_length: z.number().optional() });

/** What a folder's `tokenizer_config.json` and `special_tokens_map.json` say. */
export interface TokenizerConfig {
  /** `tokenizer_config.json` as read (`{}` when absent), for the tokenizer runtime. */
  raw: object;
  /** `model_max_length`, when given. */
  modelMaxLength: number | undefined;
  /** tokenizer_config.json's tokens, else special_tokens_map.json's, else CLIP's; pad and unk default to eos. */
  specials: ClipSpecialTokens;
}

/**
 * Reads the tokenizer settings of `dir`; both files are optional.
 * @throws ModelLoadError naming a file that is unreadable or malformed.
 */
export async function readTokenizerConfig(dir: string): Promise<TokenizerConfig> {
  const configFile = path.join(dir, 'tokenizer_config.json');
  const specialsFile = path.join(dir, 'special_tokens_map.json');
  const [configJson, specialsJson] = await Promise.all([
    readJsonFile(configFile, { optional: true }),
    readJsonFile(specialsFile, { optional: true }),
  ]);
  const config = parseJsonWith(tokenizerConfigSchema, configJson ?? {}, configFile);
  const map = parseJsonWith(specialsSchema, specialsJson ?? {}, specialsFile);
  const eos = config.eos_token ?? map.eos_token ?? CLIP_EOS_TOKEN;
  return {
    raw: (configJson ?? {}) as object,
    modelMaxLength: config.model_max_length,
    specials: {
      bos: config.bos_token ?? map.bos_token ?? CLIP_BOS_TOKEN,
      eos,
      pad: config.pad_token ?? map.pad_token ?? eos,
      unk: config.unk_token ?? map.unk_token ?? eos,
    },
  };
}

/**
 * Checks that `vocab.json` maps tokens to non-negative integer ids. A plain loop: zod takes about half a second
 * over CLIP's 49,408 entries.
 */
function checkVocab(json: unknown, file: string): Record<string, number> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ModelLoadError(`${file} is malformed: expected an object of token -> id`, { path: file });
  }
  for (const [token, id] of Object.entries(json)) {
    if (!Number.isSafeInteger(id) || (id as number) < 0) {
      throw new ModelLoadError(`${file} is malformed at ${token}: ids are non-negative integers`, { path: file });
    }
  }
  return json as Record<string, number>;
}

/**
 * CLIP's tokenizer.json built from the `vocab.json` + `merges.txt` of `dir`, as transformers' CLIPTokenizerFast
 * builds it for such a checkpoint.
 * @throws ModelLoadError naming the missing or malformed file, or a special token the vocabulary lacks.
 */
export async function clipTokenizerJsonFromVocabFiles(
  dir: string,
  specials: ClipSpecialTokens,
): Promise<Record<string, unknown>> {
  const vocabFile = path.join(dir, 'vocab.json');
  const mergesFile = path.join(dir, 'merges.txt');
  const vocabJson = await readJsonFile(vocabFile, { optional: true });
  if (vocabJson === undefined) {
    throw new ModelLoadError(`${dir} has no tokenizer: it needs tokenizer.json, or vocab.json and merges.txt`, {
      path: path.join(dir, 'tokenizer.json'),
    });
  }
  const vocab = checkVocab(vocabJson, vocabFile);
  let merges: [string, string][];
  try {
    merges = parseMerges(await readFile(mergesFile, 'utf8'));
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    const reason = missing ? 'is missing (vocab.json needs it)' : `is malformed: ${(err as Error).message}`;
    throw new ModelLoadError(`${mergesFile} ${reason}`, { path: mergesFile, cause: err });
  }
  try {
    return clipTokenizerJson(vocab, merges, specials);
  } catch (err) {
    throw new ModelLoadError(`${vocabFile}: ${(err as Error).message}`, { path: vocabFile, cause: err });
  }
}
