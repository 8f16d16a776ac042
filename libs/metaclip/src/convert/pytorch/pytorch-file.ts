/**
 * `pytorch_model.bin` as torch.save has written it since PyTorch 1.6: a zip holding `<root>/data.pkl` (the state
 * dict, pickled) and one `<root>/data/<key>` entry per storage. The pickle goes through the restricted
 * {@link unpickle}; tensors are read from their storage entries only when asked for, one at a time.
 */
import { closeSync, readSync } from 'node:fs';
import { bfloat16ToFloat32, float16ToFloat32 } from '@metaclip-batch/float16';
import { ModelLoadError } from '../../errors.ts';
import { openForReading } from '../file-read.ts';
import type { TensorChunks, TensorSource } from '../tensor-source.ts';
import { type TensorRef, unpickle } from './unpickler.ts';
import { ZipIndex } from './zip-index.ts';

/** The first bytes of torch.save's legacy (pre-1.6) format: pickle protocol 2, then a LONG1 magic number. */
const LEGACY_MAGIC = Buffer.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8]);
const ZIP_MAGIC = Buffer.from('PK\x03\x04', 'latin1');

/** A PyTorch zip checkpoint's tensors, read on demand. */
export class PyTorchFile implements TensorSource {
  private constructor(
    readonly source: string,
    private readonly zip: ZipIndex,
    private readonly root: string,
    private readonly tensors: ReadonlyMap<string, TensorRef>,
  ) {}

  /**
   * Open a checkpoint: read the zip's directory and unpickle `data.pkl` (no tensor data is read yet).
   * @throws ModelLoadError for the legacy format, a file that is not a torch zip, a refused pickle
   *   ({@link PickleRefusedError}) or a pickle that is not a state dict of tensors.
   */
  static open(file: string): PyTorchFile {
    checkMagic(file);
    const zip = ZipIndex.open(file);
    try {
      const pkl = [...zip.entries.keys()].find((n) => /^[^/]+\/data\.pkl$/.test(n));
      if (!pkl) {
        throw new ModelLoadError(`${file}: a zip without <name>/data.pkl is not a torch.save checkpoint`, {
          path: file,
        });
      }
      const root = pkl.slice(0, -'data.pkl'.length);
      const order = zip.entries.get(`${root}byteorder`);
      if (order && zip.read(order).toString('latin1') !== 'little') {
        throw new ModelLoadError(`${file}: big-endian checkpoints are not supported`, { path: file });
      }
      const state = unpickle(zip.read(zip.entries.get(pkl) as NonNullable<ReturnType<typeof zip.entries.get>>), file);
      return new PyTorchFile(file, zip, root, stateDict(state, file));
    } catch (err) {
      zip.close();
      throw err;
    }
  }

  /** Tensor names, in checkpoint order. */
  names(): string[] {
    return [...this.tensors.keys()];
  }

  has(name: string): boolean {
    return this.tensors.has(name);
  }

  float32(name: string): { shape: number[]; data: Float32Array } {
    const { t, start, span, what } = this.locate(name);
    const flat = toFloat32(this.zip.readAt(start, span * t.storage.bytesPerElement), t.storage.dtype, span, what);
    return { shape: t.shape, data: isContiguous(t) ? flat : gather(flat, t.shape, t.stride, count(t)) };
  }

  float32Chunks(name: string, chunkValues: number): TensorChunks {
    const { t } = this.locate(name);
    // A strided view is gathered whole (torch.save writes state dicts contiguous; views are rare and small).
    if (!isContiguous(t)) return { shape: t.shape, chunks: [this.float32(name).data] };
    return { shape: t.shape, chunks: this.readChunks(name, chunkValues) };
  }

  close(): void {
    this.zip.close();
  }

