/**
 * The fuzz worker as plain JavaScript, so that a worker process starts in a tenth of a second
 * instead of the two seconds of CPU vite-node takes to start and transform the sources (the
 * suite starts six workers). The harness's own files (the fuzz folder and capture-records.ts) are
 * transpiled, type annotations stripped, into a cache folder laid out like the project, whose
 * `src` is a link to dist/ and `fixtures` to fixtures/: the imports stay as written. dist/ must
 * be current: the test run's global setup (build-once.ts) builds it, and cli.ts calls that too.
 * A file is transpiled again only when its text changed.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SOURCES = ['test/support/capture-records.ts', ...['child', 'corpus', 'driver', 'mutations', 'run-case'].map((f) => `test/support/fuzz/${f}.ts`)];

/** Path of the compiled child.js, after bringing the cache folder up to date. */
export async function compiledChild(): Promise<string> {
  const dir = join(ROOT, 'node_modules', '.cache', 'ftpcap-fuzz', createHash('sha256').update(realpathSync(ROOT)).digest('hex').slice(0, 12));
  mkdirSync(join(dir, 'test', 'support', 'fuzz'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  for (const [link, target] of [
    ['src', 'dist'],
    ['fixtures', 'fixtures'],
  ]) {
    if (!existsSync(join(dir, link))) symlinkSync(join(ROOT, target), join(dir, link));
  }
  let ts: typeof import('typescript') | null = null;
  for (const rel of SOURCES) {
    const text = readFileSync(join(ROOT, rel), 'utf8');
    const out = join(dir, rel.replace(/\.ts$/, '.js'));
    const stamp = `// source sha256 ${createHash('sha256').update(text).digest('hex')}\n`;
    if (existsSync(out) && readFileSync(out, 'utf8').startsWith(stamp)) continue;
    ts ??= (await import('typescript')).default;
    const js = ts.transpileModule(text, { fileName: rel, compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    // Whole or not at all: another run may be starting workers from this folder.
    const tmp = `${out}.${process.pid}.tmp`;
    writeFileSync(tmp, stamp + js);
    renameSync(tmp, out);
  }
  return join(dir, 'test', 'support', 'fuzz', 'child.js');
}
