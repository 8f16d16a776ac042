/**
 * The thread side of a {@link ThreadPool}: a thread module calls {@link serveTasks} once with its set-up, and from then
 * on answers the pool's tasks. Tasks run concurrently (a thread that awaits I/O takes the next one meanwhile).
 */
import { parentPort, type TransferListItem, workerData } from 'node:worker_threads';
import { toWire } from '@metaclip-batch/errors';
import type { TaskMessage, ThreadMessage } from './thread-pool.ts';

/** A task's answer, and the buffers to move (not copy) back to the caller. */
export interface TaskReply<R> {
  result: R;
  transfer?: TransferListItem[];
}

/**
 * Sets the thread up with the pool's `data`, reports ready (or the set-up's error, which fails the pool's start),
 * then answers every task with `handle`.
 */
export async function serveTasks<D, T, R>(
  setup: (data: D) => Promise<(task: T) => Promise<TaskReply<R>>>,
): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('serveTasks runs only inside a worker thread started by ThreadPool');
  const post = (message: ThreadMessage<R>, transfer?: TransferListItem[]) => port.postMessage(message, transfer);
  let handle: (task: T) => Promise<TaskReply<R>>;
  try {
    handle = await setup((workerData as { data: D }).data);
  } catch (error) {
    post({ kind: 'failed', error: toWire(error) });
    return;
  }
  port.on('message', ({ id, task }: TaskMessage<T>) => {
    handle(task).then(
      ({ result, transfer }) => post({ kind: 'done', id, result }, transfer),
      (error: unknown) => post({ kind: 'error', id, error: toWire(error) }),
    );
  });
  post({ kind: 'ready' });
}
