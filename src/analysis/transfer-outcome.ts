/**
 * Turns what was seen of a transfer (announcement, request, replies, TCP connection) into the
 * numbers and status a user reads. Facts only: explaining a failure is the diagnosis layer's job.
 */
import type { TcpConnection } from '../tcp/types.js';
import type { DataConnection, HandshakeEvent, Transfer, TransferStatus } from './model.js';
import type { DataLink } from './data-linker.js';

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
  // swapped, so who initiated depends on the mode alone (as in connection-router's onData).
  const initiatorIsClient = mode === 'passive';
  const initiator = link.swapped ? conn.server : conn.client;
  const responder = link.swapped ? conn.client : conn.server;
  const toResponder = link.swapped ? conn.bytes.s2c : conn.bytes.c2s;
  const toInitiator = link.swapped ? conn.bytes.c2s : conn.bytes.s2c;
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
    gapBytes: conn.gapBytes.c2s + conn.gapBytes.s2c,
    start: conn.start,
    end: conn.end,
    close: conn.closed,
    rst: conn.rst
      ? { frame: conn.rst.frame, by: rstByInitiator === initiatorIsClient ? 'client' : 'server' }
      : null,
    icmpErrors: conn.icmpErrors.map((e) => ({ frame: e.frame, type: e.type, code: e.code, reporter: e.reporter })),
    retransmissions: conn.retransmissions,
    zeroWindowFrames: [...conn.zeroWindowFrames],
    midstream: conn.midstream,
    handshake,
    lastData,
    longestSilence,
    match: link.match,
  };
  if (link.addressMismatch) dc.addressMismatch = link.addressMismatch;
  return dc;
}

const isPositive = (code: number | undefined): boolean => code !== undefined && code >= 200 && code < 300;

/** `sessionEnded`: the control connection closed within the capture, so nothing more can follow. */
export function transferStatus(t: Transfer, sessionEnded: boolean): TransferStatus {
  const c = t.connection;
  const code = t.reply?.code;
  if (code === 426 || t.abortFrame !== null) return 'aborted';
  // Reset after data started and no success reply: the transfer was cut.
  if (c && c.established && c.close === 'rst' && !isPositive(code) && c.bytesToClient + c.bytesToServer > 0) {
    return 'aborted';
  }
  // 226/250 close a transfer; another 2xx counts only when a data connection really carried it.
  if (code === 226 || code === 250 || (isPositive(code) && c?.established)) return 'complete';
  if (code !== undefined && code >= 400) return 'failed';
  // A data connection that never opened failed when it was refused, or when the session ended
  // without it (the client gave up, e.g. curl never sends RETR when PASV's connect fails).
  if (c && !c.established && (c.rst || c.icmpErrors.length > 0 || sessionEnded)) return 'failed';
  if (!t.request) {
    // An announcement refused by the server (e.g. a bounce PORT answered 500) failed outright.
    const announceCode = t.announce?.reply?.code;
    return announceCode !== undefined && announceCode >= 400 ? 'failed' : 'unused';
  }
  return 'incomplete';
}

export function finishTransfer(t: Transfer, sessionEnded: boolean): void {
  const c = t.connection;
  if (c) {
    t.bytes =
      t.direction === 'upload'
        ? c.bytesToServer
        : t.direction === null
          ? c.bytesToServer + c.bytesToClient
          : c.bytesToClient;
    const duration = c.end - c.start;
    t.duration = duration;
    t.throughput = duration > 0 ? t.bytes / duration : null;
  }
  t.status = transferStatus(t, sessionEnded);
}
