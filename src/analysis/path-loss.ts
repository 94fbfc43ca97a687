/**
 * Data the receiver never got while its data connection stayed up, decided once for the verdict and
 * the stalled check: bytes the capture lacks that the receiver never acknowledged while it received
 * later ones (a capture at the receiver's side), or bytes the sender sent again and the receiver,
 * its window open, never acknowledged (a capture at the sender's side). Lost on the path, not by the
 * capture and not by a slow reader.
 */
import type { DataConnection, Session, Transfer, Vantage } from './model.js';
import { canSeeArrivalAt } from './diagnose/vantage.js';
import { dataReceiverOf, unacknowledgedTo } from './data-sender.js';

export interface PathLoss {
  /** The sender's bytes as far as the capture shows them (captured, plus gaps). */
  sent: number;
  /** Of those, the bytes the receiver acknowledged. */
  acknowledged: number;
  /** Gap bytes the receiver never acknowledged (0 at the sender's side). */
  undelivered: number;
  /**
   * At the receiver's side (undelivered > 0), bytes the capture holds arriving there beyond the
   * receiver's cumulative acknowledgement: TCP acknowledges in order, so bytes that came after a hole
   * arrived without being acknowledged so (a SACK may take them: pmtu-blackhole-client-side-vsftpd-curl,
   * the file's last 104 bytes SACKed, its first 2,896 never arrived). 0 at the sender's side, where
   * nothing shows arrival.
   */
  arrivedBeyondAck: number;
  /**
   * The sender's data came only as first fragments of IP datagrams that never completed, not one
   * segment whole (lost-fragments.ts): how many, the first one's frame. Absent otherwise.
   */
  fragments?: { datagrams: number; firstFrame: number };
}

/**
 * At the sender's side the evidence must be more than a connection's last bytes caught unacknowledged
 * by its close (a TLS close_notify and a retransmitted FIN do that: ftps-tls12-active-proftpd-lftp):
 * at least a minimum segment's worth (536 bytes) sent again more than once to an open window.
 */
const MIN_LOST_BYTES = 536;
const MIN_RETRANSMISSIONS = 2;
/** A receiver that closed after this long with its acknowledgement stuck had been waiting for data (well past any retransmission timeout's first round). */
const WAITED_SECONDS = 1;

/**
 * Where the capture was taken relative to a transfer's data connection, for pathLoss: the session's
 * vantage point, whose client and server are the data connection's ends; none for an FXP copy's,
 * whose ends are the two servers.
 */
export function dataVantage(t: Transfer, s: Session): Vantage | null {
  return t.fxp !== undefined ? null : s.vantage;
}

export function pathLoss(c: DataConnection | null, vantage: Vantage | null): PathLoss | null {
  if (!c) return null;
  if (receiverClosedAndReset(c)) return null;
  // The data receiver's own count: a close_notify or a command's bytes the other way are not the data.
  const unacknowledged = unacknowledgedTo(c, dataReceiverSide(c));
  const atReceiver = c.undeliveredBytes > 0;
  // Sent again and never acknowledged is a loss on the path only where the capture cannot see the
  // data arrive: at the receiver's side (or on its segment) the capture holds it arriving, and its
  // missing acknowledgements are the receiver's, or packets the capture itself lost.
  const atSender =
    unacknowledged >= MIN_LOST_BYTES &&
    c.retransmissions >= MIN_RETRANSMISSIONS &&
    c.zeroWindowFrames.length === 0 &&
    !(vantage !== null && canSeeArrivalAt(vantage, dataReceiverSide(c)));
  const sent = c.bytesToClient + c.bytesToServer + c.gapBytes + c.undeliveredBytes;
  // Nothing of the data came whole, only the heads of datagrams whose other fragments never did:
  // the sender sent, the path lost (a firewall dropping fragments), neither end nor the capture.
  const heads = c.lostFragments;
  if (!atReceiver && !atSender && heads !== undefined && sent === 0) {
    return { sent, acknowledged: 0, undelivered: 0, arrivedBeyondAck: 0, fragments: { datagrams: heads.toClient + heads.toServer, firstFrame: heads.firstFrame } };
  }
  if (!atReceiver && !atSender) return null;
  // The path told the sender its segments were too big, and it sends them again smaller (path-MTU
  // discovery at work, a64-ipv4-fragneeded-1280-*): its bytes sent again are that, not a loss.
  if (!atReceiver && toldTooBig(c)) return null;
  const arrivedBeyondAck = atReceiver ? Math.max(0, unacknowledged - c.undeliveredBytes) : 0;
  return { sent, acknowledged: Math.max(0, sent - unacknowledged), undelivered: c.undeliveredBytes, arrivedBeyondAck };
}

/** The data's receiver on a connection: the end that sent the fewer bytes. */
function dataReceiverSide(c: DataConnection): 'client' | 'server' {
  return c.bytesToServer > c.bytesToClient ? 'server' : 'client';
}

/**
 * Path loss seen at the sender's side (every byte sent is in the capture, no gap the receiver never
 * acknowledged) that leaves `bytes`, the sender's bytes as captured, above what the receiver
 * acknowledged: a count of what was sent, not of what arrived. Decided once for the aborted verdict
 * and the aborted check's words.
 */
export function sentNotArrived(c: DataConnection | null, bytes: number, vantage: Vantage | null): { sent: number; acknowledged: number } | null {
  // Not beside a TLS connection's decrypted bytes: the loss is counted in TCP payload.
  if (c !== null && c.tls !== undefined) return null;
  const loss = pathLoss(c, vantage);
  return loss !== null && loss.undelivered === 0 && loss.acknowledged < bytes ? { sent: loss.sent, acknowledged: loss.acknowledged } : null;
}

