import { presentBits, readColumn } from './columns.ts';
import { readStripeFooter, readTail } from './metadata.ts';
import { orcError } from './protobuf.ts';

/** One row of an ORC file: the root struct's fields by name. */
export type OrcRow = Record<string, unknown>;

const STRUCT = 12;

/**
 * Pure: the rows of an ORC file whose root type is a struct (as S3 Inventory writes it), one stripe decoded at a
 * time, with only the fields `wanted` accepts decoded. Cells: booleans, bigints (integer kinds), strings, Dates
 * (timestamps, to the millisecond), `null` for missing. Reads ZLIB and uncompressed files; integer RLE v1 and v2,
 * direct and dictionary strings.
 *
 * @throws FormatError (code `BAD_ORC`) for malformed bytes, another codec, or a wanted field of a type not decoded.
 */
export function* readOrc(file: Uint8Array, wanted: (field: string) => boolean = () => true): Generator<OrcRow> {
  const tail = readTail(file);
  const root = tail.types[0];
  if (root === undefined || root.kind !== STRUCT) throw orcError('the root type is not a struct');
  const fields = root.fieldNames
    .map((name, i) => ({ name, column: root.subtypes[i] as number }))
    .filter((f) => wanted(f.name));
  for (const stripe of tail.stripes) {
    const footer = readStripeFooter(file, stripe, tail.compression);
    // A null root struct (S3 writes none) has no cells in its fields: those rows are left out.
    const present = presentBits(footer, tail.compression, 0, stripe.rows);
    const rows = present === undefined ? stripe.rows : present.reduce((n, bit) => n + bit, 0);
    const columns = fields.map((f) => {
      const type = tail.types[f.column];
      if (type === undefined) throw orcError(`field ${f.name} names column ${f.column}, not in the schema`);
      return readColumn(footer, tail.compression, f.column, type, rows);
    });
    for (let r = 0; r < rows; r++) {
      const row: OrcRow = {};
      fields.forEach((f, i) => {
        row[f.name] = columns[i]?.[r];
      });
      yield row;
    }
  }
}
