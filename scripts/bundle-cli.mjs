#!/usr/bin/env node
/**
 * Last step of `npm run build`: the CLI that tsc compiled into dist/ (some 160 ES modules) bundled
 * into one file, dist/cli/ftpcap.mjs, which bin/ftpcap loads. Node resolves, reads, compiles and
 * links an ES module one at a time: for 160 of them that was ~70 ms of every start (0.27 → 0.20 s
 * for `summary` of a small capture on the 2-core machine). The bundle runs the same compiled code:
 * the modules that subcommands import on demand stay lazy inside it.
 *
 * The bundle lies in dist/cli/ beside run.js, so the URLs the CLI builds from import.meta.url
 * (../../package.json, ./summary-worker.js, ../capture/read-worker.js) name the same files from
 * either; test/cli/bundle.test.ts checks each. pcap-parser stays outside: Node warns (DEP0005)
 * about its `new Buffer()` only when that code lies outside node_modules. The worker threads load
 * their modules unbundled: they start beside the main thread.
 *
 * The file is written whole and then renamed into place, so a process starting meanwhile (another
 * test run) never reads half of it. esbuild comes with vitest's toolchain and is also a direct
 * development dependency (README, "Dependencies").
 */
import { buildSync } from 'esbuild';
import { renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Bundle dist/cli/run.js of the project at `root` into dist/cli/ftpcap.mjs. */
export function bundleCli(root) {
  const out = join(root, 'dist', 'cli', 'ftpcap.mjs');
  const tmp = `${out}.${process.pid}.tmp`;
  buildSync({
    entryPoints: [join(root, 'dist', 'cli', 'run.js')],
    outfile: tmp,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    external: ['pcap-parser'],
    // commander and cli-table3 are CommonJS and call require() for Node's own modules: give the
    // ES module bundle one.
    banner: { js: "import { createRequire as ftpcapCreateRequire } from 'node:module'; const require = ftpcapCreateRequire(import.meta.url);" },
    logLevel: 'warning',
  });
  renameSync(tmp, out);
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  bundleCli(resolve(dirname(fileURLToPath(import.meta.url)), '..'));
}
