#!/usr/bin/env node
/**
 * Last step of `npm run build`: the CLI that tsc compiled into dist/ (some 160 ES modules) bundled
 * into one script, dist/cli/ftpcap.cjs, and V8's code cache for it, dist/cli/ftpcap.cjs.HASH.cache,
 * which bin/ftpcap loads through bin/load-cli.cjs. Node resolves, reads, compiles and links an ES
 * module one at a time: for 160 of them that was ~70 ms of every start (0.27 → 0.20 s for
 * `summary` of a small capture on the 2-core machine). A script (not an ES module: Node 20 keeps
 * no code cache for those) compiled from the cache skips V8's parse and the compilation of every
 * function a small `summary` runs, another ~25 ms. The bundle runs the same compiled code: the
 * modules that subcommands import on demand stay lazy inside it.
 *
 * The cache is made by running that `summary` under the V8 flags of bin/ftpcap's first line: V8
 * takes a cache only from the same V8 build with the same flags (others, such as `--max-memory`'s
 * relaunch, compile as without it). A cache that cannot be made costs only that time: the build
 * goes on without it.
 *
 * The bundle lies in dist/cli/ beside run.js, so the URLs the CLI builds from import.meta.url
 * (../../package.json, ./summary-worker.js, ../capture/read-worker.js) name the same files from
 * either: the loader gives the bundle its own URL in their place; test/cli/bundle.test.ts checks
 * each. pcap-parser stays outside: Node warns (DEP0005) about its `new Buffer()` only when that
 * code lies outside node_modules. The worker threads load their modules unbundled: they start
 * beside the main thread.
 *
 * Each file is written whole and then renamed into place, so a process starting meanwhile
 * (another test run) never reads half of it. esbuild comes with vitest's toolchain and is also a
 * direct development dependency (README, "Dependencies").
 */
import { buildSync } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The name the bundle's code reads for import.meta.url; bin/load-cli.cjs passes it in. */
export const BUNDLE_URL_NAME = 'ftpcapBundleUrl';

/** bin/ftpcap's first line: `#!/usr/bin/env -S [-u NAME]… node OPTIONS…`. */
const shebang = (root) => readFileSync(join(root, 'bin', 'ftpcap'), 'utf8').split('\n', 1)[0];

/** The Node options of bin/ftpcap's first line. */
export function shebangNodeOptions(root) {
  const words = shebang(root).replace(/^#!\S*env -S\s+/, '').split(/\s+/);
  const node = words.indexOf('node');
  return node < 0 ? [] : words.slice(node + 1);
}

/** The variables bin/ftpcap's first line removes from the environment (`env -u NAME`). */
export function shebangUnsetVariables(root) {
  return [...shebang(root).matchAll(/\s-u\s+(\S+)/g)].map((m) => m[1]);
}

/** Bundle dist/cli/run.js of the project at `root` into dist/cli/ftpcap.cjs, then make its code cache. */
export function bundleCli(root) {
  const out = join(root, 'dist', 'cli', 'ftpcap.cjs');
  const tmp = `${out}.${process.pid}.tmp`;
  buildSync({
    entryPoints: [join(root, 'dist', 'cli', 'run.js')],
    outfile: tmp,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['pcap-parser'],
    define: { 'import.meta.url': BUNDLE_URL_NAME },
    // Commander requires node:child_process as it loads: a stand-in loads it on first use.
    alias: Object.fromEntries(['node:child_process', 'child_process'].map((m) => [m, join(root, 'scripts', 'bundle', 'lazy-child-process.cjs')])),
    logLevel: 'warning',
    // Comments and indentation out (1.06 → 0.77 MB): reading and decoding the text is ~5 ms less of
    // every start. Names stay, so that a profile of the bundle still reads.
    minifyWhitespace: true,
    legalComments: 'none',
  });
  // A cache belongs to one text of the bundle: its hash names the cache (bin/load-cli.cjs).
  const hash = createHash('sha256').update(readFileSync(tmp)).digest('hex').slice(0, 16);
  appendFileSync(tmp, `//# ftpcap-bundle ${hash}\n`);
  renameSync(tmp, out);
  for (const f of readdirSync(dirname(out))) if (/^ftpcap\.cjs\.[0-9a-f]+\.cache$/.test(f) && !f.includes(hash)) rmSync(join(dirname(out), f), { force: true });
  rmSync(join(root, 'dist', 'cli', 'ftpcap.mjs'), { force: true }); // the ES module bundle of earlier builds
  makeCodeCache(root);
  return out;
}

/** Run a small `summary` through bin/load-cli.cjs under bin/ftpcap's flags, which writes the cache. */
function makeCodeCache(root) {
  const sample = join(root, 'fixtures', 'active-vsftpd-ftp.pcap');
  if (!existsSync(sample)) return;
  const env = { ...process.env };
  for (const name of shebangUnsetVariables(root)) delete env[name];
  const r = spawnSync(process.execPath, [...shebangNodeOptions(root), join(root, 'scripts', 'make-code-cache.cjs'), 'summary', sample], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (r.status !== 0) process.stderr.write(`bundle-cli: no code cache (${(r.error?.message ?? r.stderr).trim().split('\n')[0]}): the CLI starts slower\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  bundleCli(resolve(dirname(fileURLToPath(import.meta.url)), '..'));
}
