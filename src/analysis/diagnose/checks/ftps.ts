/**
 * What TLS itself breaks in FTPS, from the TLS facts (src/tls: handshakes, resumption, alerts,
 * close_notify) and the replies when they could be read (in clear, or decrypted with key logs):
 * - a data connection refused because it did not resume the control connection's TLS session
 *   (vsftpd require_ssl_reuse, proftpd's default: 522 "session reuse required");
 * - a TLS handshake that failed (fatal alert) on the control or a data connection;
 * - PROT P refused (534/536/504…);
 * - a data connection closed without TLS close_notify (the receiver cannot tell it was whole).
 */
import type { Command, Reply, Session, TlsAlert, TlsFacts } from '../../model.js';
import { hiddenFrom, plausibleHiddenData } from '../../inferred-transfers.js';
import { hiddenDataNotResumed, reuseRequirementUnknown } from '../../hidden-tls.js';
import { controlHandshakeFailure, insideControlTls } from '../../control-tls.js';
import { handshakeFailed, handshakeFailure } from '../../../tls/handshake-failure.js';
import { expectedBytes } from '../../sender-stopped.js';
import { canSeeArrivalAt } from '../vantage.js';
import { tlsTruncation, type TlsTruncation } from '../../tls-truncation.js';
import { SHORT_RECORD, tlsClosing } from '../../../tls/close-notify.js';
import { diagnosis } from '../build.js';
import { adviceFor, CATALOG } from '../catalog.js';
import { count, ep, evidenceFrames, replyHeadline, replyWords } from '../facts.js';
import type { Diagnosis, SessionDiagnosis, TransferContext, Vantage } from '../types.js';

const REUSE_TEXT = /reuse|resum/i;

function alertWords(a: TlsAlert): string {
  return `${a.level === 'fatal' ? 'a fatal' : 'an'} ${a.description ?? 'encrypted'} alert from the TLS ${a.by} at frame ${a.frame}`;
}

/** Advice for a handshake that failed, by the alert. */
function handshakeAdvice(a: TlsAlert | undefined, s: Session): string {
  switch (a?.description) {
    case 'unknown_ca':
    case 'bad_certificate':
    case 'certificate_unknown':
    case 'certificate_expired':
    case 'unsupported_certificate':
      return (
        "The client refused the server's certificate: give the server a certificate from a CA the client trusts, with the " +
        "host name the client uses{setting:certificate}, or add the server's CA to the " +
        'client (curl --cacert, lftp ssl:ca-file, Python ssl context load_verify_locations); skipping verification ' +
        '(curl -k, lftp ssl:verify-certificate no) removes the protection TLS gives.'
      );
    case 'protocol_version':
      return 'Client and server have no TLS version in common: enable TLS 1.2 and 1.3 on the server{setting:tlsVersions} and on the client (curl --tls-max / --tlsv1.2).';
    case 'handshake_failure':
    case 'insufficient_security':
      // Refused by the server at its first answer: what it lacks may be its own (a certificate and key
      // it could not load leave it no usable cipher suite; OpenSSL then says "no shared cipher" too).
      if (a.by === 'server')
        return (
          'The server found nothing in the ClientHello it could use: no cipher suite (or key exchange) in common with the client, ' +
          'or no certificate and key of its own to use with any of them (OpenSSL reports both as "no shared cipher"). ' +
          "Check that the server loads its certificate and key{setting:certificate}, then compare its cipher list{setting:tlsCiphers} " +
          "with the client's (curl --ciphers, lftp ssl:priority)."
        );
      return (
        'Client and server have no cipher suite (or key exchange) in common: widen the server\'s list{setting:tlsCiphers} ' +
        'or the client\'s (curl --ciphers, lftp ssl:priority).'
      );
    default:
      return adviceFor('tls-handshake-failed', s);
  }
}

