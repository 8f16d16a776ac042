import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { FormatError } from './errors.ts';
import { decodeNpy, encodeNpy, float16ToFloat32, float32ToFloat16 } from './npy.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'npy-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a numpy script with `dir` as sys.argv[1]; numpy is a test requirement (`python3 -c "import numpy"`). */
function numpy(script: string): string {
  return execFileSync('python3', ['-c', `import sys, numpy as np\n${script}`, dir], { encoding: 'utf8' });
}

function ramp(n: number, scale = 0.001): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i) * scale * i);
}

/** Edge cases of the half conversion plus pseudo-random bit patterns over the whole float32 range. */
function float16Probe(): Float32Array {
  const edges = [
    0,
    -0,
    1,
    -1,
    65504,
    65505,
    65519.99,
    65520,
    -65520,
    1e10,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    Number.NaN,
    2 ** -14,
    2 ** -24,
    2 ** -25,
    2 ** -25 * 1.0001,
    2 ** -26,
    3 * 2 ** -25,
    2 ** -14 - 2 ** -25,
    1 + 2 ** -11,
    1 + 3 * 2 ** -11,
    1 + 2 ** -11 + 2 ** -20,
    0.1,
    1 / 3,
    1e-8,
    -1e-8,
  ];
  const bits = new Uint32Array(200_000);
  let state = 0x9e3779b9;
  for (let i = 0; i < bits.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bits[i] = state >>> 0;
  }
  const out = new Float32Array(edges.length + bits.length);
  out.set(edges);
  out.set(new Float32Array(bits.buffer), edges.length);
  return out;
}

