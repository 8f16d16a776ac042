import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelLoadError } from '../../errors.ts';
import { ZipIndex } from './zip-index.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'zip-index-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A zip64 archive cut short inside its zip64 end-of-central-directory record (56 bytes), with the locator and the
 * end record that name it intact: only 8 of the record's bytes are in the file. Read unchecked, the missing 48
 * bytes parse as zeros, an archive of no entries.
 */
function truncatedZip64(): Buffer {
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  const kept = Buffer.alloc(8);
  kept.writeUInt32LE(0x06064b50, 0);
  eocd.writeUInt16LE(kept.length, 20); // the comment: what is left of the record
  locator.writeBigUInt64LE(BigInt(locator.length + eocd.length), 8);
  return Buffer.concat([locator, eocd, kept]);
}

describe('ZipIndex on a truncated file', () => {
  it('says which file, the offset, and the bytes expected and got, not retryable', () => {
    const file = path.join(dir, 'cut.bin');
    writeFileSync(file, truncatedZip64());
    let error: unknown;
    try {
      ZipIndex.open(file).close();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as ModelLoadError).retryable).toBe(false);
    expect((error as ModelLoadError).path).toBe(file);
    expect((error as Error).message).toBe(
      `${file}: expected 56 bytes at offset 42, got 8: the file ends at byte 50 (truncated? download it again)`,
    );
  });
});
