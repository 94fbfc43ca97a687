/**
 * One fuzz case: a (damaged) capture through the whole program — analysis with extraction, every
 * text renderer, JSON, the packet trace behind dump / timeline / explain, the extract manifest —
 * and the checks every case must pass. Problems are returned as one-line strings; nothing here
 * throws for a failing case.
 *
 * Checks:
 *  - no exception escapes: the only rejection allowed is a CaptureError (one line, terminal-safe),
 *    and only when the file header itself was damaged;
 *  - capture-damage warnings name a frame and the byte offset, in the message too; each kind of
 *    bound or damage is reported once;
 *  - everything printed is terminal-safe (no C0/C1 control, DEL or bidi override characters,
 *    colour codes aside);
 *  - frame numbers in the results exist in the capture; extract names are plain names;
 *  - for a capture cut short (`cut`): the packets before the cut are all read, the warning names
 *    the frame and offset where the cut record began, and the commands, replies and finished
 *    transfers wholly before the cut are those of the full capture.
 */
import { Readable } from 'node:stream';
import { analyzeStream } from '../../../src/analysis/pipeline.js';
import type { Analysis, Command, Session, Transfer } from '../../../src/analysis/model.js';
import type { Fallback } from '../../../src/analysis/verdict-types.js';
import { IN_FLIGHT_SECONDS } from '../../../src/analysis/in-flight.js';
import { buildLadder } from '../../../src/analysis/ladder.js';
import { traceConnections, tracePackets } from '../../../src/analysis/packet-trace.js';
import { CAPTURE_WARNING_CODES } from '../../../src/capture/warnings.js';
import { readCapture } from '../../../src/capture/read-capture.js';
import { CaptureError } from '../../../src/capture/types.js';
import { ExtractionCollector, type ObjectSink } from '../../../src/extract/collector.js';
import type { Manifest } from '../../../src/extract/manifest.js';
import { isPlainNameInside } from '../../../src/extract/names.js';
import { renderDiagnose } from '../../../src/render/diagnose.js';
import { renderDumpFrame } from '../../../src/render/dump.js';
import { renderExplain } from '../../../src/render/explain.js';
import { renderExtract } from '../../../src/render/extract.js';
import { renderJson, terminalSafeJson, type JsonPart } from '../../../src/render/json.js';
import type { RenderStyle } from '../../../src/render/style.js';
import { captureHeading, renderCommands, renderSessions, renderSummary, renderTransfers, warningLines } from '../../../src/render/tables.js';
import { renderTimeline } from '../../../src/render/timeline.js';
import { indexCapture, type CaptureIndex } from '../capture-records.js';
import { applyOps, Rng, type Op } from './mutations.js';

