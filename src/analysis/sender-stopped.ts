/**
 * A download whose server stopped short: it closed the data connection (its FIN) before the size
 * the session stated, no final reply came, and the session ended. A server killed or crashed
 * mid-RETR does exactly this: its kernel closes both connections without a word. One reading of
 * the facts, for verdict.ts (the transfer is aborted by the server, not left "incomplete" as if the
 * capture had missed its end) and for the aborted check, which words it.
 */
import { dataSender } from './data-sender.js';
import type { Session, Transfer } from './model.js';

/** Bytes a download should carry from what the session stated (SIZE's 213, the 150's "(N bytes)", REST). */
export function expectedBytes(t: Transfer): number | null {
  if (t.direction !== 'download' || t.expectedSize === null) return null;
  return Math.max(0, t.expectedSize - (t.restOffset ?? 0));
}

export interface SenderStopped {
  sender: 'client' | 'server';
  /** The sender's FIN on the data connection. */
  finFrame: number;
  bytes: number;
  expected: number;
  /** Who closed the control connection, and where. */
  sessionEnd: { by: 'client' | 'server'; frame: number };
}

export function senderStoppedShort(t: Transfer, s: Session): SenderStopped | null {
  const c = t.connection;
  const expected = expectedBytes(t);
  const sender = dataSender(t.direction);
  // Only what the capture holds whole can be short: no gap, no final reply, and the session over.
  if (!c || !c.established || c.midstream || expected === null || sender === null || t.reply !== null || s.closedBy === null) return null;
  if (c.gapBytes > 0 || c.undeliveredBytes > 0 || t.abortFrame !== null || t.bytes >= expected) return null;
  const fin = c.handshake.find((e) => e.type === 'fin' && e.by === sender);
  if (fin === undefined || (c.rst !== null && c.rst.frame < fin.frame)) return null;
  return { sender, finFrame: fin.frame, bytes: t.bytes, expected, sessionEnd: { by: s.closedBy.by, frame: s.closedBy.frame } };
}
