/**
 * Transfers the commands do not show but a connection does: data connections of a session whose
 * control channel TLS hid, a transfer already running when the capture began, and one whose command
 * the capture lost (its replies and data connection are in it). Each becomes a
 * Transfer marked `inferred`, with the connection's real bytes, so that it is counted and worded
 * like the others — as what it is: a guess from timing, hosts and ports.
 */
import { announcesActive, announcesPassive, passiveCommandOfReply, transferKind } from '../ftp/commands.js';
import type { ConnectionEvent, TcpConnection } from '../tcp/types.js';
import type { DataTiming } from './data-connections.js';
import type { DataLink } from './data-linker.js';
import { recordHandshakeEvent } from './handshake-events.js';
import type { Announcement, Command, Endpoint, HandshakeEvent, Reply, Session, Transfer } from './model.js';
import { sizeFrom150 } from './paths.js';
import { sessionOrder } from './session-order.js';
import { firstAbove } from './sorted.js';
import { newTransfer, passiveReplyTuple, splitRefusal } from './session-builder.js';
import { acknowledgedUnseen, describeConnection } from './transfer-outcome.js';

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
 * (the 226 that ends it) is its reply; not a 421 that came once its last packet had passed, which a
 * server sends unasked as it closes an idle session (pyftpdlib's idle timeout seconds after the data's FIN).
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
  const ending = s.commands.find((x) => x.command === null && x.reply !== null && x.reply.time >= c.start && x.reply.code >= 200 && (x.reply.code !== 421 || x.reply.time <= c.end));
  if (ending) t.reply = ending.reply;
}

/**
 * A session the capture began during: its first transfer command may rely on an announcement (PASV
 * and its 227, PORT) that came before the capture, and its data connection's handshake too. Such a
 * command in the capture — before any announcement in it, with no data connection of its own —
 * takes the connection between the session's hosts (not the control connection) that the capture
 * saw mid-stream, or whose handshake it holds (a SYN-ACK, or a SYN after the announcement), that was
 * open while it ran (from before its command to its final reply): by hosts and timing, as a one-way
 * capture's are. Its mode is the connection's: passive when the FTP client opened it (or, seen
 * mid-stream, not sent from port 20). One with its handshake comes with its data's timing (`timing`:
 * other-connections.ts timesData), which the checks of an opened connection read; without it, it is
 * not taken. A command the server refused outright (refusedOutright) used no data connection: the
 * next one takes it (ftpcopy's MLSD answered 500, then LIST over the same PASV); one refused just
 * before the command, the command's (refusedBefore). `sessions`: those
 * the connection may be of (between its hosts); of several that could take it, one (see below).
 * True when `c` was so linked.
 */
export function linkUnannounced(sessions: readonly Session[], c: TcpConnection, events: ConnectionEvent[], timing?: DataTiming): boolean {
  // Each session's candidate; of several (a client's parallel sessions, each with a command waiting),
  // the one whose final reply came nearest the connection's last data (else its last packet): a server
  // replies as it ends the data of the transfer it served (the first such session on a tie, or when none replied).
  const end = timing?.lastData?.time ?? c.end;
  let best: { s: Session; t: Transfer; distance: number } | null = null;
  for (const s of sessions) {
    const t = unannouncedCandidate(s, c, timing);
    if (t === null) continue;
    const distance = t.reply === null ? Infinity : Math.abs(t.reply.time - end);
    if (best === null || distance < best.distance) best = { s, t, distance };
  }
  if (best === null) return false;
  const { s, t } = best;
  const serverEnd = unannouncedServerEnd(s, c, t)!;
  t.mode = c.midstream ? (serverEnd.port === 20 ? 'active' : 'passive') : c.client === serverEnd ? 'active' : 'passive';
  t.announcedBeforeCapture = true;
  delete t.announceMaybeBeforeCapture;
  const initiatorIsFtpClient = c.client !== serverEnd;
  const handshake: HandshakeEvent[] = [];
  for (const e of events) recordHandshakeEvent(handshake, e, (e.dir === 'c2s') === initiatorIsFtpClient);
  const link = { transfer: t, session: s, match: 'hosts' as const, swapped: initiatorIsFtpClient !== (t.mode === 'passive') };
  t.connection = describeConnection(c, link, handshake, timing?.lastData ?? null, timing?.longestSilence ?? null);
  return true;
}

