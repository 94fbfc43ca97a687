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
import { textMode } from './line-ends.js';

/**
 * Bytes a download should carry from what the session stated (SIZE's 213, the 150's "(N bytes)", REST).
 * None in a mode other than stream: MODE Z's deflate (or block mode's headers) puts other bytes on
 * the wire than the file's, so a count of them is no measure of the file.
 */
export function expectedBytes(t: Transfer): number | null {
  if (t.direction !== 'download' || t.expectedSize === null || !streamMode(t)) return null;
  return Math.max(0, t.expectedSize - (t.restOffset ?? 0));
}

/**
 * The data carries all the session announced. In ASCII mode (TYPE A) the announced size (SIZE, the
 * 150) counts the file and the wire its text form, every line ending in CRLF: a file with LF line
 * ends crosses with one CR more per line, so wire bytes past the size prove nothing by themselves
 * (a cut among those extra bytes still has them). The wire holds the file whole when it is exactly
 * the size (the file's lines already ended in CRLF, sent as they are) or, less one byte per CRLF on
 * the wire (`crlfPairs`), exactly the size (each line end sent with a CR added). A file mixing both
 * is not told whole by its count: its control replies decide. In binary, bytes the capture lost that
 * the receiver acknowledged (`gapBytes`) reached it: they count (a kernel's drops do not cut a file).
 */
export function carriesExpected(t: Transfer): boolean {
  const expected = expectedBytes(t);
  if (expected === null) return false;
  if (!textMode(t)) return t.bytes + (t.connection?.gapBytes ?? 0) >= expected;
  const pairs = t.connection?.crlfPairs ?? null;
  return t.bytes === expected || (pairs !== null && t.bytes - pairs === expected);
}

/**
 * TYPE A: the file's bytes a download's wire carried, as far as its CRLF count tells them (each CRLF
 * taken for an LF with a CR added): null in other modes, or when the capture did not count them.
 */
export function textFileBytes(t: Transfer): number | null {
  const pairs = t.connection?.crlfPairs ?? null;
  return textMode(t) && pairs !== null ? t.bytes - pairs : null;
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
  /** TYPE A: the file's bytes the wire carried (textFileBytes), when the wire holds more than `expected`. */
  fileBytes: number | null;
  /** Who closed the control connection, and where. */
  sessionEnd: { by: 'client' | 'server'; frame: number };
}

export function senderStoppedShort(t: Transfer, s: Session): SenderStopped | null {
  const c = t.connection;
  const expected = expectedBytes(t);
  const sender = dataSender(t.direction);
  // Only what the capture holds whole can be short: no gap, no final reply (none in bytes the capture lost either), and the session over.
  if (!c || !c.established || c.midstream || expected === null || sender === null || t.reply !== null || t.replyInGap !== undefined || s.closedBy === null) return null;
  if (c.gapBytes > 0 || c.undeliveredBytes > 0 || t.abortFrame !== null || carriesExpected(t)) return null;
  const sessionEnd = { by: s.closedBy.by, frame: s.closedBy.frame };
  const fileBytes = t.bytes >= expected ? textFileBytes(t) : null;
  const fin = c.handshake.find((e) => e.type === 'fin' && e.by === sender);
  if (fin !== undefined && (c.rst === null || c.rst.frame > fin.frame)) {
    return { sender, how: 'fin', finFrame: fin.frame, bytes: t.bytes, expected, fileBytes, sessionEnd };
  }
  // The sender's own abortive close: the sender then ended the session, and answered nothing after it.
  const rst = c.rst;
  if (fin !== undefined || rst === null || rst.by !== sender || rst.forged || sessionEnd.by !== sender || sessionEnd.frame < rst.frame) return null;
  if (sender === 'server' && s.commands.some((x) => (x.reply?.frame ?? 0) > rst.frame || x.preliminary.some((p) => p.frame > rst.frame))) return null;
  return { sender, how: 'rst', finFrame: rst.frame, bytes: t.bytes, expected, fileBytes, sessionEnd };
}

/**
 * A download whose data arrived whole, every byte the session stated and then its sender's FIN,
 * which the server answered with an error reply instead of confirming it (proftpd's "421 Session
 * Timeout" once its kernel had sent the whole file): the server's last word on it was no
 * confirmation, but nothing was cut. The sender's FIN frame, or null. One reading for verdict.ts
 * (the aborted verdict's `unconfirmed`) and for the aborted check, which word it.
 */
export function wholeThenRefused(t: Transfer): number | null {
  const c = t.connection;
  const sender = dataSender(t.direction);
  if (!c || !c.established || c.midstream || c.rst !== null || sender === null || t.abortFrame !== null) return null;
  if (t.reply === null || t.reply.code < 400 || c.undeliveredBytes > 0 || !carriesExpected(t)) return null;
  return c.handshake.find((e) => e.type === 'fin' && e.by === sender)?.frame ?? null;
}