/** 522 (or a reply naming session reuse) after a data connection that did a full handshake. */
export function checkTlsSessionNotReused(ctx: TransferContext): Diagnosis | null {
  const { transfer: t, session: s } = ctx;
  const tls = t.connection?.tls;
  const r = t.reply;
  if (!tls || tls.resumed !== null || !r || !(r.code === 522 || (r.code >= 400 && REUSE_TEXT.test(r.text)))) return null;
  const control = s.tlsDetails;
  return diagnosis(
    ctx,
    'tls-session-not-reused',
    [
      `The data connection (stream ${t.connection!.stream}) began a new TLS session (ClientHello at frame ${tls.clientHelloFrame}, a full handshake) ` +
        `instead of resuming the control connection's${control?.version ? ` ${control.version}` : ''} session`,
      `The server refused it: ${replyWords(r)} at frame ${r.frame}`,
      'Servers ask for this so that nobody but the logged-in client can connect to the data port (vsftpd require_ssl_reuse=YES, its default; proftpd unless TLSOptions NoSessionReuseRequired)',
    ],
    evidenceFrames(t, [tls.clientHelloFrame, tls.serverHelloFrame, r.frame]),
  );
}

/**
 * Without keys: an inferred transfer whose connection is one of those the session's not-resumed
 * reading names (tls-reuse.ts): the session's diagnosis says why, this one names the connection.
 */
export function checkHiddenTransferNotResumed(ctx: TransferContext): Diagnosis | null {
  const { transfer: t, session: s } = ctx;
  const c = t.connection;
  const tls = c?.tls;
  if (t.inferred !== 'tls-hidden' || !c || !tls || reuseRequirementUnknown(s) || !hiddenDataNotResumed(s).some((g) => g.stream === c.stream)) return null;
  return diagnosis(
    ctx,
    'tls-session-not-reused',
    [
      `The data connection (stream ${c.stream}) began a new TLS session (ClientHello at frame ${tls.clientHelloFrame}, a full handshake) ` +
        `instead of resuming the control connection's${s.tlsDetails?.version ? ` ${s.tlsDetails.version}` : ''} session, as none of the session's data connections did`,
      'A server that requires session reuse (vsftpd require_ssl_reuse=YES, its default; proftpd by default) refuses such a data connection with 522, ' +
        'so the transfer probably failed; the reply that would say so is encrypted (a key log shows it)',
    ],
    evidenceFrames(t, [tls.clientHelloFrame, tls.serverHelloFrame]),
  );
}

/** A fatal TLS alert (or a handshake cut short) on the data connection. */
export function checkTlsDataHandshake(ctx: TransferContext): Diagnosis | null {
  const { transfer: t } = ctx;
  const c = t.connection;
  const tls = c?.tls;
  if (!c || !tls) return null;
  // An alert after the handshake completed is about the data (e.g. a record cut short), not the handshake.
  // No ServerHello read is no ServerHello sent only when the capture lost none of the connection's
  // bytes: acknowledged ones it lacks (gapBytes) reached their receiver, unacknowledged ones (undeliveredBytes)
  // were sent all the same, and so were those a reset's sequence number shows lost before it (the client's
  // Finished after a ServerHello); the ServerHello may be among them.
  const failure = handshakeFailed(tls, c.close !== null, c.gapBytes > 0 || c.undeliveredBytes > 0 || (c.rst?.lostBefore ?? 0) > 0);
  if (failure === null) return null;
  const alert = failure === 'no-server-hello' ? undefined : failure;
  // No alert, the ClientHello unanswered, and the server refused the command (a 4xx/5xx read): servers
  // begin TLS on a data connection only for a command they accept (pure-ftpd's 552 over quota, the
  // client's ClientHello sent before its STOR). The refusal is the cause (checkServerRefused), not TLS.
  if (!alert && t.reply !== null && t.reply.code >= 400) return null;
  const details = alert
    ? [`The TLS handshake on the data connection (stream ${c.stream}) failed: ${alertWords(alert)}`]
    : [`The data connection (stream ${c.stream}) closed after the ClientHello (frame ${tls.clientHelloFrame}) without a ServerHello: the TLS handshake never happened`];
  if (t.reply) details.push(`The server then answered ${replyWords(t.reply)} at frame ${t.reply.frame}`);
  // No alert to name a reason: the server never began TLS there (a certificate or cipher mismatch is answered with an alert).
  const advice = alert
    ? handshakeAdvice(alert, ctx.session)
    : 'The server never answered the ClientHello, with a ServerHello or an alert: a server begins TLS on a data connection only once it accepts the transfer command, ' +
      `so the command was probably refused${t.inferred === 'tls-hidden' ? ' (its reply is encrypted on the control connection: a key log shows it)' : ''}, ` +
      'or the server does not protect its data connections (PROT P refused, or its data TLS switched off); a certificate or cipher mismatch would have drawn an alert.';
  return diagnosis(ctx, 'tls-handshake-failed', details, evidenceFrames(t, [tls.clientHelloFrame, alert?.frame]), advice);
}

