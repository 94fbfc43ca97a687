/**
 * An announcement of the data connection's address that cannot be used because it is malformed (a
 * 227/229 or PORT/EPRT that an FTP helper mangled, or a broken server or client wrote), and whether
 * the client got past it. Read by the verdict (such a transfer failed unless the client recovered)
 * and by the diagnosis that explains it, so both decide it the same way.
 */
import { sessionStepAtEnd } from './in-flight.js';
import { servedDespiteLostAnnouncement } from './announce-lost.js';
import type { Session, Transfer } from './model.js';

/** The announcement carried a tuple that could not be read: answered, not refused, not cut by the capture. */
export function malformedAnnouncement(t: Transfer): boolean {
  const a = t.announce;
  return a !== null && !a.tuple.ok && a.endpoint === null && a.refused === undefined && a.cut === undefined && a.reply !== null;
}

/**
 * A passive announcement the server accepted (2xx) whose address cannot be read as the RFCs say: a
 * client may still read it its own way (lftp takes each of a 227's numbers as a byte, so a p1 of 451
 * is 195) and connect. The data connection between the two hosts that follows is then its: the
 * linker waits for it as for an announcement the capture cut.
 */
export function readableByHosts(t: Transfer): boolean {
  const a = t.announce;
  return t.mode === 'passive' && malformedAnnouncement(t) && a!.reply!.code >= 200 && a!.reply!.code < 300;
}

/**
 * The session's next transfer after the malformed announcement (its command in the capture, or lost
 * with its replies and data connection in it: command-lost): when it completed, or its data
 * connection moved data (its final reply lost, or not yet come), the client recovered (another
 * passive command, active mode, a retry) and nothing failed.
 */
export function recoveredBy(s: Session, t: Transfer): Transfer | null {
  const from = t.announce?.reply?.frame ?? t.announce?.frame ?? 0;
  const next = s.transfers.find((o) => o !== t && o.request !== null && o.request.frame > from);
  if (next !== undefined && recovered(next)) return next;
  // Or one between them whose command the capture lost, its data connection in it (command-lost).
  const until = next?.request?.frame ?? Infinity;
  return s.transfers.find((o) => o !== t && o.inferred === 'command-lost' && (o.announce?.frame ?? -1) > from && o.announce!.frame < until && recovered(o)) ?? null;
}

/** Completed, served over an announcement the capture lost, or its data connection moved data (its final reply lost, or not yet come). */
function recovered(o: Transfer): boolean {
  const movedData = o.connection?.established === true && o.connection.bytesToClient + o.connection.bytesToServer > 0;
  return o.status === 'complete' || servedDespiteLostAnnouncement(o) || movedData;
}

/**
 * A passive announcement the server accepted (2xx) naming 0.0.0.0, an address of no host (RFC 1122:
 * a source address only; vsftpd writes it in a 227 on an IPv6 control connection), that no transfer
 * used and no data connection answered, where the client got past it (its next transfer command
 * completed) or the capture ended while its session was still going (whether it would is not in
 * it, in-flight.ts): as with a malformed one there was nothing to connect to, and nothing failed.
 * Not an address of another host (a NAT's private address), whose departure stays a finding
 * whatever the client did next. Statuses of the session's transfers must be settled first.
 */
export function unhostedAnnouncementNotFailed(t: Transfer, s: Session, captureEnd: number | null): boolean {
  const a = t.announce;
  if (t.mode !== 'passive' || t.request !== null || t.connection !== null || a === null || a.endpoint?.ip !== '0.0.0.0') return false;
  if (a.reply === null || a.reply.code < 200 || a.reply.code >= 300) return false;
  return recoveredBy(s, t) !== null || sessionStepAtEnd(s, captureEnd) !== null;
}

/** What the client did after the announcement's reply: its next command, or the end of the session. */
export function nextAfter(s: Session, after: number): { frame: number; command: string | null; by: 'client' | 'server'; how: 'command' | 'fin' | 'rst' } | null {
  const next = s.commands.find((c) => c.frame > after && c.command !== null && /^[A-Z]{3,4}$/.test(c.command));
  const end = s.closedBy;
  if (end !== null && end.frame > after && (next === undefined || end.frame < next.frame)) return { frame: end.frame, command: null, by: end.by, how: end.how };
  return next === undefined ? null : { frame: next.frame, command: next.command, by: 'client', how: 'command' };
}

/**
 * A passive announcement the server accepted (2xx) with no usable address, that no transfer used,
 * after which the client moved on (another command, or the session ended) without recovering: it
 * failed, there was nothing to connect to. Statuses of the session's transfers must be settled first.
 */
export function unusableAnnouncementFailed(t: Transfer, s: Session, captureEnd: number | null): boolean {
  if (t.mode !== 'passive' || t.request !== null || t.connection !== null || !malformedAnnouncement(t)) return false;
  const reply = t.announce!.reply!;
  if (reply.code < 200 || reply.code >= 300) return false;
  // A session still going when the capture ended had not shown yet whether the client recovered (in-flight.ts).
  return nextAfter(s, reply.frame) !== null && recoveredBy(s, t) === null && sessionStepAtEnd(s, captureEnd) === null;
}
