// Packets the capture missed must never make a false verdict (audit 52): for every fixture, remove
// each single frame in turn, and bursts of 2–8 consecutive frames at a stride (a kernel's drops come
// in bursts), analyse the rest in-process and compare each transfer's and session's verdict with
// the full capture's. Not part of `npm test`: a sweep to run by hand, under nice.
//
//   nice -n 15 node scripts/sweep/drop-sweep.mjs [--root DIR] [--only REGEX] [--max-single N]
//       [--stride N] [--filter control|data] [--snaplen N] [--out FILE.json] [--fixtures DIR]
//
// --root: the built tree whose dist/ is analysed (default: this worktree). --max-single: fixtures
// of more frames than N get single-frame removal at a stride instead of every frame (default 3000).
// Frames in the report are the full capture's numbers (a filtered capture renumbers; mapped back).
import { writeFileSync } from 'node:fs';
import { loadCapture } from './load-capture.mjs';
import { options, fixtureFiles, analyseVariant, verdictFacts } from './sweep-common.mjs';

const args = process.argv.slice(2);
const { opt, flag, root, fixturesDir } = options(args);
const only = opt('--only', '.');
const maxSingle = Number(opt('--max-single', '1200'));
const budget = Number(opt('--budget', '6e6'));
const burstStride = Number(opt('--stride', '0'));
const out = opt('--out', null);
const verbose = flag('--verbose');
const filter = opt('--filter', null);
if (filter !== null && filter !== 'control' && filter !== 'data') throw new Error('--filter: control or data');
const snaplen = (() => { const v = opt('--snaplen', null); return v === null ? null : Number(v); })();

const { analyzeRecords } = await import(root + '/dist/analysis/pipeline.js');

/** Analyse the capture without the frames `drop` (a Set of full-capture frame numbers); frames renumbered. */
const analyse = (cap, drop, fileName) => analyseVariant(analyzeRecords, cap, { drop, fileName });

const BAD_CONTROL = new Set(['unanswered', 'refused', 'turned-away', 'ungreeted', 'hung-up']);
const facts = verdictFacts;

const FAILISH = new Set(['failed', 'aborted', 'reply-lost']);
/**
 * Causes that say what the capture lacks, not what went wrong: honest about a variant that lost
 * segments (its status must still not turn failed or aborted). Counted apart (`honest`).
 */
const CAPTURE_CAUSES = new Set(['capture-gap']);
const honestCause = (c) => c === null || CAPTURE_CAUSES.has(c);

/** Violations of a variant against the full capture. */
function compare(full, part, dropped) {
  const v = [];
  const byKey = new Map(part.map((s) => [s.key, s]));
  for (const fs of full) {
    const ps = byKey.get(fs.key);
    if (!ps) continue;
    if (fs.cause === null && !honestCause(ps.cause)) v.push({ what: 'session-cause', session: fs.id, after: ps.cause, ev: ps.evidence });
    if (!BAD_CONTROL.has(fs.control) && BAD_CONTROL.has(ps.control)) v.push({ what: 'control', session: fs.id, before: fs.control, after: ps.control });
    const pt = new Map();
    for (const t of ps.transfers) for (const k of t.keys) if (!pt.has(k)) pt.set(k, t);
    const used = new Set();
    for (const ft of fs.transfers) {
      let t = null;
      for (const k of ft.keys) if (pt.has(k)) { t = pt.get(k); break; }
      if (!t) continue;
      used.add(t);
      const base = { session: fs.id, transfer: ft.id, before: `${ft.status}/${ft.kind}/${ft.cause ?? '-'}`, after: `${t.status}/${t.kind}${t.why ? ':' + t.why : ''}${t.lost ? '+lost' : ''}/${t.cause ?? '-'}`, ev: t.evidence };
      if (ft.kind === 'completed' || ft.status === 'complete') {
        if (FAILISH.has(t.kind) || t.status === 'failed' || t.status === 'aborted') v.push({ what: 'complete→' + t.kind, ...base });
        else if (!honestCause(t.cause) && ft.cause === null) v.push({ what: 'complete+cause', ...base });
        else if (t.lost) v.push({ what: 'complete→lost', ...base });
      } else if (ft.status === 'failed' || ft.kind === 'failed' || ft.kind === 'aborted') {
        if (t.kind === 'completed' || t.status === 'complete') v.push({ what: 'failed→complete', ...base });
      }
      if (ft.cause === null && !honestCause(t.cause) && !v.some((x) => x.transfer === ft.id && x.session === fs.id)) v.push({ what: 'new-cause', ...base });
      // A filtered capture keeps a failure's replies but not always its evidence: a cause it names must be one the variant shows.
      else if (filter !== null && ft.cause !== null && t.cause !== ft.cause) v.push({ what: 'cause-changed', ...base });
    }
    for (const t of ps.transfers) {
      if (used.has(t)) continue;
      if (t.cause !== null || FAILISH.has(t.kind)) v.push({ what: 'new-transfer-' + t.kind, session: fs.id, transfer: t.id, after: `${t.status}/${t.kind}/${t.cause ?? '-'}`, ev: t.evidence });
    }
  }
  for (const x of v) x.dropped = dropped;
  return v;
}


const { decodeFrame } = await import(root + '/dist/decode/frame.js');
const SYN = 0x02, FIN = 0x01, RST = 0x04;

/**
 * Which frames to remove, one variant each. Up to --max-single frames: every single frame, and
 * bursts of 2–8 tiling the capture. Beyond: about `budget / frames` variants, first the frames that
 * carry meaning (SYN, FIN, RST, ICMP, a control connection's frames, each data connection's first 4
 * and last 8 frames), singly and as the bursts that begin there, then bulk data at a stride.
 */
