/**
 * A safetensors file read in place: the header once, then each tensor straight from disk when asked for. Memory
 * holds one tensor at a time, so checkpoints larger than RAM (or than Node's 4 GB Buffer limit: MetaCLIP 2's
 * bigG text embedding alone is 4.6 GB in float32) convert within a few GB.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ModelLoadError } from '../errors';
import { BYTES, decodeFloat32, MAX_HEADER, parseSafetensorsHeader, type TensorEntry } from './safetensors';
import type { TensorSource } from './tensor-source';

/** Bytes per read call; reads into one array in steps, since one read(2) moves at most ~2 GB. */
const CHUNK = 1 << 30;

/** A safetensors file open for reading tensors by name. */
export class SafetensorsReader implements TensorSource {
  private constructor(
    private readonly fd: number,
    readonly source: string,
    readonly entries: ReadonlyMap<string, TensorEntry>,
  ) {}

  /**
   * Open `file` and check its header against the file size.
   * @throws ModelLoadError for an unreadable file or a corrupt header.
   */
  static open(file: string): SafetensorsReader {
    let fd: number;
    try {
      fd = openSync(file, 'r');
    } catch (err) {
      throw new ModelLoadError(`cannot read ${file}: ${(err as Error).message}`, { cause: err, path: file });
    }
    try {
      const size = fstatSync(fd).size;
      const prefix = Buffer.alloc(8);
      readFully(fd, prefix, 0);
      const headerLength = Number(prefix.readBigUInt64LE(0));
      const head = Buffer.alloc(8 + Math.min(headerLength, MAX_HEADER, Math.max(0, size - 8)));
      readFully(fd, head, 0);
      const { entries } = parseSafetensorsHeader(head, file, size);
      return new SafetensorsReader(fd, file, entries);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  float32(name: string): { shape: number[]; data: Float32Array } {
    const entry = this.entries.get(name);
    if (!entry)
      throw new ModelLoadError(`${this.source}: missing tensor "${name}"`, { path: `${this.source}#${name}` });
    // F32 lands directly in the Float32Array's memory; F16/BF16 go through a half-size staging buffer.
    const target =
      entry.dtype === 'F32'
        ? new Uint8Array(new Float32Array(entry.length / BYTES.F32).buffer)
        : new Uint8Array(entry.length);
    readFully(this.fd, target, entry.start);
    return { shape: entry.shape, data: decodeFloat32(target, entry.dtype) };
  }

  close(): void {
    closeSync(this.fd);
  }
}

function readFully(fd: number, into: Uint8Array, position: number): void {
  let done = 0;
  while (done < into.length) {
    const n = readSync(fd, into, done, Math.min(CHUNK, into.length - done), position + done);
    if (n === 0) throw new ModelLoadError(`unexpected end of file at byte ${position + done}`);
    done += n;
  }
}
