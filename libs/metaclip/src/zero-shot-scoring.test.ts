import { describe, expect, it } from 'vitest';
import { l2Normalize } from './similarity.ts';
import {
  buildPrompts,
  classify,
  DEFAULT_TEMPLATE,
  ensembleLabelEmbeddings,
  fillTemplate,
  type LabelSet,
  softmax,
  validatePrompts,
} from './zero-shot-scoring.ts';

const f = (...xs: number[]) => Float32Array.from(xs);
const round = (xs: ArrayLike<number>) => Array.from(xs, (x) => Number(x.toFixed(6)));

describe('prompts', () => {
  it('fills the pipeline default template like str.format', () => {
    expect(fillTemplate(DEFAULT_TEMPLATE, 'doctor')).toBe('This is a photo of doctor.');
  });

  it('builds prompts label-major so each label owns a contiguous run', () => {
    expect(buildPrompts(['cat', 'dog'], ['a {}.', 'the {}!'])).toEqual(['a cat.', 'the cat!', 'a dog.', 'the dog!']);
  });

  it('rejects a template without a placeholder, and empty label or template lists', () => {
    expect(() => validatePrompts(['cat'], ['a photo'])).toThrow(/no "\{\}" placeholder/);
    expect(() => validatePrompts([], ['{}'])).toThrow(/at least one candidate label/);
    expect(() => validatePrompts(['cat'], [])).toThrow(/at least one template/);
  });
});

describe('prompt ensembling', () => {
  it('normalises each prompt, averages per label, then renormalises', () => {
    // label 0: (3,0,0) and (0,4,0) -> units (1,0,0), (0,1,0) -> mean (.5,.5,0) -> (1/√2, 1/√2, 0).
    // A raw average would give (1.5,2,0) -> (0.6,0.8,0): the longer prompt would dominate.
    // label 1: (0,0,2) and (0,0,7) -> (0,0,1).
    const out = ensembleLabelEmbeddings([f(3, 0, 0), f(0, 4, 0), f(0, 0, 2), f(0, 0, 7)], 2);
    const s = Math.SQRT1_2;
    expect(round(out)).toEqual(round([s, s, 0, 0, 0, 1]));
  });

  it('with one template is just the normalised text embedding (pipeline semantics)', () => {
    const out = ensembleLabelEmbeddings([f(1, 2, 2), f(0, -3, 4)], 2);
    expect(round(out)).toEqual(round([1 / 3, 2 / 3, 2 / 3, 0, -0.6, 0.8]));
  });

  it('rejects a prompt count that does not split into the labels', () => {
    expect(() => ensembleLabelEmbeddings([f(1), f(1), f(1)], 2)).toThrow(RangeError);
  });
});

describe('softmax', () => {
  it('sums to one and is stable for large logits', () => {
    const p = softmax([1000, 1000 + Math.log(3)]);
    expect(round(p)).toEqual([0.25, 0.75]);
  });
});

describe('classify', () => {
  const labelSet: LabelSet = {
    labels: ['x', 'y', 'z'],
    templates: [DEFAULT_TEMPLATE],
    dim: 2,
    embeddings: new Float32Array([...l2Normalize(f(1, 0)), ...l2Normalize(f(0, 1)), ...l2Normalize(f(-1, 0))]),
    logitScale: 2,
  };

  it('scores softmax(logitScale * cosine), best first, for every image of a flat batch', () => {
    // image 0 = (5,0): cosines 1, 0, -1 -> logits 2, 0, -2.  image 1 = (0,-1): cosines 0, -1, 0 -> 0, -2, 0.
    const results = classify(f(5, 0, 0, -1), 2, labelSet);
    const e = Math.exp;
    const z0 = e(2) + e(0) + e(-2);
    expect(results[0]?.map((r) => r.label)).toEqual(['x', 'y', 'z']);
    expect(round(results[0]?.map((r) => r.score) ?? [])).toEqual(round([e(2) / z0, 1 / z0, e(-2) / z0]));
    const z1 = 2 + e(-2);
    // x and z tie: the sort is stable, so label order decides.
    expect(results[1]?.map((r) => r.label)).toEqual(['x', 'z', 'y']);
    expect(round(results[1]?.map((r) => r.score) ?? [])).toEqual(round([1 / z1, 1 / z1, e(-2) / z1]));
  });

  it('keeps only the top K', () => {
    const [top = []] = classify(f(0, 1), 1, labelSet, { topK: 1 });
    expect(top.map((r) => r.label)).toEqual(['y']);
  });

  it('rejects too few embeddings and a non-positive topK', () => {
    expect(() => classify(f(1), 1, labelSet)).toThrow(RangeError);
    expect(() => classify(f(1, 0), 1, labelSet, { topK: 0 })).toThrow(RangeError);
  });
});
