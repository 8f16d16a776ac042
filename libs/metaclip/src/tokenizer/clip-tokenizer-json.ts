/**
 * The `tokenizer.json` that transformers' CLIP converter (`convert_slow_tokenizer.CLIPConverter`) writes, built from a
 * vocabulary and merges. Checkpoints that ship only `vocab.json` + `merges.txt` get exactly the tokenizer that
 * `CLIPTokenizerFast` would build for them.
 */

/** The special tokens a CLIP tokenizer needs, as token strings. */
export interface ClipSpecialTokens {
  bos: string;
  eos: string;
  pad: string;
  unk: string;
}

/**
 * CLIP's pre-tokenizer split: special tokens, English contractions, runs of letters, single digits, runs of other
 * non-space characters (OpenAI's `pat`, with whitespace left out because the split removes it).
 */
const CLIP_SPLIT_PATTERN =
  "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+";

/** Parses `merges.txt`: an optional `#version` header, then one `left right` pair per line in rank order. */
export function parseMerges(text: string): [string, string][] {
  const merges: [string, string][] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line === '' || (i === 0 && line.startsWith('#version'))) return;
    const parts = line.split(' ');
    if (parts.length !== 2 || !parts[0] || !parts[1]) {
      throw new Error(`line ${i + 1} is not a "left right" merge: ${JSON.stringify(line.slice(0, 80))}`);
    }
    merges.push([parts[0], parts[1]]);
  });
  return merges;
}

/**
 * The tokenizer.json object of CLIP's fast tokenizer: NFC + whitespace collapse + lowercase, CLIP's split then
 * byte-level mapping, BPE with `</w>` word ends, `<bos> ... <eos>` around every sequence.
 * Throws when a special token is not in the vocabulary.
 */
export function clipTokenizerJson(
  vocab: Record<string, number>,
  merges: [string, string][],
  specials: ClipSpecialTokens,
): Record<string, unknown> {
  const idOf = (token: string): number => {
    const id = vocab[token];
    if (id === undefined) throw new Error(`special token ${token} is not in the vocabulary`);
    return id;
  };
  const specialTokens = [...new Set([specials.bos, specials.eos, specials.unk, specials.pad])];
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specialTokens
      .map((content) => ({
        id: idOf(content),
        content,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      }))
      .sort((a, b) => a.id - b.id),
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'NFC' },
        { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' },
        { type: 'Lowercase' },
      ],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: CLIP_SPLIT_PATTERN }, behavior: 'Removed', invert: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      ],
    },
    post_processor: {
      type: 'RobertaProcessing',
      sep: [specials.eos, idOf(specials.eos)],
      cls: [specials.bos, idOf(specials.bos)],
      trim_offsets: false,
      add_prefix_space: false,
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: specials.unk,
      continuing_subword_prefix: '',
      end_of_word_suffix: '</w>',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
}
