/**
 * The table of contents of a zip file, read from its central directory (zip64 included), so entries can be read
 * in place by offset. torch.save writes every entry stored (uncompressed) and 64-byte aligned; that is all we need,
 * and a compressed entry is refused rather than inflated.
 */
import { closeSync, fstatSync } from 'node:fs';
import { ModelLoadError } from '../../errors.ts';
import { openForReading, readFully } from '../file-read.ts';

/** Where one stored entry's bytes are in the file. */
export interface ZipEntry {
  name: string;
  /** Absolute offset of the entry's data. */
  offset: number;
  size: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** Bytes of the end-of-central-directory record plus the longest comment. */
const TAIL = 22 + 0xffff;

/** An open zip file; {@link read} returns entry bytes, {@link close} releases the descriptor. */
export class ZipIndex {
  private constructor(
    private readonly fd: number,
    readonly source: string,
    readonly entries: ReadonlyMap<string, ZipEntry>,
  ) {}

  /**
   * Open `file` and read its central directory.
   * @throws ModelLoadError when the file is not a zip, is truncated, or holds compressed entries.
   */
  static open(file: string): ZipIndex {
    const fd = openForReading(file);
    try {
      return new ZipIndex(fd, file, readCentralDirectory(fd, file));
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /** `length` bytes at `position` of the file. */
  readAt(position: number, length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    readFully(this.fd, out, position, this.source);
    return out;
  }

  /** The bytes of an entry. */
  read(entry: ZipEntry): Buffer {
    return this.readAt(entry.offset, entry.size);
  }

  close(): void {
    closeSync(this.fd);
  }
}

function readCentralDirectory(fd: number, file: string): Map<string, ZipEntry> {
  const fail = (why: string): never => {
    throw new ModelLoadError(`${file}: not a readable zip archive: ${why}`, { path: file });
  };
  const size = fstatSync(fd).size;
  const at = (position: number, length: number) => {
    const b = Buffer.alloc(length);
    readFully(fd, b, position, file);
    return b;
  };
  const tailStart = Math.max(0, size - TAIL);
  const tail = at(tailStart, size - tailStart);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) fail('no end-of-central-directory record');
  let count = tail.readUInt16LE(eocd + 10);
  let dirSize = tail.readUInt32LE(eocd + 12);
  let dirOffset = tail.readUInt32LE(eocd + 16);
  const locator = eocd - 20;
  if (locator >= 0 && tail.readUInt32LE(locator) === ZIP64_LOCATOR) {
    const record = at(Number(tail.readBigUInt64LE(locator + 8)), 56);
    if (record.readUInt32LE(0) !== ZIP64_EOCD) fail('bad zip64 end-of-central-directory record');
    count = Number(record.readBigUInt64LE(32));
    dirSize = Number(record.readBigUInt64LE(40));
    dirOffset = Number(record.readBigUInt64LE(48));
  }
  if (dirOffset + dirSize > size) fail('central directory lies past the end of the file (truncated download?)');
  const dir = at(dirOffset, dirSize);
  const entries = new Map<string, ZipEntry>();
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (dir.readUInt32LE(p) !== CENTRAL) fail(`central directory entry ${i} is damaged`);
    const method = dir.readUInt16LE(p + 10);
    let compressed = dir.readUInt32LE(p + 20);
    let uncompressed = dir.readUInt32LE(p + 24);
    const nameLength = dir.readUInt16LE(p + 28);
    const extraLength = dir.readUInt16LE(p + 30);
    const commentLength = dir.readUInt16LE(p + 32);
    let local = dir.readUInt32LE(p + 42);
    const name = dir.toString('utf8', p + 46, p + 46 + nameLength);
    // zip64: values saturated at 0xffffffff live in extra field 0x0001, in this order.
    let e = p + 46 + nameLength;
    const extraEnd = e + extraLength;
    while (e + 4 <= extraEnd) {
      const id = dir.readUInt16LE(e);
      const len = dir.readUInt16LE(e + 2);
      if (id === 1) {
        let q = e + 4;
        const next = () => {
          const v = Number(dir.readBigUInt64LE(q));
          q += 8;
          return v;
        };
        if (uncompressed === 0xffffffff) uncompressed = next();
        if (compressed === 0xffffffff) compressed = next();
        if (local === 0xffffffff) local = next();
      }
      e += 4 + len;
    }
    if (method !== 0) fail(`entry ${name} is compressed (method ${method}); torch.save writes entries stored`);
    const header = at(local, 30);
    if (header.readUInt32LE(0) !== LOCAL) fail(`local header of ${name} is damaged`);
    const offset = local + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
    if (offset + uncompressed > size) fail(`entry ${name} runs past the end of the file (truncated download?)`);
    entries.set(name, { name, offset, size: uncompressed });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
