#!/usr/bin/env node
// Two builds' verdicts over every fixture: per session its control verdict, login and cause, per
// transfer its command, status, verdict (and why) and cause; prints each fixture whose lines differ
// (- the first build's, + the second's) and a count. A change in src/analysis must move no other
// fixture's verdicts but those it fixes.
//   nice -n 15 node scripts/sweep/compare-builds.mjs OLD_ROOT NEW_ROOT [--fixtures DIR] [--only REGEX]
// Each root is a built tree (its dist/); the old one can be a copy of dist/ beside a node_modules link.
// A fixture with a key log (NAME.keys) is compared twice: without its keys and with them ("== NAME +keys").
import { loadCapture } from './load-capture.mjs';
import { options, fixtureFiles, analyseVariant } from './sweep-common.mjs';
import { keyVariants, keyOptions } from './key-variants.mjs';

const args = process.argv.slice(2);
const { opt, fixturesDir } = options(args);
const only = opt('--only', null);
const [oldRoot, newRoot] = args;
if (!oldRoot || !newRoot) throw new Error('usage: compare-builds.mjs OLD_ROOT NEW_ROOT [--fixtures DIR] [--only REGEX]');
const before = (await import(oldRoot + '/dist/analysis/pipeline.js')).analyzeRecords;
const after = (await import(newRoot + '/dist/analysis/pipeline.js')).analyzeRecords;
const OldKeyLog = (await import(oldRoot + '/dist/tls/keylog.js')).TlsKeyLog;
const NewKeyLog = (await import(newRoot + '/dist/tls/keylog.js')).TlsKeyLog;

/** One line per session and per transfer. */
const lines = (a) =>
  a.sessions.flatMap((s) => [
    `s${s.id} ${s.control.kind}/${s.login}/${s.diagnosis?.cause ?? '-'}`,
    ...s.transfers.map((t) => `${s.id}.${t.id} ${t.request?.command ?? '-'}@${t.request?.frame ?? '-'} ${t.status}/${t.verdict.kind}${t.verdict.why ? ':' + t.verdict.why : ''}/${t.diagnosis?.cause ?? '-'}`),
  ]);

let changed = 0;
let n = 0;
for (const f of fixtureFiles(fixturesDir, only)) {
  const cap = await loadCapture(newRoot, fixturesDir + '/' + f);
  for (const { label, keys } of keyVariants(fixturesDir, f)) {
    const a = lines((await analyseVariant(before, cap, { fileName: f, options: keyOptions(OldKeyLog, keys) })).a);
    const b = lines((await analyseVariant(after, cap, { fileName: f, options: keyOptions(NewKeyLog, keys) })).a);
    n++;
    if (a.join('\n') === b.join('\n')) continue;
    changed++;
    console.log(`== ${f}${label}`);
    const inB = new Set(b);
    const inA = new Set(a);
    for (const x of a) if (!inB.has(x)) console.log(`  - ${x}`);
    for (const x of b) if (!inA.has(x)) console.log(`  + ${x}`);
  }
}
console.log(`${n} fixture variants, ${changed} changed`);
