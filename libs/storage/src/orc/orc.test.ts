import { readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../errors.ts';
import { compressionOf, decompress } from './compression.ts';
import { readOrc } from './index.ts';
import { readTail } from './metadata.ts';
import { booleanRle, byteRle, intRleV1, intRleV2 } from './rle.ts';

/*
The ORC files in tests/fixtures/orc and the rows they hold (inventory.json) were written once by pyarrow 25 (ORC
C++ 2.2.2); the tests never run Python. To regenerate, run this program from the repository root with a Python
that has pyarrow, then `npx biome format --write tests/fixtures/orc/inventory.json`. Their 300 rows have nulls in
every column but bucket, repeated and ascending values and one 5 TB size (so all four RLE v2 sub-encodings occur),
sub-second and pre-1970 timestamps.

    import datetime as dt, json, pyarrow as pa, pyarrow.orc as orc
    utc, d = dt.timezone.utc, 'tests/fixtures/orc/'
    def row(i):
        t = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=utc) + dt.timedelta(seconds=i * 3601, microseconds=i * 123457 % 10**6 if i % 4 else 0)
        return dict(bucket='src', key=None if i % 97 == 5 else f'photos/{i % 40:03d}/img {i}.jpg',
            version_id=None if i % 3 else f'v{i % 7}', is_latest=None if i % 50 == 7 else i % 11 != 3,
            is_delete_marker=i % 29 == 4,
            size=None if i % 61 == 9 else i * 37 if i < 150 else 5 * 10**12 if i == 200 else 10_000 + i % 13,
            last_modified_date=None if i % 43 == 8 else dt.datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=utc) if i == 1 else t,
            e_tag=f'"{i * 2654435761 % 2**32:08x}"' if i % 5 else '"d41d8cd98f00b204e9800998ecf8427e"',
            storage_class='STANDARD' if i % 9 else 'GLACIER')
    rows = [row(i) for i in range(300)]
    s, ts = pa.string(), pa.timestamp('ms', tz='UTC')
    schema = pa.schema([('bucket', s), ('key', s), ('version_id', s), ('is_latest', pa.bool_()), ('is_delete_marker', pa.bool_()),
        ('size', pa.int64()), ('last_modified_date', ts), ('e_tag', s), ('storage_class', s)])
    t = pa.Table.from_pylist(rows, schema=schema)
    # Threshold 1: every string column DICTIONARY_V2; 0: DIRECT_V2. Small stripes and batches: 5 stripes.
    orc.write_table(t, d + 'inventory-zlib-dictionary.orc', compression='zlib', stripe_size=1024, batch_size=64,
        dictionary_key_size_threshold=1)
    # S3's own type is a plain timestamp: written naive here (writer zone GMT), as a UTC instant above.
    naive = t.set_column(6, 'last_modified_date', t.column(6).cast(pa.timestamp('ms')))
    orc.write_table(naive, d + 'inventory-none-direct.orc', compression='uncompressed', dictionary_key_size_threshold=0)
    cell = lambda k, v: v.isoformat(timespec='milliseconds')[:-6] + 'Z' if isinstance(v, dt.datetime) else str(v) if k == 'size' and v is not None else v
    open(d + 'inventory.json', 'w').write('[\n' + ',\n'.join(json.dumps({k: cell(k, v) for k, v in r.items()}) for r in rows) + '\n]\n')
*/
const FIXTURES = new URL('../../../../tests/fixtures/orc/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES));
const EXPECTED: Record<string, string | boolean | null>[] = JSON.parse(fixture('inventory.json').toString('utf8'));

describe('ORC run-length encodings (the spec’s examples)', () => {
  it('byte and boolean RLE: runs and literals', () => {
    expect(byteRle(Uint8Array.of(0x61, 0x00), 100)).toEqual(new Uint8Array(100));
    expect(byteRle(Uint8Array.of(0xfe, 0x44, 0x45), 2)).toEqual(Uint8Array.of(0x44, 0x45));
    expect(booleanRle(Uint8Array.of(0xff, 0xa1), 8)).toEqual(Uint8Array.of(1, 0, 1, 0, 0, 0, 0, 1));
    expect(() => byteRle(Uint8Array.of(0xfd, 0x01), 3)).toThrow(FormatError);
  });

  it('integer RLE v1: a run with a delta, and literal varints, zigzag when signed', () => {
    expect(intRleV1(Uint8Array.of(0x61, 0x00, 0x07), 100, false)).toEqual(Array(100).fill(7n));
    expect(intRleV1(Uint8Array.of(0x61, 0xff, 0x64), 100, false)).toEqual(
      Array.from({ length: 100 }, (_, i) => BigInt(100 - i)),
    );
    expect(intRleV1(Uint8Array.of(0xfb, 0x02, 0x03, 0x06, 0x07, 0x0b), 5, false)).toEqual([2n, 3n, 6n, 7n, 11n]);
    expect(intRleV1(Uint8Array.of(0xfe, 0x01, 0x04), 2, true)).toEqual([-1n, 2n]);
  });

  it('integer RLE v2: short repeat, direct, patched base and delta', () => {
    expect(intRleV2(Uint8Array.of(0x0a, 0x27, 0x10), 5, false)).toEqual(Array(5).fill(10000n));
    const direct = Uint8Array.of(0x5e, 0x03, 0x5c, 0xa1, 0xab, 0x1e, 0xde, 0xad, 0xbe, 0xef);
    expect(intRleV2(direct, 4, false)).toEqual([23713n, 43806n, 57005n, 48879n]);
    const patched = [0x8e, 0x13, 0x2b, 0x21, 0x07, 0xd0, 0x1e, 0x00, 0x14, 0x70, 0x28, 0x32, 0x3c, 0x46, 0x50, 0x5a];
    patched.push(0x64, 0x6e, 0x78, 0x82, 0x8c, 0x96, 0xa0, 0xaa, 0xb4, 0xbe, 0xfc, 0xe8);
    const values = [2030, 2000, 2020, 1000000, 2040, 2050, 2060, 2070, 2080, 2090, 2100, 2110, 2120, 2130, 2140];
    values.push(2150, 2160, 2170, 2180, 2190);
    expect(intRleV2(Uint8Array.from(patched), 20, false)).toEqual(values.map(BigInt));
    const delta = Uint8Array.of(0xc6, 0x09, 0x02, 0x02, 0x22, 0x42, 0x42, 0x46);
    expect(intRleV2(delta, 10, false)).toEqual([2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n]);
  });

  it('integer RLE v2: signed runs, a fixed negative delta and 64-bit values', () => {
    expect(intRleV2(Uint8Array.of(0x00, 0x01), 3, true)).toEqual([-1n, -1n, -1n]);
    expect(intRleV2(Uint8Array.of(0xc0, 0x03, 0x14, 0x03), 4, true)).toEqual([10n, 8n, 6n, 4n]);
    const max = Uint8Array.of(0x7e, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);
    expect(intRleV2(max, 1, false)).toEqual([2n ** 64n - 1n]);
    expect(intRleV2(max, 1, true)).toEqual([-(2n ** 63n)]);
    expect(() => intRleV2(Uint8Array.of(0x5e, 0x03, 0x5c), 4, false)).toThrow(FormatError);
  });
});

describe('ORC compression', () => {
  it('joins ZLIB chunks and chunks stored as is', () => {
    const header = (length: number, original: boolean) => {
      const v = length * 2 + (original ? 1 : 0);
      return Uint8Array.of(v & 0xff, (v >> 8) & 0xff, v >> 16);
    };
    const deflated = deflateRawSync('hello, ');
    const stream = Buffer.concat([header(deflated.length, false), deflated, header(5, true), Buffer.from('world')]);
    expect(Buffer.from(decompress(stream, { codec: 'ZLIB', blockSize: 1024 })).toString()).toBe('hello, world');
    expect(() =>
      decompress(Buffer.concat([header(9, false), Buffer.alloc(9, 0xff)]), { codec: 'ZLIB', blockSize: 1024 }),
    ).toThrow(/bad ZLIB chunk/);
  });

  it('refuses the codecs it does not decode, by name', () => {
    expect(() => compressionOf(2, 1024)).toThrow('SNAPPY compression is not supported (ZLIB and NONE are)');
    expect(() => compressionOf(5, 1024)).toThrow(FormatError);
  });
});

describe('readOrc', () => {
  const cells = (row: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(row).map(([k, v]) => [
        k,
        v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? String(v) : v,
      ]),
    );

  for (const name of ['inventory-zlib-dictionary.orc', 'inventory-none-direct.orc']) {
    it(`reads every row of ${name} as pyarrow wrote it`, () => {
      expect([...readOrc(fixture(name))].map(cells)).toEqual(EXPECTED);
    });
  }

  it('decodes one stripe at a time, only the fields asked for', () => {
    const file = fixture('inventory-zlib-dictionary.orc');
    expect(readTail(file).stripes.length).toBe(5);
    const rows = readOrc(file, (field) => field === 'size');
    expect(rows.next().value).toEqual({ size: 0n });
    expect([...rows].length).toBe(299);
  });

  it('refuses bytes that are not a whole ORC file', () => {
    const file = fixture('inventory-zlib-dictionary.orc');
    expect(() => [...readOrc(file.subarray(0, file.length - 20))]).toThrow(FormatError);
    expect(() => [...readOrc(Buffer.from('PAR1 not orc'))]).toThrow('no ORC magic at the start');
  });
});