/** What could drive a terminal: C0 controls but newline, DEL, C1 controls, bidi overrides. */
// eslint-disable-next-line no-control-regex
export const TERMINAL_UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
/** The colour codes the renderers themselves write (src/render/style.ts). */
// eslint-disable-next-line no-control-regex
const OWN_COLOUR = /\u001b\[(?:0|1|2|31|32|33|36)m/g;

/** Capture-layer codes that describe damage at a record: they must carry frame and offset. */
const RECORD_DAMAGE = new Set(
  Object.keys(CAPTURE_WARNING_CODES).filter((c) => c !== 'read-error' && c !== 'decompress-error'),
);
/** Capture damage after which the reader goes on (the rest stop it: at most one of those per capture). */
const READING_GOES_ON = new Set(['bad-option', 'caplen-exceeds-origlen', 'bad-timestamp']);
/** Analysis warnings about a frame: they carry its frame number and byte offset too. */
const FRAME_NAMED = new Set(['time-backwards', 'malformed-packets', 'truncated-packets']);
/** Reported at most once per capture. */
const ONCE = new Set([...RECORD_DAMAGE].filter((c) => c !== 'bad-option').concat(['time-backwards', 'connection-limit', 'connections-evicted', 'malformed-packets', 'truncated-packets']));

export interface Baseline {
  analysis: Analysis;
  index: CaptureIndex;
}

export interface CaseInput {
  /** Shown in problems; names the fixture (and window). */
  name: string;
  /** The undamaged capture the ops apply to. */
  base: Buffer;
  ops: readonly Op[];
  /** Drives chunking and rendering options (so a case replays exactly). */
  seed: number;
  /** The undamaged capture's analysis (needed for cuts; computed on demand, cached by the caller). */
  baseline(): Promise<Baseline>;
  /** Dump at most this many frames (default 40, a random run of them). */
  maxDumpFrames?: number;
  /** Share of the table renderers drawn besides one always drawn (default 0.1; 1 = all). */
  tablesShare?: number;
}

export interface CaseResult {
  problems: string[];
  outcome: 'analysed' | 'capture-error';
  /** Warning codes of the analysis (for summaries). */
  warnings: string[];
  packets: number;
  bytes: number;
  /** Commands compared with the undamaged capture's (reading stopped before the damage). */
  compared: number;
}

const isCut = (ops: readonly Op[]): ops is [Extract<Op, { op: 'cut' }>] => ops.length === 1 && ops[0].op === 'cut';

const firstLines = (err: unknown, n = 4): string =>
  (err instanceof Error ? (err.stack ?? err.message) : String(err)).split('\n').slice(0, n).join(' | ');

/** Split into pseudo-random chunk sizes: stream boundaries fall anywhere, as from a pipe. */
function chunked(buf: Buffer, r: Rng): Buffer[] {
  const mode = r.int(4);
  if (mode === 0 || buf.length === 0) return [buf];
  const max = mode === 1 ? 7 : mode === 2 ? 600 : 70_000;
  const minChunk = Math.max(1, Math.ceil(buf.length / 400));
  const out: Buffer[] = [];
  for (let at = 0; at < buf.length; ) {
    const n = Math.max(minChunk, r.range(1, max));
    out.push(buf.subarray(at, at + n));
    at += n;
  }
  return out;
}

class CountingSink implements ObjectSink {
  bytes = 0;
  write(b: Uint8Array): void {
    this.bytes += b.length;
  }
  skip(n: number): void {
    this.bytes += n;
  }
}

export async function runCase(c: CaseInput): Promise<CaseResult> {
  const problems: string[] = [];
  const problem = (what: string): void => {
    problems.push(`${c.name} [${c.ops.map((o) => JSON.stringify(o)).join(', ')}] seed ${c.seed}: ${what}`);
  };
  const r = new Rng(c.seed);
  const bytes = applyOps(c.base, c.ops);
  const baseIndex = indexCapture(c.base);
  const headerIntact = baseIndex !== null && bytes.length >= baseIndex.headerLength && bytes.subarray(0, baseIndex.headerLength).equals(c.base.subarray(0, baseIndex.headerLength));

  const collector = new ExtractionCollector({
    fillGaps: r.chance(0.3),
    asciiToLf: r.chance(0.5),
    maxFillBytes: 1 << 20,
    openSink: () => new CountingSink(),
  });
  // Results are compared with the baseline, read without passwords.
  const passwordsShown = r.chance(0.1);
  let a: Analysis;
  try {
    a = await analyzeStream(Readable.from(chunked(bytes, r)), {
      fileName: c.name,
      showPasswords: passwordsShown,
      onTransferData: (t, chunk, toServer) => collector.onTransferData(t, chunk, toServer),
    });
  } catch (err) {
    if (!(err instanceof CaptureError)) {
      problem(`exception escaped analyzeStream: ${firstLines(err)}`);
    } else {
      if (err.message.includes('\n') || TERMINAL_UNSAFE.test(err.message)) problem(`CaptureError message not one safe line: ${JSON.stringify(err.message)}`);
      if (headerIntact) problem(`CaptureError although the file header is intact: ${err.message}`);
    }
    return { problems, outcome: 'capture-error', warnings: [], packets: 0, bytes: bytes.length, compared: 0 };
  }
  if (collector.error !== null) problem(`extraction sink error: ${firstLines(collector.error)}`);

  checkWarnings(a, bytes.length, problem);
  await checkFrames(a, bytes, problem);
  const outputs = renderAll(a, r, c.tablesShare ?? 0.1, problem);
  await traceAndTeach(a, bytes, r, c.maxDumpFrames ?? 40, outputs, problem);
  extract(a, collector, outputs, problem);
  for (const [what, text] of outputs) {
    const plain = text.replace(OWN_COLOUR, '');
    const m = TERMINAL_UNSAFE.exec(plain);
    if (m) problem(`${what}: unsafe character U+${m[0].charCodeAt(0).toString(16).padStart(4, '0')} in output near ${JSON.stringify(plain.slice(Math.max(0, m.index - 30), m.index + 10))}`);
  }
  let compared = 0;
  if (baseIndex !== null && !passwordsShown) {
    compared = checkPrefix(a, bytes, c.base, baseIndex, isCut(c.ops) ? c.ops[0].at : null, await c.baseline(), problem);
  }
  return { problems, outcome: 'analysed', warnings: a.capture.warnings.map((w) => w.code), packets: a.capture.packets, bytes: bytes.length, compared };
}

function checkWarnings(a: Analysis, length: number, problem: (s: string) => void): void {
  const counts = new Map<string, number>();
  for (const w of a.capture.warnings) {
    counts.set(w.code, (counts.get(w.code) ?? 0) + 1);
    if (!w.code || !w.message) problem(`warning without code or message: ${JSON.stringify(w)}`);
    if (RECORD_DAMAGE.has(w.code) || FRAME_NAMED.has(w.code)) {
      if (!Number.isSafeInteger(w.frame) || w.frame! < 1) problem(`${w.code} warning without a frame: ${JSON.stringify(w)}`);
      if (!Number.isSafeInteger(w.offset) || w.offset! < 0 || w.offset! > length) problem(`${w.code} warning without a byte offset in the file: ${JSON.stringify(w)}`);
      if (w.code !== 'time-backwards' && (!w.message.includes(`byte offset ${w.offset}`) || !/frame \d+/.test(w.message))) {
        problem(`${w.code} message does not name frame and byte offset: ${w.message}`);
      }
    }
  }
  for (const [code, n] of counts) if (ONCE.has(code) && n > 1) problem(`${code} reported ${n} times`);
  // Damage that stops reading; a bad option, a captured length over the original and a timestamp
  // that is no date are warnings on their frame, and reading goes on.
  const damage = a.capture.warnings.filter((w) => RECORD_DAMAGE.has(w.code) && !READING_GOES_ON.has(w.code));
  if (damage.length > 1) problem(`reading stopped twice: ${damage.map((w) => w.code).join(', ')}`);
}

/** The frame number of the last record the reader delivers (a pcapng block Wireshark counts as a frame but that is no packet takes a number too). */
async function lastRecordFrame(bytes: Buffer): Promise<number> {
  let last = 0;
  await readCapture(Readable.from([bytes]), { onRecord: (rec) => (last = rec.frame), onWarning: () => {} }, { fileName: 'case' }).catch(() => {});
  return last;
}

/** The frame numbers each command and transfer cites, with where. */
function* citedFrames(a: Analysis): Generator<{ where: string; frames: Array<number | null | undefined> }> {
  for (const s of a.sessions) {
    for (const cmd of s.commands) yield { where: `session ${s.id}: command`, frames: [cmd.frame, cmd.firstFrame, cmd.reply?.frame, cmd.reply?.firstFrame] };
    for (const t of s.transfers) {
      const conn = t.connection;
      yield {
        where: `session ${s.id} transfer ${t.id}:`,
        frames: [t.announce?.frame, t.request?.frame, t.reply?.frame, conn?.synFrame, conn?.establishedFrame, ...(conn?.handshake.map((h) => h.frame) ?? [])],
      };
    }
  }
}

/** Every frame number in the results is a frame of the capture. */
async function checkFrames(a: Analysis, bytes: Buffer, problem: (s: string) => void): Promise<void> {
  // Frames number every record as Wireshark does: past the packets only when some were no packets.
  const beyond = (n: number) => (f: number | null | undefined): boolean => typeof f === 'number' && f > n;
  const pastPackets = [...citedFrames(a)].some((c) => c.frames.some(beyond(a.capture.packets)));
  const max = pastPackets ? Math.max(a.capture.packets, await lastRecordFrame(bytes)) : a.capture.packets;
  const bad = (f: number | null | undefined): boolean => f !== null && f !== undefined && (!Number.isSafeInteger(f) || f < 1 || f > max);
  for (const { where, frames } of citedFrames(a)) {
    if (frames.some(bad)) {
      problem(`${where} frame out of range: ${JSON.stringify(frames)}`);
      return;
    }
  }
}

const STYLES: RenderStyle[] = [
  { color: false, width: 80 },
  { color: true, width: 132 },
];

function renderAll(a: Analysis, r: Rng, tablesShare: number, problem: (s: string) => void): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const style = r.pick(STYLES);
  const session = a.sessions.length ? a.sessions[r.int(a.sessions.length)].id : undefined;
  const attempt = (what: string, f: () => string): void => {
    try {
      out.push([what, f()]);
    } catch (err) {
      problem(`${what} threw: ${firstLines(err)}`);
    }
  };
  // The tables are the slow renderers (cli-table3): each case draws a random few of them.
  const tables: Array<[string, () => string]> = [
    ['summary', () => renderSummary(a, style)],
    ['sessions', () => [captureHeading(a), '', renderSessions(a, style)].join('\n')],
    ['commands', () => renderCommands(a, style)],
    ['transfers', () => renderTransfers(a, style)],
    ['diagnose', () => renderDiagnose(a, style)],
    ['warnings', () => warningLines(a.capture.warnings, a.capture.file)],
  ];
  if (session !== undefined) {
    tables.push(['commands -s', () => renderCommands(a, style, session)]);
    tables.push(['transfers -s', () => renderTransfers(a, style, session)]);
    tables.push(['diagnose -s', () => renderDiagnose(a, style, session)]);
  }
  const always = r.int(tables.length);
  tables.forEach(([what, f], i) => {
    if (i === always || r.chance(tablesShare)) attempt(what, f);
  });
  for (const part of ['summary', 'sessions', 'commands', 'transfers', 'diagnose'] as JsonPart[]) {
    attempt(`json ${part}`, () => {
      const text = renderJson(a, part, part === 'summary' || part === 'sessions' ? undefined : session);
      JSON.parse(text);
      return text;
    });
  }
  return out;
}

