import { stat } from 'node:fs/promises';
import { isImageKey, parseUri, type StorageOptions, storageFor } from '@metaclip-batch/storage';

/**
 * The images in a run's source as it is now, URI -> size in bytes: every image under an S3 prefix or a local folder,
 * listed the way the producer lists it (same filter, same URI form), so a path in the index is gone from the source
 * exactly when it is missing here. Why the index lists the source itself: a run's source manifest keeps 8-byte
 * digests of (URI, version), which say what changed but cannot name what disappeared; one listing per update costs
 * what the nightly run's own listing costs. A manifest-file source returns null (its entries are whatever the file
 * says; nothing is removed).
 */
export async function listSourceImages(source: string, opts: StorageOptions = {}): Promise<Map<string, number> | null> {
  const parsed = parseUri(source);
  let prefix = source;
  if (parsed.scheme === 'file') {
    const info = await stat(parsed.path).catch(() => null);
    if (info === null) return new Map(); // the whole folder is gone: so is every image in it
    if (info.isFile()) return null;
    prefix = parsed.path.endsWith('/') ? parsed.path : `${parsed.path}/`;
  } else if (!parsed.key.endsWith('/') && (await storageFor(source, opts).head(source)) !== null) {
    return null; // an object, not a prefix: a manifest file
  }
  const out = new Map<string, number>();
  for await (const obj of storageFor(prefix, opts).list(prefix)) if (isImageKey(obj.uri)) out.set(obj.uri, obj.size);
  return out;
}
