/**
 * Why a command got no reply, decided once: the server had already given up the control
 * connection when the command was sent. Its unasked 421 ("Control connection timed out.") and
 * its FIN came first, so the command met a closed socket (pyftpdlib answers it with a reset);
 * the client reads the stale 421 as the command's answer, but nothing answered the command itself.
 * Every output words `Command.noReply` and none decides it again.
 */
import type { Command, NoReply, ServerClosed, Session } from './model.js';

/** A 421 whose text names a timeout or idleness: the server closed an idle session. */
const TIMEOUT_TEXT = /time[ds]?[ -]?out|idle/i;

/**
 * Which of the server's time limits a 421 names, from its text: the session's length (proftpd
 * "421 Session Timeout (4 seconds)": TimeoutSession, mid-transfer or not), a transfer's (none begun:
 * proftpd "No transfer timeout", or one stalled: "Data connection timed out.", vsftpd "Data
 * timeout"), or idleness (everything else that names a timeout). Null: no time limit named (a 421
 * for too many connections, or a shutdown).
 */
export type TimeLimit = 'session' | 'transfer' | 'idle';
export function timeLimitOf(r: { code: number; text: string }): TimeLimit | null {
  if (r.code !== 421 || !TIMEOUT_TEXT.test(r.text)) return null;
  if (/session/i.test(r.text)) return 'session';
  return /transfer|data|stall/i.test(r.text) ? 'transfer' : 'idle';
}

/** Why `c` got no reply, given the server's last unasked 421, the client's last command before it and the server's first FIN. */
function noReplyOf(s: Session, c: Command, notice: Command | undefined, lastBeforeNotice: Command | undefined, serverFin: number | null): ServerClosed | null {
  if (c.command === null || c.reply !== null || c.replyUntracked) return null;
  const cc = s.controlConnection;
  const fin = serverFin !== null && serverFin < c.frame ? serverFin : null;
  // The server must have given up before the command: its FIN, or its 421, came first.
  if (fin === null && notice === undefined) return null;
  const reset = cc.rst !== null && cc.rst.by === 'server' && cc.rst.frame > c.frame ? cc.rst.frame : null;
  const reply = notice?.reply ?? null;
  const last = lastBeforeNotice;
  const idleSeconds = reply !== null && last !== undefined ? Math.round((reply.time - (last.reply?.time ?? last.time)) * 1000) / 1000 : null;
  const frames = [reply?.frame ?? null, fin, c.frame, reset].filter((f): f is number => f !== null);
  return {
    why: 'server-closed',
    notice: reply === null ? null : { code: reply.code, frame: reply.frame, idle: TIMEOUT_TEXT.test(reply.text), idleSeconds },
    closed: fin,
    reset,
    evidence: [...new Set(frames)].sort((x, y) => x - y),
  };
}

/**
 * Marks every command of the sessions that went unanswered because the server had closed first.
 * One pass over each session's commands (in frame order), carrying the latest unasked 421 and
 * the client's last command before it: linear however many commands a session holds.
 */
export function settleUnanswered(sessions: Session[]): void {
  for (const s of sessions) {
    // From the end: the first later command the server answered (replies come in order).
    let later: Command | undefined;
    let answeredLater: Map<Command, Command> | null = null; // made for a session with such a command only
    for (let i = s.commands.length - 1; i >= 0; i--) {
      const c = s.commands[i];
      if (c.command === null) continue;
      if (c.reply !== null) later = c;
      // A command answered with a 1xx only (a transfer the server started) was answered; its missing
      // final reply is its transfer's verdict to tell.
      else if (later !== undefined && !c.replyUntracked && c.preliminary.length === 0) (answeredLater ??= new Map()).set(c, later);
    }
    let notice: Command | undefined;
    let lastCommand: Command | undefined;
    let lastBeforeNotice: Command | undefined;
    // The server's FIN, read for a command left without a reply only (noReplyOf): most sessions have none.
    let serverFin: number | null | undefined;
    for (const c of s.commands) {
      if (c.command === null) {
        // The greeting (the first line) is not a notice.
        if (c.reply !== null && c.reply.code === 421 && c !== s.commands[0]) {
          notice = c;
          lastBeforeNotice = lastCommand;
        }
        continue;
      }
      // Answered in bytes the capture lost (session-builder.ts): no other reason applies.
      if (c.reply === null && serverFin === undefined) serverFin = serverFinOf(s);
      const why: NoReply | null = c.noReply?.why === 'capture-gap' ? null : (noReplyOf(s, c, notice, lastBeforeNotice, serverFin ?? null) ?? skipped(c, answeredLater?.get(c)));
      if (why !== null) c.noReply = why;
      lastCommand = c;
    }
  }
}

/** The frame of the server's FIN on the control connection (null: none). */
function serverFinOf(s: Session): number | null {
  return s.controlConnection.handshake.find((e) => e.type === 'fin' && e.by === 'server')?.frame ?? null;
}

/** The unasked notices (421) that later commands met too late, by the notice's frame: for renderers placing it. */
export function noticesByFrame(s: Session): Map<number, ServerClosed> {
  const at = new Map<number, ServerClosed>();
  for (const c of s.commands) {
    const n = c.noReply;
    if (n?.why !== 'server-closed') continue;
    const frame = n.notice?.frame;
    if (frame !== undefined && !at.has(frame)) at.set(frame, n);
  }
  return at;
}

/** `c` unanswered while `later`, sent after it, was answered: the server skipped it. */
function skipped(c: Command, later: Command | undefined): NoReply | null {
  if (later === undefined || later.reply === null || later.command === null) return null;
  return {
    why: 'answered-later',
    later: { command: later.command, frame: later.frame, code: later.reply.code, replyFrame: later.reply.frame },
    evidence: [c.frame, later.frame, later.reply.frame],
  };
}
