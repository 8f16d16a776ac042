#!/usr/bin/env node
// Runs the TypeScript sources directly: the project is never compiled.
//
// sharp decodes (and fs reads) on libuv's thread pool, 4 threads unless UV_THREADPOOL_SIZE says otherwise; a worker
// decodes many images at once and should use every core. libuv reads the variable once, when the pool starts, and
// an ES module entry is already too late: Node's ESM loader reads the entry file through the pool, which starts it
// with 4 threads. A CommonJS entry is read synchronously, so the variable set here is the one the pool starts with.
const { availableParallelism } = require('node:os');

process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, availableParallelism()));

import('tsx/esm/api')
  .then(({ register }) => {
    register();
    return import('../src/main.ts');
  })
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
