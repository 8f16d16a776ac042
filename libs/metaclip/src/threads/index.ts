/**
 * Preprocessing and the vision tower on worker threads (what a GPU worker runs), the pool they share, and the one
 * copy of the pixel path into a batch.
 *
 * @module @metaclip-batch/metaclip/threads
 */
export type { PreprocessThreadsOptions } from '../image/preprocess-threads.ts';
export { PreprocessThreads } from '../image/preprocess-threads.ts';
export { gatherSlots } from '../model/gather-slots.ts';
export type { VisionThreadsOptions } from '../model/vision-threads.ts';
export { VisionThreads } from '../model/vision-threads.ts';
export type { ThreadPoolOptions } from './thread-pool.ts';
export { siblingModule, ThreadExitedError, ThreadPool } from './thread-pool.ts';
