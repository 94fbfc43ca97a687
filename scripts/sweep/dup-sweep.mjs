#!/usr/bin/env node
// A capture may hold a packet twice: `tcpdump -i any` on a router or a bridge sees it arrive and
// leave, a SPAN port copies both the ingress and the egress of a switch, two captures merged where
// they overlap. The copy is the same IP packet, a moment later at most. A verdict must not hang on
// it. For every fixture, analyse variants with copies of its records and compare every session and
// transfer with the full capture's (control verdict, login and cause; status, verdict and cause):
//   - "dup all": every record followed at once by its copy;
//   - "dup all late": every record's copy written after the next record when that came within 1 ms
//     (a burst seen arriving, then leaving; two capture points), else at once;
//   - "dup N": record N alone followed by its copy, for up to --max records per fixture (the frames
//     where something may change first, sweep-common's framesOfInterest).
// A copy keeps its record's timestamp, or the one before it when that is later (time never runs
// backwards). Frames are mapped back to the full capture's (a copy to its record's).
//
// Usage: nice -n 15 node scripts/sweep/dup-sweep.mjs [--root DIR] [--fixtures DIR] [--only REGEX]
//        [--max N] [--out FILE.tsv] [fixture …]
// Run from a built tree (npm run build). Not part of npm test. Prints the differences grouped by
// kind (largest first); --out writes one line per difference.
import { performance } from 'node:perf_hooks';
import { options, fixtureFiles, framesOfInterest, verdictFacts, verdictLines, analyseOrder, capturesOf, compareVariant, reportDiffs } from './sweep-common.mjs';

const args = process.argv.slice(2);
const { opt, root, fixturesDir } = options(args);
const out = opt('--out', null);
const only = opt('--only', null);
const max = Number(opt('--max', '60'));
/** Seconds: a copy waits for the next packet only when it came within this (a burst). */
const LATE_WITHIN = 0.001;
const { analyzeRecords } = await import(root + '/dist/analysis/pipeline.js');

/** One line per session and transfer, frames mapped back to the full capture's (`back`). */
const lines = (a, back) => verdictLines(verdictFacts({ a, map: back }));

const files = args.length > 0 ? args : fixtureFiles(fixturesDir, only);
const diffs = [];
let variants = 0;
const t0 = performance.now();
for await (const { name, cap } of capturesOf(root, files, fixturesDir)) {
  const n = cap.records.length;
  if (n < 1) continue;
  const identity = Array.from({ length: n }, (_, i) => i);
  const whole = await analyseOrder(analyzeRecords, cap, identity, { fileName: name, times: 'own' });
  const full = lines(whole, []);
  const orders = [];
  orders.push(['dup all', identity.flatMap((i) => [i, i])]);
  // A copy comes after the next packet only when that one came within LATE_WITHIN: a copy is the
  // same packet a moment later, not after a pause (its timestamp would jump with it).
  const late = [];
  let held = null;
  for (let i = 0; i < n; i++) {
    late.push(i);
    if (held !== null) late.push(held);
    held = null;
    if (i + 1 < n && cap.records[i + 1].time - cap.records[i].time <= LATE_WITHIN) held = i;
    else late.push(i);
  }
  orders.push(['dup all late', late]);
  const frames = framesOfInterest(whole, n, max);
  const stride = Math.max(1, Math.ceil(frames.length / max));
  for (let k = 0; k < frames.length; k += stride) {
    const i = frames[k] - 1;
    orders.push([`dup ${i + 1}`, [...identity.slice(0, i + 1), i, ...identity.slice(i + 1)]]);
  }
  for (const [label, order] of orders) {
    // The variant's frame m held the full capture's record order[m-1]: its frame order[m-1]+1.
    const back = [0, ...order.map((k) => k + 1)];
    if (await compareVariant(diffs, { name, label, full, map: back }, () => analyseOrder(analyzeRecords, cap, order, { fileName: name, times: 'own' }))) variants++;
  }
}
reportDiffs({ files, variants, t0, diffs, out });
