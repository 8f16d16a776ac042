import { decodeBmpToRgb } from '@metaclip-batch/metaclip/image';
import { parseUri, type Storage } from '@metaclip-batch/storage';
import sharp, { type Sharp } from 'sharp';
import { SearchError } from './errors.ts';

/**
 * Pure: whether `uri` is inside a run's `source` (an S3 prefix, or a local folder), i.e. an object the run could have
 * listed. Keys compare as the producer lists them (S3: a key prefix; local: a path under the folder, after
 * resolving `..`), so a thumbnail request can never read outside what the run was given.
 */
export function isInsideSource(source: string, uri: string): boolean {
  const s = parseUri(source);
  const u = parseUri(uri);
  if (s.scheme === 's3' || u.scheme === 's3') {
    return s.scheme === 's3' && u.scheme === 's3' && s.bucket === u.bucket && u.key.startsWith(s.key);
  }
  if (s.path === u.path) return true; // a manifest-file source names itself only
  const folder = s.path.endsWith('/') ? s.path : `${s.path}/`;
  return u.path.startsWith(folder);
}

/** Options of {@link Thumbnails}. */
export interface ThumbnailOptions {
  /** Square side in pixels (cover crop). Default 224. */
  size?: number;
  /** Thumbnails kept in memory (least recently used leave first). Default 2,000 (~15 MB). */
  maxEntries?: number;
  /** Largest source image read, in bytes. Default 64 MiB. */
  maxBytes?: number;
}

/**
 * Square WebP thumbnails of a run's images, made with sharp from the run's storage (local or S3) and kept in an LRU
 * cache. Refuses URIs outside the run's source (`SearchError` code `OUTSIDE_SOURCE`) and images that do not decode
 * (`BAD_QUERY`).
 */
export class Thumbnails {
  private readonly cache = new Map<string, Promise<Buffer>>();
  private readonly size: number;
  private readonly maxEntries: number;
  private readonly maxBytes: number;

  constructor(
    private readonly source: string,
    private readonly storage: Storage,
    opts: ThumbnailOptions = {},
  ) {
    this.size = opts.size ?? 224;
    this.maxEntries = opts.maxEntries ?? 2000;
    this.maxBytes = opts.maxBytes ?? 64 * 2 ** 20;
  }

  /** The thumbnail of `uri` (WebP bytes). */
  get(uri: string): Promise<Buffer> {
    if (!isInsideSource(this.source, uri)) {
      return Promise.reject(
        new SearchError('OUTSIDE_SOURCE', `${uri} is not in this run's source ${this.source}: refused`),
      );
    }
    const hit = this.cache.get(uri);
    if (hit) {
      this.cache.delete(uri); // re-insert: most recently used last
      this.cache.set(uri, hit);
      return hit;
    }
    const made = this.make(uri);
    this.cache.set(uri, made);
    made.catch(() => this.cache.delete(uri)); // failures are not cached: the object may come back
    while (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
    return made;
  }

  private async make(uri: string): Promise<Buffer> {
    const bytes = await this.storage.get(uri, { maxBytes: this.maxBytes });
    const MAX_PIXELS = 2 ** 28;
    try {
      // libvips reads no BMP; the model library's own decoder (which the workers use for them) does.
      const input =
        bytes[0] === 0x42 && bytes[1] === 0x4d
          ? bmpAsRaw(decodeBmpToRgb(bytes, MAX_PIXELS, uri))
          : sharp(bytes, { failOn: 'none', limitInputPixels: MAX_PIXELS });
      return await input.rotate().resize(this.size, this.size, { fit: 'cover' }).webp({ quality: 72 }).toBuffer();
    } catch (err) {
      throw new SearchError('BAD_QUERY', `${uri} does not decode as an image: ${(err as Error).message}`, {
        cause: err,
      });
    }
  }
}

function bmpAsRaw(img: { data: Buffer; width: number; height: number }): Sharp {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
}
