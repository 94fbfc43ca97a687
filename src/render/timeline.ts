/**
 * `ftpcap timeline`: each session as a textbook ladder diagram. One column per host (client,
 * server, and any other address a data connection went to), port labels at both ends of every
 * arrow, relative time and frame numbers in a left margin, derived facts (decoded tuples, what a
 * data connection is for) as notes between the lines. Model in, string out.
 */
import type { Analysis, Diagnosis, Session, Transfer } from '../analysis/model.js';
import { noticesByFrame } from '../analysis/unanswered.js';
import { flagNames, type LadderEvent, type ReplyEvent, type RunEvent, type SessionLadder, type HostRole } from '../analysis/ladder.js';
import { CATALOG } from '../analysis/diagnose/catalog.js';
import { announcesActive, commandLine } from '../ftp/commands.js';
import { escapeText } from './escape.js';
import { relative, seconds } from './format.js';
import { laterCopyOfPreliminary, loginRefusedNote, tlsRefusedNote, noOpAborWords, noReplySentence, noticeWords, replyCode, turnedAwayReason, turnedAwayWhen, verdictLabel } from './verdict-words.js';
import { wrap } from './wrap.js';
import { ASCII_LINES, cutSentence, fit, icmpName, transferPurpose, tupleText, UNICODE_LINES, type LineSet } from './teach-text.js';

export interface TimelineOptions {
  /** Columns to fit (80 by default; `--wide` asks for 132). */
  width: number;
  unicode?: boolean;
}

export const WIDE_WIDTH = 132;
/** Port labels: up to five digits, one space from the line. */
const PORT_WIDTH = 5;

/** One printed row before layout: an arrow between two host columns, or a note. */
export type LadderRow =
  | {
      kind: 'arrow';
      event: LadderEvent;
      time: string;
      frames: string;
      from: number;
      to: number;
      fromPort: string;
      toPort: string;
      label: string;
    }
  | { kind: 'note'; text: string };

/** Marks a command or reply read from decrypted TLS records; first, so that a cut label keeps it. */
export const DECRYPTED_MARK = '[TLS] ';

function replyLabel(e: ReplyEvent): string {
  const r = e.reply;
  const lines = r.text.split('\n');
  const more = lines.length > 1 ? ` (+${lines.length - 1} lines)` : '';
  return (e.decrypted ? DECRYPTED_MARK : '') + escapeText(`${replyCode(r.code)} ${lines[0]}`) + more;
}

const RUN_NAMES = { text: 'Data', binary: 'Data', tls: 'TLS', telnet: 'Telnet IAC' } as const;

function runLabel(e: RunEvent): string {
  const kind = e.payloadKind ?? 'binary';
  // Decrypted records are told as the data they carried (the mark says it was read from TLS).
  const what = e.decrypted ? RUN_NAMES.binary : e.kind === 'opaque' && kind !== 'tls' && kind !== 'telnet' ? 'Non-text' : RUN_NAMES[kind];
  if (e.bytes === 0 && e.retransmissions === e.segments) {
    return `Retransmitted ${what.toLowerCase()} ×${e.segments} (${plural(e.payloadBytes, 'byte')} again)`;
  }
  const head = e.acks > 0 ? `${what} + ACK` : what;
  const again = e.retransmissions > 0 ? `, ${e.retransmissions} retransmitted` : '';
  // Payload that added nothing to the stream and was no retransmission: segments the sender wrote
  // after the receiver had reset the connection (a63-pget-maxperip-vsftpd-lftp), not "0 bytes".
  const size = e.bytes === 0 && e.payloadBytes > 0 ? `${plural(e.payloadBytes, 'byte')}, none new` : plural(e.bytes, 'byte');
  return `${e.decrypted ? DECRYPTED_MARK : ''}${head} ×${e.segments} (${size}${again})`;
}

/** Each session's transfers by id, made once: a lookup per event was quadratic in a session of many transfers. */
const transfersByIdOf = new WeakMap<Session, Map<number, Transfer>>();
function transferById(s: Session, id: number): Transfer | undefined {
  let m = transfersByIdOf.get(s);
  if (m === undefined) transfersByIdOf.set(s, (m = new Map(s.transfers.map((t) => [t.id, t]))));
  return m.get(id);
}

