import { FormatError } from './errors.ts';

/** The formats S3 Inventory writes its data files in. */
export type InventoryFormat = 'CSV' | 'ORC' | 'Parquet';

/** One data file of an inventory report, as `manifest.json` lists it. */
export interface InventoryFile {
  /** Key of the data file in the bucket the report was delivered to. */
  key: string;
  size: number;
  /** MD5 of the file's bytes, hex. */
  md5: string;
}

/** The parts of an S3 Inventory `manifest.json` a source needs. */
export interface InventoryManifest {
  /** Bucket the listed objects live in. */
  sourceBucket: string;
  fileFormat: InventoryFormat;
  /**
   * Column names: for CSV the order of the (header-less) columns, e.g. `Bucket, Key, Size, LastModifiedDate, ETag`;
   * for Parquet and ORC S3 writes a schema string here, and the files carry their own column names.
   */
  columns: string[];
  files: InventoryFile[];
}

/** Whether a source names an S3 Inventory report: its `manifest.json` (local or on S3). */
export function isInventoryManifestName(source: string): boolean {
  return /(^|\/)manifest\.json$/.test(source);
}

const FORMATS: Record<string, InventoryFormat> = { csv: 'CSV', orc: 'ORC', parquet: 'Parquet' };

/**
 * Pure: the parsed text of an S3 Inventory `manifest.json` (see "Locating your inventory list" in the S3 user guide)
 * as the parts this project reads, every problem named at once.
 *
 * @throws FormatError (code `BAD_INVENTORY`) when the text is not an inventory manifest.
 */
export function parseInventoryManifest(text: string, uri: string): InventoryManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badInventory(uri, [`not JSON (${(err as Error).message})`]);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badInventory(uri, ['not a JSON object']);
  }
  const v = value as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof v.sourceBucket !== 'string' || v.sourceBucket === '')
    problems.push('"sourceBucket" must be a bucket name');
  const format = typeof v.fileFormat === 'string' ? FORMATS[v.fileFormat.toLowerCase()] : undefined;
  if (format === undefined) problems.push('"fileFormat" must be CSV, ORC or Parquet');
  if (typeof v.fileSchema !== 'string' || v.fileSchema.trim() === '') problems.push('"fileSchema" must be a string');
  const files: InventoryFile[] = [];
  if (!Array.isArray(v.files)) problems.push('"files" must be an array of { key, size, MD5checksum }');
  else {
    v.files.forEach((f: unknown, i) => {
      const file = (typeof f === 'object' && f !== null ? f : {}) as Record<string, unknown>;
      const size = typeof file.size === 'string' ? Number(file.size) : file.size;
      if (typeof file.key !== 'string' || file.key === '') problems.push(`files[${i}].key must be a string`);
      else if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
        problems.push(`files[${i}].size must be a byte count`);
      } else if (typeof file.MD5checksum !== 'string' || !/^[0-9a-f]{32}$/i.test(file.MD5checksum)) {
        problems.push(`files[${i}].MD5checksum must be an MD5 in hex`);
      } else files.push({ key: file.key, size, md5: file.MD5checksum.toLowerCase() });
    });
  }
  if (problems.length > 0 || format === undefined) throw badInventory(uri, problems);
  const schema = v.fileSchema as string;
  const columns = format === 'CSV' ? schema.split(',').map((c) => c.trim()) : [];
  if (format === 'CSV' && !columns.some((c) => normalizeColumn(c) === 'key')) {
    throw badInventory(uri, [`"fileSchema" has no Key column: ${schema}`]);
  }
  return { sourceBucket: v.sourceBucket as string, fileFormat: format, columns, files };
}

/**
 * Pure: one spelling for a column however the format names it: CSV's `LastModifiedDate` and Parquet's
 * `last_modified_date` both become `lastmodifieddate`.
 */
export function normalizeColumn(name: string): string {
  return name.toLowerCase().replaceAll('_', '');
}

/** A FormatError naming the manifest and everything wrong with it. */
export function badInventory(uri: string, problems: string[]): FormatError {
  return new FormatError(`${uri} is not a usable S3 Inventory manifest: ${problems.join('; ')}`, {
    code: 'BAD_INVENTORY',
    uri,
  });
}
