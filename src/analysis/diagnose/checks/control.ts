/**
 * The control connection itself never opened: the client's SYNs to the FTP port went unanswered,
 * or were answered by RST / ICMP unreachable — by the server host or by a device in between.
 * The commonest FTP failure of all; a session-level diagnosis, since no transfer could begin.
 */
import type { ControlVerdict, Session } from '../../model.js';
import { PATH_ROUND_TRIP } from '../../round-trip.js';
import { adviceFor, CATALOG } from '../catalog.js';
import { ep, frameList, replyWords, secondsText } from '../facts.js';
import type { SessionDiagnosis, Vantage } from '../types.js';
import { OWN_DROP, seesBothEnds } from '../vantage.js';

/** "retransmitted after 1.0 s, 3.0 s and 7.0 s" from the control connection's SYN times. */
function schedule(s: Session): string {
  const syns = s.controlConnection.handshake.filter((e) => e.type === 'syn');
  if (syns.length < 2) return '';
  const t0 = syns[0].time;
  const offsets = syns.slice(1).map((e) => secondsText(e.time - t0));
  const list = offsets.length === 1 ? offsets[0] : `${offsets.slice(0, -1).join(', ')} and ${offsets[offsets.length - 1]}`;
  return ` (retransmitted after ${list})`;
}

/** The other end answered with another protocol's banner (SSH on port 21) and never with an FTP reply. */
function checkNotFtp(s: Session, vantage: Vantage): SessionDiagnosis | null {
  const n = s.notFtp;
  if (!n || s.commands.some((c) => c.reply !== null && c.reply.code >= 100)) return null;
  const who = n.by === 'server' ? `The server ${ep(s.server)}` : `The client ${ep(s.client)}`;
  const what = n.protocol ? `${n.protocol}, not FTP` : 'no FTP';
  const line = n.line ? ` Its first line (frame ${n.frame}) is "${n.line}".` : ` Its first bytes (frame ${n.frame}) are not text.`;
  const advice =
    n.protocol === 'SSH'
      ? adviceFor('not-ftp', s)
      : `Check the host and port the client uses: ${s.server.ip} port ${s.server.port} does not run an FTP server.`;
  return {
    cause: 'not-ftp',
    summary: `Session ${s.id}: ${who} speaks ${what}: ${CATALOG['not-ftp'].title}.${line} No FTP reply came, so no login or transfer could follow. Vantage point: ${vantage.reason}.`,
    evidence: [n.frame],
    advice,
  };
}

/** vsftpd's own words when chroot_local_user=YES meets a home the user can write to. */
const WRITABLE_CHROOT = /writable root inside chroot/i;

/**
 * The server answered a login command with an error of its own (verdict.ts: 421, or a 5xx that is
 * neither a login refusal nor the client's syntax): it refused the session for its own reasons.
 */
function turnedAwayAtLogin(s: Session, v: Extract<Session['control'], { kind: 'turned-away' }>, vantage: Vantage): SessionDiagnosis {
  const command = s.commands.find((c) => c.frame === v.command)!;
  const reply = command.reply!;
  const closed = s.closedBy === null ? '' : `; the ${s.closedBy.by} then closed the connection (frame ${s.closedBy.frame})`;
  const why = v.tlsRequired
    ? 'it requires the session to be encrypted (TLS) before the login, and the client logged in in clear text: the login was refused, not the password'
    : v.limit
      ? 'it refused the session because of its connection limit'
      : `it refused to run the session for a reason of its own, not because of the user name or password (a wrong password gets 530)`;
  const chroot = WRITABLE_CHROOT.test(reply.text);
  const advice = v.tlsRequired
    ? 'Connect with explicit FTPS (AUTH TLS before USER): lftp set ftp:ssl-force true, curl --ssl-reqd, Python ftplib.FTP_TLS, ' +
      "FileZilla's 'Require explicit FTP over TLS'. Only where clear text is acceptable, relax the server's policy instead" +
      '{setting:tlsRequired}.'
    : v.limit
    ? adviceFor('session-refused', s).replace('The server answered the connection with an error instead of its greeting', 'The server refused the session at the login')
    : chroot
      ? "The server's configuration refused the session, not the password: vsftpd with chroot_local_user=YES will not run in a home " +
        "(the chroot's root) the user can write to. On the server, take the write permission off that directory (chmod a-w) and give " +
        'uploads a subdirectory, or set allow_writeable_chroot=YES.'
      : "The server's configuration or state refused the session, not the password: its reply says why; fix that on the server and look in its log.";
  return {
    cause: 'session-refused',
    summary:
      `Session ${s.id}: the server ${ep(s.server)} answered ${command.command} (frame ${command.frame}) from ${ep(s.client)} with ` +
      `${replyWords(reply)} (frame ${reply.frame})${closed}: ${why}. No listing or transfer could follow. Vantage point: ${vantage.reason}.`,
    evidence: v.evidence,
    advice,
  };
}

