/**
 * A TLS data connection whose data's sender closed it (its FIN, or its RST with no FIN first)
 * without close_notify: the receiver cannot tell that the data was whole. One reading of the
 * facts, for verdict.ts (an inferred transfer so ended is not taken for complete) and for the
 * tls-no-close-notify check, which words it.
 */
import { tlsClosing, type TlsClosing } from '../tls/close-notify.js';
import { dataSender } from './data-sender.js';
import type { DataConnection, TlsFacts, Transfer } from './model.js';

export interface TlsTruncation {
  connection: DataConnection;
  tls: TlsFacts;
  /** The FTP side that sent the data. */
  sender: 'client' | 'server';
  /**
   * How the sender is known: from the transfer command, or — TLS hiding the command — from the
   * bytes: the side that sent most (`bytes`: its TCP payload and the other side's).
   */
  senderFrom: { by: 'command' } | { by: 'bytes'; sent: number; received: number };
  /** The sender's TLS side (the FTP client is normally the TLS client; some servers swap roles in active mode). */
  tlsSide: 'client' | 'server';
  /** The sender's FIN, or its RST. */
  closeFrame: number;
  closing: Extract<TlsClosing, { kind: 'none' }>;
}

/**
 * Without the command, the sender is the side that sent most — by a wide margin, so that a small
 * upload is not taken for a download of the server's TLS handshake and session tickets.
 */
const SENDER_MARGIN = 2;

export function tlsTruncation(t: Transfer): TlsTruncation | null {
  const c = t.connection;
  const tls = c?.tls;
  if (!c || !tls || !tls.handshakeDone || c.close === null || t.abortFrame !== null || c.gapBytes > 0 || c.undeliveredBytes > 0) return null;
  let sender = dataSender(t.direction);
  let senderFrom: TlsTruncation['senderFrom'] = { by: 'command' };
  if (sender === null && t.inferred === 'tls-hidden') {
    const [sent, received, side] =
      c.bytesToClient >= c.bytesToServer ? [c.bytesToClient, c.bytesToServer, 'server' as const] : [c.bytesToServer, c.bytesToClient, 'client' as const];
    if (sent <= SENDER_MARGIN * received) return null;
    sender = side;
    senderFrom = { by: 'bytes', sent, received };
  }
  if (sender === null) return null;
  const ftpClientIsTlsClient = tls.tlsClient === null || (tls.tlsClient === 'initiator') === (c.initiator === 'client');
  const tlsSide = ftpClientIsTlsClient ? sender : sender === 'client' ? 'server' : 'client';
  const closing = tlsClosing(tls, tlsSide);
  if (closing.kind !== 'none') return null;
  // The sender itself must have closed: a receiver that gave up, or ABOR, is another story.
  const fin = c.handshake.find((h) => h.type === 'fin' && h.by === sender)?.frame;
  const closeFrame = fin ?? (c.rst?.by === sender ? c.rst.frame : null);
  if (closeFrame === null) return null;
  // Without the command (no keys) nothing else tells a cut file from a whole one, and some servers
  // never send close_notify on a complete transfer (what GnuTLS clients call "non-properly
  // terminated"). So the guess wants hard evidence: a record left unfinished, or a reset, not a FIN.
  if (senderFrom.by === 'bytes' && closing.cut === null && fin !== undefined) return null;
  return { connection: c, tls, sender, senderFrom, tlsSide, closeFrame, closing };
}
