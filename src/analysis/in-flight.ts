/**
 * What was still under way when the capture simply stopped (tcpdump -c, a ring buffer rotated, a
 * capture stopped by hand): a capture that ends tells nothing of what came after, so what was in
 * flight at its last packet is not yet known — neither done nor failed. Decided once, for the
 * statuses (verdict.ts), the diagnosis (diagnose/index.ts: no cause for it) and the login; failure
 * evidence already in the capture (a reset, an ICMP error, a SYN sent again, an error reply, a
 * receiver that closed) is never in flight, but for a refusal the client usually gets past by asking
 * another way (a refused PASV/EPSV/PORT/EPRT no command used, a command the server lacks, a RETR's
 * 550 on a name that may be a directory) while its session was still going and no other way had been
 * asked yet (fallback.ts reads a way past it still under way the same way).
 *
 * "Under way" is measured against the one clock TCP itself keeps for an answer that has not come:
 * the retransmission timeout. A SYN unanswered for less than its first timeout (RFC 6298: 1 s) had
 * not been missed yet; a command, a reply or a data connection's handshake followed by less than that
 * before the capture ended was still being answered. Data still moving at the end is in flight as
 * stopped-at-end.ts reads it (no silence longer than the transfer's own pauses): what it lacks may
 * still be sent again.
 */
import { announcesActive, announcesPassive, saysLacking } from '../ftp/commands.js';
import { dataReceiver, dataSender, dataSenderOf, unacknowledgedTo } from './data-sender.js';
import { textMode } from './line-ends.js';
import type { Command, DataConnection, Reply, Session, Transfer } from './model.js';
import { senderReset } from './sender-reset.js';
import { carriesExpected, expectedBytes } from './sender-stopped.js';
import { dataVantage, pathLoss } from './path-loss.js';
import { stateAtCaptureEnd } from './stopped-at-end.js';
import { sessionOrder } from './session-order.js';

/** RFC 6298's initial retransmission timeout: an answer not come within it is not yet missed. */
export const IN_FLIGHT_SECONDS = 1;

export type InFlight =
  /** The data connection's SYN (or SYN and SYN-ACK) were the capture's last word on it. */
  | { kind: 'connecting'; frame: number }
  /** The data connection was open, no data yet, or its data was moving when the capture ended. */
  | { kind: 'moving'; frame: number }
  /** The command (or its 1xx, or the sender's close of the data) waited for the next step. */
  | { kind: 'waiting'; frame: number }
  /**
   * The server's 2xx had come (`reply`), but its data was still arriving when the capture ended (the
   * last at `frame`, its sender not closed, fewer bytes than stated or none stated): a server that
   * replies once its data is queued (pure-ftpd), not once it arrived. The 2xx is no proof yet.
   * `lastData` null: none of the stated bytes had come, the sender not closed (`frame`: the 2xx's).
   */
  | { kind: 'arriving'; frame: number; reply: number; lastData: number | null }
  /**
   * The client's ABOR (`frame`) had no answer yet, nor had the transfer, while its data connection
   * was still open and its data still coming: whether the ABOR cut the transfer short or came as it
   * finished (lftp's pget sends ABOR once a segment's piece is in, and the server may still send the
   * rest and its 226) is the server's answer, still to come.
   */
  | { kind: 'aborting'; frame: number };

/** The session's control connection had not closed (no FIN or RST from either side) when the capture ended. */
const sessionOpen = (s: Session): boolean => s.close === null && s.closedBy === null;

/**
 * The client closed its side of the control connection (FIN), and nothing reset it: a half-close,
 * after which the server still sends (urllib closes its side once the data is in, before the 226
 * comes; a killed client's kernel still sends the upload it had queued, and the 226 follows).
 */
function clientHalfClosed(s: Session): boolean {
  const c = s.closedBy;
  return c !== null && c.by === 'client' && c.how === 'fin' && s.close !== 'rst';
}

/**
 * A transfer still under way when the capture ended (its command sent, no final reply, nothing that
 * shows a failure), with the frame of its last step; null otherwise. `captureEnd`: the time of the
 * capture's last packet.
 */
