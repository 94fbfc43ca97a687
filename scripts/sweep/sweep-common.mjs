/**
 * What the sweeps (prefix-sweep, drop-sweep, suffix-sweep) share: their options, the fixtures they
 * read, a capture replayed without some of its records (renumbered as a capture that never had them
 * would be, with the map back to the full capture's frames), the frames where something may change,
 * and the order that makes a sweep cut short by its time budget still span the capture.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadCapture } from './load-capture.mjs';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));

/** `--name value` options out of `args` (removed from it, so what remains are the fixtures named). */
export function options(args) {
  const opt = (name, dflt) => {
    const i = args.indexOf(name);
    if (i < 0) return dflt;
    const v = args[i + 1];
    args.splice(i, 2);
    return v;
  };
  const flag = (name) => {
    const i = args.indexOf(name);
    if (i >= 0) args.splice(i, 1);
    return i >= 0;
  };
  const root = resolve(opt('--root', resolve(here, '../..')));
  const fixturesDir = resolve(opt('--fixtures', resolve(root, 'fixtures')));
  return { opt, flag, root, fixturesDir };
}

/** The capture files of `dir` (pcap, pcapng, gzipped or not) in name order, those `only` matches. */
export function fixtureFiles(dir, only = null) {
  const re = only === null ? null : new RegExp(only);
  return readdirSync(dir).filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f) && (re === null || re.test(f))).sort();
}

/**
 * Analyse `cap` (load-capture.mjs) as a capture holding only the records from frame `first` to
 * `last` without those in `drop`: kept records are numbered from 1, and `map[n]` is the full
 * capture's number of the variant's frame n. The pcapng secrets are handed on in their places up to
 * the last record read (a key log written as the sessions ran holds them whenever the capture began).
 * `options`: more of the analysis's options (a key log's, key-variants.mjs keyOptions).
 */
export async function analyseVariant(analyzeRecords, cap, { first = 1, last = Infinity, drop = null, fileName, options = {} }) {
  const map = [0];
  const read = (sink) => {
    sink.onHeader?.(cap.header);
    for (const i of cap.interfaces) sink.onInterface?.(i);
    let n = 0;
    let bytes = 24;
    for (const e of cap.events) {
      if (e.kind === 's') {
        sink.onSecrets?.(e.type, e.data);
        continue;
      }
      const r = e.r;
      if (r.frame > last) break;
      if (r.frame < first || drop?.has(r.frame)) continue;
      n++;
      map.push(r.frame);
      bytes += 16 + r.capturedLength;
      sink.onRecord(n === r.frame ? r : { ...r, frame: n });
    }
    return Promise.resolve({ header: cap.header, interfaces: cap.interfaces, packets: n, bytes });
  };
  const a = await analyzeRecords(read, { ...options, fileName });
  return { a, map };
}

/**
 * Analyse `cap` (load-capture.mjs) as its records in the order `order` (indexes into cap.records;
 * an index twice is a packet captured twice), numbered from 1. `times`: 'slot' — each slot keeps the
 * timestamp of the record that was there (only which packet came first changes); 'own' — each record
 * keeps its own, or the one before it when that is later (time never runs backwards).
 */
export async function analyseOrder(analyzeRecords, cap, order, { fileName, times }) {
  const read = (sink) => {
    sink.onHeader?.(cap.header);
    for (const i of cap.interfaces) sink.onInterface?.(i);
    for (const e of cap.events) if (e.kind === 's') sink.onSecrets?.(e.type, e.data);
    let last = null;
    order.forEach((k, slot) => {
      const r = cap.records[k];
      let at = times === 'slot' ? cap.records[slot] : r;
      if (last !== null && last.time > at.time) at = last;
      sink.onRecord({ ...r, frame: slot + 1, tsSec: at.tsSec, tsNsec: at.tsNsec, time: at.time });
      last = at;
    });
    return Promise.resolve({ header: cap.header, interfaces: cap.interfaces, packets: order.length, bytes: 0 });
  };
  return analyzeRecords(read, { fileName });
}

