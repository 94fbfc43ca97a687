/**
 * Human-readable tables: the analysis model in, a string out. Every string that came from a packet
 * passes through escapeText/clip before it is placed in a cell.
 */
import { clientCommandCount } from '../analysis/session-facts.js';
import type { Warning } from '../warnings/catalog.js';
import Table from 'cli-table3';
import type { Analysis, Command, Reply, Session, Transfer } from '../analysis/model.js';
import { CATALOG } from '../analysis/diagnose/catalog.js';
import { byteCount } from '../analysis/diagnose/facts.js';
import { portSplitWords } from '../analysis/passive-port-split.js';
import { announcesActive, commandLine } from '../ftp/commands.js';
import { clip, escapeText } from './escape.js';
import { bytes, endpoint, modeWord, rate, relative, relativeMs, seconds, tunnelName, wallClock } from './format.js';
import { drawGrid, drawWrapped } from './grid.js';
import { unacknowledgedTo } from '../analysis/data-sender.js';
import { paint, type RenderStyle } from './style.js';
import { wrap } from './wrap.js';
import { acknowledgedWords, bytesCell, controlFailed, controlSentence, hiddenCommandCell, loginGuessingSentence, loginRefusedSentence, noOpAborWords, noRequestCell, tlsRefusedSentence, replyCode, replyHeadline, serverClosedNotes, splitStallSentence, verdictCounts, verdictLabel, verdictSentence, VERDICT_COLOUR } from './verdict-words.js';

/** "1 byte", "260 bytes": the transfer view's raw counts, without separators (as tshark's fields give them). */
const bytesUnit = (x: number): string => byteCount(x, String);

function head(style: RenderStyle, names: string[]): string[] {
  return names.map((h) => paint(style, 'bold', h));
}

/** The transfer's verdict as a table cell (words from verdict-words.ts). */
export function statusText(t: Transfer, style: RenderStyle): string {
  return paint(style, VERDICT_COLOUR[t.verdict.kind], verdictLabel(t.verdict));
}

export function captureHeading(a: Analysis): string {
  const c = a.capture;
  const links = c.linkTypes.map((l) => `${l.name} (${l.frames})`).join(', ') || 'none';
  const lines = [
    `Capture ${escapeText(c.file)}: ${c.format}${c.compressed ? ' (gzip)' : ''}, ${c.packets} packets, ${bytes(c.bytes)}`,
    `  ${wallClock(c.first)} … ${wallClock(c.last)} (${seconds(c.first === null || c.last === null ? null : c.last - c.first)})`,
    `  link types: ${links}; TCP connections: ${c.tcpConnections}; FTP sessions: ${a.sessions.length}`,
  ];
  if (c.tunnels.length > 0) {
    lines.push(`  IP inside tunnels: ${c.tunnels.map((t) => `${tunnelName(t.layers)} (${t.frames} frames, the first ${t.firstFrame})`).join(', ')}; analysed by their inner packets`);
  }
  if (c.checksums.offloadLikely.length > 0) {
    lines.push(
      `  checksums: bad on every packet sent by ${c.checksums.offloadLikely.map(escapeText).join(', ')} — checksum offload likely (captured on that host); not an error on the wire`,
    );
  }
  return lines.join('\n');
}

export function warningLines(warnings: Warning[], file: string): string {
  return warnings
    .map((w) => {
      const where = [w.frame !== undefined ? `frame ${w.frame}` : null, w.offset !== undefined ? `offset ${w.offset}` : null]
        .filter(Boolean)
        .join(', ');
      return `warning: ${escapeText(file)}${where ? `: ${where}` : ''}: ${escapeText(w.message)} [${w.code}]`;
    })
    .join('\n');
}

