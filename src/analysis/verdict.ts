/**
 * The one place that decides what happened: each transfer's status and verdict, and each control
 * connection's fate. Facts come in (replies, the data connection, sizes the session stated, the
 * diagnosis' cause); typed verdicts with their evidence frames go out. Renderers only word them.
 *
 * Two passes around the diagnosis: `settleOutcomes` (status and control verdict, which the checks
 * read) before it, `decideVerdicts` (which carries the diagnosed cause) after it.
 */
import { commandsNotKeptAfter, markSiblingNotFollowed, notFollowed, notFollowedAt, siblingNotFollowedFrom, splitSiblingNotFollowed } from './not-followed.js';
import { dataVantage, pathLoss, refusedAfterClose, sentAtReset, sentNotArrived } from './path-loss.js';
import { stateAtCaptureEnd } from './stopped-at-end.js';
import { dataReceiver, dataSender, unacknowledgedTo } from './data-sender.js';
import { evidenceFrames, serverGaveUpWaiting } from './diagnose/facts.js';
import { hopsAway } from './diagnose/vantage.js';
import type { Analysis, Command, ControlVerdict, DataConnection, Reply, RstSeen, Session, Transfer, TransferStatus, TransferVerdict } from './model.js';
import { isLogin, saysFailed, saysLacking } from '../ftp/commands.js';
import { hiddenDataNotResumed } from './hidden-tls.js';
import { handshakeFailure } from '../tls/handshake-failure.js';
import type { Resumption } from '../tcp/types.js';
import { tlsTruncation } from './tls-truncation.js';
import { CUT_SHORT } from '../ftp/line-framer.js';
import { settleRestartLost } from './restart-lost.js';
import { dataEndNotCaptured } from './data-end-lost.js';
import { carriesExpected, expectedBytes, senderStoppedShort, streamMode, wholeThenRefused } from './sender-stopped.js';
import { receiverClosedAfterSilence } from './silence-ended.js';
import { findResumedUploads, type ResumedUpload } from './resumed-upload.js';
import type { ControlReset, Fallback, RetryOf, Stopper } from './verdict-types.js';
import { settleUnanswered } from './unanswered.js';
import { refusedFxpHalves, usedFxpPortHalves } from './fxp.js';
import { unhostedAnnouncementNotFailed, unusableAnnouncementFailed } from './announce-malformed.js';
import { sessionOrder } from './session-order.js';
import { assignLaterAttempts } from './later-attempt.js';
import { fallbackOf } from './fallback.js';
import { findRefusedRetries } from './retry-refused.js';
import { findPendingSplits, findSplitSegments, findSplitsLost } from './split-download.js';
import { unfinishedAtLostEnd } from './control-end-lost.js';
import { settleSplitStalls, stalledBySplit } from './split-stall.js';
import { textMode } from './line-ends.js';
import { handshakeLostInCapture, IN_FLIGHT_SECONDS, inFlightAtEnd, loginInFlight, receiverResetWhole, sessionStepAtEnd } from './in-flight.js';
import { senderReset, senderResetInFlight } from './sender-reset.js';
import { sizeLost } from './size-lost.js';
import { announceLost, othersByHosts } from './announce-lost.js';
import { markDataUnseen } from './data-unseen.js';
import { leftAfterRefusal } from './session-facts.js';
import { findAnswerResets, type AnswerReset } from './answer-reset.js';
export { senderResetInFlight, type QueuedReset } from './sender-reset.js';

const isPositive = (code: number | undefined): boolean => code !== undefined && code >= 200 && code < 300;


/**
 * Bytes the server moved that the capture does not hold: acknowledged gaps, or short of the stated
 * size when the capture may not hold the whole data connection. A connection held whole (its SYN,
 * no gap, the sender's own FIN before any reset) has every byte the sender sent: whatever it lacks
 * of the stated size was never sent (`sentShort`), not lost by the capture.
 */
export function missingBytes(t: Transfer): number {
  const c = t.connection;
  if (!c) return 0;
  const expected = expectedBytes(t);
  const short = expected !== null && !heldWhole(t) ? Math.max(0, expected - t.bytes - c.gapBytes) : 0;
  return c.gapBytes + short;
}

/**
 * A download with no size known (no SIZE answered, none in the 150 as captured) whose 1xx the
 * capture's snapshot length cut: the size servers state at its end ("(120000 bytes)") may have been
 * in the bytes cut. Its frame, or null. What the capture cannot know, never evidence either way.
 */
export function sizeCutAt(t: Transfer): number | null {
  if (t.direction !== 'download' || t.expectedSize !== null || t.announcedKbytes !== undefined) return null;
  const p = t.preliminary;
  return p !== null && p.malformed !== undefined && p.malformed.includes(CUT_SHORT) ? p.frame : null;
}

/** The completed verdict's `payloadCut`: bytes the snaplen cut (present only when some were). */
const payloadCut = (c: DataConnection): { payloadCut?: number } => (c.cutBytes > 0 ? { payloadCut: c.cutBytes } : {});

/** The capture holds the data connection whole: from its SYN to the sender's FIN (or its receiver's acknowledgement of one the capture missed: finUnseen), with no gap and no reset before that FIN. */
export function heldWhole(t: Transfer): boolean {
  const c = t.connection;
  if (!c || !c.established || c.midstream || c.gapBytes > 0 || c.undeliveredBytes > 0) return false;
  const fin = c.handshake.find((e) => e.type === 'fin' && e.by === senderOf(t))?.frame ?? c.finUnseen?.[senderOf(t)];
  return fin !== undefined && (c.rst === null || c.rst.frame > fin);
}

/**
 * The sender closed a data connection the capture holds whole before the size the session stated
 * (SIZE's 213, the 150's "(N bytes)"): it sent fewer bytes than announced. The file changed on the
 * server while it was sent, or the size was stated wrong; neither the network nor the capture lost them.
 */
function sentShort(t: Transfer): boolean {
  const expected = expectedBytes(t);
  return expected !== null && t.bytes < expected && heldWhole(t);
}

/**
 * The sender closed a data connection the capture holds whole after more bytes than the session
 * stated, in binary (in ASCII mode the wire may carry a CR more per line end): the file grew on the
 * server while it was sent (a server that reads to the end of the file as it finds it: proftpd,
 * pyftpdlib) or was replaced after its SIZE, or its size was stated wrong. The server's 2xx counts every byte; none was lost.
 */
function sentLong(t: Transfer): boolean {
  const expected = expectedBytes(t);
  // TLS records not decrypted are no count of the file's bytes (decrypted, `bytes` are the plaintext's).
  const tls = t.connection?.tls !== undefined && t.connection.plaintext === undefined;
  return expected !== null && !tls && !textMode(t) && t.bytes > expected && heldWhole(t);
}

/**
 * A 2xx whose words say it failed, nothing sent, no ABOR (vsftpd's "226 Transfer done (but failed to
 * open directory)"): the server refused the work and sent an empty listing; failed, not completed.
 */
export function refusedInSuccess(t: Transfer): boolean {
  return t.reply !== null && saysFailed(t.reply) && t.bytes === 0 && t.abortFrame === null;
}

/** Which end sends a transfer's data (without a command: the server, as for a download). */
const senderOf = (t: Transfer): 'client' | 'server' => dataSender(t.direction) ?? 'server';

/**
 * The receiver gave up on data that never reached it: a success reply came while the sender still
 * had data on its way (no FIN of the sender before the receiver's), the receiver then closed the data
 * connection (FIN) having acknowledged less than the size the session stated. The server's 226 came
 * when its data was queued in its own TCP stack (vsftpd answers once it has written the file to the
 * socket), not when it arrived: the data was lost on the way, every copy of it (a41-frag-blackhole:
 * a firewall dropping fragments). Not the capture's loss: the receiver's acknowledgements say what
 * it got. With no size stated (a 150 without one, no SIZE asked, or their bytes not captured), the
 * end of a stream-mode transfer's data is its sender's FIN: a receiver that waited through a silence
 * with no FIN and then closed gave up just the same (silence-ended.ts receiverClosedAfterSilence;
 * `expected` null). Returns the receiver's FIN.
 */
export function receiverGaveUpAfterReply(t: Transfer): { fin: number; time: number; acknowledged: number; expected: number | null; beforeReply: boolean } | null {
  const c = t.connection;
  if (!c?.established || c.midstream || t.reply === null || !isPositive(t.reply.code)) return null;
  const expected = expectedBytes(t);
  const sender = senderOf(t);
  // The receiver's own count: the bytes sent to it it had not acknowledged.
  const unacknowledged = unacknowledgedTo(c, sender === 'server' ? 'client' : 'server');
  const acknowledged = t.bytes + c.gapBytes + c.undeliveredBytes - unacknowledged;
  if (expected !== null && acknowledged >= expected) return null;
  const fin = c.handshake.find((e) => e.type === 'fin' && e.by !== sender);
  if (fin === undefined) return null;
  // A reset from the sender only after that FIN is its stack answering a close for a connection it
  // had already dropped (its end reset beyond this capture point): the receiver's close still came first.
  if (c.rst && !(c.rst.by === sender && c.rst.frame > fin.frame)) return null;
  // The receiver's FIN may come before the reply too: a client whose own time limit (lftp's
  // net:timeout, curl's --max-time) ends a download its data stopped reaching, after which the
  // server, its data written to its own stack at last, answers 226 to a client already leaving.
  // Only with data before it (a client that shuts its sending half on connecting, before any data,
  // is no client giving up), and a stated size it fell short of or, with none (a 150 whose size a
  // snaplen cut, a REST with no SIZE), the silence it closed after (checked below): the sender's
  // FIN, the end of stream-mode data, never came before it.
  const beforeReply = fin.frame < t.reply.frame;
  // Nothing of the data came whole, only the heads of datagrams whose other fragments never did
  // (lost-fragments.ts): the sender sent, the receiver got nothing and closed. Its data's silence
  // cannot be measured (no data in the capture), its heads stand for it.
  const headsOnly = c.lostFragments !== undefined && t.bytes + c.gapBytes + c.undeliveredBytes === 0;
  if (beforeReply && (t.bytes === 0 || c.lastData === null) && !headsOnly) return null;
  // A sender that closed first had sent all it had: the receiver's FIN after it is the ordinary close,
  // unless the receiver never acknowledged what was sent (sent, never acknowledged: lost on the way),
  // so it closed without it: the acknowledgement numbers say so with or without a stated size (a
  // capture at the sender whose snaplen cut the 150's size).
  const senderFirst = senderClosedBefore(c, sender, fin.frame);
  // (The receiver's own count: MODE Z's receiver may send a few bytes of its own, not the data's.)
  if (senderFirst && unacknowledged === 0) return null;
  // With no size stated, a sender that closed after the receiver's FIN with no data after it, every
  // byte acknowledged, had sent all it had (one with more would have sent it: the receiver had only
  // half-closed, or its reset would answer): the receiver's early close lost nothing (a server stopped
  // mid-RETR after its last write, its FIN and 226 seconds later, the 150 with the size not captured).
  if (expected === null && unacknowledged === 0 && (c.lastData === null || c.lastData.frame < fin.frame) && c.handshake.some((e) => e.type === 'fin' && e.by === sender && e.frame > fin.frame)) return null;
  if (expected === null && !senderFirst && !headsOnly && (!streamMode(t) || receiverClosedAfterSilence(t)?.frame !== fin.frame)) return null;
  return { fin: fin.frame, time: fin.time, acknowledged: Math.max(0, acknowledged), expected, beforeReply };
}

/**
 * The receiver cut the data connection: it reset it before the sender's FIN, short of the size the
 * session stated (or with no size stated). A server's 226 then only means it had handed the data
 * to its own TCP stack (pure-ftpd, pyftpdlib answer 226 that early), not that it arrived.
 */
function cutByReceiver(t: Transfer): boolean {
  const c = t.connection;
  if (!c?.rst || c.rst.by === senderOf(t)) return false;
  const fin = c.handshake.find((e) => e.type === 'fin' && e.by === senderOf(t));
  if (fin !== undefined && fin.frame < c.rst.frame) return false;
  return !carriesExpected(t);
}

/**
 * A download whose client reset the data connection the moment it had every byte the session stated
 * (SIZE's 213, the 150's "(N bytes)"), each one acknowledged, and the server, meeting the reset before
 * its own close, answered 426: a client that closes abortively (SO_LINGER 0, as Windows software
 * often does) races the server's close. The 426 reports that reset, not a loss: the data is whole.
 */
