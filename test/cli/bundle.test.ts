/**
 * The CLI as bin/ftpcap runs it: one bundled file, dist/cli/ftpcap.mjs (scripts/bundle-cli.mjs,
 * built for this run by test/support/build-once.ts). What bundling could break and no other test
 * would see: a file named relative to the module that names it (a worker thread, package.json,
 * the sample captures) must be the same file from the bundle as from the module tsc compiled, and
 * pcap-parser must stay in node_modules (bundled, its `new Buffer()` prints Node's DEP0005 warning).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const BUNDLE = join(ROOT, 'dist/cli/ftpcap.mjs');

describe('the bundled CLI', () => {
  const text = readFileSync(BUNDLE, 'utf8');

  it('names every file it builds from import.meta.url as the compiled modules do, and each exists', () => {
    const named = [...text.matchAll(/new URL\("([^"]+)", import\.meta\.url\)/g)].map((m) => m[1]).sort();
    expect(named).toEqual(['../../fixtures/', '../../package.json', '../capture/read-worker.js', './summary-worker.js']);
    for (const rel of named) expect(existsSync(fileURLToPath(new URL(rel, pathToFileURL(BUNDLE)))), rel).toBe(true);
    // The same files from the compiled modules that name them.
    expect(fileURLToPath(new URL('../capture/read-worker.js', pathToFileURL(join(ROOT, 'dist/capture/reader-thread.js'))))).toBe(join(ROOT, 'dist/capture/read-worker.js'));
  });

  it('imports pcap-parser from node_modules instead of carrying it', () => {
    expect(text).toContain('import pcapParser from "pcap-parser";');
    expect(text).not.toMatch(/new Buffer\(/);
  });

  it('is what bin/ftpcap loads', () => {
    expect(readFileSync(join(ROOT, 'bin/ftpcap'), 'utf8')).toContain("import('../dist/cli/ftpcap.mjs')");
  });
});
