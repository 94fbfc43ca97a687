/**
 * Transfers the commands do not show but a connection does: data connections of a session whose
 * control channel TLS hid, and a transfer already running when the capture began. Each becomes a
 * Transfer marked `inferred`, with the connection's real bytes, so that it is counted and worded
 * like the others — as what it is: a guess from timing, hosts and ports.
 */
import { announcesPassive } from '../ftp/commands.js';
import type { ConnectionEvent, TcpConnection } from '../tcp/types.js';
import type { DataLink } from './data-linker.js';
import { recordHandshakeEvent } from './handshake-events.js';
import type { HandshakeEvent, Session, Transfer } from './model.js';
import { newTransfer } from './session-builder.js';
import { describeConnection } from './transfer-outcome.js';

/**
 * Where the session's commands became unreadable to the end: TLS that no CCC ended, or RFC 2228
 * protection (GSSAPI's ENC/MIC-wrapped commands); null when they are readable.
 */
export function hiddenFrom(s: Session): number | null {
  // TLS decrypted with the key logs hides nothing: its commands were read.
  if (s.tls && s.tlsEndFrame === undefined && s.tlsFrame !== null && s.tlsDetails?.decryption !== 'decrypted') return s.tlsFrame;
  return s.protection?.frame ?? null;
}

/** A connection inside the session's lifetime, between its hosts, on unprivileged ports: probably data. */
export function plausibleHiddenData(s: Session, c: { start: number; from: { ip: string; port: number }; to: { ip: string; port: number } }): boolean {
  if (hiddenFrom(s) === null || c.start < s.start || c.start > s.end + 1) return false;
  const passive = c.from.ip === s.client.ip && c.to.ip === s.server.ip && c.to.port >= 1024;
  const active = c.from.ip === s.server.ip && c.to.ip === s.client.ip && c.to.port >= 1024;
  return passive || active;
}

/**
 * The session's commands are hidden to the end (TLS, GSSAPI): its other connections are probable
 * transfers, with the SYN, FIN and RST packets `eventsOf` kept for them.
 */
export function inferHiddenTransfers(s: Session, conns: TcpConnection[], eventsOf: (c: TcpConnection) => ConnectionEvent[]): void {
  if (hiddenFrom(s) === null) return;
  for (const c of conns) {
    if (!plausibleHiddenData(s, { start: c.start, from: c.client, to: c.server })) continue;
    add(s, c, c.client.ip === s.client.ip ? 'passive' : 'active', 'tls-hidden', eventsOf(c));
  }
}

/**
 * A connection between the session's hosts that was already carrying data when the capture began:
 * the transfer whose command came before the capture. A reply nothing asked for after it began
 * (the 226 that ends it) is its reply.
 */
export function inferMidstreamTransfer(s: Session, c: TcpConnection): void {
  if (!c.midstream || c.bytes.c2s + c.bytes.s2c === 0) return;
  if (s.transfers.some((t) => t.connection?.stream === c.id)) return;
  // Which end is the FTP server's: active-mode data comes from port 20 or goes to the client's port.
  const serverEnd = c.client.ip === s.server.ip ? c.client : c.server;
  const t = add(s, c, serverEnd.port === 20 ? 'active' : 'passive', 'midstream');
  const fromServer = serverEnd === c.client ? c.bytes.c2s : c.bytes.s2c;
  const fromClient = serverEnd === c.client ? c.bytes.s2c : c.bytes.c2s;
  t.direction = fromServer >= fromClient ? 'download' : 'upload';
  const ending = s.commands.find((x) => x.command === null && x.reply !== null && x.reply.time >= c.start && x.reply.code >= 200);
  if (ending) t.reply = ending.reply;
}

function add(s: Session, c: TcpConnection, mode: 'active' | 'passive', why: 'tls-hidden' | 'midstream', events: ConnectionEvent[] = []): Transfer {
  const id = s.transfers.reduce((n, x) => Math.max(n, x.id), 0) + 1;
  const t = newTransfer(s, id, mode, null);
  t.inferred = why;
  // describeConnection takes the TCP initiator to be the FTP client in passive mode, the server in active.
  const initiatorIsFtpClient = c.client.ip === s.client.ip;
  const link: DataLink = { transfer: t, session: s, match: 'exact', swapped: initiatorIsFtpClient !== (mode === 'passive') };
  const handshake: HandshakeEvent[] = [];
  for (const e of events) recordHandshakeEvent(handshake, e, (e.dir === 'c2s') === initiatorIsFtpClient);
  t.connection = describeConnection(c, link, handshake, null, null);
  s.transfers.push(t);
  return t;
}

/**
 * A capture of the client's direction only holds no 227/229: the passive endpoints are unknown. The
 * client's connection to the server's high port after each unanswered PASV/EPSV/LPSV (before the
 * next) is that announcement's data connection, as far as hosts and timing tell (match: hosts). A
 * PASV the client sent and connected for but never followed with a request (curl connects first,
 * and gives up when the connection does not open) becomes a transfer with no request. Returns the
 * connections so linked.
 */
export function linkOneWayData(s: Session, conns: TcpConnection[], eventsOf: (c: TcpConnection) => ConnectionEvent[]): Set<TcpConnection> {
  const used = new Set<TcpConnection>();
  if (s.oneWay !== 'client') return used;
  const asked = s.commands.filter((c) => c.command !== null && announcesPassive(c.command) && c.reply === null);
  const candidates = conns
    .filter((c) => !c.midstream && c.client.ip === s.client.ip && c.server.ip === s.server.ip && c.server.port >= 1024 && c.server.port !== s.server.port)
    .sort((x, y) => x.start - y.start);
  // One pass over both, in time order (the announcements' windows do not overlap): linear in a
  // session of many announcements and connections.
  const byFrame = new Map<number, Transfer>();
  for (const x of s.transfers) if (x.unansweredAnnounce !== undefined && x.connection === null) byFrame.set(x.unansweredAnnounce.frame, x);
  let nextId = s.transfers.reduce((n, x) => Math.max(n, x.id), 0) + 1;
  let k = 0;
  asked.forEach((cmd, i) => {
    const until = asked[i + 1]?.time ?? Infinity;
    while (k < candidates.length && candidates[k].start < cmd.time) k++;
    if (k >= candidates.length || candidates[k].start >= until) return;
    const c = candidates[k++];
    let t = byFrame.get(cmd.frame);
    if (t === undefined) {
      // Only a connection the client opened says the announcement was used.
      t = newTransfer(s, nextId++, 'passive', null);
      t.unansweredAnnounce = { command: cmd.command ?? '', frame: cmd.frame };
      s.transfers.push(t);
    }
    const handshake: HandshakeEvent[] = [];
    for (const e of eventsOf(c)) recordHandshakeEvent(handshake, e, e.dir === 'c2s');
    t.connection = describeConnection(c, { transfer: t, session: s, match: 'hosts', swapped: false }, handshake, null, null);
    used.add(c);
  });
  return used;
}
