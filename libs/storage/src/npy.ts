import { endianness } from 'node:os';
import { FormatError } from './errors';

/** Element types we write and read: what embeddings are stored as. */
export type NpyDtype = 'float32' | 'float16';

/** A decoded `.npy` array, C order. `float16` data holds the raw IEEE half bits (see {@link float16ToFloat32}). */
export type NpyArray =
  | { dtype: 'float32'; shape: number[]; data: Float32Array }
  | { dtype: 'float16'; shape: number[]; data: Uint16Array };

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
const PREFIX_LEN = MAGIC.length + 2 + 2; // magic, version, v1 header length
// numpy aligns the data to 64 bytes and reserves room to grow the first axis in place (format.py).
const ALIGN = 64;
const GROWTH_AXIS_MAX_DIGITS = 21;
const DESCR: Record<NpyDtype, string> = { float32: '<f4', float16: '<f2' };

// Typed arrays use the host's byte order and npy files here are little-endian; every platform Node ships on for
// this project (x64, arm64) is little-endian, so say so loudly instead of writing garbage elsewhere.
function assertLittleEndianHost(): void {
  if (endianness() !== 'LE') throw new FormatError('npy encoding needs a little-endian host', { code: 'BIG_ENDIAN' });
}

/**
 * Encodes an array as NumPy `.npy` v1.0, byte-identical to `numpy.save` (same header text, spacing and 64-byte
 * alignment). For `float16`, pass the half bits as `Uint16Array`, or a `Float32Array` that is converted with
 * {@link float32ToFloat16}.
 *
 * @throws FormatError when the shape does not match the data or the data type does not fit `dtype`.
 */
export function encodeNpy(data: Float32Array | Uint16Array, shape: readonly number[], dtype: NpyDtype): Buffer {
  assertLittleEndianHost();
  const count = shape.reduce((a, b) => a * b, 1);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0) || count !== data.length) {
    throw new FormatError(`npy shape [${shape.join(', ')}] does not hold ${data.length} values`, {
      code: 'BAD_SHAPE',
    });
  }
  let payload: Float32Array | Uint16Array;
  if (dtype === 'float16') {
    payload = data instanceof Float32Array ? float32ToFloat16(data) : data;
  } else if (data instanceof Float32Array) {
    payload = data;
  } else {
    throw new FormatError('npy dtype float32 needs a Float32Array (Uint16Array holds float16 bits)', {
      code: 'BAD_DTYPE',
    });
  }
  const header = npyHeader(DESCR[dtype], shape);
  const out = Buffer.allocUnsafe(header.length + payload.byteLength);
  header.copy(out, 0);
  Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).copy(out, header.length);
  return out;
}

function npyHeader(descr: string, shape: readonly number[]): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  if (shape.length > 0) dict += ' '.repeat(GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length);
  const unpadded = PREFIX_LEN + dict.length + 1; // + the final newline
  const padded = `${dict}${' '.repeat((ALIGN - (unpadded % ALIGN)) % ALIGN)}\n`;
  const out = Buffer.alloc(PREFIX_LEN + padded.length);
  MAGIC.copy(out, 0);
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(padded.length, 8);
  out.write(padded, PREFIX_LEN, 'latin1');
  return out;
}

/** What an npy header says: element type, shape, and the byte offset where the data starts. */
export interface NpyHeader {
  dtype: NpyDtype;
  shape: number[];
  dataOffset: number;
}

/**
 * Parses the header of a `.npy` file (its first bytes suffice: 4 KiB covers any header numpy writes), so a reader can
 * fetch single rows at `dataOffset + row * rowBytes` without loading the file.
 *
 * @throws FormatError for what {@link decodeNpy} refuses in a header.
 */
