#!/usr/bin/env node
// A capture that STARTS late must never produce a false verdict (audit 54): tcpdump started after
// the login, in the middle of a transfer, or a ring buffer whose first file was rotated away. For
// every fixture and every start point k (coarse to fine, within a time budget per fixture), analyse
// records k..end, numbered from 1 as such a capture would be, and compare each transfer and session
// with the analysis of the whole capture (frames mapped back to the whole capture's):
// - inside: a transfer whose whole life lies in the suffix reads exactly as in the full capture
//   (status, verdict, cause). Its life runs from the final reply of the transfer before it in its
//   session (for the first, from the login's 230): its setup (TYPE, SIZE, REST, MODE), its
//   announcement, its command, its data connection's SYN, its final reply. Not inside: a transfer the
//   full capture reads with another session (a split download's segment, an upload a later session
//   resumed, an FXP copy, a proxy's two legs, a NAT's two views: CROSS_CAUSES, crossSession), whose
//   other session's start the suffix may lack. A session whose control connection's SYN lies in the
//   suffix reads as in the full capture too (control verdict, login, cause);
// - before: a transfer or session that began before the start is never worded failed / aborted /
//   refused / unanswered / login-failed, nor given a cause, that the full capture does not give it,
//   unless the suffix holds the transfer's own evidence: a 4xx/5xx reply (to its command or its
//   announcement), a reset of its data connection, an ICMP error (`evidenced`; counted apart as
//   allowed differences, --notes lists them). A transfer the full capture already reads failed or
//   aborted may read another failure in the suffix (the evidence it has): allowed too; and so, listed
//   apart as `cross-session`, may one the full capture reads with another session or transfer whose
//   start the suffix lacks (its reading then stands on this transfer's own packets alone);
// - a failed or aborted transfer of the full capture never reads completed in a suffix;
// - a transfer whose data connection has packets in the suffix never reads "not captured" nor gets
//   the not-in-capture diagnosis (its announcement or its SYN before the start is no reason);
// - a transfer of the suffix that matches none of the full capture's (a data connection seen
//   mid-stream, inferred) has no cause and is not failed, but on its own evidence;
// - the words: a transfer that began before the start and is neither failed nor diagnosed has no
//   failure word in its verdict's sentence (but a fell-back or retry-refused one, whose words name
//   the refusal it recovered from).
// (A data connection whose SYN precedes the start is not "no handshake" / "not captured" / "address
// mismatch", a control connection seen mid-stream not "no greeting", a TLS session whose handshake
// precedes the start not tls-handshake-failed: each of these is a cause or control verdict the full
// capture does not give, so the rules above catch them, grouped by name.)
//
// Usage: nice -n 15 node scripts/sweep/suffix-sweep.mjs [--root DIR] [--fixtures DIR] [--only REGEX]
//        [--max-cuts N] [--budget SECONDS] [--out FILE.tsv] [--notes] [fixture …]
// Run from a built tree (npm run build). Not part of npm test. Prints one line per fixture on
// stderr, then the violations grouped by kind (largest first); --out writes one line per violation.
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadCapture } from './load-capture.mjs';
import { options, fixtureFiles, analyseVariant, verdictFacts, framesOfInterest, coarseToFine, FAILURE_WORDS, groupByKind } from './sweep-common.mjs';

const args = process.argv.slice(2);
const { opt, flag, root, fixturesDir } = options(args);
const showNotes = flag('--notes');
const out = opt('--out', null);
const only = opt('--only', null);
const maxCuts = Number(opt('--max-cuts', '150'));
/** Seconds one fixture's suffixes may take; start points are taken coarse to fine, so a cut-short sweep still spans the capture. */
const budget = Number(opt('--budget', '4'));
const { analyzeRecords } = await import(root + '/dist/analysis/pipeline.js');
const { verdictSentence } = await import(root + '/dist/render/verdict-words.js');

