/**
 * A download whose server stopped short: it closed the data connection (its FIN) before the size
 * the session stated, no final reply came, and the session ended. A server killed or crashed
 * mid-RETR does exactly this: its kernel closes both connections without a word. A sender whose
 * socket was set to close abortively (SO_LINGER 0, as Windows and IIS software often does) ends the
 * data connection with its own reset instead of the FIN; that reads the same only when the sender
 * itself then closed the control connection without another reply (its process went away), since a
 * reset alone may also be the sender giving up on a stalled receiver. One reading of
 * the facts, for verdict.ts (the transfer is aborted by the server, not left "incomplete" as if the
 * capture had missed its end) and for the aborted check, which words it.
 */
import { dataSender } from './data-sender.js';
import type { Session, Transfer } from './model.js';

/**
 * Bytes a download should carry from what the session stated (SIZE's 213, the 150's "(N bytes)", REST).
 * None in a mode other than stream: MODE Z's deflate (or block mode's headers) puts other bytes on
 * the wire than the file's, so a count of them is no measure of the file.
 */
export function expectedBytes(t: Transfer): number | null {
  if (t.direction !== 'download' || t.expectedSize === null || !streamMode(t)) return null;
  return Math.max(0, t.expectedSize - (t.restOffset ?? 0));
}

/** The transfer moved the file's own bytes (MODE S, or not known otherwise). */
export const streamMode = (t: Pick<Transfer, 'transferMode'>): boolean => (t.transferMode ?? 'S') === 'S';

export interface SenderStopped {
  sender: 'client' | 'server';
  /** How the sender closed the data connection: its FIN, or its own (not forged) reset. */
  how: 'fin' | 'rst';
  /** The sender's FIN (or reset) on the data connection. */
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
  const sessionEnd = { by: s.closedBy.by, frame: s.closedBy.frame };
  const fin = c.handshake.find((e) => e.type === 'fin' && e.by === sender);
  if (fin !== undefined && (c.rst === null || c.rst.frame > fin.frame)) {
    return { sender, how: 'fin', finFrame: fin.frame, bytes: t.bytes, expected, sessionEnd };
  }
  // The sender's own abortive close: the sender then ended the session, and answered nothing after it.
  const rst = c.rst;
  if (fin !== undefined || rst === null || rst.by !== sender || rst.forged || sessionEnd.by !== sender || sessionEnd.frame < rst.frame) return null;
  if (sender === 'server' && s.commands.some((x) => (x.reply?.frame ?? 0) > rst.frame || x.preliminary.some((p) => p.frame > rst.frame))) return null;
  return { sender, how: 'rst', finFrame: rst.frame, bytes: t.bytes, expected, sessionEnd };
}
