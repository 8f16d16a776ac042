import { FormatError } from './errors.ts';
import { normalizeColumn } from './inventory-manifest.ts';
import type { ObjectInfo } from './types.ts';

/** One inventory row, by normalized column name (see `normalizeColumn`); cells as the format decoded them. */
export type InventoryRow = Record<string, unknown>;

/**
 * Pure: the fields of one CSV line as S3 Inventory writes them (every field in double quotes, `""` for a quote
 * inside; unquoted fields are accepted too). Keys are URL-encoded in CSV, so a line never holds a newline.
 *
 * @throws FormatError for an unterminated quote.
 */
export function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      let at = i + 1;
      for (;;) {
        const quote = line.indexOf('"', at);
        if (quote < 0) throw new FormatError(`unterminated quote in CSV line: ${line}`, { code: 'BAD_INVENTORY' });
        value += line.slice(at, quote);
        if (line[quote + 1] === '"') {
          value += '"';
          at = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      fields.push(value);
    } else {
      const comma = line.indexOf(',', i);
      fields.push(line.slice(i, comma < 0 ? line.length : comma));
      i = comma < 0 ? line.length : comma;
    }
    if (line[i] !== ',') return fields;
    i++;
  }
}

/** Pure: a CSV line as a row keyed by the manifest's column names (normalized). */
export function csvRow(line: string, columns: readonly string[]): InventoryRow {
  const fields = parseCsvLine(line);
  const row: InventoryRow = {};
  columns.forEach((name, i) => {
    row[normalizeColumn(name)] = fields[i];
  });
  return row;
}

/**
 * Pure: a key as S3 Inventory writes it in CSV (form URL-encoding: `+` for a space, `%2B` for a plus) back to the
 * key itself.
 *
 * @throws FormatError for a malformed escape.
 */
export function decodeCsvKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded.replaceAll('+', ' '));
  } catch {
    throw new FormatError(`inventory key is not URL-encoded: ${encoded}`, { code: 'BAD_INVENTORY' });
  }
}

function isTrue(cell: unknown): boolean {
  return cell === true || (typeof cell === 'string' && cell.toLowerCase() === 'true');
}

function toNumber(cell: unknown): number | undefined {
  if (typeof cell === 'bigint') return Number(cell);
  if (typeof cell === 'number') return cell;
  if (typeof cell === 'string' && cell !== '') {
    const n = Number(cell);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function toDate(cell: unknown): Date | undefined {
  if (cell instanceof Date) return cell;
  // Parquet's TIMESTAMP_MILLIS read as a plain integer.
  if (typeof cell === 'bigint' || typeof cell === 'number') return new Date(Number(cell));
  if (typeof cell === 'string' && cell !== '') {
    const ms = Date.parse(cell);
    return Number.isNaN(ms) ? undefined : new Date(ms);
  }
  return undefined;
}

/**
 * Pure: the object an inventory row describes, or null for a row that is not a current object (a delete marker, or
 * with versioning a version that is not the latest): exactly what a ListObjectsV2 of the bucket would have shown.
 * `csvKeys`: keys are URL-encoded (CSV) and are decoded.
 */
export function rowObject(row: InventoryRow, sourceBucket: string, csvKeys: boolean): ObjectInfo | null {
  if (isTrue(row.isdeletemarker)) return null;
  if (row.islatest !== undefined && row.islatest !== null && row.islatest !== '' && !isTrue(row.islatest)) return null;
  const raw = row.key;
  if (typeof raw !== 'string' || raw === '') return null;
  const bucket = typeof row.bucket === 'string' && row.bucket !== '' ? row.bucket : sourceBucket;
  const obj: ObjectInfo = { uri: `s3://${bucket}/${csvKeys ? decodeCsvKey(raw) : raw}`, size: toNumber(row.size) ?? 0 };
  if (typeof row.etag === 'string' && row.etag !== '') obj.etag = row.etag.replaceAll('"', '');
  const mtime = toDate(row.lastmodifieddate);
  if (mtime !== undefined) obj.mtime = mtime;
  return obj;
}