/**
 * The differences between the full capture's verdict lines (`full`) and a variant's (`got`, from
 * verdictLines), as sweep rows: a session or transfer read otherwise or missing, and one only the
 * variant has.
 */
export function lineDiffs(fixture, label, full, got) {
  const rows = [];
  for (const [key, want] of full) {
    const seen = got.get(key);
    if (seen !== want) rows.push({ fixture, label, kind: `${key[0] === 's' ? 'session' : 'transfer'} ${want} → ${seen ?? 'missing'}`, what: key, detail: `${seen ?? 'missing'} (whole: ${want})` });
  }
  for (const [key, seen] of got) if (!full.has(key)) rows.push({ fixture, label, kind: `new ${key[0]}`, what: key, detail: seen });
  return rows;
}

/** A transfer's frames that identify it across variants (its command, its announcement, its data connection's SYN), as full-capture frames. */
export function transferKeys(t, map = null) {
  const f = (n) => (map === null ? n : map[n] ?? n);
  return [t.request && `r${f(t.request.frame)}`, t.announce && `a${f(t.announce.frame)}`, t.connection?.synFrame != null && `c${f(t.connection.synFrame)}`].filter(Boolean);
}

/** A session across variants: its client and server endpoints. */
export const sessionKey = (s) => `${s.client.ip}:${s.client.port}>${s.server.ip}:${s.server.port}`;

/**
 * The frames of `full` (the whole capture's analysis) where something may change — every command
 * and reply, control and data connections' handshakes, data connections' ends, resets and ICMP
 * errors, and the frames either side — with a stride elsewhere; every frame when there are at most
 * `maxCuts`. At most 4 × `maxCuts` (an even spread of them, and the last frame).
 */
