/**
 * Human-readable tables: the analysis model in, a string out. Every string that came from a packet
 * passes through escapeText/clip before it is placed in a cell.
 */
import Table from 'cli-table3';
import type { Analysis, AnalysisWarning, Command, Reply, Session, Transfer, TransferStatus } from '../analysis/model.js';
import { clip, escapeText } from './escape.js';
import { bytes, endpoint, rate, relative, seconds, wallClock } from './format.js';
import { paint, type RenderStyle } from './style.js';

function table(head: string[], style: RenderStyle): Table.Table {
  return new Table({
    head: head.map((h) => paint(style, 'bold', h)),
    style: { head: [], border: [], compact: false },
    wordWrap: true,
  });
}

const STATUS_COLOUR: Record<TransferStatus, 'green' | 'red' | 'yellow' | 'dim'> = {
  complete: 'green',
  failed: 'red',
  aborted: 'red',
  incomplete: 'yellow',
  unused: 'yellow',
};

export function statusText(t: Transfer, style: RenderStyle): string {
  return paint(style, STATUS_COLOUR[t.status], t.status);
}

export function captureHeading(a: Analysis): string {
  const c = a.capture;
  const links = c.linkTypes.map((l) => `${l.name} (${l.frames})`).join(', ') || 'none';
  const lines = [
    `Capture ${escapeText(c.file)}: ${c.format}${c.compressed ? ' (gzip)' : ''}, ${c.packets} packets, ${bytes(c.bytes)}`,
    `  ${wallClock(c.first)} … ${wallClock(c.last)} (${seconds(c.first === null || c.last === null ? null : c.last - c.first)})`,
    `  link types: ${links}; TCP connections: ${c.tcpConnections}; FTP sessions: ${a.sessions.length}`,
  ];
  if (c.checksums.offloadLikely.length > 0) {
    lines.push(
      `  checksums: bad on every packet sent by ${c.checksums.offloadLikely.map(escapeText).join(', ')} — checksum offload likely (captured on that host); not an error on the wire`,
    );
  }
  return lines.join('\n');
}

export function warningLines(warnings: AnalysisWarning[], file: string): string {
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
  const by = new Map<TransferStatus, number>();
  for (const t of s.transfers) by.set(t.status, (by.get(t.status) ?? 0) + 1);
  return [...by.entries()].map(([k, v]) => `${v} ${k}`).join(', ') || '0';
}

export function renderSessions(a: Analysis, style: RenderStyle): string {
  const t = table(['#', 'Client', 'Server', 'User', 'TLS', 'Start (rel s)', 'Duration', 'Cmds', 'Transfers'], style);
  for (const s of a.sessions) {
    const user = s.user === null ? '-' : `${clip(s.user, 24)}${s.loggedIn ? '' : ' (no login)'}`;
    t.push([
      String(s.id),
      endpoint(s.client),
      endpoint(s.server),
      user,
      s.tls ? `${s.tlsMode}${s.dataProtection === 'P' ? ', PROT P' : ''}` : 'no',
      relative(s.start, a.capture.first),
      seconds(s.end - s.start),
      String(s.commands.filter((c) => c.command !== null).length),
      transferCounts(s),
    ]);
  }
  return t.toString();
}

export function announceText(t: Transfer): string {
  const an = t.announce;
  if (!an) return 'none (default port)';
  if (!an.tuple.ok) return `${an.command} malformed: ${escapeText(an.tuple.reason ?? '')} (frame ${an.frame})`;
  const ep = an.endpoint ? endpoint(an.endpoint) : '?';
  const arith = an.tuple.arithmetic ? ` (${an.tuple.arithmetic})` : '';
  return `${an.command} → ${ep}${arith}, frame ${an.frame}`;
}

function requestText(t: Transfer): string {
  if (!t.request) return '-';
  const arg = t.request.arg ? ` ${clip(t.request.arg, 40)}` : '';
  return `${t.request.command}${arg} (frame ${t.request.frame})`;
}

function connectionText(t: Transfer): string {
  const c = t.connection;
  if (!c) return 'not seen';
  const arrow = c.initiator === 'client' ? `${endpoint(c.client)} → ${endpoint(c.server)}` : `${endpoint(c.server)} → ${endpoint(c.client)}`;
  const parts = [arrow, `SYN frame ${c.synFrame ?? '?'}${c.synFrames.length > 1 ? ` (+${c.synFrames.length - 1} retransmitted)` : ''}`];
  if (!c.established) parts.push(c.synAckFrames.length ? 'handshake incomplete' : 'no SYN-ACK');
  if (c.rst) parts.push(`RST by ${c.rst.by} (frame ${c.rst.frame})`);
  if (c.icmpErrors.length) parts.push(`ICMP error (frame ${c.icmpErrors[0].frame})`);
  if (c.gapBytes) parts.push(`${c.gapBytes} bytes missing from capture`);
  if (c.addressMismatch) parts.push(`address ${c.addressMismatch.actual} ≠ announced ${c.addressMismatch.announced}`);
  return parts.join('; ');
}

