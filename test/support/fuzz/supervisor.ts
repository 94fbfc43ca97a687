/**
 * Runs fuzz cases in a child process with a watchdog: a case that does not finish within the
 * per-case timeout (a hang, even a synchronous endless loop) is killed and reported, as is one
 * that crashes the process (e.g. out of memory under the child's heap limit); the run then goes on
 * from the next case in a fresh child. Used by the suite (test/robustness/fuzz.test.ts) and by
 * `npm run fuzz` (scripts/fuzz.ts).
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Category, Op } from './mutations.js';

export interface FuzzOptions {
  seed: number;
  /** Run cases [from, from + cases) … */
  cases?: number;
  from?: number;
  /** … or until this many seconds have passed. */
  seconds?: number;
  /** Cases cycle through fixtures × categories (the suite's plan) instead of drawing both. */
  spread?: boolean;
  fixture?: string;
  category?: Category;
  /** Per-case time limit (default 20 s). */
  timeoutMs?: number;
  /** Heap limit of the child (default 1024 MiB): exceeding it is reported as a crash. */
  maxHeapMb?: number;
  onProgress?(done: number): void;
  /** Testing the watchdog: make case `hang` loop forever, case `crash` kill its process. */
  simulate?: { hang?: number; crash?: number };
}

export interface CaseRecord {
  i: number;
  seed: number;
  fixture: string;
  window: { start: number; count: number } | null;
  category: Category;
  ops: Op[];
  ms: number;
  outcome: 'analysed' | 'capture-error' | 'hang' | 'crash';
  warnings: string[];
  problems: string[];
  /** Commands compared with the undamaged capture's (see run-case.ts). */
  compared: number;
}

export interface FuzzReport {
  seed: number;
  cases: CaseRecord[];
  /** Wall time of the whole run. */
  ms: number;
  maxRssMb: number;
  /** Child processes started (1 + one per hang or crash). */
  children: number;
}

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'child.ts');
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function viteNode(): string {
  const pkg = createRequire(import.meta.url).resolve('vite-node/package.json');
  return join(dirname(pkg), 'vite-node.mjs');
}

interface StartLine {
  start: number;
  fixture: string;
  window: CaseRecord['window'];
  category: Category;
  ops: Op[];
  seed: number;
}

/** One child: runs from `from` until `to` / the deadline; resolves with the case it died in, if any. */
function runChild(
  opts: FuzzOptions,
  from: number,
  to: number | null,
  deadline: number | null,
  sink: (r: CaseRecord) => void,
  rss: (bytes: number) => void,
): Promise<{ next: number; finished: boolean }> {
  const args = [`--max-old-space-size=${opts.maxHeapMb ?? 1024}`, viteNode(), '--root', ROOT, CHILD, '--seed', String(opts.seed), '--from', String(from)];
  if (to !== null) args.push('--to', String(to));
  if (deadline !== null) args.push('--deadline', String(deadline));
  if (opts.spread) args.push('--spread');
  if (opts.fixture) args.push('--fixture', opts.fixture);
  if (opts.category) args.push('--category', opts.category);
  if (opts.simulate?.hang !== undefined) args.push('--simulate-hang', String(opts.simulate.hang));
  if (opts.simulate?.crash !== undefined) args.push('--simulate-crash', String(opts.simulate.crash));
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const timeout = opts.timeoutMs ?? 20_000;
  let current: StartLine | null = null;
  let started = 0;
  let next = from;
  let finished = false;
  let stderr = '';
  let timer: NodeJS.Timeout | null = null;
  let killedFor: 'hang' | null = null;
  // Starting the child (vite-node transforms the sources) may take a while: a generous first limit.
  const arm = (ms: number): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      killedFor = 'hang';
      child.kill('SIGKILL');
    }, ms);
  };
  arm(Math.max(timeout, 60_000));
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return; // not ours
    }
    if (typeof o.start === 'number') {
      current = o as unknown as StartLine;
      started = Date.now();
      arm(timeout);
    } else if (typeof o.done === 'number' && current !== null) {
      const d = o as { ms: number; outcome: CaseRecord['outcome']; warnings: string[]; problems: string[]; compared: number; rss: number };
      sink({ i: current.start, seed: current.seed, fixture: current.fixture, window: current.window, category: current.category, ops: current.ops, ms: d.ms, outcome: d.outcome, warnings: d.warnings, problems: d.problems, compared: d.compared });
      rss(d.rss);
      next = current.start + 1;
      current = null;
      arm(timeout);
    } else if (o.end === true) {
      finished = true;
    } else if (typeof o.error === 'string') {
      stderr += o.error;
    }
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      const c = current as StartLine | null;
      if (c !== null) {
        const hang = killedFor === 'hang';
        sink({
          i: c.start,
          seed: c.seed,
          fixture: c.fixture,
          window: c.window,
          category: c.category,
          ops: c.ops,
          ms: Date.now() - started,
          outcome: hang ? 'hang' : 'crash',
          warnings: [],
          compared: 0,
          problems: [
            hang
              ? `case did not finish within ${timeout} ms (killed)`
              : `process died (code ${code}, signal ${signal}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
          ],
        });
        resolve({ next: c.start + 1, finished: false });
        return;
      }
      if (!finished) {
        reject(new Error(`fuzz child stopped outside a case (code ${code}, signal ${signal}): ${stderr.trim().slice(-1000)}`));
        return;
      }
      resolve({ next, finished: true });
    });
  });
}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const t0 = Date.now();
  const cases: CaseRecord[] = [];
  let maxRss = 0;
  let children = 0;
  const from = opts.from ?? 0;
  const to = opts.cases !== undefined ? from + opts.cases : null;
  const deadline = opts.seconds !== undefined ? t0 + opts.seconds * 1000 : null;
  let at = from;
  for (;;) {
    children++;
    const { next, finished } = await runChild(
      opts,
      at,
      to,
      deadline,
      (r) => {
        cases.push(r);
        opts.onProgress?.(cases.length);
      },
      (b) => {
        maxRss = Math.max(maxRss, b);
      },
    );
    at = next;
    if (finished || (to !== null && at >= to) || (deadline !== null && Date.now() >= deadline)) break;
  }
  return { seed: opts.seed, cases, ms: Date.now() - t0, maxRssMb: Math.round(maxRss / 2 ** 20), children };
}

/** A finding as a row of the regression table in test/robustness/fuzz-regressions.test.ts. */
export function regressionRow(c: CaseRecord, runSeed: number): string {
  return `  { found: 'npm run fuzz -- --seed ${runSeed}: case ${c.i}', fixture: '${c.fixture}', window: ${JSON.stringify(c.window)}, seed: ${c.seed}, ops: ${JSON.stringify(c.ops)} },`;
}