const n = count;

/** How the sender's records ended: "It stopped in the middle of a TLS record: …" and the like. */
function endingWords({ closing, tls }: TlsTruncation): string {
  const { last, cut, certain } = closing;
  if (cut !== null) {
    const size = cut.length === null ? 'its header' : `${n(cut.length)} bytes`;
    const lastWhole = last !== null && last.frame !== cut.frame ? `; the last whole one ended at frame ${last.frame}` : '';
    return `It stopped in the middle of a TLS record: the record begun at frame ${cut.frame} (${size}) was cut after ${n(cut.got)} bytes${lastWhole}`;
  }
  if (last === null) return '';
  if (!certain) {
    return (
      `TLS 1.3 hides every record's type, but not its length: its last record (frame ${last.frame}) is ${n(last.length)} bytes long, data rather than ` +
      `a close_notify (2 bytes of alert, 1 of content type and a 16-byte tag make 19; ftpcap takes a last record of at most ${SHORT_RECORD} bytes for one)`
    );
  }
  return tls.decryption === 'decrypted'
    ? `Its last TLS record (frame ${last.frame}, ${n(last.length)} bytes) carried data, and no alert followed`
    : `Its last TLS record (frame ${last.frame}, ${n(last.length)} bytes) is application data (content type ${last.type} in clear), not an alert (type 21)`;
}