export function replyText(r: Reply | null): string {
  return r ? `${r.code} ${clip(r.text.split('\n')[0], 50)} (frame ${r.frame})` : 'none';
}

export function renderTransfers(a: Analysis, style: RenderStyle, sessionId?: number): string {
  const t = table(['S.T', 'Mode', 'Announced', 'Request', 'Data connection', 'Bytes', 'Duration', 'Rate', 'Reply', 'Status'], style);
  for (const s of a.sessions) {
    if (sessionId !== undefined && s.id !== sessionId) continue;
    for (const x of s.transfers) {
      t.push([
        `${s.id}.${x.id}`,
        x.mode,
        announceText(x),
        requestText(x),
        connectionText(x),
        x.connection ? String(x.bytes) : '-',
        seconds(x.duration),
        rate(x.throughput),
        replyText(x.reply),
        statusText(x, style),
      ]);
    }
  }
  return t.toString();
}

const ACTIVE_ANNOUNCERS = new Set(['PORT', 'EPRT', 'LPRT']);

interface Line {
  frame: number;
  time: number;
  dir: string;
  text: string;
  decoded: string;
}

function replyLines(r: Reply, s: Session): Line {
  return { frame: r.frame, time: r.time, dir: `${endpoint(s.server)} →`, text: `${r.code} ${r.text}`, decoded: '' };
}

function commandLines(c: Command, s: Session): Line[] {
  const out: Line[] = [];
  let decoded = '';
  if (c.tuple) {
    decoded = c.tuple.ok
      ? `→ ${c.tuple.ip === null ? `${endpoint({ ip: s.server.ip, port: c.tuple.port ?? 0 })}` : endpoint({ ip: c.tuple.ip, port: c.tuple.port ?? 0 })}${c.tuple.arithmetic ? ` (${c.tuple.arithmetic})` : ''}`
      : `malformed: ${c.tuple.reason}`;
  }
  if (c.command !== null) {
    const request = { frame: c.frame, time: c.time, dir: `→ ${endpoint(s.server)}`, text: c.arg ? `${c.command} ${c.arg}` : c.command, decoded: '' };
    // Active announcements are decoded on the request; passive ones on the reply.
    if (c.tuple && ACTIVE_ANNOUNCERS.has(c.command)) request.decoded = decoded;
    out.push(request);
  }
  for (const p of c.preliminary) out.push(replyLines(p, s));
  if (c.reply) {
    const line = replyLines(c.reply, s);
    if (c.tuple && !ACTIVE_ANNOUNCERS.has(c.command ?? '')) line.decoded = decoded;
    out.push(line);
  }
  return out;
}

export function renderCommands(a: Analysis, style: RenderStyle, sessionId?: number): string {
  const parts: string[] = [];
  for (const s of a.sessions) {
    if (sessionId !== undefined && s.id !== sessionId) continue;
    const t = table(['Time (s)', 'Frame', 'Direction', 'Command / reply', 'Decoded'], style);
    const lines = s.commands.flatMap((c) => commandLines(c, s)).sort((x, y) => x.frame - y.frame);
    for (const l of lines) {
      t.push([relative(l.time, a.capture.first), String(l.frame), l.dir, clip(l.text.replace(/\n/g, ' ⏎ '), 70), escapeText(l.decoded)]);
    }
    parts.push(`Session ${s.id}: ${endpoint(s.client)} → ${endpoint(s.server)}${s.tls ? ` (TLS from frame ${s.tlsFrame ?? '?'}: later commands are encrypted)` : ''}`);
    parts.push(t.toString());
  }
  return parts.join('\n');
}

export function renderSummary(a: Analysis, style: RenderStyle): string {
  const out = [captureHeading(a), ''];
  if (a.sessions.length === 0) {
    out.push('No FTP control sessions found.');
  } else {
    out.push('Sessions', renderSessions(a, style), '');
    const any = a.sessions.some((s) => s.transfers.length > 0);
    out.push('Transfers', any ? renderTransfers(a, style) : '(none)');
  }
  if (a.capture.warnings.length) out.push('', warningLines(a.capture.warnings, a.capture.file));
  return out.join('\n');
}
