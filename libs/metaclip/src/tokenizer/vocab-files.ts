/**
 * The CLIP byte-pair vocabulary as Hugging Face files (`vocab.json`, `merges.txt`, `tokenizer_config.json`,
 * `special_tokens_map.json`), built from the vendored `bpe_simple_vocab_16e6.txt.gz` with OpenAI CLIP's id rules.
 * Random or hand-made checkpoints use this to get the real MetaCLIP tokenizer without the hub.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** The start and end tokens and their fixed ids (vocabulary size 49,408). */
export const CLIP_BOS_TOKEN = '<|startoftext|>';
export const CLIP_EOS_TOKEN = '<|endoftext|>';
export const CLIP_BOS_ID = 49406;
export const CLIP_EOS_ID = 49407;
/** Tokens of context MetaCLIP's text tower takes. */
export const CLIP_CONTEXT_LENGTH = 77;

/** CLIP uses the first 48,894 merges of the file: 49,408 ids minus 512 byte symbols minus 2 specials. */
const MERGE_COUNT = CLIP_BOS_ID - 512;

const VENDORED_BPE = fileURLToPath(new URL('../../assets/bpe_simple_vocab_16e6.txt.gz', import.meta.url));

/** A BPE vocabulary: token -> id, and merges in rank order. */
export interface ClipVocabulary {
  vocab: Map<string, number>;
  merges: [string, string][];
}

/**
 * GPT-2's reversible byte -> printable character table, in the order OpenAI CLIP assigns ids: printable Latin-1
 * bytes keep their own code point, the rest map to U+0100 onwards.
 */
export function bytesToUnicode(): string[] {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const ordered: string[] = [];
  for (let b = 0; b < 256; b++) if (printable(b)) ordered.push(String.fromCharCode(b));
  let n = 0;
  for (let b = 0; b < 256; b++) if (!printable(b)) ordered.push(String.fromCharCode(256 + n++));
  return ordered;
}

/**
 * Builds the CLIP vocabulary from the text of `bpe_simple_vocab_16e6.txt` (header line, then merges in rank order).
 * Ids: 256 byte symbols, the same with `</w>`, one per merge, then `<|startoftext|>` and `<|endoftext|>`.
 */
export function buildClipVocabulary(bpeText: string): ClipVocabulary {
  const lines = bpeText.split('\n').slice(1, 1 + MERGE_COUNT);
  if (lines.length !== MERGE_COUNT) {
    throw new Error(`BPE file has ${lines.length} merges, CLIP needs ${MERGE_COUNT}`);
  }
  const merges = lines.map((line, i): [string, string] => {
    const parts = line.split(' ');
    if (parts.length !== 2 || !parts[0] || !parts[1]) throw new Error(`BPE merge ${i + 1} is malformed: "${line}"`);
    return [parts[0], parts[1]];
  });
  const bytes = bytesToUnicode();
  const tokens = [...bytes, ...bytes.map((b) => `${b}</w>`), ...merges.map(([a, b]) => a + b)];
  tokens.push(CLIP_BOS_TOKEN, CLIP_EOS_TOKEN);
  return { vocab: new Map(tokens.map((t, id) => [t, id])), merges };
}

/** Reads and builds the vocabulary vendored in `libs/metaclip/assets`. */
export async function loadVendoredClipVocabulary(): Promise<ClipVocabulary> {
  return buildClipVocabulary(gunzipSync(await readFile(VENDORED_BPE)).toString('utf8'));
}

/**
 * Writes `vocab.json`, `merges.txt`, `tokenizer_config.json` and `special_tokens_map.json` into `dir` (created if
 * missing), byte-compatible with what transformers' `CLIPTokenizer.save_pretrained` writes for MetaCLIP.
 * `ClipTokenizer.fromDir(dir)` and transformers both load the result.
 */
export async function writeClipTokenizerFiles(dir: string): Promise<void> {
  const { vocab, merges } = await loadVendoredClipVocabulary();
  // Python's json.dump(sort_keys=True): every token is in the BMP, so UTF-16 order equals code-point order.
  const sorted = Object.fromEntries([...vocab.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const specials = {
    bos_token: CLIP_BOS_TOKEN,
    eos_token: CLIP_EOS_TOKEN,
    pad_token: CLIP_EOS_TOKEN,
    unk_token: CLIP_EOS_TOKEN,
  };
  const config = {
    ...specials,
    add_prefix_space: false,
    do_lower_case: true,
    errors: 'replace',
    model_max_length: CLIP_CONTEXT_LENGTH,
    tokenizer_class: 'CLIPTokenizer',
  };
  await mkdir(dir, { recursive: true });
  await Promise.all([
    writeFile(path.join(dir, 'vocab.json'), JSON.stringify(sorted, null, 2)),
    writeFile(path.join(dir, 'merges.txt'), `#version: 0.2\n${merges.map(([a, b]) => `${a} ${b}`).join('\n')}\n`),
    writeFile(path.join(dir, 'tokenizer_config.json'), `${JSON.stringify(config, null, 2)}\n`),
    writeFile(path.join(dir, 'special_tokens_map.json'), `${JSON.stringify(specials, null, 2)}\n`),
  ]);
}
