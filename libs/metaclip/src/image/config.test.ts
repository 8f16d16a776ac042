import { describe, expect, it } from 'vitest';
import { ModelLoadError } from '../errors.ts';
import { parsePreprocessorConfig } from './config.ts';

describe('parsePreprocessorConfig', () => {
  it('reads a MetaCLIP preprocessor_config.json', () => {
    const spec = parsePreprocessorConfig({
      crop_size: { height: 224, width: 224 },
      do_center_crop: true,
      do_normalize: true,
      do_rescale: true,
      do_resize: true,
      image_mean: [0.1, 0.2, 0.3],
      image_std: [0.4, 0.5, 0.6],
      resample: 3,
      rescale_factor: 0.00392156862745098,
      size: { shortest_edge: 256 },
    });
    expect(spec).toEqual({
      resize: { shortestEdge: 256 },
      kernel: 'cubic',
      size: 224,
      rescaleFactor: 0.00392156862745098,
      mean: [0.1, 0.2, 0.3],
      std: [0.4, 0.5, 0.6],
    });
  });

  it('takes CLIPImageProcessor defaults and the old plain-number sizes', () => {
    const spec = parsePreprocessorConfig({ size: 336, crop_size: 336 });
    expect(spec.resize).toEqual({ shortestEdge: 336 });
    expect(spec.size).toBe(336);
    expect(spec.mean).toEqual([0.48145466, 0.4578275, 0.40821073]);
    expect(spec.kernel).toBe('cubic');
  });

  it('turns off rescale and normalise when told', () => {
    const spec = parsePreprocessorConfig({ do_rescale: false, do_normalize: false });
    expect(spec).toMatchObject({ rescaleFactor: 1, mean: [0, 0, 0], std: [1, 1, 1] });
  });

  it('accepts an exact square resize without a crop', () => {
    const spec = parsePreprocessorConfig({ do_center_crop: false, size: { height: 256, width: 256 } });
    expect(spec).toMatchObject({ resize: { width: 256, height: 256 }, size: 256 });
  });

  it.each([
    [{ resample: 4 }, /resample/],
    [{ crop_size: { height: 224, width: 200 } }, /crop_size must be square/],
    [{ do_center_crop: false }, /do_center_crop/],
    [{ image_std: [1, 0, 1] }, /image_std/],
    [{ image_mean: [1, 2] }, /image_mean/],
    [{ size: { longest_edge: 5 } }, /size needs shortest_edge/],
  ])('rejects %j', (config, message) => {
    expect(() => parsePreprocessorConfig(config)).toThrow(ModelLoadError);
    expect(() => parsePreprocessorConfig(config)).toThrow(message);
  });
});
