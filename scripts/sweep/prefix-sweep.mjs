#!/usr/bin/env node
// A capture that simply stops must never produce a false verdict. For every fixture and every cut
// point k, analyse records 1..k (in-process, the built pipeline) and compare each transfer and each
// session with the analysis of the whole capture:
// - a transfer the whole capture shows completed reads, in the prefix, completed (its 2xx and its
//   data are in the prefix) or incomplete / unknown / unused / not-captured, with no diagnosis;
// - a transfer the whole capture shows failed or aborted never reads completed in a prefix;
// - a session whose whole capture has no diagnosis and an opened control connection has none in a
//   prefix either (no "unanswered", "refused", "no greeting" …);
// - an incomplete transfer whose data connection and session are still open says why: capture-ended.
//
// Usage: node scripts/sweep/prefix-sweep.mjs [--root DIR] [--out FILE.tsv] [--only REGEX]
//        [--max-cuts N] [fixture …]
// Run from a built tree (npm run build); results: one line per violation, grouped at the end.
import { readdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadCapture } from './load-capture.mjs';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const root = opt('--root', new URL('../..', import.meta.url).pathname);
const out = opt('--out', null);
const only = opt('--only', null);
const maxCuts = Number(opt('--max-cuts', '400'));
/** Seconds one fixture's prefixes may take; its cuts are taken coarse to fine, so a cut-short sweep still spans the capture. */
const budget = Number(opt('--budget', '40'));
const fixturesDir = opt('--fixtures', root + '/fixtures/');
const { analyzeRecords } = await import(root + '/dist/analysis/pipeline.js');
const { verdictSentence } = await import(root + '/dist/render/verdict-words.js');
const { renderDiagnose } = await import(root + '/dist/render/diagnose.js');
/** Words that call a transfer failed, stopped or wrong: none may word one the capture simply ended during. */
const FAILURE_WORDS = /\b(failed|aborted|stalled|did not complete|never (answered|opened|opens|came)|no answer|refused|timed out|unreachable|lost on the path|firewall)\b/i;
/** Each (fixture, transfer, verdict) worded once: the wording checks render only what is new. */
const worded = new Set();


/** The analysis of the first `k` records. */
function analyzePrefix(cap, k, fileName) {
  return analyzeRecords(async (sink) => {
    sink.onHeader?.(cap.header);
    for (const i of cap.interfaces) sink.onInterface?.(i);
    let n = 0;
    let bytes = 0;
    for (const e of cap.events) {
      if (e.kind === 's') {
        sink.onSecrets?.(e.type, e.data);
        continue;
      }
      if (n === k) break;
      n++;
      bytes = e.r.offset + 16 + e.r.capturedLength;
      sink.onRecord(e.r);
    }
    return { header: cap.header, interfaces: cap.interfaces, packets: n, bytes };
  }, { fileName, maxSessions: undefined });
}

const transferKey = (s, t) => `${s.stream}:${t.request?.frame ?? t.announce?.frame ?? t.connection?.synFrame ?? t.preliminary?.frame ?? t.reply?.frame ?? 'x' + t.id}`;
const OK_KINDS = new Set(['completed', 'incomplete', 'unknown', 'unused', 'not-captured']);
const BAD_STATUS = new Set(['failed', 'aborted']);
const HEALTHY_CONTROL = new Set(['opened', 'midstream', 'connecting']);

/** Frames of `cap` where something may change: control connections' every frame, data connections' flags and edges. */
function cutPoints(cap, full) {
  const n = cap.events.filter((e) => e.kind === 'r').length;
  if (n <= maxCuts) return Array.from({ length: n }, (_, i) => i + 1);
  // Too many frames: every frame of the control connections and of data connections' SYN, FIN, RST
  // (and the frame before each), and a stride elsewhere.
  const want = new Set();
  for (const s of full.sessions) {
    for (const c of s.commands ?? []) {
      want.add(c.frame);
      if (c.reply) want.add(c.reply.frame);
    }
    for (const f of [s.closedBy?.frame, ...(s.controlConnection?.handshake ?? []).map((h) => h.frame), ...(s.controlConnection?.synFrames ?? [])]) if (typeof f === 'number' && Number.isInteger(f) && f <= n) want.add(f);
    for (const t of s.transfers) {
      const c = t.connection;
      for (const f of [t.request?.frame, t.announce?.frame, t.preliminary?.frame, t.reply?.frame, c?.synFrame, ...(c?.synAckFrames ?? []), c?.establishedFrame, c?.lastData?.frame, c?.rst?.frame, ...(c?.handshake ?? []).map((h) => h.frame), ...(c?.icmpErrors ?? []).map((e) => e.frame)]) {
        if (typeof f === 'number' && f >= 1 && f <= n) want.add(f);
      }
    }
  }
  for (const f of [...want]) {
    if (f > 1) want.add(f - 1);
    if (f < n) want.add(f + 1);
  }
  const stride = Math.max(1, Math.floor(n / maxCuts));
  for (let f = stride; f <= n; f += stride) want.add(f);
  want.add(n);
  let cuts = [...want].filter((f) => f >= 1 && f <= n).sort((a, b) => a - b);
  // A capture of thousands of commands (a hostile client): every frame would be quadratic; keep an even spread.
  const most = 4 * maxCuts;
  if (cuts.length > most) cuts = cuts.filter((_, i) => i % Math.ceil(cuts.length / most) === 0).concat(n);
  return cuts;
}

