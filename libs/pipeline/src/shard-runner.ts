import { ImageInputError, type LabelScore, type LabelSet } from '@metaclip-batch/metaclip';
import { PermanentStorageError, type RetryOptions, type Storage, withRetry } from '@metaclip-batch/storage';
import { mapBounded, type Pool, type Semaphore } from './bounded';
import type { EmbedItem, EmbedResult } from './embed-batch';

/** The slice of `ImageProcessor` the runner needs: decode + preprocess straight into a pixel slot. */
export interface ImagePreprocessor {
  /** Writes `3*S*S` floats at `offset` of `out`; throws `ImageInputError` for bytes that are not a usable image. */
  preprocess(input: Buffer, out: Float32Array, offset: number): Promise<{ width: number; height: number }>;
}

/** What the runner submits images to: the worker's shared batcher (any number of shards submit at once). */
export interface EmbedSubmitter {
  submit(item: EmbedItem): Promise<EmbedResult>;
}

/** The work of one shard job. */
export interface ShardInput {
  runId: string;
  shard: number;
  uris: readonly string[];
}

/** One image's outcome, at the index of its URI in the shard. */
export type ImageRow =
  | { uri: string; ok: true; width: number; height: number; embedding: Float32Array; labels: LabelScore[] }
  | { uri: string; ok: false; error: string };

/** What a shard produced: one row per URI, in the shard's order. */
export interface ShardResult {
  runId: string;
  shard: number;
  rows: ImageRow[];
  /** Wall time from the first fetch to the last result, in ms. */
  ms: number;
}

/** Everything a shard runs on; all of it is shared by every shard of the worker. */
export interface ShardRunnerDeps {
  storageFor: (uri: string) => Storage;
  processor: ImagePreprocessor;
  batcher: EmbedSubmitter;
  /** Pixel slots; an image holds one from before its fetch until its result is back. */
  pixels: Pool<Float32Array>;
  /** Bounds concurrent fetches across all shards of the worker. */
  fetchLimiter: Semaphore;
  /** The run's label embeddings. */
  labelSet: LabelSet;
  topK: number;
  /** Retries of one GET (storage's `withRetry` options); exhausted, the shard fails retryably. */
  fetchRetry?: RetryOptions;
  /** Larger objects become error rows without being read (default 64 MiB). */
  maxImageBytes?: number;
  /** Told about every image that became an error row (for logs and metrics). */
  onImageError?: (uri: string, error: Error) => void;
  /** Told how long each image's fetch (retries included) and decode took, in seconds (for metrics). */
  onStage?: (stage: 'fetch' | 'decode', seconds: number) => void;
}

/** Default cap on the size of one image object. */
export const DEFAULT_MAX_IMAGE_BYTES = 64 * 1024 * 1024;

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
  const maxBytes = deps.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES;

  const processImage = async (uri: string): Promise<ImageRow> => {
    const pixels = await deps.pixels.acquire();
    try {
      let t = performance.now();
      const bytes = await deps.fetchLimiter.use(() =>
        withRetry(() => deps.storageFor(uri).get(uri, { maxBytes }), deps.fetchRetry),
      );
      deps.onStage?.('fetch', (performance.now() - t) / 1000);
      t = performance.now();
      const { width, height } = await deps.processor.preprocess(bytes, pixels, 0);
      deps.onStage?.('decode', (performance.now() - t) / 1000);
      const { embedding, labels } = await deps.batcher.submit({ pixels, labelSet: deps.labelSet, topK: deps.topK });
      return { uri, ok: true, width, height, embedding, labels };
    } catch (error) {
      const message = imageErrorMessage(error);
      if (message === null) throw error;
      deps.onImageError?.(uri, error as Error);
      return { uri, ok: false, error: message };
    } finally {
      deps.pixels.release(pixels);
    }
  };

  // One shard may fill the whole pixel pool when it is alone; with several in flight the pool's FIFO shares it.
  const rows = await mapBounded(job.uris, deps.pixels.size, processImage);
  return { runId: job.runId, shard: job.shard, rows, ms: Date.now() - started };
}
