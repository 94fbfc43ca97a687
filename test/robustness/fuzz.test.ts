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
 * `npm test` runs a fixed subset of the set: the first case of PAIRS_PER_FIXTURE pairs per fixture
 * of the hashed sixteenth (FUZZ_EVERY; test/support/fixture-sample.ts), the categories taken in turn, so every kind of
 * damage is in it (each kind on several fixtures). The whole set (CASES_PER_PAIR of each fixture × category pair; the subset's
 * cases are among them) is `npm run test:fuzz` (FTPCAP_FUZZ=full), which .ci/run runs too.
 *
 * What each case must hold is in test/support/fuzz/run-case.ts; in short: no exception but a
 * CaptureError (and that only for a damaged file header), damage warnings name frame and byte
 * offset, each bound reported once, nothing printed can drive a terminal, and a capture cut short
 * keeps every result that lies wholly before the cut.
 *
 * Longer runs: `npm run fuzz -- --seconds 600`; their findings go to fuzz-regressions.test.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { fixture, fixtureNames } from '../support/fuzz/corpus.js';
import { CATEGORIES } from '../support/fuzz/mutations.js';
import { inHashedShare } from '../support/fixture-sample.js';
import { runFuzz, type CaseRecord, type FuzzReport } from '../support/fuzz/supervisor.js';

const SEED = 20_261_121;
const CASES_PER_PAIR = 8;
const FULL = process.env.FTPCAP_FUZZ === 'full';
/** Fixture × category pairs of each fixture in `npm test`'s subset. */
const PAIRS_PER_FIXTURE = 1;
/**
 * `npm test`'s subset takes one fixture in this many by the hash (half the hashed eighth the other
 * sampled checks take: ~30 cases of the 421 fixtures, where an eighth had grown to 60 with the audits'
 * recordings); `npm run test:fuzz` runs every case.
 */
const FUZZ_EVERY = 16;

/**
 * The cases to run. Case i of the spread plan damages fixture i mod F with category
 * floor(i / F) mod C, so cases [0, F·C) are the first case of each pair.
 */
function plan(names: string[]): number[] {
  const fixtureCount = names.length;
  const pairs = fixtureCount * CATEGORIES.length;
  if (FULL) return Array.from({ length: pairs * CASES_PER_PAIR }, (_, i) => i);
  const only: number[] = [];
  // The kinds of damage are dealt in turn over the sample's fixtures (by their rank in it, so that
  // each kind gets its share however sparse the sample: by the fixture's index in the whole set,
  // an eighth drew no header edit that breaks the file).
  let rank = 0;
  for (let f = 0; f < fixtureCount; f++) {
    // The hashed share of the fixtures (test/support/fixture-sample.ts); the whole set takes every one.
    if (!inHashedShare(names[f], FUZZ_EVERY)) continue;
    for (let j = 0; j < PAIRS_PER_FIXTURE; j++) only.push(((rank * PAIRS_PER_FIXTURE + j) % CATEGORIES.length) * fixtureCount + f);
    rank++;
  }
  return only.sort((a, b) => a - b);
}

