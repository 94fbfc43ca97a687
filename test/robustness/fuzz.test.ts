/**
 * Fuzz, fixed seed: every recorded fixture (windows of a few hundred records of the two large
 * ones) × every kind of damage (byte flips, inserted/deleted bytes, length fields set to 0 /
 * 0xFFFFFFFF / huge, truncation, duplicated / reordered / removed records, file-header fields,
 * timestamps, snap-length cuts, combinations) × CASES_PER_PAIR cases, each through analysis,
 * extraction and every renderer (summary, sessions, commands, transfers, diagnose, JSON, dump,
 * timeline, explain, extract). The cases run in a pool of worker processes (one per core), each
 * case under a watchdog, so a case that hangs — even in a synchronous loop — is killed and
 * reported, not waited for.
 *
 * `npm test` runs the first fixtures × categories cases of the set: every fixture with every kind
 * of damage once. The whole set (CASES_PER_PAIR of each pair; the first case of each pair is the
 * one `npm test` runs) is `npm run test:fuzz` (FTPCAP_FUZZ=full), which .ci/run runs too.
 *
 * What each case must hold is in test/support/fuzz/run-case.ts; in short: no exception but a
 * CaptureError (and that only for a damaged file header), damage warnings name frame and byte
 * offset, each bound reported once, nothing printed can drive a terminal, and a capture cut short
 * keeps every result that lies wholly before the cut.
 *
 * Longer runs: `npm run fuzz -- --seconds 600`; their findings go to fuzz-regressions.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFixtures } from '../support/fuzz/corpus.js';
import { CATEGORIES } from '../support/fuzz/mutations.js';
import { runFuzz, type CaseRecord, type FuzzReport } from '../support/fuzz/supervisor.js';

const SEED = 20_261_121;
const CASES_PER_PAIR = 8;
const FULL = process.env.FTPCAP_FUZZ === 'full';
/** Cases of each fixture × category pair run here: all of them, or the first. */
const RUN_PER_PAIR = FULL ? CASES_PER_PAIR : 1;
/** Thresholds below are counts for the whole set; the subset is held to the same density. */
const SHARE = RUN_PER_PAIR / CASES_PER_PAIR;

describe('fuzz (fixed seed)', () => {
  const fixtures = loadFixtures();
  const total = fixtures.length * CATEGORIES.length * RUN_PER_PAIR;
  let report: FuzzReport;
  const of = (category: string): CaseRecord[] => report.cases.filter((c) => c.category === category);
  const problems = (cases: CaseRecord[]): string[] => cases.flatMap((c) => c.problems.map((p) => `case ${c.i}: ${p}`));

  beforeAll(async () => {
    report = await runFuzz({ seed: SEED, cases: total, spread: true, timeoutMs: 15_000 });
    // Measured on 2 idle cores, 2 workers: about 25 ms a case (477 cases of 53 fixtures in 8 s).
    console.log(`fuzz: ${report.cases.length} cases in ${(report.ms / 1000).toFixed(1)} s on ${report.workers} workers, worker max RSS ${report.maxRssMb} MiB`);
    // The limit is sized to the work (a loaded machine may be ten times slower), not to a clock.
  }, 120_000 + total * 250);

  it('runs every case to its end: none hangs, none kills the process', () => {
    expect(report.cases.filter((c) => c.outcome === 'hang' || c.outcome === 'crash').map((c) => `case ${c.i}: ${c.problems[0]}`)).toEqual([]);
    expect(report.cases.map((c) => c.i)).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(report.replaced).toBe(0);
  });

  it('covers every fixture with every kind of damage; the large ones through windows', () => {
    for (const f of fixtures) {
      const mine = report.cases.filter((c) => c.fixture === f.name);
      expect(new Set(mine.map((c) => c.category)), f.name).toEqual(new Set(CATEGORIES));
      expect(mine.every((c) => (c.window !== null) === f.large), f.name).toBe(true);
    }
    // The recordings of more than 1000 frames, mutated through windows.
    expect(fixtures.filter((f) => f.large).map((f) => f.name)).toEqual([
      'capture-loss-vsftpd-lftp.pcap',
      'ftps-large-vsftpd-curl.pcap.gz',
      'hostile-client-vsftpd-python.pcap.gz',
      'large-lossy-vsftpd-lftp.pcap.gz',
      'large-plain-vsftpd-curl.pcap.gz',
    ]);
  });

  it.each(CATEGORIES)('%s: no exception escapes, output stays terminal-safe, damage is named with frame and offset', (category) => {
    const cases = of(category);
    expect(cases.length).toBe(fixtures.length * RUN_PER_PAIR);
    expect(problems(cases)).toEqual([]);
  });

  it('the damage was real: length fields and cuts were reported as damage, bad file headers refused', () => {
    const named = (cases: CaseRecord[], codes: string[]): number => cases.filter((c) => c.warnings.some((w) => codes.includes(w))).length;
    // Most length-field edits break the record they touch (the others set a length to what it was, or lengthen an unread field).
    expect(named(of('length'), ['caplen-too-large', 'bad-block-length', 'block-too-large', 'truncated-record', 'caplen-exceeds-origlen'])).toBeGreaterThan(of('length').length / 2);
    // A cut lands on a record boundary only by chance.
    expect(named(of('cut'), ['truncated-record'])).toBeGreaterThan(of('cut').length * 0.6);
    expect(of('header').filter((c) => c.outcome === 'capture-error').length).toBeGreaterThan(of('header').length / 4);
    expect(named(of('time'), ['time-backwards'])).toBeGreaterThan(of('time').length / 3);
    expect(named(of('snap'), ['truncated-packets'])).toBeGreaterThan(of('snap').length / 2);
  });

  it('the prefix check compared results: every cut, and damage that stopped reading, left what came before unchanged', () => {
    // Cases where reading stopped before the damage and commands were compared with the undamaged capture's.
    const compared = report.cases.filter((c) => c.compared > 0);
    expect(compared.length).toBeGreaterThan(200 * SHARE);
    expect(compared.filter((c) => c.category === 'cut').length).toBeGreaterThan(100 * SHARE);
    expect(compared.reduce((n, c) => n + c.compared, 0)).toBeGreaterThan(2000 * SHARE);
  });
});

describe('the watchdog', () => {
  it('kills a case that hangs (even in a synchronous loop) and one that kills its process, reports each, and goes on', async () => {
    // Two workers (cases 0, 2, 4 and 1, 3, 5): the hang and the crash each happen while the other
    // worker goes on, and each dead worker's replacement runs the rest of its cases.
    const r = await runFuzz({ seed: SEED, cases: 6, spread: true, timeoutMs: 2000, workers: 2, simulate: { hang: 1, crash: 2 } });
    expect(r.cases.map((c) => [c.i, c.outcome])).toEqual([
      [0, expect.stringMatching(/analysed|capture-error/)],
      [1, 'hang'],
      [2, 'crash'],
      [3, expect.stringMatching(/analysed|capture-error/)],
      [4, expect.stringMatching(/analysed|capture-error/)],
      [5, expect.stringMatching(/analysed|capture-error/)],
    ]);
    expect(r.cases[1].problems).toEqual(['case did not finish within 2000 ms (killed)']);
    expect(r.cases[2].problems[0]).toMatch(/^process died \(code null, signal SIGKILL\)/);
    expect(r.replaced).toBe(2);
  }, 300_000);
});