/**
 * A one-way capture's bare ACKs for data it does not hold: with what the analysis read from them
 * (Transfer.acknowledged) on the run that holds the ACK that reached that far.
 */
function acksLabel(e: RunEvent, s: Session): string {
  return `ACK ×${e.segments}${acknowledgedMark(e, s)}`;
}

/**
 * " (N bytes acknowledged)" on the event that holds the ACK that reached as far as Transfer.acknowledged
 * counts (a run of bare ACKs, or the receiver's FIN+ACK when that ACK took in the sender's FIN), else "".
 */
function acknowledgedMark(e: LadderEvent, s: Session): string {
  const t = e.conn.role === 'data' && e.conn.transfer !== null ? transferById(s, e.conn.transfer) : undefined;
  const a = t?.acknowledged;
  const held = a !== undefined && a.frame >= e.firstFrame && a.frame <= e.lastFrame;
  return held ? ` (${a.upTo ? 'up to ' : ''}${plural(a.bytes, 'byte')} acknowledged)` : '';
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

export function eventLabel(e: LadderEvent, s: Session): string {
  switch (e.kind) {
    case 'syn': {
      const marks: string[] = [];
      if (e.retransmission) marks.push('retransmitted');
      if (e.unanswered) marks.push('no answer');
      if (e.answeredFrom !== undefined) marks.push(`answered from ${e.answeredFrom}`);
      return flagNames(e.flags) + (marks.length ? ` (${marks.join(', ')})` : '');
    }
    case 'syn-ack':
    case 'ack':
    case 'rst':
      return flagNames(e.flags) + (e.retransmission ? ' (retransmitted)' : '');
    case 'fin':
      return flagNames(e.flags) + (e.payload ? ` with ${plural(e.payload, 'byte')} of data` : '') + (e.retransmission ? ' (retransmitted)' : '') + acknowledgedMark(e, s);
    case 'icmp': {
      const i = e.icmp;
      return `ICMP${i.family === 6 ? 'v6' : ''} ${icmpName(i.family, i.type, i.code)}`;
    }
    case 'command': {
      const c = e.command;
      return (e.decrypted ? DECRYPTED_MARK : '') + escapeText(commandLine(c));
    }
    case 'reply':
      return replyLabel(e);
    case 'data':
    case 'opaque':
      return runLabel(e);
    case 'acks':
      return acksLabel(e, s);
    case 'retransmission':
      return `retransmission (${plural(packetAt(e.conn.packets, e.firstFrame)?.payloadLength ?? 0, 'byte')})`;
  }
}

/** The packet of `frame` in a connection's packets (in capture order): a binary search. */
function packetAt<P extends { frame: number }>(packets: P[], frame: number): P | undefined {
  let lo = 0;
  let hi = packets.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const f = packets[mid].frame;
    if (f === frame) return packets[mid];
    if (f < frame) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

function connectionNote(l: SessionLadder, e: LadderEvent, t: Transfer | undefined): string {
  const c = e.conn;
  const opener = e.by === 'client' ? 'the client' : 'the server';
  const ports = `${e.from.port} → ${e.to.port}`;
  if (c.role === 'data' && t !== undefined) {
    const purpose =
      t.request !== null
        ? `for ${transferPurpose(t)}`
        : t.inferred === 'tls-hidden'
          ? 'its transfer command, if any, is encrypted'
          : t.inferred === 'midstream'
            ? t.connection?.resumes !== undefined
              ? 'picked up part way after the analysis had given it up: its transfer command is not with it'
              : 'its transfer command came before the capture'
            : t.inferred === 'command-lost'
              ? 'its transfer command is not in the capture (the capture lost it; the server answered it)'
              : t.inferred === 'one-way'
              ? "its transfer command is not in the capture (only the server's direction is)"
              : 'no transfer command used it';
    const dc = t.connection;
    const plain = dc?.plaintext;
    const tls = plain === undefined ? '' : `; its TLS decrypted: ${plural(plain.toServer + plain.toClient, 'byte')} of data`;
    // Who opened it is the model's (its first packet in the capture may be the answer, the SYN-ACK, when only one direction was captured).
    if (dc) {
      const [from, to] = dc.initiator === 'client' ? [dc.client, dc.server] : [dc.server, dc.client];
      // FXP: the end that is not this session's server is the other server (the third host), not the client.
      const who = dc.initiator === 'server' ? 'the server' : t.fxp !== undefined ? `the other server, ${dc.client.ip} (FXP),` : 'the client';
      return `Data connection ${t.id} (${t.mode}) ${purpose}: ${who} opens it, port ${from.port} → ${to.port}${tls}`;
    }
    return `Data connection ${t.id} (${t.mode}) ${purpose}: ${opener} opens it, port ${ports}${tls}`;
  }
  const d = l.session.diagnosis;
  const guessed = d?.guesses?.some((g) => g.stream === c.stream) ?? false;
  if (guessed) return `Probably a data connection (TLS hides the announcement): ${opener} opens it, port ${ports}`;
  const elsewhere = d?.elsewhere?.find((g) => g.stream === c.stream);
  if (elsewhere !== undefined) {
    // Opened by the server: an active data connection to where an encrypted PORT pointed (not the client's address).
    if (elsewhere.from.ip === l.session.server.ip) {
      return `Probably a data connection to where an encrypted PORT pointed, ${elsewhere.to.ip} (not the client's ${l.session.client.ip}): ${opener} opens it, port ${ports}`;
    }
    return `Probably a data connection to where an encrypted reply pointed, ${elsewhere.to.ip} (not the server's ${l.session.server.ip}): ${opener} opens it, port ${ports}`;
  }
  return `Connection between the same hosts, not announced on the control channel: port ${ports}`;
}

/** Rows of one session's ladder, before layout. */
export function ladderRows(a: Analysis, l: SessionLadder): LadderRow[] {
  const s = l.session;
  const rows: LadderRow[] = [];
  const introduced = new Set<object>();
  const column = (ip: string): number => {
    const i = l.hosts.indexOf(ip);
    return i < 0 ? 0 : i;
  };
  // Looked up per event: indexed once (a search per event was quadratic in transfers).
  const lateAborts = new Map(s.transfers.flatMap((t) => (t.lateAbortFrame === undefined ? [] : [[t.lateAbortFrame, t] as const])));
  const lastOf = new Map<object, LadderEvent>();
  for (const e of l.events) lastOf.set(e.conn, e);
  // An unasked notice (421) that a later command met too late, by its frame.
  const noticeAt = noticesByFrame(s);
  // A failed transfer with no data connection is noted under the reply that ended it.
  const failedAt = new Map<number, Array<{ t: Transfer; d: Diagnosis }>>();
  // Each transfer by the frame of its preliminary reply (150): the note on one the capture holds late.
  const transferOfReply = new Map<number, Transfer>();
  for (const t of s.transfers) if (t.preliminary !== null) transferOfReply.set(t.preliminary.frame, t);
  // An FXP half's data connection is drawn in the other session's ladder (its transfer's there): this
  // session's half is noted under its reply, as one with no data connection.
  const drawn = new Set<number>();
  for (const e of l.events) if (e.conn.role === 'data' && e.conn.transfer !== null) drawn.add(e.conn.transfer);
  for (const t of s.transfers) {
    if ((t.connection !== null && drawn.has(t.id)) || t.diagnosis === null) continue;
    // An announcement nothing answered (its control connection stalled): under the announcement itself.
    const frame = t.reply?.frame ?? t.announce?.reply?.frame ?? t.announce?.frame;
    if (frame === undefined) continue;
    failedAt.set(frame, [...(failedAt.get(frame) ?? []), { t, d: t.diagnosis }]);
  }
  const failureNote = (t: Transfer, d: Diagnosis): LadderRow => ({
    kind: 'note',
    text:
      `Transfer ${t.id} ${verdictLabel(t.verdict)}: ${CATALOG[d.cause].title}` +
      (t.connection === null ? ' (no data connection in the capture)' : t.fxp !== undefined ? ` (its data connection, between the two servers, is in session ${t.fxp.session}'s ladder)` : ''),
  });

  for (const e of l.events) {
    const conn = e.conn;
    const transfer = conn.transfer === null ? undefined : transferById(s, conn.transfer);
    if (conn.role !== 'control' && !introduced.has(conn)) {
      introduced.add(conn);
      rows.push({ kind: 'note', text: connectionNote(l, e, transfer) });
    }
    let from = column(e.from.ip);
    let fromPort = String(e.from.port);
    let label = eventLabel(e, s);
    if (e.kind === 'icmp') {
      // An error from a router (or any host without a column) is drawn from the host it could not reach.
      fromPort = '';
      if (!l.hosts.includes(e.from.ip)) {
        from = column(e.icmp.unreachable.ip);
        label += ` from ${e.from.ip}`;
      }
    }
    rows.push({
      kind: 'arrow',
      event: e,
      time: relative(e.time, a.capture.first),
      frames: e.firstFrame === e.lastFrame ? String(e.firstFrame) : `${e.firstFrame}-${e.lastFrame}`,
      from,
      to: column(e.to.ip),
      fromPort,
      toPort: String(e.to.port),
      label,
    });
    // Derived facts under the arrow that carried them.
    const c = e.kind === 'command' || e.kind === 'reply' ? e.command : undefined;
    if (c?.tuple !== undefined) {
      const active = announcesActive(c.command);
      if ((active && e.kind === 'command') || (!active && e.kind === 'reply' && !e.preliminary)) {
        rows.push({ kind: 'note', text: `= ${tupleText(c.tuple, s)}` });
      }
    }
    const dataRst = transfer?.connection?.rst;
    if (conn.role === 'data' && e.kind === 'rst' && dataRst?.forged && dataRst.frame === e.firstFrame) {
      rows.push({ kind: 'note', text: `A reset in the ${dataRst.by}'s name, made by a firewall or router between them: not the ${dataRst.by}'s` });
    }
    if (conn.role === 'data' && transfer !== undefined && lastOf.get(conn) === e && transfer.diagnosis !== null) {
      rows.push(failureNote(transfer, transfer.diagnosis));
    }
    if (e.kind === 'command') {
      const unanswered = noReplySentence(e.command);
      if (unanswered !== null) rows.push({ kind: 'note', text: unanswered });
    }
    if (e.kind === 'reply' && s.control.kind === 'turned-away' && s.control.at === 'login' && s.control.reply === e.reply.frame) {
      rows.push({ kind: 'note', text: `The server turns the session away ${turnedAwayWhen(s.control)} (${turnedAwayReason(s.control)}): no listing or transfer can follow` });
    }
    if (e.kind === 'reply' && e.preliminary && transferOfReply.has(e.reply.frame)) {
      const t = transferOfReply.get(e.reply.frame)!;
      const late = laterCopyOfPreliminary(e.reply, t.reply);
      if (late !== null) rows.push({ kind: 'note', text: late });
    }
    if (e.kind === 'reply' && s.loginRefusal?.reply === e.reply.frame) rows.push({ kind: 'note', text: loginRefusedNote(s) });
    if (e.kind === 'reply' && s.tlsRefusal?.reply === e.reply.frame) rows.push({ kind: 'note', text: tlsRefusedNote(s) });
    if (s.control.kind === 'hung-up' && conn.role === 'control' && e.firstFrame === s.control.closed) {
      rows.push({ kind: 'note', text: `The server ${s.control.how === 'rst' ? 'resets' : 'closes'} the connection before greeting: no login or transfer can follow` });
    }
    if (s.control.kind === 'ungreeted' && conn.role === 'control') {
      if (e.firstFrame === s.control.closed) {
        rows.push({ kind: 'note', text: `No greeting came: the client gives up after ${seconds(s.control.waited)} and closes; no login or transfer can follow` });
      }
      if (e.kind === 'reply' && e.reply.frame === s.control.lateGreeting) rows.push({ kind: 'note', text: 'The greeting comes too late: the client has already closed' });
    }
    if (e.kind === 'reply' && e.command.command === null) {
      if (s.control.kind === 'turned-away' && s.control.reply === e.reply.frame) {
        rows.push({ kind: 'note', text: `The server turns the session away${s.control.limit ? ' (its connection limit)' : ''}: no login or transfer can follow` });
      }
      const notice = noticeAt.get(e.reply.frame);
      if (notice !== undefined) rows.push({ kind: 'note', text: `The server says this unasked: ${noticeWords(notice)}` });
    }
    if (e.kind === 'command') {
      const done = lateAborts.get(e.command.frame);
      if (done) rows.push({ kind: 'note', text: `ABOR for transfer ${done.id}: its data ${noOpAborWords(done)}; nothing was aborted` });
      for (const { t, d } of failedAt.get(e.command.frame) ?? []) rows.push(failureNote(t, d));
      failedAt.delete(e.command.frame);
    }
    if (e.kind === 'reply' && !e.preliminary) {
      for (const { t, d } of failedAt.get(e.reply.frame) ?? []) rows.push(failureNote(t, d));
      failedAt.delete(e.reply.frame);
    }
  }
  return rows;
}

interface Layout {
  width: number;
  timeWidth: number;
  frameWidth: number;
  xs: number[];
  lines: LineSet;
  /** The empty row (spaces and the hosts' vertical lines), copied for each row drawn. */
  blank: string[];
}

function layout(rows: LadderRow[], hosts: number, opts: TimelineOptions): Layout {
  let timeWidth = 4;
  let frameWidth = 5;
  for (const r of rows) {
    if (r.kind !== 'arrow') continue;
    timeWidth = Math.max(timeWidth, r.time.length);
    frameWidth = Math.max(frameWidth, r.frames.length);
  }
  const margin = timeWidth + 1 + frameWidth + 1;
  const first = margin + PORT_WIDTH + 1;
  const last = opts.width - 1 - (PORT_WIDTH + 1);
  const n = Math.max(2, hosts);
  const xs: number[] = [];
  for (let i = 0; i < n; i++) xs.push(first + Math.round((i * (last - first)) / (n - 1)));
  const lines = opts.unicode ? UNICODE_LINES : ASCII_LINES;
  const blank = new Array<string>(opts.width).fill(' ');
  for (const x of xs) blank[x] = lines.vertical;
  return { width: opts.width, timeWidth, frameWidth, xs, lines, blank };
}

function blankRow(L: Layout): string[] {
  return L.blank.slice();
}

function put(row: string[], x: number, text: string): void {
  for (let i = 0; i < text.length && x + i < row.length; i++) if (x + i >= 0) row[x + i] = text[i];
}

function finish(row: string[]): string {
  return row.join('').trimEnd();
}

/** Room inside an arrow narrower than this puts a label that does not fit on a row of its own above. */
const LABEL_ABOVE_BELOW = 40;

function drawArrow(r: Extract<LadderRow, { kind: 'arrow' }>, L: Layout): string[] {
  const out: string[] = [];
  const row = blankRow(L);
  put(row, 0, r.time.padStart(L.timeWidth));
  put(row, L.timeWidth + 1, r.frames.padStart(L.frameWidth));
  const xa = L.xs[Math.min(r.from, r.to)];
  const xb = L.xs[Math.max(r.from, r.to)];
  const rightward = r.from <= r.to;
  const leftPort = rightward ? r.fromPort : r.toPort;
  const rightPort = rightward ? r.toPort : r.fromPort;
  const inner = xb - xa - 1;
  for (let x = xa + 1; x < xb; x++) row[x] = L.lines.horizontal;
  if (rightward) row[xb - 1] = L.lines.right;
  else row[xa + 1] = L.lines.left;
  const room = Math.max(0, inner - 4);
  let label = r.label;
  if (label.length > room && room < LABEL_ABOVE_BELOW) {
    // Too long for a narrow arrow: the label gets the whole width of the ladder on the row above.
    const x0 = L.xs[0] + 2;
    const xn = L.xs[L.xs.length - 1] - 1;
    const text = fit(label, xn - x0, L.lines);
    const above = blankRow(L);
    put(above, Math.max(x0, Math.min(xa + 2, xn - text.length)), text);
    out.push(finish(above));
    label = '';
  }
  label = fit(label, room, L.lines);
  if (label.length > 0) {
    const text = ` ${label} `;
    put(row, xa + 1 + Math.max(1, Math.floor((inner - text.length) / 2)), text);
  }
  put(row, xa - 1 - leftPort.length, leftPort);
  put(row, xb + 2, rightPort);
  out.push(finish(row));
  return out;
}

function drawNote(text: string, L: Layout): string[] {
  const x0 = L.xs[0];
  const xn = L.xs[L.xs.length - 1];
  const room = xn - x0 - 4;
  const out: string[] = [];
  const words = text.split(' ');
  let line = '';
  const flush = (): void => {
    const row = blankRow(L);
    put(row, x0 + 2, fit(line, room, L.lines));
    out.push(finish(row));
  };
  for (const w of words) {
    if (line && line.length + 1 + w.length > room) {
      flush();
      line = `  ${w}`;
    } else {
      line = line ? `${line} ${w}` : w;
    }
  }
  if (line) flush();
  return out;
}

/** A host's column title, by its role in the session. */
const ROLE_NAMES: Record<HostRole, string> = {
  client: 'FTP client',
  server: 'FTP server',
  'client-alias': 'FTP client, 2nd address',
  'server-named': 'server-named address',
  'client-named': 'client-named address',
  third: 'third host',
};

function header(l: SessionLadder, L: Layout): string[] {
  const names = l.roles.map((r) => ROLE_NAMES[r]);
  const rowsOf = (texts: string[]): string => {
    const row = Array.from({ length: L.width }, () => ' ');
    texts.forEach((t, i) => {
      const x = L.xs[i];
      const room = i === 0 || i === texts.length - 1 ? PORT_WIDTH * 2 + 10 : 0;
      const spacing = L.xs.length > 1 ? L.xs[1] - L.xs[0] - 2 : L.width;
      const text = fit(t, Math.max(room, spacing), L.lines);
      let at: number;
      if (i === 0) at = Math.max(0, x - PORT_WIDTH - 1);
      else if (i === texts.length - 1) at = Math.min(L.width - text.length, x + PORT_WIDTH + 2 - text.length);
      else at = x - Math.floor(text.length / 2);
      put(row, at, text);
    });
    return finish(row);
  };
  const margin = Array.from({ length: L.width }, () => ' ');
  put(margin, 0, 'time'.padStart(L.timeWidth));
  put(margin, L.timeWidth + 1, 'frame'.padStart(L.frameWidth));
  const first = rowsOf(names).split('');
  for (let i = 0; i < L.timeWidth + L.frameWidth + 1; i++) if (margin[i] !== ' ') first[i] = margin[i];
  return [first.join('').replace(/\s+$/, ''), rowsOf(l.hosts.map(escapeText)), finish(blankRow(L))];
}

/** The whole timeline of one session. */
export function renderLadder(a: Analysis, l: SessionLadder, opts: TimelineOptions): string {
  const s = l.session;
  const rows = ladderRows(a, l);
  const L = layout(rows, l.hosts.length, opts);
  const out: string[] = [];
  const decrypted = l.events.some((e) => (e.kind === 'command' || e.kind === 'reply') && e.decrypted);
  const decryptedData = l.events.some((e) => e.kind === 'data' && e.decrypted);
  const mark = DECRYPTED_MARK.trim();
  // A handshake that failed encrypted nothing: the model says when clear text came back (tlsEndAfter).
  const tlsFrom =
    s.tlsEndAfter === 'handshake-failed'
      ? ` TLS was to begin at frame ${s.tlsFrame ?? '?'}, but its handshake failed: nothing on the control connection was encrypted, clear text again from frame ${s.tlsEndFrame} on.`
      : ` The control connection is encrypted (TLS) from frame ${s.tlsFrame ?? '?'} on.`;
  const tls = s.tls
    ? tlsFrom +
      (decrypted ? ` Decrypted with the TLS key log: arrows marked ${mark} carry the commands and replies read from its records.` : '') +
      (decryptedData ? ` Data runs marked ${mark} are TLS records decrypted to the file data (byte counts: TCP payload, records included).` : '')
    : '';
  const title =
    `Session ${s.id}: FTP client ${escapeText(s.client.ip)} port ${s.client.port}, ` +
    `FTP server ${escapeText(s.server.ip)} port ${s.server.port}.${tls}`;
  out.push(wrap(title, opts.width, '  ').replace(/^ +/, ''));
  out.push("time: seconds since the capture's first packet; frame: Wireshark's number");
  out.push(...header(l, L));
  for (const r of rows) {
    if (r.kind === 'arrow') out.push(...drawArrow(r, L));
    else out.push(...drawNote(r.text, L));
  }
  if (l.cut !== null) out.push(...drawNote(cutSentence(l.cut), L));
  out.push(finish(blankRow(L)));
  return out.join('\n');
}

export function renderTimeline(a: Analysis, ladders: SessionLadder[], opts: TimelineOptions): string {
  if (ladders.length === 0) return 'No FTP control sessions found.';
  return ladders.map((l) => renderLadder(a, l, opts)).join('\n\n');
}
