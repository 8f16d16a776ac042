/**
 * Pure helpers over padded token batches (`[batch, length]` int64, padded after the end token).
 *
 * The text tower attends causally and pools at the end token, so tokens after the last end token in the batch
 * cannot change any embedding: trimming them makes a batch of short prompts several times cheaper than running all
 * 77 positions, with the same result.
 */

/** A padded batch of token ids. */
export interface TokenBatch {
  ids: BigInt64Array;
  batch: number;
  length: number;
}

/** Position of the first `eosId` in each row, or `length - 1` for a row without one. */
export function endPositions(tokens: TokenBatch, eosId: number): number[] {
  const eos = BigInt(eosId);
  const ends: number[] = [];
  for (let r = 0; r < tokens.batch; r++) {
    const row = tokens.ids.subarray(r * tokens.length, (r + 1) * tokens.length);
    const at = row.indexOf(eos);
    ends.push(at < 0 ? tokens.length - 1 : at);
  }
  return ends;
}

/** Drop the columns after the latest end token of the batch (returns the input itself when nothing can go). */
export function trimPadding(tokens: TokenBatch, eosId: number): TokenBatch {
  const length = Math.max(1, ...endPositions(tokens, eosId).map((p) => p + 1));
  if (length >= tokens.length) return tokens;
  const ids = new BigInt64Array(tokens.batch * length);
  for (let r = 0; r < tokens.batch; r++) {
    ids.set(tokens.ids.subarray(r * tokens.length, r * tokens.length + length), r * length);
  }
  return { ids, batch: tokens.batch, length };
}

/** The attention mask a tokenizer would give: 1 up to and including each row's end token, 0 after. */
export function attentionMask(tokens: TokenBatch, eosId: number): BigInt64Array {
  const mask = new BigInt64Array(tokens.ids.length);
  endPositions(tokens, eosId).forEach((end, r) => {
    mask.fill(1n, r * tokens.length, r * tokens.length + end + 1);
  });
  return mask;
}