/** The data's sender closed the connection without close_notify: the receiver cannot tell the data was whole. */
export function checkTlsNoCloseNotify(ctx: TransferContext): Diagnosis | null {
  const { transfer: t } = ctx;
  if (t.status === 'complete') return null;
  const u = tlsTruncation(t);
  if (u === null) return null;
  const { connection: c, tls } = u;
  const receiverSide = u.tlsSide === 'client' ? 'server' : 'client';
  const expected = expectedBytes(t);
  const who =
    u.senderFrom.by === 'bytes'
      ? `The ${u.sender} (the data's sender, by the bytes: it sent ${n(u.senderFrom.sent)} of the connection's ${n(u.senderFrom.sent + u.senderFrom.received)}, TLS hiding the command)`
      : `The ${u.sender} (the data's sender)`;
  const details = [
    `${who} closed the TLS data connection (stream ${c.stream}, frame ${u.closeFrame}) without a TLS close_notify alert${u.closing.certain ? '' : ' (likely, from the length of its last record)'}`,
    endingWords(u),
  ];
  // Arrived, as far as the capture shows, only what the receiver acknowledged — unless the capture was
  // taken at the receiver's side (what it holds reached that side). Elsewhere (the sender's side) it
  // holds what was sent; the rest may have been in flight or lost. ftpcap reads a connection up to its
  // reset: acknowledgements after it are not counted, hence "when the reset came".
  const receiver = u.sender === 'client' ? 'server' : 'client';
  const unacked = canSeeArrivalAt(ctx.vantage, receiver) ? 0 : receiver === 'server' ? c.unacknowledged.toServer : c.unacknowledged.toClient;
  const records = (receiver === 'server' ? c.bytesToServer : c.bytesToClient) + c.gapBytes + c.undeliveredBytes;
  const acked =
    unacked === 0
      ? ''
      : `the ${receiver} had acknowledged ${n(Math.max(0, records - unacked))} bytes of those records (TCP payload, the TLS handshake's included)${c.rst ? ` when the reset came (frame ${c.rst.frame})` : ''}`;
  const arrived = unacked === 0 ? 'had arrived' : 'had been sent';
  if (u.senderFrom.by === 'bytes') {
    details.push(
      `${n(u.senderFrom.sent)} bytes of TLS records ${arrived}${acked === '' ? '' : `; ${acked}`}; with the commands encrypted (no key log) the file's name, size and the server's final reply are unknown, ` +
        'but a sender that stops without close_notify has, as a rule, not sent everything: the transfer was probably cut short (truncation)',
    );
  } else {
    const from = acked === '' ? '' : ` (decrypted from the ${u.sender}'s TLS records; ${acked})`;
    details.push(
      expected !== null && t.bytes < expected
        ? `${t.bytes} of the ${expected} bytes announced ${arrived}${from}: the file was cut short, and TLS did not say so (a truncation only the missing close_notify betrays when no size is announced)`
        : `${t.bytes} bytes ${arrived}${from}: without close_notify the receiver cannot tell a whole file from one cut short (truncation)`,
    );
  }
  // The receiver's answer: a fatal alert (read, or an alert record in clear), or in TLS 1.3 without keys a short record.
  const answer = tls.alerts.find((a) => a.by === receiverSide && (a.level === 'fatal' || (a.encrypted && a.level === null)) && a.frame > u.closeFrame);
  const heard = tlsClosing(tls, receiverSide);
  let answerFrame = answer?.frame;
  if (answer) details.push(`The receiver then sent ${alertWords(answer)}: its TLS stream ended badly`);
  else if (heard.kind === 'close-notify' && heard.seen === 'short-record' && heard.frame > u.closeFrame) {
    answerFrame = heard.frame;
    details.push(`The receiver then sent a short record (frame ${heard.frame}, ${heard.length} bytes): an alert, its type hidden by TLS 1.3`);
  }
  const recordFrame = u.closing.cut?.frame ?? (u.closing.certain ? undefined : u.closing.last?.frame);
  // A sender that stopped in the middle of a record was cut off while writing (killed, crashed, its
  // connection torn down): no close_notify setting would have changed that, the sender's fate did.
  const advice =
    u.closing.cut !== null
      ? `The ${u.sender} stopped in the middle of a TLS record: it was interrupted while sending (killed, crashed, or cut off), not merely closing without close_notify. ` +
        `Look at the ${u.sender}${u.sender === 'server' ? ' (its log, its processes)' : ' (was it interrupted or killed?)'}, then retry the transfer and compare the size with the server's (SIZE, the 150 reply).`
      : undefined;
  return diagnosis(ctx, 'tls-no-close-notify', details, evidenceFrames(t, [u.closeFrame, answerFrame, recordFrame]), advice);
}

/**
 * Without keys: an inferred transfer whose data's receiver (by the bytes) reset the TLS data connection
 * before its sender had ended it — no FIN from the sender before the reset, and the sender's records
 * not ended by a close_notify (an alert record in clear, or in TLS 1.3 a short last record). A receiver
 * resets a connection whose data is still coming when it stops taking it (ABOR, a client interrupted
 * or killed, a server that could not store an upload or whose process died): the transfer was cut short, whatever the
 * encrypted reply says of why. A sender done with its data would have closed (FIN), or sent close_notify.
 */
