/**
 * The safetensors reader: a file read in place, the header once, then each tensor straight from disk when asked
 * for, whole or in chunks. Memory holds one tensor at a time, or one chunk of one, so checkpoints larger than RAM
 * (or than Node's 4 GB Buffer limit: MetaCLIP 2's bigG text embedding alone is 4.6 GB in float32) convert within a
 * few hundred MB.
 */
import { closeSync, fstatSync } from 'node:fs';
import { ModelLoadError } from '../errors.ts';
import { openForReading, readFully } from './file-read.ts';
import { BYTES, decodeFloat32, MAX_HEADER, parseSafetensorsHeader, type TensorEntry } from './safetensors.ts';
import type { TensorChunks, TensorSource } from './tensor-source.ts';

/** A safetensors file open for reading tensors by name. */
export class SafetensorsReader implements TensorSource {
  private constructor(
    private readonly fd: number,
    readonly source: string,
    /** Header entries by tensor name (the `__metadata__` key removed). */
    readonly entries: ReadonlyMap<string, TensorEntry>,
    /** The file's `__metadata__` strings. */
    readonly metadata: Readonly<Record<string, string>>,
  ) {}

  /**
   * Open `file` and check its header against the file size.
   * @throws ModelLoadError for an unreadable file or a corrupt header.
   */
  static open(file: string): SafetensorsReader {
    const fd = openForReading(file);
    try {
      const size = fstatSync(fd).size;
      // A file shorter than the 8-byte prefix is reported by the header check, not as a short read.
      const prefix = Buffer.alloc(Math.min(8, size));
      readFully(fd, prefix, 0, file);
      const headerLength = size < 8 ? 0 : Number(prefix.readBigUInt64LE(0));
      const head = Buffer.alloc(Math.min(8 + Math.min(headerLength, MAX_HEADER), size));
      readFully(fd, head, 0, file);
      const { entries, metadata } = parseSafetensorsHeader(head, file, size);
      return new SafetensorsReader(fd, file, entries, metadata);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  float32(name: string): { shape: number[]; data: Float32Array } {
    const entry = this.entry(name);
    // F32 lands directly in the Float32Array's memory; F16/BF16 go through a half-size staging buffer.
    const target =
      entry.dtype === 'F32'
        ? new Uint8Array(new Float32Array(entry.length / BYTES.F32).buffer)
        : new Uint8Array(entry.length);
    readFully(this.fd, target, entry.start, this.source);
    return { shape: entry.shape, data: decodeFloat32(target, entry.dtype) };
  }

  float32Chunks(name: string, chunkValues: number): TensorChunks {
    const entry = this.entry(name);
    return { shape: entry.shape, chunks: this.readChunks(entry, chunkValues) };
  }

  close(): void {
    closeSync(this.fd);
  }

  private entry(name: string): TensorEntry {
    const entry = this.entries.get(name);
    if (!entry)
      throw new ModelLoadError(`${this.source}: missing tensor "${name}"`, { path: `${this.source}#${name}` });
    return entry;
  }

  private *readChunks(entry: TensorEntry, chunkValues: number): Generator<Float32Array> {
    const width = BYTES[entry.dtype];
    // One buffer for every chunk (aligned for the F32 view); a chunk is consumed before the next is read.
    const staging = new Uint8Array(new Float32Array(Math.ceil(Math.min(chunkValues * width, entry.length) / 4)).buffer);
    for (let done = 0; done < entry.length; ) {
      const bytes = staging.subarray(0, Math.min(staging.length - (staging.length % width), entry.length - done));
      readFully(this.fd, bytes, entry.start + done, this.source);
      yield decodeFloat32(bytes, entry.dtype);
      done += bytes.length;
    }
  }
}