/** The transfer of `s` that may take `c` (linkUnannounced), or null. */
function unannouncedCandidate(s: Session, c: TcpConnection, timing: DataTiming | undefined): Transfer | null {
  if (!s.midstream || s.oneWay !== undefined || !(c.midstream || timing !== undefined)) return null;
  const firstAnnouncement = s.commands.find((x) => x.command !== null && (announcesPassive(x.command) || announcesActive(x.command)))?.frame ?? Infinity;
  const t = s.transfers.find(
    (x) =>
      x.request !== null &&
      x.request.frame < firstAnnouncement &&
      x.announce === null &&
      x.connection === null &&
      x.unansweredAnnounce === undefined &&
      x.inferred === undefined &&
      !refusedOutright(x) &&
      (c.end >= x.request.time || refusedBefore(s, c, x)) &&
      // Seen mid-stream, it was open before the capture, so before the reply (Twisted's 226 precedes its data).
      (c.midstream || c.start <= (x.reply?.time ?? Infinity)),
  );
  return t !== undefined && unannouncedServerEnd(s, c, t) !== null ? t : null;
}

/** The FTP server's end of `c` as transfer `t`'s data connection: between the session's hosts, or to another address. */
const unannouncedServerEnd = (s: Session, c: TcpConnection, t: Transfer): Endpoint | null =>
  ftpServerEnd(s, c, t) ?? activeEndElsewhere(s, c) ?? endElsewhere(s, c, t);

/**
 * The connection was refused (a reset, never established) before the transfer command, which was the
 * session's next after it: a client that connects first and asks after (ncftp, curl) still sends its
 * command once its connection was refused.
 */
function refusedBefore(s: Session, c: TcpConnection, x: Transfer): boolean {
  if (c.established || c.rst === undefined) return false;
  return !s.transfers.some((o) => o !== x && o.request !== null && o.request.time >= c.start && o.request.time < x.request!.time);
}

/**
 * A transfer command the server refused with no 1xx before it, and not about a data connection (a 5xx:
 * unknown command, no such file; a 450, the file busy): the server never opened or read its data
 * connection. A 425/426/421 may be about the very connection the capture holds.
 */
const refusedOutright = (t: Transfer): boolean => t.preliminary === null && t.reply !== null && (t.reply.code >= 500 || t.reply.code === 450);

/**
 * A 2xx with nothing waiting for it, read as the end of a transfer whose command (and 1xx) the capture
 * lost, on the data connection `dc` set up before `from`: a 226 (closing the data connection), or a
 * 250 after the server had closed that connection. A 250 alone answers CWD, DELE, RNTO… as well
 * (urllib's CWD after its refused RETR, the data connection still open and empty).
 */
