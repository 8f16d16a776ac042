import { existsSync } from 'node:fs';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

/** Where the shared fixtures are: what every suite reads with `inject('sharedFixtures')`. */
export interface SharedFixtures {
  /** `shared/` beside the checkout (see its README.md). */
  shared: string;
  /** `shared/fixtures`: the tiny models in their many layouts, the goldens and the photographs. */
  fixtures: string;
  /** The tiny CLIP model in Hugging Face layout (`fixtures/tiny-clip`). */
  tinyClip: string;
  /** Real photographs in many formats (`fixtures/images`). */
  images: string;
  /** Hugging Face transformers' outputs for the fixtures (`fixtures/golden`). */
  golden: string;
}

declare module 'vitest' {
  interface ProvidedContext {
    sharedFixtures: SharedFixtures;
  }
}

/**
 * The one place that knows where the shared fixtures are: `../shared` beside the checkout. Every suite reads the
 * tiny models, goldens and photos from there; without it dozens of tests would each fail with an ENOENT, so fail
 * once, first, with what to do. Registered for every vitest project (vitest.config.ts), which hands the paths to its
 * tests.
 */
export default function setup(project: TestProject): void {
  const shared = path.resolve(import.meta.dirname, '../../../shared');
  const fixtures = path.join(shared, 'fixtures');
  const tinyClip = path.join(fixtures, 'tiny-clip');
  const probe = path.join(tinyClip, 'config.json');
  if (!existsSync(probe)) {
    throw new Error(
      `The tests read their fixtures from ${shared} (the shared/ folder beside this checkout), but ${probe} is ` +
        'missing. Put the shared/ folder there (clone the repository next to it, or symlink it: ' +
        `ln -s /path/to/shared ${shared}), then run the tests again.`,
    );
  }
  project.provide('sharedFixtures', {
    shared,
    fixtures,
    tinyClip,
    images: path.join(fixtures, 'images'),
    golden: path.join(fixtures, 'golden'),
  });
}