/** The connection opened and the server's first word refused the session (421 in place of 220), or its answer to the login did. */
function checkTurnedAway(s: Session, vantage: Vantage): SessionDiagnosis | null {
  const v = s.control;
  if (v.kind !== 'turned-away') return null;
  if (v.at === 'login') return turnedAwayAtLogin(s, v, vantage);
  const reply = s.commands[0].reply!;
  const closed = s.closedBy === null ? '' : `; the ${s.closedBy.by} then closed the connection (frame ${s.closedBy.frame})`;
  const why = v.limit
    ? 'it refused the session because of its connection limit (too many sessions, from this address or in all)'
    : 'it refused the session (service not available)';
  return {
    cause: 'session-refused',
    summary:
      `Session ${s.id}: the server ${ep(s.server)} accepted the TCP connection from ${ep(s.client)} and answered it with ` +
      `${replyWords(reply)} (frame ${reply.frame}) instead of a greeting${closed}: ${why}. No login or transfer could follow. ` +
      `Vantage point: ${vantage.reason}.`,
    evidence: v.evidence,
    advice: adviceFor('session-refused', s),
  };
}

/** The connection opened and the client closed it before any greeting came (verdict.ts: `ungreeted`). */
function checkNoGreeting(s: Session, vantage: Vantage): SessionDiagnosis | null {
  const v = s.control;
  if (v.kind !== 'ungreeted') return null;
  const cc = s.controlConnection;
  const synAck = cc.synAckFrames[0];
  const greeting = s.commands[0]?.reply ?? null;
  const start = cc.handshake.find((e) => e.type === 'syn-ack')!.time;
  const late =
    v.lateGreeting !== null && greeting !== null
      ? ` The greeting came only at frame ${v.lateGreeting} (${replyWords(greeting)}), ${secondsText(greeting.time - start)} after the handshake, ` +
        `when the client had already gone${cc.rst !== null && cc.rst.by === 'client' && cc.rst.frame > v.lateGreeting ? ` (it answered with a reset, frame ${cc.rst.frame})` : ''}.`
      : ' No greeting came before the capture ends.';
  return {
    cause: 'no-greeting',
    summary:
      `Session ${s.id}: the client ${ep(s.client)} opened the control connection to ${ep(s.server)} (SYN frame ${cc.synFrames[0]}, ` +
      `SYN-ACK frame ${synAck}), but the server sent no greeting (220): the client gave up and closed the connection ` +
      `(frame ${v.closed}) ${secondsText(v.waited)} after the handshake, without a command.${late} ` +
      `No login or transfer could follow. Vantage point: ${vantage.reason}.`,
    evidence: v.evidence,
    advice: adviceFor('no-greeting', s),
  };
}

/**
 * The server closed or reset the connection before greeting (verdict.ts: `hung-up`): it turned the
 * session away without the 421 that would say why.
 */
function checkHungUp(s: Session, vantage: Vantage): SessionDiagnosis | null {
  const v = s.control;
  if (v.kind !== 'hung-up') return null;
  const cc = s.controlConnection;
  return {
    cause: 'session-refused',
    summary:
      `Session ${s.id}: the server ${ep(s.server)} accepted the TCP connection from ${ep(s.client)} (SYN frame ${cc.synFrames[0]}, ` +
      `SYN-ACK frame ${cc.synAckFrames[0]}) and ${v.how === 'rst' ? 'reset' : 'closed'} it (frame ${v.closed}) ${secondsText(v.after)} later, ` +
      'before any greeting and before the client said anything: it turned the session away without a word. No login or transfer could follow. ' +
      `Vantage point: ${vantage.reason}.`,
    evidence: v.evidence,
    advice:
      "The server refused the session without saying why: its log does. Servers do this at a connection limit they enforce " +
      'before greeting{setting:limitBeforeGreeting} or through inetd/xinetd per-source limits, for an access rule on the client\'s address ' +
      '(TCP wrappers\' /etc/hosts.deny, fail2ban, a firewall, or the server\'s own rules{setting:accessRule}); or ' +
      'when the process serving the connection fails at once (a configuration error). Close the client\'s other sessions, ' +
      "raise the limit, or allow the client's address; fix what the log names.",
  };
}