export function resetAfterWhole(t: Transfer): boolean {
  return t.reply?.code === 426 && receiverResetWhole(t) && t.connection!.rst!.frame < t.reply.frame;
}

/**
 * A 426 to a download whose receiver had acknowledged every byte the session stated, its data
 * connection's end (FIN or reset, by either side) not in the capture: the 426 may answer a reset the
 * capture lost (resetAfterWhole), so whether the transfer was cut is not known.
 */
export function wholeBeforeLostEnd(t: Transfer): boolean {
  const c = t.connection;
  const expected = expectedBytes(t);
  if (t.reply?.code !== 426 || t.direction !== 'download' || t.abortFrame !== null || expected === null || expected === 0) return false;
  if (!c?.established || c.midstream || c.close !== null || c.handshake.some((e) => e.type === 'fin')) return false;
  return t.bytes + c.gapBytes === expected && c.undeliveredBytes === 0 && unacknowledgedTo(c, dataReceiver(t.direction)) === 0;
}

/**
 * The receiving side closed the data connection (FIN, no reset) before the sender had closed it and
 * short of the size the session stated, and no reply said the transfer ended: the receiver gave up
 * mid-transfer (a client's speed limit or timeout, a server's on an upload). With no size stated,
 * when it closed after waiting through the sender's silence (silence-ended.ts
 * receiverClosedAfterSilence): in stream mode the sender's FIN ends the data, and it never came.
 * Its FIN's frame, or null.
 */
export function receiverClosedShort(t: Transfer): number | null {
  const c = t.connection;
  if (!c?.established || c.rst || c.midstream || t.reply !== null) return null;
  const sender = senderOf(t);
  const fin = c.handshake.find((e) => e.type === 'fin' && e.by !== sender);
  if (fin === undefined) return null;
  if (senderClosedBefore(c, sender, fin.frame)) return null;
  // Data after that FIN, with no reset: the receiver only shut its sending half (some clients do so
  // right after connecting for a RETR) and went on reading. A socket closed whole resets on late data.
  if (c.lastData !== null && c.lastData.frame > fin.frame) return null;
  if (expectedBytes(t) === null) return streamMode(t) && receiverClosedAfterSilence(t)?.frame === fin.frame ? fin.frame : null;
  return !carriesExpected(t) ? fin.frame : null;
}

/**
 * The data arrived whole: the sender closed the data connection with its FIN, no reset cut it, and
 * nothing is missing of the size the session stated. Bytes the capture lost that the receiver
 * acknowledged (gapBytes) arrived: they are missing from the capture, not from the transfer.
 */
function dataWhole(t: Transfer): boolean {
  const c = t.connection!;
  return nothingMissing(t) && (c.handshake.some((e) => e.type === 'fin' && e.by === senderOf(t)) || c.finUnseen?.[senderOf(t)] !== undefined);
}

/**
 * The sender had closed the data connection before the receiver's FIN at `frame`: its FIN captured
 * before it; or a FIN the capture missed, its receiver's acknowledgement of it (one past the data,
 * DataConnection.finUnseen) at or before `frame`; or its data ending in bytes the capture lost,
 * acknowledged by then (DataConnection.endLost), when the sender acknowledged the receiver's FIN
 * without ever sending one of its own in the capture: a sender still open would close in turn, so
 * its FIN was the last of the lost bytes (a40-server-rate without curl's last segment, which carried
 * its FIN). A sender that never answered the receiver's FIN may just have had its data lost on the
 * way (a60-retr-blackhole without its last captured segment): not so.
 */
function senderClosedBefore(c: DataConnection, sender: 'client' | 'server', frame: number): boolean {
  if (c.handshake.some((e) => e.type === 'fin' && e.by === sender && e.frame < frame)) return true;
  const unseen = c.finUnseen?.[sender];
  if (unseen !== undefined && unseen <= frame) return true;
  const lost = c.endLost?.[sender];
  return lost !== undefined && lost <= frame && c.finAcked[sender === 'client' ? 'server' : 'client'];
}

/** Nothing is missing of the size the session stated, or of what the capture shows (dataWhole without the FIN). */
function nothingMissing(t: Transfer): boolean {
  const c = t.connection;
  if (!c || missingBytes(t) - c.gapBytes > 0 || c.undeliveredBytes > 0 || cutByReceiver(t)) return false;
  // TYPE A: wire bytes past the size that are not the file's text form (carriesExpected) prove nothing.
  const expected = expectedBytes(t);
  return expected === null || t.bytes < expected || carriesExpected(t);
}

/**
 * An upload whose client, the data's sender, closed the data connection (FIN) after its own ABOR:
 * the ABOR came first, so that FIN says where the client chose to stop, not that the file was sent.
 */
function closedAfterOwnAbort(t: Transfer): boolean {
  const c = t.connection;
  if (c === null || t.abortFrame === null || senderOf(t) !== 'client') return false;
  // A FIN the capture missed was sent before its acknowledgement: after the ABOR, for all the capture tells, when that came after it.
  const fin = c.handshake.find((e) => e.type === 'fin' && e.by === 'client')?.frame ?? c.finUnseen?.client;
  return fin !== undefined && fin > t.abortFrame;
}

/**
 * Every byte of the size the session stated arrived (the file's size, or from REST to its end):
 * whole without the sender's FIN, which the capture may have missed.
 */
function countedWhole(t: Transfer): boolean {
  const expected = expectedBytes(t);
  return expected !== null && t.bytes === expected && nothingMissing(t);
}

/**
 * The data arrived whole, and the control connection stopped getting through after the transfer
 * began: the server's final reply was sent again and never acknowledged, or none came and the
 * client's own last segments were. The control connection's fact, or null.
 */
export function finalReplyLost(t: Transfer, s: Session): Session['controlConnection']['unacknowledged'] {
  const u = s.controlConnection.unacknowledged;
  if (u === null || t.inferred !== undefined || !t.request || u.frame < t.request.frame || !dataWhole(t)) return null;
  // Its reply in server bytes the capture lost, which the client had (acknowledged, then its next command): it got through.
  if (t.reply === null) return t.replyInGap === undefined ? u : null;
  return u.by === 'server' && t.reply.firstFrame >= u.frame ? u : null;
}

/**
 * After a passive announcement nobody connected to, the client moved on: it announced again, a
 * 425/426 came, or the session ended. That is a failed attempt, not an idle announcement.
 */
function gaveUpOn(t: Transfer, s: Session): boolean {
  const at = t.announce!.frame;
  const order = sessionOrder(s);
  const next = order.nextAnnounced(t);
  if (next !== null) return !leftUntried(t, next, s);
  for (const c of order.commandsBetween(at)) if (c.reply && (c.reply.code === 425 || c.reply.code === 426)) return true;
  // The client left right after the server refused a command naming a path (curl's SIZE of a missing
  // file): it had nothing left to use the endpoint for, whether or not it had connected.
  const left = leftAfterRefusal(s);
  if (left !== null && left.command.frame > at) return false;
  // The end of the session counts only when it came after the announcement: a client that had
  // closed the control connection before the 227 arrived (ncftp after a 421) never had it to use.
  return s.closedBy !== null ? s.closedBy.frame > at : s.close !== null;
}

/**
 * A passive announcement the client left for its next one without trying it: a client that tried to
 * connect would have sent a SYN, which a capture on the client's own segment holds whatever a device
 * beyond did to it; it moved on sooner than a dropped SYN's first retransmission timeout (RFC 6298's
 * 1 s); and its own host's firewall, the one thing that stops a SYN before the wire and fails the
 * connect at once, let its data connections to that address through in this session (a62-epsv-all-
 * pureftpd-python: a PASV a script sent and never meant to use). Otherwise moving on is giving up.
 */
function leftUntried(t: Transfer, next: Transfer, s: Session): boolean {
  const a = t.announce!;
  const answered = a.reply?.time ?? a.time;
  if (t.connection !== null || a.endpoint === null || hopsAway(s.ttl.client) !== 0) return false;
  if (next.announce!.time - answered >= IN_FLIGHT_SECONDS) return false;
  return reachedDataHosts(s).has(a.endpoint.ip);
}

/**
 * `compute` of a session, asked per transfer and computed once (again only if its transfers grew in
 * number): a scan of the session per transfer is quadratic.
 */
function perSession<T>(compute: (s: Session) => T): (s: Session) => T {
  const known = new WeakMap<Session, { transfers: number; value: T }>();
  return (s) => {
    const k = known.get(s);
    if (k !== undefined && k.transfers === s.transfers.length) return k.value;
    const value = compute(s);
    known.set(s, { transfers: s.transfers.length, value });
    return value;
  };
}

/** Whether any of the session's transfers is a half of an FXP copy. */
const copiesBetweenServers = perSession((s) => s.transfers.some((x) => x.fxp !== undefined));

/** The addresses the session's client's own data connections reached (client-initiated, established). */
const reachedDataHosts = perSession((s) => {
  const hosts = new Set<string>();
  for (const x of s.transfers) if (x.connection !== null && x.connection.initiator === 'client' && x.connection.established) hosts.add(x.connection.server.ip);
  return hosts;
});

/**
 * What a data connection carried of the transfer's data: under TLS, nothing before its handshake
 * completed (a ClientHello the server never answered is no data), the decrypted bytes once read;
 * else its TCP payload.
 */
function dataMoved(c: DataConnection): number {
  if (c.tls !== undefined && !c.tls.handshakeDone) return 0;
  if (c.plaintext !== undefined) return c.plaintext.toClient + c.plaintext.toServer;
  return c.bytesToClient + c.bytesToServer;
}

/**
 * An ABOR (wput's, 30 s after a STOR sent with no data connection) of a transfer whose data connection
 * never opened and moved nothing, where the capture shows that connection failing before the ABOR —
 * its SYN repeated unanswered, or answered by a reset or an ICMP error — or the server's own final
 * reply says it could not be made (425, its SYNs outside this capture point's view). The transfer had
 * failed at its data connection; the ABOR gave up on it, with nothing to cut. Not an ABOR sent while a
 * first SYN was still on its way (a user's interrupt): that one stays the client's abort.
 */
function abortedUnopened(t: Transfer): boolean {
  const c = t.connection;
  if (t.abortFrame === null || t.bytes > 0 || c?.established === true || c?.midstream === true) return false;
  if (t.reply?.code === 425) return true;
  if (c === null) return false;
  const before = (frame: number | undefined): boolean => frame !== undefined && frame < t.abortFrame!;
  return before(c.synFrames[1]) || before(c.rst?.frame) || before(c.icmpErrors[0]?.frame);
}