export function inFlightAtEnd(t: Transfer, s: Session, captureEnd: number | null): InFlight | null {
  if (captureEnd === null || s.oneWay !== undefined || t.inferred !== undefined && t.reply !== null) return null;
  if (t.abortFrame !== null) return abortAnswerDue(t, s, captureEnd);
  if (t.reply !== null) return t.reply.code >= 400 ? refusedProbeAtEnd(t, s, captureEnd) : arriving(t, s, captureEnd);
  const c = t.connection;
  if (!sessionOpen(s)) return clientHalfClosed(s) ? replyDueAfterHalfClose(t, s, captureEnd) : null;
  if (c === null) {
    if (t.inferred !== undefined) return null;
    // The command (or the announcement's reply, or the 1xx) was among the capture's last packets.
    const announced = t.announce?.reply;
    if (announced && announced.code >= 400) return t.request === null ? refusalAtEnd(t, s, announced, captureEnd) : null;
    const last = latest([t.request?.frame, t.request?.time], [t.preliminary?.frame, t.preliminary?.time], [t.announce?.frame, t.announce?.time], [announced?.frame, announced?.time]);
    if (last === null) return null;
    return captureEnd - last.time < IN_FLIGHT_SECONDS ? { kind: 'waiting', frame: last.frame } : null;
  }
  // The receiver reset the data connection once it held every stated byte, each acknowledged: the
  // server's answer to that reset (426, verdict.ts resetAfterWhole) was still to come.
  // So was the answer to a sender's reset once its queue had drained (sender-reset.ts: every byte
  // acknowledged, a round trip before it): nothing was discarded.
  // And the answer after a reset that came once the sender had closed (its FIN first: all its data sent).
  if (c.rst !== null && (receiverResetWhole(t) || senderReset(t, s)?.state === 'drained' || senderClosedFirst(t))) {
    return captureEnd - c.end < IN_FLIGHT_SECONDS ? { kind: 'waiting', frame: c.rst.frame } : null;
  }
  if (c.midstream || c.rst !== null || c.icmpErrors.length > 0) return null;
  if (!c.established) {
    // One SYN (and at most one SYN-ACK): nothing was sent again yet, so nothing was missed yet. Or
    // the SYN sent once again, its first timeout just spent (one copy missed: dropped on the way for
    // a while, as by a firewall rule that went), in a session still open, the second copy's answer
    // not due yet (its timeout doubled: 3 s from the first SYN): the connection was still being made
    // (a86-active-server-side-wget-vsftpd, cut just after the server's second SYN, which opened it).
    // A SYN sent again and again over many seconds (a30-proxy-server-pasv-drop-*) had been missed, and
    // so had one sent again to an address other than the session's own peer's (a 227 naming another
    // host: fail-pasv-address-vsftpd-lftp, verdicts-review78), which says what is wrong by itself.
    const repeated = c.handshake.some((e) => e.repeat === true) || c.synFrames.length > 1 || c.synAckFrames.length > 1;
    const last = c.handshake[c.handshake.length - 1];
    if (last === undefined || (last.type !== 'syn' && last.type !== 'syn-ack')) return null;
    const first = c.handshake.find((e) => e.type === 'syn');
    const toPeer = t.mode === 'active' ? c.client.ip === s.client.ip : c.server.ip === s.server.ip;
    const resentOnce = c.synFrames.length === 2 && c.synAckFrames.length <= 1 && sessionOpen(s) && toPeer && first !== undefined && captureEnd - first.time < 3 * IN_FLIGHT_SECONDS;
    if (repeated && !resentOnce) return null;
    return captureEnd - last.time < IN_FLIGHT_SECONDS ? { kind: 'connecting', frame: last.frame } : null;
  }
  const fins = c.handshake.filter((e) => e.type === 'fin');
  const sender = dataSenderOf(t);
  // The receiver's close before the sender's ends a transfer short (verdict.ts receiverClosedShort): no longer in flight.
  if (fins.length > 0 && fins[0].by !== sender) return null;
  if (fins.length > 0) {
    // The sender closed (and the receiver after it): the data was sent, the final reply on its way.
    const last = fins[fins.length - 1];
    return captureEnd - last.time < IN_FLIGHT_SECONDS ? { kind: 'waiting', frame: last.frame } : null;
  }
  if (c.lastData === null) {
    const last = c.handshake[c.handshake.length - 1];
    return last !== undefined && captureEnd - last.time < IN_FLIGHT_SECONDS ? { kind: 'moving', frame: last.frame } : null;
  }
  const state = stateAtCaptureEnd(t, captureEnd);
  return state?.kind === 'moving' ? { kind: 'moving', frame: c.lastData.frame } : null;
}

