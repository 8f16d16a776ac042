#!/usr/bin/env node
// The `metaclip` command: the CLI sets process.exitCode. CommonJS, so that libuv's pool is sized before it starts
// (see @metaclip-batch/metaclip's bin/run-typescript.cjs).
const path = require('node:path');
const runTypeScript = require('@metaclip-batch/metaclip/bin/run-typescript.cjs');

// `metaclip embed ... | head`: a reader that stops early is not an error worth a stack trace.
process.stdout.on('error', (err) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(0);
});

runTypeScript(path.join(__dirname, '../src/main.ts'));