function endsTransfer(r: Reply, dc: NonNullable<Transfer['connection']>, from: number): boolean {
  if (r.code === 226) return true;
  return r.code === 250 && dc.handshake.some((e) => e.type === 'fin' && e.by === 'server' && e.frame > from && e.frame < r.frame);
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
 * The capture lost the client's transfer command (a kernel's drops, a SPAN port's): its replies came
 * with nothing waiting for them, after an announcement no command in the capture used, whose data
 * connection is in the capture. The server's own replies say the command was sent: a 1xx opens a
 * data transfer, and a 226/250 with no 1xx before it closes one (its 1xx lost too); a server sends
 * neither unasked. The announcement's transfer becomes the lost command's (inferred: command-lost),
 * with those replies and what its data connection carried: which way the data went, and the size a
 * 150 states. Its command, and the file it named, stay unknown. Only in a session whose client's
 * commands are in the capture (a capture of the server's direction only is buildServerOnlyTransfers').
 */
/**
 * `fxpHalf`: whether a transfer's data connection is an FXP copy's, between two servers: the data on
 * it is moved by the other server's command (one server pushes on its RETR whether or not this one
 * took the transfer up), so it proves no command of this session's.
 */
export function inferLostCommands(s: Session, fxpHalf: (t: Transfer) => boolean = () => false): void {
  if (s.oneWay !== undefined || hiddenFrom(s) !== null || !s.commands.some((c) => c.command !== null)) return;
  // Each announcement's window runs to the client's next announcement or transfer command: the lost
  // command's replies come before the next transfer is set up.
  const starts = s.commands.filter((c) => c.command !== null && (announcesPassive(c.command) || announcesActive(c.command) || transferKind(c.command) !== null)).map((c) => c.frame);
  const reopenedAt = reopenRefusedOutright(s, starts);
  if (!s.transfers.some((t) => t.request === null && t.announce !== null)) return;
  for (const t of s.transfers) {
    const an = t.announce;
    if (t.request !== null || t.inferred !== undefined || an === null || an.refused || t.connection === null) continue;
    // The announcement's own reply (a PORT's 200) is asked; the window begins after it (after the
    // refusal, for an announcement a refused command left standing).
    const from = reopenedAt.get(t) ?? an.reply?.frame ?? an.frame;
    const until = starts.find((f) => f > from) ?? Infinity;
    // An ABOR the client sent meanwhile took the transfer's reply (the 426) as its own, and left its
    // own (226 "ABOR successful") with nothing waiting: replies after it are not the transfer's.
    const abort = s.commands.find((c) => c.command === 'ABOR' && c.frame > from && c.frame < until) ?? null;
    let preliminary: Reply | null = null;
    let final: Reply | null = null;
    for (const c of s.commands) {
      const r = c.reply;
      if (c.command !== null || r === null || r.frame <= from) continue;
      if (r.frame >= until || (abort !== null && r.frame > abort.frame)) break;
      if (r.code >= 100 && r.code < 200) preliminary ??= r;
      // A 500-502 answers a line the server could not take, not a transfer (as in buildServerOnlyTransfers).
      else if (r.code === 226 || r.code === 250 || (r.code >= 400 && (r.code < 500 || r.code > 502))) {
        final = r;
        break;
      }
    }
    // Proof the command was sent: a 1xx, a transfer's 2xx, or data on the data connection (a server
    // sends a file only for a command, a client only after the server's 1xx to one); an error reply
    // alone may answer any command.
    const dc = t.connection;
    const data = dc.bytesToServer + dc.bytesToClient > 0 && !fxpHalf(t);
    if (preliminary === null && !(final !== null && endsTransfer(final, dc, from)) && !data) continue;
    t.inferred = 'command-lost';
    t.preliminary = preliminary;
    t.reply = final;
    // An ABOR after the final reply came when the transfer had ended (lftp's housekeeping): a late one.
    if (abort !== null && final !== null && abort.frame > final.frame) t.lateAbortFrame = abort.frame;
    else if (abort !== null) t.abortFrame = abort.frame;
    t.direction = dc.bytesToServer > dc.bytesToClient ? 'upload' : dc.bytesToClient > 0 ? 'download' : null;
    const size = preliminary === null ? null : sizeFrom150(preliminary.text);
    if (size !== null) t.expectedSize = size;
  }
}

/**
 * A transfer command refused outright (refusedOutright: vsftpd's 500 to MLSD) leaves its announcement
 * standing, and the client's next command may use it (ftpcopy's LIST over the same PASV: the session
 * builder's reopen). When the capture lost that next command, the refused one kept the announcement,
 * its data connection and what the connection carried after the refusal. A 1xx, or a 226/250, after
 * the refusal with nothing waiting for it, before the client's next announcement or transfer command,
 * says the server took another command: the refusal gets a transfer of its own, in the same place,
 * without the data connection, and the announcement's — its connection with it — is left for that
 * command (inferLostCommands). Returns each such announcement's transfer with the refusal's frame,
 * where its window begins.
 */
function reopenRefusedOutright(s: Session, starts: readonly number[]): Map<Transfer, number> {
  const reopened = new Map<Transfer, number>();
  // Found first, split after: a split changes the transfers the session's order is built on.
  const order = sessionOrder(s);
  for (const t of s.transfers) {
    if (t.request === null || t.announce === null || t.connection === null || t.inferred !== undefined || !refusedOutright(t)) continue;
    const from = t.reply!.frame;
    const until = starts[firstAbove(starts, from, (f) => f)] ?? Infinity;
    for (const c of order.commandsBetween(from, until)) {
      const r = c.reply;
      if (c.command === null && r !== null && ((r.code >= 100 && r.code < 200) || endsTransfer(r, t.connection, from))) {
        reopened.set(t, from);
        break;
      }
    }
  }
  let nextId = s.transfers.reduce((n, x) => Math.max(n, x.id), 0) + 1;
  for (const t of reopened.keys()) splitRefusal(s, t, nextId++);
  return reopened;
}

/**
 * A capture of the client's direction only holds no 227/229: the passive endpoints are unknown. The
 * client's connection to the server's high port after each unanswered PASV/EPSV/LPSV (before the
 * next) is that announcement's data connection, as far as hosts and timing tell (match: hosts). A
 * PASV the client sent and connected for but never followed with a request (curl connects first,
 * and gives up when the connection does not open) becomes a transfer with no request. Returns the
 * connections so linked. The same in a capture of both directions for an announcement whose reply is
 * in bytes the capture lost (Command.noReply `capture-gap`): its endpoint is not in the capture either.
 */
export function linkOneWayData(
  s: Session,
  conns: TcpConnection[],
  eventsOf: (c: TcpConnection) => ConnectionEvent[],
  timingOf: (c: TcpConnection) => DataTiming | undefined = () => undefined,
): Set<TcpConnection> {
  const used = new Set<TcpConnection>();
  const oneWay = s.oneWay === 'client';
  const asked = s.commands.filter((c) => c.command !== null && announcesPassive(c.command) && c.reply === null && (oneWay || c.noReply?.why === 'capture-gap'));
  if (asked.length === 0) return used;
  const candidates = conns
    .filter((c) => !c.midstream && c.client.ip === s.client.ip && c.server.ip === s.server.ip && c.server.port >= 1024 && c.server.port !== s.server.port)
    .sort((x, y) => x.start - y.start);
  // One pass over both, in time order (the announcements' windows do not overlap): linear in a
  // session of many announcements and connections.
  const byFrame = new Map<number, Transfer>();
  for (const x of s.transfers) if (x.unansweredAnnounce !== undefined && x.connection === null) byFrame.set(x.unansweredAnnounce.frame, x);
  let nextId = s.transfers.reduce((n, x) => Math.max(n, x.id), 0) + 1;
  let k = 0;
  // Both directions captured: until the client's next announcement of any kind (the others were answered).
  const nextAnnouncement = (cmd: Command): number =>
    s.commands.find((x) => x.time > cmd.time && x.command !== null && (announcesPassive(x.command) || announcesActive(x.command)))?.time ?? Infinity;
  asked.forEach((cmd, i) => {
    const until = oneWay ? (asked[i + 1]?.time ?? Infinity) : nextAnnouncement(cmd);
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
    const timing = timingOf(c);
    t.connection = describeConnection(c, { transfer: t, session: s, match: 'hosts', swapped: false }, handshake, timing?.lastData ?? null, timing?.longestSilence ?? null);
    // The server's data is not in the capture: the client's acknowledgements say how much of it came.
    const acknowledged = oneWay ? acknowledgedUnseen(c, t, 'c2s') : null;
    if (acknowledged !== null) t.acknowledged = acknowledged;
    used.add(c);
  });
  return used;
}

/**
 * An announcement whose reply came after bytes of the server's the capture lost: the reassembler held
 * it until the loss was certain (the client's next segment past it), so the data connection the
 * client opened to its endpoint meanwhile was kept beside the session, nothing waiting for it yet
 * (axel's 227 after a lost 213: the SYN came before the 227 was read). The announced endpoint, exact,
 * and a connection opened after the reply was sent make it the announcement's. Only in a session
 * whose control connection lost bytes. Returns the connections so linked.
 */
export function linkLateAnnounced(s: Session, conns: TcpConnection[], eventsOf: (c: TcpConnection) => ConnectionEvent[]): Set<TcpConnection> {
  const used = new Set<TcpConnection>();
  if (s.controlGapBytes === 0 || s.oneWay !== undefined) return used;
  for (const t of s.transfers) {
    const an = t.announce;
    if (t.connection !== null || an === null || an.endpoint === null || an.refused || an.reply === null) continue;
    const e = an.endpoint;
    const c = conns.find((x) => !used.has(x) && !x.midstream && x.server.ip === e.ip && x.server.port === e.port && x.start >= an.time);
    if (c === undefined) continue;
    const handshake: HandshakeEvent[] = [];
    for (const ev of eventsOf(c)) recordHandshakeEvent(handshake, ev, ev.dir === 'c2s');
    t.connection = describeConnection(c, { transfer: t, session: s, match: 'exact', swapped: false }, handshake, null, null);
    used.add(c);
  }
  return used;
}

/**
 * A capture of the server's direction only holds no command: the transfers are told by its replies.
 * A 1xx opens one, its next final reply (226/250, or an error other than 500-502, which answer a
 * later line) ends it; a 425 with no 1xx is one whose data connection could not be opened. The
 * 227/228/229 before it names its passive endpoint (the connection to that port is its data
 * connection); with none it was active, and its data connection is the one the server opened to
 * the client since the previous transfer ended. The command stays unknown (inferred: one-way).
 * Returns the connections so linked.
 */
export function buildServerOnlyTransfers(s: Session, conns: TcpConnection[], eventsOf: (c: TcpConnection) => ConnectionEvent[]): Set<TcpConnection> {
  const used = new Set<TcpConnection>();
  if (s.oneWay !== 'server' || s.transfers.length > 0) return used;
  const candidates = conns.filter((c) => ftpServerEnd(s, c) !== null).sort((x, y) => x.start - y.start);
  let nextId = 1;
  let passive: Announcement | null = null;
  let open: Transfer | null = null;
  // A transfer's data connection opens after the previous transfer ended (its final reply).
  let since = -Infinity;
  const start = (mode: 'active' | 'passive'): Transfer => {
    const t = newTransfer(s, nextId++, passive ? 'passive' : mode, passive);
    t.inferred = 'one-way';
    t.status = 'incomplete';
    passive = null;
    s.transfers.push(t);
    return t;
  };
  const end = (t: Transfer, reply: Reply | null): void => {
    t.reply = reply;
    const until = reply?.time ?? Infinity;
    const an = t.announce?.endpoint ?? null;
    const c = candidates.find((x) => {
      if (used.has(x) || x.start < since || x.start > until) return false;
      const server = ftpServerEnd(s, x)!;
      // Passive: the connection to the announced port. Active: one the server opened (its SYN).
      return an !== null ? server.port === an.port && server.ip === an.ip : t.announce === null && x.client === server && !x.midstream;
    });
    since = reply?.time ?? since;
    if (c === undefined) return;
    used.add(c);
    link(s, t, c, eventsOf(c));
  };
  for (const x of s.commands) {
    const r = x.reply;
    if (x.command !== null || r === null) continue;
    const verb = passiveCommandOfReply(r.code);
    if (verb !== null) {
      const tuple = passiveReplyTuple(verb, r.text);
      // EPSV's 229 names only a port: the host is the control connection's server (RFC 2428).
      const endpoint: Endpoint | null = tuple.ok && tuple.port !== null ? { ip: tuple.ip ?? s.server.ip, port: tuple.port } : null;
      passive = { frame: r.frame, time: r.time, command: verb, endpoint, tuple, reply: r };
    } else if (r.code >= 100 && r.code < 200) {
      if (open !== null) continue;
      open = start('active');
      open.preliminary = r;
      open.expectedSize = sizeFrom150(r.text);
    } else if (open !== null && (r.code === 226 || r.code === 250 || (r.code >= 400 && (r.code < 500 || r.code > 502)))) {
      end(open, r);
      open = null;
    } else if (open === null && r.code === 425) {
      end(start('active'), r);
    }
  }
  if (open !== null) end(open, null);
  return used;
}

/**
 * The FTP server's end of an active data connection to another address than its session's client, a
 * PORT having named another host (the client's second address, a third host, an FXP copy's other
 * server): a connection the server's address opened (its SYN in the capture) to that host's high
 * port, or, seen mid-stream, one from the server's port 20 (ftp-data); null otherwise. Only a session
 * the capture began during reads one (its PORT before the capture): other-connections.ts routes it there.
 */
export function activeEndElsewhere(s: Session, c: { client: Endpoint; server: Endpoint; midstream: boolean }): Endpoint | null {
  const end = !c.midstream ? c.client : c.client.port === 20 ? c.client : c.server.port === 20 ? c.server : null;
  if (end === null || end.ip !== s.server.ip) return null;
  const other = end === c.client ? c.server : c.client;
  return other.ip !== s.client.ip && other.ip !== s.server.ip && other.port >= 1024 ? end : null;
}

/**
 * The FTP server's end of a data connection between the session's client and another address than
 * its control connection's, or null: passive, the 227 before the capture having named it (a
 * multihomed server's second address, a NAT's inside one); active, the server sending from another
 * of its addresses (a NAT's hairpin without source rewriting). Between the client's unprivileged port
 * and, elsewhere (neither of the session's addresses), an unprivileged port or port 20; and, a
 * client's other traffic being any other connection of its, one that carried data only one way, the
 * way transfer `t`'s command moves it (RETR, LIST: from the server; STOR: to it).
 */
export function endElsewhere(s: Session, c: TcpConnection, t: Transfer): Endpoint | null {
  if (t.direction === null) return null;
  const own = c.client.ip === s.client.ip ? c.client : c.server.ip === s.client.ip ? c.server : null;
  if (own === null || own.port < 1024) return null;
  const end = own === c.client ? c.server : c.client;
  if (end.ip === s.client.ip || end.ip === s.server.ip || (end.port < 1024 && end.port !== 20)) return null;
  const fromEnd = end === c.server ? c.bytes.s2c : c.bytes.c2s;
  const fromOwn = end === c.server ? c.bytes.c2s : c.bytes.s2c;
  const upload = t.direction === 'upload';
  return (upload ? fromOwn > 0 && fromEnd === 0 : fromEnd > 0 && fromOwn === 0) ? end : null;
}

/**
 * The FTP server's end of a connection between the session's two hosts (not the control connection),
 * or null. `t`: the transfer the connection may be of, when one is (see sameHostServerEnd).
 */
function ftpServerEnd(s: Session, c: TcpConnection, t?: Transfer): Endpoint | null {
  if (s.client.ip === s.server.ip) return sameHostServerEnd(s, c, t);
  const ends = [c.client, c.server];
  const server = ends.find((e) => e.ip === s.server.ip);
  const client = ends.find((e) => e.ip === s.client.ip);
  if (server === undefined || client === undefined || server === client) return null;
  if (server.port === s.server.port && client.port === s.client.port) return null;
  return server;
}

/**
 * ftpServerEnd when client and server have one address (a capture on loopback, a host that is its own
 * FTP server), which cannot tell the ends apart: the end at port 20 (active mode's ftp-data, RFC 959),
 * or, for transfer `t`, by who sent the data its command asks for (RETR, LIST: the server; STOR: the
 * client). Null when neither tells.
 */
function sameHostServerEnd(s: Session, c: TcpConnection, t: Transfer | undefined): Endpoint | null {
  if (c.client.ip !== s.server.ip || c.server.ip !== s.server.ip) return null;
  const ports = [c.client.port, c.server.port];
  if (ports.includes(s.client.port) && ports.includes(s.server.port)) return null; // the control connection
  if ((c.client.port === 20) !== (c.server.port === 20)) return c.client.port === 20 ? c.client : c.server;
  const { c2s, s2c } = c.bytes;
  if (t === undefined || t.direction === null || c2s === s2c) return null;
  const sender = c2s > s2c ? c.client : c.server;
  return (t.direction === 'upload') === (sender === c.client) ? c.server : c.client;
}

/** The transfer's data connection, in the FTP client's and server's terms; its direction is who sent data. */
function link(s: Session, t: Transfer, c: TcpConnection, events: ConnectionEvent[]): void {
  const initiatorIsFtpClient = c.client.ip === s.client.ip;
  const handshake: HandshakeEvent[] = [];
  for (const e of events) recordHandshakeEvent(handshake, e, (e.dir === 'c2s') === initiatorIsFtpClient);
  const swapped = initiatorIsFtpClient !== (t.mode === 'passive');
  t.connection = describeConnection(c, { transfer: t, session: s, match: t.announce ? 'exact' : 'hosts', swapped }, handshake, null, null);
  // The server's data is in the capture; the client's is not, only the server's acknowledgements of it.
  const fromServer = initiatorIsFtpClient ? c.bytes.s2c : c.bytes.c2s;
  const ackedFromClient = initiatorIsFtpClient ? c.ackedTo.c2s : c.ackedTo.s2c;
  t.direction = fromServer > 0 ? 'download' : ackedFromClient > 0 ? 'upload' : null;
  if (t.direction === 'upload') {
    const acknowledged = acknowledgedUnseen(c, t, initiatorIsFtpClient ? 'c2s' : 's2c');
    if (acknowledged !== null) t.acknowledged = acknowledged;
  }
}
