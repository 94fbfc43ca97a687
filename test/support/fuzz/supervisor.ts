/**
 * Runs fuzz cases in a pool of long-lived worker processes (child.ts), one per core by default,
 * each case under a watchdog: a case that does not finish within the per-case timeout (a hang,
 * even a synchronous endless loop) gets its worker killed and is reported, as is one that crashes
 * its worker (e.g. out of memory under the heap limit); a fresh worker takes the dead one's place
 * while its cases remain. Each worker runs a fixed stripe of the cases, one at a time; the others
 * go on meanwhile. Used by
 * the suite (test/robustness/fuzz.test.ts) and by `npm run fuzz` (cli.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { compiledChild } from './compiled.js';
import type { Category, Op } from './mutations.js';

export interface FuzzOptions {
  seed: number;
  /** Run cases [from, from + cases) … */
  cases?: number;
  from?: number;
  /** … or exactly these cases, in this order … */
  only?: number[];
  /** … or until this many seconds have passed. */
  seconds?: number;
  /** Cases cycle through fixtures × categories (the suite's plan) instead of drawing both. */
  spread?: boolean;
  fixture?: string;
  category?: Category;
  /** Per-case time limit (default 20 s). */
  timeoutMs?: number;
  /** Heap limit of each worker (default 1024 MiB): exceeding it is reported as a crash. */
  maxHeapMb?: number;
  /** Worker processes run at once (default: os.availableParallelism(), at most one per case). */
  workers?: number;
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
  /** In case order, whichever worker ran them. */
  cases: CaseRecord[];
  /** Wall time of the whole run. */
  ms: number;
  /** The largest RSS any worker reported. */
  maxRssMb: number;
  /** Size of the pool. */
  workers: number;
  /** Workers started to replace one killed for a hang or lost to a crash (0 when no case hung or crashed). */
  replaced: number;
  /** Worker processes started in all: workers + replaced. */
  children: number;
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Starting a worker or planning a case (a fixture is read): a generous limit. */
const START_LIMIT_MS = 120_000;

interface StartLine {
  start: number;
  fixture: string;
  window: CaseRecord['window'];
  category: Category;
  ops: Op[];
  seed: number;
}

function workerArgs(opts: FuzzOptions, child: string): string[] {
  const args = [`--max-old-space-size=${opts.maxHeapMb ?? 1024}`, child, '--seed', String(opts.seed)];
  if (opts.spread) args.push('--spread');
  if (opts.fixture) args.push('--fixture', opts.fixture);
  if (opts.category) args.push('--category', opts.category);
  if (opts.simulate?.hang !== undefined) args.push('--simulate-hang', String(opts.simulate.hang));
  if (opts.simulate?.crash !== undefined) args.push('--simulate-crash', String(opts.simulate.crash));
  return args;
}

