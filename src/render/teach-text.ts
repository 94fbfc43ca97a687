/**
 * Small phrases shared by the teaching renderers (dump, timeline, explain): service names for
 * well-known ports, ICMP error names, the decoded tuple with its arithmetic, line-drawing sets.
 */
import type { AddressTuple, Command, Endpoint, Session, Transfer } from '../analysis/model.js';
import type { LadderCut } from '../analysis/ladder.js';
import { endpoint } from './format.js';
import { noCommandWords } from '../analysis/diagnose/facts.js';
import { escapeText } from './escape.js';
import { commandHeadline, commandLine } from '../ftp/commands.js';

/** IANA service names of the ports a reader of FTP captures meets. */
const SERVICES: Readonly<Record<number, string>> = {
  20: 'ftp-data',
  21: 'ftp',
  22: 'ssh',
  23: 'telnet',
  53: 'domain',
  80: 'http',
  443: 'https',
  989: 'ftps-data',
  990: 'ftps',
};

export function serviceName(port: number): string | undefined {
  return SERVICES[port];
}

/** "21 ftp", "58324". */
export function portWithName(port: number): string {
  const n = SERVICES[port];
  return n === undefined ? String(port) : `${port} ${n}`;
}

const ICMP4_UNREACH: Readonly<Record<number, string>> = {
  0: 'network unreachable',
  1: 'host unreachable',
  2: 'protocol unreachable',
  3: 'port unreachable',
  4: 'fragmentation needed',
  9: 'network administratively prohibited',
  10: 'host administratively prohibited',
  13: 'communication administratively prohibited',
};
const ICMP6_UNREACH: Readonly<Record<number, string>> = {
  0: 'no route to destination',
  1: 'communication administratively prohibited',
  3: 'address unreachable',
  4: 'port unreachable',
  5: 'source address failed policy',
  6: 'reject route to destination',
};

/** "port unreachable", "time exceeded", … for an ICMP / ICMPv6 error. */
export function icmpName(family: 4 | 6, type: number, code: number): string {
  if (family === 4) {
    if (type === 3) return ICMP4_UNREACH[code] ?? `destination unreachable (code ${code})`;
    if (type === 11) return 'time exceeded';
    return `type ${type} code ${code}`;
  }
  if (type === 1) return ICMP6_UNREACH[code] ?? `destination unreachable (code ${code})`;
  if (type === 2) return 'packet too big';
  if (type === 3) return 'time exceeded';
  return `type ${type} code ${code}`;
}

/** The endpoint a tuple names; EPSV's has no address: it is the control connection's server. */
export function tupleEndpoint(t: AddressTuple, s: Session): Endpoint | null {
  if (!t.ok || t.port === null) return null;
  return { ip: t.ip ?? s.server.ip, port: t.port };
}

/** "192.0.2.10:42417 (port 165×256+177)" or "[2001:db8:2::20]:50084 (port given directly)". */
export function tupleText(t: AddressTuple, s: Session): string {
  if (!t.ok) return `malformed: ${escapeText(t.reason ?? 'unreadable')}`;
  const ep = tupleEndpoint(t, s);
  if (ep === null) return 'no endpoint';
  const how = t.arithmetic.includes('×') ? `port ${t.arithmetic} = ${t.port}` : 'port written in decimal';
  const addr = t.ip === null ? "; no address: the control connection's server address" : '';
  return `${endpoint(ep)} (${how}${addr})`;
}

/** A command line as sent ("RETR hello.txt"), escaped. */
export function commandText(c: Command): string {
  return escapeText(commandLine(c));
}

/** What a transfer was for: "RETR hello.txt", or a phrase when no command used it. */
export function transferPurpose(t: Transfer): string {
  if (t.request === null) return noCommandWords(t);
  return escapeText(commandHeadline(t.request));
}

export interface LineSet {
  vertical: string;
  horizontal: string;
  right: string;
  left: string;
  /** Box corners and sides for the dump. */
  topLeft: string;
  topRight: string;
  bottomLeft: string;
  bottomRight: string;
  boxTop: string;
  ellipsis: string;
}

export const ASCII_LINES: LineSet = {
  vertical: '|',
  horizontal: '-',
  right: '>',
  left: '<',
  topLeft: '/',
  topRight: '\\',
  bottomLeft: '\\',
  bottomRight: '/',
  boxTop: '=',
  ellipsis: '...',
};

export const UNICODE_LINES: LineSet = {
  vertical: '│',
  horizontal: '─',
  right: '▶',
  left: '◀',
  topLeft: '╔',
  topRight: '╗',
  bottomLeft: '╚',
  bottomRight: '╝',
  boxTop: '═',
  ellipsis: '…',
};

/** Shorten to `max` characters with the line set's ellipsis. */
export function fit(text: string, max: number, lines: LineSet): string {
  if (text.length <= max) return text;
  if (max <= lines.ellipsis.length) return text.slice(0, Math.max(0, max));
  return text.slice(0, max - lines.ellipsis.length) + lines.ellipsis;
}

/** What a ladder cut at the trace's memory bound leaves out (SessionLadder.cut), said once for every output. */
export function cutSentence(cut: LadderCut): string {
  const lines = cut.lines === 0 ? '' : `, nor its ${cut.lines} command and reply line(s) from then on`;
  const told = cut.lines === 0 ? 'the commands and replies are all shown' : '`ftpcap commands` lists them';
  return (
    `From frame ${cut.frame} on, ${cut.packets} more packet(s) of this session are not drawn${lines}: the second reading of the capture ` +
    `keeps a bounded number of packets (the memory ceiling, --max-memory); ${told}.`
  );
}