const BAD_CONTROL = new Set(['unanswered', 'refused', 'turned-away', 'ungreeted', 'hung-up']);
const BAD_LOGIN = new Set(['failed', 'refused']);
const FAILISH = new Set(['failed', 'aborted', 'reply-lost']);
const bad = (t) => FAILISH.has(t.kind) || t.status === 'failed' || t.status === 'aborted';
const desc = (t) => `${t.status}/${t.kind}${t.why ? ':' + t.why : ''}${t.by ? ' by ' + t.by : ''}/${t.cause ?? '-'}`;
/** A data connection's endpoints: matches a transfer seen mid-stream (no SYN, no command) with the full capture's. */
const connKey = (t) => {
  const c = t.ref.connection;
  return c ? `e${c.client.ip}:${c.client.port}>${c.server.ip}:${c.server.port}` : null;
};
/** Each (fixture, transfer, verdict) worded once. */
const worded = new Set();

/**
 * Whether the full capture's transfer `t` lived wholly in frames k..: from the final reply of the
 * transfer before it in its session (its setup — TYPE, SIZE, REST, MODE — comes after that) to its
 * own final reply, its data connection's SYN included; not one seen mid-stream in the full capture,
 * nor one whose verdict the full capture reads from another session (a segment of a split download).
 */
function inside(t, prev, fs, k) {
  const { announce, request, syn, reply } = t.life;
  if (t.inferred !== null || (t.ref.connection !== null && syn === null) || crossSession(t, fs)) return false;
  // The first transfer's setup follows the login (its 230), or the session's first frame.
  const login = fs.ref.commands.findLast?.((c) => c.reply?.code === 230 && c.frame < (request ?? announce ?? Infinity))?.reply.frame;
  const setup = prev === null ? (login ?? fs.ref.commands[0]?.frame ?? null) : (prev.life.reply ?? prev.life.request ?? prev.life.announce);
  return [setup, announce, request, syn, reply].every((f) => f === null || f >= k) && (request ?? announce ?? syn) !== null;
}

/** Statuses read with another transfer (the attempt recovered from, or retried): their words name a refusal, which is no failure word there. */
const REFUSAL_RECOVERED = new Set(['fell-back', 'retry-refused']);
/** Causes read across sessions (an FXP copy's two servers, a proxy's two legs, a bounce that is one leg of an FXP copy). */
const CROSS_CAUSES = new Set(['fxp-refused', 'relay-failed', 'bounce']);
/**
 * A verdict the full capture reads from another session as well: a segment of a split download, an
 * upload a later session resumed, an FXP copy, a proxy's legs, a NAT's two views. A suffix that lacks
 * the other session's start reads this one alone.
 */
const crossSession = (t, fs) =>
  t.ref.verdict.segment !== undefined ||
  t.ref.verdict.resumed !== undefined ||
  t.ref.fxp !== undefined ||
  REFUSAL_RECOVERED.has(t.status) ||
  CROSS_CAUSES.has(t.cause) ||
  fs.ref.relay !== undefined ||
  fs.ref.natPeer != null;

/**
 * A refusal the suffix reads as recovered from in another session (fell-back, retry-refused: the
 * client's reconnect), where the full capture reads it alone, while the session's USER lies before the
 * start: a reconnect is the same client's when it logs in as the same user (sorted.ts sameLogin), and
 * a login the capture lacks matches any. The full capture knows the two users differ
 * (refused-epsv-other-user-pyftpdlib-python: fxm28user refused EPSV, then anonymous's PASV); the
 * suffix cannot, so its transfer is not wholly inside: its reading stands on the USER before it.
 */
function userBefore(ft, t, fs, k) {
  if (!REFUSAL_RECOVERED.has(t.status) || REFUSAL_RECOVERED.has(ft.status)) return false;
  const asked = ft.life.request ?? ft.life.announce ?? Infinity;
  const user = fs.ref.commands.findLast?.((c) => c.command === 'USER' && c.frame < asked)?.frame;
  return user !== undefined && user < k;
}

/** The full capture's data connection of `t` has packets in the suffix starting at k. */
function dataInSuffix(t, k) {
  const c = t.ref.connection;
  if (c === null) return false;
  const frames = [c.synFrame, c.establishedFrame, c.lastData?.frame, c.rst?.frame, ...(c.handshake ?? []).map((h) => h.frame)];
  return frames.some((f) => typeof f === 'number' && f >= k);
}

/** The suffix holds the transfer's own evidence of a failure: a 4xx/5xx reply (to its command or its announcement), a reset, an ICMP error. */
const evidenced = (t) =>
  (t.ref.reply?.code ?? 0) >= 400 || (t.ref.announce?.reply?.code ?? 0) >= 400 || t.ref.connection?.rst != null || (t.ref.connection?.icmpErrors?.length ?? 0) > 0;


