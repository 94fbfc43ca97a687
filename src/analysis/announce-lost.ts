/**
 * A transfer command whose announcement the capture lost: no PORT/PASV (or its reply) in the capture
 * since the session's previous transfer command, control bytes lost in that stretch
 * (Transfer.controlGapBefore), and a connection between the session's hosts that no transfer took,
 * open while the command ran. That connection is, most likely, its data connection, which the
 * analysis could not link without the announced endpoint: what it carried, and how it ended, say
 * whether the transfer completed, and the server's replies alone do not (a 226 to data the client
 * cut short, a 426 to a client that reset once it held the file). Neither complete nor failed:
 * not known. Decided with the statuses (verdict.ts); the verdict words it, the diagnosis is silent.
 */
import type { DataConnection, OtherConnection, Session, Transfer } from './model.js';
import type { AnnounceLost } from './verdict-types.js';
import { announcesPassive } from '../ftp/commands.js';
import { sessionOrder } from './session-order.js';

const hostPair = (a: string, b: string): string => (a < b ? `${a}|${b}` : `${b}|${a}`);

/** A connection between the hosts that no transfer command took: its stream, SYN, times and whether it carried or opened anything. */
interface Unclaimed {
  stream: number;
  syn: number | null;
  start: number;
  end: number;
  used: boolean;
  serverPort: number;
}

/**
 * The connections no transfer command took, between each pair of hosts: those beside the sessions
 * (other-connections.ts gives each to one session between them), and those a transfer holds with
 * neither an announcement nor a command (a data connection the analysis kept apart, its announcement lost).
 */
export function othersByHosts(sessions: readonly Session[]): Map<string, Unclaimed[]> {
  const map = new Map<string, Unclaimed[]>();
  const add = (a: string, b: string, u: Unclaimed): void => {
    const k = hostPair(a, b);
    const list = map.get(k);
    if (list === undefined) map.set(k, [u]);
    else list.push(u);
  };
  for (const s of sessions) {
    for (const o of s.otherConnections) {
      add(o.from.ip, o.to.ip, { stream: o.stream, syn: o.synFrame, start: o.start, end: o.end, used: o.synFrame !== null || o.bytesFrom + o.bytesTo > 0, serverPort: portAt(o, s) });
    }
    for (const t of s.transfers) {
      const c = t.connection;
      if (c === null || t.request !== null || t.announce !== null || t.inferred !== undefined) continue;
      add(c.client.ip, c.server.ip, { stream: c.stream, syn: c.synFrame, start: c.start, end: c.end, used: c.synFrame !== null || c.bytesToClient + c.bytesToServer > 0, serverPort: -1 });
    }
  }
  return map;
}

/** The port of a connection beside the session at the FTP server's address (-1: neither end there). */
function portAt(o: OtherConnection, s: Session): number {
  return o.to.ip === s.server.ip ? o.to.port : o.from.ip === s.server.ip ? o.from.port : -1;
}

/**
 * The lost announcement's evidence for `t`, or null: a transfer command of the capture with no
 * announcement (or one a later announcement the capture lost superseded) and no data connection (or
 * one, to the superseded announcement's endpoint, that never opened),
 * control bytes lost before it, whose server's last word is
 * not about the file (no reply yet, a 1xx or 2xx, or 426), beside an unlinked connection between
 * the hosts (not to the session's server port) that carried bytes or was opened, from before its
 * reply to after its command.
 */
export function announceLost(t: Transfer, s: Session, others: Map<string, Unclaimed[]>): AnnounceLost | null {
  // A data connection that never opened cannot have carried what the server's 1xx and 2xx say moved: not this command's.
  const c = t.connection;
  // Nor one that carried nothing and was reset before the command went, or has no end in the capture.
  const opened = c !== null && (c.established || c.midstream || c.synAckFrames.length > 0);
  if (t.request === null || t.inferred !== undefined || (opened && !carriedNothing(c, t.request.frame)) || s.oneWay !== undefined) return null;
  // Paired with an earlier announcement, while a later one is in bytes the capture lost: the command used that one.
  const gap = t.announce === null ? (t.controlGapBefore ?? null) : newerAnnouncementLost(t, s);
  if (gap === null) return null;
  const code = t.reply?.code;
  if (code !== undefined && code >= 300 && code !== 426) return null;
  const list = others.get(hostPair(s.client.ip, s.server.ip));
  if (list === undefined) return null;
  const until = t.reply?.time ?? Infinity;
  for (const o of list) {
    if (o.serverPort === s.server.port || o.end < t.request.time || o.start > until || !o.used) continue;
    return { gap, stream: o.stream, syn: o.syn };
  }
  return null;
}

