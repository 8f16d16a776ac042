import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip, gunzipSync } from 'node:zlib';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { FormatError } from './errors.ts';
import { badInventory, type InventoryManifest, normalizeColumn, parseInventoryManifest } from './inventory-manifest.ts';
import { csvRow, type InventoryRow, rowObject } from './inventory-rows.ts';
import { readOrc } from './orc/index.ts';
import type { S3Storage } from './s3.ts';
import { type StorageOptions, storageFor } from './storage.ts';
import type { ObjectInfo } from './types.ts';
import { parseUri } from './uri.ts';

/** An S3 Inventory report opened by {@link openInventory}. */
export interface Inventory {
  manifest: InventoryManifest;
  /** The current objects it lists, streamed (see {@link openInventory}); iterate once. */
  objects: AsyncIterable<ObjectInfo>;
}

/**
 * Opens an S3 Inventory report from its `manifest.json` (`s3://...` or a local path): the manifest is read and checked
 * now, so a bad one fails before anything is enqueued; `objects` then yields every current object it lists, the data
 * files in the manifest's order and each file's rows in file order, so the same report always yields the same
 * objects in the same order. Delete markers and non-latest versions are left out; each object carries the size, ETag
 * and last-modified time of its row, as a listing would.
 *
 * Data files are looked up beside the manifest, where S3 delivers them: in the manifest's bucket, or for a local
 * manifest (a copy of the destination, `aws s3 sync`) in the nearest folder above it that holds the first file's
 * key. One data file is in memory at a time (compressed, checked against its MD5) and its rows are decoded as they
 * are yielded (CSV line by line, Parquet one row group at a time, ORC one stripe at a time), however many rows the
 * report has.
 *
 * @throws FormatError (code `BAD_INVENTORY`) for a malformed manifest or data file (an ORC file compressed with
 * SNAPPY, LZO, LZ4 or ZSTD among them: ZLIB and uncompressed ones are read), or a file whose MD5 differs.
 */
export async function openInventory(manifestUri: string, opts: StorageOptions = {}): Promise<Inventory> {
  const manifest = parseInventoryManifest(
    (await storageFor(manifestUri, opts).get(manifestUri)).toString('utf8'),
    manifestUri,
  );
  const first = manifest.files[0];
  const root = first === undefined ? '' : await dataRoot(manifestUri, first.key);
  return { manifest, objects: inventoryObjects(manifest, root, opts) };
}

async function* inventoryObjects(
  manifest: InventoryManifest,
  root: string,
  opts: StorageOptions,
): AsyncGenerator<ObjectInfo> {
  const csv = manifest.fileFormat === 'CSV';
  for (const file of manifest.files) {
    const uri = `${root}${file.key}`;
    const bytes = await storageFor(uri, opts).get(uri);
    const md5 = createHash('md5').update(bytes).digest('hex');
    if (md5 !== file.md5) {
      throw new FormatError(`${uri}: MD5 ${md5} differs from the manifest's ${file.md5} (truncated or replaced?)`, {
        code: 'BAD_INVENTORY',
        uri,
      });
    }
    for await (const row of dataRows(bytes, manifest, uri)) {
      const obj = rowObject(row, manifest.sourceBucket, csv);
      if (obj !== null) yield obj;
    }
  }
}

/** The rows of one data file, by the manifest's format. */
function dataRows(
  bytes: Buffer,
  manifest: InventoryManifest,
  uri: string,
): AsyncIterable<InventoryRow> | Iterable<InventoryRow> {
  if (manifest.fileFormat === 'CSV') return csvRows(bytes, manifest, uri);
  return manifest.fileFormat === 'ORC' ? orcRows(bytes, uri) : parquetRows(bytes, uri);
}

/**
 * The sub-folders directly under `prefix` (`s3://bucket/a/` or a local folder ending in `/`), as URIs ending in `/`,
 * sorted: where an inventory configuration keeps its dated reports (one delimiter listing on S3).
 */