/** A transfer's outcome from its replies and its data connection (the README's status list). */
function outcome(t: Transfer, s: Session, captureEnd: number | null): TransferStatus {
  const c = t.connection;
  if (t.inferred === 'one-way') return serverRepliesOutcome(t);
  // The capture lost the transfer command: the server's 2xx and whole data say it completed; nothing
  // else is read as a failure, since what was asked for is not in the capture (inferLostCommands).
  // A data connection whose opening the capture lost holds no count of what came before its first
  // captured segment; an upload's client gone before that 2xx (clientGone) leaves it not known, as for any upload.
  // Not whole when the 2xx's own words say the work failed (vsftpd's "226 Transfer done (but failed to open directory)").
  if (t.inferred === 'command-lost') return isPositive(t.reply?.code) && t.abortFrame === null && !refusedInSuccess(t) && !c!.midstream && dataWhole(t) && clientGone(t, s) === null ? 'complete' : 'incomplete';
  if (t.inferred !== undefined && c) {
    // A data connection whose SYN the capture ended on had not been missed yet (in-flight.ts).
    if (!c.established && !c.midstream && inFlightAtEnd(t, s, captureEnd)?.kind === 'connecting') return 'incomplete';
    // Only the connection is known: closed by FIN after data is its best sign of a whole transfer,
    // unless its TLS shows otherwise: a handshake ended by a fatal alert (no data moved), a new TLS
    // session where the server wants the control connection's resumed (its 522 is encrypted), or
    // the data's sender stopping without close_notify.
    if (!c.established && !c.midstream) return 'failed';
    if (isPositive(t.reply?.code)) return 'complete';
    if (t.inferred === 'tls-hidden' && c.tls && handshakeFailure(c.tls)) return 'failed';
    if (t.inferred === 'tls-hidden' && hiddenDataNotResumed(s).some((g) => g.stream === c.stream)) return 'incomplete';
    return c.close === 'fin' && t.bytes > 0 && t.inferred === 'tls-hidden' && tlsTruncation(t) === null ? 'complete' : 'incomplete';
  }
  // The analysis gave up the data connection before its sender's FIN (more connections live at
  // once than its budget): the bytes after that are not counted, so no reply, ABOR or close can be
  // weighed against them; the verdict says not followed (not-followed.ts).
  if (c?.evicted !== undefined && !c.handshake.some((e) => e.type === 'fin' && e.by === senderOf(t))) return 'incomplete';
  // A capture of the client's side only: no reply, SYN-ACK or server data is in it, so nothing
  // shows an end; the verdict says unknown (one-way).
  if (s.oneWay === 'client' && t.unansweredAnnounce !== undefined) return 'incomplete';
  // Whole data and a final reply that never got through: not complete for the client.
  if (finalReplyLost(t, s) !== null) return 'incomplete';
  const code = t.reply?.code;
  const sessionEnded = s.close !== null;
  if (refusedInSuccess(t)) return 'failed';
  const success = code === 226 || code === 250 || (isPositive(code) && c?.established === true);
  // The size that would show the receiver's reset came once it held the file is in bytes the capture lost (size-lost.ts): not known.
  if (code === 426) return resetAfterWhole(t) ? 'complete' : sizeLost(t, s) !== null || wholeBeforeLostEnd(t) ? 'incomplete' : 'aborted';
  // An ABOR whose answer was still to come, its data still coming (in-flight.ts): cut short, or sent as the transfer finished, is not known yet.
  if (code === undefined && t.abortFrame !== null && inFlightAtEnd(t, s, captureEnd)?.kind === 'aborting') return 'incomplete';
  // An FXP copy's ABOR not answered yet when the capture ends, the transfer's final reply not come
  // either (or come, its data connection between the servers not in the capture): a server answers an
  // ABOR that found the transfer done (225, or a 226 after the transfer's) as it answers one that cut
  // it (426 first): which it was is not known yet.
  if (t.fxp !== undefined && t.abortFrame !== null && (code === undefined || c === null) && abortUnanswered(t, s)) return 'incomplete';
  if (t.abortFrame !== null) {
    // An ABOR of a transfer whose data connection never opened cut nothing: the transfer had already failed there.
    if (!success && abortedUnopened(t)) return 'failed';
    // A data connection that began before the capture (linkUnannounced): whether its data was whole
    // when the ABOR came is not in the capture; its 2xx stands, and the verdict says unknown (mid-stream).
    if (success && c?.midstream === true) return 'complete';
    // lftp, among others, sends ABOR while a transfer is finishing: when the data still came whole
    // (the sender's FIN, nothing cut or missing; or, its FIN not captured, every byte of the stated
    // size) and the server said 226, nothing was aborted. The ABOR stays on record as a late one.
    // Without its data connection in the capture (an FXP copy's runs between the two servers; a
    // capture of the control connection only), the server's own word stands in for the data: its
    // success reply, then "225" to the ABOR (RFC 959: no transfer in progress), says the ABOR found
    // the transfer already done.
    // Its final reply in server bytes the capture lost before the ABOR's 225 (session-builder.ts
    // endedInGap): the transfer had ended by then; with its data whole, or not in the capture (an FXP
    // half at the client: the 225 stands in for it, as above), the ABOR was a late one and the reply
    // not captured, not an abort.
    const endedBefore = !success && t.replyInGap !== undefined && t.replyInGap.later.noTransfer === true && (c === null || dataWhole(t));
    if (!endedBefore && (!success || !(dataWhole(t) || countedWhole(t) || (c === null && abortFoundNothing(t, s))))) return 'aborted';
    // An upload's client that sent ABOR and only then closed its data connection stopped sending by
    // its own choice: its FIN marks where it stopped, not the file's end (a server that reads no
    // command during a transfer, Twisted or vsftpd without async ABOR, answers that close with 226).
    // Whole only by the size the session stated.
    if (closedAfterOwnAbort(t) && !countedWhole(t)) return 'aborted';
    t.lateAbortFrame = t.abortFrame;
    t.abortFrame = null;
  }
  // A 226 the server sent early, while the client then reset the data connection short of the data.
  if (success && cutByReceiver(t)) return sizeLost(t, s) !== null ? 'incomplete' : 'aborted';
  // A 226 the server sent once its data was queued, while the data never reached the receiver, which gave up.
  if (success && receiverGaveUpAfterReply(t) !== null) return 'aborted';
  // One half of an FXP copy refused outright by its server (an error reply, no 1xx before it): the
  // data connection was opened at the PORT and the other server pushed its file into it on its own
  // transfer command, but this server never took the transfer up: refused, not stopped part-way.
  if (t.fxp !== undefined && code !== undefined && code >= 400 && t.preliminary === null && t.request !== null) return 'failed';
  // One half of an FXP copy whose data connection (between the two servers) is not in the capture:
  // its server opened the transfer (1xx), then ended it with an error (vsftpd's 421 Data timeout, a
  // 426): stopped part-way, as when the data is seen to move; not a refusal of the command.
  if (t.fxp !== undefined && c === null && code !== undefined && code >= 400 && t.preliminary !== null && t.request !== null) return 'aborted';
  // Reset after data started and no success reply: the transfer was cut. Unless the receiver reset it
  // holding every byte and the capture ended before the server's answer (in-flight.ts).
  // (A connection seen mid-stream had opened before the capture: its data says so.)
  // A final reply in bytes the capture lost (replyInGap) is no missing success: the reset is a cut
  // only when it cut the data (the receiver's, short of the size; the sender's, with data maybe queued).
  if (c && (c.established || c.midstream) && c.close === 'rst' && !isPositive(code) && dataMoved(c) > 0 && !(code === undefined && inFlightAtEnd(t, s, captureEnd) !== null)) {
    if (t.replyInGap === undefined || cutByReceiver(t) || senderResetInFlight(t, s) !== null) return 'aborted';
  }
  // The server closed the data connection short of the size it stated and the session ended with no
  // final reply (a server killed mid-RETR): stopped by the server, not a capture that missed the end.
  if (senderStoppedShort(t, s) !== null) return 'aborted';
  if (receiverClosedShort(t) !== null) return 'aborted';
  // The sender reset the data connection with its data still in flight: the success reply counts
  // what reached the receiver, not what the sender had to send.
  if (success && senderResetInFlight(t, s) !== null) return 'aborted';
  // The 2xx came while the data was still arriving at the capture's end: not proof yet (in-flight.ts).
  if (success && inFlightAtEnd(t, s, captureEnd)?.kind === 'arriving') return 'incomplete';
  // Confirmed, the data connection's end not in the capture, and nothing else showing the data whole: cut or lost, not known.
  if (success && dataEndNotCaptured(t) !== null && inFlightAtEnd(t, s, captureEnd) === null) return 'incomplete';
  if (success) return 'complete';
  // An error reply after data had moved stopped the transfer part way (pyftpdlib's "421 Data
  // connection timed out.", a 451 on a full disk closed by FIN): aborted by the server, as a 426 is.
  if (code !== undefined && code >= 400 && code !== 425 && c?.established === true && t.bytes > 0) return 'aborted';
  // A command the server lacks, answered as the session's last word: the client's other way had not come yet (in-flight.ts).
  if (code !== undefined && code >= 400) return inFlightAtEnd(t, s, captureEnd) !== null ? 'incomplete' : 'failed';
  // The analysis gave up the transfer's data or control connection (more connections live at once
  // than its budget) before any final reply: what became of it is not known.
  if (code === undefined && notFollowedAt(t, s) !== undefined) return 'incomplete';
  // A data connection that never opened failed when it was refused, when its SYN had to be sent
  // again (no answer within the first retransmission timeout), or when the client moved on without
  // it (the session ended, or it announced again).
  if (c && !c.established && !c.midstream && c.synAckFrames.length === 0) {
    // Unless its final reply is in bytes the capture lost (replyInGap): a capture that lost those lost
    // the rest of a SYN sent once and never refused as well, and the session's going on says nothing.
    // So too the client's bytes the capture lost after the announcement, before any transfer command
    // in it (clientBytesLostAt): its command may be among them, sent once the connection opened.
    const once = !c.rst && c.icmpErrors.length === 0 && c.synFrames.length === 1;
    const lostWithReply = once && (t.replyInGap !== undefined || (!t.request && t.announce?.clientBytesLostAt !== undefined));
    // A SYN sent again that was the capture's last word on it (in-flight.ts: within a retransmission timeout, the session open) was still being answered.
    const resent = c.synFrames.length > 1 && inFlightAtEnd(t, s, captureEnd)?.kind !== 'connecting';
    if (c.rst || c.icmpErrors.length > 0 || resent || (!lostWithReply && (sessionEnded || (t.announce && gaveUpOn(t, s))))) return 'failed';
  }
  // Answered with SYN-ACK, never acknowledged: the connecting side kept repeating its SYN (its host
  // dropped the answers) until it gave up. As failed as a SYN nobody answered.
  if (c && !c.established && !c.midstream && c.synAckFrames.length > 0 && c.synFrames.length > 1 && (sessionEnded || (t.announce && gaveUpOn(t, s)))) {
    return 'failed';
  }
  // Answered with SYN-ACK from the address it called (the announced endpoint itself: an answer from
  // another address is answer-reset.ts's, even with the SYN to the called one lost), and the connecting
  // side reset that answer without acknowledging it: its connect had given up before the answer came
  // (a connect timeout shorter than the round trip, a95-sat-data-connect-timeout). Never opened;
  // failed once the client moved on.
  if (dataAnswerAbandoned(t) && (sessionEnded || (t.announce && gaveUpOn(t, s)))) {
    return 'failed';
  }
  // Answered from another address, the answer reset by the client (answer-reset.ts): the client's SYNs
  // never got an answer of their own; failed once the client moved on.
  if (c && !c.established && t.answerReset !== undefined && (sessionEnded || (t.announce && gaveUpOn(t, s)))) return 'failed';
  if (!t.request) {
    // An announcement refused by the server (e.g. a bounce PORT answered 500) failed outright.
    const announceCode = t.announce?.reply?.code;
    // Unless it was the session's last word, the capture ending before the client's next step (in-flight.ts).
    if (announceCode !== undefined && announceCode >= 400) return inFlightAtEnd(t, s, captureEnd) !== null ? 'incomplete' : 'failed';
    // A 227 with an address nobody connected to before the client moved on (a malformed one is
    // settled after the session's other transfers: failed unless the client recovered). Not one whose
    // PASV came before the capture: whether the client was still there to use it is not in it. Nor
    // one the client may have used in control bytes the capture lost (its command and data lost too).
    // Nor, in a session whose client copies between servers (FXP), one it asked for the other server
    // to connect to and left when that server's half could not go on (lftp's reverse attempt after a
    // data timeout): the client itself never connects to it.
    if (t.mode === 'passive' && t.announce?.endpoint && !t.announce.askedBeforeCapture && t.announce.clientBytesLostAt === undefined && !c && gaveUpOn(t, s) && s.dataUnseen === undefined && !copiesBetweenServers(s)) return 'failed';
    return 'unused';
  }
  // Asked for, never answered, no data connection, and the server closed the session: it gave up
  // waiting for a connection that never came (proftpd's no-transfer timeout). The transfer failed.
  if (t.preliminary === null && serverGaveUpWaiting(t, s) !== null) return 'failed';
  // Asked for over a passive announcement, never answered, no data connection, and then the client
  // ended the session (clientEndedAfterRequest): nobody connected to the endpoint before the client
  // moved on. A failed attempt, as an announcement no command used (gaveUpOn); the capture did not end
  // during it. Not when the capture holds no data connections (a port-21 filter), nor when control
  // bytes it lost may hold the reply or the client's other commands, nor when its end shows packets it lost (control-end-lost.ts).
  if (t.mode === 'passive' && t.preliminary === null && t.replyInGap === undefined && s.controlGapBytes === 0 && unfinishedAtLostEnd(t, s) === null && t.announce?.endpoint && !t.announce.askedBeforeCapture && t.announce.clientBytesLostAt === undefined && !storyLetGo(s) && clientEndedAfterRequest(t, s) !== null && s.dataUnseen === undefined) return 'failed';
  return 'incomplete';
}

