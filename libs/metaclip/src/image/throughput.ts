import sharp from 'sharp';

/**
 * Sets sharp up for a process that decodes many images at once (a worker, a benchmark), rather than one large image:
 * - one libvips thread per image: parallelism comes from many images on libuv's pool (`UV_THREADPOOL_SIZE`, which a
 *   process must set before its first asynchronous I/O — the bins do), and per-image threads would only contend;
 * - no operation cache: millions of distinct images never hit it, and it holds memory.
 * Process-wide, so apps call it at start-up; the library never does on its own.
 */
export function tuneSharpForThroughput(): void {
  sharp.cache(false);
  sharp.concurrency(1);
}