export function checkHiddenReceiverReset(ctx: TransferContext): Diagnosis | null {
  const { transfer: t } = ctx;
  const c = t.connection;
  const tls = c?.tls;
  if (t.inferred !== 'tls-hidden' || !c || !tls || !tls.handshakeDone || !c.rst || c.rst.forged || c.gapBytes > 0) return null;
  const [sent, received, sender] =
    c.bytesToClient >= c.bytesToServer ? [c.bytesToClient, c.bytesToServer, 'server' as const] : [c.bytesToServer, c.bytesToClient, 'client' as const];
  // The sender by a wide margin (tls-truncation.ts SENDER_MARGIN): a handshake's bytes go both ways.
  if (sent <= 2 * received) return null;
  const receiver = sender === 'server' ? 'client' : 'server';
  const reset = c.rst;
  if (reset.by !== receiver) return null;
  if (c.handshake.some((e) => e.type === 'fin' && e.by === sender && e.frame < reset.frame)) return null;
  const ftpClientIsTlsClient = tls.tlsClient === null || (tls.tlsClient === 'initiator') === (c.initiator === 'client');
  const closing = tlsClosing(tls, ftpClientIsTlsClient ? sender : receiver);
  if (closing.kind !== 'none' || (closing.last === null && closing.cut === null)) return null;
  const { last, cut } = closing;
  const recordFrame = cut?.frame ?? last!.frame;
  const lastWords =
    cut !== null
      ? `its records stopped in the middle of one (begun at frame ${cut.frame}, ${count(cut.got)} bytes of it captured): it was still sending`
      : last === null
        ? ''
        : tls.version === 'TLS 1.3' || !closing.certain
        ? `its last TLS record (frame ${last.frame}, ${count(last.length)} bytes) was too long for a close_notify (TLS 1.3 hides a record's type, not its length)`
        : `its last TLS record (frame ${last.frame}, ${count(last.length)} bytes) was application data (content type ${last.type} in clear), not an alert`;
  return diagnosis(
    ctx,
    'aborted',
    [
      `The ${receiver} (the data's receiver, by the bytes: the ${sender} sent ${count(sent)} of the connection's ${count(sent + received)}, TLS hiding the command) ` +
        `reset the TLS data connection (stream ${c.stream}, frame ${reset.frame}) before the ${sender} had ended it: no FIN from the ${sender} came before the reset, and ${lastWords}`,
      `A receiver resets a connection whose data is still coming when it stops taking it (${
        receiver === 'client' ? 'an ABOR, a client interrupted or killed' : 'an ABOR, a server that could not store the upload, or whose process died'
      }): ` +
        'the transfer was probably cut short; with the commands encrypted (no key log) which of these it was, and the server\'s final reply, are unknown',
    ],
    evidenceFrames(t, [recordFrame, reset.frame]),
    `The ${receiver} stopped the transfer part-way. A key log (SSLKEYLOGFILE, or the client's keylog setting) lets ftpcap read the commands and the server's reply that say why; ` +
      `otherwise look at the ${receiver} (${receiver === 'client' ? 'its output: an interrupt, a kill, a timeout' : 'its log: a local error such as a full disk, a process that died'}), then retry the transfer.`,
  );
}

/** The first line the server sent unasked, in clear text, after frame `after` (null when none or no frame). */
function serverLineAfter(s: Session, after: number | null): Reply | null {
  if (after === null) return null;
  const c = s.commands.find((x) => x.command === null && x.reply !== null && x.reply.code >= 400 && x.reply.frame > after);
  return c?.reply ?? null;
}