/**
 * The receiver closed its end (FIN) and then reset the data still coming (receiverClosedAndReset),
 * leaving `bytes`, the sender's bytes as captured, above what it acknowledged: the rest reached a
 * closed end and was refused by its reset, not lost on the way. Decided once for the aborted verdict
 * and the aborted check's words.
 */
export function refusedAfterClose(c: DataConnection | null, bytes: number): { sent: number; acknowledged: number; reset: number } | null {
  // TCP counts beside a TLS connection's decrypted bytes would mix two measures (the aborted check words those).
  if (c === null || c.tls !== undefined || c.rst === null || c.undeliveredBytes > 0 || !receiverClosedAndReset(c)) return null;
  // The receiver's own count: what the sender sent it and it never acknowledged.
  const unacknowledged = c.rst.by === 'server' ? c.unacknowledged.toServer : c.unacknowledged.toClient;
  const acknowledged = Math.max(0, bytes + c.gapBytes - unacknowledged);
  return acknowledged < bytes ? { sent: bytes + c.gapBytes, acknowledged, reset: c.rst.frame } : null;
}

/**
 * A reset that ended the data connection while the receiver's acknowledgements trailed the bytes
 * sent, in a capture that cannot show their arrival at the receiver (taken on the sender's side, or
 * where it is not known): `bytes`, the sender's bytes as captured, count what was sent, and what the
 * receiver had acknowledged when the reset came is all the capture can say arrived. Acknowledgements
 * still on their way then prove nothing lost (a58-retr-rst-vsftpd-lftp-server-side: 60,816 sent,
 * 23,168 acknowledged at the router's reset, 56,472 kept by the client). Not when the receiver's own
 * reset acknowledged every byte (its stack had them all), nor beside TLS's decrypted bytes (TCP
 * counts would mix two measures). Decided once for the aborted verdict and the aborted check's words.
 */
export function sentAtReset(t: Transfer, vantage: Vantage | null, bytes: number): { sent: number; acknowledged: number; reset: number } | null {
  const c = t.connection;
  if (c === null || c.rst === null || c.tls !== undefined || bytes === 0) return null;
  const receiver = dataReceiverOf(t);
  if (vantage !== null && canSeeArrivalAt(vantage, receiver)) return null;
  if (c.rst.by === receiver && c.rst.acksAll === true && c.rst.forged !== true) return null;
  const unacknowledged = unacknowledgedTo(c, receiver);
  if (unacknowledged === 0) return null;
  const sent = bytes + c.gapBytes + c.undeliveredBytes;
  return { sent, acknowledged: Math.max(0, sent - unacknowledged), reset: c.rst.frame };
}

/** An ICMP "fragmentation needed" (type 3 code 4) about the connection's segments (ICMPv6 "packet too big" is not decoded: decode/icmp.ts). */
function toldTooBig(c: DataConnection): boolean {
  return c.icmpErrors.some((e) => e.type === 3 && e.code === 4);
}

/**
 * The receiving end closed its end (FIN) and then answered the data still coming with a reset: it
 * stopped taking the data itself (a server that failed or was killed), so what it never acknowledged
 * was refused by it, not lost on the way. The receiver is the end that sent the fewer bytes.
 */
function receiverClosedAndReset(c: DataConnection): boolean {
  const receiver = dataReceiverSide(c);
  if (c.rst === null || c.rst.by !== receiver || c.rst.madeHere) return false;
  const rstFrame = c.rst.frame;
  const fin = c.handshake.find((e) => e.type === 'fin' && e.by === receiver && e.frame < rstFrame);
  return fin !== undefined && !closedAfterWaiting(c, fin);
}

/**
 * The data receiver's close (`fin`, its FIN) came after the data had stopped arriving: its
 * acknowledgement had not moved for a second or more by then, and the sender sent its data again
 * (what it had sent and never had acknowledged) — a receiver that gave up waiting (a read timeout:
 * tri-data-drop), unlike one that stopped taking data it was still acknowledging (a killed server:
 * tri-stor-server-killed; a client that closed mid-transfer: a38-ascii-cut). The sender's first
 * repeat may come after that close: over a long path its retransmission timeout outlasts a reader's
 * timeout (a95-sat-data-drop: a 600 ms round trip, wget's 2 s read timeout, the server's first
 * repeat after the client's FIN).
 */
export function closedAfterWaiting(c: DataConnection, fin: { frame: number; time: number }): boolean {
  const receiver = dataReceiverSide(c);
  const resent = c.firstRetransmittedBy[receiver === 'client' ? 'server' : 'client'];
  const acked = c.ackAdvancedBy[receiver];
  return resent > 0 && acked >= 0 && fin.time - acked >= WAITED_SECONDS;
}

/**
 * Whether the data sender's segments sent again (DataConnection.retransmittedBy) had already reached the receiver's side: a segment
 * counts as sent again only when its bytes were captured before, so in a capture taken on the
 * receiver's side (or on its own segment) the first copy had arrived there and the repeat was no loss
 * on the way (a receiver whose full buffer dropped it, a sender that did not wait for a late
 * acknowledgement). Elsewhere the first copy may have been lost beyond the capture point: unknown.
 * Says nothing of segments lost before the capture point: their late copies fill a hole, not counted here.
 */
export function resentAfterArrival(c: DataConnection, vantage: Vantage | null, receiver: 'client' | 'server'): boolean {
  return c.retransmittedBy[receiver === 'client' ? 'server' : 'client'] > 0 && vantage !== null && canSeeArrivalAt(vantage, receiver);
}
