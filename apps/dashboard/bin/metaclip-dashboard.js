#!/usr/bin/env node
// Runs the compiled entry (`npm run build`, which `npm ci` runs through `prepare`).
import '../dist/main.js';