/**
 * The analysis let go part of what would tell this session's story (its commands past the budget, the
 * client's other sessions to this server or to another, where an FXP copy's other half may be): a
 * transfer of it is then not-followed, never failed for what the analysis did not keep.
 */
function storyLetGo(s: Session): boolean {
  return s.commandsNotKept !== undefined || s.peersNotKept !== undefined || s.otherServersNotKept !== undefined || s.controlConnection.evicted !== undefined;
}

/**
 * A transfer command the client followed with nothing but the end of its session: its QUIT, or its
 * close (FIN or RST) of the control connection, with no other command after the request. Where and
 * when the client ended it, or null.
 */
export function clientEndedAfterRequest(t: Transfer, s: Session): ClientEnd | null {
  return t.request === null ? null : clientEndedAfter(t, s, t.request.frame);
}

type ClientEnd = { frame: number; time: number; how: 'quit' | 'fin' | 'rst' };

/**
 * The client's end of its session after `from` (the transfer's announcement, or its command), with no
 * command between but the transfer's own: its QUIT, or its close of the control connection; or null.
 */
export function clientEndedAfter(t: Transfer, s: Session, from: number): ClientEnd | null {
  for (const x of sessionOrder(s).commandsBetween(from)) {
    if (x.command === null || x.frame === t.request?.frame) continue;
    return x.command === 'QUIT' ? { frame: x.frame, time: x.time, how: 'quit' } : null;
  }
  const end = s.closedBy;
  return end !== null && end.by === 'client' && end.frame > from ? { frame: end.frame, time: end.time, how: end.how } : null;
}

/**
 * A transfer built from the server's replies alone (a capture of its direction only): its 2xx is its
 * word that the transfer completed; an error when its data connection never carried anything (no
 * data, no acknowledged upload, not closed: a 425 after SYNs) that it failed. Anything else the
 * capture cannot settle (an error after an upload whose acknowledgements it cannot place is no failure).
 */
function serverRepliesOutcome(t: Transfer): TransferStatus {
  const code = t.reply?.code;
  if (isPositive(code)) return 'complete';
  const c = t.connection;
  const unused = c === null || (c.rst === null && !c.handshake.some((e) => e.type === 'fin'));
  return code !== undefined && code >= 400 && t.direction === null && unused ? 'failed' : 'incomplete';
}

/** How the session's login went, after its control verdict (a refusal at the login is the server's, not the password's). */
function loginOutcome(s: Session, captureEnd: number | null): Session['login'] {
  if (s.loggedIn) return 'logged-in';
  if (s.control.kind === 'turned-away' && s.control.at === 'login') return 'refused';
  if (s.loginAttempts === 0) return 'none';
  // Still under way when the capture ended: nothing refused it yet (in-flight.ts).
  if (s.oneWay === undefined && loginInFlight(s, lastLogin(s)) !== null) return 'pending';
  // A refused login as the session's last step, less than a retransmission timeout before the end,
  // the session still open: the client's next try (a user retyping the password) may have followed.
  const refusal = lastLogin(s)?.reply;
  if (s.oneWay === undefined && refusal !== null && refusal !== undefined && sessionStepAtEnd(s, captureEnd) === refusal.frame) return 'pending';
  // Without the server's side in the capture, its answer is unknown, not a refusal; so too when its
  // answer to the last login command is in bytes the capture lost (Command.noReply capture-gap).
  return s.oneWay === 'client' || lastLogin(s)?.noReply?.why === 'capture-gap' ? 'unknown' : 'failed';
}

/** The refusal of a failed login: the last login command, answered with an error (a client that gave up unanswered was not refused). */
function loginRefusal(s: Session): Session['loginRefusal'] {
  if (s.login !== 'failed') return null;
  const last = lastLogin(s);
  const r = last?.reply;
  return last === null || r === null || r === undefined || r.code < 400 ? null : { command: last.frame, verb: last.command!, code: r.code, reply: r.frame };
}

/** The refused logins before a session's first successful one (230 to a login command). */
function loginRetried(s: Session): Session['loginRetried'] {
  if (s.login !== 'logged-in') return null;
  let refused = 0;
  let first: { command: number; code: number; reply: number } | null = null;
  for (const c of s.commands) {
    const r = c.reply;
    if (c.command === null || !isLogin(c.command) || r === null) continue;
    if (r.code === 230) return first === null ? null : { refused, first, loggedIn: r.frame };
    if (r.code >= 400) {
      refused++;
      first ??= { command: c.frame, code: r.code, reply: r.frame };
    }
  }
  return null;
}

/** TLS mechanisms of AUTH (RFC 4217 names TLS and SSL; TLS-C and TLS-P are older drafts'). */
const AUTH_TLS = /^(TLS|SSL|TLS-C|TLS-P)$/i;

/** The server refused the session's last AUTH TLS/SSL and accepted none; did the client then give up? */
function tlsRefusal(s: Session): Session['tlsRefusal'] {
  if (s.tls) return null;
  const auth = lastCommand(s, (c) => c.command === 'AUTH' && AUTH_TLS.test(c.arg.trim()));
  const r = auth?.reply;
  if (auth === null || r === null || r === undefined || r.code < 400) return null;
  // No login after the refusal, and the client ended the session (its close, or its QUIT: a client
  // requiring TLS may first send the rest of its script unlogged, as ftp-ssl -z secure does): it would
  // not go on in clear text.
  const quit = lastCommand(s, (c) => c.command === 'QUIT');
  // A data connection the server announced or served after the refusal shows a login the capture
  // lost (its USER and PASS: a server answers PASV or RETR before one with 530), not a client that left.
  const servedAfter = s.transfers.some(
    (t) => (t.announce !== null && t.announce.frame > auth.frame && isPositive(t.announce.reply?.code)) || (t.request !== null && t.request.frame > auth.frame && (t.preliminary !== null || isPositive(t.reply?.code))),
  );
  const gaveUp = (lastLogin(s)?.frame ?? -1) < auth.frame && !servedAfter && (s.closedBy?.by === 'client' || (quit !== null && quit.frame > auth.frame));
  return { command: auth.frame, mechanism: auth.arg.trim(), code: r.code, reply: r.frame, gaveUp };
}

/**
 * The server answered the client's SYN from the address it called (SYN-ACK), the client never
 * acknowledged it and reset it, and nothing was said on the connection: it never opened, the client
 * gone before the answer came (or never meant to connect). Null otherwise.
 */
function abandonedAnswer(s: Session): Extract<ControlVerdict, { kind: 'abandoned' }> | null {
  const cc = s.controlConnection;
  // The reset without ACK from one past the client's ISN (connection-state.ts answersAsClosed): its
  // stack answering a SYN-ACK it had no socket for, not a connection it opened and then aborted
  // (that reset carries an ACK) whose last handshake packet the capture lost.
  if (cc.established || cc.synAckFrames.length === 0 || s.commands.length > 0 || cc.rst?.by !== 'client' || cc.rst.noConnection !== true) return null;
  const synAck = cc.handshake.find((e) => e.type === 'syn-ack');
  const resets = cc.handshake.filter((e) => e.type === 'rst' && e.by === 'client' && synAck !== undefined && e.frame > synAck.frame);
  if (synAck === undefined || resets.length === 0) return null;
  const syn = cc.handshake.find((e) => e.type === 'syn');
  const evidence = [...cc.synFrames.slice(0, 4), ...cc.synAckFrames.slice(0, 4), resets[0].frame].sort((x, y) => x - y);
  return {
    kind: 'abandoned',
    synFrames: cc.synFrames,
    synAckFrames: cc.synAckFrames,
    resetFrames: resets.slice(0, 8).map((e) => e.frame),
    answeredAfter: syn !== undefined && syn.frame < synAck.frame ? synAck.time - syn.time : null,
    resetAfter: resets[0].time - synAck.time,
    evidence,
  };
}

/**
 * A data connection answered (SYN-ACK) at the announced endpoint itself, whose connecting side reset
 * that answer without acknowledging it (rst.noConnection: its stack had no socket for it any more).
 * Read by the status (failed once the client moved on) and the data-abandoned check.
 */
export function dataAnswerAbandoned(t: Transfer): boolean {
  const c = t.connection;
  return (
    c !== null && !c.established && !c.midstream && c.synAckFrames.length > 0 && t.answerReset === undefined &&
    c.rst?.by === (t.mode === 'active' ? 'server' : 'client') && c.rst.noConnection === true && c.match === 'exact'
  );
}

/** The session's last command that `is` one sought. */
function lastCommand(s: Session, is: (c: Command) => boolean): Command | null {
  let last: Command | null = null;
  for (const c of s.commands) if (is(c)) last = c;
  return last;
}

/** The session's last login command (USER, PASS, ACCT). */
const lastLogin = (s: Session): Command | null => lastCommand(s, (c) => isLogin(c.command));

/** A refusal that names a connection limit (vsftpd, pure-ftpd, proftpd, pyftpdlib words). */
const CONNECTION_LIMIT = /too many|maximum number|max(imum)? (number of )?(clients|users|connections)|connection limit|limit reached/i;

/** How the control connection fared: never answered, refused, turned away, or opened (and who closed it). */
function controlVerdict(s: Session, captureEnd: number | null, answerReset: AnswerReset | undefined): ControlVerdict {
  const cc = s.controlConnection;
  const closedBy = s.closedBy?.by ?? null;
  // The first close's own kind, as the frame cited shows it; a reset after a FIN is told apart.
  const how = s.closedBy?.how ?? s.close;
  const reset = resetAfterClose(s);
  const closeFrames = s.closedBy ? [s.closedBy.frame] : [];
  if (s.midstream) {
    const withReset = reset === null ? {} : { reset };
    const resumes = cc.resumes === undefined ? {} : { resumes: cc.resumes };
    return { kind: 'midstream', closedBy, how, ...withReset, ...resumes, evidence: reset === null ? closeFrames : [...closeFrames, reset.frame] };
  }
  if (answerReset !== undefined) {
    const r = answerReset;
    const evidence = [...r.synFrames.slice(0, 4), ...r.synAckFrames.slice(0, 4), ...r.resetFrames].sort((x, y) => x - y);
    return { kind: 'answer-reset', called: r.called, answeredBy: r.answeredBy, synFrames: r.synFrames, synAckFrames: r.synAckFrames, resetFrames: r.resetFrames, twin: r.twin, hops: r.hops, evidence };
  }
  const abandoned = abandonedAnswer(s);
  if (abandoned !== null) return abandoned;
  const opened = cc.established || cc.synAckFrames.length > 0 || s.commands.length > 0;
  if (!opened && cc.synFrames.length > 0) {
    const syns = cc.synFrames.slice(0, 8);
    if (cc.rst && cc.rst.by === 'server') {
      const forged = rstFromMiddlebox(cc.rst, s.ttl.server) || forgedNearby(cc.rst.ttl, s.client.ip, s.server.ip);
      return { kind: 'refused', how: 'rst', by: forged ? 'network' : 'server', reporter: null, evidence: [...syns, cc.rst.frame] };
    }
    const icmp = cc.icmpErrors[0];
    if (icmp) {
      return {
        kind: 'refused',
        how: 'icmp',
        by: icmp.reporter === s.server.ip ? 'server' : 'network',
        reporter: icmp.reporter,
        evidence: [...syns, ...cc.icmpErrors.slice(0, 4).map((e) => e.frame)],
      };
    }
    if (cc.evicted !== undefined) return { kind: 'not-followed', synFrames: cc.synFrames, at: cc.evicted, evidence: syns };
    // One SYN, sent less than its retransmission timeout before the capture ended: no answer was due
    // yet. Or sent once again, its first timeout just spent, the capture ending within a second of that
    // copy and before its own timeout ran out (3 s from the first): still being made, as a data
    // connection's is (in-flight.ts) — over a 1.2 s round trip the answer to the first SYN comes after
    // the second (a95-sat-data-connect-timeout cut before its SYN-ACK).
    const syn = cc.handshake.find((e) => e.type === 'syn');
    const lastSyn = cc.handshake.filter((e) => e.type === 'syn').pop();
    const resentOnce = cc.synFrames.length === 2 && lastSyn !== undefined && captureEnd !== null && captureEnd - lastSyn.time < IN_FLIGHT_SECONDS;
    if (syn !== undefined && captureEnd !== null && ((cc.synFrames.length === 1 && captureEnd - syn.time < IN_FLIGHT_SECONDS) || (resentOnce && captureEnd - syn.time < 3 * IN_FLIGHT_SECONDS))) {
      return { kind: 'connecting', synFrames: cc.synFrames, evidence: syns };
    }
    return { kind: 'unanswered', synFrames: cc.synFrames, evidence: syns };
  }
  // concat, not spreads: a list of its own length (a spread list had room for 19, kept per session to the end).
  const evidence = cc.synFrames.slice(0, 1).concat(cc.synAckFrames.slice(0, 1), closeFrames);
  const ungreeted = notGreeted(s) ?? hungUp(s);
  if (ungreeted !== null) return ungreeted;
  // The server's first word was a refusal (421 in place of 220) and nobody logged in. Not when the
  // client had closed the connection before it came (a port check's connect-and-close, lftp giving
  // up a pget piece's extra session): nobody was waiting for a greeting, as with a 220 that came after
  // such a close (a63-probe-maxperip-vsftpd): the connection reads `opened`, closed by the client.
  // Nor when the capture lost control bytes before it: the refusal may not have been the first word
  // (a greeting, AUTH and its 234 the capture missed, then the 421 of a failed TLS handshake).
  const greeting = s.commands[0];
  // The client's FIN the capture lost counts where the server acknowledged it (finUnseen).
  const unseenFin = s.controlConnection.finUnseen?.client;
  const closedFirst =
    greeting?.reply != null &&
    ((s.closedBy?.by === 'client' && s.closedBy.frame < greeting.reply.firstFrame) || (unseenFin !== undefined && unseenFin < greeting.reply.firstFrame));
  const lostBefore = s.controlGapFrame !== undefined && greeting?.reply != null && s.controlGapFrame <= greeting.reply.firstFrame;
  if (greeting?.command === null && greeting.reply !== null && greeting.reply.code >= 400 && !s.loggedIn && !closedFirst && !lostBefore) {
    const r = greeting.reply;
    return {
      kind: 'turned-away',
      at: 'greeting',
      command: null,
      code: r.code,
      reply: r.frame,
      limit: CONNECTION_LIMIT.test(r.text),
      tlsRequired: TLS_REQUIRED.test(r.text),
      evidence: [...evidence, r.frame].sort((x, y) => x - y),
    };
  }
  const refused = s.loggedIn ? null : loginRefusedByServer(s);
  if (refused !== null && refused.reply !== null) {
    const r = refused.reply;
    return {
      kind: 'turned-away',
      at: 'login',
      command: refused.frame,
      code: r.code,
      reply: r.frame,
      limit: CONNECTION_LIMIT.test(r.text),
      tlsRequired: TLS_REQUIRED.test(r.text),
      evidence: [...evidence, refused.frame, r.frame].sort((x, y) => x - y),
    };
  }
  // Spelled out, not spread from an object made for it: once per session, 100,000 of them.
  if (reset === null) return { kind: 'opened', closedBy, how, evidence };
  return { kind: 'opened', closedBy, how, reset, evidence: [...evidence, reset.frame] };
}

