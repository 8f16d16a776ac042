/**
 * A thread module for thread-pool.test.ts: echoes, throws typed errors, or dies, as each task asks. Its set-up fails
 * when told to, like a thread whose GPU is missing.
 */
import { ImageInputError } from '../errors.ts';
import { serveTasks } from './serve.ts';

/** What a test task asks the thread to do. */
export type FixtureTask = { op: 'echo'; value: number } | { op: 'bad-image' } | { op: 'exit' } | { op: 'thread-id' };

await serveTasks<{ failSetup: boolean }, FixtureTask, number | string>(async ({ failSetup }) => {
  if (failSetup) throw new ImageInputError('CORRUPT', 'set-up failed on purpose');
  const { threadId } = await import('node:worker_threads');
  return async (task) => {
    switch (task.op) {
      case 'echo':
        return { result: task.value * 2 };
      case 'bad-image':
        throw new ImageInputError('TRUNCATED', 'the PNG file ends early', { source: 's3://b/k.png' });
      case 'exit':
        // Leaves this task unanswered, as a crash would.
        process.exit(3);
        return { result: 'unreachable' };
      case 'thread-id':
        return { result: threadId };
    }
  };
});
