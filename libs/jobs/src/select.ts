/** What a listing yields about one object; `ObjectInfo` of `@metaclip-batch/storage` fits it. */
export interface SourceObject {
  uri: string;
  size?: number;
  etag?: string;
  /** Last modification, as a Date or epoch milliseconds. */
  mtime?: Date | number;
}

/** Epoch milliseconds of an object's modification time, or undefined when the listing did not say. */
export function mtimeMs(obj: SourceObject): number | undefined {
  if (obj.mtime === undefined) return undefined;
  return obj.mtime instanceof Date ? obj.mtime.getTime() : obj.mtime;
}

/**
 * Whether an object passes a `--since` cut-off. Objects whose listing has no modification time (manifest entries)
 * pass: the cut-off cannot judge them, and dropping them silently would lose data.
 */
export function modifiedSince(obj: SourceObject, since: number | undefined): boolean {
  if (since === undefined) return true;
  const m = mtimeMs(obj);
  return m === undefined || m >= since;
}

/**
 * What identifies a version of an object for incremental runs: the ETag (S3, or a manifest's etag column), else
 * modification time and size (local disk). An object with neither has the empty fingerprint: a new URI is still
 * detected, a change in place is not.
 */
export function objectFingerprint(obj: SourceObject): string {
  if (obj.etag) return `e:${obj.etag.replaceAll('"', '')}`;
  const m = mtimeMs(obj);
  if (m !== undefined) return `m:${Math.trunc(m)}:${obj.size ?? ''}`;
  return '';
}