/**
 * The reset that followed a control connection's FIN close, and the other side's bytes after that
 * close which drew it (a closed socket resets on data it can no longer read), or null.
 */
function resetAfterClose(s: Session): ControlReset | null {
  const close = s.closedBy;
  const rst = s.controlConnection.rst;
  if (close === null || close.how !== 'fin' || rst === null || rst.frame <= close.frame) return null;
  let answered: number | null = null;
  if (rst.by === close.by) {
    // The other side's line that began after the close and before the reset: a reply (or unasked line) from the server, or a command from the client.
    for (const c of s.commands) {
      const line = close.by === 'client' ? c.reply : c.command !== null ? { firstFrame: c.firstFrame ?? c.frame } : null;
      if (line !== null && line.firstFrame > close.frame && line.firstFrame < rst.frame) {
        answered = answered === null ? line.firstFrame : Math.min(answered, line.firstFrame);
      }
    }
  }
  return { by: rst.by, frame: rst.frame, answered };
}

/** Seconds a client must have waited after the handshake for its close to be giving up on the greeting. */
const MIN_PATIENCE = 1;

/**
 * The client closed the control connection before the server said anything and before it sent a
 * command, at least MIN_PATIENCE after the SYN-ACK: it gave up waiting for the greeting (a server
 * stuck on a reverse-DNS or ident lookup, or too busy). A greeting after that close came too late.
 */
function notGreeted(s: Session): ControlVerdict | null {
  const cc = s.controlConnection;
  const close = s.closedBy;
  if (close === null || close.by !== 'client' || !cc.established) return null;
  // On an implicit-FTPS port the greeting comes only inside TLS, which the client must begin: its silence is the mismatch (checks/ftps.ts).
  if (s.tlsMode === 'implicit' || s.server.port === 990 || !silentUntil(s, close)) return null;
  const synAck = cc.handshake.find((e) => e.type === 'syn-ack');
  if (synAck === undefined || close.time - synAck.time < MIN_PATIENCE) return null;
  const first = s.commands[0];
  const late = first?.command === null && first.reply !== null ? first.reply.firstFrame : null;
  const reset = cc.rst !== null && cc.rst.by === 'client' && late !== null && cc.rst.frame > late ? [cc.rst.frame] : [];
  return {
    kind: 'ungreeted',
    closed: close.frame,
    waited: close.time - synAck.time,
    lateGreeting: late,
    evidence: [...cc.synFrames.slice(0, 1), synAck.frame, close.frame, ...(late === null ? [] : [late]), ...reset].sort((x, y) => x - y),
  };
}

/** Nothing was said on the control connection before `close`: no command, no reply, no bytes that are not FTP. */
function silentUntil(s: Session, close: { frame: number }): boolean {
  // Another protocol's words (an SSH banner) or bytes that are not text are no silence; nor bytes the capture lost.
  if (s.notFtp !== undefined || s.opaqueBytes.server > 0 || s.opaqueBytes.client > 0 || s.controlGapBytes > 0) return false;
  // Commands come in frame order: the first one tells whether anything was said before the close.
  const first = s.commands[0];
  return first === undefined || (first.frame >= close.frame && (first.reply === null || first.reply.firstFrame >= close.frame));
}

/**
 * The server closed or reset the connection it had accepted before greeting, and before the client
 * said anything: it turned the session away without a word. However soon: a server's refusal
 * needs no patience from the client, unlike `ungreeted`.
 */
function hungUp(s: Session): ControlVerdict | null {
  const cc = s.controlConnection;
  const close = s.closedBy;
  if (close === null || close.by !== 'server' || !cc.established || !silentUntil(s, close)) return null;
  const synAck = cc.handshake.find((e) => e.type === 'syn-ack');
  if (synAck === undefined) return null;
  return {
    kind: 'hung-up',
    how: close.how,
    closed: close.frame,
    after: close.time - synAck.time,
    evidence: [...cc.synFrames.slice(0, 1), synAck.frame, close.frame].sort((x, y) => x - y),
  };
}

/**
 * A refusal whose words say the session must be encrypted first (proftpd "SSL/TLS required on the
 * control channel", vsftpd "Non-anonymous sessions must use encryption", pure-ftpd "Please reconnect
 * using TLS security mechanisms"): the clear-text login is refused, not the password.
 */
const TLS_REQUIRED = /\b(ssl|tls)\b[^.]*\brequired\b|\brequired\b[^.]*\b(ssl|tls|encryption)\b|must use encryption|reconnect using tls/i;

/** Words of a refusal about the login itself (failures, attempts), not about a connection limit. */
const LOGIN_WORDS = /\b(log ?ins?|attempts?|passwords?|authentication|failures?)\b/i;

/** Replies to a login command that are the client's doing: a login refused (530, 532), its syntax or sequence (501-504). */
const CLIENT_LOGIN_ERRORS = new Set([501, 502, 503, 504, 530, 532]);

/**
 * The session's last login command (USER, PASS, ACCT), when the server answered it with an error
 * of its own: 421, or a 5xx that refuses neither the credentials nor the client's syntax (vsftpd's
 * "500 OOPS: … refusing to run with writable root inside chroot()" after a right password).
 */
function loginRefusedByServer(s: Session): Command | null {
  const last = lastLogin(s);
  const code = last?.reply?.code;
  if (code === undefined) return null;
  // Encryption required first refuses the clear-text login itself, whatever the code (vsftpd says 530).
  if (code >= 400 && TLS_REQUIRED.test(last!.reply!.text)) return last;
  // So does a connection limit counted at the login (proftpd MaxClientsPerHost: "530 Sorry, the
  // maximum number of clients (1) from your host are already connected."), unless the words are
  // about failed logins ("too many login failures").
  if (code >= 400 && CONNECTION_LIMIT.test(last!.reply!.text) && !LOGIN_WORDS.test(last!.reply!.text)) return last;
  return code === 421 || (code >= 500 && code < 600 && !CLIENT_LOGIN_ERRORS.has(code)) ? last : null;
}

/**
 * A download whose server end of the data connection was gone before the server's failure reply,
 * with no close of its own in the capture: neither end sent a FIN or a reset before that reply, and
 * the server's stack answered the client's later FIN with a reset (its socket no longer existed).
 * A server that ends a transfer itself closes with a FIN (or a reset) the client sees; one whose
 * write failed on a socket reset by something the client never sent (a device between them, which
 * reset the server's side in the client's name) leaves exactly this. Returns the client's FIN frame.
 * The same when the client, once the reply came, reset its end instead of closing it (lftp closes a
 * data socket with unread data in it: a reset), and the server never closed or reset its end, before
 * its reply or after: a server ending the transfer itself closes its end as it replies, before the
 * client's reset can reach it, so that close would be in the capture (a58-active-retr-rst-vsftpd-lftp,
 * active mode). Returns the client's reset frame then. And the same when the client closed its end
 * after the reply (FIN) and nothing ever answered it: no acknowledgement though the client sent it
 * again a second or more later, and nothing from the server on that connection, before or after (a
 * stack that still held its end would acknowledge the FIN; one that no longer did answers it with a
 * reset, which the device that cut the connection stops too: a58-retr-rst-vsftpd-lftp, where the
 * router's rule matches the server's packets of that connection until its conntrack entry expires).
 * Returns the client's FIN frame then.
 */
export function serverSideResetUnseen(t: Transfer): number | null {
  const c = t.connection;
  if (!c?.established || t.direction !== 'download' || t.abortFrame !== null || !t.reply || t.reply.code < 400 || abortMayBeLost(t, t.reply.frame)) return null;
  if (!c.rst) return clientFinUnanswered(c, t.reply.frame);
  if (t.reply.frame > c.rst.frame) return null;
  if (c.rst.by === 'client') return clientResetAfterSilentServerEnd(c, c.rst.frame);
  let clientFin: number | null = null;
  for (const e of c.handshake) {
    if (e.frame >= c.rst.frame) break;
    if (e.type === 'fin' && e.by === 'server') return null;
    if (e.type === 'fin' && e.by === 'client') clientFin = e.frame;
  }
  return clientFin !== null && clientFin > t.reply.frame ? clientFin : null;
}

/**
 * The client's reset, after the server's failure reply, of a data connection whose server end never
 * closed (no FIN, no reset from the server in the capture) and which the client had not closed before
 * (no FIN of its own): the reset frame, or null. The reset must be the client's own (a forged one is
 * the path's, read by rstFromMiddlebox).
 */
function clientResetAfterSilentServerEnd(c: DataConnection, reset: number): number | null {
  if (c.rst?.forged) return null;
  for (const e of c.handshake) {
    if ((e.type === 'fin' || e.type === 'rst') && e.by === 'server') return null;
    if (e.type === 'fin' && e.by === 'client' && e.frame < reset) return null;
  }
  return reset;
}

/** Seconds the client's FIN must have gone unanswered (its own retransmissions of it, the connection's last packets) to count as never answered. */
const FIN_UNANSWERED_SECONDS = 1;

/**
 * The client's FIN, after the server's failure reply at `replyFrame`, on a data connection with no
 * reset and no FIN from the server, and no data after it, the FIN never acknowledged while the client
 * went on sending it (the connection's last packet a second or more after it): the FIN's frame, or null.
 */
