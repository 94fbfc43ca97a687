// Budgets reached must never make a false verdict: every fixture analysed under tiny memory
// budgets (connections, sessions, commands kept: what --max-memory scales), each transfer's verdict
// compared with the full analysis's. What the analysis did not follow must read "not followed",
// never failed, aborted or diagnosed where the full analysis says otherwise. Not part of `npm test`:
// a sweep to run by hand, under nice.
//
//   nice -n 15 node scripts/sweep/budget-sweep.mjs [--root DIR] [--only REGEX] [--fixtures DIR] [--verbose]
//
// Budgets swept: maxConnections 1, 2, 4; maxSessions 1, 2; maxCommandsTotal 20, 40, 80; and a
// 10 s idle timeout beside a budget of 4 connections.
import { options, fixtureFiles, transferKeys, sessionKey } from './sweep-common.mjs';

const args = process.argv.slice(2);
const { opt, flag, root, fixturesDir } = options(args);
const only = opt('--only', null);
const verbose = flag('--verbose');
const { analyzeFiles } = await import(root + '/dist/analysis/pipeline.js');

const BUDGETS = [
  { maxConnections: 1 },
  { maxConnections: 2 },
  { maxConnections: 4 },
  { maxSessions: 1 },
  { maxSessions: 2 },
  { maxCommandsTotal: 20 },
  { maxCommandsTotal: 40 },
  { maxCommandsTotal: 80 },
  { idleTimeout: 10, maxConnections: 4 },
];
const BAD = new Set(['failed', 'aborted']);

/** A transfer by its session's endpoints and its identifying frames (several keys: any may match). */
const keysOf = (s, t) => transferKeys(t).map((k) => `${sessionKey(s)}|${k}`);

const groups = new Map();
let variants = 0;
let violations = 0;
for (const f of fixtureFiles(fixturesDir, only)) {
  const path = `${fixturesDir}/${f}`;
  const full = await analyzeFiles([path], { fileName: f, thread: false });
  const byKey = new Map();
  for (const s of full.sessions) for (const t of s.transfers) for (const k of keysOf(s, t)) byKey.set(k, t);
  for (const budget of BUDGETS) {
    variants++;
    const small = await analyzeFiles([path], { fileName: f, thread: false, ...budget });
    for (const s of small.sessions) {
      for (const t of s.transfers) {
        const was = keysOf(s, t).map((k) => byKey.get(k)).find((x) => x !== undefined);
        const claims = BAD.has(t.status) || t.diagnosis !== null;
        const wasSo = was !== undefined && (BAD.has(was.status) || was.diagnosis !== null) && was.diagnosis?.cause === t.diagnosis?.cause;
        if (!claims || wasSo) continue;
        violations++;
        const g = `${was?.status ?? 'none'}/${was?.diagnosis?.cause ?? '-'} -> ${t.status}/${t.diagnosis?.cause ?? '-'}`;
        groups.set(g, (groups.get(g) ?? 0) + 1);
        if (verbose) console.log(f, JSON.stringify(budget), `${s.id}.${t.id}`, g);
      }
    }
  }
}
console.log(`${variants} analyses under budgets, ${violations} verdict(s) claiming more than the full analysis`);
for (const [g, n] of [...groups].sort((a, b) => b[1] - a[1])) console.log(`  ${n}\t${g}`);
