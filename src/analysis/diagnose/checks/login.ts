/**
 * The server refused the login itself (verdict.ts: `session.loginRefusal`, a 530, 532 or 501-504
 * answering the last USER, PASS or ACCT). No transfer could begin, so without this the session
 * would have nothing to diagnose. Where the refusal came says
 * what to check: anonymous refused, a user refused before its password, or the password's answer.
 */
import { isLogin } from '../../../ftp/commands.js';
import type { Command, Session } from '../../model.js';
import { adviceFor, CATALOG } from '../catalog.js';
import { ep, replyWords } from '../facts.js';
import type { SessionDiagnosis, Vantage } from '../types.js';

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