async function traceAndTeach(
  a: Analysis,
  bytes: Buffer,
  r: Rng,
  maxDump: number,
  out: Array<[string, string]>,
  problem: (s: string) => void,
): Promise<void> {
  const first = a.capture.packets > maxDump ? r.range(1, a.capture.packets - maxDump + 1) : 1;
  const last = first + maxDump - 1;
  const unicode = r.chance(0.3);
  const dump: string[] = [];
  let dumpError: string | null = null;
  let trace;
  try {
    trace = await tracePackets(Readable.from([bytes]), traceConnections(a), {
      fileName: a.capture.file,
      limits: a.limits,
      keep: (frame) => frame >= first && frame <= last,
      onKept: (k) => {
        if (dumpError !== null) return;
        try {
          dump.push(renderDumpFrame(k, a, { showPasswords: false, unicode }));
        } catch (err) {
          dumpError = `dump of frame ${k.decoded.frame} threw: ${firstLines(err)}`;
        }
      },
    });
  } catch (err) {
    problem(`tracePackets threw: ${firstLines(err)}`);
    return;
  }
  if (dumpError !== null) problem(dumpError);
  out.push(['dump', dump.join('\n')]);
  let ladders;
  try {
    ladders = a.sessions.map((s) => buildLadder(s, trace));
  } catch (err) {
    problem(`buildLadder threw: ${firstLines(err)}`);
    return;
  }
  try {
    out.push(['timeline', renderTimeline(a, ladders, { width: r.pick([80, 132]), unicode })]);
  } catch (err) {
    problem(`timeline threw: ${firstLines(err)}`);
  }
  try {
    out.push(['explain', renderExplain(a, ladders)]);
  } catch (err) {
    problem(`explain threw: ${firstLines(err)}`);
  }
}

