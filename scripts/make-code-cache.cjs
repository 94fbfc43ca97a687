'use strict';
/**
 * Run by scripts/bundle-cli.mjs under bin/ftpcap's Node flags: runs the bundled CLI once with the
 * arguments given (a small `summary`), then saves V8's code for every function that run compiled
 * as the bundle's code cache, so that the next start compiles none of it.
 */
const { loadCli } = require('../bin/load-cli.cjs');

const { cli, saveCache } = loadCli();
cli.run().then(() => {
  if (process.exitCode) return; // the run failed: no cache from it
  saveCache();
});
