import { describe, expect, it } from 'vitest';
import { buildLabelSet, type TextEmbeddingModel, zeroShotBenchmark } from './zero-shot.ts';

/** A text tower stand-in whose embedding of a prompt is fixed by its text, so results are checkable by hand. */
function textModel(): TextEmbeddingModel & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    embedDim: 2,
    logitScale: 100,
    embedTexts: async (texts) => {
      calls.push(texts);
      return texts.map((t) => Float32Array.from(t.includes('cat') ? [t.length, 0] : [0, t.length]));
    },
  };
}

describe('buildLabelSet', () => {
  it('embeds every label x template prompt in one call and returns unit label rows with the model scale', async () => {
    const model = textModel();
    const set = await buildLabelSet(model, ['cat', 'dog'], ['a {}.', 'a photo of the {}.']);
    expect(model.calls).toEqual([['a cat.', 'a photo of the cat.', 'a dog.', 'a photo of the dog.']]);
    expect(Array.from(set.embeddings)).toEqual([1, 0, 0, 1]);
    expect(set).toMatchObject({ labels: ['cat', 'dog'], dim: 2, logitScale: 100 });
  });

  it('uses the pipeline default template when none is given', async () => {
    const model = textModel();
    const set = await buildLabelSet(model, ['cat']);
    expect(model.calls).toEqual([['This is a photo of cat.']]);
    expect(set.templates).toEqual(['This is a photo of {}.']);
  });

  it('caches per model, labels and templates, sharing one computation between concurrent callers', async () => {
    const model = textModel();
    const [a, b] = await Promise.all([buildLabelSet(model, ['cat']), buildLabelSet(model, ['cat'])]);
    expect(a).toBe(b);
    expect(model.calls).toHaveLength(1);
    expect(await buildLabelSet(model, ['cat'], ['{}'])).not.toBe(a);
    expect(await buildLabelSet(textModel(), ['cat'])).not.toBe(a);
    expect(model.calls).toHaveLength(2);
  });

  it('does not cache a failure: the next call computes again', async () => {
    const model = textModel();
    const working = model.embedTexts;
    model.embedTexts = async () => {
      model.embedTexts = working;
      throw new Error('session failed');
    };
    await expect(buildLabelSet(model, ['cat'])).rejects.toThrow('session failed');
    expect(Array.from((await buildLabelSet(model, ['cat'])).embeddings)).toEqual([1, 0]);
  });
});

describe('zeroShotBenchmark', () => {
  it('reads ImageNet: 1000 classes, the 80 CLIP templates', async () => {
    const { labels, templates } = await zeroShotBenchmark('imagenet');
    expect(labels).toHaveLength(1000);
    expect(labels[0]).toBe('tench');
    expect(templates).toHaveLength(80);
    expect(templates.every((t) => t.includes('{}'))).toBe(true);
  });

  it('names the known benchmarks for an unknown one', async () => {
    await expect(zeroShotBenchmark('nope')).rejects.toThrow(/known: .*imagenet/);
  });
});
