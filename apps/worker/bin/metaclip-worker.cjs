#!/usr/bin/env node
// The `metaclip-worker` command. CommonJS, so that libuv's pool, which decodes the images, is sized to the machine
// before it starts (see @metaclip-batch/metaclip's bin/run-typescript.cjs).
const path = require('node:path');
const runTypeScript = require('@metaclip-batch/metaclip/bin/run-typescript.cjs');

runTypeScript(path.join(__dirname, '../src/main.ts'));
