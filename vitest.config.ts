import { configDefaults, defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources, so tests never run stale builds.
const conditions = ['@vigil/source'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    // One real PostgreSQL server for the whole run (or VIGIL_TEST_DATABASE_URL).
    globalSetup: ['packages/runtime/test/setup/postgres.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'examples/**/*.test.ts', 'bench/**/*.test.ts'],
          // The reference agents' chaos profiles start worker processes: they run with the integration tests.
          exclude: [...configDefaults.exclude, 'examples/*/src/*chaos.test.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        // Real child processes with timing guarantees (recovery within lease TTL + 1 s): one file
        // at a time, so the suite does not starve its own processes of the machine's two cores.
        extends: true,
        test: {
          name: 'integration',
          include: ['packages/*/test/**/*.test.ts', 'examples/*/src/*chaos.test.ts'],
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
