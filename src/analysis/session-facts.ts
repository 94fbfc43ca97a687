/** Facts read off a session's model by several outputs, counted one way. */
import { commandInfo } from '../ftp/commands.js';
import type { Command, Session } from './model.js';

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
