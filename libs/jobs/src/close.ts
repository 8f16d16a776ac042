/**
 * Closing BullMQ workers and queues. BullMQ drops its listeners on close, so closing a worker or queue whose
 * connection is still initialising, then quitting that connection, fails the initialisation with no listener left:
 * an unhandled 'error' that crashes the process (taskforcesh/bullmq#2437; a SIGTERM 140 ms after start-up under load
 * exited 1 instead of 143).
 */

/** What a BullMQ `Worker` and `Queue` have for closing. */
export interface BullClosable {
  waitUntilReady(): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * Close a BullMQ worker or queue once its connections have finished initialising, ready or failed, so quitting the
 * connection afterwards cannot crash the process. A failed initialisation is not lost: BullMQ has already emitted it
 * as the target's 'error' event, which its owner listens to.
 *
 * @example
 * ```ts
 * import { closeAfterInit } from '@metaclip-batch/jobs';
 * import { Worker } from 'bullmq';
 * import { Redis } from 'ioredis';
 *
 * const connection = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
 * const worker = new Worker('example', async () => undefined, { connection });
 * await closeAfterInit(worker); // at once, while the worker's connection may still be initialising
 * await connection.quit();
 * console.log('closed; running:', worker.isRunning());
 * // closed; running: false
 * ```
 */
export async function closeAfterInit(target: BullClosable): Promise<void> {
  await target.waitUntilReady().catch(() => undefined);
  await target.close();
}
