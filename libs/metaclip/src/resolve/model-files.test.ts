import { describe, expect, it } from 'vitest';
import { planModelFiles } from './model-files.ts';

const META = ['config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json'];

describe('planModelFiles', () => {
  it('takes config, metadata and safetensors, weights last, and nothing a model does not need', () => {
    const result = planModelFiles([...META, 'model.safetensors', 'pytorch_model.bin', 'README.md', '.gitattributes']);
    expect(result).toEqual({
      ok: true,
      plan: {
        layout: 'hf',
        files: [
          'config.json',
          'preprocessor_config.json',
          'tokenizer_config.json',
          'tokenizer.json',
          'model.safetensors',
        ],
      },
    });
  });

  it('takes every shard of a sharded checkpoint, index first; an incomplete set is not a plan', () => {
    const shards = ['model-00002-of-00002.safetensors', 'model-00001-of-00002.safetensors'];
    const result = planModelFiles(['config.json', 'model.safetensors.index.json', ...shards, 'pytorch_model.bin']);
    expect(result.ok && result.plan.files).toEqual([
      'config.json',
      'model.safetensors.index.json',
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
    ]);
    expect(planModelFiles(['config.json', 'model.safetensors.index.json', 'model-00001-of-00002.safetensors']).ok).toBe(
      false,
    );
  });

  it('takes PyTorch files only when there are no safetensors, and only them', () => {
    const single = planModelFiles([...META, 'pytorch_model.bin', 'tf_model.h5', 'flax_model.msgpack']);
    expect(single.ok && single.plan).toEqual({
      layout: 'hf',
      files: [
        ...META.slice(0, 1),
        'preprocessor_config.json',
        'tokenizer_config.json',
        'tokenizer.json',
        'pytorch_model.bin',
      ],
    });
    const sharded = planModelFiles([
      'config.json',
      'pytorch_model.bin.index.json',
      'pytorch_model-00001-of-00002.bin',
      'pytorch_model-00002-of-00002.bin',
    ]);
    expect(sharded.ok && sharded.plan.files).toEqual([
      'config.json',
      'pytorch_model.bin.index.json',
      'pytorch_model-00001-of-00002.bin',
      'pytorch_model-00002-of-00002.bin',
    ]);
  });

  it('takes both ONNX towers of a transformers.js repo for the dtype, external data before its graph', () => {
    const repo = [
      ...META,
      'onnx/model.onnx',
      'onnx/text_model.onnx',
      'onnx/vision_model.onnx',
      'onnx/vision_model_fp16.onnx',
      'onnx/text_model_fp16.onnx',
      'onnx/text_model_fp16.onnx_data',
      'onnx/vision_model_quantized.onnx',
    ];
    const fp32 = planModelFiles(repo);
    expect(fp32.ok && fp32.plan.layout).toBe('onnx');
    expect(fp32.ok && fp32.plan.files.filter((f) => f.startsWith('onnx/'))).toEqual([
      'onnx/text_model.onnx',
      'onnx/vision_model.onnx',
    ]);
    const fp16 = planModelFiles(repo, 'fp16');
    expect(fp16.ok && fp16.plan.files.filter((f) => f.startsWith('onnx/'))).toEqual([
      'onnx/text_model_fp16.onnx_data',
      'onnx/text_model_fp16.onnx',
      'onnx/vision_model_fp16.onnx',
    ]);
  });

  it("takes transformers.js' variant files by dtype, with every chunk of their external data", () => {
    const repo = [
      'config.json',
      ...['', '_fp16', '_int8', '_uint8', '_quantized', '_q4', '_q4f16', '_bnb4'].flatMap((s) => [
        `onnx/vision_model${s}.onnx`,
        `onnx/text_model${s}.onnx`,
      ]),
      'onnx/vision_model_q4f16.onnx_data',
      'onnx/vision_model_q4f16.onnx_data_1',
      'onnx/vision_model_q4f16.onnx_data_2',
      'onnx/vision_model_q4f16.onnx_data_4',
    ];
    const graphs = (dtype: Parameters<typeof planModelFiles>[1]) => {
      const plan = planModelFiles(repo, dtype);
      return plan.ok ? plan.plan.files.filter((f) => f.startsWith('onnx/vision')) : [];
    };
    expect(graphs('q8')).toEqual(['onnx/vision_model_quantized.onnx']);
    expect(graphs('uint8')).toEqual(['onnx/vision_model_uint8.onnx']);
    expect(graphs('q4')).toEqual(['onnx/vision_model_q4.onnx']);
    // Chunks are taken while they continue: _data_4 after a missing _data_3 belongs to no graph.
    expect(graphs('q4f16')).toEqual([
      'onnx/vision_model_q4f16.onnx_data',
      'onnx/vision_model_q4f16.onnx_data_1',
      'onnx/vision_model_q4f16.onnx_data_2',
      'onnx/vision_model_q4f16.onnx',
    ]);
    expect(planModelFiles(['config.json', 'onnx/model.onnx'], 'q4')).toMatchObject({
      ok: false,
      missing: [expect.any(String), expect.stringContaining('onnx/vision_model_q4.onnx')],
    });
  });

  it('falls back to the combined graph, and says what is missing when there are no usable weights', () => {
    const combined = planModelFiles(['config.json', 'onnx/model.onnx', 'onnx/text_model.onnx']);
    expect(combined.ok && combined.plan.files).toEqual(['config.json', 'onnx/model.onnx']);
    const none = planModelFiles(['config.json', 'tf_model.h5']);
    expect(none.ok).toBe(false);
    expect(!none.ok && none.missing[0]).toMatch(/model.safetensors or pytorch_model.bin/);
    expect(planModelFiles(['model.safetensors'])).toEqual({ ok: false, missing: ['config.json'] });
  });

  it('doubles as a completeness check: a snapshot cut before its weights is incomplete', () => {
    expect(planModelFiles(META).ok).toBe(false);
    expect(planModelFiles(['config.json', 'onnx/text_model.onnx']).ok).toBe(false);
  });
});