function plan(cap, full) {
  if (filter !== null) return [filtered(cap, full)];
  const n = cap.records.length;
  const drops = [];
  if (n <= maxSingle) {
    for (let i = 1; i <= n; i++) drops.push([i]);
    for (let len = 2; len <= 8; len++) {
      const stride = burstStride || len;
      for (let i = 1 + ((len * 3) % stride); i + len - 1 <= n; i += stride) drops.push(Array.from({ length: len }, (_, k) => i + k));
    }
    return drops;
  }
  const controls = controlsOf(full);
  const key = [];
  const conns = new Map();
  for (const { r, f, conn } of decoded(cap)) {
    if (f.icmp) { key.push(r.frame); continue; }
    if (conn === null) continue;
    if (controls.has(conn) || (f.tcp.flags & (SYN | FIN | RST)) !== 0) { key.push(r.frame); continue; }
    let list = conns.get(conn);
    if (!list) conns.set(conn, (list = []));
    list.push(r.frame);
  }
  const edges = [];
  const bulk = [];
  for (const list of conns.values()) {
    list.forEach((fr, i) => (i < 4 || i >= list.length - 8 ? edges : bulk).push(fr));
  }
  const cap_ = Math.max(200, Math.floor(budget / n));
  const firsts = [...new Set([...key, ...edges])].sort((x, y) => x - y);
  const step = (list, want) => (list.length <= want ? list : list.filter((_, i) => i % Math.ceil(list.length / want) === 0));
  const singles = step(firsts, Math.floor(cap_ * 0.5));
  for (const fr of singles) drops.push([fr]);
  const bursts = step(firsts, Math.floor(cap_ * 0.25));
  bursts.forEach((fr, i) => {
    const len = 2 + (i % 7);
    if (fr + len - 1 <= n) drops.push(Array.from({ length: len }, (_, k) => fr + k));
  });
  const rest = step(bulk, Math.floor(cap_ * 0.25));
  rest.forEach((fr, i) => {
    const len = 1 + (i % 8);
    if (fr + len - 1 <= n) drops.push(Array.from({ length: len }, (_, k) => fr + k));
  });
  return drops;
}

/**
 * --filter: one variant, the frames a capture filter on the control connections would have dropped
 * (`control`: everything but the control connections' TCP, ICMP included, as "tcp port 21" would;
 * `data`: the control connections, as "not port 21").
 */
function filtered(cap, full) {
  const controls = controlsOf(full);
  const drop = [];
  for (const { r, conn } of decoded(cap)) {
    const control = conn !== null && controls.has(conn);
    if (filter === 'data' ? control : !control) drop.push(r.frame);
  }
  return drop;
}

/** Each record's decoded frame and its connection (its two endpoints, sorted), null where it carries no TCP over IP. */
function* decoded(cap) {
  for (const r of cap.records) {
    let f;
    try {
      f = decodeFrame(r);
    } catch {
      continue;
    }
    yield { r, f, conn: f.tcp && f.ip ? [`${f.ip.src}:${f.tcp.srcPort}`, `${f.ip.dst}:${f.tcp.dstPort}`].sort().join('|') : null };
  }
}

/** The capture with every record cut to `n` bytes, its original length kept (tcpdump -s n). */
function cutTo(cap, n) {
  const cut = (r) => (r.data.length <= n ? r : { ...r, data: r.data.subarray(0, n), capturedLength: n });
  const events = cap.events.map((e) => (e.kind === 'r' ? { ...e, r: cut(e.r) } : e));
  return { ...cap, events, records: events.filter((e) => e.kind === 'r').map((e) => e.r) };
}

/** The full capture's control connections, as `decoded` names connections. */
const controlsOf = (full) => new Set(full.map((s) => s.key.split('>').sort().join('|')));

const files = fixtureFiles(fixturesDir, only);
const t0 = Date.now();
let variants = 0;
const violations = [];
const perFixture = [];
for (const file of files) {
  const t1 = Date.now();
  let cap;
  try {
    cap = await loadCapture(root, fixturesDir + '/' + file);
  } catch (e) {
    console.error(`${file}: ${e.message}`);
    continue;
  }
  const n = cap.records.length;
  let full;
  try {
    full = facts(await analyse(cap, new Set(), file));
  } catch (e) {
    console.error(`${file}: ${e.message}`);
    continue;
  }
  // --snaplen: one variant, every record cut to that many bytes as tcpdump -s would (compared as a variant with nothing dropped).
  if (snaplen !== null) cap = cutTo(cap, snaplen);
  const drops = snaplen !== null ? [[]] : plan(cap, full);
  let found = 0;
  for (const d of drops) {
    variants++;
    let part;
    try {
      part = facts(await analyse(cap, new Set(d), file));
    } catch (e) {
      violations.push({ file, what: 'crash', dropped: d, after: String(e.stack ?? e).slice(0, 300) });
      found++;
      continue;
    }
    for (const x of compare(full, part, d)) {
      violations.push({ file, ...x });
      found++;
    }
  }
  perFixture.push({ file, frames: n, variants: drops.length, ms: Date.now() - t1, violations: found });
  if (verbose || found) console.error(`${file}: ${n} frames, ${drops.length} variants, ${Date.now() - t1} ms, ${found} violations`);
}
const seconds = (Date.now() - t0) / 1000;
const summary = { fixtures: perFixture.length, variants, seconds, violations: violations.length };
console.log(JSON.stringify(summary));
const kinds = new Map();
for (const x of violations) kinds.set(x.what, (kinds.get(x.what) ?? 0) + 1);
for (const [k, c] of [...kinds].sort((a, b) => b[1] - a[1])) console.log(`${c}\t${k}`);
if (out) writeFileSync(out, JSON.stringify({ summary, perFixture, violations }, null, 1));
