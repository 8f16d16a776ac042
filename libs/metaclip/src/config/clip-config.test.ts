import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelLoadError } from '../errors';
import { TINY_CLIP } from '../model/golden.fixture';
import { CLIP_PRESETS, parseClipConfig, readClipConfig, toHfConfigJson, visionTokens } from './clip-config';

function error(fn: () => unknown): ModelLoadError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ModelLoadError);
    return err as ModelLoadError;
  }
  throw new Error('expected a ModelLoadError');
}

describe('parseClipConfig', () => {
  it('reads the tiny fixture as the tiny preset', async () => {
    const config = await readClipConfig(TINY_CLIP);
    expect(config).toEqual(CLIP_PRESETS.tiny);
    expect(visionTokens(config.vision)).toBe(197);
  });

  it('round-trips every preset through the Hugging Face JSON', () => {
    for (const preset of Object.values(CLIP_PRESETS)) expect(parseClipConfig(toHfConfigJson(preset))).toEqual(preset);
  });

  it('fills missing keys with transformers defaults (ViT-B/32 text and vision)', () => {
    const config = parseClipConfig({ model_type: 'clip', text_config: {}, vision_config: {} });
    expect(config.vision).toMatchObject({ hiddenSize: 768, numLayers: 12, patchSize: 32, imageSize: 224 });
    expect(config.text).toMatchObject({ hiddenSize: 512, numHeads: 8, maxPositions: 77, eosTokenId: 49407 });
    expect(config.projectionDim).toBe(512);
  });

  it('pools legacy eos_token_id 2 configs at argmax, others at the first EOS', () => {
    const legacy = parseClipConfig({ model_type: 'clip', text_config: { eos_token_id: 2 } });
    expect(legacy.text.pooling).toBe('argmax');
    expect(parseClipConfig({ model_type: 'clip' }).text.pooling).toBe('first-eos');
  });

  it('accepts the text_config_dict keys of old transformers', () => {
    const config = parseClipConfig({
      model_type: 'clip',
      text_config_dict: { hidden_size: 64, num_attention_heads: 4 },
    });
    expect(config.text.hiddenSize).toBe(64);
  });

  it('names the bad key', () => {
    expect(error(() => parseClipConfig({ model_type: 'bert' })).message).toContain('"model_type"');
    const act = error(() => parseClipConfig({ model_type: 'clip', vision_config: { hidden_act: 'relu' } }));
    expect(act.message).toContain('vision_config.hidden_act');
    expect(act.path).toBe('config.json#vision_config.hidden_act');
    const width = error(() => parseClipConfig({ model_type: 'clip', text_config: { hidden_size: '512' } }));
    expect(width.message).toContain('text_config.hidden_size');
    const heads = error(() => parseClipConfig({ model_type: 'clip', text_config: { num_attention_heads: 7 } }));
    expect(heads.message).toContain('text_config.num_attention_heads');
    const patch = error(() => parseClipConfig({ model_type: 'clip', vision_config: { patch_size: 15 } }));
    expect(patch.message).toContain('vision_config.patch_size');
  });

  it('reports unreadable and malformed files as ModelLoadError', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'clip-config-'));
    try {
      await expect(readClipConfig(dir)).rejects.toBeInstanceOf(ModelLoadError);
      await writeFile(path.join(dir, 'config.json'), '{ not json');
      await expect(readClipConfig(dir)).rejects.toThrow(/not valid JSON/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