export function checkControl(s: Session, vantage: Vantage): SessionDiagnosis | null {
  const foreign = checkNotFtp(s, vantage);
  if (foreign) return foreign;
  const turnedAway = checkTurnedAway(s, vantage);
  if (turnedAway) return turnedAway;
  const ungreeted = checkNoGreeting(s, vantage) ?? checkHungUp(s, vantage);
  if (ungreeted) return ungreeted;
  const v = s.control;
  if (v.kind === 'answer-reset') return checkAnswerReset(s, v, vantage);
  if (v.kind === 'abandoned') return checkAbandoned(s, v, vantage);
  if (v.kind !== 'unanswered' && v.kind !== 'refused') return null;
  const syns = s.controlConnection.synFrames;
  const head = `Session ${s.id}: the client ${ep(s.client)} tried to open the control connection to ${ep(s.server)}`;
  const sent = `${syns.length} SYN${syns.length === 1 ? '' : 's'} at ${frameList(syns.slice(0, 8))}${syns.length > 8 ? ' …' : ''}${schedule(s)}`;
  const where = `Vantage point: ${vantage.reason}.`;
  if (v.kind === 'unanswered') {
    const last = s.controlConnection.handshake.filter((e) => e.type === 'syn').pop();
    const waited = last ? ` The last SYN was sent ${secondsText(last.time - s.start)} after the first; then the client gave up or the capture ended.` : '';
    const seen =
      vantage.point === 'same-host'
        ? ` The SYNs are in a capture taken on the one host that runs both the client and the server, and got no answer: that host dropped them itself — ${OWN_DROP}.`
        : vantage.point === 'server-side' || seesBothEnds(vantage)
        ? ' The SYNs reached the server\'s side and got no answer: the server host drops them (its firewall) or nothing answers at that address.'
        : ' Nothing came back: a firewall drops them on the way or at the server, or the address is not the server\'s. A capture at the server tells which.';
    return {
      cause: 'control-unanswered',
      summary: `${head} with ${sent}, and no answer came: ${CATALOG['control-unanswered'].title}.${seen}${waited} ${where}`,
      evidence: v.evidence,
      advice:
        vantage.point === 'same-host'
          ? `Client and server are one host and nothing lies between them: allow connections to port ${s.server.port} in that host's own firewall, including its rules for the loopback interface (iptables -A INPUT -i lo …), and check that the server accepts them.`
          : adviceFor('control-unanswered', s),
    };
  }
  const who =
    v.by === 'server'
      ? `the server host ${s.server.ip} itself answered`
      : v.how === 'icmp'
        ? `${v.reporter}, a device between the client and the server, answered`
        : 'a device between the client and the server answered (the RST\'s TTL shows it was sent nearer than the server)';
  const what = v.how === 'rst' ? 'with a reset (RST)' : `with ICMP destination unreachable (from ${v.reporter})`;
  const meaning =
    v.by === 'server'
      ? v.how === 'rst'
        ? 'nothing listens on that port, or the server\'s firewall rejects the connection'
        : 'the server\'s firewall rejects the connection, or the port is closed'
      : 'a firewall or router on the path rejects the connection before it reaches the server';
  const advice =
    v.by === 'server'
      ? adviceFor('control-refused', s)
      : `A firewall or router between the client and ${s.server.ip} rejects connections to port ${s.server.port}: allow it there (or use the address the server is really reachable at).`;
  return {
    cause: 'control-refused',
    summary: `${head} with ${sent}; ${who} ${what} at ${frameList(v.evidence.filter((f) => !syns.includes(f)))}: ${meaning}. ${where}`,
    evidence: v.evidence,
    advice,
  };
}

/**
 * The server answered the client's SYN from the address it called, and the client reset the answer
 * (verdict.ts abandonedAnswer): at the client's side the time the answer took shows how long the
 * client may have waited; at the server's, the time from its answer to the client's reset.
 */
