import { stat } from 'node:fs/promises';
import { pairSidecars, type SourceObject, sourceSeries } from '@metaclip-batch/jobs';
import {
  isImageKey,
  isInventoryManifestName,
  type ListOptions,
  listFolders,
  openInventory,
  parseUri,
  type StorageOptions,
  storageFor,
} from '@metaclip-batch/storage';
import { ConfigError } from './config.ts';
import { isManifestName, parseManifestText, readLocalManifest } from './manifest-file.ts';

/** The tail of a source naming the newest report of an S3 Inventory configuration: `.../<config>/*\/manifest.json`. */
const NEWEST_REPORT = '/*/manifest.json';

/**
 * The newest report of the inventory configuration `series` names (`.../<config>/*\/manifest.json`): its dated
 * folders newest first, the first whose manifest exists (S3 writes the manifest once the report is complete).
 *
 * @throws {@link ConfigError} when the configuration has no report yet.
 */
async function newestReport(series: string, storage: StorageOptions): Promise<string> {
  const base = series.slice(0, -NEWEST_REPORT.length + 1);
  const reports = (await listFolders(base, storage))
    .map((folder) => `${folder}manifest.json`)
    .filter((manifest) => sourceSeries(manifest) === series)
    .reverse();
  for (const manifest of reports) if (await storageFor(manifest, storage).head(manifest)) return manifest;
  throw new ConfigError([`--source: no S3 Inventory report (<date>/manifest.json) under ${base}`]);
}

/** What a source turned out to be. */
export type SourceKind = 'prefix' | 'folder' | 'manifest' | 'inventory';

/** An opened source: its objects in a stable order, and how many non-image objects the listing skipped. */
export interface OpenedSource {
  kind: SourceKind;
  objects: AsyncIterable<SourceObject>;
  skipped(): number;
}

/**
 * Open a source for listing: an S3 prefix (`s3://bucket/photos/`, fanned out over sub-prefixes with
 * `list.parallelism` requests at once) or a local folder (recursive) lists every object under it in bytewise key
 * order and keeps images by extension; a manifest file (`.txt`, `.jsonl`, local or on S3)
 * yields its entries in file order, all of them (a manifest is an explicit choice, extensions or not); an S3
 * Inventory report (its `manifest.json`, local or on S3; `.../<config>/*\/manifest.json` for the configuration's
 * newest report, what a schedule wants) yields the current objects it lists, in report order, and
 * keeps images by extension, as a listing does (see `openInventory`; a malformed manifest fails here).
 *
 * Listings and inventory reports pair each image with its caption sidecar (`a/0001.txt` or `a/0001.json` beside
 * `a/0001.jpg`, see `pairSidecars`); a sidecar is then part of its image, not a skipped non-image. Manifest entries
 * are taken as they are: a manifest names images, and looking for a sidecar beside each would cost a request each.
 *
 * A folder entry that cannot be read (a looping or dangling symlink, no permission, removed while listed) is passed
 * over and reported to `list.onSkip`; `list.signal` stops the listing.
 *
 * @throws {@link ConfigError} when a local source does not exist; `FormatError` for a malformed inventory manifest.
 */
export async function openSource(
  source: string,
  storage: StorageOptions = {},
  list: Pick<ListOptions, 'onSkip' | 'signal' | 'parallelism'> = {},
): Promise<OpenedSource> {
  const parsed = parseUri(source);
  let skipped = 0;
  // Images by extension, each with its caption sidecar; a sorted listing releases an image once it passed its stem.
  const imagesOnly = (listing: AsyncIterable<SourceObject>, ordered = true): AsyncIterable<SourceObject> =>
    pairSidecars(listing, {
      isImage: isImageKey,
      ordered,
      onSkip: () => {
        skipped++;
      },
    });
  const inventory = async (): Promise<OpenedSource> => {
    const report = source.endsWith(NEWEST_REPORT) ? await newestReport(source, storage) : source;
    return {
      kind: 'inventory',
      objects: imagesOnly((await openInventory(report, storage)).objects, false),
      skipped: () => skipped,
    };
  };
  // Before the local existence check: the newest-report form names no file itself.
  if (source.endsWith(NEWEST_REPORT)) return inventory();
  if (parsed.scheme === 's3') {
    if (isInventoryManifestName(parsed.key)) return inventory();
    if (isManifestName(parsed.key)) {
      const store = storageFor(source, storage);
      const objects = (async function* () {
        yield* parseManifestText((await store.get(source)).toString('utf8'), source);
      })();
      return { kind: 'manifest', objects, skipped: () => 0 };
    }
    return {
      kind: 'prefix',
      objects: imagesOnly(storageFor(source, storage).list(source, list)),
      skipped: () => skipped,
    };
  }
  const info = await stat(parsed.path).catch(() => null);
  if (!info) throw new ConfigError([`--source: ${parsed.path} does not exist (give a folder, a manifest or s3://...)`]);
  if (info.isFile() && isInventoryManifestName(parsed.path)) return inventory();
  if (info.isFile()) return { kind: 'manifest', objects: readLocalManifest(parsed.path), skipped: () => 0 };
  const folder = parsed.path.endsWith('/') ? parsed.path : `${parsed.path}/`;
  return { kind: 'folder', objects: imagesOnly(storageFor(folder).list(folder, list)), skipped: () => skipped };
}
