/**
 * Tokenizer files for random MetaCLIP 2 checkpoints (`convert --random --config mc2-*`): an XLM-R-style
 * SentencePiece Unigram tokenizer.json with the fairseq specials (`<s>` 0, `<pad>` 1, `</s>` 2, `<unk>` 3) and a
 * small placeholder vocabulary (single characters and `▁`-prefixed letters). Real checkpoints ship XLM-V's 901,629
 * pieces; random weights make any vocabulary as meaningful as another, and a small one keeps the folder small while
 * exercising the same pipeline (normaliser, Metaspace, Unigram, template) our tokenizer and transformers run.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

const SPECIALS = ['<s>', '<pad>', '</s>', '<unk>'] as const;

/** The placeholder's pieces after the specials: `▁`, printable ASCII, then `▁a` ... `▁z` and `▁A` ... `▁Z`. */
function pieces(): string[] {
  const ascii = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i));
  const letters = [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'].map((c) => `▁${c}`);
  return ['▁', ...ascii, ...letters];
}

/** The tokenizer.json object (tokenizers 0.x schema) transformers and `@huggingface/tokenizers` both load. */
export function xlmrPlaceholderTokenizerJson(): Record<string, unknown> {
  const vocab: [string, number][] = [
    ...SPECIALS.map((t): [string, number] => [t, 0]),
    ...pieces().map((p, i): [string, number] => [p, -2 - i / 100]),
  ];
  const metaspace = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.map((content, id) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: { type: 'NFKC' },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'WhitespaceSplit' }, metaspace] },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '<s>', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '</s>', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '<s>', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '</s>', type_id: 0 } },
        { SpecialToken: { id: '</s>', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 0 } },
        { SpecialToken: { id: '</s>', type_id: 0 } },
      ],
      special_tokens: {
        '<s>': { id: '<s>', ids: [0], tokens: ['<s>'] },
        '</s>': { id: '</s>', ids: [2], tokens: ['</s>'] },
      },
    },
    decoder: metaspace,
    model: { type: 'Unigram', unk_id: 3, vocab, byte_fallback: false },
  };
}

/** Write `tokenizer.json` and `tokenizer_config.json` (XLMRobertaTokenizer, 77 tokens) into `dir`. */
export async function writeXlmrPlaceholderTokenizerFiles(dir: string): Promise<void> {
  const config = {
    tokenizer_class: 'XLMRobertaTokenizer',
    bos_token: '<s>',
    eos_token: '</s>',
    pad_token: '<pad>',
    unk_token: '<unk>',
    cls_token: '<s>',
    sep_token: '</s>',
    model_max_length: 77,
  };
  await writeFile(path.join(dir, 'tokenizer.json'), JSON.stringify(xlmrPlaceholderTokenizerJson()));
  await writeFile(path.join(dir, 'tokenizer_config.json'), `${JSON.stringify(config, null, 2)}\n`);
}
