import type { SidecarExt } from '@metaclip-batch/jobs';
import { classify, ImageInputError, type LabelScore, type LabelSet } from '@metaclip-batch/metaclip';
import { DEFAULT_IMAGE_LIMITS } from '@metaclip-batch/metaclip/image';
import { PermanentStorageError } from '@metaclip-batch/storage';
import { type StageObserver, timeStage } from '@metaclip-batch/telemetry';
import { mapBounded, type Pool, type Semaphore } from './bounded.ts';
import { CaptionError, readCaption } from './captions.ts';
import { type FetchDeps, fetchObject } from './fetch-object.ts';

/** The slice of `ImageProcessor` the runner needs: decode + preprocess straight into a pixel slot. */
export interface ImagePreprocessor {
  /**
   * Writes the `3*S*S` bytes of the packed RGB crop at `offset` of `out`; throws `ImageInputError` for bytes that
   * are not a usable image.
   */
  preprocessRgb(input: Buffer, out: Uint8Array, offset: number): Promise<{ width: number; height: number }>;
}

/**
 * What the runner submits images to: the worker's shared batcher (any number of shards submit at once). A pixel slot
 * in, its unit-length embedding out.
 */
export interface EmbedSubmitter {
  submit(pixels: Uint8Array): Promise<Float32Array>;
}

/** The work of one shard job. */
export interface ShardInput {
  runId: string;
  shard: number;
  uris: readonly string[];
  /** `sidecars[i]`: the caption sidecar of `uris[i]` (see the shard job), null or absent for none. */
  sidecars?: readonly (SidecarExt | null)[] | undefined;
}

/** One image's outcome, at the index of its URI in the shard. */
export type ImageRow =
  | {
      uri: string;
      ok: true;
      width: number;
      height: number;
      embedding: Float32Array;
      labels: LabelScore[];
      /** From the image's caption sidecar; null without one, or when it gave none. */
      caption: string | null;
    }
  | { uri: string; ok: false; error: string };

/** What a shard produced: one row per URI, in the shard's order. */
export interface ShardResult {
  runId: string;
  shard: number;
  rows: ImageRow[];
  /** Wall time from the first fetch to the last result, in ms. */
  ms: number;
}

/**
 * Everything a shard runs on; all of it is shared by every shard of the worker. Its storage, fetch limiter (bounding
 * concurrent fetches across all shards) and GET retries are {@link FetchDeps}.
 */
export interface ShardRunnerDeps extends FetchDeps {
  processor: ImagePreprocessor;
  batcher: EmbedSubmitter;
  /** Pixel slots; an image holds one from before its fetch until its result is back. */
  pixels: Pool<Uint8Array>;
  /**
   * Bounds concurrent decodes across all shards (the worker's plan: two per decoding thread): libvips runs on libuv's pool, and with every image
   * that has its bytes queued there, file reads and writes would wait behind all of them. Absent: no bound.
   */
  decodeLimiter?: Semaphore;
  /** The run's label embeddings. */
  labelSet: LabelSet;
  topK: number;
  /** Larger objects become error rows without being read (default: the library's `DEFAULT_IMAGE_LIMITS.maxBytes`). */
  maxImageBytes?: number;
  /** Told about every image that became an error row (for logs and metrics). */
  onImageError?: (uri: string, error: Error) => void;
  /** Told about every image embedded with a null caption because its sidecar gave none (for logs). */
  onCaptionError?: (uri: string, error: CaptionError) => void;
  /** Told how long each image's fetch (retries included) and decode took, and the shard's label scoring (metrics). */
  onStage?: StageObserver;
}

/**
 * The message of an error that makes one image an error row: bytes that are not an image, or an object that is
 * missing, too large or forbidden. `null` for anything else (a storage outage, a model failure), which must fail the
 * shard instead, so the queue retries it rather than recording good images as bad.
 */
export function imageErrorMessage(error: unknown): string | null {
  if (error instanceof ImageInputError || error instanceof PermanentStorageError) {
    return `${error.name}: ${error.message}`;
  }
  return null;
}

