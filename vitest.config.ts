import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    // The files share one process and its module graph: each file importing the service afresh cost
    // 1–1.5 s (195 s of a CI pass). They already share one database and reset the data they need;
    // state kept in modules is kept per database (src/tiles/service.ts completeZoomsOf), and
    // test/setup/unhandled.ts registers its listener once.
    isolate: false,
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
