/**
 * `ftpcap dump`: EtherPeek-style boxed header dumps, one box per packet. The header lines come
 * from dump-fields.ts (the decoders' field tables); this module adds the frame line, the FTP
 * part (each control line with its decoded tuple and what the command is for, or what the data
 * connection carries), and draws the box in plain ASCII (or Unicode) within 80 columns.
 */
import type { Analysis, Session, Transfer } from '../analysis/model.js';
import type { KeptFrame, PacketTrace } from '../analysis/packet-trace.js';
import { commandInfo, parseReplyLine, parseRequestLine } from '../ftp/commands.js';
import { parseEprtArg, parseEpsvReply, parseLprtArg, parseLpsvReply, parsePasvReply, parsePortArg } from '../ftp/tuples.js';
import type { TupleResult } from '../ftp/types.js';
import { escapeText } from './escape.js';
import { endpoint, relative } from './format.js';
import { problemText, type Warning } from '../warnings/catalog.js';
import type { DecodedFrame } from '../decode/types.js';
import { icmpLines, ipLines, ipOffset, ipPayloadOffset, linkLines, tcpLines, tunnelLines, type DumpLine, type TcpContext } from './dump-fields.js';
import { decryptedText, encryptedBytes, tlsRecordLines } from './dump-tls.js';
import { ASCII_LINES, UNICODE_LINES, transferPurpose, type LineSet } from './teach-text.js';
import type { FrameTlsRecord } from '../analysis/tls-records.js';
import { insideControlTls } from '../analysis/control-tls.js';
import { sessionById, transferById } from '../analysis/lookup.js';

export interface DumpOptions {
  showPasswords: boolean;
  unicode?: boolean;
  /** TLS records by the frame they end in (analysis/tls-records.ts): FTPS frames show them. */
  tlsRecords?: ReadonlyMap<number, readonly FrameTlsRecord[]>;
  /** The first frame whose TLS records were not all kept (the memory ceiling), if any. */
  tlsRecordsCutFrom?: number | null;
}

/** Said of a TLS frame whose records were past the bound on kept records. */
function recordsNotKept(frame: number): DumpLine {
  return { level: 1, label: 'Not shown', text: `the TLS records of this frame: past the bound on records kept for a dump (the memory ceiling, --max-memory); ftpcap dump --frame ${frame} shows them` };
}

function pastRecordBound(frame: number, opts: DumpOptions): boolean {
  return opts.tlsRecordsCutFrom !== undefined && opts.tlsRecordsCutFrom !== null && frame >= opts.tlsRecordsCutFrom;
}

/** Total width of a box, borders included: fits an 80-column terminal with room to spare. */
export const BOX_WIDTH = 78;
const INNER = BOX_WIDTH - 4;
/** Column where values start, inside the box. */
const VALUE_COL = 25;
/** Bytes of a data connection's payload shown as a preview. */
const PREVIEW = 40;

