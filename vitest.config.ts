import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // dist/ is built once per run, for the tests that spawn bin/ftpcap or load compiled code.
    globalSetup: ['test/support/build-once.ts'],
    // `npm run test:timings`: the CPU seconds of each file, beside its wall time.
    setupFiles: process.env.FTPCAP_CPU ? ['test/support/cpu-meter.ts'] : [],
    // One test file per core (vitest's default leaves one core to itself, which here idles).
    maxWorkers: availableParallelism(),
    minWorkers: 1,
    // A worker process runs many test files with one module cache, instead of a fresh process
    // importing the sources again for each of the ~90 files (about 60% of the suite's CPU time
    // on small files). Test files keep no state in shared modules but caches (fixtures read,
    // checksum tables); a file that changes process state (teach/cli.test.ts: cwd) restores it.
    isolate: false,
    testTimeout: 60_000,
    // beforeAll hooks analyse whole captures or spawn processes: as long as a test may take
    // (vitest's 10 s default failed spawn.test.ts's hook on a loaded machine).
    hookTimeout: 60_000,
  },
});