/**
 * Violations of the suffix starting at full frame k (`part`) against the full capture (`full`);
 * differences the rules allow (a failure the suffix holds its own evidence of, read another way) go
 * to `notes`.
 */
function check(fixture, k, full, part, out, notes) {
  const add = (kind, what, detail) => out.push({ fixture, k, kind, what, detail });
  const note = (kind, what, detail) => notes.push({ fixture, k, kind, what, detail });
  const byKey = new Map(part.map((s) => [s.key, s]));
  for (const fs of full) {
    const ps = byKey.get(fs.key);
    if (!ps) continue;
    const syn = fs.ref.controlConnection?.synFrames?.[0] ?? null;
    // A session whose transfers the full capture reads with another session's (FXP, proxy, NAT views) is read alone in a suffix without that session's start.
    const sessionInside = !fs.midstream && syn !== null && syn >= k && !fs.transfers.some((t) => crossSession(t, fs));
    const sWhat = `s${fs.id}`;
    if (sessionInside) {
      if (ps.control !== fs.control || ps.login !== fs.login || ps.cause !== fs.cause) add('inside-session', sWhat, `${ps.control}/${ps.login}/${ps.cause ?? '-'} (full: ${fs.control}/${fs.login}/${fs.cause ?? '-'})`);
    } else {
      // A session's diagnosis that only sums up its transfers' is judged with theirs, below.
      const rollup = ps.cause !== null && ps.transfers.some((t) => t.cause === ps.cause);
      if (ps.cause !== null && ps.cause !== fs.cause && !rollup) (fs.cause === null ? add : note)(`before-session-cause:${ps.cause}`, sWhat, `${ps.cause} ctl=${ps.control} ev=${ps.evidence.join(',')} (full: ${fs.cause ?? '-'} ${fs.control})`);
      if (BAD_CONTROL.has(ps.control) && ps.control !== fs.control) add(`before-control:${ps.control}`, sWhat, `${ps.control} (full: ${fs.control})`);
      if (BAD_LOGIN.has(ps.login) && ps.login !== fs.login) (BAD_LOGIN.has(fs.login) ? note : add)(`before-login:${ps.login}`, sWhat, `${ps.login} (full: ${fs.login})`);
    }
    const pt = new Map();
    for (const t of ps.transfers) for (const key of [...t.keys, connKey(t)]) if (key && !pt.has(key)) pt.set(key, t);
    const used = new Set();
    fs.transfers.forEach((ft, i) => {
      let t = null;
      for (const key of [...ft.keys, connKey(ft)]) if (key && pt.has(key)) { t = pt.get(key); break; }
      if (!t || used.has(t)) return;
      used.add(t);
      const what = `${ft.id}${ft.command ? ' ' + ft.command + ' @' + ft.life.request : ''}`;
      const d = `${desc(t)} ev=${t.evidence.join(',')} (full: ${desc(ft)})`;
      // A download the suffix reads as a split piece not known (split-download.ts findSplitsLost) hangs
      // on another session between the hosts whose start the suffix lacks: read with it, not alone.
      const whole = inside(ft, i > 0 ? fs.transfers[i - 1] : null, fs, k) && !CROSS_CAUSES.has(t.cause) && !userBefore(ft, t, fs, k) && t.why !== 'split-not-captured';
      if (dataInSuffix(ft, k) && (t.kind === 'not-captured' || t.cause === 'not-in-capture')) add(`data-in-suffix→${t.kind}/${t.cause ?? '-'}`, what, d);
      else if (bad(ft) && t.kind === 'completed') add(`${ft.kind}→completed`, what, d);
      else if (whole) {
        if (t.status !== ft.status || t.kind !== ft.kind || t.cause !== ft.cause) add(`inside:${ft.kind}→${t.kind}${t.cause !== ft.cause ? ':' + (t.cause ?? '-') : ''}`, what, d);
      } else if ((t.status !== ft.status || t.kind !== ft.kind || t.cause !== ft.cause) && (bad(t) || t.cause !== null) && crossSession(ft, fs)) {
        note(`cross-session:${ft.status}/${ft.cause ?? '-'}→${t.status}/${t.cause ?? '-'}`, what, d);
      } else if (bad(ft) && (bad(t) || t.cause !== null)) {
        if (t.cause !== ft.cause || t.kind !== ft.kind) note(`before-bad:${ft.cause ?? ft.kind}→${t.cause ?? t.kind}`, what, d);
      } else if ((bad(t) || (t.cause !== null && t.cause !== ft.cause)) && evidenced(t)) note(`before-evidenced:${ft.kind}→${t.kind}/${t.cause ?? '-'}`, what, d);
      else if (t.cause !== null && t.cause !== ft.cause) add(`before-cause:${t.cause}`, what, d);
      else if (bad(t) && !bad(ft)) add(`before:${ft.kind}→${t.status}/${t.kind}`, what, d);
      if (!whole && !bad(t) && t.cause === null) wording(fixture, what, t, d, add);
    });
    for (const t of ps.transfers) {
      if (used.has(t)) continue;
      if (t.cause !== null || bad(t)) (evidenced(t) ? note : add)(`new-transfer:${t.status}/${t.kind}/${t.cause ?? '-'}`, `${t.id}${t.inferred ? ' inferred ' + t.inferred : ''}`, `${desc(t)} ev=${t.evidence.join(',')}`);
      else wording(fixture, t.id, t, desc(t), add);
    }
  }
}