export function framesOfInterest(full, n, maxCuts) {
  if (n <= maxCuts) return Array.from({ length: n }, (_, i) => i + 1);
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
export function coarseToFine(cuts) {
  const seen = new Set();
  const order = [];
  for (let step = 64; step >= 1; step /= 2) {
    for (let i = 0; i < cuts.length; i += step) if (!seen.has(i)) (seen.add(i), order.push(cuts[i]));
  }
  return order;
}

/** Words that call a transfer failed, stopped or wrong. */
export const FAILURE_WORDS = /\b(failed|aborted|stalled|did not complete|never (answered|opened|opens|came)|no answer|refused|timed out|unreachable|lost on the path|firewall)\b/i;

/** Violations grouped by kind, largest first: `[kind, {count, fixtures, example}]`. */
export function groupByKind(violations, kindOf = (v) => v.kind) {
  const byKind = new Map();
  for (const v of violations) {
    const k = kindOf(v);
    const e = byKind.get(k) ?? { count: 0, fixtures: new Set(), example: v };
    e.count++;
    e.fixtures.add(v.fixture ?? v.file);
    byKind.set(k, e);
  }
  return [...byKind].sort((a, b) => b[1].count - a[1].count);
}

/**
 * Per session and transfer of a variant's analysis (`{a, map}` from analyseVariant), the facts the
 * sweeps compare, with frames as the full capture's numbers: status, verdict, cause, evidence, and
 * the frames of a transfer's life (`life`: its announcement, command, data connection's SYN, final
 * reply). `ref` is the model's own object (for rendering its words).
 */
export function verdictFacts({ a, map }) {
  const f = (n) => (n == null ? null : map[n] ?? n);
  const sessions = [];
  for (const s of a.sessions) {
    const transfers = s.transfers.map((t) => ({
      id: `${s.id}.${t.id}`,
      key: t.request ? `r${f(t.request.frame)}` : t.announce ? `a${f(t.announce.frame)}` : t.connection?.synFrame != null ? `c${f(t.connection.synFrame)}` : `i${t.id}`,
      keys: transferKeys(t, map),
      status: t.status,
      kind: t.verdict.kind,
      why: t.verdict.why ?? null,
      lost: t.verdict.lost ? true : false,
      by: t.verdict.by ?? null,
      cause: t.diagnosis?.cause ?? null,
      vcause: t.verdict.cause ?? null,
      evidence: (t.diagnosis?.evidence ?? t.verdict.evidence ?? []).slice(0, 6).map(f),
      life: { announce: f(t.announce?.frame), request: f(t.request?.frame), syn: f(t.connection?.synFrame), reply: f(t.reply?.frame), first: f(t.connection?.firstFrame) },
      inferred: t.inferred ?? null,
      command: t.request?.command ?? null,
      ref: t,
    }));
    sessions.push({
      id: s.id,
      key: sessionKey(s),
      cause: s.diagnosis?.cause ?? null,
      control: s.control?.kind ?? null,
      how: s.control?.how ?? null,
      closedBy: s.control?.closedBy ?? null,
      login: s.login ?? null,
      midstream: s.midstream,
      evidence: (s.diagnosis?.evidence ?? []).slice(0, 6).map(f),
      transfers,
      ref: s,
    });
  }
  return sessions;
}

/**
 * One line per session and transfer of `verdictFacts`' sessions, keyed by what identifies them across
 * variants (a session by `sessionId`, by default its endpoints; a transfer by its endpoints and its
 * command's frame): control verdict, login and cause; status, verdict (why) and cause.
 */
export function verdictLines(sessions, sessionId = (s) => s.key) {
  const m = new Map();
  for (const s of sessions) {
    m.set(`s ${sessionId(s)}`, `${s.control}/${s.login}/${s.cause ?? '-'}`);
    for (const t of s.transfers) m.set(`t ${s.key} ${t.key}`, `${t.status}/${t.kind}${t.why ? ':' + t.why : ''}/${t.cause ?? '-'}`);
  }
  return m;
}

/**
 * Each capture of `files` (names under `fixturesDir`, or paths), as `root`'s reader loads it, with
 * its file name; one that cannot be read is said on stderr and skipped.
 */
export async function* capturesOf(root, files, fixturesDir) {
  for (const f of files) {
    const path = f.includes('/') ? f : fixturesDir + '/' + f;
    const name = path.replace(/.*\//, '');
    try {
      yield { name, cap: await loadCapture(root, path) };
    } catch (e) {
      process.stderr.write(`${name}: ${e.message}\n`);
    }
  }
}

/**
 * A comparing sweep's report (lineDiffs rows): the totals (`what`: words after the variants'
 * count), the rows grouped by kind, largest first, and with `out` one line per row in that file.
 */
export function reportDiffs({ files, variants, what = '', t0, diffs, out }) {
  const seconds = ((performance.now() - t0) / 1000).toFixed(0);
  console.log(`${files.length} fixtures, ${variants} variants${what}, ${seconds} s, ${diffs.length} differences`);
  for (const [kind, e] of groupByKind(diffs)) console.log(`${kind}\t${e.count} in ${e.fixtures.size} fixtures\te.g. ${e.example.fixture} ${e.example.label}: ${e.example.what}: ${e.example.detail}`);
  if (out) writeFileSync(out, diffs.map((d) => `${d.fixture}\t${d.label}\t${d.kind}\t${d.what}\t${d.detail}`).join('\n') + '\n');
}

/**
 * One variant analysed (`analyse()`: its analysis) and compared with the full capture's verdict
 * lines (`full`), frames mapped back by `map`: its differences, or its error, added to `diffs`.
 * True when it was analysed.
 */
export async function compareVariant(diffs, { name, label, full, map = [] }, analyse) {
  let got;
  try {
    got = verdictLines(verdictFacts({ a: await analyse(), map }));
  } catch (e) {
    diffs.push({ fixture: name, label, kind: 'error', what: '', detail: e.message });
    return false;
  }
  diffs.push(...lineDiffs(name, label, full, got));
  return true;
}
