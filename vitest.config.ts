import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // dist/ is built once per run, for the tests that spawn bin/ftpcap or load compiled code.
    globalSetup: ['test/support/build-once.ts'],
    // One test file per core (vitest's default leaves one core to itself, which here idles).
    maxWorkers: availableParallelism(),
    minWorkers: 1,
    testTimeout: 60_000,
  },
});