function extract(a: Analysis, collector: ExtractionCollector, out: Array<[string, string]>, problem: (s: string) => void): void {
  try {
    const result = collector.finish(a);
    for (const o of result.objects) {
      if (!isPlainNameInside('/nonexistent/out', o.entry.savedName)) problem(`extract name is not a plain name: ${JSON.stringify(o.entry.savedName)}`);
      const sink = o.sink as CountingSink;
      if (sink.bytes !== o.entry.bytes) problem(`extract object ${o.entry.savedName}: ${sink.bytes} bytes written, manifest says ${o.entry.bytes}`);
    }
    const manifest: Manifest = {
      tool: 'ftpcap extract',
      capture: a.capture.file,
      options: { session: null, transfer: null, fillGaps: false, asciiToLf: false },
      objects: result.objects.map((o) => o.entry),
      skipped: result.skipped,
    };
    out.push(['extract', renderExtract(manifest, 'out', 'manifest.json', { color: false, width: 80 })]);
    out.push(['extract --json', terminalSafeJson(manifest)]);
  } catch (err) {
    problem(`extract threw: ${firstLines(err)}`);
  }
}

const cmdKey = (c: Command): string => `${c.frame} ${c.command} ${JSON.stringify(c.arg)}`;
const replyKey = (c: Command): string => (c.reply ? `${c.reply.code}@${c.reply.frame} ${JSON.stringify(c.reply.text)}` : 'none');
/**
 * A reply the cut capture holds with a capture gap inside (lost segments whose copies the full
 * capture holds later, after the cut) lacks what the gap held: its code and frame must agree, its
 * text may be shorter.
 */
