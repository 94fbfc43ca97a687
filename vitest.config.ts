import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const DIST = fileURLToPath(new URL('./dist/', import.meta.url));
const IN_DIST = new RegExp(`^${DIST.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
/** `vitest` left watching: the sources must be read afresh as they change. */
const WATCHING = !process.argv.includes('run') && !process.argv.includes('--run') && !process.env.CI;

export default defineConfig({
  // A run (npm test) loads the program compiled by the global setup (build-once.ts) instead of
  // the TypeScript sources: Node imports dist/ itself, so vite transforms none of the ~150 source
  // modules in each worker (the tests' imports of ../src/X.js are mapped to dist/X.js). Watch mode
  // keeps the sources, which it reloads on change.
  resolve: WATCHING ? {} : { alias: [{ find: /^(?:\.\.\/)+src\/(.*)\.js$/, replacement: `${DIST}$1.js` }] },
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
    server: WATCHING ? {} : { deps: { external: [IN_DIST] } },
    testTimeout: 60_000,
    // beforeAll hooks analyse whole captures or spawn processes: as long as a test may take
    // (vitest's 10 s default failed spawn.test.ts's hook on a loaded machine).
    hookTimeout: 60_000,
  },
});
