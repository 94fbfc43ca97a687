/**
 * Turns what was seen of a transfer (announcement, request, replies, TCP connection) into the
 * numbers a user reads. Facts only: the status and verdict are verdict.ts's, the cause the diagnosis'.
 */
import { handshakeFailure } from '../tls/handshake-failure.js';
import type { TcpConnection } from '../tcp/types.js';
import type { DataConnection, HandshakeEvent, Transfer } from './model.js';
import type { DataLink } from './data-linker.js';
import { connectionMarks } from './ttl-table.js';

export function describeConnection(
  conn: TcpConnection,
  link: DataLink,
  handshake: HandshakeEvent[],
  lastData: DataConnection['lastData'],
  longestSilence: DataConnection['longestSilence'],
): DataConnection {
  const mode = link.transfer.mode;
  // The responder is the announced endpoint: the FTP client in active mode, the server in passive.
  // `initiator` and `responder` below are already the real ones when the mid-stream guess was
  // swapped, so who initiated depends on the mode alone (as in data-connections.ts's push).
  const initiatorIsClient = mode === 'passive';
  const initiator = link.swapped ? conn.server : conn.client;
  const responder = link.swapped ? conn.client : conn.server;
  // Bytes the snaplen cut crossed the capture point (their segments are in it): they count as moved.
  const toResponder = link.swapped ? conn.bytes.s2c + conn.cutBytes.s2c : conn.bytes.c2s + conn.cutBytes.c2s;
  const toInitiator = link.swapped ? conn.bytes.c2s + conn.cutBytes.c2s : conn.bytes.s2c + conn.cutBytes.s2c;
  // The TCP direction that carries data toward the FTP server (c2s is the initiator's).
  const toServerDir = initiatorIsClient !== link.swapped ? 'c2s' : 's2c';
  const toClientDir = toServerDir === 'c2s' ? 's2c' : 'c2s';
  const rstDir = conn.rst?.dir;
  const rstByInitiator = rstDir === undefined ? false : (rstDir === 'c2s') !== link.swapped;
  const dc: DataConnection = {
    stream: conn.id,
    initiator: initiatorIsClient ? 'client' : 'server',
    client: { ...(initiatorIsClient ? initiator : responder) },
    server: { ...(initiatorIsClient ? responder : initiator) },
    synFrame: conn.synFrames[0] ?? null,
    synFrames: [...conn.synFrames],
    synAckFrames: [...conn.synAckFrames],
    established: conn.established,
    establishedFrame: conn.establishedFrame ?? null,
    bytesToServer: initiatorIsClient ? toResponder : toInitiator,
    bytesToClient: initiatorIsClient ? toInitiator : toResponder,
    cutBytes: conn.cutBytes.c2s + conn.cutBytes.s2c,
    gapBytes: conn.gapBytes.c2s + conn.gapBytes.s2c - conn.unackedGapBytes.c2s - conn.unackedGapBytes.s2c - conn.cutBytes.c2s - conn.cutBytes.s2c,
    undeliveredBytes: conn.unackedGapBytes.c2s + conn.unackedGapBytes.s2c,
    unacknowledgedBytes: unacknowledged(conn, 'c2s') + unacknowledged(conn, 's2c'),
    unacknowledged: { toServer: unacknowledged(conn, toServerDir), toClient: unacknowledged(conn, toClientDir) },
    drained: { toServer: conn.drainedSince[toServerDir], toClient: conn.drainedSince[toClientDir] },
    windowShut: { toServer: conn.windowShut[toServerDir], toClient: conn.windowShut[toClientDir] },
    longestShut: { toServer: conn.longestShut[toServerDir], toClient: conn.longestShut[toClientDir] },
    start: conn.start,
    end: conn.end,
    close: conn.closed,
    rst: conn.rst
      ? {
          frame: conn.rst.frame,
          by: rstByInitiator === initiatorIsClient ? 'client' : 'server',
          ...(conn.rst.noConnection ? { noConnection: true as const } : {}),
          ...(conn.rst.acksAll ? { acksAll: true as const } : {}),
          ...(conn.rst.lostBefore !== undefined ? { lostBefore: conn.rst.lostBefore } : {}),
          ...(conn.rst.finLost ? { finLost: true as const } : {}),
        }
      : null,
    icmpErrors: conn.icmpErrors.map((e) => ({ frame: e.frame, type: e.type, code: e.code, reporter: e.reporter })),
    retransmissions: conn.retransmissions - conn.synRepeats,
    retransmittedBy: { client: conn.repeatsAfterHandshake[toServerDir], server: conn.repeatsAfterHandshake[toClientDir] },
    firstRetransmittedBy: { client: conn.firstRepeatAfterHandshake[toServerDir], server: conn.firstRepeatAfterHandshake[toClientDir] },
    // The client acknowledges the bytes that travel toward it.
    ackAdvancedBy: { client: conn.ackedTime[toClientDir], server: conn.ackedTime[toServerDir] },
    captureCopies: conn.captureCopies,
    zeroWindowFrames: [...conn.zeroWindowFrames],
    midstream: conn.midstream,
    handshake,
    // The client's FIN travels toward the server.
    finAcked: { client: conn.finAcked[toServerDir], server: conn.finAcked[toClientDir] },
    lastData,
    longestSilence,
    match: link.match,
    marks: connectionMarks(conn, toServerDir),
  };
  if (link.addressMismatch) dc.addressMismatch = link.addressMismatch;
  if (conn.evicted !== undefined) dc.evicted = conn.evicted;
  // The client's FIN travels toward the server, as its data does.
  if (conn.finUnseen !== undefined) dc.finUnseen = bySide(conn.finUnseen, toServerDir, toClientDir);
  if (conn.endLost !== undefined) dc.endLost = bySide(conn.endLost, toServerDir, toClientDir);
  if (conn.resumes !== undefined) dc.resumes = conn.resumes;
  if (conn.conflicts) {
    const { count, frame, offset, kept, dir } = conn.conflicts;
    // c2s is the initiator's direction (swapped when the mid-stream guess was wrong).
    const fromInitiator = (dir === 'c2s') !== link.swapped;
    dc.conflicts = { count, frame, offset, kept, toServer: fromInitiator === initiatorIsClient };
  }
  return dc;
}

