// The first module of every thread a ThreadPool starts. Plain JavaScript so that Node can run it whatever loaded the
// parent: a `.ts` thread module is then imported through tsx's API, because Node 20 does not apply the parent's
// `--import tsx` hooks to a worker's entry (under vitest there are no such hooks at all).
import { workerData } from 'node:worker_threads';

const { module } = workerData;
if (module.endsWith('.ts')) {
  const { tsImport } = await import('tsx/esm/api');
  await tsImport(module, import.meta.url);
} else {
  await import(module);
}
