// Start-up shared by the commands that decode images (`metaclip`, `metaclip-worker`): size libuv's pool, then import
// the command's compiled ES module entry.
//
// sharp decodes (and fs reads) on libuv's thread pool, 4 threads unless UV_THREADPOOL_SIZE says otherwise; a
// command that decodes many images at once should use every core. libuv reads the variable once, when the pool
// starts, and an ES module entry is already too late: Node's ESM loader reads the entry file through the pool,
// which starts it with 4 threads. CommonJS is read synchronously, so a bin that requires this file first gets the
// size set here. Two threads per core decode (the worker keeps two images per core in decoding: its RuntimePlan's
// `decodes`); four more are for file reads and writes, which would otherwise queue behind every image waiting to be
// decoded.
const { availableParallelism } = require('node:os');
const { pathToFileURL } = require('node:url');

const DECODE_THREADS_PER_CORE = 2;
const IO_THREADS = 4;
process.env.UV_THREADPOOL_SIZE ??= String(DECODE_THREADS_PER_CORE * availableParallelism() + IO_THREADS);

/** Imports `file` (an absolute path to an ES module); a start-up failure exits 1. */
module.exports = function runEntry(file) {
  import(pathToFileURL(file).href).catch((err) => {
    console.error(err);
    process.exit(1);
  });
};