const replyAgrees = (mine: Command, full: Command): boolean =>
  mine.reply?.malformed?.includes('capture gap') === true && full.reply !== null
    ? mine.reply.code === full.reply.code && mine.reply.frame === full.reply.frame
    : replyKey(mine) === replyKey(full);

/** Offset of the first byte where `a` and `b` differ (the shorter length when one is a prefix of the other). */
function firstDifference(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  // Compare in blocks first: captures are up to a few MiB.
  let i = 0;
  for (const step of [65536, 4096, 256, 1]) {
    while (i + step <= n && a.subarray(i, i + step).equals(b.subarray(i, i + step))) i += step;
  }
  return i;
}

/**
 * Reading stopped before any record the damage touched (a cut, or a record header made
 * unreadable): everything read is undamaged, so every result lying wholly before that point is
 * the full capture's. For a pure cut, also: every whole record before the cut is read, and the
 * warning names the frame and offset where the cut record began.
 */
function checkPrefix(a: Analysis, bytes: Buffer, base: Buffer, index: CaptureIndex, cutAt: number | null, full: Baseline, problem: (s: string) => void): number {
  const d = firstDifference(bytes, base);
  if (d < index.headerLength) return 0;
  const intact = index.records.filter((rec) => rec.frame !== null && rec.offset + rec.length <= d).length;
  if (cutAt !== null) {
    const whole = index.records.filter((rec) => rec.offset + rec.length <= cutAt);
    const lastFrame = whole.reduce((n, rec) => (rec.frame !== null ? rec.frame : n), 0);
    if (a.capture.packets !== lastFrame) problem(`cut at ${cutAt}: ${a.capture.packets} packets read, ${lastFrame} lie wholly before the cut`);
    const cutRecord = index.records.find((rec) => rec.offset < cutAt && cutAt < rec.offset + rec.length);
    const truncated = a.capture.warnings.filter((w) => w.code === 'truncated-record');
    if (cutRecord === undefined) {
      if (truncated.length) problem(`cut at record boundary ${cutAt}: unexpected truncated-record warning ${truncated[0].message}`);
    } else if (truncated.length !== 1 || truncated[0].frame !== lastFrame + 1 || truncated[0].offset !== cutRecord.offset) {
      problem(`cut at ${cutAt} inside the record at ${cutRecord.offset}: expected one truncated-record warning for frame ${lastFrame + 1} at offset ${cutRecord.offset}, got ${JSON.stringify(truncated)}`);
    }
  }
  if (a.capture.packets > intact) return 0; // damaged records were read: results may differ
  const lastFrame = a.capture.packets;
  const where = cutAt !== null ? `cut at ${cutAt}` : `stopped after frame ${lastFrame} (damage at byte ${d})`;
  let compared = 0;
  for (const s of a.sessions) {
    const f = full.analysis.sessions.find((x) => x.stream === s.stream);
    if (!f) {
      problem(`${where}: session on stream ${s.stream} is not in the full capture`);
      continue;
    }
    compared += checkCommands(s, f, lastFrame, where, problem);
    checkTransfers(s, f, lastFrame, a.capture.last ?? Infinity, where, problem);
  }
  // Sessions with a command before the cut are still there.
  for (const f of full.analysis.sessions) {
    const before = f.commands.some((c) => c.frame <= lastFrame && c.command !== null);
    if (before && !a.sessions.some((s) => s.stream === f.stream)) problem(`${where}: session on stream ${f.stream} with commands before it is missing`);
  }
  return compared;
}

