import { describe, expect, it } from 'vitest';
import { ImageInputError } from './errors.ts';
import {
  cosine,
  cosineMatrix,
  dot,
  type EmbeddingModel,
  embedForSimilarity,
  l2Norm,
  l2Normalize,
  l2NormalizeRows,
} from './similarity.ts';
import { classify } from './zero-shot-scoring.ts';

const f = (...xs: number[]) => Float32Array.from(xs);

describe('l2 normalisation', () => {
  it('scales a vector to unit length without changing its direction', () => {
    const u = l2Normalize(f(3, 4));
    expect(Array.from(u)).toEqual([expect.closeTo(0.6, 6), expect.closeTo(0.8, 6)]);
    expect(l2Norm(u)).toBeCloseTo(1, 6);
  });

  it('leaves a zero vector at zero instead of NaN', () => {
    expect(Array.from(l2Normalize(f(0, 0, 0)))).toEqual([0, 0, 0]);
  });

  it('normalises each row of a flat matrix independently', () => {
    const rows = l2NormalizeRows(f(3, 4, 0, -2), 2, 2);
    expect(Array.from(rows)).toEqual([
      expect.closeTo(0.6, 6),
      expect.closeTo(0.8, 6),
      expect.closeTo(0, 6),
      expect.closeTo(-1, 6),
    ]);
  });
});

describe('cosine', () => {
  it('is 1 for parallel, 0 for orthogonal, -1 for opposite vectors, whatever their lengths', () => {
    expect(cosine(f(1, 2), f(10, 20))).toBeCloseTo(1, 6);
    expect(cosine(f(1, 0), f(0, 5))).toBeCloseTo(0, 6);
    expect(cosine(f(1, 1), f(-2, -2))).toBeCloseTo(-1, 6);
    expect(cosine(f(1, 0), f(1, 1))).toBeCloseTo(Math.SQRT1_2, 6);
  });

  it('rejects vectors of different widths', () => {
    expect(() => dot(f(1), f(1, 2))).toThrow(RangeError);
  });

  it('computes every pair of a matrix product', () => {
    const m = cosineMatrix(f(1, 0, 0, 2), 2, f(3, 0, 1, 1, 0, -1), 3, 2);
    const s = Math.SQRT1_2;
    const expected = [1, s, 0, 0, s, -1];
    expect(Array.from(m).map((x) => Number(x.toFixed(6)))).toEqual(expected.map((x) => Number(x.toFixed(6))));
  });
});

describe('one-label "similarity" is not similarity', () => {
  it('scores 1.0 for a single label while the cosine says the image and text are far apart', () => {
    const image = f(1, 0, 0);
    const text = l2Normalize(f(-1, 2, 0));
    const [[top] = []] = classify(image, 1, {
      labels: ['An apple watch with a black band'],
      templates: ['{}'],
      dim: 3,
      embeddings: text,
      logitScale: 100,
    });
    expect(top?.score).toBe(1);
    expect(cosine(image, text)).toBeCloseTo(-1 / Math.sqrt(5), 6);
  });
});

describe('embedForSimilarity', () => {
  it('embeds images in one call and texts in one call, returning results in input order', async () => {
    const calls: string[] = [];
    const decodeError = new ImageInputError('CORRUPT', 'bad', { source: 'b.png' });
    const model: EmbeddingModel = {
      embedTexts: async (texts) => {
        calls.push(`texts:${texts.join('|')}`);
        return texts.map((t) => f(t.length, 0));
      },
      embedImages: async (inputs) => {
        calls.push(`images:${inputs.join('|')}`);
        return inputs.map((p) => (p === 'b.png' ? decodeError : f(0, String(p).length)));
      },
    };
    const out = await embedForSimilarity(model, [
      { image: 'a.png' },
      { text: 'xy' },
      { image: 'b.png' },
      { text: 'z' },
    ]);
    expect(calls.sort()).toEqual(['images:a.png|b.png', 'texts:xy|z']);
    expect(Array.from(out[0] as Float32Array)).toEqual([0, 5]);
    expect(Array.from(out[1] as Float32Array)).toEqual([2, 0]);
    expect(out[2]).toBe(decodeError);
    expect(Array.from(out[3] as Float32Array)).toEqual([1, 0]);
  });
});
