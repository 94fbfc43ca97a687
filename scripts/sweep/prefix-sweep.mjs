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
// A fixture with a key log (NAME.keys) is swept twice: without its keys and with them ("NAME +keys").
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadCapture } from './load-capture.mjs';
import { options, fixtureFiles, analyseVariant, framesOfInterest, coarseToFine, FAILURE_WORDS, groupByKind } from './sweep-common.mjs';
import { keyVariants, keyOptions } from './key-variants.mjs';

const args = process.argv.slice(2);
const { opt, root, fixturesDir } = options(args);
const out = opt('--out', null);
const only = opt('--only', null);
const maxCuts = Number(opt('--max-cuts', '400'));
/** Seconds one fixture's prefixes may take; its cuts are taken coarse to fine, so a cut-short sweep still spans the capture. */
const budget = Number(opt('--budget', '40'));
const { analyzeRecords } = await import(root + '/dist/analysis/pipeline.js');
const { verdictSentence } = await import(root + '/dist/render/verdict-words.js');
const { renderDiagnose } = await import(root + '/dist/render/diagnose.js');
const { TlsKeyLog } = await import(root + '/dist/tls/keylog.js');
/** Each (fixture, transfer, verdict) worded once: the wording checks render only what is new. */
const worded = new Set();

/** The analysis of the first `k` records (with the key log `keys`, or none). */
const analyzePrefix = async (cap, k, fileName, keys) => (await analyseVariant(analyzeRecords, cap, { last: k, fileName, options: keyOptions(TlsKeyLog, keys) })).a;

const transferKey = (s, t) => `${s.stream}:${t.request?.frame ?? t.announce?.frame ?? t.connection?.synFrame ?? t.preliminary?.frame ?? t.reply?.frame ?? 'x' + t.id}`;
const OK_KINDS = new Set(['completed', 'incomplete', 'unknown', 'unused', 'not-captured']);
const BAD_STATUS = new Set(['failed', 'aborted']);
const HEALTHY_CONTROL = new Set(['opened', 'midstream', 'connecting']);

/** Frames of `cap` where something may change (every frame of a small capture). */
const cutPoints = (cap, full) => framesOfInterest(full, cap.events.filter((e) => e.kind === 'r').length, maxCuts);

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
        if (!killedUploadBeforeGone(pt, fv, k)) add(`${fv.kind}→completed`, what, desc);
      } else if (!ft.diagnosis && pt.diagnosis && !closedAfterRefusal(prefix, ps, pt, fv)) {
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

/**
 * Honest, not a violation: a refused announcement (no command used it) after which the client closed
 * its session at once, and the capture ended before any new session of the client's to the server.
 * lftp logs in anew to ask another way (fell-back in the full capture: a27-chain-*-lftp,
 * a33-nat64-eprt-fallback-*), while busybox, curl and wget give up in exactly the same packets
 * (a27-passive-refused-pyftpdlib-busybox, a33-nat64-noepsv-pyftpdlib-curl-*,
 * fail-pasv-denied-proftpd-wget, whose full captures read failed): a capture ending there cannot tell
 * the two apart, and reads it as those full captures do. Checked on the client's latest session to
 * the server in the prefix (a chain of refusals passes through several): closed by the client less
 * than a second after its last refusal, the prefix ending less than a second after that close.
 */
function closedAfterRefusal(prefix, ps, pt, fv) {
  if (fv.kind !== 'fell-back' || pt.status !== 'failed' || pt.request !== null || pt.announce?.reply == null || pt.announce.reply.code < 400) return false;
  const same = prefix.sessions.filter((o) => o.client.ip === ps.client.ip && o.server.ip === ps.server.ip && o.server.port === ps.server.port);
  const latest = same.reduce((a, b) => (b.start > a.start ? b : a), ps);
  const last = latest.transfers.at(-1);
  const refusal = last?.request === null ? last.announce?.reply : null;
  const end = latest.closedBy;
  if (!refusal || refusal.code < 400 || last.status !== 'failed' || end === null || end.by !== 'client') return false;
  if (latest.commands.some((c) => c.frame > refusal.frame)) return false;
  return end.time - refusal.time < 1 && prefix.capture.last - end.time < 1;
}

/**
 * Honest, not a violation: an upload whose client was killed reads completed in a prefix that ends
 * before the control connection's reset that shows the client gone (the full capture's resumed upload,
 * `fv.resumed.gone`). The kernel closes a killed client's data connection with the FIN a finished
 * upload ends with, and the server's 226 counts what it got: up to that reset, the capture holds a
 * whole upload (killed-upload-resumed-vsftpd-lftp, cut between the 226 and the reset).
 */
const killedUploadBeforeGone = (pt, fv, k) => pt.direction === 'upload' && fv.kind === 'aborted' && fv.resumed !== undefined && fv.resumed.gone > k;

const files = args.length > 0 ? args : fixtureFiles(fixturesDir);
const violations = [];
let totalCuts = 0;
let totalFixtures = 0;
const t0 = performance.now();
for (const f of files) {
  if (only && !new RegExp(only).test(f)) continue;
  const path = f.includes('/') ? f : fixturesDir + '/' + f;
  let cap;
  try {
    cap = await loadCapture(root, path);
  } catch (e) {
    process.stderr.write(`${f}: ${e.message}\n`);
    continue;
  }
  const file = path.replace(/.*\//, '');
  const n = cap.events.filter((e) => e.kind === 'r').length;
  for (const { label, keys } of keyVariants(path.replace(/\/[^/]*$/, ''), file)) {
    const name = file + label;
    const full = await analyzePrefix(cap, n, file, keys);
    const fullIdx = new Map();
    for (const s of full.sessions) for (const t of s.transfers) fullIdx.set(transferKey(s, t), t);
    const cuts = cutPoints(cap, full);
    const t1 = performance.now();
    const before = violations.length;
    let done = 0;
    for (const k of coarseToFine(cuts.filter((k) => k < n))) {
      if ((performance.now() - t1) / 1000 > budget) break;
      const prefix = await analyzePrefix(cap, k, file, keys);
      check(name, k, full, prefix, fullIdx, violations);
      done++;
    }
    if (done < cuts.length - 1) process.stderr.write(`${name}: budget reached after ${done} of ${cuts.length} cuts\n`);
    totalCuts += done;
    totalFixtures++;
    process.stderr.write(`${name}\t${n} frames\t${done} cuts\t${((performance.now() - t1) / 1000).toFixed(1)} s\t${violations.length - before} violations\n`);
  }
}
const seconds = (performance.now() - t0) / 1000;
const lines = violations.map((v) => [v.kind, v.fixture, v.k, v.what, v.detail].join('\t'));
if (out) writeFileSync(out, lines.join('\n') + '\n');
console.log(`${totalFixtures} fixture variants, ${totalCuts} cut points, ${seconds.toFixed(0)} s, ${violations.length} violations`);
for (const [kind, e] of groupByKind(violations)) {
  console.log(`${kind}\t${e.count} in ${e.fixtures.size} fixtures\te.g. ${e.example.fixture} k=${e.example.k} ${e.example.what}: ${e.example.detail}`);
}
