'use strict';
/**
 * Loads the bundled CLI (dist/cli/ftpcap.cjs, by scripts/bundle-cli.mjs) as one script, compiled
 * from the V8 code cache the build made for it (dist/cli/ftpcap.cjs.HASH.cache) when V8 takes it: the
 * same V8 build and flags as when it was made; otherwise V8 compiles the script as usual.
 * CommonJS, so that Node starts it without its ES module loader.
 */
const { readFileSync, writeFileSync, renameSync } = require('node:fs');
const { createRequire } = require('node:module');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');
const vm = require('node:vm');

const DIST_CLI = join(__dirname, '..', 'dist', 'cli');
const BUNDLE = join(DIST_CLI, 'ftpcap.cjs');

/**
 * The cache made for this text of the bundle: named by the hash the build wrote on its last line.
 * V8 itself compares only the length of the text a cache was made from.
 */
function cachePath(source) {
  const id = /\/\/# ftpcap-bundle ([0-9a-f]+)\s*$/.exec(source.slice(-64));
  return id ? `${BUNDLE}.${id[1]}.cache` : null;
}

/**
 * The CLI's exports (`run`), and `saveCache()`, which writes the code of every function compiled
 * so far as the cache (scripts/make-code-cache.cjs calls it after a run).
 */
function loadCli() {
  // The bundle is ASCII (test/cli/bundle.test.ts): read one byte a character, no UTF-8 decoding.
  const source = readFileSync(BUNDLE, 'latin1');
  const cache = cachePath(source);
  let cachedData;
  try {
    if (cache !== null) cachedData = readFileSync(cache);
  } catch {
    // built without one: V8 compiles the script
  }
  // The wrapper Node gives a CommonJS module, and the bundle's URL where its code read import.meta.url.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname, ftpcapBundleUrl) {${source}\n})`, {
    filename: BUNDLE,
    cachedData,
  });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(BUNDLE), module, BUNDLE, DIST_CLI, pathToFileURL(BUNDLE).href);
  return {
    cli: module.exports,
    cacheTaken: cachedData !== undefined && !script.cachedDataRejected,
    saveCache() {
      if (cache === null) return;
      const tmp = `${cache}.${process.pid}.tmp`;
      writeFileSync(tmp, script.createCachedData());
      renameSync(tmp, cache);
    },
  };
}

module.exports = { loadCli, BUNDLE };