/** The control connection's TLS handshake failed (a fatal alert, or no ServerHello). */
export function checkControlTlsHandshake(s: Session, vantage: Vantage): SessionDiagnosis | null {
  const tls = s.tlsDetails;
  const failure = controlHandshakeFailure(s);
  if (!tls || failure === null) return null;
  const alert = failure === 'no-server-hello' ? undefined : failure;
  const start = s.tlsMode === 'implicit' ? `Session ${s.id} is implicit FTPS (port ${s.server.port})` : `Session ${s.id} switched to TLS at frame ${s.tlsFrame}`;
  const what = alert
    ? `its TLS handshake failed: ${alertWords(alert)}${tls.version ? ` (${tls.version}${tls.cipherSuite ? `, ${tls.cipherSuite}` : ''})` : ''}`
    : `the connection closed after the ClientHello (frame ${tls.clientHelloFrame}) without a ServerHello`;
  const parts = [`${start}, but ${what}.`];
  if (tls.certificate) parts.push(`The server's certificate: subject ${tls.certificate.subject}, issuer ${tls.certificate.issuer} (frame ${tls.certificate.frame}).`);
  // What the server then wrote in clear text, unasked (ftpd-ssl's "421 ftpd: SSL_accept error: …"): its own reason.
  const told = serverLineAfter(s, alert?.frame ?? tls.clientHelloFrame);
  if (told) parts.push(`The server then wrote in clear text: ${replyWords(told)} (frame ${told.frame}).`);
  if (!s.loggedIn) parts.push('No login happened, and no transfer.');
  parts.push(`Vantage point: ${vantage.reason}.`);
  return {
    cause: 'tls-handshake-failed',
    summary: parts.join(' '),
    evidence: [...new Set([tls.clientHelloFrame, tls.serverHelloFrame, alert?.frame, tls.certificate?.frame, told?.frame])].filter((f): f is number => typeof f === 'number').sort((a, b) => a - b),
    advice: handshakeAdvice(alert, s),
  };
}

/** The server refused AUTH TLS/SSL and the client closed without logging in (verdict.ts: `session.tlsRefusal`). */
export function checkAuthRefused(s: Session, vantage: Vantage): SessionDiagnosis | null {
  const r = s.tlsRefusal;
  if (r === null || !r.gaveUp) return null;
  const reply = s.commands.find((c) => c.frame === r.command)!.reply!;
  const auths = s.commands.filter((c) => c.command === 'AUTH' && c.reply !== null && c.reply.code >= 400).slice(-4);
  const asked = auths.map((c) => `AUTH ${c.arg.trim()} (frame ${c.frame}) with ${replyWords(c.reply!)} (frame ${c.reply!.frame})`).join(', ');
  // How the client ended it: its close, or its QUIT (the server closing after the 221).
  const quit = [...s.commands].reverse().find((c) => c.command === 'QUIT' && c.frame > r.command);
  const ended = s.closedBy?.by === 'client' || quit === undefined ? `closed the connection (frame ${s.closedBy!.frame})` : `ended the session (QUIT, frame ${quit.frame})`;
  return {
    cause: 'auth-refused',
    summary:
      `Session ${s.id}: the client ${ep(s.client)} asked the server ${ep(s.server)} for TLS on the control connection and the server refused: ` +
      `it answered ${asked}. The client then ${ended} without logging in: it requires TLS ` +
      `(as curl --ssl-reqd does) and the server does not offer it (${reply.code}). No login or transfer happened. Vantage point: ${vantage.reason}.`,
    evidence: [...new Set([...auths.flatMap((c) => [c.frame, c.reply!.frame]), s.closedBy?.by === 'client' || quit === undefined ? s.closedBy!.frame : quit.frame])].sort((x, y) => x - y),
    advice: adviceFor('auth-refused', s),
  };
}

/**
 * PROT P answered with a refusal. Not when it was sent in clear text: the server had refused TLS
 * itself (AUTH, verdict.ts `tlsRefusal`) and the client went on without it, or the control connection
 * was not in TLS when it came (the capture began after the AUTH's refusal). PROT means nothing
 * without a TLS session (RFC 4217), so its refusal says no more than the AUTH's did, which the
 * session's TLS refusal words (lftp sends PROT P after an AUTH TLS that busybox ftpd answered 530
 * before login). Whether a transfer followed changes nothing: a capture cut before it must not read otherwise.
 */