function transferCounts(s: Session): string {
  if (s.transfers.length === 0 && controlFailed(s)) {
    if (s.diagnosis?.cause === 'not-ftp') return 'none: not FTP';
    if (s.control.kind === 'turned-away') return `none: turned away${s.control.at === 'login' ? ' at login' : ''} (${s.control.code})`;
    if (s.control.kind === 'ungreeted') return `none: no greeting (client gave up after ${seconds(s.control.waited)})`;
    if (s.control.kind === 'hung-up') return `none: closed by the server before greeting`;
    if (s.control.kind === 'abandoned') return `none: the client reset the server's answer`;
    return `none: control ${s.control.kind}`;
  }
  if (s.transfers.length === 0 && s.linesCut !== undefined) return 'not readable: every line cut by the snapshot length';
  return verdictCounts(s.transfers) || '0';
}

export function renderSessions(a: Analysis, style: RenderStyle): string {
  const rows: string[][] = [];
  for (const s of a.sessions) {
    // The model's login outcome: unknown (one-way capture) is not failed, nor is a refusal by the server.
    const mark = s.login === 'failed' ? ' ✗' : s.login === 'unknown' || s.login === 'pending' ? ' ?' : '';
    const user = s.user === null ? '-' : `${clip(s.user, 14)}${mark}`;
    rows.push([
      String(s.id),
      endpoint(s.client),
      endpoint(s.server),
      user,
      s.tls ? `${s.tlsMode}${s.tlsEndAfter === 'handshake-failed' ? ', failed' : s.dataProtection === 'P' ? ', PROT P' : ''}` : 'no',
      relativeMs(s.start, a.capture.first),
      String(clientCommandCount(s.commands)),
      transferCounts(s),
    ]);
  }
  const table = drawGrid(head(style, ['#', 'Client', 'Server', 'User', 'TLS', 'Start s', 'Cmds', 'Transfers']), rows);
  // Commands the server never answered because it had closed the control connection first (Command.noReply).
  const notes: string[] = [];
  for (const s of a.sessions) {
    for (const n of serverClosedNotes(s)) notes.push(wrap(`session ${s.id}: ${n}`, 74).split('\n').map((l, i) => `${i === 0 ? '  ' : '    '}${l}`).join('\n'));
  }
  if (notes.length === 0) return table;
  const shown = notes.slice(0, MAX_UNUSED_ROWS);
  if (notes.length > shown.length) shown.push(`  … and ${notes.length - shown.length} more (ftpcap explain tells each)`);
  return [table, ...shown].join('\n');
}

export function announceText(t: Transfer): string {
  const an = t.announce;
  if (!an && t.unansweredAnnounce !== undefined) return `${t.unansweredAnnounce.command}, frame ${t.unansweredAnnounce.frame}; its reply, with the endpoint, is not in the capture`;
  if (!an && t.announcedBeforeCapture) return `${t.mode === 'active' ? 'PORT/EPRT' : 'PASV/EPSV'} before the capture began (the data connection linked by hosts and timing)`;
  if (!an && t.announceMaybeBeforeCapture) return 'none in the capture, which began during the session (one before it, or the default port)';
  if (!an) return t.inferred === undefined ? 'none (default port)' : hiddenCommandCell(t.inferred, 'its PORT/PASV exchange');
  if (an.refused && an.reply) return `${an.command} refused: ${an.reply.code} ${escapeText(an.reply.text)} (frame ${an.frame})`;
  if (!an.tuple.ok) return `${an.command} malformed: ${escapeText(an.tuple.reason ?? '')} (frame ${an.frame})`;
  const ep = an.endpoint ? endpoint(an.endpoint) : '?';
  const arith = arithmeticText(an.tuple.arithmetic);
  return `${an.command} → ${ep}${arith}, frame ${an.frame}`;
}

function requestText(t: Transfer, max: number): string {
  if (!t.request) return '-';
  return clip(commandLine(t.request), max);
}

