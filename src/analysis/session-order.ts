/**
 * Where a frame or an announcement stands in its session, for the questions the verdicts and the
 * diagnosis ask of every transfer: "which announcement came next?", "what did the server reply
 * after this one?", "did the client send anything after that?". Answered by scanning the session,
 * each question cost time in proportion to the session, and a session of 64,000 failed transfers
 * took 45 s; here the session is ordered once (on first use, again only if it grew), and each
 * question costs a binary search and a walk bounded by the next announcement.
 */
import type { Command, Session, Transfer } from './model.js';
import { firstAbove } from './sorted.js';
import { sentDuringTransfer } from '../ftp/commands.js';

export interface SessionOrder {
  /** The transfer announced next after `t`'s announcement (by frame), or null. */
  nextAnnounced(t: Transfer): Transfer | null;
  /** The session's commands and unasked replies with `after` < frame < `before`, in frame order. */
  commandsBetween(after: number, before?: number): Generator<Command>;
  /** Whether the client sent a command (not a reply-only entry) after `frame`. */
  commandAfter(frame: number): boolean;
  /** Whether the client sent a command after `frame` other than one sent while a transfer runs (ABOR, STAT, NOOP): it went on. */
  wentOnAfter(frame: number): boolean;
}

const orders = new WeakMap<Session, { commands: number; transfers: number; order: SessionOrder }>();

export function sessionOrder(s: Session): SessionOrder {
  const known = orders.get(s);
  if (known !== undefined && known.commands === s.commands.length && known.transfers === s.transfers.length) return known.order;
  const order = buildOrder(s);
  orders.set(s, { commands: s.commands.length, transfers: s.transfers.length, order });
  return order;
}

const frameOf = (c: Command): number => c.frame;
const announceFrameOf = (t: Transfer): number => t.announce!.frame;

function buildOrder(s: Session): SessionOrder {
  // Stable sorts: entries of one frame keep the session's order.
  const commands = [...s.commands].sort((x, y) => x.frame - y.frame);
  const announced = s.transfers.filter((t) => t.announce).sort((x, y) => x.announce!.frame - y.announce!.frame);
  let lastCommand = -Infinity;
  let lastStep = -Infinity;
  for (const c of s.commands) {
    if (c.command === null) continue;
    if (c.frame > lastCommand) lastCommand = c.frame;
    if (c.frame > lastStep && !sentDuringTransfer(c.command)) lastStep = c.frame;
  }
  return {
    nextAnnounced(t) {
      const i = firstAbove(announced, t.announce!.frame, announceFrameOf);
      for (let j = i; j < announced.length; j++) if (announced[j] !== t) return announced[j];
      return null;
    },
    *commandsBetween(after, before = Infinity) {
      for (let i = firstAbove(commands, after, frameOf); i < commands.length && commands[i].frame < before; i++) yield commands[i];
    },
    commandAfter: (frame) => lastCommand > frame,
    wentOnAfter: (frame) => lastStep > frame,
  };
}
