import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: one worker per core keeps CalDAV servers and PostgreSQL from starving each other.
    maxWorkers: 2,
    pool: 'forks',
  },
});