function clientFinUnanswered(c: DataConnection, replyFrame: number): number | null {
  if (c.handshake.some((e) => (e.type === 'fin' || e.type === 'rst') && e.by === 'server')) return null;
  const fin = c.handshake.find((e) => e.type === 'fin' && e.by === 'client');
  if (fin === undefined || fin.frame < replyFrame || c.finAcked.client) return null;
  if (c.lastData !== null && c.lastData.frame > fin.frame) return null;
  return c.end - fin.time >= FIN_UNANSWERED_SECONDS ? fin.frame : null;
}

/**
 * A download whose server end of the data connection was gone while the client still held it open:
 * the server's first reset answers the client's acknowledgements as a host's stack answers a segment
 * of a connection it no longer has (RstSeen.noConnection: no ACK, the client's acknowledgement as its
 * sequence number), before it the server had sent no FIN and neither end a reset, and the server's
 * process was still there after it (`alive`): it said the transfer failed (a 4xx or 5xx after the
 * reset: its write had failed), or, with no final reply, it still wrote on the control connection
 * (pure-ftpd's "150 Logout." once the client gave up: resume-wget-c-pureftpd-wget). The client may
 * have closed first (`clientFin`: wget's --read-timeout, 3 s after the last data): a host whose end
 * still lived would have acknowledged that FIN, not reset it as unknown. Taken where the server's
 * packets arrive through a router (TTL), the capture cannot hold the reset the server received: it
 * went toward the server. Something other than the client sent it: a device between them in the
 * client's name (a firewall's REJECT with tcp-reset, an IPS: pget-segment-reset-vsftpd-lftp,
 * resume-wget-c-pureftpd-wget), or a firewall on the server's own host (a31-aria2c-server-cut-vsftpd:
 * the same packets at the client). The capture cannot tell which: the stopper is `firewall`, as for
 * serverSideResetUnseen's shape of the same thing.
 */
export interface ServerEndGone {
  /** The server's reset. */
  reset: number;
  /** The client's FIN that the reset answered, when the client had closed first; else null. */
  clientFin: number | null;
  /** The server's reply after the reset that shows its process was still there. */
  alive: Reply;
}

export function serverEndGoneUnseen(t: Transfer, s: Session): ServerEndGone | null {
  const c = t.connection;
  if (!c?.rst?.noConnection || c.rst.by !== 'server' || t.direction !== 'download' || t.abortFrame !== null || abortMayBeLost(t, c.rst.frame)) return null;
  if ((hopsAway(s.ttl.server) ?? 0) === 0) return null;
  const reset = c.rst.frame;
  let clientFin: number | null = null;
  for (const e of c.handshake) {
    if (e.frame >= reset) break;
    if (e.type === 'rst' || (e.type === 'fin' && e.by === 'server')) return null;
    if (e.type === 'fin') clientFin ??= e.frame;
  }
  const alive = t.reply !== null ? (t.reply.code >= 400 && t.reply.frame >= reset ? t.reply : null) : lineAfter(t, s, reset);
  return alive === null ? null : { reset, clientFin, alive };
}

/** The server's first line on the control connection after `frame`, for a transfer with no final reply: its last line under the 1xx, else the next reply. */
function lineAfter(t: Transfer, s: Session, frame: number): Reply | null {
  if (t.closingLine !== undefined) return t.closingLine.frame > frame ? t.closingLine : null;
  for (const c of sessionOrder(s).commandsBetween(frame)) if (c.reply !== null && c.reply.frame > frame) return c.reply;
  return null;
}

/**
 * A RST whose TTL differs from the other packets of the host it claims to come from was made by a
 * device nearer the capture point (a firewall's REJECT, a router). Unknown TTLs say nothing.
 */
export function rstFromMiddlebox(rst: RstSeen, hostTtl: number | null): boolean {
  return rst.madeHere === true || (rst.ttl !== undefined && hostTtl !== null && rst.ttl !== hostTtl);
}

/**
 * The TTL a data connection's reset is measured against: its host's own packets on that connection,
 * else on the session's (a connection refused by a reset has none of its own).
 */
export function resetHostTtl(c: DataConnection, rst: RstSeen, s: Session): number | null {
  return c.marks.ttl[rst.by] ?? s.ttl[rst.by];
}

/**
 * A RST that names a host in another subnet than the client's (so reached through a router) but
 * arrives with its sender's initial TTL unchanged was made on the capture's own segment: by the
 * router or firewall there, not by that host. (/24 for IPv4, /64 for IPv6: a guess at routing.)
 */
export function forgedNearby(rstTtl: number | undefined, clientIp: string, serverIp: string): boolean {
  return rstTtl !== undefined && hopsAway(rstTtl) === 0 && !sameSubnet(clientIp, serverIp);
}

function sameSubnet(a: string, b: string): boolean {
  if (a.includes(':') !== b.includes(':')) return false;
  if (!a.includes(':')) return a.split('.').slice(0, 3).join('.') === b.split('.').slice(0, 3).join('.');
  return expand6(a).slice(0, 4).join(':') === expand6(b).slice(0, 4).join(':');
}

function expand6(ip: string): string[] {
  const [head, tail = ''] = ip.toLowerCase().split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = ip.includes('::') ? Array(Math.max(0, 8 - h.length - t.length)).fill('0') : [];
  return [...h, ...fill, ...t].map((x) => x.replace(/^0+(?=.)/, ''));
}

/** Statuses and control verdicts: before the diagnosis, which reads them. */
export function settleOutcomes(sessions: Session[], captureEnd: number | null): void {
  markDataUnseen(sessions);
  settleUnanswered(sessions);
  settleSplitStalls(sessions);
  let others: ReturnType<typeof othersByHosts> | undefined;
  const answerResets = findAnswerResets(sessions);
  for (const s of sessions) {
    s.control = controlVerdict(s, captureEnd, answerResets.get(s));
    s.login = loginOutcome(s, captureEnd);
    s.loginRefusal = loginRefusal(s);
    s.loginRetried = loginRetried(s);
    s.tlsRefusal = tlsRefusal(s);
    if (s.transfers.length === 0) continue;
    for (const t of s.transfers) {
      settleRestartLost(t);
      // Its announcement lost with control bytes, a connection no transfer took beside it: not known (announce-lost.ts).
      const lost = s.controlGapBytes > 0 && t.request !== null ? announceLost(t, s, (others ??= othersByHosts(sessions))) : null;
      if (lost !== null) {
        t.announceLost = lost;
        t.status = 'incomplete';
      } else t.status = outcome(t, s, captureEnd);
    }
    // An ABOR after the final reply of a transfer the client itself had cut (its reset came first)
    // was the client's abort reaching the server after its error reply, not housekeeping.
    for (const t of s.transfers) if (t.status === 'aborted' && abortAfterOwnReset(t)) [t.abortFrame, t.lateAbortFrame] = [t.lateAbortFrame!, undefined];
    // A 227/229 with no usable address the client could not get past: read once the later transfers are settled.
    for (const t of s.transfers) if (t.status === 'unused' && unusableAnnouncementFailed(t, s, captureEnd)) t.status = 'failed';
    // One naming 0.0.0.0, no host, that the client got past (or whose session the capture ended in): nothing failed.
    for (const t of s.transfers) if (t.status === 'failed' && unhostedAnnouncementNotFailed(t, s, captureEnd)) t.status = 'unused';
    // An announcement whose first segment never got through: the transfer it was for could not run.
    for (const t of s.transfers) if (t.status === 'unused' && stalledBySplit(t, s.splitStall)) t.status = 'failed';
  }
  // A download the client closed once its bytes reached the next segment of the same file: its piece was done.
  for (const t of findSplitSegments(sessions, (t, s) => stopper(t, s) === 'client')) t.status = 'complete';
  // One the client stopped while the analysis did not follow its other sessions to the server whole: not known.
  if (sessions.some((s) => s.commandsNotKept !== undefined || s.controlConnection.evicted !== undefined || s.peersNotKept !== undefined)) {
    for (const s of sessions) {
      for (const t of s.transfers) {
        const from = t.status === 'aborted' && stopper(t, s) === 'client' ? splitSiblingNotFollowed(t, s, sessions) : undefined;
        if (from === undefined) continue;
        t.status = 'incomplete';
        markSiblingNotFollowed(t, from);
      }
    }
  }
  // One the client stopped while its other session to the server was still under way at the capture's end: a piece or a stop, not known yet.
  for (const [t, pending] of findPendingSplits(sessions, (t, s) => stopper(t, s) === 'client', (u) => sessionUnderWay(u, captureEnd))) {
    // Already not known, its other sessions not followed whole: that reading stands.
    if (siblingNotFollowedFrom(t) !== undefined) continue;
    t.status = 'incomplete';
    t.splitPending = pending;
  }
  // One the client stopped beside another download between the same hosts, where the capture lost what would show it a finished piece: not known.
  for (const [t, lost] of findSplitsLost(sessions, (t, s) => stopper(t, s) === 'client')) {
    if (siblingNotFollowedFrom(t) !== undefined) continue;
    t.status = 'incomplete';
    t.splitLost = lost;
  }
  // Nobody was told to connect to it: it could never run, and failed with the copy.
  // (Not one whose command used a later announcement the capture lost: announce-lost.ts.)
  for (const t of refusedFxpHalves(sessions)) if ((t.status === 'incomplete' || t.status === 'unused') && t.announceLost === undefined) t.status = 'failed';
  // The connection it named was made and used by the other half's transfer, which ended short: so did this half.
  for (const t of usedFxpPortHalves(sessions)) t.status = 'aborted';
  // A refused probe the client recovered from (MLSD refused, then LIST): once every status stands,
  // since the fallback's own status decides it.
  for (const s of sessions) {
    for (const t of s.transfers) {
      const fb = t.status === 'failed' ? fallbackOf(t, s, sessions, captureEnd) : null;
      if (fb === null) continue;
      t.status = 'fell-back';
      fallbacks.set(t, fb);
    }
  }
  // A refused announcement sent as a retry, another way, of an attempt that had already failed: the operation failed once.
  for (const [t, r] of findRefusedRetries(sessions)) {
    t.status = 'retry-refused';
    retries.set(t, r);
  }
  // A failure or an unused announcement that the session's next commands would explain, when the
  // analysis kept none of them (the command budget): not known, rather than failed or unused.
  if (sessions.some((s) => s.commandsNotKept !== undefined || s.peersNotKept !== undefined)) {
    for (const s of sessions) {
      for (const t of s.transfers) if ((t.status === 'failed' || t.status === 'unused') && commandsNotKeptAfter(t, s, sessions) !== undefined) t.status = 'incomplete';
    }
  }
  // An upload whose client was gone before the server's 2xx, which the client's later resume shows was shorter than the file.
  for (const r of findResumedUploads(sessions, (t, s) => (t.status === 'complete' ? clientGone(t, s) : null))) {
    r.transfer.status = 'aborted';
    resumedUploads.set(r.transfer, r);
  }
}

/**
 * A session still under way at the capture's end (in-flight.ts): its last command or reply less than
 * a retransmission timeout before the end, its login pending, or one of its transfers in flight. That
 * step's frame, or null.
 */
function sessionUnderWay(s: Session, captureEnd: number | null): number | null {
  const step = sessionStepAtEnd(s, captureEnd);
  if (step !== null) return step;
  if (s.login === 'pending') return lastLogin(s)?.frame ?? null;
  for (const t of s.transfers) {
    const f = t.status === 'incomplete' ? inFlightAtEnd(t, s, captureEnd) : null;
    if (f !== null) return f.frame;
  }
  return null;
}

/**
 * An aborted transfer whose client reset the data connection, then sent ABOR once the server's
 * error reply had come (ftplib: close the data socket, then abort(); BusyBox ftpd answers the reset
 * with 451 before it reads the ABOR): the ABOR is the client's abort, late only on the wire. So is
 * an ABOR the client sent before its reset, both after a 226 the server sent once it had queued its
 * last byte (pyftpdlib), the data still on its way: the ABOR found the server done (225), not the
 * data whole.
 */
function abortAfterOwnReset(t: Transfer): boolean {
  const rst = t.connection?.rst;
  if (t.lateAbortFrame === undefined || !rst || rst.by !== 'client' || t.reply === null || rst.forged === true) return false;
  return rst.frame <= t.reply.frame || t.lateAbortFrame < rst.frame;
}

