/**
 * The fuzz worker process (run by supervisor.ts through vite-node): runs cases `from`, `from + 1`, …
 * of a run and prints one JSON line before and one after each, so the supervisor can tell which
 * case hung or crashed the process. Arguments: --seed N --from I [--to J] [--spread]
 * [--deadline EPOCH_MS] [--fixture TEXT] [--category NAME]. For testing the supervisor itself:
 * --simulate-hang I (case I loops forever, synchronously) and --simulate-crash I (the process dies).
 */
import { planCase, type PlannedCase } from './corpus.js';
import { runPlanned } from './driver.js';
import type { Category } from './mutations.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const seed = Number(arg('seed') ?? 1);
const from = Number(arg('from') ?? 0);
const to = Number(arg('to') ?? Infinity);
const deadline = Number(arg('deadline') ?? Infinity);
const spread = process.argv.includes('--spread');
const only = { fixture: arg('fixture'), category: arg('category') as Category | undefined };
const hangAt = Number(arg('simulate-hang') ?? -1);
const crashAt = Number(arg('simulate-crash') ?? -1);

const write = (o: unknown): void => {
  process.stdout.write(`${JSON.stringify(o)}\n`);
};

for (let i = from; i < to && Date.now() < deadline; i++) {
  let c: PlannedCase;
  try {
    c = planCase(seed, i, spread, only);
  } catch (err) {
    write({ error: `planning case ${i}: ${err instanceof Error ? err.message : String(err)}` });
    break;
  }
  write({ start: i, fixture: c.fixture, window: c.window, category: c.category, ops: c.ops, seed: c.seed });
  if (i === hangAt) for (;;);
  if (i === crashAt) process.kill(process.pid, 'SIGKILL');
  const r = await runPlanned(c);
  write({ done: i, ms: Math.round(r.ms * 10) / 10, outcome: r.outcome, warnings: r.warnings, problems: r.problems, compared: r.compared, rss: process.memoryUsage().rss });
}
write({ end: true });
