import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * The suites spawn the bins, which run the compiled dist/: compile what changed since the last build first, so a test
 * never runs yesterday's JavaScript (tsc -b checks and skips up-to-date workspaces in seconds).
 */
export default function setup(): void {
  const root = path.resolve(import.meta.dirname, '../..');
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-b', path.join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
}
