/**
 * Why a command got no reply, decided once: the server had already given up the control
 * connection when the command was sent. Its unasked 421 ("Control connection timed out.") and
 * its FIN came first, so the command met a closed socket (pyftpdlib answers it with a reset);
 * the client reads the stale 421 as the command's answer, but nothing answered the command itself.
 * Every output words `Command.noReply` and none decides it again.
 */
import type { Command, NoReply, Session } from './model.js';

/** A 421 whose text names a timeout or idleness: the server closed an idle session. */
const TIMEOUT_TEXT = /time[ds]?[ -]?out|idle/i;

/** The server's last unasked 421 before `frame` (after the greeting), if any. */
function noticeBefore(s: Session, frame: number): Command | undefined {
  let notice: Command | undefined;
  for (const c of s.commands) {
    if (c.frame >= frame) break;
    if (c.command === null && c.reply !== null && c.reply.code === 421 && c !== s.commands[0]) notice = c;
  }
  return notice;
}

/** The client's last command before `frame`, for how long the session had been idle. */
function lastCommandBefore(s: Session, frame: number): Command | undefined {
  let last: Command | undefined;
  for (const c of s.commands) {
    if (c.frame >= frame) break;
    if (c.command !== null) last = c;
  }
  return last;
}

function noReplyOf(s: Session, c: Command): NoReply | null {
  if (c.command === null || c.reply !== null || c.replyUntracked) return null;
  const cc = s.controlConnection;
  const fin = cc.handshake.find((e) => e.type === 'fin' && e.by === 'server' && e.frame < c.frame);
  const notice = noticeBefore(s, c.frame);
  // The server must have given up before the command: its FIN, or its 421, came first.
  if (fin === undefined && notice === undefined) return null;
  const reset = cc.rst !== null && cc.rst.by === 'server' && cc.rst.frame > c.frame ? cc.rst.frame : null;
  const reply = notice?.reply ?? null;
  const last = notice !== undefined ? lastCommandBefore(s, notice.frame) : undefined;
  const idleSeconds = reply !== null && last !== undefined ? Math.round((reply.time - (last.reply?.time ?? last.time)) * 1000) / 1000 : null;
  const frames = [reply?.frame, fin?.frame, c.frame, reset ?? undefined].filter((f): f is number => f !== undefined);
  return {
    why: 'server-closed',
    notice: reply === null ? null : { code: reply.code, frame: reply.frame, idle: TIMEOUT_TEXT.test(reply.text), idleSeconds },
    closed: fin?.frame ?? null,
    reset,
    evidence: [...new Set(frames)].sort((x, y) => x - y),
  };
}

/** Marks every command of the sessions that went unanswered because the server had closed first. */
export function settleUnanswered(sessions: Session[]): void {
  for (const s of sessions) {
    for (const c of s.commands) {
      const why = noReplyOf(s, c);
      if (why !== null) c.noReply = why;
    }
  }
}

/** The commands of a session the server never answered because it had closed the control connection first. */
export function unansweredAfterClose(s: Session): Command[] {
  return s.commands.filter((c) => c.noReply !== undefined);
}