export async function listFolders(prefix: string, opts: StorageOptions = {}): Promise<string[]> {
  const parsed = parseUri(prefix);
  if (parsed.scheme === 'file') {
    const entries = await readdir(parsed.path, { withFileTypes: true }).catch(() => []);
    return entries
      .filter((e) => e.isDirectory())
      .map((e) => path.join(parsed.path, e.name, '/'))
      .sort();
  }
  const s3 = storageFor(prefix, opts) as S3Storage;
  const folders: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.listPage(prefix, { delimiter: '/', ...(token ? { token } : {}) });
    folders.push(...page.prefixes);
    token = page.next;
  } while (token !== undefined);
  return folders.sort();
}

/** Where the manifest's data file keys resolve: its bucket, or the local folder mirroring that bucket. */
async function dataRoot(manifestUri: string, firstKey: string): Promise<string> {
  const parsed = parseUri(manifestUri);
  if (parsed.scheme === 's3') return `s3://${parsed.bucket}/`;
  for (let dir = path.dirname(parsed.path); ; dir = path.dirname(dir)) {
    if (await stat(path.join(dir, firstKey)).catch(() => null)) return `${dir}/`;
    if (dir === path.dirname(dir)) {
      throw badInventory(manifestUri, [`data file ${firstKey} is in no folder above the manifest`]);
    }
  }
}

/** The rows of one gzip CSV data file, decompressed and split as they stream. */
async function* csvRows(gz: Buffer, manifest: InventoryManifest, uri: string): AsyncGenerator<InventoryRow> {
  const gunzip = createGunzip();
  gunzip.end(gz);
  const decoder = new StringDecoder('utf8');
  let rest = '';
  try {
    for await (const chunk of gunzip) {
      const lines = (rest + decoder.write(chunk as Buffer)).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') yield csvRow(line, manifest.columns);
    }
  } catch (err) {
    if (err instanceof FormatError) throw err;
    throw new FormatError(`${uri}: not a gzip CSV file (${(err as Error).message})`, { code: 'BAD_INVENTORY', uri });
  }
  rest += decoder.end();
  if (rest.trim() !== '') yield csvRow(rest, manifest.columns);
}

/** The columns `rowObject` reads (normalized names); the others are not decoded. */
const WANTED = new Set(['bucket', 'key', 'size', 'etag', 'lastmodifieddate', 'islatest', 'isdeletemarker']);

// hyparquet decodes SNAPPY itself; GZIP (which S3 Inventory may use) comes from zlib.
const compressors = { GZIP: (input: Uint8Array) => new Uint8Array(gunzipSync(input)) };

/** The rows of one Parquet data file, one row group decoded at a time; column names normalized. */
async function* parquetRows(bytes: Buffer, uri: string): AsyncGenerator<InventoryRow> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  let metadata: ReturnType<typeof parquetMetadata>;
  try {
    metadata = parquetMetadata(file);
  } catch (err) {
    throw new FormatError(`${uri}: not a Parquet file (${(err as Error).message})`, { code: 'BAD_INVENTORY', uri });
  }
  const names = new Map(metadata.schema.slice(1).map((el) => [el.name, normalizeColumn(el.name)] as const));
  const columns = [...names].filter(([, norm]) => WANTED.has(norm)).map(([name]) => name);
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await parquetReadObjects({ file, metadata, columns, rowStart, rowEnd, compressors }).catch(
      (err: unknown) => {
        throw new FormatError(`${uri}: unreadable Parquet (${(err as Error).message})`, { code: 'BAD_INVENTORY', uri });
      },
    );
    for (const row of rows) {
      const out: InventoryRow = {};
      for (const [name, cell] of Object.entries(row)) out[names.get(name) ?? name] = cell;
      yield out;
    }
    rowStart = rowEnd;
  }
}

/** The rows of one ORC data file, one stripe decoded at a time; field names normalized. */
function* orcRows(bytes: Buffer, uri: string): Generator<InventoryRow> {
  try {
    for (const row of readOrc(bytes, (field) => WANTED.has(normalizeColumn(field)))) {
      const out: InventoryRow = {};
      for (const [name, cell] of Object.entries(row)) out[normalizeColumn(name)] = cell;
      yield out;
    }
  } catch (err) {
    if (!(err instanceof FormatError)) throw err;
    throw new FormatError(`${uri}: ${err.message}`, { code: 'BAD_INVENTORY', uri, cause: err });
  }
}
