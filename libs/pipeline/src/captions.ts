import { type SidecarExt, sidecarUri } from '@metaclip-batch/jobs';
import { NotFoundError, PermanentStorageError } from '@metaclip-batch/storage';
import { PipelineError } from './errors.ts';
import { type FetchDeps, fetchObject } from './fetch-object.ts';

/**
 * Largest caption sidecar read: 1 MiB. A caption is a sentence, and img2dataset's `.json` a few KB with EXIF; a larger
 * object is not a caption file, and reading it in full would let one file take the worker's memory.
 */
export const MAX_SIDECAR_BYTES = 1 << 20;

/**
 * A sidecar that gives no caption: missing, too large, forbidden, not UTF-8, malformed JSON, a `caption` that is not a
 * string. Permanent (the same object fails the same way): the image is still embedded, with a null caption.
 */
export class CaptionError extends PipelineError {
  constructor(
    code: string,
    readonly sidecar: string,
    why: string,
    options?: ErrorOptions,
  ) {
    super(code, `caption sidecar ${sidecar}: ${why}`, false, options);
    this.name = 'CaptionError';
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Pure: the caption a sidecar's bytes hold: a `.txt`'s text, a `.json` object's `caption` (img2dataset writes `null`
 * there for an image without one), trimmed; null when there is none or it is blank.
 *
 * @throws {@link CaptionError} for bytes that are not UTF-8, JSON that is not an object, a non-string `caption`.
 */
export function parseCaption(ext: SidecarExt, bytes: Uint8Array, sidecar: string): string | null {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (error) {
    throw new CaptionError('CAPTION_NOT_UTF8', sidecar, 'not UTF-8 text', { cause: error });
  }
  if (ext === 'txt') return text.trim() || null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CaptionError('CAPTION_BAD_JSON', sidecar, `invalid JSON (${(error as Error).message})`, { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CaptionError('CAPTION_BAD_JSON', sidecar, 'not a JSON object');
  }
  const caption = (value as Record<string, unknown>).caption;
  if (caption === undefined || caption === null) return null;
  if (typeof caption !== 'string')
    throw new CaptionError('CAPTION_BAD_JSON', sidecar, `"caption" is a ${typeof caption}`);
  return caption.trim() || null;
}

/**
 * Reads and parses the caption sidecar `ext` of `imageUri` (one GET of at most {@link MAX_SIDECAR_BYTES}, under the
 * shared fetch limiter, transient errors retried).
 *
 * @throws {@link CaptionError} when the sidecar gives no caption for good; a retryable storage error when retries
 * ran out (the shard fails and is retried, as for an image).
 */
export async function readCaption(imageUri: string, ext: SidecarExt, deps: FetchDeps): Promise<string | null> {
  const uri = sidecarUri(imageUri, ext);
  const bytes = await fetchObject(uri, MAX_SIDECAR_BYTES, deps).catch((error: unknown) => {
    if (!(error instanceof PermanentStorageError)) throw error;
    throw new CaptionError(captionCode(error), uri, `${error.name}: ${error.message}`, { cause: error });
  });
  return parseCaption(ext, bytes, uri);
}

/** One code per way a sidecar can be unreadable, whichever storage noticed it (`ENOENT` and `NoSuchKey` alike). */
function captionCode(error: PermanentStorageError): string {
  if (error instanceof NotFoundError) return 'CAPTION_MISSING';
  return error.code === 'TOO_LARGE' ? 'CAPTION_TOO_LARGE' : 'CAPTION_UNREADABLE';
}