export function checkProtRefused(s: Session, vantage: Vantage): SessionDiagnosis | null {
  const prot = s.commands.find((c: Command) => c.command === 'PROT' && c.arg.trim().toUpperCase() === 'P' && c.reply !== null && c.reply.code >= 400);
  if (!prot) return null;
  if (s.tlsRefusal !== null || sentInClear(s, prot.frame)) return null;
  const r = prot.reply!;
  const used = s.transfers.filter((t) => t.request !== null);
  const parts = [`Session ${s.id} asked for encrypted data connections (PROT P, frame ${prot.frame}) and the server refused: ${replyWords(r)} at frame ${r.frame}.`];
  if (used.length === 0) parts.push('The client then stopped without a transfer (a client that requires protected data, like curl --ssl-reqd, gives up here).');
  else parts.push(`The client went on with ${used.length} transfer(s) over clear-text data connections: the files crossed the network unencrypted.`);
  parts.push(`Vantage point: ${vantage.reason}.`);
  return { cause: 'prot-refused', summary: parts.join(' '), evidence: [prot.frame, r.frame], advice: adviceFor('prot-refused', s) };
}

/**
 * Whether the session's control connection was in clear text at `frame`: no TLS yet, or TLS ended by
 * CCC (insideControlTls). TLS whose start the capture lacks counts as TLS.
 */
function sentInClear(s: Session, frame: number): boolean {
  return !(s.tls && s.tlsFrame === null) && !insideControlTls(s, frame);
}

/**
 * Without keys: the data connections between the hosts of an FTPS session did full handshakes, none
 * resuming the control connection's session — what servers requiring session reuse refuse.
 */
export function checkHiddenDataNotResumed(s: Session, vantage: Vantage): SessionDiagnosis | null {
  // A server the capture does not name (its greeting before the capture) may need no reuse: nothing to say of it.
  const guesses = reuseRequirementUnknown(s) ? [] : hiddenDataNotResumed(s);
  if (guesses.length === 0) return null;
  const list = guesses.map((g) => `stream ${g.stream} (${ep(g.from)} → ${ep(g.to)}, ClientHello at frame ${g.tls!.clientHelloFrame})`).join('; ');
  const parts = [
    `Session ${s.id}'s commands are encrypted (TLS from frame ${s.tlsFrame}, no key log for them), but the handshakes of its probable data connections are not:`,
    `${list} began new TLS sessions instead of resuming the control connection's${s.tlsDetails?.version ? ` ${s.tlsDetails.version}` : ''} session.`,
    'A server that requires session reuse (vsftpd require_ssl_reuse=YES, its default; proftpd by default) refuses such data connections with 522, so the transfers probably failed; the replies that would say so are encrypted (a key log shows them).',
    `Vantage point: ${vantage.reason}.`,
  ];
  return {
    cause: 'tls-session-not-reused',
    summary: parts.join(' '),
    evidence: [s.tlsFrame, ...guesses.map((g) => g.tls!.clientHelloFrame)].filter((f): f is number => typeof f === 'number').sort((a, b) => a - b),
    advice: adviceFor('tls-session-not-reused', s),
    guesses,
  };
}

/**
 * Implicit FTPS and plain FTP spoken to each other: a ClientHello answered by a clear-text 220
 * (implicit TLS to a plain or explicit-FTPS port), or a client that says nothing on an implicit-TLS
 * port (a plain FTP client waiting for a greeting that an implicit server never sends in clear).
 */
