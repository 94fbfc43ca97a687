#!/usr/bin/env node
// Packets of different connections captured within a moment of each other may be written in either
// order: a capture merged from two interfaces, `tcpdump -i any` on a router, a NIC's several queues.
// A verdict must not hang on that order. For every fixture, swap each pair of neighbouring records
// that belong to different TCP connections and lie within --within seconds of each other (the
// timestamps stay where they were: only which packet came first changes), in variants of one swap
// each (up to --max-swaps per fixture, spread over the capture) and one with every other such pair
// swapped at once; compare every session and transfer with the full capture's: control verdict,
// login and cause; status, verdict and cause.
// --opposite: swap neighbouring records of one connection sent in opposite directions instead (a
// reply written before its command, a data segment before the ACK it follows): a full-duplex TAP's
// two directions merged, or a NIC that hashes each direction of a flow to another queue.
//
// Usage: nice -n 15 node scripts/sweep/swap-sweep.mjs [--root DIR] [--fixtures DIR] [--only REGEX]
//        [--within SECONDS] [--max-swaps N] [--opposite] [--out FILE.tsv] [fixture …]
// Run from a built tree (npm run build). Not part of npm test. Prints the differences grouped by
// kind (largest first); --out writes one line per difference.
import { performance } from 'node:perf_hooks';
import { options, fixtureFiles, verdictFacts, verdictLines, analyseOrder, capturesOf, compareVariant, reportDiffs } from './sweep-common.mjs';

const args = process.argv.slice(2);
const { opt, flag, root, fixturesDir } = options(args);
const out = opt('--out', null);
const only = opt('--only', null);
const within = Number(opt('--within', '0.001'));
const maxSwaps = Number(opt('--max-swaps', '200'));
const opposite = flag('--opposite');
const { analyzeRecords } = await import(root + '/dist/analysis/pipeline.js');
const { decodeFrame } = await import(root + '/dist/decode/frame.js');

/** A record's TCP connection (both directions alike) and its sender, or null. */
function connectionOf(r) {
  try {
    const f = decodeFrame(r);
    if (!f.tcp || !f.ip) return null;
    const from = `${f.ip.src}:${f.tcp.srcPort}`;
    return { key: [from, `${f.ip.dst}:${f.tcp.dstPort}`].sort().join('|'), from };
  } catch {
    return null;
  }
}

/** Records i and i+1 may be swapped: another connection's, or (--opposite) the same one's other direction. */
const swappable = (a, b) => a !== null && b !== null && (opposite ? a.key === b.key && a.from !== b.from : a.key !== b.key);

/** One line per session and transfer, frames mapped back to the capture in order (`back`). */
const lines = (a, back) => verdictLines(verdictFacts({ a, map: back }));

const files = args.length > 0 ? args : fixtureFiles(fixturesDir, only);
const diffs = [];
let variants = 0;
const t0 = performance.now();
for await (const { name, cap } of capturesOf(root, files, fixturesDir)) {
  const n = cap.records.length;
  if (n < 2) continue;
  const conns = cap.records.map(connectionOf);
  const pairs = [];
  for (let i = 0; i + 1 < n; i++) {
    if (swappable(conns[i], conns[i + 1]) && cap.records[i + 1].time - cap.records[i].time <= within) pairs.push(i);
  }
  if (pairs.length === 0) continue;
  const identity = Array.from({ length: n }, (_, i) => i);
  const full = lines(await analyseOrder(analyzeRecords, cap, identity, { fileName: name, times: 'slot' }), []);
  const stride = Math.max(1, Math.ceil(pairs.length / maxSwaps));
  const orders = [];
  for (let k = 0; k < pairs.length; k += stride) orders.push([`swap ${pairs[k] + 1}/${pairs[k] + 2}`, [pairs[k]]]);
  // Every other eligible pair at once (none overlapping).
  const many = [];
  for (const i of pairs) if (many.length === 0 || i > many[many.length - 1] + 1) many.push(i);
  if (many.length > 1) orders.push([`swap ${many.length} pairs`, many]);
  for (const [label, swaps] of orders) {
    const order = [...identity];
    for (const i of swaps) [order[i], order[i + 1]] = [order[i + 1], order[i]];
    // The variant's frame n held the full capture's record order[n-1]: its frame order[n-1]+1.
    const back = [0, ...order.map((k) => k + 1)];
    if (await compareVariant(diffs, { name, label, full, map: back }, () => analyseOrder(analyzeRecords, cap, order, { fileName: name, times: 'slot' }))) variants++;
  }
}
reportDiffs({ files, variants, what: ` (neighbours within ${within} s)`, t0, diffs, out });