export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const t0 = Date.now();
  const timeout = opts.timeoutMs ?? 20_000;
  const from = opts.from ?? 0;
  /** The case at position n of the run. */
  const caseAt = (n: number): number => (opts.only ? opts.only[n] : from + n);
  const count = opts.only ? opts.only.length : opts.cases !== undefined ? opts.cases : Infinity;
  const deadline = opts.seconds !== undefined ? t0 + opts.seconds * 1000 : Infinity;
  const size = Math.max(1, Math.min(opts.workers ?? defaultWorkers(), count));
  const args = workerArgs(opts, await compiledChild());
  const cases: CaseRecord[] = [];
  let maxRss = 0;
  let children = 0;
  // Worker k runs the cases at positions k, k + size, … in order (its replacement goes on with
  // them): which cases share a process, and in which order, is the same on every run with this
  // many workers, so a finding that depends on what the process ran before repeats.
  const stripe = Array.from({ length: size }, (_, k) => k);
  /** Worker k's next case, or null when its share of the run is over. */
  const take = (k: number): number | null => {
    if (stripe[k] >= count || Date.now() >= deadline) return null;
    const i = caseAt(stripe[k]);
    stripe[k] += size;
    return i;
  };
  const more = (k: number): boolean => stripe[k] < count && Date.now() < deadline;

  return new Promise<FuzzReport>((resolve, reject) => {
    let live = 0;
    let failed = false;
    const fail = (err: Error, all: Set<ChildProcess>): void => {
      if (failed) return;
      failed = true;
      for (const c of all) c.kill('SIGKILL');
      reject(err);
    };
    const procs = new Set<ChildProcess>();
    const finish = (): void => {
      if (live > 0 || failed) return;
      cases.sort((a, b) => a.i - b.i);
      resolve({ seed: opts.seed, cases, ms: Date.now() - t0, maxRssMb: Math.round(maxRss / 2 ** 20), workers: size, replaced: children - size, children });
    };

    const startWorker = (k: number): void => {
      children++;
      live++;
      const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
      procs.add(child);
      let current: StartLine | null = null;
      let started = 0;
      let ready = false;
      let finished = false;
      let stderr = '';
      let error = '';
      let timer: NodeJS.Timeout | null = null;
      let killedFor: 'hang' | null = null;
      const arm = (ms: number): void => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => {
          killedFor = 'hang';
          child.kill('SIGKILL');
        }, ms);
      };
      /** Hand this worker its next case, or end its input. */
      const next = (): void => {
        const i = take(k);
        if (i === null) {
          if (timer) clearTimeout(timer);
          timer = null;
          child.stdin.end();
          return;
        }
        // Planning the case (reading its fixture the first time) is the harness's work: the
        // per-case limit starts with the case itself, at its start line.
        arm(START_LIMIT_MS);
        child.stdin.write(`${i}\n`);
      };
      arm(Math.max(timeout, START_LIMIT_MS));
      child.stdin.on('error', () => {}); // a worker that died: its close event tells
      child.stderr.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-4000);
      });
      createInterface({ input: child.stdout }).on('line', (line) => {
        let o: Record<string, unknown>;
        try {
          o = JSON.parse(line) as Record<string, unknown>;
        } catch {
          return; // not ours
        }
        if (o.ready === true) {
          ready = true;
          next();
        } else if (typeof o.start === 'number') {
          current = o as unknown as StartLine;
          started = Date.now();
          arm(timeout);
        } else if (typeof o.done === 'number' && current !== null) {
          const d = o as { ms: number; outcome: CaseRecord['outcome']; warnings: string[]; problems: string[]; compared: number; rss: number };
          const c: StartLine = current;
          cases.push({ i: c.start, seed: c.seed, fixture: c.fixture, window: c.window, category: c.category, ops: c.ops, ms: d.ms, outcome: d.outcome, warnings: d.warnings, problems: d.problems, compared: d.compared });
          maxRss = Math.max(maxRss, d.rss);
          opts.onProgress?.(cases.length);
          current = null;
          next();
        } else if (o.end === true) {
          finished = true;
        } else if (typeof o.error === 'string') {
          error += o.error;
        }
      });
      child.on('error', (err) => fail(err, procs));
      child.on('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        procs.delete(child);
        live--;
        const c = current as StartLine | null;
        if (c !== null) {
          const hang = killedFor === 'hang';
          cases.push({
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
          opts.onProgress?.(cases.length);
          // A fresh worker in its place, while cases remain.
          if (more(k)) startWorker(k);
          finish();
          return;
        }
        if (!finished || error !== '') {
          const why = !ready ? (killedFor === 'hang' ? `did not start within ${Math.max(timeout, START_LIMIT_MS)} ms` : 'died while starting') : 'stopped outside a case';
          fail(new Error(`fuzz worker ${why} (code ${code}, signal ${signal}): ${(error || stderr).trim().slice(-1000)}`), procs);
          return;
        }
        finish();
      });
    };

    for (let k = 0; k < size; k++) startWorker(k);
  });
}

/** A finding as a row of the regression table in test/robustness/fuzz-regressions.test.ts. */
export function regressionRow(c: CaseRecord, runSeed: number): string {
  return `  { found: 'npm run fuzz -- --seed ${runSeed}: case ${c.i}', fixture: '${c.fixture}', window: ${JSON.stringify(c.window)}, seed: ${c.seed}, ops: ${JSON.stringify(c.ops)} },`;
}
