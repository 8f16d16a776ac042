import { parquetReadObjects } from 'hyparquet';
import { type ColumnSource, parquetWriteBuffer, type SchemaElement } from 'hyparquet-writer';
import { FormatError } from './errors.ts';

type Cells<T> = readonly (T | null)[];

/**
 * One column to write. Scalar columns take arrays (or typed arrays) of values, `null` for missing; list columns take
 * one array per row (`null` for a missing list). Columns are nullable unless `nullable: false`, so files of different
 * shards share one schema whether or not a shard happened to have a null.
 */
export type ParquetColumn = { name: string; nullable?: boolean } & (
  | { type: 'string'; data: Cells<string> }
  | { type: 'int32'; data: Int32Array | Cells<number> }
  | { type: 'int64'; data: BigInt64Array | Cells<bigint> }
  | { type: 'float32'; data: Float32Array | Cells<number> }
  | { type: 'float64'; data: Float64Array | Cells<number> }
  | { type: 'boolean'; data: Cells<boolean> }
  | { type: 'list<string>'; data: Cells<readonly string[]> }
  | { type: 'list<float32>'; data: Cells<readonly number[] | Float32Array> }
);

/** A row as {@link readParquet} returns it: INT64 cells are `bigint`, list cells arrays, missing cells `null`. */
export type ParquetRow = Record<string, unknown>;

type Leaf = Pick<SchemaElement, 'type' | 'converted_type'>;

const LEAVES: Record<Exclude<ParquetColumn['type'], `list<${string}>`>, Leaf> = {
  string: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
  int32: { type: 'INT32' },
  int64: { type: 'INT64' },
  float32: { type: 'FLOAT' },
  float64: { type: 'DOUBLE' },
  boolean: { type: 'BOOLEAN' },
};

/**
 * The schema elements of one column. Lists use the standard three-level LIST layout
 * (`<name> (LIST) / repeated group list / element`) that Arrow, pandas and Spark write and read.
 */
function columnSchema(col: ParquetColumn): SchemaElement[] {
  const repetition_type = col.nullable === false ? 'REQUIRED' : 'OPTIONAL';
  if (col.type === 'list<string>' || col.type === 'list<float32>') {
    const element = col.type === 'list<string>' ? LEAVES.string : LEAVES.float32;
    return [
      { name: col.name, repetition_type, converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', repetition_type: 'REQUIRED', ...element },
    ];
  }
  return [{ name: col.name, repetition_type, ...LEAVES[col.type] }];
}

/**
 * Encodes columns as one Parquet file (SNAPPY-compressed, statistics on) with `hyparquet-writer`.
 *
 * @throws FormatError when columns differ in length, names repeat, or a non-nullable column holds a null.
 */
export function encodeParquet(columns: readonly ParquetColumn[]): Buffer {
  const rows = columns[0]?.data.length ?? 0;
  const names = new Set<string>();
  for (const col of columns) {
    if (col.data.length !== rows) {
      throw new FormatError(`parquet column "${col.name}" has ${col.data.length} rows, expected ${rows}`, {
        code: 'BAD_COLUMNS',
      });
    }
    if (names.has(col.name)) throw new FormatError(`duplicate parquet column "${col.name}"`, { code: 'BAD_COLUMNS' });
    names.add(col.name);
  }
  const schema: SchemaElement[] = [{ name: 'root', num_children: columns.length }, ...columns.flatMap(columnSchema)];
  try {
    const out = parquetWriteBuffer({
      schema,
      columnData: columns.map((col) => ({
        name: col.name,
        // The writer only reads `data` (its type is merely not readonly); its nested encoder walks plain arrays.
        data: (col.type === 'list<float32>'
          ? col.data.map((v) => (v === null ? null : Array.from(v)))
          : col.data) as ColumnSource['data'],
      })),
    });
    return Buffer.from(out);
  } catch (err) {
    throw new FormatError(`cannot encode parquet: ${(err as Error).message}`, { code: 'BAD_COLUMNS', cause: err });
  }
}

/**
 * Reads a whole Parquet file into row objects with `hyparquet`.
 *
 * @param columns read only these columns.
 * @throws FormatError when the bytes are not a readable Parquet file.
 */
export async function readParquet(buf: Uint8Array, columns?: string[]): Promise<ParquetRow[]> {
  const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  try {
    return await parquetReadObjects(columns ? { file, columns } : { file });
  } catch (err) {
    throw new FormatError(`cannot read parquet: ${(err as Error).message}`, { code: 'BAD_PARQUET', cause: err });
  }
}