/**
 * The client's ABOR unanswered at the capture's end (InFlight `aborting`): no final reply to the
 * transfer nor to the ABOR, the control connection open, the data connection open (no reset, no
 * close by the data's receiver, nothing lost on the way), and the ABOR or the data's last packet less
 * than a retransmission timeout before the end, or the data still moving. Null otherwise: an ABOR
 * whose answer was long overdue, or one that met a closed or reset data connection, stopped it.
 */
function abortAnswerDue(t: Transfer, s: Session, captureEnd: number): InFlight | null {
  const c = t.connection;
  if (t.reply !== null || t.inferred !== undefined || !sessionOpen(s) || c === null || !c.established || c.midstream || c.rst !== null || c.icmpErrors.length > 0) return null;
  const abor = s.commands.find((x) => x.frame === t.abortFrame && x.command === 'ABOR');
  if (abor === undefined || abor.reply !== null) return null;
  const fins = c.handshake.filter((e) => e.type === 'fin');
  if (fins.length > 0 && fins[0].by !== dataSender(t.direction)) return null;
  const recent = captureEnd - Math.max(abor.time, c.lastData?.time ?? abor.time) < IN_FLIGHT_SECONDS;
  if (!recent && (fins.length > 0 || stateAtCaptureEnd(t, captureEnd)?.kind !== 'moving')) return null;
  return { kind: 'aborting', frame: abor.frame };
}

/**
 * After the client's half-close (clientHalfClosed), however long before, only the data and its final
 * reply can still come: the reply to a transfer whose data's sender had closed less than a
 * retransmission timeout before the end, with every byte acknowledged or its last bytes' acknowledgement
 * still to come and none lost on the path (a client that closes its control connection the moment its
 * upload is sent); or the data itself, still moving at the end (dataMoving). Null otherwise.
 */
function replyDueAfterHalfClose(t: Transfer, s: Session, captureEnd: number): InFlight | null {
  const c = t.connection;
  if (c === null || !c.established || c.midstream || c.rst !== null) return null;
  // Bytes the path lost (sent again, never acknowledged: path-loss.ts) were missed, however recent.
  const unacknowledged = unacknowledgedTo(c, dataReceiver(t.direction));
  if ((unacknowledged > 0 || c.undeliveredBytes > 0) && (pathLoss(c, dataVantage(t, s)) !== null || captureEnd - c.end >= IN_FLIGHT_SECONDS)) return null;
  const fins = c.handshake.filter((e) => e.type === 'fin');
  if (fins.length === 0) return dataMoving(t, s, captureEnd);
  // The receiver closed first, holding every stated byte, each acknowledged (a client whose own
  // timeout ended its wait for the sender's FIN): that FIN and the final reply may still come.
  const whole = fins[0].by !== dataSender(t.direction) && carriesExpected(t) && unacknowledged === 0 && c.undeliveredBytes === 0;
  if (fins[0].by !== dataSender(t.direction) && !whole) return null;
  const last = fins[fins.length - 1];
  return captureEnd - last.time < IN_FLIGHT_SECONDS ? { kind: 'waiting', frame: last.frame } : null;
}

/**
 * An open data connection (established, no FIN, no reset: replyDueAfterHalfClose) whose data still
 * moved at the end: its last packet less than a retransmission timeout before, none lost on the path
 * (a killed client's kernel still sending the upload it had queued). Null otherwise.
 */
function dataMoving(t: Transfer, s: Session, captureEnd: number): InFlight | null {
  const c = t.connection!;
  if (c.close !== null || c.lastData === null || pathLoss(c, dataVantage(t, s)) !== null) return null;
  return captureEnd - c.end < IN_FLIGHT_SECONDS ? { kind: 'moving', frame: c.lastData.frame } : null;
}

