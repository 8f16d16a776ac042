import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { ModelLoadError } from '../errors.ts';
import { parseClipConfig, readClipConfig, toHfConfigJson, visionTokens } from './clip-config.ts';
import { CLIP_PRESETS } from './presets.ts';

const { fixtures: FIXTURES, tinyClip: TINY_CLIP } = inject('sharedFixtures');

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

  it('reads MetaCLIP 2 (metaclip_2): its eos_token_id 2 is the real </s>, pooled at its first occurrence', async () => {
    const config = await readClipConfig(path.join(FIXTURES, 'tiny-metaclip2'));
    expect(config.modelType).toBe('metaclip_2');
    expect(config.text).toMatchObject({ vocabSize: 8002, eosTokenId: 2, pooling: 'first-eos', hiddenAct: 'gelu' });
    expect(config.vision).toMatchObject({ patchSize: 14, hiddenAct: 'gelu' });
    const json = toHfConfigJson(config);
    expect(json).toMatchObject({ model_type: 'metaclip_2', architectures: ['MetaClip2Model'] });
    expect(json.text_config).toMatchObject({ model_type: 'metaclip_2_text_model', bos_token_id: 0, pad_token_id: 1 });
  });

  it('has every MetaCLIP size as a preset, with the shapes of the published checkpoints', () => {
    expect(Object.keys(CLIP_PRESETS)).toEqual(
      expect.arrayContaining(['b32', 'b16', 'l14', 'h14', 'bigG14', 'mc2-h14', 'mc2-h14-378', 'mc2-bigG14']),
    );
    expect(CLIP_PRESETS['mc2-h14']).toMatchObject({
      modelType: 'metaclip_2',
      projectionDim: 1024,
      text: { vocabSize: 901629, hiddenSize: 1024, numLayers: 24, hiddenAct: 'quick_gelu' },
      vision: { hiddenSize: 1280, numLayers: 32, patchSize: 14, imageSize: 224 },
    });
    expect(CLIP_PRESETS['mc2-bigG14-378'].vision).toMatchObject({ imageSize: 378, intermediateSize: 8192 });
    expect(CLIP_PRESETS.bigG14.text).toMatchObject({ hiddenSize: 1280, numHeads: 20, vocabSize: 49408 });
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