/** Each upload cut short as its later resume shows, found once with the statuses; its verdict and diagnosis read it. */
const resumedUploads = new WeakMap<Transfer, ResumedUpload>();
export const resumedUpload = (t: Transfer): ResumedUpload | undefined => resumedUploads.get(t);

/** Each fell-back transfer's fallback, found once when its status was settled; its verdict reads it. */
const fallbacks = new WeakMap<Transfer, Fallback>();
/** Each refused retry's failed attempt, found once when its status was settled; its verdict reads it. */
const retries = new WeakMap<Transfer, RetryOf>();

/**
 * The capture lost bytes the client sent on the control connection while the transfer ran, known by
 * `frame` (the server had them: Transfer.clientBytesLost): the client's ABOR may have been among them,
 * so nothing before `frame` says the client did not stop it — no firewall, no server stopping it.
 */
function abortMayBeLost(t: Transfer, frame: number): boolean {
  return t.abortFrame === null && t.clientBytesLost !== undefined && t.clientBytesLost <= frame;
}

function stopper(t: Transfer, s: Session): Stopper | null {
  const c = t.connection;
  // An FXP copy: the other server (the data connection's far end) reset it before the client's ABOR.
  if (t.fxp !== undefined && c?.rst?.by === 'client' && !c.rst.forged && t.abortFrame !== null && c.rst.frame < t.abortFrame) return 'other-server';
  if (t.abortFrame !== null) return 'client';
  // An FXP copy's data connection runs between the two servers: where the capture does not hold it,
  // an error reply says the transfer failed, not which end stopped it.
  if (t.fxp !== undefined && c === null) return null;
  if (c?.rst) {
    if (c.rst.forged) return 'network';
    if (clientLeftFirst(t, s) !== null) return 'client';
    // The server's end was gone before its stack reset the client's packets (after its failure reply,
    // or answering the client's ACKs or FIN as for no connection): reset by neither host's software.
    if (serverSideResetUnseen(t) !== null || serverEndGoneUnseen(t, s) !== null) return 'firewall';
    // An FXP copy's data connection has the other server at its far end, where the client would be.
    return t.fxp !== undefined && c.rst.by === 'client' ? 'other-server' : c.rst.by;
  }
  if (serverSideResetUnseen(t) !== null) return 'firewall';
  if (clientLeftFirst(t, s) !== null) return 'client';
  // An error reply after client bytes the capture lost: they may have held the client's ABOR.
  if (t.reply !== null && t.reply.code >= 400) return abortMayBeLost(t, t.reply.frame) ? null : 'server';
  const short = senderStoppedShort(t, s);
  if (short) return short.sender;
  return receiverClosedShort(t) !== null || receiverGaveUpAfterReply(t) !== null ? (senderOf(t) === 'client' ? 'server' : 'client') : null;
}

/** Seconds within which a client's reset after the reply counts as the reply meeting a closed socket. */
const GONE_RST_SECONDS = 0.5;

/**
 * An upload's client was gone when the server's success reply came: no command from it after the
 * upload, and it closed the control connection before the reply, or reset it as the reply arrived
 * (data to a socket its process had closed). Returns the frame that shows it. An upload whose command
 * the capture lost (inferLostCommands) counts from the server's first reply to it.
 */
function clientGone(t: Transfer, s: Session): number | null {
  const c = t.connection;
  const end = s.closedBy;
  const from = t.request?.frame ?? (t.inferred === 'command-lost' ? (t.preliminary ?? t.reply)?.frame : undefined);
  if (t.direction !== 'upload' || from === undefined || !t.reply || !isPositive(t.reply.code) || !c || !end || end.by !== 'client') return null;
  if (sessionOrder(s).commandAfter(from)) return null;
  if (end.frame < t.reply.frame) return end.frame;
  return end.how === 'rst' && end.time - t.reply.time <= GONE_RST_SECONDS ? end.frame : null;
}

/** How a client left its session before the server ended a transfer (clientLeftFirst). */
export interface ClientLeft {
  /** The frame of its QUIT, or of its close (FIN) or reset of the control connection. */
  frame: number;
  how: 'quit' | 'fin' | 'rst';
}

/**
 * The client had left before the server ended a transfer: its next command after the transfer command
 * was QUIT, sent while the transfer was under way, or it sent none and closed or reset its control
 * connection; and that came before the server's failure reply, or, with no reply at all, before the
 * server's own close or reset of the data connection. The server's end answers the client's leaving
 * (to a client that closed the control connection the moment its upload's data was sent, as a client
 * killed mid-transfer does too: proftpd's 426, pure-ftpd's 451, pyftpdlib's reset of the data it had
 * not read; to a QUIT during an upload, proftpd's 221 and its close of the data connection): the
 * client ended the transfer, not the server. Null when something had cut the data connection first.
 * (A success reply to a client gone is clientGone's: an upload of a size nobody stated, not known.)
 */
export function clientLeftFirst(t: Transfer, s: Session): ClientLeft | null {
  const c = t.connection;
  if (t.request === null) return null;
  let quit: number | null = null;
  for (const x of sessionOrder(s).commandsBetween(t.request.frame)) {
    if (x.command === null) continue;
    if (x.command !== 'QUIT') return null;
    quit = x.frame;
    break;
  }
  const end = s.closedBy;
  const left: ClientLeft | null = quit !== null ? { frame: quit, how: 'quit' } : end?.by === 'client' ? { frame: end.frame, how: end.how } : null;
  if (left === null) return null;
  const rst = c?.rst;
  const serverStop = [rst?.by === 'server' && rst.forged !== true ? rst.frame : null, c?.handshake.find((e) => e.type === 'fin' && e.by === 'server')?.frame ?? null]
    .filter((x): x is number => x !== null && x > left.frame);
  const serverEnd = t.reply !== null ? (t.reply.code >= 400 ? t.reply.frame : null) : serverStop.length > 0 ? Math.min(...serverStop) : null;
  if (serverEnd === null || left.frame > serverEnd) return null;
  // Something had already cut the data connection before the client left: the client left a transfer already ended.
  if ((rst && rst.frame < left.frame) || serverSideResetUnseen(t) !== null || serverEndGoneUnseen(t, s) !== null) return null;
  return left;
}

/**
 * The transfer command the capture holds, for a data connection seen mid-stream; and whether that
 * connection opened during the capture, which lost its handshake (handshakeLostInCapture).
 */
const commandSeen = (t: Transfer): { command?: number; handshakeLost?: true } => {
  if (t.request === null) return {};
  return handshakeLostInCapture(t) ? { command: t.request.frame, handshakeLost: true } : { command: t.request.frame };
};

/** A mid-stream data connection's earlier part, when the analysis had given it up (not begun before the capture). */
const resumption = (t: Transfer): { resumes?: Resumption } => (t.connection?.resumes !== undefined ? { resumes: t.connection.resumes } : {});

