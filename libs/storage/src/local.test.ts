import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { NotFoundError, PermanentStorageError } from './errors.ts';
import { LocalStorage } from './local.ts';
import type { ObjectInfo } from './types.ts';

const root = mkdtempSync(path.join(tmpdir(), 'local-storage-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const disk = new LocalStorage();

async function collect(items: AsyncIterable<ObjectInfo>): Promise<string[]> {
  const out: string[] = [];
  for await (const item of items) out.push(item.uri);
  return out;
}

/** Every file under `dir`, recursively, temp files included. */
function allFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath, d.name));
}

describe('LocalStorage get/head/put', () => {
  it('round-trips bytes and strings, creating directories, with head reporting size and mtime', async () => {
    const file = path.join(root, 'rt/deep/er/a.bin');
    const bytes = Buffer.from([0, 1, 2, 255]);
    await disk.put(file, bytes);
    expect(await disk.get(file)).toEqual(bytes);
    const info = await disk.head(file);
    expect(info).toMatchObject({ uri: file, size: 4 });
    expect(info?.mtime).toBeInstanceOf(Date);
    await disk.put(pathToFileURL(path.join(root, 'rt/é t.txt')).href, 'héllo');
    expect((await disk.get(path.join(root, 'rt/é t.txt'))).toString()).toBe('héllo');
  });

  it('reports a missing file as NotFoundError from get and null from head', async () => {
    const missing = path.join(root, 'nope/missing.jpg');
    expect(await disk.head(missing)).toBeNull();
    const err = await disk.get(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).toBeInstanceOf(PermanentStorageError);
    expect(err).toMatchObject({ code: 'ENOENT', uri: missing, retryable: false });
    expect((err as Error).message).toContain(missing);
  });

  it('refuses files above maxBytes without reading them', async () => {
    const file = path.join(root, 'big.bin');
    await disk.put(file, Buffer.alloc(1000));
    await expect(disk.get(file, { maxBytes: 999 })).rejects.toMatchObject({ code: 'TOO_LARGE', retryable: false });
    expect((await disk.get(file, { maxBytes: 1000 })).length).toBe(1000);
  });

  it('never lets a reader see a partial file, and leaves no temp files', async () => {
    const dir = path.join(root, 'atomic');
    const file = path.join(dir, 'img_emb_0001.npy');
    const size = 4 * 1024 * 1024;
    const versions = [1, 2, 3, 4].map((v) => Buffer.alloc(size, v));
    await disk.put(file, versions[0] as Buffer);
    let writing = true;
    let reads = 0;
    let torn = 0;
    const reader = (async () => {
      while (writing) {
        const read = await disk.get(file);
        reads++;
        // Whole versions only: a torn read would mix versions or come up short.
        if (!versions.some((v) => v.equals(read))) torn++;
      }
    })();
    for (const version of versions.slice(1)) await disk.put(file, version);
    writing = false;
    await reader;
    expect(reads).toBeGreaterThan(0);
    expect(torn).toBe(0);
    // Compare with Buffer.equals: a deep toEqual over megabytes is very slow.
    expect((await disk.get(file)).equals(versions[3] as Buffer)).toBe(true);
    expect(allFiles(dir)).toEqual([file]);
  });

  it('cleans up its temp file when the final rename fails', async () => {
    const dir = path.join(root, 'fails');
    mkdirSync(path.join(dir, 'taken.parquet'), { recursive: true });
    const err = await disk.put(path.join(dir, 'taken.parquet'), 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentStorageError);
    expect((err as PermanentStorageError).code).toMatch(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(allFiles(dir)).toEqual([]);
  });
});

describe('LocalStorage list', () => {
  const tree = path.join(root, 'tree');
  const names = [
    'a.jpg',
    'a-c.jpg',
    'a/b.jpg',
    'a/z/deep.png',
    'B.jpg',
    'ü.jpg',
    'ab/x.gif',
    'img1.png',
    'img10/x.png',
  ];
  for (const name of names) {
    mkdirSync(path.dirname(path.join(tree, name)), { recursive: true });
    writeFileSync(path.join(tree, name), name);
  }
  // An in-flight atomic write, a symlinked file (listed) and a symlinked directory (not followed: no cycles).
  writeFileSync(path.join(tree, '.a.jpg.0123456789abcdef.tmp'), 'partial');
  symlinkSync(path.join(tree, 'a.jpg'), path.join(tree, 'link.jpg'));
  symlinkSync(tree, path.join(tree, 'loop'));
  const bytewise = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));
  const expected = [...names, 'link.jpg'].map((n) => path.join(tree, n)).sort(bytewise);

  it('walks a directory tree in bytewise key order, as S3 lists, skipping temp files and symlinked dirs', async () => {
    expect(await collect(disk.list(tree))).toEqual(expected);
    expect(await collect(disk.list(`${tree}/`))).toEqual(expected);
    expect(await collect(disk.list(pathToFileURL(tree).href))).toEqual(expected);
  });

  it('treats prefixes as key prefixes, like S3: only a trailing slash means a directory', async () => {
    expect(await collect(disk.list(path.join(tree, 'a')))).toEqual(
      ['a-c.jpg', 'a.jpg', 'a/b.jpg', 'a/z/deep.png', 'ab/x.gif'].map((n) => path.join(tree, n)),
    );
    expect(await collect(disk.list(path.join(tree, 'img1')))).toEqual([
      path.join(tree, 'img1.png'),
      path.join(tree, 'img10/x.png'),
    ]);
    expect(await collect(disk.list(path.join(tree, 'a/')))).toEqual([
      path.join(tree, 'a/b.jpg'),
      path.join(tree, 'a/z/deep.png'),
    ]);
    expect(await collect(disk.list(path.join(tree, 'nothing-here/')))).toEqual([]);
  });

  it('resumes after a given URI, and reports sizes', async () => {
    const after = path.join(tree, 'a/b.jpg');
    expect(await collect(disk.list(tree, { startAfter: after }))).toEqual(
      expected.filter((p) => bytewise(p, after) > 0),
    );
    for await (const item of disk.list(path.join(tree, 'ab/'))) {
      expect(item).toMatchObject({ uri: path.join(tree, 'ab/x.gif'), size: 'ab/x.gif'.length });
    }
  });
});
