#!/usr/bin/env node
// A capture that holds more than one story must read each as it reads alone: a real capture often
// holds one client's several sessions to one server, one after the other (a user who retries with
// another client, a script run every minute). For every fixture A and up to --partners fixtures B
// whose sessions share a client and server address with A's, analyse A followed by B (B's records
// shifted in time to begin --gap seconds after A's last, numbered after A's, B's pcapng interfaces
// after A's) and compare every session and transfer with the analysis of its own capture alone:
// control verdict, login and cause; status, verdict and cause. Any difference is listed: a reading
// that reaches from one story into an unrelated one (a refusal "recovered from" by another client's
// later transfer of another file, a split download made of two runs, a chain across captures).
//
// Usage: nice -n 15 node scripts/sweep/concat-sweep.mjs [--root DIR] [--fixtures DIR] [--only REGEX]
//        [--partners N] [--gap SECONDS] [--out FILE.tsv] [fixture …]
// Run from a built tree (npm run build). Not part of npm test. Prints the differences grouped by
// kind (largest first); --out writes one line per difference.
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadCapture } from './load-capture.mjs';
import { options, fixtureFiles, verdictFacts, groupByKind } from './sweep-common.mjs';

const args = process.argv.slice(2);
const { opt, root, fixturesDir } = options(args);
const out = opt('--out', null);
const only = opt('--only', null);
const partners = Number(opt('--partners', '3'));
const gap = Number(opt('--gap', '2'));
const { analyzeRecords } = await import(root + '/dist/analysis/pipeline.js');

/** Analyse the captures `caps` one after the other, each shifted to begin `gap` s after the one before. */
async function analyseAfter(caps, fileName) {
  const parts = []; // per capture: its first frame number in the whole, its time shift (s), its first time
  const read = (sink) => {
    sink.onHeader?.(caps[0].header);
    let ifaces = 0;
    let frame = 0;
    let end = -Infinity;
    let bytes = 24;
    for (const cap of caps) {
      for (const i of cap.interfaces) sink.onInterface?.({ ...i, id: i.id + ifaces });
      const first = cap.records[0];
      // Whole seconds keep tsSec/tsNsec exact.
      const shift = end === -Infinity ? 0 : Math.ceil(end + gap - first.time);
      parts.push({ from: frame + 1, shift, start: first.time + shift });
      for (const e of cap.events) {
        if (e.kind === 's') {
          sink.onSecrets?.(e.type, e.data);
          continue;
        }
        const r = e.r;
        frame++;
        bytes += 16 + r.capturedLength;
        sink.onRecord({ ...r, frame, tsSec: r.tsSec + shift, time: r.time + shift, interfaceId: r.interfaceId + ifaces });
        end = Math.max(end, r.time + shift);
      }
      ifaces += cap.interfaces.length;
    }
    return Promise.resolve({ header: caps[0].header, interfaces: caps.flatMap((c) => c.interfaces), packets: frame, bytes });
  };
  const a = await analyzeRecords(read, { fileName });
  return { a, parts };
}

/**
 * Keys (as `lines` makes them) of the whole's transfers read with a session of another part: a
 * refusal "fallen back" from in the same user's next session to the server (lftp closes the
 * session and logs in anew, after net:reconnect-interval-base, 30 s by default: a capture cannot
 * tell another tool's later session from it), and a data connection seen mid-stream given to a
 * session the first capture left open (either may own it). Counted apart, as ambiguous.
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

/** One line per session and transfer: what must read the same whatever else the capture holds. */
function lines(sessions) {
  const m = new Map();
  for (const s of sessions) {
    m.set(`s ${s.key}@${s.ref.start.toFixed(6)}`, `${s.control}/${s.login}/${s.cause ?? '-'}`);
    for (const t of s.transfers) m.set(`t ${s.key} ${t.key}`, `${t.status}/${t.kind}${t.why ? ':' + t.why : ''}/${t.cause ?? '-'}`);
  }
  return m;
}

/** The facts of the sessions of part `p` (of the whole's analysis), frames and times as in its own capture. */
function partFacts(whole, p) {
  const { a, parts } = whole;
  const next = parts[p + 1]?.from ?? Infinity;
  const { from, shift } = parts[p];
  const map = new Proxy([], { get: (_, n) => (typeof n === 'string' && /^\d+$/.test(n) ? Number(n) - from + 1 : undefined) });
  const sessions = a.sessions.filter((s) => s.start + 1e-9 >= parts[p].start && (next === Infinity || s.start < parts[p + 1].start));
  const facts = verdictFacts({ a: { sessions }, map });
  // Session times back to the part's own clock.
  return facts.map((s) => ({ ...s, ref: { ...s.ref, start: s.ref.start - shift } }));
}

/** The client–server address pairs of a capture's sessions. */
const pairsOf = (a) => new Set(a.sessions.map((s) => `${s.client.ip}>${s.server.ip}`));
/** Its control connections' endpoints: two views of one recording share them (and their sequence numbers), which no later session would. */
const tuplesOf = (a) => new Set(a.sessions.map((s) => `${s.client.ip}:${s.client.port}>${s.server.ip}:${s.server.port}`));
/**
 * The sessions of a capture still open when it ends: what the rest of a longer capture shows (its
 * silence going on, the packets that come later) may finish their stories, so they may read
 * otherwise followed by another capture (counted apart).
 */
const openAtEnd = (a) => new Set(a.sessions.filter((s) => s.closedBy === null).map((s) => `${s.client.ip}:${s.client.port}>${s.server.ip}:${s.server.port}`));

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
    caps.set(name, { cap, alone, facts: lines(verdictFacts({ a: alone, map: [] })), pairs: pairsOf(alone), tuples: tuplesOf(alone), open: openAtEnd(alone) });
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
    if ([...B.pairs].some((p) => A.pairs.has(p)) && ![...B.tuples].some((t) => A.tuples.has(t))) chosen.push(b);
  }
  for (const b of chosen) {
    const B = caps.get(b);
    let whole;
    try {
      whole = await analyseAfter([A.cap, B.cap], `${a}+${b}`);
    } catch (e) {
      diffs.push({ pair: `${a} + ${b}`, kind: 'error', what: '', detail: e.message });
      continue;
    }
    runs++;
    const partOf = (id) => (whole.a.sessions.find((x) => x.id === id)?.start ?? 0) >= whole.parts[1].start ? 1 : 0;
    [A, B].forEach((X, p) => {
      const facts = partFacts(whole, p);
      const got = lines(facts);
      const cross = crossPart(facts, partOf);
      // B's mid-stream data connection given to a session A left open: either may own it.
      const givenToOpen = (key, want) => p === 1 && A.open.size > 0 && want.includes(':midstream') && !got.has(key);
      const name = p === 0 ? a : b;
      // A line's session: `s KEY@start` or `t KEY frame`.
      const open = (key) => p === 0 && X.open.has(key.split(' ')[1].split('@')[0]);
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
console.log(`${caps.size} fixtures, ${runs} concatenations (gap ${gap} s), ${seconds} s, ${diffs.length} differences (and ${openDiffs} in sessions the first capture left open, ${ambiguous} read across the two: crossPart)`);
for (const [kind, e] of groupByKind(diffs.map((d) => ({ ...d, fixture: d.pair })))) console.log(`${kind}\t${e.count} in ${e.fixtures.size} pairs\te.g. ${e.example.pair}: ${e.example.what}: ${e.example.detail}`);
if (out) writeFileSync(out, diffs.map((d) => `${d.pair}\t${d.kind}\t${d.what}\t${d.detail}`).join('\n') + '\n');
