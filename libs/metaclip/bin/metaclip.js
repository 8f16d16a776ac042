#!/usr/bin/env node
// The `metaclip` command. The sources are TypeScript run through tsx (never compiled), so register its loader
// first, then hand over to the CLI, which sets process.exitCode.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
