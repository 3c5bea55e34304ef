import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/global.ts'],
    // An unhandled rejection fails the test it happened in, and the run (never ignored).
    setupFiles: ['test/setup/unhandled.ts'],
    dangerouslyIgnoreUnhandledErrors: false,
    // One database for the whole run: files take turns, each resetting the data it needs.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
})
