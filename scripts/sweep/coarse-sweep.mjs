#!/usr/bin/env node
// Some captures keep time coarsely: a tool or a converter that writes milliseconds, a device that
// stamps packets in batches, a capture rounded to whole seconds. Packets then share timestamps that
// were apart, though their order is kept. A verdict must not hang on a tie of timestamps. For every
// fixture, analyse its records with every timestamp cut down to a resolution (--res, seconds,
// default 0.001,0.01,0.1,1) and compare every session and transfer with the full capture's.
//
// Usage: nice -n 15 node scripts/sweep/coarse-sweep.mjs [--root DIR] [--fixtures DIR] [--only REGEX]
//        [--res LIST] [--out FILE.tsv] [fixture …]
// Run from a built tree (npm run build). Not part of npm test.
import { performance } from 'node:perf_hooks';
import { options, fixtureFiles, verdictFacts, verdictLines, analyseOrder, capturesOf, compareVariant, reportDiffs } from './sweep-common.mjs';

const args = process.argv.slice(2);
const { opt, root, fixturesDir } = options(args);
const out = opt('--out', null);
const only = opt('--only', null);
const resolutions = opt('--res', '0.001,0.01,0.1,1').split(',').map(Number);
const { analyzeRecords } = await import(root + '/dist/analysis/pipeline.js');

/** The record with its time cut down to a multiple of `res` seconds. */
function coarse(r, res) {
  const time = Math.floor(r.time / res + 1e-9) * res;
  const tsSec = Math.floor(time);
  const tsNsec = Math.round((time - tsSec) * 1e9);
  return { ...r, time: tsSec + tsNsec / 1e9, tsSec, tsNsec };
}

const files = args.length > 0 ? args : fixtureFiles(fixturesDir, only);
const diffs = [];
let variants = 0;
const t0 = performance.now();
for await (const { name, cap } of capturesOf(root, files, fixturesDir)) {
  const n = cap.records.length;
  if (n < 1) continue;
  const identity = Array.from({ length: n }, (_, i) => i);
  const full = verdictLines(verdictFacts({ a: await analyseOrder(analyzeRecords, cap, identity, { fileName: name, times: 'own' }), map: [] }));
  for (const res of resolutions) {
    const label = `res ${res}`;
    const cut = { ...cap, records: cap.records.map((r) => coarse(r, res)) };
    if (await compareVariant(diffs, { name, label, full }, () => analyseOrder(analyzeRecords, cut, identity, { fileName: name, times: 'own' }))) variants++;
  }
}
reportDiffs({ files, variants, t0, diffs, out });
