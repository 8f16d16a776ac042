#!/usr/bin/env node
// Runs the TypeScript sources directly: the project is never compiled.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