function transferVerdict(t: Transfer, s: Session, sessions: readonly Session[], captureEnd: number | null): TransferVerdict {
  const c = t.connection;
  const evidence = evidenceFrames(t, [t.abortFrame, t.lateAbortFrame]);
  const expected = expectedBytes(t);
  // No exact size, a rounded one (pure-ftpd's kbytes): told beside an unfinished transfer's bytes, never measured against them.
  const about = expected === null && t.announcedKbytes !== undefined ? { about: t.announcedKbytes } : {};
  if (t.inferred === 'command-lost') {
    const frames = evidenceFrames(t, [t.preliminary?.frame, t.abortFrame]);
    return { kind: 'unknown', why: 'command-lost', bytes: t.bytes, expected, preliminary: t.preliminary?.frame ?? null, reply: t.reply?.frame ?? null, whole: t.status === 'complete', evidence: frames };
  }
  if (t.inferred !== undefined) {
    if (t.status === 'failed') return { kind: 'failed', cause: t.diagnosis?.cause ?? (t.inferred === 'tls-hidden' ? 'tls-hidden' : null), evidence };
    if (t.inferred === 'midstream') return { kind: 'unknown', why: 'midstream', bytes: t.bytes, ...resumption(t), evidence };
    // The server's replies say how it went for the server; the client's side is not in the capture.
    if (t.inferred === 'one-way') return { kind: 'unknown', why: 'one-way', bytes: t.bytes, evidence };
    return { kind: 'unknown', why: 'tls-hidden', bytes: t.bytes, cause: t.diagnosis?.cause ?? null, evidence };
  }
  switch (t.status) {
    case 'complete': {
      if (!c) return { kind: 'not-captured', replies: 'completed', evidence };
      // Its data connection began before the capture (inferred-transfers.ts linkUnannounced): what it
      // carried before is not in it, nor how it began, so a 2xx alone does not say the bytes were whole.
      if (c.midstream) return { kind: 'unknown', why: 'midstream', bytes: t.bytes, ...commandSeen(t), ...resumption(t), evidence };
      const gone = clientGone(t, s);
      if (gone !== null) {
        const fin = c.handshake.find((e) => e.type === 'fin' && e.by === 'client')?.frame;
        const frames = [...evidence, ...(fin !== undefined ? [fin] : []), gone].sort((x, y) => x - y);
        return { kind: 'unknown', why: 'client-gone', bytes: t.bytes, reply: t.reply!.frame, gone, evidence: [...new Set(frames)] };
      }
      // An upload's 2xx after client control bytes the capture lost while it ran: they may have held its ABOR.
      if (t.direction === 'upload' && t.reply !== null && abortMayBeLost(t, t.reply.frame)) {
        return { kind: 'unknown', why: 'abort-not-captured', bytes: t.bytes, reply: t.reply.frame, lost: t.clientBytesLost!, evidence: [...new Set([...evidence, t.clientBytesLost!])].sort((x, y) => x - y) };
      }
      // An ICMP error about one of its data segments (path-MTU discovery's "fragmentation needed",
      // answered by the sender with smaller segments) is no sign of the transfer's end: a completed
      // transfer's evidence is its announcement, command, handshake and reply.
      const icmp = new Set(c.icmpErrors.map((e) => e.frame));
      const done = icmp.size === 0 ? evidence : evidence.filter((f) => !icmp.has(f));
      if (t.segment !== undefined) {
        const seg = t.segment;
        const frames = [...new Set([...done, seg.next.frame, seg.closed])].sort((x, y) => x - y);
        return { kind: 'completed', bytes: t.bytes, expected, missingBytes: c.gapBytes, sentShort: false, ...payloadCut(c), segment: seg, evidence: frames };
      }
      const whole = resetAfterWhole(t) ? { resetAfterWhole: c.rst!.frame } : {};
      const reset = senderReset(t, s);
      const drained = reset?.state === 'drained' && reset.ack !== null ? { resetDrained: { lastData: reset.lastData, ack: reset.ack, reset: reset.reset } } : {};
      const wire = streamMode(t) ? {} : { wireMode: t.transferMode! };
      const grew = sentLong(t) ? { sentLong: true as const } : {};
      return { kind: 'completed', bytes: t.bytes, expected, missingBytes: missingBytes(t), sentShort: sentShort(t), ...payloadCut(c), ...grew, ...whole, ...drained, ...wire, evidence: done };
    }
    case 'aborted': {
      const r = resumedUploads.get(t);
      if (r !== undefined) {
        const start = t.restOffset ?? 0;
        // The resume's frame is its own transfer's (and laterAttempt's): this one's story ends at its reply.
        const frames = [...new Set([...evidence, ...(r.fin !== null ? [r.fin] : []), r.gone])].sort((x, y) => x - y);
        const resumed = { reply: t.reply!.frame, gone: r.gone, size: r.size, from: r.resume.restOffset!, frame: r.resumeFrame };
        return { kind: 'aborted', by: 'client', bytes: t.bytes, expected: r.size - start, cause: t.diagnosis?.cause ?? null, resumed, evidence: frames };
      }
      // Its data connection not in a capture that holds none between these hosts: the replies say it
      // was stopped, not how much had moved, nor (no ABOR) which end stopped it.
      if (c === null && s.dataUnseen !== undefined && t.fxp === undefined) {
        return { kind: 'aborted', by: t.abortFrame !== null ? 'client' : null, bytes: t.bytes, expected, ...about, cause: t.diagnosis?.cause ?? null, dataUnseen: s.dataUnseen, evidence };
      }
      const fin = wholeThenRefused(t);
      const unconfirmed = fin !== null ? { unconfirmed: { fin } } : {};
      const frames = fin !== null ? [...new Set([...evidence, fin])].sort((x, y) => x - y) : evidence;
      // With bytes moved: whether they were all of it (nothing moved is no whole file, whatever its size).
      const cut = t.bytes > 0 ? sizeCutAt(t) : null;
      const sizeCut = cut !== null ? { sizeCut: cut } : {};
      // Seen at the sender's side (no gap the receiver never acknowledged: the capture holds every byte
      // sent), the bytes counted are the sender's, not what arrived: a receiver that never acknowledged
      // part of them, sent again to its open window (lost on the path), got only what it acknowledged.
      const loss = sentNotArrived(c, t.bytes, dataVantage(t, s));
      const lost = loss !== null ? { lost: loss } : {};
      // Or the receiver closed its end and reset what kept coming: the rest was refused, not lost.
      const refused = refusedAfterClose(c, t.bytes);
      const closedEnd = refused !== null ? { refusedAfterClose: refused } : {};
      // Or a reset cut it while the receiver's acknowledgements trailed, where the capture cannot show
      // what arrived: the bytes counted were sent; what had been acknowledged when the reset came arrived.
      const atReset = loss === null && refused === null ? sentAtReset(t, s.vantage, t.bytes) : null;
      const cutSent = atReset !== null ? { sentAtReset: atReset } : {};
      return { kind: 'aborted', by: stopper(t, s), bytes: t.bytes, expected, ...about, cause: t.diagnosis?.cause ?? null, ...unconfirmed, ...sizeCut, ...lost, ...closedEnd, ...cutSent, evidence: frames };
    }
    case 'failed':
      // The passive half of an FXP copy whose PORT the other server refused (refusedFxpHalves) failed
      // with the copy: the refusal's frames are its evidence too.
      if (t.diagnosis?.cause === 'fxp-refused' || t.diagnosis?.cause === 'fxp-unreached') return { kind: 'failed', cause: t.diagnosis.cause, evidence: [...new Set([...evidence, ...t.diagnosis.evidence])].sort((x, y) => x - y) };
      return { kind: 'failed', cause: t.diagnosis?.cause ?? null, evidence };
    case 'fell-back': {
      const fb = fallbacks.get(t) ?? null;
      // The refusal: of the transfer command, or (no command used it) of its announcement.
      const refusal = t.reply ?? t.announce?.reply ?? null;
      if (fb === null || refusal === null) return { kind: 'failed', cause: t.diagnosis?.cause ?? null, evidence };
      const via = fb.announce?.via.flatMap((r) => [r.frame, r.replyFrame]) ?? [];
      const after = 'underWay' in fb ? [fb.accepted?.frame, fb.frame ?? undefined, fb.underWay] : 'answerLost' in fb ? [fb.answerLost.gap] : fb.command === null ? [fb.accepted.frame] : [fb.frame, fb.replyFrame ?? undefined];
      const frames = evidenceFrames(t, [fb.directory?.replyFrame, ...via, fb.announce?.frame, ...after]);
      return { kind: 'fell-back', code: refusal.code, reply: refusal.frame, fallback: fb, evidence: frames };
    }
    case 'retry-refused': {
      const r = retries.get(t);
      const refusal = t.announce?.reply ?? null;
      if (r === undefined || refusal === null) return { kind: 'failed', cause: t.diagnosis?.cause ?? null, evidence };
      const frames = evidenceFrames(t, [r.frame, r.replyFrame, ...r.via.flatMap((v) => [v.frame, v.replyFrame])]);
      return { kind: 'retry-refused', code: refusal.code, reply: refusal.frame, lacking: saysLacking(refusal), retryOf: r, evidence: frames };
    }
    case 'unused':
      return { kind: 'unused', evidence };
    case 'incomplete': {
      if (t.announceLost !== undefined) {
        const l = t.announceLost;
        const frames = [...new Set([...evidence, l.gap, ...(l.syn !== null ? [l.syn] : [])])].sort((x, y) => x - y);
        return { kind: 'unknown', why: 'announce-lost', bytes: 0, reply: t.reply?.frame ?? null, announceLost: l, evidence: frames };
      }
      const pending = t.splitPending;
      if (pending !== undefined) {
        const frames = [...new Set([...evidence, pending.closed, pending.frame])].sort((x, y) => x - y);
        return { kind: 'incomplete', bytes: t.bytes, expected, ...about, why: 'capture-ended', splitPending: pending, evidence: frames };
      }
      if (t.splitLost !== undefined) {
        const l = t.splitLost;
        const frames = [...new Set([...evidence, l.closed, l.frame, l.lost.frame])].sort((x, y) => x - y);
        return { kind: 'incomplete', bytes: t.bytes, expected, ...about, why: 'split-not-captured', splitLost: l, evidence: frames };
      }
      const cut = finalReplyLost(t, s);
      if (cut !== null) {
        const fin = c!.handshake.find((e) => e.type === 'fin' && e.by === senderOf(t))?.frame;
        const frames = [...evidence, cut.frame, ...cut.repeats.slice(0, 1), ...(fin !== undefined ? [fin] : [])];
        return {
          kind: 'reply-lost',
          bytes: t.bytes,
          expected,
          reply: t.reply?.frame ?? null,
          by: cut.by,
          from: cut.frame,
          finOnly: cut.bytes === 0,
          repeats: cut.repeats,
          evidence: [...new Set(frames)].sort((x, y) => x - y),
        };
      }
      if (s.oneWay) return { kind: 'unknown', why: 'one-way', bytes: t.bytes, evidence };
      if (!c && t.preliminary) return { kind: 'not-captured', replies: 'started', evidence };
      if (c?.midstream) return { kind: 'unknown', why: 'midstream', bytes: t.bytes, ...commandSeen(t), ...resumption(t), evidence };
      // A control connection one side closed (FIN or RST) ended the session even if the other side's
      // FIN is not in the capture: the transfer was not still running when the capture ended.
      // Data still moving when the capture ended: what the receiver lacked may yet be sent again (in-flight.ts).
      const inFlight = inFlightAtEnd(t, s, captureEnd);
      // A final reply in bytes the capture lost, which the client had before its next command: the
      // transfer ended; data the capture shows unacknowledged at its end lost its ACKs with the reply.
      const loss = inFlight === null && t.replyInGap === undefined ? pathLoss(c, dataVantage(t, s)) : null;
      const arrived = loss !== null && loss.arrivedBeyondAck > 0 ? { arrivedBeyondAck: loss.arrivedBeyondAck } : {};
      const lost = loss !== null ? { lost: { sent: loss.sent, acknowledged: loss.acknowledged, ...arrived } } : {};
      const given = notFollowed(t, s, sessions);
      if (given !== null) {
        return { kind: 'incomplete', bytes: t.bytes, expected, ...about, why: 'not-followed', ...given.at, evidence: [...new Set([...evidence, given.frame])].sort((x, y) => x - y) };
      }
      const sized = sizeLost(t, s);
      if (sized !== null) {
        const frames = [...new Set([...evidence, sized.frame, c!.rst!.frame])].sort((x, y) => x - y);
        return { kind: 'incomplete', bytes: t.bytes, expected, why: 'size-not-captured', sizeLost: sized, reset: c!.rst!.frame, evidence: frames };
      }
      if (wholeBeforeLostEnd(t)) {
        return { kind: 'incomplete', bytes: t.bytes, expected, why: 'end-not-captured', endLost: { reply: t.reply!.frame }, evidence };
      }
      if (t.replyInGap !== undefined) {
        const { gap, later } = t.replyInGap;
        const frames = [...new Set([...evidence, ...t.replyInGap.evidence])].sort((x, y) => x - y);
        return { kind: 'incomplete', bytes: t.bytes, expected, ...about, why: 'reply-not-captured', replyInGap: { gap, later }, evidence: frames };
      }
      if (inFlight?.kind === 'arriving') {
        const arriving = { reply: inFlight.reply, lastData: inFlight.lastData };
        const frames = [...new Set([...evidence, inFlight.frame])].sort((x, y) => x - y);
        return { kind: 'incomplete', bytes: t.bytes, expected, ...about, why: 'capture-ended', arriving, evidence: frames };
      }
      if (inFlight?.kind === 'aborting') return { kind: 'incomplete', bytes: t.bytes, expected, ...about, why: 'capture-ended', underWay: { step: 'aborting', frame: inFlight.frame }, evidence };
      // Not still arriving at the capture's end: its data connection's end lost, nothing showing the data whole.
      const lastData = inFlight === null ? dataEndNotCaptured(t) : null;
      if (lastData !== null) {
        const frames = [...new Set([...evidence, lastData])].sort((x, y) => x - y);
        return { kind: 'incomplete', bytes: t.bytes, expected, why: 'data-end-not-captured', dataEndLost: { reply: t.reply!.frame, lastData }, evidence: frames };
      }
      // Closed, with nothing still due: a reply the server could still send after the client's half-close is in flight.
      if ((s.close !== null || s.closedBy !== null) && inFlight === null) {
        const endLost = unfinishedAtLostEnd(t, s);
        const ends = [s.closedBy?.frame, endLost?.reset].filter((f): f is number => f !== undefined);
        const frames = [...new Set([...evidence, ...ends])].sort((x, y) => x - y);
        return { kind: 'incomplete', bytes: t.bytes, expected, ...about, why: 'session-ended', ...lost, ...(endLost !== null ? { controlEndLost: endLost } : {}), evidence: frames };
      }
      // The sender not sending at the end, with nothing earlier to measure that silence against: paused or stopped.
      const atEnd = loss === null && t.diagnosis === null ? stateAtCaptureEnd(t, captureEnd ?? c?.end ?? 0) : null;
      if (atEnd?.kind === 'sender-idle') {
        const idle = { sender: senderOf(t), seconds: atEnd.seconds, lastData: atEnd.lastData.frame, drained: atEnd.drained.frame };
        const frames = [...new Set([...evidence, idle.lastData, idle.drained])].sort((x, y) => x - y);
        return { kind: 'incomplete', bytes: t.bytes, expected, ...about, why: 'capture-ended', idle, evidence: frames };
      }
      const underWay = inFlight !== null ? { underWay: { step: inFlight.kind, frame: inFlight.frame } } : {};
      // The client had closed its control connection mid-transfer, with no QUIT: it had left (in-flight.ts clientHalfClosed).
      const end = s.closedBy;
      const left = inFlight !== null && end !== null && end.by === 'client' && t.request !== null && end.frame > t.request.frame && t.reply === null && clientLeftFirst(t, s)?.how !== 'quit';
      const clientLeft = left ? { clientLeft: { frame: end!.frame, how: end!.how } } : {};
      const frames = left ? [...new Set([...evidence, end!.frame])].sort((x, y) => x - y) : evidence;
      return { kind: 'incomplete', bytes: t.bytes, expected, ...about, why: 'capture-ended', ...lost, ...underWay, ...clientLeft, evidence: frames };
    }
  }
}

/** Transfer verdicts: after the diagnosis, whose cause a failed or aborted verdict carries. */
export function decideVerdicts(a: Analysis): void {
  for (const s of a.sessions) for (const t of s.transfers) t.verdict = transferVerdict(t, s, a.sessions, a.capture.last);
  // Once every verdict stands: whether an unfinished transfer was tried again later, and how that went.
  assignLaterAttempts(a.sessions);
}


/**
 * The ABOR that followed a transfer command was answered 225 (RFC 959: data connection open, no
 * transfer in progress; vsftpd "225 No transfer to ABOR."): it found nothing to abort.
 */
function abortFoundNothing(t: Transfer, s: Session): boolean {
  const abor = aborOf(t, s);
  return abor?.reply?.code === 225 && t.reply !== null && abor.reply.frame > t.reply.frame;
}

/** The ABOR that followed a transfer command has no reply in the capture. */
function abortUnanswered(t: Transfer, s: Session): boolean {
  const abor = aborOf(t, s);
  return abor !== undefined && abor.reply === null;
}

/** The transfer's ABOR command, found by its frame in the session's order (a scan per transfer is quadratic). */
function aborOf(t: Transfer, s: Session): Command | undefined {
  if (t.abortFrame === null) return undefined;
  for (const x of sessionOrder(s).commandsBetween(t.abortFrame - 1, t.abortFrame + 1)) if (x.command === 'ABOR') return x;
  return undefined;
}