export interface DumpBlock {
  frame: number;
  lines: DumpLine[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes as text: UTF-8 when valid, else one character per byte with bytes >= 0x80 as \xNN; escaped. */
export function bytesAsText(b: Uint8Array): string {
  let s: string;
  try {
    s = utf8.decode(b);
  } catch {
    s = '';
    for (const c of b) s += c >= 0x80 ? `\\x${c.toString(16).padStart(2, '0')}` : String.fromCharCode(c);
  }
  return escapeText(s);
}

const REPLY_CLASSES: Readonly<Record<string, string>> = {
  '1': 'preliminary: more replies follow',
  '2': 'completed',
  '3': 'intermediate: the server needs more (e.g. a password)',
  '4': 'failed, try again later',
  '5': 'failed',
};

function tupleLine(r: TupleResult, s: Session): DumpLine {
  if (!r.ok) return { level: 2, text: `malformed: ${escapeText(r.reason)}`, derivedLine: true };
  const ip = r.ip ?? s.server.ip;
  const how = r.arithmetic.includes('×') ? `port ${r.arithmetic} = ${r.port}` : 'port in decimal';
  const note = r.ip === null ? ", the control connection's server address" : '';
  return { level: 2, text: `${endpoint({ ip, port: r.port })}  (${how}${note})`, derivedLine: true };
}

/** The control connection's payload: FTP text, or TLS records and the FTP text they decrypt to. */
function controlLines(k: KeptFrame, s: Session, opts: DumpOptions): DumpLine[] {
  const p = k.decoded.payload;
  const fromClient = k.packet?.by === 'client';
  const records = opts.tlsRecords?.get(k.decoded.frame);
  const where = 'on the FTP control connection';
  if (records !== undefined) {
    const out = tlsRecordLines(records, where);
    const hidden = encryptedBytes(records);
    if (hidden > 0) out.push({ level: 1, label: 'Encrypted', text: `${hidden} bytes that cannot be read without the TLS keys (--tls-keylog)` });
    const plain = decryptedText(records);
    if (plain !== null) {
      out.push(...ftpLines(plain.bytes, fromClient, s, opts, true));
      if (plain.length > plain.bytes.length) out.push({ level: 1, label: 'Not shown', text: `${plain.length - plain.bytes.length} more decrypted bytes` });
    }
    return out;
  }
  if (insideControlTls(s, k.decoded.frame)) {
    const out: DumpLine[] = [{ level: 0, text: `TLS - Transport Layer Security (${where})` }];
    if (opts.tlsRecords !== undefined && pastRecordBound(k.decoded.frame, opts)) out.push(recordsNotKept(k.decoded.frame));
    else if (opts.tlsRecords !== undefined) out.push({ level: 1, label: 'Segment', text: `${p.length} bytes of a TLS record that ends in a later frame` });
    else out.push({ level: 1, label: 'Encrypted', text: `${p.length} bytes: the FTP commands and replies cannot be read` });
    return out;
  }
  return ftpLines(p, fromClient, s, opts, false);
}

/** FTP control text line by line, with what ftpcap reads in each line; `decrypted`: all of it is derived. */
function ftpLines(p: Uint8Array, fromClient: boolean, s: Session, opts: DumpOptions, decrypted: boolean): DumpLine[] {
  const out: DumpLine[] = [
    decrypted
      ? { level: 0, text: 'FTP Control - File Transfer Protocol, decrypted from the TLS records above', derivedLine: true }
      : { level: 0, text: 'FTP Control - File Transfer Protocol' },
  ];
  let start = 0;
  let n = 0;
  while (start < p.length) {
    let end = p.indexOf(0x0a, start);
    const complete = end >= 0;
    end = complete ? end + 1 : p.length;
    const raw = p.subarray(start, end);
    start = end;
    n++;
    let body = raw;
    while (body.length > 0 && (body[body.length - 1] === 0x0a || body[body.length - 1] === 0x0d)) body = body.subarray(0, body.length - 1);
    const ending = raw.subarray(body.length);
    const latin1 = Buffer.from(body).toString('latin1');
    const masked = fromClient && !opts.showPasswords && /^PASS ./i.test(latin1);
    const shown = masked ? `${escapeText(latin1.slice(0, 5))}****` : bytesAsText(body);
    out.push({
      level: 1,
      label: `Line ${n}`,
      text: shown + bytesAsText(ending) + (complete ? '' : `  (the line goes on in the next ${decrypted ? 'record' : 'segment'})`),
      derivedLine: decrypted || undefined,
    });
    if (!complete) continue;
    if (fromClient) {
      const req = parseRequestLine(latin1);
      const info = commandInfo(req.command);
      if (info !== undefined) out.push({ level: 2, text: `${req.command}: ${info.description}`, derivedLine: true });
      if (req.command === 'PORT') out.push(tupleLine(parsePortArg(req.arg), s));
      else if (req.command === 'EPRT') out.push(tupleLine(parseEprtArg(req.arg), s));
      else if (req.command === 'LPRT') out.push(tupleLine(parseLprtArg(req.arg), s));
    } else {
      const line = latin1;
      const rep = parseReplyLine(line);
      if (rep.code === 0 || (rep.sep !== ' ' && rep.sep !== '-')) continue;
      const cls = REPLY_CLASSES[String(rep.code)[0]];
      if (cls !== undefined) out.push({ level: 2, text: `${rep.code}: ${cls}${rep.sep === '-' ? ' (first line of several)' : ''}`, derivedLine: true });
      if (rep.sep !== ' ') continue;
      if (rep.code === 227) out.push(tupleLine(parsePasvReply(line), s));
      else if (rep.code === 229) out.push(tupleLine(parseEpsvReply(line), s));
      else if (rep.code === 228) out.push(tupleLine(parseLpsvReply(line), s));
    }
  }
  return out;
}

function dataLines(k: KeptFrame, t: Transfer | undefined, opts: DumpOptions): DumpLine[] {
  const p = k.decoded.payload;
  const what = t === undefined ? 'a connection no announcement explains' : `transfer ${t.id}, ${transferPurpose(t)}`;
  const records = opts.tlsRecords?.get(k.decoded.frame);
  if (records !== undefined) {
    const out = tlsRecordLines(records, t === undefined ? 'on a connection no announcement explains' : `on the data connection of transfer ${t.id}`);
    const plain = decryptedText(records);
    if (plain !== null) {
      out.push({ level: 0, text: `FTP Data - ${plain.length} bytes of ${what}, decrypted`, derivedLine: true });
      out.push({ level: 1, label: 'First bytes', text: bytesAsText(plain.bytes.subarray(0, PREVIEW)) + (plain.length > PREVIEW ? ' ...' : ''), derivedLine: true });
    }
    return out;
  }
  if (opts.tlsRecords !== undefined && t?.connection?.tls !== undefined) {
    return [
      { level: 0, text: `TLS - Transport Layer Security (on the data connection of transfer ${t.id})` },
      pastRecordBound(k.decoded.frame, opts) ? recordsNotKept(k.decoded.frame) : { level: 1, label: 'Segment', text: `${p.length} bytes of a TLS record that ends in a later frame` },
    ];
  }
  const out: DumpLine[] = [
    { level: 0, text: t === undefined ? 'TCP payload' : 'FTP Data - File Transfer Protocol (data connection)' },
    { level: 1, label: 'Data', text: `${p.length} bytes of ${what}` },
  ];
  const preview = bytesAsText(p.subarray(0, PREVIEW));
  out.push({ level: 1, label: 'First bytes', text: preview + (p.length > PREVIEW ? ' ...' : '') });
  return out;
}

function connectionText(k: KeptFrame): string {
  const c = k.connection!;
  const dir = k.packet?.icmp !== undefined ? `error about the ${k.packet.by}'s packet` : `${k.packet?.by ?? '?'} to ${k.packet?.by === 'client' ? 'server' : 'client'}`;
  const what =
    c.role === 'control'
      ? 'control connection'
      : c.role === 'data'
        ? `data connection of transfer ${c.transfer}`
        : 'other connection between its hosts';
  return `session ${c.session}, ${what} (tcp.stream ${c.stream}), ${dir}`;
}

function portNotes(k: KeptFrame, a: Analysis): TcpContext['portNote'] {
  const c = k.connection;
  if (c === null) return undefined;
  const s = sessionById(a, c.session);
  const t = c.transfer === null || s === undefined ? undefined : transferById(s, c.transfer);
  return (port: number) => {
    if (c.role === 'control' && port === c.client.port) return "the client's temporary port";
    const an = t?.announce;
    if (an?.endpoint?.port === port) return `announced by ${an.command} in frame ${an.frame}`;
    if (c.role === 'data' && port === (t?.mode === 'active' ? c.server.port : c.client.port) && port !== 20) {
      return `temporary port of the ${t?.mode === 'active' ? 'server' : 'client'}`;
    }
    return undefined;
  };
}

/** Frames named for one reassembled datagram (one of 64 KiB may have thousands of fragments). */
const MAX_FRAGMENT_FRAMES = 16;

/** What IP reassembly did with this frame: the frames of the datagram it completed, or whether a held one was ever completed. */
function fragmentText(f: DecodedFrame, a: Analysis): string {
  if (f.fragment === 'reassembled' && f.fragmentFrames !== undefined) {
    const n = f.fragmentFrames;
    const count = f.fragmentCount ?? n.length;
    const shown = n.slice(0, MAX_FRAGMENT_FRAMES).join(', ') + (count > MAX_FRAGMENT_FRAMES ? ', …' : '');
    return `reassembled: this frame completes a datagram of ${count} fragments (frames ${shown})`;
  }
  if (f.fragment === 'held') {
    const lost = a.capture.warnings.find((w): w is Warning<'fragments-incomplete'> => w.code === 'fragments-incomplete');
    const all = lost === undefined ? [] : lost.allFrames;
    if (all === null) return 'held';
    return all.includes(f.frame)
      ? 'held, never reassembled: the rest of its datagram is not in the capture'
      : 'held: a later frame completes its datagram and decodes it';
  }
  return f.fragment ?? '';
}

/** The lines of one packet's box. */
export function dumpBlock(k: KeptFrame, a: Analysis, opts: DumpOptions): DumpBlock {
  const f = k.decoded;
  const b = k.data;
  const lines: DumpLine[] = [
    {
      level: 0,
      text: `Frame ${f.frame} - ${f.originalLength} bytes on the wire, ${f.capturedLength} captured`,
      fields: [
        { tshark: 'frame.number', value: f.frame },
        { tshark: 'frame.len', value: f.originalLength },
        { tshark: 'frame.cap_len', value: f.capturedLength },
      ],
    },
    { level: 1, label: 'Time', text: `${relative(f.time, a.capture.first)} s after the first packet` },
  ];
  if (k.connection !== null) lines.push({ level: 1, label: 'Belongs to', text: connectionText(k), derivedLine: true });
  if (f.truncated) lines.push({ level: 1, label: 'Truncated', text: 'cut by the snapshot length: the rest was not captured' });
  for (const p of f.problems) lines.push({ level: 1, label: 'Problem', text: escapeText(problemText(p)) });
  if (f.fragment !== undefined) lines.push({ level: 1, label: 'IP fragment', text: fragmentText(f, a) });

  lines.push(...linkLines(f, b));
  if (f.ip === undefined) {
    if (f.link.kind !== 'unsupported' && f.link.kind !== 'raw') lines.push({ level: 0, text: 'Not IP: not decoded further' });
    return { frame: f.frame, lines };
  }
  // Outermost first, as tshark lists them: each tunnel's outer IP header, then the tunnel's own.
  for (const t of f.tunnels ?? []) lines.push(...ipLines(t.ip, b, t.ipOffset), ...tunnelLines(t, b));
  lines.push(...ipLines(f.ip, b, ipOffset(f)));
  const off = ipPayloadOffset(f);
  const proto = f.ip.protocol;
  if (f.tcp !== undefined) {
    let tb = b;
    let base = off;
    if (f.fragment === 'reassembled') {
      // The TCP header came from the reassembled datagram, right before the payload view.
      const p = f.payload;
      tb = new Uint8Array(p.buffer, p.byteOffset - f.tcp.headerLength, f.tcp.headerLength + p.length);
      base = 0;
    }
    const pk = k.packet;
    lines.push(
      ...tcpLines(f, tb, base, {
        portNote: portNotes(k, a),
        relSeq: pk?.relSeq,
        relAck: pk?.relAck,
        windowShift: pk?.windowShift,
        offload: a.capture.checksums.offloadLikely.includes(f.ip.src),
      }),
    );
    if (f.payload.length > 0) {
      const c = k.connection;
      const s = c === null ? undefined : sessionById(a, c.session);
      if (c !== null && s !== undefined && c.role === 'control') lines.push(...controlLines(k, s, opts));
      else {
        const t = c === null || c.transfer === null || s === undefined ? undefined : transferById(s, c.transfer);
        lines.push(...dataLines(k, t, opts));
      }
    }
  } else if (proto === 1 || proto === 58) {
    lines.push(...icmpLines(f, b, off));
  } else if (f.fragment !== 'held') {
    lines.push({ level: 0, text: `Protocol ${proto}: not decoded further` });
  }
  return { frame: f.frame, lines };
}

/** One line as printed inside the box (before wrapping). */
export function formatLine(l: DumpLine): { text: string; indent: number } {
  const body = (l.derivedLine ? `[derived] ${l.text}` : l.text) + (l.derived !== undefined ? `  [derived: ${l.derived}]` : '');
  if (l.level === 0) return { text: body, indent: 2 };
  if (l.level === 2) return { text: ' '.repeat(VALUE_COL) + body, indent: VALUE_COL + 2 };
  const head = `  ${l.label}:`;
  return { text: (head.length < VALUE_COL ? head.padEnd(VALUE_COL) : `${head} `) + body, indent: VALUE_COL };
}

const SPACE = /\s/;

/**
 * Break a line to the box's inner width, at a space where possible. The rest of the line is read
 * in place, never copied: a 64 KB segment of text without a line end (a hostile control
 * connection) is one line, and copying its rest for every piece took seconds a packet.
 */
export function wrapLine(text: string, indent: number, width = INNER): string[] {
  const out: string[] = [];
  const pad = ' '.repeat(indent);
  // The rest is `prefix` and then text from `start` on.
  let prefix = '';
  let start = 0;
  while (prefix.length + text.length - start > width) {
    // The last space at or before `width` in the rest; one in the prefix is never a cut (≤ indent + 8).
    const room = width - prefix.length;
    const space = text.lastIndexOf(' ', start + room);
    let cut = space >= start ? prefix.length + space - start : -1;
    if (cut <= indent + 8) cut = width;
    const end = start + cut - prefix.length;
    out.push((prefix + text.slice(start, end)).replace(/\s+$/, ''));
    start = end;
    while (start < text.length && SPACE.test(text[start])) start++;
    prefix = pad;
  }
  out.push(prefix + text.slice(start));
  return out;
}

export function renderBox(block: DumpBlock, lines: LineSet): string {
  const side = lines === UNICODE_LINES ? '║' : '|';
  const out = [lines.topLeft + lines.boxTop.repeat(BOX_WIDTH - 2) + lines.topRight];
  for (const l of block.lines) {
    const { text, indent } = formatLine(l);
    for (const piece of wrapLine(text, indent)) out.push(`${side} ${piece.padEnd(INNER)} ${side}`);
  }
  out.push(lines.bottomLeft + lines.boxTop.repeat(BOX_WIDTH - 2) + lines.bottomRight);
  return out.join('\n');
}

/** One packet's box, as printed. */
export function renderDumpFrame(k: KeptFrame, a: Analysis, opts: DumpOptions): string {
  return renderBox(dumpBlock(k, a, opts), opts.unicode ? UNICODE_LINES : ASCII_LINES);
}

export const NO_FRAMES = 'No frames selected.';

/** The boxes of every kept frame of a trace (the CLI prints them one by one as it reads instead). */
export function renderDump(a: Analysis, trace: PacketTrace, opts: DumpOptions): string {
  if (trace.kept.length === 0) return NO_FRAMES;
  return trace.kept.map((k) => renderDumpFrame(k, a, opts)).join('\n');
}