/** A transfer that began before the start and is not failed is worded without failure. */
function wording(fixture, what, t, d, add) {
  if (REFUSAL_RECOVERED.has(t.status)) return;
  const sig = `${fixture}|${what}|${t.status}|${t.kind}|${t.why}`;
  if (worded.has(sig)) return;
  worded.add(sig);
  const sentence = verdictSentence(t.ref);
  if (FAILURE_WORDS.test(sentence)) add('words:verdict-failure', what, `${d}: "${sentence}"`);
}

const files = args.length > 0 ? args : fixtureFiles(fixturesDir, only);
const violations = [];
const notes = [];
let totalCuts = 0;
let totalFixtures = 0;
const t0 = performance.now();
for (const f of files) {
  const path = f.includes('/') ? f : fixturesDir + '/' + f;
  const name = path.replace(/.*\//, '');
  let cap;
  let fullA;
  try {
    cap = await loadCapture(root, path);
    fullA = await analyseVariant(analyzeRecords, cap, { fileName: name });
  } catch (e) {
    process.stderr.write(`${name}: ${e.message}\n`);
    continue;
  }
  const n = cap.records.length;
  const full = verdictFacts(fullA);
  const starts = framesOfInterest(fullA.a, n, maxCuts).filter((k) => k > 1);
  const t1 = performance.now();
  const before = violations.length;
  let done = 0;
  for (const k of coarseToFine(starts)) {
    if ((performance.now() - t1) / 1000 > budget) break;
    try {
      check(name, k, full, verdictFacts(await analyseVariant(analyzeRecords, cap, { first: k, fileName: name })), violations, notes);
    } catch (e) {
      violations.push({ fixture: name, k, kind: 'crash', what: '-', detail: String(e.stack ?? e).slice(0, 300) });
    }
    done++;
  }
  totalCuts += done;
  totalFixtures++;
  process.stderr.write(`${name}\t${n} frames\t${done} of ${starts.length} starts\t${((performance.now() - t1) / 1000).toFixed(1)} s\t${violations.length - before} violations\n`);
}
const seconds = (performance.now() - t0) / 1000;
if (out) writeFileSync(out, violations.map((v) => [v.kind, v.fixture, v.k, v.what, v.detail].join('\t')).join('\n') + '\n');
console.log(`${totalFixtures} fixtures, ${totalCuts} start points, ${seconds.toFixed(0)} s, ${violations.length} violations (${notes.length} allowed differences)`);
for (const [kind, e] of groupByKind(violations)) {
  console.log(`${kind}\t${e.count} in ${e.fixtures.size} fixtures\te.g. ${e.example.fixture} k=${e.example.k} ${e.example.what}: ${e.example.detail}`);
}
if (showNotes) {
  console.log('allowed differences (the suffix holds the failure\'s own evidence):');
  for (const [kind, e] of groupByKind(notes)) console.log(`  ${kind}\t${e.count} in ${e.fixtures.size} fixtures\te.g. ${e.example.fixture} k=${e.example.k} ${e.example.what}: ${e.example.detail}`);
}
