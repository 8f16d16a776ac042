import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { ModelLoadError } from '../../errors.ts';
import { REPO_ROOT } from '../../model/golden.fixture.ts';
import { findCheckpoint } from '../checkpoint.ts';
import { SafetensorsReader } from '../safetensors-reader.ts';
import { joinedChunks } from '../tensor-chunks.fixture.ts';
import { PyTorchFile } from './pytorch-file.ts';
import { PickleRefusedError } from './unpickler.ts';

const { fixtures: SHARED_FIXTURES, tinyClip: TINY_CLIP } = inject('sharedFixtures');

/** Made by torch 2.13 (see tests/fixtures/pytorch/README.md). */
const FIXTURES = path.join(REPO_ROOT, 'tests/fixtures/pytorch');
/** What the refused pickles would create if anything ran them. */
const MARKER = '/tmp/metaclip-batch-unpickle-ran';
const PYTHON = process.env.METACLIP_TEST_PYTHON ?? 'python3';

function hasTorchPython(): boolean {
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const torchPython = hasTorchPython();
if (!torchPython)
  console.warn(`skipping the pickle check in Python: ${PYTHON} has no torch (set METACLIP_TEST_PYTHON)`);

describe('PyTorchFile', () => {
  it('reads float32, float16, bfloat16, parameters, scalars, offsets and non-contiguous views as torch does', () => {
    const expected = JSON.parse(readFileSync(path.join(FIXTURES, 'mixed.expected.json'), 'utf8')) as Record<
      string,
      { shape: number[]; values: number[] }
    >;
    const file = PyTorchFile.open(path.join(FIXTURES, 'mixed.bin'));
    try {
      expect(file.names()).toEqual(Object.keys(expected));
      for (const [name, want] of Object.entries(expected)) {
        const { shape, data } = file.float32(name);
        expect(shape, name).toEqual(want.shape);
        expect(Array.from(data), name).toEqual(want.values.map(Math.fround));
        // In chunks of 3 values too, strided views included (those come as one gathered chunk).
        expect(file.float32Chunks(name, 3).shape, name).toEqual(want.shape);
        expect(Array.from(joinedChunks(file, name, 3)), name).toEqual(want.values.map(Math.fround));
      }
    } finally {
      file.close();
    }
  });

  it("reads tiny-clip-bin's pytorch_model.bin to exactly tiny-clip's safetensors tensors, whole and in chunks", () => {
    const bin = PyTorchFile.open(path.join(SHARED_FIXTURES, 'tiny-clip-bin/pytorch_model.bin'));
    const safe = SafetensorsReader.open(path.join(TINY_CLIP, 'model.safetensors'));
    try {
      expect(bin.names().sort()).toEqual([...safe.entries.keys()].sort());
      for (const name of safe.entries.keys()) {
        const [a, b] = [bin.float32(name), safe.float32(name)];
        expect(a.shape, name).toEqual(b.shape);
        // Bit for bit (a deep toEqual over a million floats would take half a minute).
        expect(
          Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(
            Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength),
          ),
          name,
        ).toBe(true);
        const chunked = joinedChunks(bin, name, 777);
        expect(
          Buffer.from(chunked.buffer).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength)),
          name,
        ).toBe(true);
      }
    } finally {
      bin.close();
      safe.close();
    }
  });

  it('reads a sharded pytorch_model.bin.index.json checkpoint shard by shard', async () => {
    const checkpoint = await findCheckpoint(path.join(FIXTURES, 'sharded'));
    expect(checkpoint?.format).toBe('pytorch-sharded');
    expect(checkpoint?.files.map((f) => path.basename(f))).toEqual([
      'pytorch_model.bin.index.json',
      'pytorch_model-00001-of-00002.bin',
      'pytorch_model-00002-of-00002.bin',
    ]);
    const tensors = await (checkpoint as NonNullable<typeof checkpoint>).open();
    expect(tensors.float32('bf16').shape).toEqual([5]);
    expect(tensors.float32('a').shape).toEqual([3, 4]);
    expect(tensors.float32('scalar').data[0]).toBeCloseTo(4.6052, 4);
    tensors.close?.();
  });

  it('names the legacy (pre-1.6) format and says how to re-save it', () => {
    expect(() => PyTorchFile.open(path.join(FIXTURES, 'legacy.bin'))).toThrow(/legacy format \(PyTorch < 1\.6\)/);
    expect(() => PyTorchFile.open(path.join(FIXTURES, 'mixed.expected.json'))).toThrow(ModelLoadError);
  });

  it.each([
    ['evil-system.bin', 'posix.system'],
    ['evil-exec.bin', 'builtins.exec'],
  ])('refuses %s, whose pickle calls %s, and runs nothing', (fixture, global) => {
    rmSync(MARKER, { force: true });
    let error: unknown;
    try {
      PyTorchFile.open(path.join(FIXTURES, fixture));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PickleRefusedError);
    expect((error as PickleRefusedError).global).toBe(global);
    expect((error as Error).message).toMatch(/Nothing was run/);
    expect(existsSync(MARKER)).toBe(false);
  });

  it.skipIf(!torchPython)('the refused fixtures really run code under a plain pickle.load (Python check)', () => {
    // Proves the test above is not vacuous: the same bytes, unpickled by Python without weights_only, create MARKER.
    for (const fixture of ['evil-system.bin', 'evil-exec.bin']) {
      rmSync(MARKER, { force: true });
      const script =
        'import sys, zipfile, pickle\n' +
        'z = zipfile.ZipFile(sys.argv[1])\n' +
        'pickle.loads(z.read("archive/data.pkl"))\n';
      execFileSync(PYTHON, ['-c', script, path.join(FIXTURES, fixture)], { stdio: 'ignore' });
      expect(existsSync(MARKER), fixture).toBe(true);
    }
    rmSync(MARKER, { force: true });
  });
});
