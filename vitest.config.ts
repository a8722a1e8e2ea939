import { defineConfig } from 'vitest/config';

/**
 * Vitest configuration: one global setup starts embedded PostgreSQL, a Temporal dev server and
 * the real worker once per run (test/helpers/global-setup.ts); test files share them.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