function checkCommands(s: Session, f: Session, lastFrame: number, at: string, problem: (s: string) => void): number {
  const before = f.commands.filter((c) => (c.firstFrame ?? c.frame) <= lastFrame && c.frame <= lastFrame);
  const mine = s.commands;
  // The last line may have been cut mid-way (flushed at the end, or its reply not yet seen).
  const n = Math.min(before.length, mine.length);
  for (let i = 0; i < n; i++) {
    const last = i === mine.length - 1;
    if (cmdKey(mine[i]) !== cmdKey(before[i])) {
      if (!last) problem(`${at}: session ${s.id} command ${i}: ${cmdKey(mine[i])} ≠ full ${cmdKey(before[i])}`);
      return i;
    }
    const fr = before[i].reply;
    if (fr && fr.frame <= lastFrame) {
      if (!replyAgrees(mine[i], before[i])) problem(`${at}: session ${s.id} reply to ${cmdKey(mine[i])}: ${replyKey(mine[i])} ≠ full ${replyKey(before[i])}`);
    } else if (mine[i].reply && mine[i].reply!.frame > lastFrame) {
      problem(`${at}: session ${s.id} reply after the cut: ${replyKey(mine[i])}`);
    }
  }
  if (mine.length < before.length) {
    problem(`${at}: session ${s.id} has ${mine.length} commands, the full capture ${before.length} wholly before the cut (first missing ${cmdKey(before[mine.length])})`);
  } else if (mine.length > before.length + 1) {
    problem(`${at}: session ${s.id} has ${mine.length - before.length} commands more than the full capture before the cut`);
  }
  return n;
}

