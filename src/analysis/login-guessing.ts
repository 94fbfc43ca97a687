/**
 * Password guessing: one client address whose logins FTP servers refused many times in a short
 * while. Each refused login is already its session's diagnosis (login-failed); many of them from
 * one address are a pattern worth one sentence of its own. Zeek's rule, so the two agree on a
 * capture: a 5xx answering USER or PASS counts as a failed login of the connection's originator,
 * and 20 of them within 15 minutes (FTP::bruteforce_threshold, FTP::bruteforce_measurement_interval)
 * is FTP::Bruteforcing ("… had 20 failed logins on 1 FTP server in 0m37s"). A server's own error
 * at the login (vsftpd's 500 OOPS) is no guess; Zeek counts it, and so do we, as Zeek does: the
 * point is a log that matches.
 */
import type { LoginGuessing, Session } from './model.js';

/** Zeek's FTP::bruteforce_threshold and FTP::bruteforce_measurement_interval. */
export const GUESSING_THRESHOLD = 20;
export const GUESSING_WINDOW_SECONDS = 15 * 60;
/** User names (and sessions) named in the finding; the rest are counted. */
const NAMED = 5;

interface Failure {
  frame: number;
  time: number;
  server: string;
  user: string | null;
  session: number;
}

/** Every client address that reached the threshold within the window, in the order it did. */
export function findLoginGuessing(sessions: Session[]): LoginGuessing[] {
  const byClient = new Map<string, Failure[]>();
  for (const s of sessions) {
    for (const c of s.commands) {
      if ((c.command !== 'USER' && c.command !== 'PASS') || c.reply === null || c.reply.code < 500 || c.reply.code > 599) continue;
      let list = byClient.get(s.client.ip);
      if (list === undefined) byClient.set(s.client.ip, (list = []));
      list.push({ frame: c.reply.frame, time: c.reply.time, server: s.server.ip, user: s.user, session: s.id });
    }
  }
  const found: LoginGuessing[] = [];
  for (const [client, failures] of byClient) {
    if (failures.length < GUESSING_THRESHOLD) continue;
    failures.sort((x, y) => x.time - y.time || x.frame - y.frame);
    const window = crossing(failures);
    if (window === null) continue;
    const crossed = failures[window.end];
    const users = [...new Set(failures.map((f) => f.user).filter((u): u is string => u !== null))];
    const ids = [...new Set(failures.map((f) => f.session))];
    found.push({
      client,
      failures: failures.length,
      servers: new Set(failures.map((f) => f.server)).size,
      first: { frame: failures[0].frame, time: failures[0].time },
      last: { frame: failures[failures.length - 1].frame, time: failures[failures.length - 1].time },
      crossed: {
        frame: crossed.frame,
        time: crossed.time,
        since: failures[window.start].time,
        servers: new Set(failures.slice(window.start, window.end + 1).map((f) => f.server)).size,
      },
      users: users.slice(0, NAMED),
      userCount: users.length,
      sessions: ids.slice(0, NAMED),
      sessionCount: ids.length,
    });
  }
  return found.sort((x, y) => x.crossed.time - y.crossed.time);
}

/** The first window of failures (a sliding one over time-sorted failures) that holds the threshold's number. */
function crossing(failures: Failure[]): { start: number; end: number } | null {
  let start = 0;
  for (let end = 0; end < failures.length; end++) {
    while (failures[end].time - failures[start].time > GUESSING_WINDOW_SECONDS) start++;
    if (end - start + 1 >= GUESSING_THRESHOLD) return { start, end };
  }
  return null;
}