describe('npy with numpy', () => {
  it('writes byte for byte what numpy.save writes, and numpy reads it back', () => {
    const cases = [
      { name: 'emb', shape: [7, 24], dtype: 'float32' as const },
      { name: 'vec', shape: [5], dtype: 'float32' as const },
      { name: 'half', shape: [3, 4], dtype: 'float16' as const },
      { name: 'empty', shape: [0, 512], dtype: 'float32' as const },
      { name: 'wide', shape: [12345, 2], dtype: 'float16' as const },
    ];
    for (const c of cases) {
      const count = c.shape.reduce((a, b) => a * b, 1);
      writeFileSync(path.join(dir, `${c.name}.ours.npy`), encodeNpy(ramp(count), c.shape, c.dtype));
    }
    const report = numpy(`
import json, os
out = {}
for f in sorted(os.listdir(sys.argv[1])):
    if f.endswith('.ours.npy'):
        a = np.load(os.path.join(sys.argv[1], f))
        np.save(os.path.join(sys.argv[1], f.replace('.ours.', '.numpy.')), a)
        out[f] = {'shape': list(a.shape), 'dtype': str(a.dtype), 'sum': float(a.astype(np.float64).sum())}
print(json.dumps(out))`);
    const seen = JSON.parse(report) as Record<string, { shape: number[]; dtype: string; sum: number }>;
    for (const c of cases) {
      const ours = readFileSync(path.join(dir, `${c.name}.ours.npy`));
      const theirs = readFileSync(path.join(dir, `${c.name}.numpy.npy`));
      expect(seen[`${c.name}.ours.npy`]?.shape, c.name).toEqual(c.shape);
      expect(seen[`${c.name}.ours.npy`]?.dtype, c.name).toBe(c.dtype);
      expect(ours.equals(theirs), `${c.name}: header ${ours.subarray(0, 128).toString('latin1')}`).toBe(true);
      expect((10 + ours.readUInt16LE(8)) % 64).toBe(0);
    }
    const sum = ramp(7 * 24).reduce((a, b) => a + b, 0);
    expect(seen['emb.ours.npy']?.sum).toBeCloseTo(sum, 3);
  });

  it('reads what numpy writes: the golden pixel arrays', () => {
    const buf = readFileSync(path.join(inject('sharedFixtures').golden, 'pixels/astronaut.jpg.npy'));
    const arr = decodeNpy(buf);
    expect(arr.dtype).toBe('float32');
    expect(arr.shape).toEqual([3, 224, 224]);
    expect(arr.data.length).toBe(3 * 224 * 224);
    // CLIP-normalised pixels: roughly within [-1.8, 2.2], never all zero.
    const data = arr.data as Float32Array;
    expect(Math.min(...data.subarray(0, 50_000))).toBeGreaterThan(-2);
    expect(Math.max(...data.subarray(0, 50_000))).toBeLessThan(2.2);
    expect(data.some((v) => v !== 0)).toBe(true);
  });

  it('converts float32 to float16 and back exactly as numpy does, ties to even', () => {
    const probe = float16Probe();
    writeFileSync(path.join(dir, 'probe.npy'), encodeNpy(probe, [probe.length], 'float32'));
    numpy(`
a = np.load(sys.argv[1] + '/probe.npy')
with np.errstate(over='ignore'):
    h = a.astype(np.float16)
np.save(sys.argv[1] + '/probe_f16.npy', h)
np.save(sys.argv[1] + '/probe_back.npy', h.astype(np.float32))`);
    const theirs = decodeNpy(readFileSync(path.join(dir, 'probe_f16.npy')));
    const back = decodeNpy(readFileSync(path.join(dir, 'probe_back.npy')));
    expect(theirs.dtype).toBe('float16');
    expect(back.dtype).toBe('float32');
    const ours = float32ToFloat16(probe);
    const theirBits = theirs.data as Uint16Array;
    const isNaN16 = (h: number) => (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
    let mismatches = 0;
    for (let i = 0; i < ours.length; i++) {
      const a = ours[i] as number;
      const b = theirBits[i] as number;
      if (a !== b && !(isNaN16(a) && isNaN16(b))) mismatches++;
    }
    expect(mismatches).toBe(0);
    // Half to float is exact: compare bit patterns (NaNs by NaN-ness).
    const expanded = float16ToFloat32(theirBits);
    const expected = back.data as Float32Array;
    let wrong = 0;
    for (let i = 0; i < expanded.length; i++) {
      const a = expanded[i] as number;
      const b = expected[i] as number;
      if (!Object.is(a, b)) wrong++;
    }
    expect(wrong).toBe(0);
  });
});

describe('npy without numpy', () => {
  it('round-trips float32 and float16 (given as bits or floats)', () => {
    const data = ramp(6);
    const f32 = decodeNpy(encodeNpy(data, [2, 3], 'float32'));
    expect(f32).toEqual({ dtype: 'float32', shape: [2, 3], data });
    const fromFloats = decodeNpy(encodeNpy(data, [6], 'float16'));
    const fromBits = decodeNpy(encodeNpy(float32ToFloat16(data), [6], 'float16'));
    expect(fromFloats).toEqual(fromBits);
    expect(fromFloats.dtype).toBe('float16');
    expect(Array.from(float16ToFloat32(fromFloats.data as Uint16Array))).toEqual(
      Array.from(data).map((v) => expect.closeTo(v, 3)),
    );
  });

  it('decodes from an unaligned buffer', () => {
    const file = encodeNpy(ramp(10), [10], 'float32');
    const shifted = Buffer.alloc(file.length + 1);
    file.copy(shifted, 1);
    expect(decodeNpy(shifted.subarray(1)).data).toEqual(ramp(10));
  });

  it('refuses what it cannot encode or decode, with FormatError', () => {
    expect(() => encodeNpy(ramp(6), [4, 2], 'float32')).toThrow(FormatError);
    expect(() => encodeNpy(new Uint16Array(4), [4], 'float32')).toThrow(/Uint16Array holds float16 bits/);
    const good = encodeNpy(ramp(6), [2, 3], 'float32');
    expect(() => decodeNpy(Buffer.from('not numpy at all'))).toThrow(/bad magic/);
    expect(() => decodeNpy(good.subarray(0, good.length - 4))).toThrow(/truncated npy data/);
    const f8 = Buffer.from(good.toString('latin1').replace("'<f4'", "'<f8'"), 'latin1');
    expect(() => decodeNpy(f8)).toThrow(/unsupported npy dtype <f8/);
    const fortran = Buffer.from(good.toString('latin1').replace('False', 'True '), 'latin1');
    expect(() => decodeNpy(fortran)).toThrow(/Fortran-order/);
  });
});
