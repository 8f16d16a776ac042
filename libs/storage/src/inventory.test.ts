import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError } from './errors.ts';
import { openInventory } from './inventory.ts';
import { isInventoryManifestName, parseInventoryManifest } from './inventory-manifest.ts';
import { csvRow, decodeCsvKey, parseCsvLine, rowObject } from './inventory-rows.ts';

const root = mkdtempSync(path.join(tmpdir(), 'inventory-unit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const manifest = (files: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ sourceBucket: 'src', fileFormat: 'CSV', fileSchema: 'Bucket, Key, Size, ETag', files, ...extra });

describe('inventory CSV rows', () => {
  it('splits quoted fields, with doubled quotes inside and empty fields', () => {
    expect(parseCsvLine('"b","a%2Fk","","say ""hi""",plain')).toEqual(['b', 'a%2Fk', '', 'say "hi"', 'plain']);
    expect(() => parseCsvLine('"b","open')).toThrow(FormatError);
  });

  it('decodes keys as S3 form-encodes them: + is a space, %2B a plus', () => {
    expect(decodeCsvKey('a+b%2Bc%2Fd%C3%BC.jpg')).toBe('a b+c/dü.jpg');
    expect(() => decodeCsvKey('bad%zz')).toThrow(FormatError);
  });

  it('keeps current objects only, with size, ETag and mtime as a listing has them', () => {
    const cols = ['Bucket', 'Key', 'IsLatest', 'IsDeleteMarker', 'Size', 'LastModifiedDate', 'ETag'];
    const row = (line: string) => rowObject(csvRow(line, cols), 'fallback', true);
    expect(row('"b","k+1.jpg","true","false","12","2026-01-02T03:04:05.000Z","abc"')).toEqual({
      uri: 's3://b/k 1.jpg',
      size: 12,
      etag: 'abc',
      mtime: new Date('2026-01-02T03:04:05.000Z'),
    });
    expect(row('"b","k.jpg","false","false","12","2026-01-02T03:04:05.000Z","abc"')).toBeNull();
    expect(row('"b","k.jpg","true","true","","",""')).toBeNull();
    // Without versioning S3 leaves IsLatest out; the row's bucket column is optional too.
    expect(rowObject({ key: 'x.png', size: 5n }, 'src', false)).toEqual({ uri: 's3://src/x.png', size: 5 });
  });
});

describe('inventory manifest', () => {
  it('is recognised by its name', () => {
    expect(isInventoryManifestName('s3://b/inv/src/cfg/2026-12-01T00-00Z/manifest.json')).toBe(true);
    expect(isInventoryManifestName('/data/manifest.json')).toBe(true);
    expect(isInventoryManifestName('/data/my-manifest.json')).toBe(false);
  });

  it('names every problem of a malformed one', () => {
    const problems = (text: string) => {
      try {
        parseInventoryManifest(text, 'm.json');
      } catch (err) {
        expect(err).toBeInstanceOf(FormatError);
        return (err as Error).message;
      }
      throw new Error('accepted');
    };
    expect(problems('{')).toContain('m.json is not a usable S3 Inventory manifest: not JSON');
    const msg = problems(JSON.stringify({ fileFormat: 'JSON', files: [{ key: 'a', size: 1, MD5checksum: 'x' }] }));
    expect(msg).toContain('"sourceBucket" must be a bucket name');
    expect(msg).toContain('"fileFormat" must be CSV, ORC or Parquet');
    expect(msg).toContain('"fileSchema" must be a string');
    expect(msg).toContain('files[0].MD5checksum must be an MD5 in hex');
    expect(problems(manifest([], { fileSchema: 'Bucket, Size' }))).toContain('"fileSchema" has no Key column');
  });
});

describe('openInventory', () => {
  it('streams the rows of every data file, in manifest order, from a local copy of the destination', async () => {
    const dir = path.join(root, 'ok');
    mkdirSync(path.join(dir, 'dest/src/cfg/data'), { recursive: true });
    mkdirSync(path.join(dir, 'dest/src/cfg/2026-12-01T00-00Z'), { recursive: true });
    const files = ['"src","b.jpg","1","e1"\n"src","a.jpg","2","e2"\n', '"src","c.jpg","3","e3"'].map((text, i) => {
      const body = gzipSync(text);
      const key = `src/cfg/data/${i}.csv.gz`;
      writeFileSync(path.join(dir, 'dest', key), body);
      return { key, size: body.byteLength, MD5checksum: md5(body) };
    });
    const at = path.join(dir, 'dest/src/cfg/2026-12-01T00-00Z/manifest.json');
    writeFileSync(at, manifest(files));
    const uris: string[] = [];
    for await (const obj of (await openInventory(at)).objects) uris.push(obj.uri);
    expect(uris).toEqual(['s3://src/b.jpg', 's3://src/a.jpg', 's3://src/c.jpg']);
  });

  it('reads Parquet data files compressed with GZIP, as well as the SNAPPY hyparquet decodes itself', async () => {
    const dir = path.join(root, 'gzip');
    mkdirSync(dir, { recursive: true });
    const body = Buffer.from(
      parquetWriteBuffer({
        codec: 'GZIP',
        compressors: { GZIP: (input) => new Uint8Array(gzipSync(input)) },
        columnData: [
          { name: 'bucket', data: ['src', 'src'], type: 'STRING' },
          { name: 'key', data: ['a b.jpg', 'c.png'], type: 'STRING' },
          { name: 'size', data: [1n, 2n], type: 'INT64' },
          { name: 'e_tag', data: ['e1', 'e2'], type: 'STRING' },
        ],
      }),
    );
    writeFileSync(path.join(dir, 'data.parquet'), body);
    const at = path.join(dir, 'manifest.json');
    writeFileSync(
      at,
      manifest([{ key: 'data.parquet', size: body.byteLength, MD5checksum: md5(body) }], {
        fileFormat: 'Parquet',
        fileSchema: 'message s3.inventory { required binary bucket (UTF8); required binary key (UTF8); }',
      }),
    );
    const objects = [];
    for await (const obj of (await openInventory(at)).objects) objects.push(obj);
    // Parquet keys are not URL-encoded: the space stays a space.
    expect(objects).toEqual([
      { uri: 's3://src/a b.jpg', size: 1, etag: 'e1' },
      { uri: 's3://src/c.png', size: 2, etag: 'e2' },
    ]);
  });

  it('reads ORC data files (ZLIB and uncompressed) as rows the Parquet path yields', async () => {
    // The fixtures and their rows are described in orc/orc.test.ts.
    const fixtures = new URL('../../../tests/fixtures/orc/', import.meta.url);
    const dir = path.join(root, 'orc');
    mkdirSync(dir, { recursive: true });
    const files = ['inventory-zlib-dictionary.orc', 'inventory-none-direct.orc'].map((name) => {
      const body = readFileSync(new URL(name, fixtures));
      writeFileSync(path.join(dir, name), body);
      return { key: name, size: body.byteLength, MD5checksum: md5(body) };
    });
    const at = path.join(dir, 'manifest.json');
    const schema = 'struct<bucket:string,key:string,version_id:string,is_latest:boolean,is_delete_marker:boolean>';
    writeFileSync(at, manifest(files, { fileFormat: 'ORC', fileSchema: schema }));
    const rows: Record<string, string | boolean | null>[] = JSON.parse(
      readFileSync(new URL('inventory.json', fixtures), 'utf8'),
    );
    // Current objects: not delete markers, not older versions (a null is_latest is no versioning), with a key.
    const current = rows
      .filter((r) => r.key !== null && r.is_delete_marker !== true && r.is_latest !== false)
      .map((r) => ({
        uri: `s3://src/${r.key}`,
        size: Number(r.size ?? 0),
        etag: String(r.e_tag).replaceAll('"', ''),
        ...(r.last_modified_date === null ? {} : { mtime: new Date(String(r.last_modified_date)) }),
      }));
    const objects = [];
    for await (const obj of (await openInventory(at)).objects) objects.push(obj);
    expect(current.length).toBeGreaterThan(200);
    expect(objects).toEqual([...current, ...current]);
  });

  it('names the ORC data file it cannot read', async () => {
    const dir = path.join(root, 'bad-orc');
    mkdirSync(dir, { recursive: true });
    const body = Buffer.from('ORC but truncated');
    writeFileSync(path.join(dir, 'data.orc'), body);
    const at = path.join(dir, 'manifest.json');
    writeFileSync(
      at,
      manifest([{ key: 'data.orc', size: body.byteLength, MD5checksum: md5(body) }], { fileFormat: 'ORC' }),
    );
    const inventory = await openInventory(at);
    await expect(
      (async () => {
        for await (const _ of inventory.objects);
      })(),
    ).rejects.toThrow(`${path.join(dir, 'data.orc')}: not a readable ORC file`);
  });

  it('refuses a data file whose MD5 is not the manifest’s', async () => {
    const dir = path.join(root, 'md5');
    mkdirSync(dir, { recursive: true });
    const body = gzipSync('"src","a.jpg","1","e1"\n');
    writeFileSync(path.join(dir, 'data.csv.gz'), body);
    const at = path.join(dir, 'manifest.json');
    writeFileSync(at, manifest([{ key: 'data.csv.gz', size: body.byteLength, MD5checksum: md5(Buffer.from('x')) }]));
    const inventory = await openInventory(at);
    await expect(
      (async () => {
        for await (const _ of inventory.objects);
      })(),
    ).rejects.toThrow(/MD5 [0-9a-f]{32} differs from the manifest's/);
  });

  it('fails at once when a data file is in no folder above a local manifest', async () => {
    const dir = path.join(root, 'missing');
    mkdirSync(dir, { recursive: true });
    const at = path.join(dir, 'manifest.json');
    writeFileSync(at, manifest([{ key: 'nowhere/data.csv.gz', size: 1, MD5checksum: md5(Buffer.from('x')) }]));
    await expect(openInventory(at)).rejects.toThrow('data file nowhere/data.csv.gz is in no folder above the manifest');
  });
});
