#!/usr/bin/env node
// The `metaclip` command: the CLI sets process.exitCode. CommonJS, so that libuv's pool is sized before it starts
// (see @metaclip-batch/metaclip's bin/run-entry.cjs).
const path = require('node:path');
const runEntry = require('@metaclip-batch/metaclip/bin/run-entry.cjs');

// `metaclip embed ... | head`: a reader that stops early is not an error worth a stack trace.
process.stdout.on('error', (err) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(0);
});

runEntry(path.join(__dirname, '../dist/main.js'));
