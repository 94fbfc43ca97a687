/**
 * The CLI as bin/ftpcap runs it: one bundled script, dist/cli/ftpcap.cjs (scripts/bundle-cli.mjs,
 * built for this run by test/support/build-once.ts), compiled from the V8 code cache the build made
 * (bin/load-cli.cjs). What bundling could break and no other test would see: a file named relative
 * to the module that names it (a worker thread, package.json, the sample captures) must be the same
 * file from the bundle as from the module tsc compiled; pcap-parser must stay in node_modules
 * (bundled, its `new Buffer()` prints Node's DEP0005 warning); and the cache must be one V8 takes
 * under bin/ftpcap's own flags, and only for the text it was made from.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { shebangNodeOptions, shebangUnsetVariables } from '../../scripts/bundle-cli.mjs';

const ROOT = resolve(__dirname, '../..');
const BUNDLE = join(ROOT, 'dist/cli/ftpcap.cjs');

/** Load the bundle as bin/ftpcap does, in a process with the given Node options: was the cache taken? */
function cacheTaken(nodeOptions: string[]): string {
  const probe = `const l = require(${JSON.stringify(join(ROOT, 'bin/load-cli.cjs'))}).loadCli(); process.stdout.write(String(l.cacheTaken) + ' ' + typeof l.cli.run);`;
  const r = spawnSync(process.execPath, [...nodeOptions, '-e', probe], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return r.stdout;
}

describe('the bundled CLI', () => {
  const text = readFileSync(BUNDLE, 'utf8');

  it('names every file it builds from import.meta.url as the compiled modules do, and each exists', () => {
    const named = [...text.matchAll(/new URL\("([^"]+)", ?ftpcapBundleUrl\)/g)].map((m) => m[1]).sort();
    expect(named).toEqual(['../../fixtures/', '../../package.json', '../capture/read-worker.js', './summary-worker.js']);
    expect(text).not.toContain('import.meta');
    for (const rel of named) expect(existsSync(fileURLToPath(new URL(rel, pathToFileURL(BUNDLE)))), rel).toBe(true);
    // The same files from the compiled modules that name them.
    expect(fileURLToPath(new URL('../capture/read-worker.js', pathToFileURL(join(ROOT, 'dist/capture/reader-thread.js'))))).toBe(join(ROOT, 'dist/capture/read-worker.js'));
  });

  it('is ASCII: V8 keeps its source as one byte a character (one "—" in a regular expression had made all of it two-byte: ~12 ms of every start)', () => {
    // esbuild escapes what strings hold, not what regular expression literals hold: write \u2014 there.
    const beyond = [...text].findIndex((c) => c.charCodeAt(0) > 0x7f);
    expect(beyond === -1 ? null : text.slice(Math.max(0, beyond - 60), beyond + 20)).toBeNull();
  });

  it('requires pcap-parser from node_modules instead of carrying it', () => {
    expect(text).toContain('require("pcap-parser")');
    expect(text).not.toMatch(/new Buffer\(/);
  });

  it('is what bin/ftpcap loads, with the code cache made for this text under the shim\'s flags', () => {
    expect(readFileSync(join(ROOT, 'bin/ftpcap'), 'utf8')).toContain("require('./load-cli.cjs').loadCli()");
    const hash = /\/\/# ftpcap-bundle ([0-9a-f]{16})\n$/.exec(text)?.[1];
    expect(readdirSync(join(ROOT, 'dist/cli')).filter((f) => f.endsWith('.cache'))).toEqual([`ftpcap.cjs.${hash}.cache`]);
    expect(shebangNodeOptions(ROOT)).toEqual(['--max-old-space-size=1024', '--max-semi-space-size=64']);
    expect(shebangUnsetVariables(ROOT)).toEqual(['NODE_EXTRA_CA_CERTS']);
    expect(cacheTaken(shebangNodeOptions(ROOT))).toBe('true function');
    // Other V8 flags (a --max-memory relaunch): V8 refuses the cache and compiles; the CLI is the same.
    expect(cacheTaken(['--max-old-space-size=2048'])).toBe('false function');
  });
});