/** A 2xx came while the data was still arriving at the capture's end (InFlight `arriving`); null otherwise. */
function arriving(t: Transfer, s: Session, captureEnd: number): InFlight | null {
  const c = t.connection;
  const r = t.reply!;
  if (r.code < 200 || r.code >= 300 || !c?.established || c.midstream || c.rst !== null) return null;
  // The client went on to its next command after the 2xx, no data after it: the data had stopped
  // coming before the capture did, however short the capture (a client reads a download's data to
  // its end before it takes the reply and goes on).
  if ((c.lastData === null || c.lastData.time <= r.time) && sessionOrder(s).wentOnAfter(r.frame)) return null;
  const sender = dataSender(t.direction);
  if (sender === null) return null;
  if (c.lastData === null) {
    // None of the stated bytes had come and the sender had not closed: all of its data was still to
    // come (its first packets never whole in the capture: IP fragments whose rest was lost).
    // With no size stated (a listing), not even its close had come less than a retransmission timeout after the 2xx.
    const expected = expectedBytes(t);
    const closed = c.handshake.some((e) => e.type === 'fin' && e.by === sender);
    const owed = expected !== null ? expected > 0 : captureEnd - r.time < IN_FLIGHT_SECONDS;
    return owed && !closed ? { kind: 'arriving', frame: r.frame, reply: r.frame, lastData: null } : null;
  }
  const at = { kind: 'arriving', frame: c.lastData.frame, reply: r.frame, lastData: c.lastData.frame } as const;
  // The data's receiver closed the data connection having acknowledged less than the size stated: it
  // stopped taking the data (a client's own time limit, its user, its exit), so nothing more of it
  // was on its way to that receiver, however recent its last byte (verdict.ts receiverGaveUpAfterReply).
  const expected = expectedBytes(t);
  const unacknowledged = unacknowledgedTo(c, sender === 'server' ? 'client' : 'server');
  const acknowledged = t.bytes + c.gapBytes + c.undeliveredBytes - unacknowledged;
  if (expected !== null && acknowledged < expected && c.handshake.some((e) => e.type === 'fin' && e.by !== sender)) return null;
  // Sent and not yet acknowledged, its connection's last packet (the data, or its repeats) less than
  // a retransmission timeout before the end: the receiver's acknowledgement was still to come.
  if ((unacknowledged > 0 || c.undeliveredBytes > 0) && captureEnd - c.end < IN_FLIGHT_SECONDS) return at;
  if (c.handshake.some((e) => e.type === 'fin' && e.by === sender)) return null;
  // Every stated byte in (TYPE A: the file's text form, sender-stopped.ts carriesExpected): whole, only its FIN to come.
  if (carriesExpected(t)) return null;
  // The receiver's window shut at the end holds back data the sender has not closed on: still to come, however long ago the last came.
  if (c.windowShut[dataReceiver(t.direction) === 'client' ? 'toClient' : 'toServer'] !== null) return at;
  // Short of a stated size, its sender not closed: the rest was still owed, however long ago the last came (a client reading at a limited rate).
  if (expectedBytes(t) !== null) return at;
  return captureEnd - c.lastData.time < IN_FLIGHT_SECONDS ? at : null;
}

/**
 * The data's receiver reset the data connection (its own reset, not a device's) once every byte the
 * session stated (SIZE's 213, the 150's "(N bytes)") had arrived whole and been acknowledged: a
 * client that closes abortively (SO_LINGER 0) once it has the file. No ABOR.
 */
export function receiverResetWhole(t: Transfer): boolean {
  const c = t.connection;
  const expected = expectedBytes(t);
  if (t.abortFrame !== null || expected === null || expected === 0) return false;
  // Binary: exactly the size (more is a file that grew), counting bytes the capture lost that the
  // receiver acknowledged (they arrived); TYPE A: the file's text form (carriesExpected), all captured.
  if (textMode(t) ? !carriesExpected(t) || (c?.gapBytes ?? 0) > 0 : t.bytes + (c?.gapBytes ?? 0) !== expected) return false;
  // Seen without its handshake: only one the capture lost, opened during it (no byte came before it).
  if (!c || (c.midstream ? !handshakeLostInCapture(t) : !c.established)) return false;
  if (!c.rst || c.rst.forged || c.rst.by === (dataSender(t.direction) ?? 'server')) return false;
  // Every byte acknowledged: by the receiver's ACKs, or by its reset's own (an RST with ACK carries rcv_nxt).
  return c.undeliveredBytes === 0 && (unacknowledgedTo(c, dataReceiver(t.direction)) === 0 || c.rst.acksAll === true);
}

