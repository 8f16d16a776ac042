import { execFileSync, spawnSync } from 'node:child_process';
import { parquetMetadata } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { FormatError } from './errors.ts';
import { encodeParquet, type ParquetColumn, readParquet } from './parquet.ts';

// The shape of a shard's metadata file: what the output writers store per image.
const metadata: ParquetColumn[] = [
  { name: 'uri', type: 'string', data: ['s3://b/a.jpg', 's3://b/b.png', 's3://b/ü €.webp'], nullable: false },
  { name: 'width', type: 'int32', data: new Int32Array([640, 1, 4096]) },
  { name: 'height', type: 'int32', data: [480, null, 2160] },
  { name: 'bytes', type: 'int64', data: new BigInt64Array([123n, 9_007_199_254_740_993n, 0n]) },
  { name: 'score', type: 'float32', data: new Float32Array([0.5, 0.25, 1]) },
  { name: 'similarity', type: 'float64', data: [0.1, null, -0.3] },
  { name: 'ok', type: 'boolean', data: [true, false, null] },
  { name: 'labels', type: 'list<string>', data: [['doctor', 'teacher'], [], null] },
  { name: 'scores', type: 'list<float32>', data: [new Float32Array([0.75, 0.125]), [], null] },
  { name: 'error', type: 'string', data: [null, 'ImageInputError: truncated', null] },
];

// pandas and pyarrow are not on the project's machines; where they are, prove the files are what they read.
const hasPyarrow = spawnSync('python3', ['-c', 'import pandas, pyarrow']).status === 0;
if (!hasPyarrow) console.warn('skipping the pandas read-back: python3 has no pandas + pyarrow');

describe('parquet', () => {
  it('round-trips strings, ints, floats, booleans and list columns, nulls included', async () => {
    const rows = await readParquet(encodeParquet(metadata));
    expect(rows).toEqual([
      {
        uri: 's3://b/a.jpg',
        width: 640,
        height: 480,
        bytes: 123n,
        score: 0.5,
        similarity: 0.1,
        ok: true,
        labels: ['doctor', 'teacher'],
        scores: [0.75, 0.125],
        error: null,
      },
      {
        uri: 's3://b/b.png',
        width: 1,
        height: null,
        bytes: 9_007_199_254_740_993n,
        score: 0.25,
        similarity: null,
        ok: false,
        labels: [],
        scores: [],
        error: 'ImageInputError: truncated',
      },
      {
        uri: 's3://b/ü €.webp',
        width: 4096,
        height: 2160,
        bytes: 0n,
        score: 1,
        similarity: -0.3,
        ok: null,
        labels: null,
        scores: null,
        error: null,
      },
    ]);
  });

  it('writes the standard three-level LIST layout and stable nullability', () => {
    const { schema, num_rows } = parquetMetadata(encodeParquet(metadata).buffer as ArrayBuffer);
    expect(num_rows).toBe(3n);
    const byName = (name: string) => schema.filter((e) => e.name === name);
    expect(byName('labels')[0]).toMatchObject({ converted_type: 'LIST', repetition_type: 'OPTIONAL', num_children: 1 });
    expect(byName('list')).toHaveLength(2);
    expect(byName('list')[0]).toMatchObject({ repetition_type: 'REPEATED', num_children: 1 });
    expect(byName('element')[0]).toMatchObject({
      type: 'BYTE_ARRAY',
      converted_type: 'UTF8',
      repetition_type: 'REQUIRED',
    });
    expect(byName('element')[1]).toMatchObject({ type: 'FLOAT', repetition_type: 'REQUIRED' });
    expect(byName('uri')[0]).toMatchObject({ repetition_type: 'REQUIRED' });
    // A column without nulls in this file is still OPTIONAL, so every shard's file has the same schema.
    expect(byName('width')[0]).toMatchObject({ type: 'INT32', repetition_type: 'OPTIONAL' });
  });

  it('writes and reads an empty table, and reads selected columns', async () => {
    const empty = metadata.map((c) => ({ ...c, data: [] }) as ParquetColumn);
    expect(await readParquet(encodeParquet(empty))).toEqual([]);
    expect(await readParquet(encodeParquet(metadata), ['uri', 'labels'])).toEqual([
      { uri: 's3://b/a.jpg', labels: ['doctor', 'teacher'] },
      { uri: 's3://b/b.png', labels: [] },
      { uri: 's3://b/ü €.webp', labels: null },
    ]);
  });

  it('round-trips thousands of rows across row groups', async () => {
    const n = 2_500;
    const rows = await readParquet(
      encodeParquet([
        { name: 'i', type: 'int32', data: Int32Array.from({ length: n }, (_, i) => i) },
        { name: 'labels', type: 'list<string>', data: Array.from({ length: n }, (_, i) => [`l${i % 7}`, `m${i}`]) },
      ]),
    );
    expect(rows).toHaveLength(n);
    expect(rows[2_499]).toEqual({ i: 2_499, labels: ['l0', 'm2499'] });
  });

  it('refuses ragged or duplicate columns, nulls in required columns, and bytes that are not parquet', async () => {
    expect(() =>
      encodeParquet([
        { name: 'a', type: 'int32', data: [1, 2] },
        { name: 'b', type: 'int32', data: [1] },
      ]),
    ).toThrow(/"b" has 1 rows, expected 2/);
    expect(() =>
      encodeParquet([
        { name: 'a', type: 'int32', data: [1] },
        { name: 'a', type: 'string', data: ['x'] },
      ]),
    ).toThrow(/duplicate parquet column "a"/);
    expect(() => encodeParquet([{ name: 'a', type: 'string', data: ['x', null], nullable: false }])).toThrow(
      FormatError,
    );
    await expect(readParquet(Buffer.from('PAR1 definitely not parquet PAR1'))).rejects.toThrow(FormatError);
  });

  // pandas/pyarrow are not installed on the CI machines (and the registry for them is out of reach there); where they
  // are, this proves the "pandas reads it as is" promise. hyparquet (the reader above) covers the format everywhere.
  it.skipIf(!hasPyarrow)('is read by pandas (pyarrow), list columns and nulls included', () => {
    const out = execFileSync(
      'python3',
      [
        '-c',
        'import sys, io, pandas as pd; df = pd.read_parquet(io.BytesIO(sys.stdin.buffer.read())); ' +
          'print(df.dtypes.astype(str).to_dict()); print(df.to_json(orient="records"))',
      ],
      { input: encodeParquet(metadata), encoding: 'utf8' },
    );
    const [dtypes, records] = out.trim().split('\n');
    expect(dtypes).toContain("'width': 'int32'");
    expect(JSON.parse(records ?? '[]')).toEqual([
      expect.objectContaining({
        uri: 's3://b/a.jpg',
        labels: ['doctor', 'teacher'],
        scores: [0.75, 0.125],
        error: null,
      }),
      expect.objectContaining({ uri: 's3://b/b.png', labels: [], height: null, error: 'ImageInputError: truncated' }),
      expect.objectContaining({ uri: 's3://b/ü €.webp', labels: null, scores: null, bytes: 0 }),
    ]);
  });
});
