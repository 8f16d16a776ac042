import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests beside the code, and integration suites under tests/ that talk to a real Redis,
// a real S3-API server and spawn worker processes. Files run one at a time: the integration suites start worker
// processes that each want a core, and this machine has two.
export default defineConfig({
  test: {
    fileParallelism: false,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['libs/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'bench/**/*.test.ts'],
          globalSetup: ['tests/setup/shared-fixtures.ts'],
          testTimeout: 60_000,
          // Set-up hooks load and convert models and start worker threads: seconds when idle, far beyond vitest's
          // 10 s default while other suites share the two cores.
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          globalSetup: ['tests/setup/shared-fixtures.ts', 'tests/setup/global.ts'],
        },
      },
    ],
  },
});
