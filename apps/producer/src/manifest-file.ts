import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ProjectError } from '@metaclip-batch/errors';
import type { SourceObject } from '@metaclip-batch/jobs';

/** A manifest line that is neither a URI nor a valid JSON object with a `uri`. */
export class ManifestFormatError extends ProjectError {
  readonly code = 'MANIFEST_FORMAT';
  readonly retryable = false;

  constructor(
    readonly file: string,
    readonly line: number,
    why: string,
  ) {
    super(`${file} line ${line}: ${why}`);
  }
}

/** Extensions that mark a source as a manifest of URIs rather than a folder or prefix of images. */
export const MANIFEST_EXTENSIONS = ['.txt', '.jsonl', '.ndjson', '.lst'] as const;

/** Whether a source names a manifest file by its extension. */
export function isManifestName(source: string): boolean {
  return MANIFEST_EXTENSIONS.some((ext) => source.toLowerCase().endsWith(ext));
}

/**
 * Pure: one manifest line -> an object, or null for blank lines and `#` comments. A line is either a URI/path or a
 * JSON object `{ "uri": ..., "etag"?: ..., "mtime"?: ISO date or epoch ms, "size"?: bytes }` (JSONL). Relative local
 * paths resolve against `baseDir` (the manifest's folder); `s3://` URIs are kept as they are.
 *
 * @throws {@link ManifestFormatError}
 */
export function parseManifestLine(
  raw: string,
  lineNo: number,
  file: string,
  baseDir: string | null,
): SourceObject | null {
  const line = raw.trim();
  if (line === '' || line.startsWith('#')) return null;
  if (!line.startsWith('{')) return { uri: resolveEntry(line, baseDir) };
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new ManifestFormatError(file, lineNo, `invalid JSON (${(err as Error).message})`);
  }
  const v = value as Record<string, unknown>;
  if (typeof v.uri !== 'string' || v.uri === '') throw new ManifestFormatError(file, lineNo, 'no "uri" string');
  const obj: SourceObject = { uri: resolveEntry(v.uri, baseDir) };
  if (typeof v.etag === 'string') obj.etag = v.etag;
  if (typeof v.size === 'number') obj.size = v.size;
  if (typeof v.mtime === 'number') obj.mtime = v.mtime;
  else if (typeof v.mtime === 'string') {
    const ms = Date.parse(v.mtime);
    if (Number.isNaN(ms)) throw new ManifestFormatError(file, lineNo, `"mtime" is not a date: ${v.mtime}`);
    obj.mtime = ms;
  }
  return obj;
}

function resolveEntry(entry: string, baseDir: string | null): string {
  if (baseDir === null || entry.startsWith('/') || /^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) return entry;
  return path.resolve(baseDir, entry);
}

/** Stream a local manifest file line by line: memory stays flat for any number of entries. */
export async function* readLocalManifest(file: string): AsyncGenerator<SourceObject> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  const baseDir = path.dirname(file);
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    const obj = parseManifestLine(line, lineNo, file, baseDir);
    if (obj) yield obj;
  }
}

/** Parse a manifest already in memory (an S3 object); relative entries are kept as they are. */
export function* parseManifestText(text: string, file: string): Generator<SourceObject> {
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    const obj = parseManifestLine(line, lineNo, file, null);
    if (obj) yield obj;
  }
}
