import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { encodeParquet, joinUri, parseUri, type StorageOptions, storageFor } from '@metaclip-batch/storage';

/** One row of a generated inventory. */
export interface InventoryEntry {
  key: string;
  size: number;
  etag: string;
  mtime: Date;
  /** With versioning: false for an older version (default true). */
  isLatest?: boolean;
  isDeleteMarker?: boolean;
}

/** What S3 writes for a CSV inventory with these optional fields, in its column order. */
const CSV_SCHEMA = 'Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, LastModifiedDate, ETag, StorageClass';

/** Form URL-encoding, as S3 Inventory writes keys in CSV (a space is `+`, a `/` is `%2F`). */
function formEncode(key: string): string {
  return new URLSearchParams({ k: key }).toString().slice(2);
}

function csvFile(bucket: string, rows: readonly InventoryEntry[]): Buffer {
  const q = (v: string) => `"${v.replaceAll('"', '""')}"`;
  const lines = rows.map((r) =>
    [
      bucket,
      formEncode(r.key),
      'v1',
      String(r.isLatest ?? true),
      String(r.isDeleteMarker ?? false),
      String(r.size),
      r.mtime.toISOString(),
      r.etag,
      'STANDARD',
    ]
      .map(q)
      .join(','),
  );
  return gzipSync(`${lines.join('\n')}\n`);
}

// S3 types last_modified_date as TIMESTAMP_MILLIS; the project's encoder writes the plain INT64 underneath.
function parquetFile(bucket: string, rows: readonly InventoryEntry[]): Buffer {
  return encodeParquet([
    { name: 'bucket', type: 'string', data: rows.map(() => bucket) },
    { name: 'key', type: 'string', data: rows.map((r) => r.key) },
    { name: 'version_id', type: 'string', data: rows.map(() => 'v1') },
    { name: 'is_latest', type: 'boolean', data: rows.map((r) => r.isLatest ?? true) },
    { name: 'is_delete_marker', type: 'boolean', data: rows.map((r) => r.isDeleteMarker ?? false) },
    { name: 'size', type: 'int64', data: rows.map((r) => BigInt(r.size)) },
    { name: 'last_modified_date', type: 'int64', data: rows.map((r) => BigInt(r.mtime.getTime())) },
    { name: 'e_tag', type: 'string', data: rows.map((r) => r.etag) },
  ]);
}

const PARQUET_SCHEMA =
  'message s3.inventory { required binary bucket (UTF8); required binary key (UTF8); optional binary version_id ' +
  '(UTF8); optional boolean is_latest; optional boolean is_delete_marker; optional int64 size; optional int64 ' +
  'last_modified_date (TIMESTAMP_MILLIS); optional binary e_tag (UTF8);}';

/**
 * S3's `fileSchema` for an ORC inventory with these fields: the columns of the ORC fixtures in tests/fixtures/orc
 * (see libs/storage/src/orc/orc.test.ts), which stand in for ORC data files since the project writes no ORC.
 */
const ORC_SCHEMA =
  'struct<bucket:string,key:string,version_id:string,is_latest:boolean,is_delete_marker:boolean,size:bigint,' +
  'last_modified_date:timestamp,e_tag:string,storage_class:string>';

const FORMATS = {
  CSV: { ext: 'csv.gz', schema: CSV_SCHEMA },
  Parquet: { ext: 'parquet', schema: PARQUET_SCHEMA },
  ORC: { ext: 'orc', schema: ORC_SCHEMA },
};

/**
 * Writes an S3 Inventory report under `destination` (an `s3://bucket/prefix/` or a local folder) in S3's layout:
 * `inventory/<sourceBucket>/<config>/<date>/manifest.json` and the data files under `.../<config>/data/`, their keys
 * in the manifest relative to the bucket as S3 writes them (to the folder for a local destination, a copy of the
 * bucket). `files` splits the rows over that many data files. Returns the
 * manifest's URI.
 */
export async function writeInventory(
  destination: string,
  opts: {
    sourceBucket: string;
    format: 'CSV' | 'Parquet';
    entries: readonly InventoryEntry[];
    files?: number;
    date?: string;
    storage?: StorageOptions;
  },
): Promise<string> {
  const count = opts.files ?? 1;
  const per = Math.ceil(opts.entries.length / count);
  const bodies = Array.from({ length: count }, (_, i) => {
    const rows = opts.entries.slice(i * per, (i + 1) * per);
    return opts.format === 'CSV' ? csvFile(opts.sourceBucket, rows) : parquetFile(opts.sourceBucket, rows);
  });
  return writeReport(destination, { ...opts, bodies });
}

/**
 * Writes a report of ready-made data files `bodies` (in `format`, e.g. ORC fixtures) as {@link writeInventory}
 * does. Returns the manifest's URI.
 */
export async function writeReport(
  destination: string,
  opts: {
    sourceBucket: string;
    format: keyof typeof FORMATS;
    bodies: readonly Buffer[];
    date?: string;
    storage?: StorageOptions;
  },
): Promise<string> {
  const store = storageFor(destination, opts.storage);
  const parsed = parseUri(destination);
  // Keys are the bucket's: a prefix of the destination is part of them.
  const [root, base] =
    parsed.scheme === 's3'
      ? [`s3://${parsed.bucket}/`, `${parsed.key}inventory/${opts.sourceBucket}/all`]
      : [destination, `inventory/${opts.sourceBucket}/all`];
  const date = opts.date ?? '2026-12-01T00-00Z';
  const { ext, schema } = FORMATS[opts.format];
  const files = [];
  for (const [i, body] of opts.bodies.entries()) {
    const key = `${base}/data/${date}-${String(i).padStart(4, '0')}.${ext}`;
    await store.put(joinUri(root, key), body);
    files.push({ key, size: body.byteLength, MD5checksum: createHash('md5').update(body).digest('hex') });
  }
  const manifest = {
    sourceBucket: opts.sourceBucket,
    destinationBucket: 'arn:aws:s3:::inventory-destination',
    version: '2016-11-30',
    creationTimestamp: '1764547200000',
    fileFormat: opts.format,
    fileSchema: schema,
    files,
  };
  const uri = joinUri(root, `${base}/${date}/manifest.json`);
  await store.put(uri, JSON.stringify(manifest, null, 2));
  return uri;
}