/**
 * A data connection seen mid-stream whose first packet came after the announcement it answers, which
 * the capture holds: it opened during the capture, which lost its handshake, so none of its bytes
 * came before the capture began. (With no announcement in the capture, a first packet after the
 * command says nothing: a capture begun after the SYN shows the same.)
 */
export function handshakeLostInCapture(t: Transfer): boolean {
  const a = t.announce;
  const since = a === null || a.askedBeforeCapture || t.announcedBeforeCapture ? undefined : (a.reply?.time ?? a.time);
  return t.connection !== null && t.connection.midstream && since !== undefined && t.connection.start > since;
}

/** The data's sender closed the data connection (FIN) before its reset, whoever sent that. */
function senderClosedFirst(t: Transfer): boolean {
  const c = t.connection!;
  const sender = dataSender(t.direction);
  const fin = c.handshake.find((e) => e.type === 'fin' && e.by === sender);
  return sender !== null && fin !== undefined && c.rst !== null && !c.rst.forged && fin.frame < c.rst.frame;
}

/**
 * The session was still going when the capture ended: its control connection open, and its last
 * command or reply less than a retransmission timeout before the end (or, none yet, its SYN: the
 * control verdict `connecting`). What the client did next (a recovery, another way) may have come
 * after the capture: its absence proves nothing yet. The frame of that last step; null otherwise.
 */
export function sessionStepAtEnd(s: Session, captureEnd: number | null): number | null {
  if (captureEnd === null || !sessionOpen(s)) return null;
  const c = s.commands[s.commands.length - 1];
  if (c === undefined) {
    // Connecting, or connected with its greeting still to come.
    if (s.control.kind === 'connecting') return s.control.synFrames[s.control.synFrames.length - 1];
    return s.control.kind === 'opened' && captureEnd - s.start < IN_FLIGHT_SECONDS ? s.control.evidence[s.control.evidence.length - 1] ?? null : null;
  }
  let last: { frame: number; time: number } = c;
  for (const r of c.preliminary) if (r.time >= last.time) last = r;
  if (c.reply !== null && c.reply.time >= last.time) last = c.reply;
  return captureEnd - last.time < IN_FLIGHT_SECONDS ? last.frame : null;
}

/**
 * A transfer command the server said it lacks (MLSD answered "500 Unknown command": saysLacking),
 * nothing moved: a probe the client usually follows with another way (LIST), refusalAtEnd's case.
 */
function refusedProbeAtEnd(t: Transfer, s: Session, captureEnd: number): InFlight | null {
  if (t.bytes > 0 || t.direction === null) return null;
  if (saysLacking(t.reply!)) return refusalAtEnd(t, s, t.reply!, captureEnd);
  return maybeDirectory(t) ? directoryUndecidedAtEnd(t, s, captureEnd) : null;
}

/**
 * A download refused with 550 on a name that may be a directory: urllib (and browsers) RETR a URL's
 * last name first, and on a 550 try it as a directory (CWD into it, then LIST): fallback.ts reads
 * that way past the refusal once the server accepts the CWD. As not-followed.ts, for a refusal
 * whose next way decides it.
 */
const maybeDirectory = (t: Transfer): boolean => t.direction === 'download' && t.reply!.code === 550 && t.request !== null && t.request.arg.trim() !== '';

/**
 * A download's 550 on a name that may be a directory (maybeDirectory), with nothing after it yet that
 * says whether it is one: no CWD into the name answered (accepted: fallback.ts's way past it; refused:
 * no directory, the 550 stands), no later transfer command nor an announcement before any CWD into
 * the name (the client moved on), while the session was
 * still going at the capture's end: the client's next step, which decides it, may have come after.
 * In flight at the session's last step; null otherwise.
 */
