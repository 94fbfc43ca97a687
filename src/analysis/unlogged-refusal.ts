/**
 * A 530 to a transfer's announcement or command while its session was not logged in: its login had
 * failed (C-Kermit goes on after a refused PASS: PASV, then PORT, each answered "530 You aren't
 * logged in": a45-kermit-login-pureftpd), or had not happened yet. The server refuses every command
 * but a login then, so the refusal says nothing of the way the data connection was asked for, nor of
 * the file. Decided once: fallback.ts reads it (no probe the client recovered from), the diagnosis
 * names the login (login-failed).
 */
import type { Reply, Session, Transfer } from './model.js';

/** The frame of the session's first 230, found once per session (only sessions with such a 530 ask). */
const loginFrames = new WeakMap<Session, number | null>();
function firstLogin(s: Session): number | null {
  let frame = loginFrames.get(s);
  if (frame === undefined) {
    frame = s.commands.find((c) => c.command !== null && c.reply !== null && c.reply.code === 230)?.reply!.frame ?? null;
    loginFrames.set(s, frame);
  }
  return frame;
}

/** `r` is a 530 the server sent while `s` was not logged in. */
export function refusedUnlogged(r: Reply, s: Session): boolean {
  if (r.code !== 530) return false;
  if (!s.loggedIn) return true;
  const login = firstLogin(s);
  return login !== null && r.frame < login;
}

/** The reply that refused the transfer for want of a login: its announcement's, or its command's. */
export function unloggedRefusal(t: Transfer, s: Session): Reply | null {
  const announced = t.announce?.reply ?? null;
  if (announced !== null && refusedUnlogged(announced, s)) return announced;
  return t.reply !== null && refusedUnlogged(t.reply, s) ? t.reply : null;
}
