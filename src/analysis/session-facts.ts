/** Facts read off a session's model by several outputs, counted one way. */
import { commandInfo } from '../ftp/commands.js';
import type { Command, Session } from './model.js';
import type { ControlReset } from './verdict-types.js';

/** How many of a session's lines are the client's commands (the rest are the server's unasked replies). */
export function clientCommandCount(commands: Command[]): number {
  let n = 0;
  for (const c of commands) if (c.command !== null) n++;
  return n;
}

/**
 * The client left right after the server refused a command that names a path on the server (a CWD
 * to a missing folder, a refused RNFR, DELE or MKD): its last command before QUIT, or before it
 * closed the control connection. No transfer came after it, so the refusal is why the session
 * ended without one (curl stops at a CWD it cannot make). That command and how the client left, or
 * null: also when a transfer's diagnosis already cites its reply.
 */
export function leftAfterRefusal(s: Session): { command: Command; by: 'quit' | 'close' } | null {
  let last: Command | null = null;
  let quit = false;
  for (const c of s.commands) {
    if (c.command === null) continue;
    if (c.command === 'QUIT') {
      quit = true;
      break;
    }
    last = c;
  }
  if (last === null || last.reply === null || last.reply.code < 400) return null;
  if (commandInfo(last.command!)?.namesPath !== true) return null;
  // A refusal a transfer's diagnosis cites (curl's SIZE before a RETR it never sent) is told there.
  const replyFrame = last.reply.frame;
  if (s.transfers.some((t) => t.diagnosis?.evidence.includes(replyFrame))) return null;
  if (quit) return { command: last, by: 'quit' };
  return s.closedBy?.by === 'client' ? { command: last, by: 'close' } : null;
}

/**
 * The control connection did not end as FTP's step 10 has it (QUIT, 221, then FIN both ways): it
 * was reset (`rst`, by either side, even after a 221), or closed without a QUIT the server answered
 * with 221 (`no-quit`). Null when it ended that way, when the capture ended with it still open, when
 * it never carried a session (its control verdict says why), or when an unanswered command's
 * reason (the server closed first: Command.noReply) already tells the same end. TLS that hid the
 * commands to the end hides the QUIT too (`quit: 'hidden'`): only a reset is known then; so does a
 * capture of one side's packets that holds that side's half of the exchange (the client's QUIT, or
 * the server's 221), the other half out of it.
 */
export type AbruptEnd =
  | { how: 'rst'; by: 'client' | 'server'; frame: number; quit: 'answered' | 'none' | 'hidden' }
  /** Closed with a FIN (`frame`), then reset (the control verdict's `reset`): the close came first, and is what ended it. */
  | { how: 'fin-then-rst'; by: 'client' | 'server'; frame: number; quit: 'answered' | 'none' | 'hidden'; reset: ControlReset }
  | { how: 'no-quit'; by: 'client' | 'server'; frame: number };

export function abruptEnd(s: Session): AbruptEnd | null {
  if (s.control.kind !== 'opened' && s.control.kind !== 'midstream') return null;
  const quit = s.commands.find((c) => c.command === 'QUIT');
  const afterQuit = quit !== undefined && quit.reply !== null && quit.reply.code === 221;
  const tlsFrame = s.tlsFrame;
  // One side's packets only: the capture holds its half of the QUIT exchange (the client's QUIT, or
  // the server's 221 whose command is out of it) and not the other, which is not known then.
  const halfQuit =
    s.oneWay === 'client' ? quit !== undefined : s.oneWay === 'server' ? s.commands.some((c) => c.command === null && c.reply?.code === 221) : false;
  const hidden = halfQuit || (s.tls && tlsFrame !== null && s.tlsEndFrame === undefined && !s.commands.some((c) => c.command !== null && c.frame > tlsFrame));
  const told = new Set<number>();
  for (const c of s.commands) {
    if (c.noReply?.why !== 'server-closed') continue;
    if (c.noReply.reset !== null) told.add(c.noReply.reset);
    if (c.noReply.closed !== null) told.add(c.noReply.closed);
  }
  const rst = s.controlConnection.rst;
  const quitSeen = afterQuit ? 'answered' : hidden ? 'hidden' : 'none';
  const reset = s.control.reset;
  if (reset !== undefined && s.closedBy !== null && !told.has(reset.frame) && !told.has(s.closedBy.frame)) {
    return { how: 'fin-then-rst', by: s.closedBy.by, frame: s.closedBy.frame, quit: quitSeen, reset };
  }
  if (rst !== null && !told.has(rst.frame)) return { how: 'rst', by: rst.by, frame: rst.frame, quit: afterQuit ? 'answered' : hidden ? 'hidden' : 'none' };
  if (afterQuit || hidden || s.closedBy === null || told.has(s.closedBy.frame) || rst !== null) return null;
  return { how: 'no-quit', by: s.closedBy.by, frame: s.closedBy.frame };
}