function connectionLines(t: Transfer): string[] {
  const c = t.connection;
  if (!c) return ['not seen in the capture'];
  const arrow =
    c.initiator === 'client' ? `${endpoint(c.client)} → ${endpoint(c.server)}` : `${endpoint(c.server)} → ${endpoint(c.client)}`;
  // FXP: the ends are the two servers; the one in this session's "client" role is the other server.
  const opener = t.fxp === undefined ? `the ${c.initiator}` : c.initiator === 'client' ? `the other server, ${c.client.ip}` : `the server`;
  const lines = [`tcp.stream ${c.stream}: ${arrow} (opened by ${opener})`];
  if (t.fxp !== undefined) lines.push(`FXP, server to server: also the data connection of transfer ${t.fxp.session}.${t.fxp.transfer}`);
  const syn = [`SYN frame ${c.synFrame ?? '? (started before the capture)'}`];
  if (c.synFrames.length > 1) syn.push(`retransmitted at frame${c.synFrames.length > 2 ? 's' : ''} ${c.synFrames.slice(1).join(', ')}`);
  if (c.synAckFrames.length) syn.push(`SYN-ACK frame ${c.synAckFrames[0]}`);
  else if (c.synFrame !== null) syn.push(c.established ? 'SYN-ACK not in the capture' : 'no SYN-ACK');
  if (c.established) syn.push(`established frame ${c.establishedFrame ?? '?'}`);
  lines.push(syn.join(', '));
  lines.push(`${bytesUnit(c.bytesToClient)} to client, ${bytesUnit(c.bytesToServer)} to server; closed by ${c.close ?? 'nothing seen'}`);
  for (const by of ['client', 'server'] as const) {
    const acked = c.finUnseen?.[by];
    if (acked !== undefined) lines.push(`FIN from the ${by} not in the capture (acknowledged at frame ${acked})`);
  }
  // A reset a device between the hosts made in one end's name (verdict.ts rstFromMiddlebox) is not that end's.
  if (c.rst) lines.push(c.rst.forged ? `RST in the ${c.rst.by}'s name, made by a device between the hosts, at frame ${c.rst.frame}` : `RST from the ${c.rst.by} at frame ${c.rst.frame}`);
  for (const e of c.icmpErrors) lines.push(`ICMP type ${e.type} code ${e.code} from ${e.reporter} at frame ${e.frame}`);
  if (c.gapBytes) lines.push(`${c.gapBytes} bytes missing from the capture`);
  if (c.undeliveredBytes) lines.push(`${c.undeliveredBytes} bytes lost on the path (never acknowledged by the receiver)`);
  else if (c.retransmissions) {
    // Each way's own count (DataConnection.unacknowledged): the data's, and the other way's few bytes apart.
    for (const to of ['client', 'server'] as const) {
      const bytes = unacknowledgedTo(c, to);
      if (bytes > 0) lines.push(`${bytes} bytes sent to the ${to} and ${c.rst ? 'not acknowledged before the reset' : 'never acknowledged'}`);
    }
  }
  if (c.retransmissions) lines.push(`${c.retransmissions} retransmitted segments`);
  if (c.captureCopies) lines.push(`${c.captureCopies} packets captured twice (the same packet seen again), counted once`);
  if (c.addressMismatch && t.passiveAddress?.reading === 'public') {
    lines.push(`linked by port: arrived at ${c.addressMismatch.actual}, the server's own address; the reply named ${c.addressMismatch.announced}, its public address`);
  } else if (c.addressMismatch) {
    lines.push(`linked by port: address ${c.addressMismatch.actual} differs from announced ${c.addressMismatch.announced}`);
  }
  return lines;
}

export function replyText(r: Reply | null): string {
  return r ? `${replyCode(r.code)} ${clip(replyHeadline(r), 50)} (frame ${r.frame})` : 'none in the capture';
}

/** A transfer's last line under a 1xx code (`Transfer.closingLine`): in the capture, but no final reply. */
function closingLineText(r: Reply): string {
  return `none: the server's last line was ${replyText(r)}, under the code of the transfer's start`;
}

