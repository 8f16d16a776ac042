import { describe, expect, it } from 'vitest';
import { parseOptions, SUITES, UsageError } from './options';

describe('parseOptions', () => {
  it('plans a full CPU run by default', () => {
    const o = parseOptions([], 2);
    expect(o).toMatchObject({
      quick: false,
      device: 'cpu',
      dtype: 'fp32',
      threads: 2,
      repeats: 3,
      enqueueUris: 1_000_000,
      searchVectors: 1_000_000,
      searchQueries: 1000,
      labels: 'short',
    });
    expect(o.batchSizes).toEqual([1, 4, 8, 16]);
    // search (a million vectors) runs only when named.
    expect(o.suites).toEqual(SUITES.filter((x) => x !== 'search'));
    expect(parseOptions(['--only', 'search'], 2).suites).toEqual(['search']);
  });

  it('makes --quick smaller on every axis', () => {
    const full = parseOptions([], 2);
    const quick = parseOptions(['--quick', '--json'], 2);
    expect(quick.json).toBe(true);
    expect(quick.repeats).toBeLessThan(full.repeats);
    expect(quick.e2eImages).toBeLessThan(full.e2eImages);
    expect(quick.enqueueUris).toBeLessThan(full.enqueueUris);
    expect(quick.searchVectors).toBeLessThan(full.searchVectors);
    expect(quick.batchSizes.length).toBeLessThan(full.batchSizes.length);
  });

  it('sizes the search measurement from --vectors and --queries', () => {
    expect(parseOptions(['--only', 'search', '--vectors', '200000', '--queries', '500'], 2)).toMatchObject({
      searchVectors: 200_000,
      searchQueries: 500,
    });
    expect(() => parseOptions(['--vectors', '0'], 2)).toThrow(UsageError);
  });

  it('sweeps large batches on a GPU and takes explicit ones', () => {
    expect(parseOptions(['--device', 'cuda', '--dtype', 'fp16'], 16)).toMatchObject({
      device: 'cuda',
      dtype: 'fp16',
      batchSizes: [32, 64, 128, 256, 512],
    });
    expect(parseOptions(['--device', 'cuda:1', '--batch-sizes', '64, 128'], 16).batchSizes).toEqual([64, 128]);
    expect(parseOptions(['--device', 'webgpu'], 16).device).toBe('webgpu');
  });

  it('takes the ImageNet label list', () => {
    expect(parseOptions(['--labels', 'imagenet'], 2).labels).toBe('imagenet');
  });

  it('keeps --only in run order', () => {
    expect(parseOptions(['--only', 'transformersjs,raw'], 2).suites).toEqual(['raw', 'transformersjs']);
  });

  it.each([
    [['--device', 'tpu']],
    [['--dtype', 'int8']],
    [['--only', 'raw,gpu']],
    [['--batch-sizes', '8,0']],
    [['--threads', 'two']],
    [['--labels', 'coco']],
    [['--frobnicate']],
    [['positional']],
  ])('rejects %j with a UsageError', (argv) => {
    expect(() => parseOptions(argv, 2)).toThrow(UsageError);
  });

  it('measures every corpus in a full run and web with --quick, or what --corpus says', () => {
    expect(parseOptions([], 2).corpora).toEqual(['web', 'photos', 'fixtures']);
    expect(parseOptions(['--quick'], 2).corpora).toEqual(['web']);
    expect(parseOptions(['--quick', '--corpus', 'photos,fixtures,photos'], 2).corpora).toEqual(['photos', 'fixtures']);
    expect(() => parseOptions(['--corpus', 'laion'], 2)).toThrow(
      /unknown corpus 'laion' \(known: web, photos, fixtures\)/,
    );
    expect(() => parseOptions(['--corpus', ','], 2)).toThrow(UsageError);
  });

  it('decodes fewer camera photos than web images, and scales image counts on a GPU', () => {
    const quick = parseOptions(['--quick'], 2).corpusImages;
    expect(quick.photos.decode).toBeLessThan(quick.web.decode);
    expect(quick.photos.pipeline).toBeLessThan(quick.web.pipeline);
    const gpu = parseOptions(['--quick', '--device', 'cuda'], 16);
    expect(gpu.corpusImages.web.pipeline).toBeGreaterThan(quick.web.pipeline);
    expect(gpu.peerImages).toBeGreaterThan(parseOptions(['--quick'], 2).peerImages);
  });
});
