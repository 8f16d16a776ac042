import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Tests import the workspaces' TypeScript (their exports' `source` condition); the bins they spawn run dist/, which
// the integration set-up brings up to date. Otherwise vitest's own conditions: Vite's for servers without `module`,
// whose entries (the AWS SDK's dist-es, say) Node could not load.
const conditions = ['source', ...defaultServerConditions.filter((c) => c !== 'module')];

// Two projects: fast unit tests beside the code, and integration suites under tests/ that talk to a real Redis,
// a real S3-API server and spawn worker processes. Files run one at a time: the integration suites start worker
// processes that each want a core, and this machine has two.
export default defineConfig({
  ssr: { resolve: { conditions } },
  test: {
    fileParallelism: false,
    projects: [
      {
        extends: true,
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
        extends: true,
        test: {
          name: 'integration',
          include: ['tests/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          globalSetup: ['tests/setup/shared-fixtures.ts', 'tests/setup/global.ts', 'tests/setup/build.ts'],
        },
      },
    ],
  },
});
