import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { FormatError } from './errors.ts';
import { decodeNpy, encodeNpy, float16ToFloat32, float32ToFloat16 } from './npy.ts';

/*
The numpy references in tests/fixtures/npy were written once by numpy 2.4.6 (the tests never run Python). To
regenerate them, from the repository root:

python3 - <<'EOF'
import hashlib, io, json, numpy as np
d = 'tests/fixtures/npy/'
ramp = lambda n: (((np.arange(n) * 7919) % 2001 - 1000) / 3000).astype(np.float32)
sha = lambda a: hashlib.sha256(a if isinstance(a, bytes) else a.tobytes()).hexdigest()
def nan16(h): b = h.view(np.uint16).copy(); b[np.isnan(h)] = 0x7e00; return b
def nan32(f): b = f.view(np.uint32).copy(); b[np.isnan(f)] = 0x7fc00000; return b
out = {'numpy': np.__version__, 'save': {}}
for name, shape, dtype in [('emb', (7, 24), 'float32'), ('vec', (5,), 'float32'), ('half', (3, 4), 'float16'),
                           ('empty', (0, 512), 'float32'), ('deep', (2,) + (1,) * 13 + (3,), 'float32'),
                           ('wide', (12345, 2), 'float16')]:
    f = io.BytesIO(); np.save(f, ramp(int(np.prod(shape))).reshape(shape).astype(dtype)); b = f.getvalue()
    if len(b) <= 1024: open(d + name + '.npy', 'wb').write(b)
    out['save'][name] = {'shape': list(shape), 'dtype': dtype, 'sha256': sha(b)}
s, bits = 0x9e3779b9, np.empty(200_000, np.uint32)
for i in range(len(bits)):
    s ^= (s << 13) & 0xffffffff; s ^= s >> 17; s ^= (s << 5) & 0xffffffff; bits[i] = s
edges = np.array([0.0, -0.0, 1, -1, 65504, 65505, 65519.99, 65520, -65520, 1e10, np.inf, -np.inf, np.nan, 2**-14,
                  2**-24, 2**-25, 2**-25 * 1.0001, 2**-26, 3 * 2**-25, 2**-14 - 2**-25, 1 + 2**-11, 1 + 3 * 2**-11,
                  1 + 2**-11 + 2**-20, 0.1, 1 / 3, 1e-8, -1e-8], np.float32)
edge_bits = np.array([0x7f800001, 0xff800001, 0x7f801fff, 0x7f802000, 0x7fffffff, 0x00000001, 0x807fffff, 0x33000001],
                     np.uint32).view(np.float32)
probe = np.concatenate([edges, edge_bits, bits.view(np.float32)])
with np.errstate(over='ignore', invalid='ignore'): h = probe.astype(np.float16)
halves = np.arange(65536).astype(np.uint16).view(np.float16).astype(np.float32)
out['float16'] = {'probe_sha256': sha(probe), 'edges_f16': nan16(h[:len(edges) + len(edge_bits)]).tolist(),
                  'probe_f16_sha256': sha(nan16(h)), 'all_halves_f32_sha256': sha(nan32(halves))}
json.dump(out, open(d + 'numpy.json', 'w'))
EOF
npx biome format --write tests/fixtures/npy/numpy.json

'deep' has 15 axes: there numpy's room to grow the first axis in place pushes the header from 128 to 192 bytes.
NaNs are made canonical (0x7e00, 0x7fc00000) on both sides before hashing: only NaN-ness is promised, and a NaN's
payload bits can depend on where numpy's cast runs (hardware conversion quiets signalling NaNs). The probe's own hash proves the script above builds the same
probe as float16Probe() here.
*/
const FIXTURES = fileURLToPath(new URL('../../../tests/fixtures/npy/', import.meta.url));
const NUMPY = JSON.parse(readFileSync(path.join(FIXTURES, 'numpy.json'), 'utf8')) as {
  numpy: string;
  save: Record<string, { shape: number[]; dtype: 'float32' | 'float16'; sha256: string }>;
  float16: { probe_sha256: string; edges_f16: number[]; probe_f16_sha256: string; all_halves_f32_sha256: string };
};

