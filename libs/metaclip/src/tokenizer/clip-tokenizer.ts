/**
 * MetaCLIP's text tokenizer, identical to Hugging Face's fast tokenizers: `@huggingface/tokenizers` runs the
 * tokenizer.json pipeline, this class adds CLIP's fixed context: truncation that keeps the end token, and padding
 * with the pad id into one int64 tensor for the text tower.
 *
 * The same class serves MetaCLIP 1 (CLIP's byte-level BPE, `<|startoftext|>`/`<|endoftext|>`) and MetaCLIP 2
 * (XLM-R-style SentencePiece Unigram: Precompiled nmt_nfkc normaliser, Metaspace, `<s>`/`</s>`, pad `<pad>`): the
 * package reproduces transformers' ids for both (tests/metaclip-checkpoints.test.ts checks every golden string),
 * so a second, hand-written Unigram implementation would only be a second place for bugs.
 */
import path from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { z } from 'zod';
import { ModelLoadError } from '../errors.ts';
import type { ClipSpecialTokens } from './clip-tokenizer-json.ts';
import { parseJsonWith, readJsonFile } from './read-json.ts';
import { clipTokenizerJsonFromVocabFiles, readTokenizerConfig } from './tokenizer-files.ts';
import { CLIP_CONTEXT_LENGTH } from './vocab-files.ts';

/** Token ids of a batch, padded to the context length: `inputIds` is `[batch, length]` row-major. */
export interface EncodedBatch {
  inputIds: BigInt64Array;
  batch: number;
  length: number;
}

/** Options of {@link ClipTokenizer.fromDir}. */
export interface ClipTokenizerOptions {
  /** Overrides the context length found in the folder (e.g. the text tower's `max_position_embeddings`). */
  contextLength?: number;
}

/** Where a context length can come from, most binding first; `undefined` when the folder does not say. */
export interface ContextLengthSources {
  option?: number | undefined;
  /** `config.json` `text_config.max_position_embeddings`: the text tower cannot take more. */
  maxPositions?: number | undefined;
  /** `tokenizer_config.json` `model_max_length`; transformers writes ~1e30 for "no limit". */
  modelMaxLength?: number | undefined;
  /** `tokenizer.json` `truncation.max_length`. */
  truncationMaxLength?: number | undefined;
}

/** Larger `model_max_length` values are transformers' "unset" sentinel, not a real limit. */
const UNSET_MAX_LENGTH = 1_000_000;

/**
 * Picks the context length: an explicit option wins; otherwise the smallest limit the folder declares (text tower
 * positions, tokenizer max length, tokenizer.json truncation), since exceeding any of them is wrong; 77 when none.
 */
export function resolveContextLength(sources: ContextLengthSources): number {
  const declared = [sources.maxPositions, sources.modelMaxLength, sources.truncationMaxLength].filter(
    (n): n is number => n !== undefined && Number.isInteger(n) && n > 0 && n < UNSET_MAX_LENGTH,
  );
  const length = sources.option ?? (declared.length > 0 ? Math.min(...declared) : CLIP_CONTEXT_LENGTH);
  if (!Number.isInteger(length) || length < 2) {
    throw new ModelLoadError(`context length must be an integer >= 2 (room for start and end), got ${length}`);
  }
  return length;
}

const tokenizerJsonSchema = z.looseObject({
  model: z.looseObject({}),
  truncation: z.looseObject({ max_length: z.number().optional() }).nullish(),
});
const modelConfigSchema = z.looseObject({
  text_config: z.looseObject({ max_position_embeddings: z.number().optional() }).optional(),
});

/** Tokenizes text for MetaCLIP's text tower exactly as transformers' `CLIPTokenizer` does. */
export class ClipTokenizer {
  /** Tokens per sequence the text tower takes (77 for every MetaCLIP checkpoint). */
  readonly contextLength: number;
  /** Id of `<|startoftext|>`. */
  readonly bosId: number;
  /** Id of `<|endoftext|>`, always the last id of a sequence. */
  readonly eosId: number;
  /** Id that fills a sequence up to the context length (CLIP pads with the end token). */
  readonly padId: number;
  readonly #tokenizer: Tokenizer;