function directoryUndecidedAtEnd(t: Transfer, s: Session, captureEnd: number): InFlight | null {
  const refusal = t.reply!;
  const name = t.request!.arg.trim();
  // The first CWD into the name since the refusal (urllib's next step); one answered decides it.
  let cwd: number = Infinity;
  // The first announcement asked since the refusal, answered or not (its reply may lie past the end:
  // a61-mirror-one-denied-one-dropped cut after lftp's next PASV, 4.3 s after the 550).
  let announced: number = Infinity;
  for (let i = s.commands.length - 1; i >= 0 && s.commands[i].frame > refusal.frame; i--) {
    const c = s.commands[i];
    if (c.command === 'CWD' && c.arg.trim() === name) {
      if (c.reply !== null) return null;
      cwd = c.frame;
    }
    if (announcesPassive(c.command) || announcesActive(c.command)) announced = c.frame;
  }
  // An announcement before any CWD into the name: the next transfer's, the client moving on.
  if (announced < cwd) return null;
  // From the session's end: what came after the refusal is among its last. A later transfer command,
  // or an announcement before any CWD into the name (the next transfer's, not the directory's), is
  // the client moving on.
  for (let i = s.transfers.length - 1; i >= 0; i--) {
    const o = s.transfers[i];
    if (o === t) break;
    if (o.request !== null && o.request.frame > refusal.frame) return null;
    if (o.announce !== null && o.announce.frame > refusal.frame && o.announce.frame < cwd) return null;
  }
  const step = sessionStepAtEnd(s, captureEnd);
  return step === null ? null : { kind: 'waiting', frame: step };
}

/**
 * A refusal the client usually gets past by asking another way (a refused PASV/EPSV/PORT/EPRT no
 * transfer command used, or a transfer command the server lacks), with no other way asked yet in its
 * session (no later announcement; no later transfer of the kind) while the session was still going
 * at the capture's end: in flight at the session's last step. Null otherwise (fallback.ts reads a
 * way asked that was still under way).
 */
function refusalAtEnd(t: Transfer, s: Session, refusal: Reply, captureEnd: number): InFlight | null {
  // From the session's end: a later transfer is among its last.
  for (let i = s.transfers.length - 1; i >= 0; i--) {
    const o = s.transfers[i];
    if (o === t) break;
    const asked = t.request === null ? o.announce?.frame : o.direction === t.direction ? o.request?.frame : undefined;
    if (asked !== undefined && asked > refusal.frame) return null;
  }
  const step = sessionStepAtEnd(s, captureEnd);
  return step === null ? null : { kind: 'waiting', frame: step };
}

/** The latest of some [frame, time] pairs that exist. */
function latest(...at: Array<[number | undefined, number | undefined]>): { frame: number; time: number } | null {
  let best: { frame: number; time: number } | null = null;
  for (const [frame, time] of at) if (frame !== undefined && time !== undefined && (best === null || time > best.time)) best = { frame, time };
  return best;
}

/**
 * The session's commands became hidden (TLS, RFC 2228 protection: `from`, inferred-transfers.ts
 * hiddenFrom) less than a retransmission timeout before the capture ended: what came of it — a
 * handshake a key log decrypts, a CCC back to clear text, or the rest of the session hidden — the
 * capture ended too soon to show, so nothing is said of it yet (no tls-hidden diagnosis).
 */
export function hiddenJustBegun(s: Session, from: number, captureEnd: number | null): boolean {
  if (captureEnd === null || !sessionOpen(s)) return false;
  // AUTH's 234 (or the protection's ADAT reply), the command at `from`, or implicit TLS from the session's start.
  let time: number | null = s.tlsMode === 'implicit' && s.tlsFrame === from ? s.start : null;
  for (const c of s.commands) {
    if (time !== null) break;
    if (c.reply?.frame === from) time = c.reply.time;
    else if (c.frame === from) time = c.time;
  }
  return time !== null && captureEnd - time < IN_FLIGHT_SECONDS;
}

/**
 * A login under way when the capture ended: the session still open, no login accepted, and the last
 * login command unanswered, or answered with a request for more (331 for the password, 332 for an
 * account) that the capture ended before the client sent. Not a failure: nothing refused it. No
 * time bound: a person may take long over a password, and only a refusal or the client's leaving
 * makes a login fail. The login command's frame; null otherwise.
 */
export function loginInFlight(s: Session, lastLogin: Command | null): number | null {
  if (!sessionOpen(s) || lastLogin === null || s.loggedIn) return null;
  const r = lastLogin.reply;
  return r === null || (r.code >= 300 && r.code < 400) ? lastLogin.frame : null;
}