/** Compact: one row per transfer, sized for an 80-column terminal; diagnoses as numbered notes below. */
export function renderTransferRows(a: Analysis, style: RenderStyle, sessionId?: number): string {
  const notes: string[] = [];
  const rows: string[][] = [];
  let hidden = 0;
  for (const s of a.sessions) {
    if (sessionId !== undefined && s.id !== sessionId) continue;
    let unusedShown = 0;
    for (const x of s.transfers) {
      // A session can announce thousands of ports it never uses: show a few, count the rest.
      if (x.verdict.kind === 'unused' && !x.diagnosis && ++unusedShown > MAX_UNUSED_ROWS) {
        hidden++;
        continue;
      }
      rows.push([
        `${s.id}.${x.id}`,
        modeWord(x),
        requestText(x, 18),
        dataEndpoint(x),
        x.connection ? bytesCell(x) : '-',
        x.reply ? String(x.reply.code) : '-',
        x.diagnosis ? `${statusText(x, style)} [${notes.push(noteText(s.id, x))}]` : statusText(x, style),
      ]);
    }
  }
  const lines = [drawGrid(head(style, ['#', 'Mode', 'Command', 'Data endpoint', 'Bytes', 'Reply', 'Status']), rows)];
  if (hidden) lines.push(`… and ${hidden} more unused announcements (ftpcap transfers lists them all)`);
  if (notes.length) lines.push(...notes.map((n, i) => `[${i + 1}] ${n}`), '(ftpcap diagnose explains each, with its evidence)');
  return lines.join('\n');
}

/**
 * The announced data endpoint, or for a transfer whose announcement the capture lacks (inferred, or
 * announced before the capture) the end its connection was opened to; "?" when hosts and timing linked it.
 */
function dataEndpoint(t: Transfer): string {
  if (t.announce?.endpoint) return endpoint(t.announce.endpoint);
  const c = t.connection;
  if ((t.inferred === undefined && !t.announcedBeforeCapture) || !c) return '-';
  return `${endpoint(c.initiator === 'client' ? c.server : c.client)}${t.inferred === 'midstream' || t.announcedBeforeCapture ? ' ?' : ''}`;
}

/** Unused announcements listed per session in the summary before the rest are only counted. */
const MAX_UNUSED_ROWS = 10;

function noteText(session: number, t: Transfer): string {
  return `${session}.${t.id} ${t.diagnosis!.cause}: ${CATALOG[t.diagnosis!.cause].title}`;
}

/** The label and text rows of one transfer's block in `transfers`. */
export function transferBlockRows(x: Transfer): string[][] {
  const rows: string[][] = [['announced', announceText(x)]];
  if (x.announce?.reply && x.mode === 'active') rows.push(['', `reply ${replyText(x.announce.reply)}`]);
  rows.push([
    'requested',
    x.request
      ? `${requestText(x, 40)} (frame ${x.request.frame})${x.type ? `, TYPE ${escapeText(x.type)}` : ''}${x.restOffset !== null ? `, REST ${x.restOffset}` : ''}`
      : noRequestCell(x),
  ]);
  rows.push(['connection', connectionLines(x).join('\n')]);
  if (x.connection) {
    rows.push(['moved', `${bytesUnit(x.bytes)} in ${seconds(x.duration)} (${rate(x.throughput)})${x.expectedSize !== null ? `; server announced ${x.expectedSize}` : ''}`]);
    if (x.acknowledged) rows.push(['acknowledged', acknowledgedWords(x.acknowledged)]);
  }
  if (x.preliminary) rows.push(['opened', replyText(x.preliminary)]);
  rows.push([
    'reply',
    x.reply === null && x.closingLine !== undefined
      ? closingLineText(x.closingLine)
      : // TLS hid the replies (no key log): a reply not read is not a reply missing from the capture.
        x.reply === null && x.inferred === 'tls-hidden'
        ? hiddenCommandCell(x.inferred, 'its final reply, if any')
        : replyText(x.reply),
  ]);
  // An ABOR is an abort only where the verdict says so: a transfer not followed to its end may have finished first,
  // and one unanswered at the capture's end (the verdict's underWay aborting) was asked, not seen done.
  if (x.abortFrame !== null) {
    const asked = x.verdict.kind === 'incomplete' && x.verdict.underWay?.step === 'aborting';
    rows.push(x.status === 'aborted' ? ['aborted', `ABOR at frame ${x.abortFrame}`] : ['ABOR', `frame ${x.abortFrame}${asked ? ', unanswered when the capture ended' : ''}`]);
  }
  if (x.lateAbortFrame !== undefined) rows.push(['no-op ABOR', `frame ${x.lateAbortFrame}; the data ${noOpAborWords(x)}: nothing was aborted`]);
  rows.push(['verdict', verdictSentence(x)]);
  return rows;
}

