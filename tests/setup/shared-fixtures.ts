import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Every suite reads the tiny models, goldens and photos from `../shared` beside the checkout (see its README.md).
 * Without it dozens of tests would each fail with an ENOENT; fail once, first, with what to do.
 */
export default function setup(): void {
  const shared = path.resolve(import.meta.dirname, '../../../shared');
  const probe = path.join(shared, 'fixtures', 'tiny-clip', 'config.json');
  if (!existsSync(probe)) {
    throw new Error(
      `The tests read their fixtures from ${shared} (the shared/ folder beside this checkout), but ${probe} is ` +
        'missing. Put the shared/ folder there (clone the repository next to it, or symlink it: ' +
        `ln -s /path/to/shared ${shared}), then run the tests again.`,
    );
  }
}