function checkAbandoned(s: Session, v: Extract<ControlVerdict, { kind: 'abandoned' }>, vantage: Vantage): SessionDiagnosis {
  const syns = v.synFrames;
  const sent = `${syns.length} SYN${syns.length === 1 ? '' : 's'} at ${frameList(syns.slice(0, 8))}`;
  const answered = `${v.synAckFrames.length === 1 ? 'a SYN-ACK' : 'SYN-ACKs'} at ${frameList(v.synAckFrames.slice(0, 4))}`;
  const timing =
    v.answeredAfter !== null && v.answeredAfter >= PATH_ROUND_TRIP
      ? ` The answer came ${secondsText(v.answeredAfter)} after the client's first SYN, as seen here: a client that waits less than that has given up before it arrives.`
      : v.resetAfter >= PATH_ROUND_TRIP
        ? ` The client's reset came ${secondsText(v.resetAfter)} after the server's answer left: the answer took that long to reach the client, or the client had gone before it came.`
        : ' The reset followed the answer at once.';
  return {
    cause: 'control-abandoned',
    summary:
      `Session ${s.id}: the client ${ep(s.client)} called ${ep(s.server)} to open the control connection (${sent}); the server answered (${answered}), and the client reset ` +
      `that answer (${frameList(v.resetFrames.slice(0, 4))}) without acknowledging it.${timing} The control connection never opened: ${CATALOG['control-abandoned'].title}. ` +
      `Vantage point: ${vantage.reason}.`,
    evidence: v.evidence,
    advice: adviceFor('control-abandoned', s),
  };
}

/**
 * The client's SYN answered from another address, the answer reset by the client (answer-reset.ts):
 * where the capture holds the SYN to the called address, both addresses are named; at the server,
 * the TTLs show the SYN came through a router that the client's reset bypassed.
 */
function checkAnswerReset(s: Session, v: Extract<ControlVerdict, { kind: 'answer-reset' }>, vantage: Vantage): SessionDiagnosis {
  const syns = v.synFrames;
  const sent = `${syns.length} SYN${syns.length === 1 ? '' : 's'} at ${frameList(syns.slice(0, 8))}${syns.length > 8 ? ' …' : ''}`;
  const twin = v.twin === null ? '' : ` (session ${v.twin} is the other half of the same attempt)`;
  // The answer itself may be missing from the capture: the client's reset shows one came.
  const synAck = v.synAckFrames.length > 0 ? `SYN-ACK, ${frameList(v.synAckFrames.slice(0, 4))}` : 'a SYN-ACK the capture lacks';
  const answered =
    v.called !== null
      ? `Session ${s.id}: the client ${ep(s.client)} called ${ep(v.called)} to open the control connection (${sent}); ` +
        `the answer (${synAck}) came from ${ep(v.answeredBy)}, another address${twin}, ` +
        `and the client reset it (${frameList(v.resetFrames)}): it never called ${v.answeredBy.ip}, so the answer belonged to no connection of its own. ` +
        `A router translated ${v.called.ip} to ${v.answeredBy.ip} on the way in (a port forward, DNAT), and the server's answer went back to the client around that router, untranslated.`
      : `Session ${s.id}: the server ${ep(s.server)} answered the client's SYN (${frameList(syns.slice(0, 4))}) with ${v.synAckFrames.length > 0 ? `a SYN-ACK (${frameList(v.synAckFrames.slice(0, 4))})` : synAck}, ` +
        `and the client reset that answer (${frameList(v.resetFrames)}): it had not called ${s.server.ip}.` +
        (v.hops !== null
          ? ` Its SYN came through ${v.hops.syn} router${v.hops.syn === 1 ? '' : 's'} (TTL ${s.controlConnection.marks.ttl.client}), its reset through ${v.hops.reset === 0 ? 'none' : v.hops.reset} (TTL ${s.controlConnection.rst?.ttl}): ` +
            `the client called another address, which a router translated to this server (a port forward, DNAT), and the server's answer reached the client directly, around that router.`
          : '');
  return {
    cause: 'control-answer-reset',
    summary: `${answered} The control connection never opened: ${CATALOG['control-answer-reset'].title}. Vantage point: ${vantage.reason}.`,
    evidence: v.evidence,
    advice: adviceFor('control-answer-reset', s),
  };
}
