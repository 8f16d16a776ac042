#!/usr/bin/env node
// The `metaclip-worker` command. CommonJS, so that libuv's pool, which decodes the images, is sized to the machine
// before it starts (see @metaclip-batch/metaclip's bin/run-entry.cjs).
const path = require('node:path');
const runEntry = require('@metaclip-batch/metaclip/bin/run-entry.cjs');

runEntry(path.join(__dirname, '../dist/main.js'));
