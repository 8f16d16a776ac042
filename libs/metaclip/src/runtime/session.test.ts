import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelLoadError, ProviderUnavailableError } from '../errors.ts';
import {
  createSession,
  looksLikeProviderFailure,
  missingProviderLibs,
  onnxruntimeBinDir,
  ortSessionOptions,
} from './session.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'session-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('missingProviderLibs', () => {
  it('finds onnxruntime-node native folder', () => {
    expect(existsSync(path.join(onnxruntimeBinDir(), 'libonnxruntime.so.1'))).toBe(true);
  });

  it('lists the CUDA provider libraries absent from a folder, and nothing for cpu or webgpu', async () => {
    expect(missingProviderLibs({ kind: 'cuda', index: 0 }, dir).map((f) => path.basename(f))).toEqual([
      'libonnxruntime_providers_cuda.so',
      'libonnxruntime_providers_shared.so',
    ]);
    await writeFile(path.join(dir, 'libonnxruntime_providers_cuda.so'), '');
    expect(missingProviderLibs({ kind: 'cuda', index: 0 }, dir).map((f) => path.basename(f))).toEqual([
      'libonnxruntime_providers_shared.so',
    ]);
    expect(missingProviderLibs({ kind: 'cpu' }, dir)).toEqual([]);
    expect(missingProviderLibs({ kind: 'webgpu' }, dir)).toEqual([]);
  });
});

describe('createSession', () => {
  it('refuses cuda without the provider libraries, saying which files are missing and where', async () => {
    const libs = missingProviderLibs({ kind: 'cuda', index: 0 });
    if (libs.length === 0) return; // a machine with the CUDA provider installed cannot show this failure
    const attempt = createSession(path.join(dir, 'any.onnx'), { device: { kind: 'cuda', index: 0 } });
    await expect(attempt).rejects.toBeInstanceOf(ProviderUnavailableError);
    await expect(attempt).rejects.toThrow(/libonnxruntime_providers_cuda\.so/);
  });

  it('turns a file onnxruntime cannot parse into a ModelLoadError naming it', async () => {
    const file = path.join(dir, 'garbage.onnx');
    await writeFile(file, 'not a protobuf');
    const attempt = createSession(file, { device: { kind: 'cpu' } });
    await expect(attempt).rejects.toBeInstanceOf(ModelLoadError);
    await expect(attempt).rejects.toThrow(/garbage\.onnx/);
  });
});

describe('ortSessionOptions', () => {
  const spins = (o: Parameters<typeof ortSessionOptions>[0]) =>
    (ortSessionOptions(o).extra as { session?: { intra_op?: { allow_spinning?: string } } } | undefined)?.session
      ?.intra_op?.allow_spinning !== '0';

  it('lets idle threads spin on a CPU unless asked not to, and never on a GPU', () => {
    expect(spins({ device: { kind: 'cpu' } })).toBe(true);
    expect(spins({ device: { kind: 'cpu' }, spinning: false })).toBe(false);
    expect(spins({ device: { kind: 'cuda', index: 0 } })).toBe(false);
  });

  it('passes the thread counts through', () => {
    const o = ortSessionOptions({ device: { kind: 'cpu' }, intraOpThreads: 2, interOpThreads: 1 });
    expect([o.intraOpNumThreads, o.interOpNumThreads]).toEqual([2, 1]);
  });
});

describe('looksLikeProviderFailure', () => {
  it('tells provider failures from model failures', () => {
    expect(looksLikeProviderFailure('Failed to load library libonnxruntime_providers_cuda.so')).toBe(true);
    expect(looksLikeProviderFailure('CUDA failure 100: no CUDA-capable device is detected')).toBe(true);
    expect(looksLikeProviderFailure('Failed to get a WebGPU adapter')).toBe(true);
    expect(looksLikeProviderFailure('Load model from x.onnx failed: Protobuf parsing failed.')).toBe(false);
  });
});
