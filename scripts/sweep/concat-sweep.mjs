#!/usr/bin/env node
// A capture that holds more than one story must read each as it reads alone: a real capture often
// holds one client's several sessions to one server, one after the other (a user who retries with
// another client, a script run every minute), or at once (parallel transfers, users behind one
// NAT). For every fixture A and up to --partners fixtures B whose sessions share a client and
// server address with A's (but no control connection: two views of one recording do), analyse A
// joined with B — B's records moved by whole seconds to begin --gap seconds after A's last, or with
// --overlap S, S seconds after A's first and merged in time order (then B must use none of A's
// passive ports: one server never gives one to two sessions at once) — and compare every session
// and transfer with the analysis of its own capture alone: control verdict, login and cause;
// status, verdict and cause. Differences are listed, but for those counted apart:
// - a session a part left open at its end, when the joined capture runs on after it (the rest of a
//   longer capture may finish its story);
// - a reading across the two parts the capture cannot tell from one within a part (crossPart).
// What stays is a reading that reached from one story into an unrelated one.
//
// Usage: nice -n 15 node scripts/sweep/concat-sweep.mjs [--root DIR] [--fixtures DIR] [--only REGEX]
//        [--partners N] [--gap SECONDS | --overlap SECONDS] [--out FILE.tsv] [fixture …]
// Run from a built tree (npm run build). Not part of npm test. Prints the differences grouped by
// kind (largest first); --out writes one line per difference.
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadCapture } from './load-capture.mjs';
import { options, fixtureFiles, verdictFacts, verdictLines, groupByKind } from './sweep-common.mjs';

const args = process.argv.slice(2);
const { opt, root, fixturesDir } = options(args);
const out = opt('--out', null);
const only = opt('--only', null);
const partners = Number(opt('--partners', '3'));
const gap = Number(opt('--gap', '2'));
const overlapArg = opt('--overlap', null);
/** Seconds after the first capture's start at which the second begins, merged (null: after its end). */
const overlap = overlapArg === null ? null : Number(overlapArg);
const { analyzeRecords } = await import(root + '/dist/analysis/pipeline.js');

/**
 * Analyse two captures as one file: the second's records moved by whole seconds (tsSec and tsNsec
 * stay exact) to begin `gap` s after the first's last, or with `overlap`, `overlap` s after the
 * first's first, the records of both then merged in time order (the first's first at a tie), as
 * mergecap would. Secrets first (a key log serves every later packet), interfaces the first's then
 * the second's. `origin[n]`: the joined capture's frame n as [part, its own frame]; `parts[p]`:
 * that part's time shift and its last time in the joined clock.
 */
async function analyseJoined(caps, fileName) {
  const [A, B] = caps;
  const times = (c) => c.records.map((r) => r.time);
  const aTimes = times(A);
  const aEnd = Math.max(...aTimes);
  const bFirst = B.records[0].time;
  const shift = overlap === null ? Math.ceil(aEnd + gap - bFirst) : Math.ceil(A.records[0].time + overlap - bFirst);
  const parts = [
    { shift: 0, end: aEnd },
    { shift, end: Math.max(...times(B)) + shift },
  ];
  const tagged = [...A.records.map((r, i) => ({ p: 0, r, t: r.time, i })), ...B.records.map((r, i) => ({ p: 1, r, t: r.time + shift, i }))];
  tagged.sort((x, y) => x.t - y.t || x.p - y.p || x.i - y.i);
  const origin = [null];
  const read = (sink) => {
    sink.onHeader?.(A.header);
    for (const i of A.interfaces) sink.onInterface?.(i);
    for (const i of B.interfaces) sink.onInterface?.({ ...i, id: i.id + A.interfaces.length });
    for (const c of caps) for (const e of c.events) if (e.kind === 's') sink.onSecrets?.(e.type, e.data);
    let frame = 0;
    let bytes = 24;
    for (const { p, r } of tagged) {
      frame++;
      origin.push([p, r.frame]);
      bytes += 16 + r.capturedLength;
      const sh = parts[p].shift;
      sink.onRecord({ ...r, frame, tsSec: r.tsSec + sh, time: r.time + sh, interfaceId: r.interfaceId + (p === 1 ? A.interfaces.length : 0) });
    }
    return Promise.resolve({ header: A.header, interfaces: [...A.interfaces, ...B.interfaces], packets: frame, bytes });
  };
  const a = await analyzeRecords(read, { fileName });
  return { a, parts, origin, end: Math.max(parts[0].end, parts[1].end) };
}

