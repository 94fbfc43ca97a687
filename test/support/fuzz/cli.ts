/**
 * `npm run fuzz -- [--seed N] [--seconds S] [--cases N] [--from I] [--fixture TEXT] [--category NAME]
 *                  [--timeout MS] [--heap MB] [--workers N] [--spread]`
 *
 * A longer, time-bounded fuzz run than the suite's: mutations and truncations of every recorded
 * fixture (windows of the large ones) through analysis and every renderer, in a pool of worker
 * processes (one per core), each case under a watchdog (test/support/fuzz/supervisor.ts). Prints a summary; every failing,
 * hanging or crashing case is printed as a row for the regression table in
 * test/robustness/fuzz-regressions.test.ts (a case is its seed and ops: no bytes are committed).
 * Exit code 1 when something was found.
 */
import { buildOnce } from '../build-once.js';
import { CATEGORIES, type Category } from './mutations.js';
import { defaultWorkers, regressionRow, runFuzz, type CaseRecord } from './supervisor.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function num(name: string, fallback?: number): number | undefined {
  const v = arg(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) {
    process.stderr.write(`fuzz: --${name} expects a number, got ${v}\n`);
    process.exit(2);
  }
  return n;
}

if (process.argv.includes('--help') || process.argv.includes('-h')) {
  process.stdout.write(
    [
      'npm run fuzz -- [options]',
      '  --seed N         run seed (default: from the clock, printed)',
      '  --seconds S      stop after S seconds (default 60, unless --cases)',
      '  --cases N        run exactly N cases',
      '  --from I         first case number (replay: --seed N --from I --cases 1)',
      '  --fixture TEXT   only fixtures whose name contains TEXT',
      `  --category NAME  only one kind of damage: ${CATEGORIES.join(', ')}`,
      '  --timeout MS     per-case limit before a case counts as a hang (default 20000)',
      '  --heap MB        heap limit of each worker process (default 1024)',
      `  --workers N      worker processes at once (default ${defaultWorkers()}, one per core)`,
      '  --spread         go round fixtures x categories instead of drawing them',
      '',
    ].join('\n'),
  );
  process.exit(0);
}

const category = arg('category') as Category | undefined;
if (category !== undefined && !CATEGORIES.includes(category)) {
  process.stderr.write(`fuzz: unknown category ${category} (${CATEGORIES.join(', ')})\n`);
  process.exit(2);
}
const seed = num('seed') ?? Date.now() % 1_000_000;
const cases = num('cases');
const seconds = cases === undefined ? num('seconds', 60) : num('seconds');

// The workers run the compiled program (compiled.ts): bring dist/ up to date first.
const build = buildOnce();
if (build.status !== 0) process.stderr.write(`fuzz: the build reported type errors (running what it wrote):\n${build.output}`);
process.stdout.write(`fuzz: seed ${seed}, ${cases !== undefined ? `${cases} cases` : `${seconds} s`}\n`);
let lastShown = Date.now();
const report = await runFuzz({
  seed,
  cases,
  seconds,
  from: num('from', 0),
  spread: process.argv.includes('--spread'),
  fixture: arg('fixture'),
  category,
  timeoutMs: num('timeout'),
  maxHeapMb: num('heap'),
  workers: num('workers'),
  onProgress: (n) => {
    if (Date.now() - lastShown > 10_000) {
      lastShown = Date.now();
      process.stdout.write(`  ${n} cases…\n`);
    }
  },
});

const by = <K extends string>(key: (c: CaseRecord) => K): Map<K, number> => {
  const m = new Map<K, number>();
  for (const c of report.cases) m.set(key(c), (m.get(key(c)) ?? 0) + 1);
  return m;
};
const fmt = (m: Map<string, number>): string =>
  [...m].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ');
const found = report.cases.filter((c) => c.problems.length > 0);
const slowest = [...report.cases].sort((a, b) => b.ms - a.ms).slice(0, 5);
const warnings = new Map<string, number>();
for (const c of report.cases) for (const w of new Set(c.warnings)) warnings.set(w, (warnings.get(w) ?? 0) + 1);

const lines = [
  '',
  `cases        ${report.cases.length} in ${(report.ms / 1000).toFixed(1)} s (seed ${seed}, cases ${report.cases[0]?.i ?? 0}..${report.cases.at(-1)?.i ?? 0})`,
  `outcomes     ${fmt(by((c) => c.outcome))}`,
  `categories   ${fmt(by((c) => c.category))}`,
  `warnings     ${fmt(warnings) || 'none'} (cases with each)`,
  `prefix       ${report.cases.filter((c) => c.compared > 0).length} cases stopped before the damage: ${report.cases.reduce((n, c) => n + c.compared, 0)} commands compared with the undamaged capture`,
  `slowest      ${slowest.map((c) => `case ${c.i} ${c.ms} ms (${c.fixture}, ${c.category})`).join('; ')}`,
  `memory       max RSS of a worker ${report.maxRssMb} MiB; ${report.workers} worker process(es) at once, ${report.replaced} replaced after a hang or crash`,
  `found        ${found.length} case(s) with problems`,
];
for (const c of found.slice(0, 50)) {
  lines.push('', `case ${c.i} (${c.outcome}, ${c.category}):`, ...c.problems.slice(0, 5).map((p) => `  ${p}`), `regression row:`, regressionRow(c, seed));
}
if (found.length > 50) lines.push('', `… and ${found.length - 50} more`);
process.stdout.write(`${lines.join('\n')}\n`);
process.exitCode = found.length > 0 ? 1 : 0;