export function readNpyHeader(buf: Uint8Array): NpyHeader {
  const bytes = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (bytes.length < PREFIX_LEN || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new FormatError('not an npy file (bad magic)', { code: 'BAD_NPY' });
  }
  const major = bytes[6];
  const lenBytes = major === 1 ? 2 : 4;
  if (major !== 1 && major !== 2 && major !== 3) {
    throw new FormatError(`unsupported npy format version ${major}`, { code: 'BAD_NPY' });
  }
  const headerLen = lenBytes === 2 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const dataStart = 8 + lenBytes + headerLen;
  if (dataStart > bytes.length) throw new FormatError('truncated npy header', { code: 'BAD_NPY' });
  const header = bytes.toString(major === 3 ? 'utf8' : 'latin1', 8 + lenBytes, dataStart);

  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new FormatError(`malformed npy header: ${header.trim()}`, { code: 'BAD_NPY' });
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  const dtype = (Object.keys(DESCR) as NpyDtype[]).find((d) => DESCR[d] === descr);
  if (dtype === undefined) {
    throw new FormatError(`unsupported npy dtype ${descr}: expected little-endian float32 (<f4) or float16 (<f2)`, {
      code: 'BAD_DTYPE',
    });
  }
  if (fortran === 'True' && shape.filter((d) => d > 1).length > 1) {
    throw new FormatError('Fortran-order npy arrays are not supported: save with np.ascontiguousarray', {
      code: 'BAD_NPY',
    });
  }
  return { dtype, shape, dataOffset: dataStart };
}

/**
 * Decodes a `.npy` file (format v1, v2 or v3) holding little-endian float32 or float16 in C order. The result views
 * `buf` without copying when the data is aligned.
 *
 * @throws FormatError for anything else (other dtypes, big-endian, Fortran order, truncated data).
 */
export function decodeNpy(buf: Uint8Array): NpyArray {
  assertLittleEndianHost();
  const bytes = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const { dtype, shape, dataOffset: dataStart } = readNpyHeader(bytes);
  const count = shape.reduce((a, b) => a * b, 1);
  const width = dtype === 'float32' ? 4 : 2;
  if (bytes.length < dataStart + count * width) {
    throw new FormatError(`truncated npy data: shape (${shape.join(', ')}) needs ${count * width} bytes`, {
      code: 'BAD_NPY',
    });
  }
  const offset = bytes.byteOffset + dataStart;
  // Typed arrays need element-aligned offsets; Buffers from Node's pool are not always aligned, so copy then.
  const source = offset % width === 0 ? bytes.buffer : bytes.buffer.slice(offset, offset + count * width);
  const start = offset % width === 0 ? offset : 0;
  return dtype === 'float32'
    ? { dtype, shape, data: new Float32Array(source, start, count) }
    : { dtype, shape, data: new Uint16Array(source, start, count) };
}

/**
 * Converts float32 values to IEEE 754 half-precision bits with round-to-nearest-even, as numpy's
 * `astype(np.float16)` does: overflow gives ±Inf, tiny values become subnormals or signed zero, NaN stays NaN.
 */
export function float32ToFloat16(src: Float32Array): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < bits.length; i++) out[i] = halfBits(bits[i] as number);
  return out;
}

function halfBits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) {
    // Inf stays Inf; NaN keeps the top of its payload but must not collapse into Inf.
    return mant === 0 ? sign | 0x7c00 : sign | 0x7c00 | (mant >>> 13 || 1);
  }
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal: rounds to zero
    const m = mant | 0x800000;
    const shift = 14 - e;
    const halfway = 1 << (shift - 1);
    const rest = m & ((1 << shift) - 1);
    const h = m >>> shift;
    // A carry out of the subnormal range correctly becomes the smallest normal.
    return sign | (rest > halfway || (rest === halfway && (h & 1) === 1) ? h + 1 : h);
  }
  const h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry into the exponent is correct too, up to and including overflow to Inf (0x7c00).
  return sign | (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1) ? h + 1 : h);
}

/** Expands IEEE half-precision bits to float32 (exact: every half value is a float32). */
export function float16ToFloat32(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < src.length; i++) {
    const h = src[i] as number;
    const sign = (h & 0x8000) << 16;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) out[i] = (sign ? -1 : 1) * mant * 2 ** -24;
    else if (exp === 31) bits[i] = (sign | 0x7f800000 | (mant << 13)) >>> 0;
    else bits[i] = (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  }
  return out;
}
