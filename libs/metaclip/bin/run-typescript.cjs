// Start-up shared by the commands that decode images (`metaclip`, `metaclip-worker`): size libuv's pool, then run a
// TypeScript entry through tsx (the project is never compiled).
//
// sharp decodes (and fs reads) on libuv's thread pool, 4 threads unless UV_THREADPOOL_SIZE says otherwise; a
// command that decodes many images at once should use every core. libuv reads the variable once, when the pool
// starts, and an ES module entry is already too late: Node's ESM loader reads the entry file through the pool,
// which starts it with 4 threads. CommonJS is read synchronously, so a bin that requires this file first gets the
// size set here.
const { availableParallelism } = require('node:os');
const { pathToFileURL } = require('node:url');

process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, availableParallelism()));

/** Registers tsx's loader and imports `file` (an absolute path to a `.ts` module); a start-up failure exits 1. */
module.exports = function runTypeScript(file) {
  import('tsx/esm/api')
    .then(({ register }) => {
      register();
      return import(pathToFileURL(file).href);
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
};