  /** A tensor's reference, where its elements start in the file, and how many its view spans. */
  private locate(name: string): { t: TensorRef; start: number; span: number; what: string } {
    const t = this.tensors.get(name);
    if (!t) throw new ModelLoadError(`${this.source}: missing tensor "${name}"`, { path: `${this.source}#${name}` });
    const entry = this.zip.entries.get(`${this.root}data/${t.storage.key}`);
    if (!entry) throw new ModelLoadError(`${this.source}: storage ${t.storage.key} of "${name}" is missing`);
    const n = count(t);
    // The elements this view can touch: from its offset to its farthest strided element.
    const span = n === 0 ? 0 : 1 + t.shape.reduce((s, d, i) => s + (d - 1) * (t.stride[i] as number), 0);
    const width = t.storage.bytesPerElement;
    if ((t.offset + span) * width > entry.size) {
      throw new ModelLoadError(`${this.source}: tensor "${name}" reaches past its storage (corrupt checkpoint)`);
    }
    return { t, start: entry.offset + t.offset * width, span, what: `${this.source}: tensor "${name}"` };
  }

  private *readChunks(name: string, chunkValues: number): Generator<Float32Array> {
    const { t, start, span, what } = this.locate(name);
    const width = t.storage.bytesPerElement;
    for (let done = 0; done < span; done += chunkValues) {
      const n = Math.min(chunkValues, span - done);
      yield toFloat32(this.zip.readAt(start + done * width, n * width), t.storage.dtype, n, what);
    }
  }
}

function count(t: TensorRef): number {
  return t.shape.reduce((a, b) => a * b, 1);
}

function checkMagic(file: string): void {
  const fd = openForReading(file);
  let head: Buffer;
  try {
    // A file shorter than the magic is simply not a checkpoint (an empty download, a stray file), not a truncated one.
    const bytes = Buffer.alloc(LEGACY_MAGIC.length);
    head = bytes.subarray(0, readSync(fd, bytes, 0, bytes.length, 0));
  } finally {
    closeSync(fd);
  }
  if (head.equals(LEGACY_MAGIC)) {
    throw new ModelLoadError(
      `${file} is in torch.save's legacy format (PyTorch < 1.6), which cannot be read without running its pickle. ` +
        'Re-save it with a current PyTorch (torch.save(torch.load(f, weights_only=True), f)) or as safetensors.',
      { path: file },
    );
  }
  if (head.length < ZIP_MAGIC.length || !head.subarray(0, ZIP_MAGIC.length).equals(ZIP_MAGIC)) {
    throw new ModelLoadError(`${file} is not a PyTorch checkpoint (neither a torch.save zip nor the legacy format)`, {
      path: file,
    });
  }
}

function stateDict(state: unknown, file: string): Map<string, TensorRef> {
  if (!(state instanceof Map)) {
    throw new ModelLoadError(`${file}: the pickle holds a ${typeof state}, not a state dict of tensors`, {
      path: file,
    });
  }
  const out = new Map<string, TensorRef>();
  for (const [k, v] of state) {
    if (typeof k === 'string' && (v as TensorRef | null)?.kind === 'tensor') out.set(k, v as TensorRef);
  }
  return out;
}

function toFloat32(bytes: Buffer, dtype: string, count: number, what: string): Float32Array {
  switch (dtype) {
    case 'float32':
      return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + count * 4));
    case 'float64':
      return Float32Array.from(new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + count * 8)));
    case 'float16':
    case 'bfloat16': {
      const half = new Uint16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + count * 2));
      return dtype === 'float16' ? float16ToFloat32(half) : bfloat16ToFloat32(half);
    }
    default:
      throw new ModelLoadError(`${what} is ${dtype}, not a floating-point weight`);
  }
}

function isContiguous(t: TensorRef): boolean {
  let expected = 1;
  for (let i = t.shape.length - 1; i >= 0; i--) {
    if ((t.shape[i] as number) !== 1 && t.stride[i] !== expected) return false;
    expected *= t.shape[i] as number;
  }
  return true;
}

/** Row-major copy of a strided view. */
function gather(flat: Float32Array, shape: number[], stride: number[], count: number): Float32Array {
  const out = new Float32Array(count);
  const index = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < count; i++) {
    let at = 0;
    for (let d = 0; d < shape.length; d++) at += (index[d] as number) * (stride[d] as number);
    out[i] = flat[at] as number;
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d] = (index[d] as number) + 1;
      if ((index[d] as number) < (shape[d] as number)) break;
      index[d] = 0;
    }
  }
  return out;
}