export function checkTlsModeMismatch(s: Session, vantage: Vantage): SessionDiagnosis | null {
  const tls = s.tlsDetails;
  const greeting = s.commands.find((c) => c.command === null && c.reply !== null && c.reply.code === 220 && (s.tlsFrame === null || c.reply.frame < s.tlsFrame));
  const clearReply = tls?.clearText?.by === 'server' && /^\d{3}/.test(tls.clearText.line) ? tls.clearText : null;
  if (s.tlsMode === 'implicit' && tls && tls.serverHelloFrame === null && tls.clientHelloFrame !== null && (greeting || clearReply)) {
    const g = greeting ? { frame: greeting.reply!.frame, line: `${greeting.reply!.code} ${replyHeadline(greeting.reply)}` } : clearReply!;
    return {
      cause: 'tls-mode-mismatch',
      summary:
        `Session ${s.id}: the client began TLS at once (ClientHello at frame ${tls.clientHelloFrame}: implicit FTPS, as ftps:// URLs do), ` +
        `but the server on port ${s.server.port} speaks plain FTP first ("${g.line}" in clear at frame ${g.frame}). ` +
        'The handshake never happened and no command was exchanged. ' +
        `Vantage point: ${vantage.reason}.`,
      evidence: [...new Set([g.frame, tls.clientHelloFrame])].sort((a, b) => a - b),
      advice: adviceFor('tls-mode-mismatch', s),
    };
  }
  const implicitPort = s.server.port === 990 || s.tlsMode === 'implicit';
  const clientSilent = s.opaqueBytes.client === 0 && s.commands.every((c) => c.command === null) && !tls?.clientHelloFrame;
  if (implicitPort && clientSilent && s.controlConnection.established && s.closedBy !== null) {
    const waited = s.closedBy.time - s.start;
    const serverSaid = s.commands.length > 0 ? 'the server sent clear text' : tls?.alerts.length ? `the server answered the close with ${alertWords(tls.alerts[0])}` : 'the server sent nothing either';
    return {
      cause: 'tls-mode-mismatch',
      summary:
        `Session ${s.id}: the connection to port ${s.server.port} (implicit FTPS) opened, but the client never began TLS: it sent no byte in ` +
        `${waited.toFixed(1)} s until the ${s.closedBy.by} closed it at frame ${s.closedBy.frame} (${serverSaid}). ` +
        'A plain FTP client waits for a 220 greeting that an implicit-FTPS server sends only inside TLS. ' +
        `Vantage point: ${vantage.reason}.`,
      evidence: [...new Set([...s.controlConnection.synFrames.slice(0, 1), s.closedBy.frame, ...(tls?.alerts.map((a) => a.frame) ?? [])])].sort((a, b) => a - b),
      advice: adviceFor('tls-mode-mismatch', s),
    };
  }
  return null;
}

/** Without keys: a probable data connection's TLS handshake ended in a fatal alert sent in clear. */
export function checkHiddenDataHandshake(s: Session, vantage: Vantage): SessionDiagnosis | null {
  if (hiddenFrom(s) === null || !s.tls) return null;
  const failed = s.otherConnections
    .filter((c) => plausibleHiddenData(s, c) && c.tls)
    .map((c) => ({ c, alert: handshakeFailure(c.tls!) }))
    .filter((x): x is { c: (typeof s.otherConnections)[number]; alert: TlsAlert } => x.alert !== undefined);
  if (failed.length === 0) return null;
  const list = failed.map(({ c, alert }) => `stream ${c.stream} (${ep(c.from)} → ${ep(c.to)}): ${alertWords(alert)}`).join('; ');
  return {
    cause: 'tls-handshake-failed',
    summary:
      `Session ${s.id}'s commands are encrypted (TLS from frame ${s.tlsFrame}, no key log for them), but the TLS handshake of ` +
      `${failed.length === 1 ? 'a probable data connection' : `${failed.length} probable data connections`} failed in clear: ${list}. ` +
      `The transfer that needed it failed (its reply is encrypted; a key log shows it). Vantage point: ${vantage.reason}.`,
    evidence: [...new Set([s.tlsFrame, ...failed.flatMap(({ c, alert }) => [c.tls!.clientHelloFrame, alert.frame])])]
      .filter((f): f is number => typeof f === 'number')
      .sort((a, b) => a - b),
    advice: handshakeAdvice(failed[0].alert, s),
    guesses: failed.map(({ c }) => c),
  };
}