/** A server's acceptance of an active command (vsftpd's "200 EPRT command successful", pyftpdlib's "200 Active data connection established"). */
const ACTIVE_ACCEPTED = /\b(?:PORT|EPRT|LPRT|active)\b/i;

/**
 * A newer announcement the capture lost, after the transfer's announcement and before its command,
 * which the command used: one in control bytes lost after the announcement's connection failed;
 * a passive command (PASV, EPSV) whose reply is in server bytes the capture
 * lost (Command.noReply capture-gap, seen once the bytes after the gap came), or an active command in
 * client bytes the capture lost, known by its 200 arriving with no command waiting (a87-pasv-router-
 * rst-fallback: tnftp's EPRT after its EPSV's connection was refused). The gap's frame, or null.
 */
function newerAnnouncementLost(t: Transfer, s: Session): number | null {
  const a = t.announce!;
  if (a.command === '') return null;
  // Its data connection tried before the command went and never opened (reset, or its SYNs
  // unanswered), control bytes lost in between: a client sends no transfer command over a connection
  // that failed, it announces again, and that is in them (fallback-epsv-pasv without the PASV and its
  // 227: curl's EPSV port reset, then PASV; a37-range-drop without a PASV after SYNs a firewall dropped).
  const c = t.connection;
  // So too one that opened and carried nothing (a35-params without APPE's refusal, the reset of its
  // data connection and the next PASV: the STOU took the idle endpoint, its data went to the next).
  const failedFirst =
    c !== null && !c.midstream && ((!c.established && c.synAckFrames.length === 0 && (c.synFrame ?? Infinity) < t.request!.frame) || carriedNothing(c, t.request!.frame));
  // Or none in the capture at all, where the client's SYNs never reached it (a37-interleaved-drop at the
  // server, its firewall dropping them upstream, without a later PASV and its 227): announceLost then
  // asks for the connection the command did use, unlinked beside the session.
  const neverSeen = c === null;
  if ((failedFirst || neverSeen) && t.controlGapBefore !== undefined && t.controlGapBefore > a.frame) return t.controlGapBefore;
  for (const c of sessionOrder(s).commandsBetween(a.frame, t.request!.frame)) {
    if (c.command !== null && announcesPassive(a.command) && announcesPassive(c.command) && c.reply === null && c.noReply?.why === 'capture-gap') return c.noReply.gap;
    if (c.command === null && t.controlGapBefore !== undefined && c.reply?.code === 200 && ACTIVE_ACCEPTED.test(c.reply.text)) return t.controlGapBefore;
  }
  return null;
}

/**
 * A transfer whose announcement the capture lost (announceLost), that its server answered with a
 * 2xx: whether its data came whole is not known, but the server took and served the command — which
 * is what a refusal's fallback, or a malformed announcement's recovery, asks of the next transfer.
 */
export const servedDespiteLostAnnouncement = (o: Transfer): boolean => o.announceLost !== undefined && o.reply !== null && o.reply.code >= 200 && o.reply.code < 300;

/**
 * A data connection that carried nothing and was reset before the transfer command went, or opened
 * and has no end in the capture: it cannot have carried what the command's replies say moved.
 */
function carriedNothing(c: DataConnection, requestFrame: number): boolean {
  if (c.midstream || c.bytesToClient + c.bytesToServer > 0) return false;
  if (c.rst !== null) return c.rst.frame < requestFrame;
  return c.established && c.close === null && !c.handshake.some((e) => e.type === 'fin');
}