/** Column widths of a transfer's block. */
export const TRANSFER_BLOCK_WIDTHS = [13, 64];

/** Detailed: one block per transfer with every fact and frame number. */
export function renderTransfers(a: Analysis, style: RenderStyle, sessionId?: number): string {
  const shown = a.sessions.filter((s) => sessionId === undefined || s.id === sessionId);
  // Blocks without colour are drawn by drawWrapped (the same text as cli-table3's, grid.ts): cli-table3
  // measures a wrapped cell character by character, 5 ms a block (30 transfers: 160 ms).
  const blocks: string[] = [];
  for (const s of shown) {
    for (const x of s.transfers) {
      const title = `Transfer ${s.id}.${x.id}: ${modeWord(x)}, ${x.request ? requestText(x, 40) : x.inferred === undefined ? 'no command' : 'command not seen'} — ${statusText(x, style)}`;
      const rows = transferBlockRows(x);
      let table: string;
      if (!rows.some((r) => r.some((c) => c.includes('\u001b')))) table = drawWrapped(TRANSFER_BLOCK_WIDTHS, rows);
      else {
        const t = new Table({ style: { head: [], border: [], compact: true }, colWidths: TRANSFER_BLOCK_WIDTHS, wordWrap: true });
        for (const r of rows) t.push(r);
        table = t.toString();
      }
      blocks.push(`${title}\n${table}`);
    }
  }
  return blocks.length ? blocks.join('\n\n') : 'No transfers.';
}


/** "(9×256+39)" where a port was computed from two bytes; EPRT/EPSV name the port directly. */
function arithmeticText(arithmetic: string): string {
  return arithmetic.includes('×') ? ` (${arithmetic})` : '';
}

interface Line {
  frame: number;
  time: number;
  dir: string;
  text: string;
  decoded: string;
}

function replyLines(r: Reply): Line {
  return { frame: r.frame, time: r.time, dir: 'S→C', text: `${replyCode(r.code)} ${r.text}`, decoded: '' };
}

function commandLines(c: Command, s: Session): Line[] {
  const out: Line[] = [];
  let decoded = '';
  if (c.tuple) {
    decoded = c.tuple.ok
      ? `→ ${c.tuple.ip === null ? `${endpoint({ ip: s.server.ip, port: c.tuple.port ?? 0 })}` : endpoint({ ip: c.tuple.ip, port: c.tuple.port ?? 0 })}${arithmeticText(c.tuple.arithmetic)}`
      : `malformed: ${c.tuple.reason}`;
  }
  if (c.command !== null) {
    const request = { frame: c.frame, time: c.time, dir: 'C→S', text: commandLine(c), decoded: '' };
    // Active announcements are decoded on the request; passive ones on the reply.
    if (c.tuple && announcesActive(c.command)) request.decoded = decoded;
    out.push(request);
  }
  for (const p of c.preliminary) out.push(replyLines(p));
  if (c.reply) {
    const line = replyLines(c.reply);
    if (c.tuple && !announcesActive(c.command)) line.decoded = decoded;
    out.push(line);
  }
  return out;
}

