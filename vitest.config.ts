import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start Python and run the tiny model: seconds each, not milliseconds.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 2,
    // A temp folder of the run's own, checked for leftovers at the end; each test file's tempDir()s removed after it.
    globalSetup: ['test/helpers/temp-check.ts'],
    setupFiles: ['test/helpers/setup.ts'],
  },
})