  private constructor(tokenizer: Tokenizer, ids: { bos: number; eos: number; pad: number }, contextLength: number) {
    this.#tokenizer = tokenizer;
    this.bosId = ids.bos;
    this.eosId = ids.eos;
    this.padId = ids.pad;
    this.contextLength = contextLength;
  }

  /**
   * Loads the tokenizer of a model folder: `tokenizer.json` (+ `tokenizer_config.json`), or, for checkpoints that
   * only have them, `vocab.json` + `merges.txt` (+ `tokenizer_config.json` / `special_tokens_map.json`). The context
   * length comes from the options, `config.json` and the tokenizer files (see {@link resolveContextLength}).
   * @throws ModelLoadError naming the missing or corrupt file.
   */
  static async fromDir(dir: string, opts: ClipTokenizerOptions = {}): Promise<ClipTokenizer> {
    const file = (name: string) => path.join(dir, name);
    const [config, tokenizerJson, modelJson] = await Promise.all([
      readTokenizerConfig(dir),
      readJsonFile(file('tokenizer.json'), { optional: true }),
      readJsonFile(file('config.json'), { optional: true }),
    ]);
    const modelConfig = parseJsonWith(modelConfigSchema, modelJson ?? {}, file('config.json'));

    let json: Record<string, unknown>;
    let source: string;
    let truncationMaxLength: number | undefined;
    if (tokenizerJson !== undefined) {
      source = file('tokenizer.json');
      const parsed = parseJsonWith(tokenizerJsonSchema, tokenizerJson, source);
      truncationMaxLength = parsed.truncation?.max_length;
      json = parsed;
    } else {
      source = file('vocab.json');
      json = await clipTokenizerJsonFromVocabFiles(dir, config.specials);
    }
    const contextLength = resolveContextLength({
      option: opts.contextLength,
      maxPositions: modelConfig.text_config?.max_position_embeddings,
      modelMaxLength: config.modelMaxLength,
      truncationMaxLength,
    });
    return ClipTokenizer.#create(json, config.raw, config.specials, contextLength, source);
  }

  static #create(
    json: Record<string, unknown>,
    config: object,
    specials: ClipSpecialTokens,
    contextLength: number,
    source: string,
  ): ClipTokenizer {
    let tokenizer: Tokenizer;
    try {
      tokenizer = new Tokenizer(json, config);
    } catch (err) {
      throw new ModelLoadError(`${source} is not a tokenizer we can run: ${(err as Error).message}`, {
        path: source,
        cause: err,
      });
    }
    const idOf = (token: string): number => {
      const id = tokenizer.token_to_id(token);
      if (id === undefined) throw new ModelLoadError(`${source} has no id for the special token ${token}`);
      return id;
    };
    return new ClipTokenizer(
      tokenizer,
      { bos: idOf(specials.bos), eos: idOf(specials.eos), pad: idOf(specials.pad) },
      contextLength,
    );
  }

  /**
   * Token ids of `text`, `<|startoftext|> ... <|endoftext|>`, not padded; a text longer than the context is cut to
   * `contextLength` ids and still ends with `<|endoftext|>` (transformers' `truncation=True`).
   */
  encode(text: string): number[] {
    const ids = this.#tokenizer.encode(text).ids;
    if (ids.length <= this.contextLength) return ids;
    const kept = ids.slice(0, this.contextLength - 1);
    kept.push(this.eosId);
    return kept;
  }

  /** Encodes `texts` into one `[batch, contextLength]` int64 tensor, each row padded with {@link padId}. */
  encodeBatch(texts: readonly string[]): EncodedBatch {
    const length = this.contextLength;
    const inputIds = new BigInt64Array(texts.length * length).fill(BigInt(this.padId));
    texts.forEach((text, row) => {
      this.encode(text).forEach((id, col) => {
        inputIds[row * length + col] = BigInt(id);
      });
    });
    return { inputIds, batch: texts.length, length };
  }
}