describe('fuzz (fixed seed)', () => {
  // Only the sample's fixtures are read here (the whole set's gunzip and indexing took a second of
  // the subset's CPU); the workers read their own.
  const names = fixtureNames();
  const sampled = names.filter((n) => FULL || inHashedShare(n, FUZZ_EVERY));
  const only = plan(names);
  const total = only.length;
  /** Thresholds below are counts for the whole set; the subset is held to the same density. */
  const SHARE = total / (names.length * CATEGORIES.length * CASES_PER_PAIR);
  /** The category of each planned case, by fixture. */
  const plannedCategories = (fixtureIndex: number): Set<string> =>
    new Set(only.filter((i) => i % names.length === fixtureIndex).map((i) => CATEGORIES[Math.floor(i / names.length) % CATEGORIES.length]));
  let report: FuzzReport;
  const of = (category: string): CaseRecord[] => report.cases.filter((c) => c.category === category);
  const problems = (cases: CaseRecord[]): string[] => cases.flatMap((c) => c.problems.map((p) => `case ${c.i}: ${p}`));

  beforeAll(async () => {
    report = await runFuzz({ seed: SEED, only, spread: true, timeoutMs: 15_000 });
    // Measured on 2 idle cores, 2 workers: about 25 ms a case (477 cases of 53 fixtures in 8 s).
    console.log(`fuzz: ${report.cases.length} cases in ${(report.ms / 1000).toFixed(1)} s on ${report.workers} workers, worker max RSS ${report.maxRssMb} MiB`);
    // The limit is sized to the work (a loaded machine may be ten times slower), not to a clock.
  }, 120_000 + total * 250);

  it('runs every case to its end: none hangs, none kills the process', () => {
    expect(report.cases.filter((c) => c.outcome === 'hang' || c.outcome === 'crash').map((c) => `case ${c.i}: ${c.problems[0]}`)).toEqual([]);
    expect(report.cases.map((c) => c.i)).toEqual(only);
    expect(report.replaced).toBe(0);
  });

  it(`covers every fixture of its sample with ${FULL ? 'every kind of damage' : `${PAIRS_PER_FIXTURE} kind(s) of damage, and every kind`}; the large ones through windows`, () => {
    for (const name of sampled) {
      const f = fixture(name);
      const k = names.indexOf(name);
      const mine = report.cases.filter((c) => c.fixture === f.name);
      expect(new Set(mine.map((c) => c.category)), f.name).toEqual(plannedCategories(k));
      expect(mine.length, f.name).toBeGreaterThanOrEqual(FULL ? CATEGORIES.length : PAIRS_PER_FIXTURE);
      expect(mine.every((c) => (c.window !== null) === f.large), f.name).toBe(true);
    }
    expect(new Set(report.cases.map((c) => c.category))).toEqual(new Set(CATEGORIES));
    // The recordings of more than 1000 frames, mutated through windows (every fixture read: the whole set's run).
    if (FULL) expect(sampled.map(fixture).filter((f) => f.large).map((f) => f.name)).toEqual([
      // Split downloads of a 3 MiB file (aria2c, axel): the segments need the whole file's size.
      'a29-aria2c-segment-reset-vsftpd.pcap.gz',
      'a29-aria2c-split-proftpd.pcap.gz',
      'a29-aria2c-split-vsftpd.pcap.gz',
      'a29-axel-split-pureftpd.pcap.gz',
      'a29-axel-split-vsftpd.pcap.gz',
      // A user's interrupted download beside another program's (1 MiB), a split download with a segment cut at the server.
      'a31-aria2c-server-cut-vsftpd.pcap.gz',
      'a31-resume-beside-wget-vsftpd-curl.pcap.gz',
      // A capture started in the middle of a 4 MiB download (audit 54).
      'a54-late-retr-vsftpd-curl.pcap.gz',
      // A mirror of 36 files over three parallel sessions, data refused for 1.5 s (audit 71), at both ends.
      'a71-mirror-port-window-proftpd-lftp.pcap',
      'a71-mirror-port-window-server-side-proftpd-lftp.pcap',
      'capture-loss-vsftpd-lftp.pcap',
      'ftps-large-vsftpd-curl.pcap.gz',
      'hostile-client-vsftpd-python.pcap.gz',
      'large-lossy-vsftpd-lftp.pcap.gz',
      'large-plain-vsftpd-curl.pcap.gz',
      // A rate-limited 256 KiB download whose control connection the router's conntrack timeout cut, captured at the router.
      'tri-ctrl-idle-cut-router-vsftpd-curl.pcap',
    ]);
  });

  it.each(CATEGORIES)('%s: no exception escapes, output stays terminal-safe, damage is named with frame and offset', (category) => {
    const cases = of(category);
    expect(cases.length).toBe(only.filter((i) => CATEGORIES[Math.floor(i / names.length) % CATEGORIES.length] === category).length);
    expect(cases.length).toBeGreaterThan(0);
    expect(problems(cases)).toEqual([]);
  });

  it('the damage was real: length fields and cuts were reported as damage, bad file headers refused', () => {
    const named = (cases: CaseRecord[], codes: string[]): number => cases.filter((c) => c.warnings.some((w) => codes.includes(w))).length;
    // Most length-field edits break the record they touch (the others set a length to what it was, or
    // lengthen an unread field): over the whole set more than half. The subset's handful of such cases
    // drifts as fixtures are added (8 of 17 at 144; 1 of 4 once the sixty-first audit's 20 recordings
    // shifted the sample), so there only some must be reported (damaged-files.test.ts checks each
    // length field by name in every run).
    const lengthNamed = named(of('length'), ['caplen-too-large', 'bad-block-length', 'block-too-large', 'truncated-record', 'caplen-exceeds-origlen']);
    if (FULL) expect(lengthNamed).toBeGreaterThan(of('length').length / 2);
    else expect(lengthNamed).toBeGreaterThan(0);
    // A cut lands on a record boundary only by chance.
    expect(named(of('cut'), ['truncated-record'])).toBeGreaterThan(of('cut').length * 0.6);
    // A header edit can only be refused when it breaks the magic or the major version (a minor version,
    // snap length or link type leaves the file readable). How many of each the subset draws depends on
    // the seed and on the number of fixtures (17 more shifted it to 5 refusals of 23, 17 of them harmless
    // edits), so the edits that can break the file are counted, and most of those must be refused. (A
    // later draw set the magic to pcap's nanosecond one, and to the file's own: readable, rightly.)
    // A magic set to one of pcap's four (micro- or nanosecond, either byte order) leaves a readable file.
    const PCAP_MAGICS = new Set([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1]);
    const breaking = of('header').filter((c) =>
      c.ops.some((o) => o.op === 'header' && ((o.field === 'magic' && !PCAP_MAGICS.has(o.value)) || (o.field === 'version-major' && o.value !== 2))),
    );
    // The subset's few header edits may draw none that can break the file (about one in three does;
    // none did once 421 fixtures shifted the draw): damaged-files.test.ts refuses each such header by name, always.
    if (FULL) expect(breaking.length).toBeGreaterThan(0);
    if (breaking.length > 0) expect(breaking.filter((c) => c.outcome === 'capture-error').length).toBeGreaterThan(breaking.length / 2);
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

// The harness's own check (a hang and a crash waited out: seconds of idle workers) runs with the full set, whose runs need it.
describe.runIf(FULL)('the watchdog', () => {
  it('kills a case that hangs (even in a synchronous loop) and one that kills its process, reports each, and goes on', async () => {
    // Two workers (cases 0, 2, 4 and 1, 3, 5): the hang and the crash each happen while the other
    // worker goes on, and each dead worker's replacement runs the rest of its cases.
    // The watchdog's limit is three seconds: the other cases (small fixtures) take tens of
    // milliseconds on a quiet machine, but a freshly started worker's first case took over a second
    // while four other jobs shared the two cores (load average 8).
    const r = await runFuzz({ seed: SEED, cases: 6, spread: true, timeoutMs: 3000, workers: 2, simulate: { hang: 1, crash: 2 } });
    expect(r.cases.map((c) => [c.i, c.outcome])).toEqual([
      [0, expect.stringMatching(/analysed|capture-error/)],
      [1, 'hang'],
      [2, 'crash'],
      [3, expect.stringMatching(/analysed|capture-error/)],
      [4, expect.stringMatching(/analysed|capture-error/)],
      [5, expect.stringMatching(/analysed|capture-error/)],
    ]);
    expect(r.cases[1].problems).toEqual(['case did not finish within 3000 ms (killed)']);
    expect(r.cases[2].problems[0]).toMatch(/^process died \(code null, signal SIGKILL\)/);
    expect(r.replaced).toBe(2);
  }, 300_000);
});
