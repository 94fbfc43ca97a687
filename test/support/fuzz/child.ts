/**
 * A fuzz worker process (started by supervisor.ts as compiled JavaScript, compiled.ts; one of a pool): prints
 * `{"ready":true}` once loaded, then reads case numbers from standard input, one per line, and
 * for each prints one JSON line before and one after running it, so the supervisor can tell which
 * case hung or crashed the process. At the end of its input it prints `{"end":true}`.
 * Arguments: --seed N [--spread] [--fixture TEXT] [--category NAME]. For testing the supervisor
 * itself: --simulate-hang I (case I loops forever, synchronously) and --simulate-crash I (the
 * process dies).
 */
import { createInterface } from 'node:readline';
import { planCase, type PlannedCase } from './corpus.js';
import { runPlanned } from './driver.js';
import type { Category } from './mutations.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const seed = Number(arg('seed') ?? 1);
const spread = process.argv.includes('--spread');
const only = { fixture: arg('fixture'), category: arg('category') as Category | undefined };
const hangAt = Number(arg('simulate-hang') ?? -1);
const crashAt = Number(arg('simulate-crash') ?? -1);

const write = (o: unknown): void => {
  process.stdout.write(`${JSON.stringify(o)}\n`);
};

write({ ready: true });

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === '') continue;
  const i = Number(line);
  let c: PlannedCase;
  try {
    c = planCase(seed, i, spread, only);
  } catch (err) {
    write({ error: `planning case ${i}: ${err instanceof Error ? err.message : String(err)}` });
    break;
  }
  write({ start: i, fixture: c.fixture, window: c.window, category: c.category, ops: c.ops, seed: c.seed });
  // Hang in a synchronous endless loop, one that sleeps: the watchdog sees the same silence as
  // from a busy loop, without the machine's CPU going to it until the kill.
  if (i === hangAt) for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
  if (i === crashAt) process.kill(process.pid, 'SIGKILL');
  const r = await runPlanned(c);
  write({ done: i, ms: Math.round(r.ms * 10) / 10, outcome: r.outcome, warnings: r.warnings, problems: r.problems, compared: r.compared, rss: process.memoryUsage().rss });
}
write({ end: true });