function transferKey(t: Transfer): string {
  // Inferred transfers (TLS-hidden, mid-stream) have neither: their data connection tells them apart.
  const inferred = t.inferred !== undefined ? `/stream ${t.connection?.stream ?? '-'}` : '';
  return `${t.announce?.frame ?? '-'}/${t.request?.frame ?? '-'}${inferred}`;
}

/** The transfer's ABOR, if any, answered by the frame `lastFrame` in the full capture. */
function aborAnswered(f: Session, ft: Transfer, lastFrame: number): boolean {
  const abor = ft.abortFrame ?? ft.lateAbortFrame;
  if (abor === null || abor === undefined) return true;
  return (f.commands.find((c) => c.frame === abor)?.reply?.frame ?? Infinity) <= lastFrame;
}

function checkTransfers(s: Session, f: Session, lastFrame: number, lastTime: number, at: string, problem: (s: string) => void): void {
  for (const t of s.transfers) {
    const ft = f.transfers.find((x) => transferKey(x) === transferKey(t));
    if (!ft) continue; // an announcement whose use lies after the cut is paired differently
    if (t.bytes > ft.bytes) problem(`${at}: session ${s.id} transfer ${transferKey(t)} carries ${t.bytes} bytes, more than the full capture's ${ft.bytes}`);
    const conn = ft.connection;
    const settled =
      ft.reply !== null &&
      ft.reply.frame <= lastFrame &&
      (ft.request?.frame ?? 0) <= lastFrame &&
      // The connection's last packet before the cut too: a mid-stream connection may have no lastData
      // while its data and close go on after the cut.
      (conn === null || ((conn.lastData?.frame ?? 0) <= lastFrame && conn.handshake.every((h) => h.frame <= lastFrame) && conn.close !== null && conn.end <= lastTime)) &&
      // A refused probe is fell-back for certain only once its fallback completed (before that it read
      // failed, or under way at the capture's end, in-flight.ts).
      (ft.verdict.kind !== 'fell-back' || fallbackSettled(ft.verdict.fallback) <= lastFrame) &&
      // An upload whose client was gone is aborted only by the later resume that completed the file
      // (resumed-upload.ts): a capture cut before that resume ends holds no such proof.
      (ft.verdict.kind !== 'aborted' || ft.verdict.resumed === undefined) &&
      // An ABOR's answer too: until it comes, an FXP copy's ABOR may have cut the transfer or found it
      // done (verdict.ts: not known yet), whatever the transfer's own final reply said.
      aborAnswered(f, ft, lastFrame);
    // Not yet known at the cut, and read so (in-flight.ts): a refusal the client may still get past
    // (its session going, the refusal within a retransmission timeout of the end), or a download
    // stopped beside another session of the client's still going (a split download's piece).
    const notYetKnown =
      t.status === 'incomplete' &&
      t.verdict.kind === 'incomplete' &&
      t.verdict.why === 'capture-ended' &&
      ((ft.reply !== null && ft.reply.code >= 400 && lastTime - ft.reply.time < IN_FLIGHT_SECONDS) || t.verdict.splitPending !== undefined);
    if (settled && !notYetKnown && (t.status !== ft.status || t.bytes !== ft.bytes)) {
      problem(`${at}: session ${s.id} transfer ${transferKey(t)} finished before the cut: ${t.status}/${t.bytes} ≠ full ${ft.status}/${ft.bytes}`);
    }
  }
}

/** The frame at which a fallback's outcome is in the capture: its final reply, or the accepted announcement an attempt failed over; never while still under way. */
function fallbackSettled(fb: Fallback): number {
  if ('underWay' in fb) return Infinity;
  // Its answer lost by the capture: known once the capture shows the loss.
  if ('answerLost' in fb) return fb.answerLost.gap;
  // No final reply (a fallback that failed at its data connection, the capture holding none): its command's frame.
  return fb.command === null ? fb.accepted.frame : (fb.replyFrame ?? fb.frame);
}