/** The cuts reordered: every 64th first, then every 32nd … so that any leading part spans the capture. */
function coarseToFine(cuts) {
  const seen = new Set();
  const order = [];
  for (let step = 64; step >= 1; step /= 2) {
    for (let i = 0; i < cuts.length; i += step) if (!seen.has(i)) (seen.add(i), order.push(cuts[i]));
  }
  return order;
}

function check(fixture, k, full, prefix, fullIdx, out) {
  const add = (kind, what, detail) => out.push({ fixture, k, kind, what, detail });
  const prefixSessions = new Map(prefix.sessions.map((s) => [s.stream, s]));
  for (const ps of prefix.sessions) {
    const fs = full.sessions.find((s) => s.stream === ps.stream);
    if (!fs) continue;
    // A session's diagnosis that only sums up its transfers' (none succeeded) is judged with theirs, below.
    const rollup = ps.diagnosis !== null && ps.transfers.some((t) => t.diagnosis?.cause === ps.diagnosis.cause);
    if (!fs.diagnosis && ps.diagnosis && !rollup) add(`session-diagnosis:${ps.diagnosis.cause}`, `s${ps.id}`, `${ps.diagnosis.cause} ctl=${ps.control.kind} (full: ${fs.control.kind}) ev=${ps.diagnosis.evidence.join(',')}`);
    if (HEALTHY_CONTROL.has(fs.control.kind) && !HEALTHY_CONTROL.has(ps.control.kind)) add('session-control', `s${ps.id}`, `${ps.control.kind} (full: ${fs.control.kind}) ev=${ps.control.evidence.join(',')}`);
    if (fs.login === 'logged-in' && (ps.login === 'failed' || ps.login === 'refused') && ps.loginRefusal === null) add('session-login', `s${ps.id}`, `${ps.login} (full: logged-in)`);
    for (const pt of ps.transfers) {
      const ft = fullIdx.get(transferKey(ps, pt));
      if (!ft) continue;
      const pv = pt.verdict;
      const fv = ft.verdict;
      const what = `${ps.id}.${pt.id}${pt.request ? ' ' + pt.request.command + ' @' + pt.request.frame : ''}`;
      const desc = `${pt.status}/${pv.kind}${pv.why ? ':' + pv.why : ''}${pv.by ? ' by ' + pv.by : ''} cause=${pt.diagnosis?.cause ?? '-'} ev=${(pt.diagnosis?.evidence ?? pv.evidence ?? []).join(',')} (full: ${ft.status}/${fv.kind} cause=${ft.diagnosis?.cause ?? '-'})`;
      if (fv.kind === 'completed' || ft.status === 'complete') {
        if (!OK_KINDS.has(pv.kind) || BAD_STATUS.has(pt.status)) add(`completed→${pv.kind}`, what, desc);
        else if (pt.diagnosis && pt.diagnosis.cause !== ft.diagnosis?.cause) add(`completed→diagnosis:${pt.diagnosis.cause}`, what, desc);
        else if (pv.kind === 'completed' && pt.reply === null && ft.reply !== null && pv.segment === undefined) add('completed-without-reply', what, desc);
        else if (pv.kind === 'completed' && pt.bytes < ft.bytes && pv.segment === undefined) add('completed-short-of-data', what, `${desc} bytes ${pt.bytes} of ${ft.bytes}`);
        else if (pv.kind === 'incomplete' && pv.why !== 'capture-ended') {
          // The session closed in the prefix: it closed in the full capture too, so that must have been said there.
          add(`completed→incomplete:${pv.why}`, what, desc);
        }
      } else if ((BAD_STATUS.has(ft.status) || fv.kind === 'failed' || fv.kind === 'aborted') && pv.kind === 'completed') {
        add(`${fv.kind}→completed`, what, desc);
      } else if (!ft.diagnosis && pt.diagnosis) {
        add(`healthy(${fv.kind})→diagnosis:${pt.diagnosis.cause}`, what, desc);
      }
      // The words: a transfer incomplete because the capture ended says so, in the verdict's sentence and
      // in diagnose's paragraph for it, and calls nothing failed.
      if (pv.kind === 'incomplete' && pv.why === 'capture-ended' && !pt.diagnosis) {
        const sig = `${fixture}|${what}|${JSON.stringify({ ...pv, evidence: undefined, bytes: undefined })}`;
        if (!worded.has(sig)) {
          worded.add(sig);
          const sentence = verdictSentence(pt);
          if (!/the capture ended/.test(sentence)) add('words:verdict-no-capture-end', what, `${desc}: "${sentence}"`);
          if (FAILURE_WORDS.test(sentence)) add('words:verdict-failure', what, `${desc}: "${sentence}"`);
          const text = renderDiagnose(prefix, { color: false, width: 200 }, ps.id).replace(/\s+/g, ' ');
          const para = (text.split(/(?=Session \d+, transfer \d+)/).find((x) => x.startsWith(`Session ${ps.id}, transfer ${pt.id} `)) ?? '').split(/ \d+ of \d+ transfers diagnosed| No failed data connections/)[0];
          if (para !== '' && !/the capture ended/.test(para)) add('words:diagnose-no-capture-end', what, `${desc}: "${para.slice(0, 300)}"`);
          if (para !== '' && FAILURE_WORDS.test(para.replace(/\bNot failures\b|\bNo failed data connections\b/g, ''))) add('words:diagnose-failure', what, `${desc}: "${para.slice(0, 300)}"`);
        }
      }
      if (pv.kind === 'incomplete' && pv.why !== 'capture-ended') {
        const c = pt.connection;
        const sessionOpen = ps.closedBy === null;
        if (sessionOpen && (c === null || (c.close === null && c.rst === null))) add('incomplete-why', what, desc);
      }
    }
  }
  void prefixSessions;
}

