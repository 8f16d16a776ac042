#!/usr/bin/env node
// Runs the TypeScript sources directly: the project is never compiled.
import { availableParallelism } from 'node:os';

// sharp decodes on libuv's pool (4 threads by default); a worker decodes many images at once and should use every
// core. libuv reads this once, at its first use, so it is set before anything else runs.
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, availableParallelism()));

const { register } = await import('tsx/esm/api');
register();
await import('../src/main.ts');