/**
 * A transfer's data the capture holds no packet of (a capture of one direction: the receiver's
 * packets only), as the receiver's acknowledgements count it (Transfer.acknowledged); null when the
 * capture holds any packet of the data's sender on this connection, or the receiver acknowledged
 * nothing. `toServerDir`: the TCP direction carrying data toward the FTP server.
 */
export function acknowledgedUnseen(conn: TcpConnection, t: Transfer, toServerDir: 'c2s' | 's2c'): NonNullable<Transfer['acknowledged']> | null {
  if (t.direction === null) return null;
  const upload = t.direction === 'upload';
  const dir = upload ? toServerDir : toServerDir === 'c2s' ? 's2c' : 'c2s';
  const acked = conn.ackedTo[dir];
  if (conn.packets[dir] > 0 || acked <= 0) return null;
  // ackedTo counts from the sender's ISN + 1 and takes in its FIN once acknowledged: a 2xx to an
  // upload says the server read to the end of the data, which the FIN marks, so the FIN is in the count.
  const read = upload && t.reply !== null && t.reply.code >= 200 && t.reply.code < 300;
  return { by: upload ? 'server' : 'client', bytes: read ? Math.max(0, acked - 1) : acked, frame: conn.ackedFrame[dir], upTo: !read };
}

/** Bytes, duration and throughput from the linked data connection (the status is verdict.ts's). */
export function finishTransfer(t: Transfer): void {
  const c = t.connection;
  if (c) {
    // PROT P decrypted: the file's bytes, not the TLS records' (model.ts DataConnection.plaintext).
    // A TLS handshake that never finished (keys in hand but not one encrypted record; with or
    // without keys, a fatal alert before both sides finished, or a handshake begun in the capture
    // and not finished in it) sent no data: its bytes are handshake and alerts. Otherwise, without
    // keys, the records' bytes are all there is to count.
    const tls = c.tls;
    const unfinished = tls !== undefined && !tls.handshakeDone && tls.clientHelloFrame !== null;
    const noData = tls !== undefined && (tls.decryption === 'none' || handshakeFailure(tls) !== undefined || unfinished);
    const toServer = noData ? 0 : (c.plaintext?.toServer ?? c.bytesToServer);
    const toClient = noData ? 0 : (c.plaintext?.toClient ?? c.bytesToClient);
    t.bytes = t.direction === 'upload' ? toServer : t.direction === null ? toServer + toClient : toClient;
    const duration = c.end - c.start;
    t.duration = duration;
    t.throughput = duration > 0 ? t.bytes / duration : null;
  }
}

/** A direction's bytes (gaps included) past the peer's last acknowledgement; 0 when the peer acknowledged nothing. */
function unacknowledged(conn: TcpConnection, dir: 'c2s' | 's2c'): number {
  const acked = conn.ackedTo[dir];
  if (acked < 0) return 0;
  return Math.max(0, conn.bytes[dir] + conn.gapBytes[dir] - acked);
}

/** A per-direction frame (set only where so) as the side that sent that way: client toward the server. */
export function bySide(perDir: { c2s?: number; s2c?: number }, toServer: 'c2s' | 's2c', toClient: 'c2s' | 's2c'): { client?: number; server?: number } {
  const client = perDir[toServer];
  const server = perDir[toClient];
  return { ...(client !== undefined ? { client } : {}), ...(server !== undefined ? { server } : {}) };
}