const sha256 = (a: Uint8Array | Float32Array | Uint16Array | Uint32Array) =>
  createHash('sha256')
    .update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
    .digest('hex');

/** Exact in float32 the same way in numpy (see above): one IEEE division of small integers, then one rounding. */
function ramp(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => (((i * 7919) % 2001) - 1000) / 3000);
}

const count = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function canonicalNaN16(h: Uint16Array): Uint16Array {
  return h.map((b) => ((b & 0x7c00) === 0x7c00 && (b & 0x3ff) !== 0 ? 0x7e00 : b));
}

function canonicalNaN32(f: Float32Array): Uint32Array {
  return new Uint32Array(f.buffer, f.byteOffset, f.length).map((b) =>
    (b & 0x7f800000) === 0x7f800000 && (b & 0x7fffff) !== 0 ? 0x7fc00000 : b,
  );
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
  // NaNs whose payload sits below what a half keeps (must not become Inf), float32 subnormals, just above a tie.
  const edgeBits = [0x7f800001, 0xff800001, 0x7f801fff, 0x7f802000, 0x7fffffff, 0x00000001, 0x807fffff, 0x33000001];
  const bits = new Uint32Array(200_000);
  let state = 0x9e3779b9;
  for (let i = 0; i < bits.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bits[i] = state >>> 0;
  }
  const out = new Float32Array(edges.length + edgeBits.length + bits.length);
  out.set(edges);
  out.set(new Float32Array(Uint32Array.from(edgeBits).buffer), edges.length);
  out.set(new Float32Array(bits.buffer), edges.length + edgeBits.length);
  return out;
}

describe(`npy against numpy ${NUMPY.numpy}'s recorded output`, () => {
  it('writes byte for byte what numpy.save writes', () => {
    expect(Object.keys(NUMPY.save)).toEqual(['emb', 'vec', 'half', 'empty', 'deep', 'wide']);
    for (const [name, { shape, dtype, sha256: theirs }] of Object.entries(NUMPY.save)) {
      const ours = encodeNpy(ramp(count(shape)), shape, dtype);
      expect(sha256(ours), `${name}: header ${ours.subarray(0, 128).toString('latin1')}`).toBe(theirs);
    }
  });

  it('reads what numpy.save wrote', () => {
    for (const name of ['emb', 'vec', 'half', 'empty', 'deep']) {
      const { shape, dtype } = NUMPY.save[name] ?? expect.unreachable(name);
      const arr = decodeNpy(readFileSync(path.join(FIXTURES, `${name}.npy`)));
      const values = ramp(count(shape));
      expect(arr, name).toEqual({ shape, dtype, data: dtype === 'float32' ? values : float32ToFloat16(values) });
    }
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

  it('converts float32 to float16 exactly as numpy does, ties to even, edge cases and 200k random patterns', () => {
    const probe = float16Probe();
    expect(sha256(probe), 'the probe numpy converted').toBe(NUMPY.float16.probe_sha256);
    const ours = canonicalNaN16(float32ToFloat16(probe));
    const edges = NUMPY.float16.edges_f16;
    expect(Array.from(ours.subarray(0, edges.length), (h) => h.toString(16))).toEqual(edges.map((h) => h.toString(16)));
    expect(sha256(ours)).toBe(NUMPY.float16.probe_f16_sha256);
  });

  it('expands every one of the 65536 half patterns to float32 exactly as numpy does', () => {
    const halves = Uint16Array.from({ length: 65536 }, (_, i) => i);
    expect(sha256(canonicalNaN32(float16ToFloat32(halves)))).toBe(NUMPY.float16.all_halves_f32_sha256);
  });
});

describe('npy on its own', () => {
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
