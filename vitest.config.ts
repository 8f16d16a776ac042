import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests beside the code, and integration suites under tests/ that talk to a real Redis,
// a real S3-API server and spawn worker processes. Integration files run one at a time (2 cores here).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['libs/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'bench/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
          globalSetup: ['tests/setup/global.ts'],
        },
      },
    ],
  },
});
