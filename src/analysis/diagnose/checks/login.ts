/**
 * The server refused the login itself (verdict.ts: `session.loginRefusal`, a 530, 532 or 501-504
 * answering the last USER, PASS or ACCT). No transfer could begin, so without this the session
 * would have nothing to diagnose. Where the refusal came says
 * what to check: anonymous refused, a user refused before its password, or the password's answer.
 */
import { noDataConnectionWords } from '../../data-unseen.js';
import { isLogin } from '../../../ftp/commands.js';
import type { Command, Session } from '../../model.js';
import { adviceFor, CATALOG } from '../catalog.js';
import { ep, replyWords } from '../facts.js';
import { diagnosis } from '../build.js';
import type { Diagnosis, SessionDiagnosis, TransferContext, Vantage } from '../types.js';
import { unloggedRefusal } from '../../unlogged-refusal.js';

/** The names servers take for an anonymous login (RFC 1635). */
const ANONYMOUS = /^(anonymous|ftp)$/i;

export function checkLoginFailed(s: Session, vantage: Vantage): SessionDiagnosis | null {
  const refusal = s.loginRefusal;
  if (refusal === null) return null;
  const refused = s.commands.find((c) => c.frame === refusal.command)!;
  const reply = refused.reply!;
  const user = s.user === null ? '' : ` of user ${s.user}`;
  const attempts = s.loginAttempts > 1 ? `, the last of ${s.loginAttempts} login attempts` : '';
  const closed = s.closedBy === null ? '' : `; the ${s.closedBy.by} then closed the connection (frame ${s.closedBy.frame})`;
  return {
    cause: 'login-failed',
    summary:
      `Session ${s.id}: the server ${ep(s.server)} refused the login${user} from ${ep(s.client)}: it answered ` +
      `${refused.command} (frame ${refused.frame}) with ${replyWords(reply)} (frame ${reply.frame})${attempts}${closed}. ` +
      `No listing or transfer could follow. Vantage point: ${vantage.reason}.`,
    evidence: evidence(s, reply.frame),
    advice: advice(s, refused),
  };
}

/** The login commands (the last eight), the refusal and the close. */
function evidence(s: Session, refusal: number): number[] {
  const logins = s.commands.filter((c) => isLogin(c.command));
  const frames = new Set([...logins.slice(-8).map((c) => c.frame), refusal]);
  if (s.closedBy !== null) frames.add(s.closedBy.frame);
  return [...frames].sort((x, y) => x - y);
}

function advice(s: Session, refused: Command): string {
  if (s.user !== null && ANONYMOUS.test(s.user)) {
    return (
      'The server does not take anonymous logins: log in with an account, or allow anonymous access on the server{setting:anonymous} if it is meant to be public.'
    );
  }
  if (refused.command === 'USER') {
    return (
      'The server refused the user name before asking for a password: the account is not allowed to use FTP (listed in ' +
      "/etc/ftpusers or the server's own list of refused users{setting:userList}). Log in with an allowed " +
      "account, or change the list on the server; its log says which rule refused it."
    );
  }
  return adviceFor('login-failed', s);
}

/**
 * A transfer refused for want of a login (unlogged-refusal.ts): its PASV, PORT or transfer command
 * answered 530 while the session was not logged in. The login is the cause, as the session's own
 * diagnosis says: not the passive range, the announced address or the file.
 */
export function checkNotLoggedIn(ctx: TransferContext): Diagnosis | null {
  const { session: s, transfer: t } = ctx;
  const reply = unloggedRefusal(t, s);
  if (reply === null) return null;
  const asked = s.commands.find((c) => c.reply === reply);
  const what = asked?.command ?? t.request?.command ?? t.announce?.command ?? 'the command';
  const refusal = s.loginRefusal;
  const refused = refusal === null ? undefined : s.commands.find((c) => c.frame === refusal.command);
  // No USER, PASS or ACCT in a session the capture holds from its start, without lost control bytes:
  // no login was refused, none was sent (a85-no-login-vsftpd-python). None in a capture without the
  // session's start (or with control bytes lost): one may have been sent, and refused, where the capture does not reach.
  const noLogin = refused === undefined && !s.commands.some((c) => c.command !== null && isLogin(c.command));
  const startSeen = (!s.midstream || greetedFirst(s)) && s.controlGapBytes === 0;
  const neverSent = noLogin && startSeen;
  // A 530 nothing in the capture asked for, before this refusal: most likely a login's refusal (PASS
  // sent before the capture began, its "530 Login authentication failed" in it).
  const noneSeen = noLogin && !startSeen && !s.commands.some((c) => c.command === null && c.reply?.code === 530 && c.reply.frame < reply.frame);
  const why =
    neverSent
      ? 'the client had sent no login before it (no USER or PASS)'
      : noneSeen
      ? 'the session was not logged in, and the capture holds no login (USER and PASS)'
      : refused !== undefined
      ? `the session was not logged in: the server had refused its login (${refused.command}, frame ${refused.frame}, answered ${replyWords(refused.reply!)} at frame ${refused.reply!.frame}), and refuses every command but a login until one succeeds`
      : 'the session was not logged in: no login had succeeded before it, and the server refuses every command but a login until one does';
  // No login sent at all, after the server refused TLS to a client that requires it (ftp-ssl -z secure
  // goes on with its script unlogged): nothing was refused of a login; the refused TLS is the cause.
  const tls = s.tlsRefusal;
  if (refused === undefined && tls !== null && tls.gaveUp && !s.commands.some((c) => c.command !== null && isLogin(c.command))) {
    const details = [
      `The server answered ${what} (frame ${asked?.frame ?? reply.frame}) with ${replyWords(reply)} at frame ${reply.frame}: the session was not logged in, ` +
        `and the client never tried: it sent no user name or password, as it requires TLS and the server had refused it (AUTH ${tls.mechanism}, frame ${tls.command}, answered ${tls.code} at frame ${tls.reply})`,
      ...noDataConnectionWords(s, t),
    ];
    const frames = [tls.command, tls.reply, asked?.frame, reply.frame, t.announce?.frame, t.request?.frame].filter((f): f is number => f !== undefined);
    return diagnosis(ctx, 'auth-refused', details, [...new Set(frames)].sort((x, y) => x - y));
  }
  const details = [`The server answered ${what} (frame ${asked?.frame ?? reply.frame}) with ${replyWords(reply)} at frame ${reply.frame}: ${why}`];
  details.push(...noDataConnectionWords(s, t));
  const frames = [refused?.frame, refused?.reply?.frame, asked?.frame, reply.frame, t.announce?.frame, t.request?.frame].filter((f): f is number => f !== undefined);
  return diagnosis(
    ctx,
    neverSent || noneSeen ? 'not-logged-in' : 'login-failed',
    details,
    [...new Set(frames)].sort((x, y) => x - y),
    refused !== undefined
      ? advice(s, refused)
      : noneSeen
      ? 'Log in first: no login (USER and PASS, answered 230) had succeeded before this command. Whether one was sent and refused before the capture began is not in it: a capture from the session\'s start shows which.'
      : 'Log in first: the client sent the command before any login succeeded (USER and PASS, answered 230).',
  );
}

/**
 * A session the capture began during whose first line is a 220 that nothing asked for: its greeting,
 * the handshake before it lost. The session's start, and so every login it sent, is in the capture.
 */
function greetedFirst(s: Session): boolean {
  const first = s.commands[0];
  return first !== undefined && first.command === null && first.reply?.code === 220;
}
