import { describe, expect, it } from 'vitest';
import type { SourceObject } from './select.ts';
import { type PairingOptions, pairSidecars, sidecarExtOf, sidecarUri, stemOf } from './sidecars.ts';

const isImage = (uri: string) => /\.(jpe?g|png|webp|avif|bmp)$/i.test(uri);

/** Bytewise order, as S3 and the local listing yield keys. */
const sorted = (uris: string[]) => [...uris].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

async function pair(uris: string[], opts: Partial<PairingOptions> = {}) {
  const skipped: string[] = [];
  async function* listing(): AsyncGenerator<SourceObject> {
    for (const uri of uris) yield { uri, etag: `etag-of-${uri}` };
  }
  const out: [string, string | null][] = [];
  for await (const obj of pairSidecars(listing(), {
    isImage,
    ordered: true,
    onSkip: (o) => skipped.push(o.uri),
    ...opts,
  })) {
    out.push([obj.uri, obj.sidecar ? `${obj.sidecar.ext} ${obj.sidecar.etag}` : null]);
  }
  return { out, skipped };
}

describe('stems and sidecar names', () => {
  it('takes the extension of the last path segment only', () => {
    expect(stemOf('s3://b/a/0001.jpg')).toBe('s3://b/a/0001');
    expect(stemOf('/data/x.tar/0001')).toBeNull();
    expect(stemOf('/data/.hidden')).toBeNull();
    expect(stemOf('/data/a.b.jpg')).toBe('/data/a.b');
    expect(sidecarUri('s3://b/a/0001.jpg', 'txt')).toBe('s3://b/a/0001.txt');
    expect(sidecarUri('/d/a.b.png', 'json')).toBe('/d/a.b.json');
  });

  it('recognises exactly .txt and .json, as clip-retrieval globs them', () => {
    expect(['a.txt', 'a.json', 'a.TXT', 'a.jsonl', 'a.txt.gz', 'txt'].map(sidecarExtOf)).toEqual([
      'txt',
      'json',
      null,
      null,
      null,
      null,
    ]);
  });
});

describe('pairSidecars', () => {
  it("pairs img2dataset's layout: every image with its .txt (preferred) or .json, the parquet skipped", async () => {
    const { out, skipped } = await pair(
      sorted([
        'd/00000.parquet',
        'd/00000/000000000.jpg',
        'd/00000/000000000.json',
        'd/00000/000000000.txt',
        'd/00000/000000001.jpg',
        'd/00000/000000001.json',
        'd/00000/000000002.jpg',
      ]),
    );
    expect(out).toEqual([
      ['d/00000/000000000.jpg', 'txt etag-of-d/00000/000000000.txt'],
      ['d/00000/000000001.jpg', 'json etag-of-d/00000/000000001.json'],
      ['d/00000/000000002.jpg', null],
    ]);
    expect(skipped).toEqual(['d/00000.parquet']);
  });

  it('pairs a sidecar that sorts before its image, and keeps images in listing order', async () => {
    // "a.json" < "a.png" and "a.txt" < "a.webp": sidecars often come first in key order.
    const uris = sorted(['a.png', 'a.json', 'b.webp', 'b.txt', 'c.jpg', 'c.jpg.jpg', 'c.jpg.txt', 'c.txt']);
    const { out, skipped } = await pair(uris);
    expect(out).toEqual([
      ['a.png', 'json etag-of-a.json'],
      ['b.webp', 'txt etag-of-b.txt'],
      ['c.jpg', 'txt etag-of-c.txt'],
      ['c.jpg.jpg', 'txt etag-of-c.jpg.txt'],
    ]);
    expect(skipped).toEqual([]);
  });

  it('shares one sidecar among the images of a stem, and skips sidecars of no image', async () => {
    const { out, skipped } = await pair(sorted(['x.jpg', 'x.png', 'x.txt', 'y.txt', 'z.json', 'z.txt.jpg']));
    expect(out).toEqual([
      ['x.jpg', 'txt etag-of-x.txt'],
      ['x.png', 'txt etag-of-x.txt'],
      ['z.txt.jpg', null],
    ]);
    expect(skipped).toEqual(['y.txt', 'z.json']);
  });

  it('without sidecars yields exactly the images of the listing, in its order', async () => {
    const uris = sorted(['a.jpg', 'b.gif.txt', 'b.png', 'c/d.jpg', 'notes.md', 'z.webp']);
    const { out, skipped } = await pair(uris);
    expect(out).toEqual([
      ['a.jpg', null],
      ['b.png', null],
      ['c/d.jpg', null],
      ['z.webp', null],
    ]);
    expect(skipped).toEqual(['b.gif.txt', 'notes.md']);
  });

  it('in an unordered listing pairs within the window and no further', async () => {
    const uris = ['b.txt', 'a.jpg', 'c.jpg', 'b.jpg', 'a.txt', 'c.json', 'd.jpg', 'e.jpg', 'f.jpg', 'c.txt'];
    const { out, skipped } = await pair(uris, { ordered: false, window: 4 });
    expect(out).toEqual([
      ['a.jpg', 'txt etag-of-a.txt'],
      // c.txt arrives 7 objects after c.jpg: too late, so the .json captions it and c.txt is a stray.
      ['c.jpg', 'json etag-of-c.json'],
      ['b.jpg', 'txt etag-of-b.txt'],
      ['d.jpg', null],
      ['e.jpg', null],
      ['f.jpg', null],
    ]);
    expect(skipped).toEqual(['c.txt']);
  });

  it('bounds what waits in a sorted listing too: a stem beside a huge folder sharing its prefix', async () => {
    const folder = Array.from({ length: 50 }, (_, i) => `p.jpg.d/${String(i).padStart(3, '0')}.jpg`);
    const uris = sorted(['p.jpg', ...folder, 'p.txt']);
    let waiting = 0;
    let most = 0;
    async function* listing(): AsyncGenerator<SourceObject> {
      for (const uri of uris) {
        waiting++;
        most = Math.max(most, waiting);
        yield { uri };
      }
    }
    const out: string[] = [];
    for await (const obj of pairSidecars(listing(), { isImage, ordered: true, window: 8 })) {
      waiting--;
      out.push(obj.uri);
    }
    // In listing order; p.jpg waited 8 objects for p.txt, then went without it.
    expect(out).toEqual(uris.filter(isImage));
    expect(most).toBeLessThanOrEqual(9);
  });
});
