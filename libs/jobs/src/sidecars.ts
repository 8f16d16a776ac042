import type { SourceObject, SourceSidecar } from './select.ts';

/**
 * Extensions of caption sidecars, in order of preference: `<stem>.txt` holds the caption itself, `<stem>.json` an
 * object with a `caption` key (both as img2dataset writes them beside `<stem>.jpg`). clip-retrieval takes its
 * `caption` column from the `.txt`, so an image with both is captioned by its `.txt`.
 */
export const SIDECAR_EXTENSIONS = ['txt', 'json'] as const;
/** `txt` or `json`. */
export type SidecarExt = (typeof SIDECAR_EXTENSIONS)[number];

/**
 * How many listed images (and sidecars) may wait for their partners at once. A sorted listing releases each image as
 * soon as the listing has left its stem, so this only bounds pathological layouts (`x.jpg` beside a folder
 * `x.jpg.d/` of a million files) and unsorted sources, where a sidecar further than this from its image is missed.
 */
export const DEFAULT_PAIRING_WINDOW = 4096;

/** Pure: the URI without its extension (`a/0001.jpg` -> `a/0001`), or null when its last segment has none. */
export function stemOf(uri: string): string | null {
  const slash = uri.lastIndexOf('/');
  const dot = uri.lastIndexOf('.');
  return dot <= slash + 1 ? null : uri.slice(0, dot);
}

/** Pure: the sidecar extension a URI ends in (exactly `.txt` or `.json`, as clip-retrieval globs them), or null. */
export function sidecarExtOf(uri: string): SidecarExt | null {
  const stem = stemOf(uri);
  if (stem === null) return null;
  const ext = uri.slice(stem.length + 1);
  return (SIDECAR_EXTENSIONS as readonly string[]).includes(ext) ? (ext as SidecarExt) : null;
}

/** Pure: the URI of an image's sidecar (`a/0001.jpg`, `txt` -> `a/0001.txt`). */
export function sidecarUri(imageUri: string, ext: SidecarExt): string {
  return `${stemOf(imageUri) ?? imageUri}.${ext}`;
}

/** Options of {@link pairSidecars}. */
export interface PairingOptions {
  /** Which objects are images (the storage library's `isImageKey`). */
  isImage: (uri: string) => boolean;
  /**
   * The listing is in lexicographic key order (an S3 prefix, a local folder): keys sharing the prefix `<stem>.` are
   * then adjacent, and an image is released as soon as a key outside it arrives. Otherwise (an inventory report) only
   * the window decides.
   */
  ordered: boolean;
  /** See {@link DEFAULT_PAIRING_WINDOW}. */
  window?: number;
  /** Told about every object that is neither an image nor the sidecar of one. */
  onSkip?: (obj: SourceObject) => void;
}

interface Group {
  stem: string;
  images: number;
  /** Its objects still waiting: the group is forgotten when none is left. */
  waiting: number;
  /** One of its images has been yielded: a sidecar arriving now is too late for it. */
  yielded: boolean;
  sidecars: Partial<Record<SidecarExt, SourceSidecar>>;
}

interface Pending {
  obj: SourceObject;
  group: Group;
  /** An image, or the extension of a sidecar. */
  kind: 'image' | SidecarExt;
}

/**
 * Streams a listing's images, each with the caption sidecar that shares its stem (`a/0001.jpg` + `a/0001.txt`):
 * `.txt` preferred over `.json`, one sidecar shared by every image of the stem (`a/0001.jpg` and `a/0001.png`).
 * Images come out in listing order, so the shard plan stays what it was for sources without sidecars. Sidecars no
 * image claims, and every other non-image, go to `onSkip`.
 *
 * Deterministic: the same listing always pairs the same way. Memory: at most `window` objects wait.
 */
export async function* pairSidecars(
  objects: AsyncIterable<SourceObject>,
  opts: PairingOptions,
): AsyncGenerator<SourceObject> {
  const window = opts.window ?? DEFAULT_PAIRING_WINDOW;
  if (!Number.isSafeInteger(window) || window < 1) throw new RangeError(`pairing window must be >= 1: ${window}`);
  const queue: Pending[] = [];
  let head = 0;
  const groups = new Map<string, Group>();
  let lastUri = '';
  const closed = (g: Group) => opts.ordered && !lastUri.startsWith(`${g.stem}.`);

  function* release(all: boolean): Generator<SourceObject> {
    while (head < queue.length) {
      const next = queue[head] as Pending;
      if (!all && queue.length - head <= window && !closed(next.group)) break;
      head++;
      const group = next.group;
      if (--group.waiting === 0) groups.delete(group.stem);
      if (next.kind === 'image') {
        group.yielded = true;
        yield withSidecar(next.obj, group);
      } else if (group.images === 0 || group.sidecars[next.kind] === undefined) {
        // No image claimed it (or it came after its image was gone): a stray, which no later image may take either.
        if (group.images === 0) delete group.sidecars[next.kind];
        opts.onSkip?.(next.obj);
      }
    }
    if (head > window) {
      queue.splice(0, head);
      head = 0;
    }
  }

  for await (const obj of objects) {
    lastUri = obj.uri;
    const image = opts.isImage(obj.uri);
    const ext = image ? null : sidecarExtOf(obj.uri);
    const stem = image || ext ? stemOf(obj.uri) : null;
    if (stem === null) {
      opts.onSkip?.(obj);
    } else {
      let group = groups.get(stem);
      if (!group) {
        group = { stem, images: 0, waiting: 0, yielded: false, sidecars: {} };
        groups.set(stem, group);
      }
      group.waiting++;
      if (image) group.images++;
      else if (ext && !group.yielded) group.sidecars[ext] ??= sidecarOf(obj, ext);
      queue.push({ obj, group, kind: image ? 'image' : (ext as SidecarExt) });
    }
    yield* release(false);
  }
  yield* release(true);
}

/** The sidecar's version (what incremental runs compare), without its URI: the image's URI and `ext` give it. */
function sidecarOf(obj: SourceObject, ext: SidecarExt): SourceSidecar {
  const sidecar: SourceSidecar = { ext };
  if (obj.etag !== undefined) sidecar.etag = obj.etag;
  if (obj.mtime !== undefined) sidecar.mtime = obj.mtime;
  if (obj.size !== undefined) sidecar.size = obj.size;
  return sidecar;
}

function withSidecar(obj: SourceObject, group: Group): SourceObject {
  const sidecar = group.sidecars.txt ?? group.sidecars.json;
  return sidecar ? { ...obj, sidecar } : obj;
}