/**
 * Keys (as `lines` makes them) of the whole's transfers read with a session of another part: a
 * refusal "fallen back" from in the same user's next session to the server (lftp closes the
 * session and logs in anew, after net:reconnect-interval-base, 30 s by default: a capture cannot
 * tell another tool's later session from it). Counted apart, as ambiguous (so is a data connection seen mid-stream
 * given to a session the other part left open: either may own it).
 */
function crossPart(sessions, part) {
  const keys = new Set();
  for (const s of sessions) {
    for (const t of s.transfers) {
      const fb = t.ref.verdict.fallback;
      const other = fb?.session ?? (fb?.transfer ? Number(fb.transfer.split('.')[0]) : s.ref.id);
      if (t.status === 'fell-back' && other !== s.ref.id && part(other) !== part(s.ref.id)) {
        keys.add(`t ${s.key} ${t.key}`);
        keys.add(`s ${s.key}@${s.ref.start.toFixed(6)}`); // its session's diagnosis sums its transfers'
      }
    }
  }
  return keys;
}

/** One line per session and transfer: what must read the same whatever else the capture holds (a session by its endpoints and start). */
const lines = (sessions) => verdictLines(sessions, (s) => `${s.key}@${s.ref.start.toFixed(6)}`);

/**
 * The facts of the sessions of part `p` (of the whole's analysis; `X` that part's capture alone),
 * frames and times as in its own capture. A session is the part's whose control connection its own
 * capture holds (pairs sharing one are not joined); a frame of the other part reads as its negative.
 */
function partFacts(whole, p, X) {
  const map = new Proxy([], { get: (_, n) => (typeof n === 'string' && /^\d+$/.test(n) ? (whole.origin[n]?.[0] === p ? whole.origin[n][1] : -Number(n)) : undefined) });
  const sessions = whole.a.sessions.filter((s) => X.tuples.has(tupleOf(s)));
  const facts = verdictFacts({ a: { sessions }, map });
  // Session times back to the part's own clock.
  return facts.map((s) => ({ ...s, ref: { ...s.ref, start: s.ref.start - whole.parts[p].shift } }));
}

/** The client–server address pairs of a capture's sessions. */
const pairsOf = (a) => new Set(a.sessions.map((s) => `${s.client.ip}>${s.server.ip}`));
const tupleOf = (s) => `${s.client.ip}:${s.client.port}>${s.server.ip}:${s.server.port}`;
/** Its control connections' endpoints: two views of one recording share them (and their sequence numbers), which no later session would. */
const tuplesOf = (a) => new Set(a.sessions.map(tupleOf));
/**
 * Its data connections' server ends: two runs recorded apart may have used one passive port, which
 * one server never gives two sessions at once (pairs sharing one are not overlapped).
 */
const dataEndsOf = (a) => new Set(a.sessions.flatMap((s) => s.transfers.flatMap((t) => (t.connection ? [`${t.connection.server.ip}:${t.connection.server.port}`] : []))));
/**
 * The sessions of a capture still open when it ends: what the rest of a longer capture shows (its
 * silence going on, the packets that come later) may finish their stories, so they may read
 * otherwise followed by another capture (counted apart).
 */
const openAtEnd = (a) => new Set(a.sessions.filter((s) => s.closedBy === null).map(tupleOf));

