/**
 * vitest globalSetup: builds dist/ once per test run, for the tests that need the compiled
 * program (real processes of bin/ftpcap, the reader's worker thread), instead of each running
 * `npm run build` itself.
 *
 * The steps are `npm run build`'s: scripts/build-report-page.mjs (skipped under `npm test`, whose
 * pretest script has just run it), then tsc -p tsconfig.json, run incrementally into a private
 * folder (node_modules/.cache/ftpcap-build/<checkout>: only changed sources are compiled again); the files
 * that differ are then moved into dist/ one by one with rename(2), so a process reading dist/
 * meanwhile — another engineer's test run — never sees a half-written file; when one did differ, the
 * CLI is bundled again (scripts/bundle-cli.mjs, written whole and renamed too). A lock folder keeps
 * two runs from compiling into the private folder at once.
 *
 * One compiler run does both jobs of `npm test`: the type check of the sources and the tests
 * (tsconfig.test.json) and the build of dist/ from the sources (the same program, emitting; what
 * it writes for test/ is not published). Under `npm test` a type error anywhere fails the run
 * here; when one test file is run, the build goes on (tsc writes dist/ all the same), so work in
 * progress elsewhere does not stop it.
 *
 * The result for the sources (tsc's exit status and output, as `npm run build` would give them)
 * is given to the tests as `inject('build')`.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { bundleCli } from '../../scripts/bundle-cli.mjs';

export interface BuildResult {
  /** tsc's exit status: 0, or 1/2 with type errors (the files are written all the same). */
  status: number | null;
  output: string;
  ms: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    build: BuildResult;
  }
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// One folder per checkout: worktrees may share node_modules.
const CACHE = join(ROOT, 'node_modules', '.cache', 'ftpcap-build', createHash('sha256').update(realpathSync(ROOT)).digest('hex').slice(0, 12));
const OUT = join(CACHE, 'out-all');
/** What the sources compile to, inside OUT (the program's root is the project: src/ and test/). */
const OUT_SRC = join(OUT, 'src');
const LOCK = join(CACHE, 'lock');
const DIST = join(ROOT, 'dist');

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Take the lock folder; a lock left by a process that is gone is taken over. */
function lock(): () => void {
  mkdirSync(CACHE, { recursive: true });
  const until = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      return () => rmSync(LOCK, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
      } catch {
        // being created or removed: look again
      }
      if (Number.isInteger(owner) && owner > 0 && !alive(owner)) rmSync(LOCK, { recursive: true, force: true });
      else if (Date.now() > until) throw new Error(`build-once: ${LOCK} held for 5 minutes by process ${owner}`);
      else sleep(100);
    }
  }
}

function* files(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else if (e.isFile()) yield p;
  }
}

/** Move every file of OUT_SRC whose bytes dist/ does not have yet into dist/, atomically each. */
function publish(): number {
  let moved = 0;
  for (const from of files(OUT_SRC)) {
    const rel = relative(OUT_SRC, from);
    const to = join(DIST, rel);
    let bytes = readFileSync(from);
    if (from.endsWith('.map')) {
      // Source maps name their sources relative to where they lie: say it from dist/.
      const map = JSON.parse(bytes.toString('utf8')) as { sources: string[] };
      map.sources = map.sources.map((s) => relative(dirname(to), join(dirname(from), s)));
      bytes = Buffer.from(JSON.stringify(map));
    }
    if (existsSync(to) && statSync(to).size === bytes.length && readFileSync(to).equals(bytes)) continue;
    mkdirSync(dirname(to), { recursive: true });
    const tmp = `${to}.${process.pid}.tmp`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, to);
    moved++;
  }
  return moved;
}

/** tsc's diagnostics (--pretty false), each with its continuation lines. */
function diagnostics(output: string): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = [];
  for (const line of output.split('\n')) {
    const m = /^(.+?)\(\d+,\d+\): /.exec(line);
    if (m) out.push({ file: m[1], text: line });
    else if (line.trim() !== '') {
      if (out.length > 0 && /^\s/.test(line)) out[out.length - 1].text += `\n${line}`;
      else out.push({ file: '', text: line });
    }
  }
  return out;
}

/** Type-check sources and tests, and build dist/: the result for the sources, and for all. */
export function compileOnce(): { build: BuildResult; typecheck: BuildResult } {
  const t0 = Date.now();
  const release = lock();
  try {
    const page = join(ROOT, 'scripts', 'build-report-page.mjs');
    if (process.env.npm_lifecycle_event !== 'test' && existsSync(page)) {
      const p = spawnSync(process.execPath, [page], { cwd: ROOT, encoding: 'utf8' });
      if (p.error) throw p.error;
      if (p.status !== 0) {
        const failed = { status: p.status, output: `${p.stdout}${p.stderr}`, ms: Date.now() - t0 };
        return { build: failed, typecheck: failed };
      }
    }
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    // tsconfig.test.json with emit: its compiler options are tsconfig.json's (extended) but for
    // the root, so src/ compiles to OUT/src exactly as `npm run build` compiles it to dist/. In
    // build mode (-b), tsc first compares the inputs' times with its last output's: when nothing
    // changed it stops there (0.4 s), not parsing the 180,000 lines of sources and type
    // definitions again (5 s); after a change, or while errors remain, it compiles incrementally.
    const config = join(CACHE, 'tsconfig.json');
    const text = `${JSON.stringify(
      {
        extends: join(ROOT, 'tsconfig.test.json'),
        compilerOptions: { noEmit: false, outDir: OUT, incremental: true, tsBuildInfoFile: join(CACHE, 'tsbuildinfo-all'), pretty: false },
      },
      null,
      1,
    )}\n`;
    if (!existsSync(config) || readFileSync(config, 'utf8') !== text) writeFileSync(config, text);
    const r = spawnSync(process.execPath, [tsc, '-b', config], { cwd: ROOT, encoding: 'utf8' });
    if (r.error) throw r.error;
    if (publish() > 0 || !existsSync(join(DIST, 'cli', 'ftpcap.cjs'))) bundleCli(ROOT);
    const output = `${r.stdout}${r.stderr}`;
    const ms = Date.now() - t0;
    const ofSources = diagnostics(output).filter((d) => !d.file.startsWith('test/') && d.file !== 'vitest.config.ts');
    return {
      build: { status: ofSources.length === 0 ? 0 : r.status, output: ofSources.map((d) => `${d.text}\n`).join(''), ms },
      typecheck: { status: r.status, output, ms },
    };
  } finally {
    release();
  }
}

/** The build of dist/ (`npm run build`'s result), type-checking the tests on the way. */
export function buildOnce(): BuildResult {
  return compileOnce().build;
}

export default function setup(project: TestProject): void {
  const { build, typecheck } = compileOnce();
  if (process.env.npm_lifecycle_event === 'test' && typecheck.status !== 0) {
    throw new Error(`npm test: the type check failed (tsc -p tsconfig.test.json):\n${typecheck.output}`);
  }
  project.provide('build', build);
}
