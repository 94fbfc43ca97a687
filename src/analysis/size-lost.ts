/**
 * A download's size that the session stated in bytes the capture lost. A client that resets the data
 * connection the moment it holds the file (or that the server answers 426 for it) reads as a whole
 * transfer only against the size the session stated (SIZE's 213): without it, the same reset reads as
 * a cut. When the capture lost that statement, whether the data was whole is not in the capture:
 * neither complete nor aborted. Read by the statuses and the verdict (verdict.ts).
 */
import { transferKind } from '../ftp/commands.js';
import type { Session, Transfer } from './model.js';
import { dataSender, unacknowledgedTo } from './data-sender.js';
import { expectedBytes } from './sender-stopped.js';

/**
 * The lost statement: the SIZE (its frame) whose 213 the capture lost, the 213 (its frame) whose
 * SIZE, naming the file, it lost, or (`both`) control bytes lost before the transfer command, where a
 * SIZE and its 213 may be (the frame where the capture picked the control connection up again).
 */
export interface SizeLost {
  frame: number;
  lost: 'reply' | 'command' | 'both';
}

/**
 * The lost statement of a download's size, when the receiver's own reset ended its data
 * connection with every byte the capture holds delivered and acknowledged: a SIZE of the same file,
 * since the session's previous transfer command, whose 213 is in bytes the capture lost (noReply
 * capture-gap: its frame), or a 213 stating a size with nothing waiting for it (the SIZE lost: the
 * 213's frame), or else control bytes the capture lost since the previous transfer command
 * (Transfer.controlGapBefore: a SIZE and its 213 may both be there). Null otherwise, or when a size is known.
 */
export function sizeLost(t: Transfer, s: Session): SizeLost | null {
  const c = t.connection;
  if (t.direction !== 'download' || t.request === null || expectedBytes(t) !== null || t.announcedKbytes !== undefined) return null;
  if (!c?.established || c.midstream || !c.rst || c.rst.forged || c.rst.by === (dataSender(t.direction) ?? 'server')) return null;
  if (c.undeliveredBytes > 0 || (unacknowledgedTo(c, 'client') > 0 && c.rst.acksAll !== true) || t.bytes === 0) return null;
  // From the session's previous transfer command on (a statement before it was that transfer's).
  const i = s.commands.findIndex((x) => x.frame === t.request!.frame && x.command === t.request!.command);
  const arg = t.request.arg.trim();
  let lost: SizeLost | null = null;
  for (let j = i - 1; j >= 0 && lost === null; j--) {
    const x = s.commands[j];
    if (transferKind(x.command) !== null) break;
    if (x.command === 'SIZE' && x.arg.trim() === arg && x.reply === null && x.noReply?.why === 'capture-gap') lost = { frame: x.frame, lost: 'reply' };
    else if (x.command === null && x.reply !== null && x.reply.code === 213 && SIZE_TEXT.test(x.reply.text.trim())) lost = { frame: x.reply.frame, lost: 'command' };
  }
  // Neither in the capture, and control bytes lost since the previous transfer command: both may be in them.
  if (lost === null && t.controlGapBefore !== undefined) lost = { frame: t.controlGapBefore, lost: 'both' };
  return lost;
}

/** A 213 stating a size (SIZE's: digits alone), not a time (MDTM's: YYYYMMDDHHMMSS). */
const SIZE_TEXT = /^\d{1,13}$/;