/**
 * Processes one shard: fetches each URI (bounded by the shared fetch limiter, retrying transient storage errors),
 * decodes and preprocesses it into a pixel slot, submits it to the shared batcher, and collects the per-image results
 * in the shard's order. Bad images become error rows; any other failure rejects (after the images already in flight
 * settle, so no slot leaks) and the job is retried.
 */
export async function runShard(job: ShardInput, deps: ShardRunnerDeps): Promise<ShardResult> {
  const started = Date.now();
  const maxBytes = deps.maxImageBytes ?? DEFAULT_IMAGE_LIMITS.maxBytes;

  const decode = (bytes: Buffer, pixels: Uint8Array) => deps.processor.preprocessRgb(bytes, pixels, 0);
  const embedImage = async (uri: string): Promise<Embedded> => {
    const pixels = await deps.pixels.acquire();
    try {
      const bytes = await timeStage(deps.onStage, 'fetch', () =>
        fetchObject(uri, maxBytes, deps).catch((error: unknown) => {
          // Too large is a property of the image, whoever noticed it: the same error as a decoder's size limit.
          if (!(error instanceof PermanentStorageError && error.code === 'TOO_LARGE')) throw error;
          throw new ImageInputError('TOO_MANY_BYTES', error.message, { source: uri, cause: error });
        }),
      );
      const { width, height } = await timeStage(deps.onStage, 'decode', () =>
        deps.decodeLimiter ? deps.decodeLimiter.use(() => decode(bytes, pixels)) : decode(bytes, pixels),
      );
      return { uri, ok: true, width, height, embedding: await deps.batcher.submit(pixels), caption: null };
    } catch (error) {
      const message = imageErrorMessage(error);
      if (message === null) throw error;
      deps.onImageError?.(uri, error as Error);
      return { uri, ok: false, error: message };
    } finally {
      deps.pixels.release(pixels);
    }
  };

  const caption = async (uri: string, ext: SidecarExt | null | undefined): Promise<string | null> => {
    if (!ext) return null;
    try {
      return await readCaption(uri, ext, deps);
    } catch (error) {
      if (!(error instanceof CaptionError)) throw error;
      deps.onCaptionError?.(uri, error);
      return null;
    }
  };
  // The caption is read beside the image; both settle before the slot's lane moves on, whichever fails.
  const processImage = async (uri: string, i: number): Promise<Embedded> => {
    const [image, text] = await Promise.allSettled([embedImage(uri), caption(uri, job.sidecars?.[i])]);
    if (image.status === 'rejected') throw image.reason;
    if (text.status === 'rejected') throw text.reason;
    return image.value.ok ? { ...image.value, caption: text.value } : image.value;
  };

  // One shard may fill the whole pixel pool when it is alone; with several in flight the pool's FIFO shares it.
  const embedded = await mapBounded(job.uris, deps.pixels.size, processImage);
  const rows = await timeStage(deps.onStage, 'score', () => scoreRows(embedded, deps.labelSet, deps.topK));
  return { runId: job.runId, shard: job.shard, rows, ms: Date.now() - started };
}

/** An image's outcome before its labels are scored. */
type Embedded = Omit<Extract<ImageRow, { ok: true }>, 'labels'> | Extract<ImageRow, { ok: false }>;

/** Pure: the shard's zero-shot labels, scored once for all its images on their unit embeddings. */
function scoreRows(embedded: readonly Embedded[], labelSet: LabelSet, topK: number): ImageRow[] {
  const ok = embedded.filter((row) => row.ok);
  const matrix = new Float32Array(ok.length * labelSet.dim);
  ok.forEach((row, i) => {
    matrix.set(row.embedding, i * labelSet.dim);
  });
  const scores = ok.length > 0 ? classify(matrix, ok.length, labelSet, { topK, unit: true }) : [];
  let next = 0;
  return embedded.map((row) => (row.ok ? { ...row, labels: scores[next++] ?? [] } : row));
}
