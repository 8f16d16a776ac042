#!/usr/bin/env node
// The `metaclip` command. The sources are TypeScript run through tsx (never compiled), so register its loader
// first, then hand over to the CLI, which sets process.exitCode.
//
// `embed` and `classify` decode images on libuv's pool (4 threads unless UV_THREADPOOL_SIZE says otherwise). libuv
// reads the variable when the pool starts, which an ES module entry is already too late for (Node's ESM loader
// reads the entry through the pool); this entry is CommonJS, read synchronously, so the size set here is used.
const { availableParallelism } = require('node:os');

process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, availableParallelism()));

// `metaclip embed ... | head`: a reader that stops early is not an error worth a stack trace.
process.stdout.on('error', (err) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(0);
});

import('tsx/esm/api')
  .then(({ register }) => {
    register();
    return import('../src/cli/main.ts');
  })
  .catch((err) => {
    console.error(err);
    process.exit(1);
  });