const files = args.length > 0 ? args : fixtureFiles(fixturesDir, only);
const t0 = performance.now();
const caps = new Map();
for (const f of files) {
  const path = f.includes('/') ? f : fixturesDir + '/' + f;
  const name = path.replace(/.*\//, '');
  try {
    const cap = await loadCapture(root, path);
    if (cap.records.length === 0) continue;
    const alone = await analyzeRecords(
      (sink) => {
        sink.onHeader?.(cap.header);
        for (const i of cap.interfaces) sink.onInterface?.(i);
        for (const e of cap.events) (e.kind === 's' ? sink.onSecrets?.(e.type, e.data) : sink.onRecord(e.r));
        return Promise.resolve({ header: cap.header, interfaces: cap.interfaces, packets: cap.records.length, bytes: 0 });
      },
      { fileName: name },
    );
    caps.set(name, { cap, alone, facts: lines(verdictFacts({ a: alone, map: [] })), pairs: pairsOf(alone), tuples: tuplesOf(alone), dataEnds: dataEndsOf(alone), open: openAtEnd(alone) });
  } catch (e) {
    process.stderr.write(`${name}: ${e.message}\n`);
  }
}

const names = [...caps.keys()];
const diffs = [];
/** Differences of sessions A left open at its end, and readings across the two parts (crossPart). */
let openDiffs = 0;
let ambiguous = 0;
let runs = 0;
for (const [i, a] of names.entries()) {
  const A = caps.get(a);
  const linkA = A.cap.records[0].linkType;
  // Partners: the next fixtures (name order, wrapping) that share a client–server pair and A's link type.
  const chosen = [];
  for (let k = 1; k < names.length && chosen.length < partners; k++) {
    const b = names[(i + k) % names.length];
    const B = caps.get(b);
    if (B.cap.records[0].linkType !== linkA || B.cap.header?.linkType !== A.cap.header?.linkType) continue;
    if (![...B.pairs].some((p) => A.pairs.has(p)) || [...B.tuples].some((t) => A.tuples.has(t))) continue;
    if (overlap !== null && [...B.dataEnds].some((e) => A.dataEnds.has(e))) continue;
    chosen.push(b);
  }
  for (const b of chosen) {
    const B = caps.get(b);
    let whole;
    try {
      whole = await analyseJoined([A.cap, B.cap], `${a}+${b}`);
    } catch (e) {
      diffs.push({ pair: `${a} + ${b}`, kind: 'error', what: '', detail: e.message });
      continue;
    }
    runs++;
    const partOf = (id) => {
      const s = whole.a.sessions.find((x) => x.id === id);
      return s !== undefined && B.tuples.has(tupleOf(s)) ? 1 : 0;
    };
    [A, B].forEach((X, p) => {
      const facts = partFacts(whole, p, X);
      const got = lines(facts);
      const cross = crossPart(facts, partOf);
      const other = p === 0 ? B : A;
      // A mid-stream data connection given to a session the other part left open: either may own it.
      const givenToOpen = (key, want) => other.open.size > 0 && whole.parts[1 - p].end < whole.end && want.includes(':midstream') && !got.has(key);
      const name = p === 0 ? a : b;
      // A line's session (`s KEY@start` or `t KEY frame`), left open by a part that ends before the joined capture does.
      const open = (key) => whole.parts[p].end < whole.end && X.open.has(key.split(' ')[1].split('@')[0]);
      for (const [key, want] of X.facts) {
        const seen = got.get(key);
        if (seen === want) continue;
        if (open(key)) {
          openDiffs++;
          continue;
        }
        if (cross.has(key) || givenToOpen(key, want)) {
          ambiguous++;
          continue;
        }
        const kind = `${p === 0 ? 'first' : 'second'}:${key[0] === 's' ? 'session' : 'transfer'} ${want.split('/').slice(-1)[0] === '-' ? want.split('/').slice(0, 2).join('/') : want} → ${seen ?? 'missing'}`;
        diffs.push({ pair: `${a} + ${b}`, kind, what: `${name} ${key}`, detail: `${seen ?? 'missing'} (alone: ${want})` });
      }
      for (const [key, seen] of got) if (!X.facts.has(key) && !open(key)) diffs.push({ pair: `${a} + ${b}`, kind: `${p === 0 ? 'first' : 'second'}:new ${key[0]}`, what: `${name} ${key}`, detail: seen });
    });
  }
}
const seconds = ((performance.now() - t0) / 1000).toFixed(0);
console.log(`${caps.size} fixtures, ${runs} ${overlap === null ? `concatenations (gap ${gap} s)` : `overlaps (the second from ${overlap} s)`}, ${seconds} s, ${diffs.length} differences (and ${openDiffs} in sessions the first capture left open, ${ambiguous} read across the two: crossPart)`);
for (const [kind, e] of groupByKind(diffs.map((d) => ({ ...d, fixture: d.pair })))) console.log(`${kind}\t${e.count} in ${e.fixtures.size} pairs\te.g. ${e.example.pair}: ${e.example.what}: ${e.example.detail}`);
if (out) writeFileSync(out, diffs.map((d) => `${d.pair}\t${d.kind}\t${d.what}\t${d.detail}`).join('\n') + '\n');