const files = args.length > 0 ? args : readdirSync(fixturesDir).filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f)).sort();
const violations = [];
let totalCuts = 0;
let totalFixtures = 0;
const t0 = performance.now();
for (const f of files) {
  if (only && !new RegExp(only).test(f)) continue;
  const path = f.includes('/') ? f : fixturesDir + f;
  let cap;
  try {
    cap = await loadCapture(root, path);
  } catch (e) {
    process.stderr.write(`${f}: ${e.message}\n`);
    continue;
  }
  const name = path.replace(/.*\//, '');
  const n = cap.events.filter((e) => e.kind === 'r').length;
  const full = await analyzePrefix(cap, n, name);
  const fullIdx = new Map();
  for (const s of full.sessions) for (const t of s.transfers) fullIdx.set(transferKey(s, t), t);
  const cuts = cutPoints(cap, full);
  const t1 = performance.now();
  const before = violations.length;
  let done = 0;
  for (const k of coarseToFine(cuts.filter((k) => k < n))) {
    if ((performance.now() - t1) / 1000 > budget) break;
    const prefix = await analyzePrefix(cap, k, name);
    check(name, k, full, prefix, fullIdx, violations);
    done++;
  }
  if (done < cuts.length - 1) process.stderr.write(`${name}: budget reached after ${done} of ${cuts.length} cuts\n`);
  totalCuts += done;
  totalFixtures++;
  process.stderr.write(`${name}\t${n} frames\t${done} cuts\t${((performance.now() - t1) / 1000).toFixed(1)} s\t${violations.length - before} violations\n`);
}
const seconds = (performance.now() - t0) / 1000;
const lines = violations.map((v) => [v.kind, v.fixture, v.k, v.what, v.detail].join('\t'));
if (out) writeFileSync(out, lines.join('\n') + '\n');
const byKind = new Map();
for (const v of violations) {
  const e = byKind.get(v.kind) ?? { count: 0, fixtures: new Set(), example: v };
  e.count++;
  e.fixtures.add(v.fixture);
  byKind.set(v.kind, e);
}
console.log(`${totalFixtures} fixtures, ${totalCuts} cut points, ${seconds.toFixed(0)} s, ${violations.length} violations`);
for (const [kind, e] of [...byKind].sort((a, b) => b[1].count - a[1].count)) {
  console.log(`${kind}\t${e.count} in ${e.fixtures.size} fixtures\te.g. ${e.example.fixture} k=${e.example.k} ${e.example.what}: ${e.example.detail}`);
}