export function renderCommands(a: Analysis, style: RenderStyle, sessionId?: number): string {
  const parts: string[] = [];
  const shown = a.sessions.filter((s) => sessionId === undefined || s.id === sessionId);
  for (const s of shown) {
    const lines = s.commands.flatMap((c) => commandLines(c, s)).sort((x, y) => x.frame - y.frame);
    const rows = lines.map((l) => [
      relative(l.time, a.capture.first),
      String(l.frame),
      l.dir,
      clip(l.text.replace(/\n/g, ' ⏎ '), 36),
      escapeText(l.decoded),
    ]);
    const tlsNote =
      s.tlsDetails?.decryption === 'decrypted'
        ? ` (TLS from frame ${s.tlsFrame ?? '?'}, decrypted with the key log: later lines are derived from decrypted records)`
        : ` (TLS from frame ${s.tlsFrame ?? '?'}: later commands are encrypted)`;
    parts.push(`Session ${s.id}: ${endpoint(s.client)} → ${endpoint(s.server)}${s.tls ? tlsNote : ''}`);
    const names = head(style, ['Time (s)', 'Frame', 'Dir', 'Command / reply', 'Decoded']);
    parts.push(drawGrid(names, rows));
  }
  return parts.join('\n');
}

/** A summary section: a heading, one sentence per session (the first MAX_UNUSED_ROWS) with its cause when diagnosed, then `after` (lines about them all). */
function sessionNotes(out: string[], sessions: Session[], heading: string, sentence: (s: Session) => string | null, after: string[] = []): void {
  if (sessions.length === 0) return;
  out.push('', heading);
  for (const s of sessions.slice(0, MAX_UNUSED_ROWS)) {
    const cause = s.diagnosis ? ` [${s.diagnosis.cause}]` : '';
    out.push(`  session ${s.id}: ${escapeText(sentence(s) ?? '')}${cause}`);
  }
  const diagnosed = sessions.some((s) => s.diagnosis !== null);
  if (sessions.length > MAX_UNUSED_ROWS) out.push(`  … and ${sessions.length - MAX_UNUSED_ROWS} more${diagnosed ? ' (ftpcap diagnose lists them all)' : ''}`);
  out.push(...after);
  if (diagnosed) out.push('(ftpcap diagnose explains each, with its evidence)');
}

export function renderSummary(a: Analysis, style: RenderStyle): string {
  const out = [captureHeading(a), ''];
  if (a.sessions.length === 0) {
    out.push('No FTP control sessions found.');
  } else {
    out.push('Sessions', renderSessions(a, style), '');
    const any = a.sessions.some((s) => s.transfers.length > 0);
    out.push('Transfers', any ? renderTransferRows(a, style) : '(none)');
    const failedControl = a.sessions.filter(controlFailed);
    if (failedControl.length) {
      out.push('', 'Control connections that never opened, were turned away or never spoke FTP');
      for (const s of failedControl.slice(0, MAX_UNUSED_ROWS)) {
        const cause = s.diagnosis ? ` [${s.diagnosis.cause}]` : '';
        out.push(`  session ${s.id}: ${escapeText(controlSentence(s) ?? '')}${cause}`);
      }
      if (failedControl.length > MAX_UNUSED_ROWS) out.push(`  … and ${failedControl.length - MAX_UNUSED_ROWS} more (ftpcap diagnose lists them all)`);
      out.push('(ftpcap diagnose explains each, with its evidence)');
    }
    if (a.passivePortSplits.length) {
      out.push('', 'Passive ports that work and ports that fail');
      for (const p of a.passivePortSplits) out.push(wrap(`${escapeText(portSplitWords(p))}.`, 76, '  '));
    }
    // A stall of the control connection no transfer's row tells (only the end of the line arrived).
    const stalled = a.sessions.filter((s) => s.diagnosis?.cause === 'announce-split-dropped');
    sessionNotes(out, stalled, 'Control connections that stalled', splitStallSentence);
    const guessing = a.loginGuessing.map((g) => `  From one address: ${escapeText(loginGuessingSentence(g))}`);
    sessionNotes(out, a.sessions.filter((s) => s.loginRefusal !== null), 'Logins the server refused', loginRefusedSentence, guessing);
    sessionNotes(out, a.sessions.filter((s) => s.tlsRefusal !== null), 'TLS the server refused (AUTH)', tlsRefusedSentence);
  }
  if (a.capture.warnings.length) out.push('', warningLines(a.capture.warnings, a.capture.file));
  return out.join('\n');
}
