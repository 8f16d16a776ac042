import type { SidecarExt } from './sidecars.ts';

/** What a listing yields about one object; `ObjectInfo` of `@metaclip-batch/storage` fits it. */
export interface SourceObject {
  uri: string;
  size?: number;
  etag?: string;
  /** Last modification, as a Date or epoch milliseconds. */
  mtime?: Date | number;
  /** An image's caption sidecar, as `pairSidecars` found it beside the image. */
  sidecar?: SourceSidecar;
}

/** A caption sidecar: `<image stem>.<ext>`, and its version for incremental runs. */
export type SourceSidecar = { ext: SidecarExt } & Omit<SourceObject, 'uri' | 'sidecar'>;

/** Epoch milliseconds of an object's modification time, or undefined when the listing did not say. */
export function mtimeMs(obj: Pick<SourceObject, 'mtime'>): number | undefined {
  if (obj.mtime === undefined) return undefined;
  return obj.mtime instanceof Date ? obj.mtime.getTime() : obj.mtime;
}

/**
 * Whether an object passes a `--since` cut-off. Objects whose listing has no modification time (manifest entries)
 * pass: the cut-off cannot judge them, and dropping them silently would lose data. An image whose caption sidecar
 * changed since passes too: its metadata row would change.
 */
export function modifiedSince(obj: SourceObject, since: number | undefined): boolean {
  if (since === undefined) return true;
  const m = mtimeMs(obj);
  const sidecar = obj.sidecar ? mtimeMs(obj.sidecar) : undefined;
  return m === undefined || m >= since || (sidecar !== undefined && sidecar >= since);
}

/**
 * What identifies a version of an object for incremental runs: the ETag (S3, or a manifest's etag column), else
 * modification time and size (local disk). An object with neither has the empty fingerprint: a new URI is still
 * detected, a change in place is not. An image's caption sidecar is part of it, so an added, changed or removed
 * sidecar makes its image changed (re-embedded with the new caption); an image without one keeps the fingerprint it
 * had before sidecars were read, so existing source manifests stay valid.
 */
export function objectFingerprint(obj: SourceObject): string {
  const own = versionOf(obj);
  return obj.sidecar ? `${own}+${obj.sidecar.ext}:${versionOf(obj.sidecar)}` : own;
}

function versionOf(obj: Omit<SourceObject, 'uri' | 'sidecar'>): string {
  if (obj.etag) return `e:${obj.etag.replaceAll('"', '')}`;
  const m = mtimeMs(obj);
  if (m !== undefined) return `m:${Math.trunc(m)}:${obj.size ?? ''}`;
  return '';
}

// S3 Inventory delivers each report under `<destination prefix>/<source bucket>/<config>/<YYYY-MM-DDTHH-MMZ>/`.
const INVENTORY_REPORT = /^(.*\/)\d{4}-\d{2}-\d{2}T\d{2}-\d{2}Z\/manifest\.json$/;

/**
 * Pure: what makes runs "over the same source" for incremental runs. A source is itself, except an S3 Inventory
 * report, which stands for its inventory configuration (the date folder of `.../<config>/<date>/manifest.json` left
 * out): each day's report is a new manifest URI, and tonight's run must compare against last night's.
 */
export function sourceSeries(source: string): string {
  return source.replace(INVENTORY_REPORT, '$1*/manifest.json');
}
