/**
 * Failures after (or without) a working data connection: aborted or stalled transfers, segments
 * the capture lost, commands the server refused, and data connections the capture does not hold.
 */
import { familyCrossing } from '../../nat64.js';
import { dataReceiver, dataReceiverOf, dataSender, dataSenderOf, unacknowledgedTo } from '../../data-sender.js';
import { closedAfterWaiting, dataVantage, pathLoss, refusedAfterClose, sentNotArrived } from '../../path-loss.js';
import { carriesExpected, expectedBytes, senderStoppedShort, textFileBytes, wholeThenRefused, type SenderStopped } from '../../sender-stopped.js';
import { clientLeftFirst, finalReplyLost, heldWhole, receiverClosedShort, receiverGaveUpAfterReply, refusedInSuccess, resetHostTtl, resumedUpload, senderResetInFlight, serverEndGoneUnseen, serverSideResetUnseen, type QueuedReset } from '../../verdict.js';
import { sessionById, transferById } from '../../lookup.js';
import type { CauseCode, Command, Reply, Session, Transfer } from '../../model.js';
import { CATALOG } from '../catalog.js';
import { announceWords, ep, evidenceFrames, frameList, replyWords, secondsText, serverGaveUpWaiting } from '../facts.js';
import { diagnosis } from '../build.js';
import { natCounterpart, natViewReset, pairInUse, pairInUseAdvice, pairInUseWords } from '../pair-in-use.js';
import { canSeeArrivalAt, seesBothEnds, wouldHoldDataSyn } from '../vantage.js';
import { dataEndNotCaptured } from '../../data-end-lost.js';
import { dataUnseenAdvice, dataUnseenDetail, noDataConnectionWords, unlessFiltered } from '../../data-unseen.js';
import { STALL_SECONDS, ZERO_WINDOW_STALL_SECONDS, stateAtCaptureEnd, type EndState } from '../../stopped-at-end.js';
import { receiverEndedSilence, type SilenceEnded } from '../../silence-ended.js';
import { commandInfo, saysLacking } from '../../../ftp/commands.js';
import { passivePortsWhere } from '../../server-software.js';
import { timeLimitOf, type TimeLimit } from '../../unanswered.js';
import type { Diagnosis, TransferContext } from '../types.js';

/**
 * Bytes a receiver acknowledged that prove full-sized segments crossed the path: two of Ethernet's
 * (1448 bytes each with timestamps). A path-MTU black hole lets only smaller ones through.
 */
const FULL_SEGMENTS_BYTES = 2 * 1448;
const STALL_TIMEOUT_ADVICE =
  "The client stopped reading for longer than the server waits on a stalled transfer: find why the client stopped (a full disk, a paused or busy process), or lengthen the server's stall timeout{setting:dataTimeout}.";

/** Data lost on the path: a path-MTU black hole unless full-sized segments had got through. */
function pathLossAdvice(receiver: 'client' | 'server', acknowledged: number): string {
  const lost = 'Packets were lost between the client and the server while both ends and the connection stayed up';
  return acknowledged >= FULL_SEGMENTS_BYTES
    ? `Packets were lost between the client and the server. The ${receiver} had acknowledged ${acknowledged} bytes first, so full-sized segments got through: this is no path-MTU black hole. ` +
        'Look for a link or device on the path that drops packets (congestion, a failing link, a rate limiter, an intrusion-prevention system).'
    : `${lost}: when the control connection (short packets) works and the data connection opens but its full-sized segments never arrive, ` +
        'suspect a path-MTU black hole (a link with a smaller MTU whose ICMP "fragmentation needed" / ICMPv6 "packet too big" a firewall drops): ' +
        'let those ICMP messages through, or clamp the TCP MSS on the router; otherwise look for a filtering or failing link on the path.';
}

/** Data moved, then the sender went quiet with everything acknowledged and the receiver's window open, to the capture's end. */
function senderStoppedAdvice(sender: 'client' | 'server'): string {
  return sender === 'server'
    ? 'The server stopped sending while the client had acknowledged every byte and kept its window open: nothing on the network held the data back. ' +
        'Look at the server process (hung, stopped, blocked on its disk or on an upstream it relays) and its log.'
    : 'The client stopped sending its upload while the server had acknowledged every byte and kept its window open: nothing on the network held the data back. ' +
        'Look at the client process (hung, stopped, blocked reading the file).';
}

/** The receiver gave up waiting on a silent sender, or the session ended during that silence (silence-ended.ts). */
function silenceEndedAdvice(s: SilenceEnded, senderHere: boolean): string {
  const { sender, receiver } = s;
  const secs = secondsText(s.seconds);
  const why =
    sender === 'server'
      ? 'hung, blocked on its disk, or a rate limiter pausing longer than the client waits'
      : 'a paused or busy process, a slow source of the file, a client waiting on something else';
  const ended =
    s.end.kind === 'data' && receiver === 'server'
      ? 'the server gave up waiting: its data timeout{setting:dataTimeout} ended the upload'
      : s.end.kind === 'data'
        ? `the client gave up after ${secs}`
        : `the ${s.end.by} ended the session after ${secs}`;
  if (senderHere) {
    return `The ${sender} stopped sending for ${secs} with nothing on the network holding it back, and ${ended}. ` +
      `Look at the ${sender} (${why})` +
      (s.end.kind === 'data' && receiver === 'server' ? "; or lengthen the server's data timeout if such pauses are expected." : '.');
  }
  return `The ${sender}'s data stopped arriving while the ${receiver} had acknowledged every byte and kept its window open, and ${ended}: ` +
    `either the ${sender} stopped sending (${why}), or something on the path silently dropped the rest of the data connection (a firewall or IPS cutting it after a byte count or a time, a path-MTU black hole). ` +
    `A capture at the ${sender} tells which: a ${sender} still sending retransmits what nobody acknowledges.`;
}

/**
 * The data connection opened and the command went out, and the sender never sent a byte nor the
 * server a reply. Seen away from the sender (`senderHere` false), no data arriving is also what data
 * lost on the way looks like: the handshake's small packets pass a path-MTU black hole that drops
 * every full-sized segment, so "never started sending" is only one of two readings.
 */
function neverStartedAdvice(sender: 'client' | 'server', senderHere: boolean): string {
  if (!senderHere) {
    return (
      `No data from the ${sender} arrived here after the data connection opened, and no final reply came: either the ${sender} never started sending ` +
      `(${sender === 'server' ? 'look at its log: a file it could not open or read' : 'a file it could not read, a process that hung'}), ` +
      'or its data was lost on the way while the small packets of the handshake got through (a path-MTU black hole: a link with a smaller MTU whose ' +
      'ICMP "fragmentation needed" / ICMPv6 "packet too big" a firewall drops; let those through, or clamp the TCP MSS on the router). ' +
      `A capture at the ${sender} tells which: a ${sender} still sending retransmits what nobody acknowledges.` +
      (sender === 'server' ? ' When the server is a proxy or gateway, look at its own connection to the server behind it: it may have had nothing to pass on.' : '')
    );
  }
  return sender === 'server'
    ? 'The server took the command and the data connection but never started sending, nor replied: look at the server (its log; a file it could not open or read). ' +
        'When the server is a proxy or gateway, look at its own connection to the server behind it: it had nothing to pass on.'
    : 'The client opened the data connection but never started sending its upload: look at the client (a file it could not read, a process that hung).';
}

/** The receiver closed the data connection short of the data, after a success reply that came early (verdict.ts receiverGaveUpAfterReply). */
function receiverGaveUpWords(receiver: string, sender: string, g: { fin: number; acknowledged: number; expected: number | null; beforeReply: boolean }, code: number): string {
  const held =
    g.expected !== null
      ? `having acknowledged ${g.acknowledged} of the ${g.expected} bytes announced`
      : `having acknowledged ${g.acknowledged} bytes, with no FIN from the ${sender} to end the data (no size in the capture)`;
  return g.beforeReply
    ? `Before that reply the ${receiver} had closed the data connection (FIN, frame ${g.fin}) ${held}: it gave up on the transfer. The ${code} that followed only says the server had handed its data to its own TCP stack, not that it arrived`
    : `The ${receiver} then closed the data connection (FIN, frame ${g.fin}) ${held}: it gave up on the transfer. The ${code} only says the server had handed its data to its own TCP stack, not that it arrived`;
}


/**
 * The sender's FIN ended a data connection held whole (verdict.ts heldWhole) within a stall's pause of
 * its last data, after its last zero window, and not short of a size the session stated.
 */
function endedFlowing(t: Transfer, sender: 'client' | 'server'): boolean {
  const c = t.connection;
  const fin = c?.handshake.find((e) => e.type === 'fin' && e.by === sender);
  if (!c || fin === undefined || c.lastData === null || !heldWhole(t)) return false;
  if (expectedBytes(t) !== null && !carriesExpected(t)) return false;
  const lastZero = c.zeroWindowFrames.length > 0 ? c.zeroWindowFrames[c.zeroWindowFrames.length - 1] : -1;
  return lastZero < c.lastData.frame && fin.time - c.lastData.time < STALL_SECONDS;
}

/** The longest pause with no payload, including from the last payload to the end (reply, close, capture end). */
function longestPause(ctx: TransferContext): { seconds: number; from: number; to: number | null } | null {
  const { transfer: t, analysis: a } = ctx;
  const c = t.connection;
  if (!c?.established) return null;
  // A success reply that came while the data was still on its way ends nothing: the receiver's giving up does.
  const gaveUp = receiverGaveUpAfterReply(t);
  if (gaveUp !== null) {
    const from = c.lastData ?? (t.request !== null ? { frame: t.request.frame, time: t.request.time } : null);
    return from === null ? null : { seconds: gaveUp.time - from.time, from: from.frame, to: gaveUp.fin };
  }
  const endTime = t.reply?.time ?? (c.close ? c.end : (a.capture.last ?? c.end));
  if (!c.lastData) {
    // Not a byte moved: the wait runs from the transfer command (or from the data connection, if it
    // opened later) to the reply, or to the first FIN of a side that gave up, or to the capture's end.
    if (t.request === null) return null;
    const late = c.start > t.request.time;
    const fin = t.reply === null ? c.handshake.find((e) => e.type === 'fin') : undefined;
    const until = fin?.time ?? endTime;
    return { seconds: until - (late ? c.start : t.request.time), from: late ? (c.establishedFrame ?? t.request.frame) : t.request.frame, to: t.reply?.frame ?? fin?.frame ?? null };
  }
  const tail = { seconds: endTime - c.lastData.time, from: c.lastData.frame, to: t.reply?.frame ?? null };
  const inner = c.longestSilence;
  return inner && inner.seconds > tail.seconds ? { seconds: inner.seconds, from: inner.fromFrame, to: inner.toFrame } : tail;
}

/** What stopped a transfer still open at the capture's end, in words with its frames (null: it was still moving). */
function stoppedAtEndWords(atEnd: EndState, receiver: 'client' | 'server', sender: 'client' | 'server'): { text: string; frames: number[] } | null {
  switch (atEnd.kind) {
    case 'moving':
    // A sender not sending, with no rhythm to measure its silence against: paused or stopped, no
    // stall the capture can show (the verdict says so).
    case 'sender-idle':
      return null;
    case 'receiver-stopped':
      return {
        text:
          `The receiving side (${receiver}) advertised a zero window at frame ${atEnd.shut.frame} and kept it shut to the end of the capture, ${secondsText(atEnd.seconds)} later` +
          (atEnd.longestReopened > 0 ? ` (before that it had opened a shut window again within ${secondsText(atEnd.longestReopened)})` : '') +
          `: it stopped reading; the last data came at frame ${atEnd.lastData.frame}`,
        frames: [atEnd.lastData.frame, atEnd.shut.frame],
      };
    case 'sender-stopped':
      return {
        text:
          `No data moved for ${secondsText(atEnd.seconds)}, from frame ${atEnd.lastData.frame} to the end of the capture` +
          (atEnd.drained !== null ? `, every byte acknowledged with the ${receiver}'s window open (frame ${atEnd.drained.frame}): the ${sender} stopped sending` : '') +
          (atEnd.longestResumed > 0 ? ` (before that, data had moved again after pauses of at most ${secondsText(atEnd.longestResumed)})` : ''),
        frames: atEnd.drained !== null ? [atEnd.lastData.frame, atEnd.drained.frame] : [atEnd.lastData.frame],
      };
  }
}

/**
 * The server's end of a download reset by something the client never sent (serverEndGoneUnseen,
 * serverSideResetUnseen: the verdict's stopper `firewall`): where to look, whichever shape showed it.
 */
const SERVER_END_RESET_ADVICE =
  "Something other than the client reset the server's end of the data connection: a firewall, router or intrusion-prevention system between them, or a firewall on the server's own host " +
  '(iptables REJECT --reject-with tcp-reset, a limit on bytes, time or content), which drops the packet it rejects (data lost just before, if any) and resets its sender. ' +
  "This capture, on the client's side, cannot show that reset: a capture at the server shows it arriving from the path (with the TTL of the device that made it) or, with none arriving, the server's own host. " +
  'Look for that rule or limit; lost data just before it is the packet it stopped, not a failing link.';

/**
 * The client stopped the transfer itself (ABOR, or it reset the data connection): a choice, not a
 * failure (the session's roll-up leaves it out too). Not when it only answered
 * with its reset a server end something else had already reset (serverSideResetUnseen), nor only
 * answered with its stack's reset the server's data that came after its own FIN — the FIN it sent
 * after waiting on data that had stopped coming (silence-ended.ts lateReset: wget's and aria2c's read
 * timeouts, the server's data sent again once a firewall let it through): that wait ended it.
 */
export function abortedByClient(t: Transfer, s: Session): boolean {
  if (t.status !== 'aborted') return false;
  if (t.abortFrame !== null) return true;
  const c = t.connection;
  const rst = c?.rst;
  if (rst?.by !== 'client' || serverSideResetUnseen(t) !== null) return false;
  // A reset with no connection behind it (no ACK: its stack's answer to a segment for a socket closed
  // whole) after the client's own FIN, which it sent after waiting on data that had stopped arriving
  // (tri-data-drop at the server: the data was being sent again, never acknowledged): that wait ended it.
  const fin = c!.handshake.find((e) => e.type === 'fin' && e.by === 'client' && e.frame < rst.frame);
  if (rst.noConnection === true && fin !== undefined && dataReceiverOf(t) === 'client' && closedAfterWaiting(c!, fin)) return false;
  return receiverEndedSilence(t, s)?.lateReset !== rst.frame;
}

export function checkStalled(ctx: TransferContext): Diagnosis | null {
  const { transfer: t } = ctx;
  const c = t.connection;
  if (!c || !c.established || t.status === 'complete' || abortedByClient(ctx.transfer, ctx.session)) return null;
  // Its final reply came in bytes the capture lost (the client went on once it had it), or its success
  // reply came and only the data connection's end is missing (data-end-lost.ts): it ended, it did not stall.
  if (t.replyInGap !== undefined || dataEndNotCaptured(t) !== null) return null;
  // The sender's own pause, ended by its own close and error reply (a server that read a file that
  // changed, or slept for its rate limit and then failed to read): the aborted check's, not a stall.
  if (senderPausedThenStopped(t) !== null) return null;
  const details: string[] = [];
  const evidence: Array<number | null> = [];
  // TLS hid the command and its replies (no key log): the data's direction is only what the bytes
  // say (dataSenderOf), and a reply not read is not a reply missing.
  const hidden = t.inferred === 'tls-hidden';
  const receiver = hidden ? (dataSenderOf(t) === 'client' ? 'server' : 'client') : dataReceiver(t.direction);
  const sender = receiver === 'client' ? 'server' : 'client';
  // The sender closed a data connection the capture holds whole, every byte acknowledged, its data
  // flowing until then: the data ended (a63-killed-upload without the 226: zero windows on the way,
  // data after them, then the client's FIN); what is missing is the final reply, not data, and
  // nothing stalled. Not a sender that closed after waiting on a shut window or a silence (its data
  // timeout: data-timeout-vsftpd).
  if (!hidden && t.reply === null && endedFlowing(t, sender) && unacknowledgedTo(c, receiver) === 0) return null;
  // The receiver closed the data connection after waiting on a sender gone silent (silence-ended.ts):
  // ended then, whatever the sender's end did after (a half-closed connection is not open at the end).
  const silence = pathLoss(c, dataVantage(t, ctx.session)) === null ? receiverEndedSilence(t, ctx.session) : null;
  // Still open when the capture ended: stopped or still moving, as its own pauses and windows say.
  const atEnd = silence === null ? stateAtCaptureEnd(t, ctx.analysis.capture.last ?? c.end) : null;
  const pause = atEnd === null ? longestPause(ctx) : null;
  // A zero window is the stall when the transfer ended without a reply, or when it held the data
  // back long enough; a slow reader whose window kept reopening did not end a transfer the server replied to.
  const stoppedReading =
    atEnd !== null
      ? atEnd.kind === 'receiver-stopped'
      : c.zeroWindowFrames.length > 0 && ((t.reply === null && !hidden) || (pause !== null && pause.seconds >= ZERO_WINDOW_STALL_SECONDS));
  if (atEnd !== null) {
    const words = stoppedAtEndWords(atEnd, receiver, sender);
    if (words !== null) details.push(words.text);
    if (words !== null) evidence.push(...words.frames);
  } else if (stoppedReading) {
    details.push(`The receiving side (${receiver}) advertised a zero window at ${frameList(c.zeroWindowFrames.slice(0, 5))}: it stopped reading`);
    evidence.push(...c.zeroWindowFrames.slice(0, 5));
  }
  // Data the receiver never got while the connection stayed up: lost on the path (at the receiver's
  // side the capture lacks it too, at the sender's side the sender repeats it), not a slow reader.
  const loss = pathLoss(c, dataVantage(t, ctx.session));
  const lost =
    loss === null
      ? null
      : loss.fragments !== undefined
        ? `The ${sender}'s data reached the ${receiver} only as the first fragments of ${loss.fragments.datagrams} IP datagrams (the first at frame ${loss.fragments.firstFrame}), ` +
          `never whole: the rest of each was lost on the path, so the ${receiver} received none of it (not the capture's loss: a fragment's head came, its tail never did)`
      : loss.undelivered > 0
        ? `${loss.undelivered} bytes of the ${sender}'s data never reached the ${receiver}: it received data sent after them, but its acknowledgements never went past them, so the path lost them (not the capture)`
        : `The ${receiver} never acknowledged ${loss.sent - loss.acknowledged} of the bytes the ${sender} sent, although they were sent again (${c.retransmissions} retransmitted segments) and the ${receiver} kept its window open: they were lost on the path`;
  if (lost !== null) details.push(lost);
  if (loss?.fragments !== undefined) evidence.push(loss.fragments.firstFrame);
  const senderHere = silence !== null && (ctx.vantage.point === `${sender}-side` || seesBothEnds(ctx.vantage));
  // Captured on a NAT device, whose other view of the session holds the reset a device between the
  // hosts sent on this connection: that view shows what ended it, not a stall this view cannot explain.
  const cut = silence !== null && lost === null ? natViewReset(ctx.analysis, ctx.session, t) : null;
  if (silence !== null && cut !== null) {
    const peer = ctx.session.natPeer!;
    const other = peer.side === 'inside' ? 'outside' : 'inside';
    details.push(
      `No data came from the ${sender} for ${secondsText(silence.seconds)} after frame ${silence.lastData.frame}, every byte before it acknowledged and the ${receiver}'s window open: ` +
        `the ${other} view of this session (session ${cut.session}, transfer ${cut.session}.${cut.transfer.id}) holds why — a device between the client and the server ` +
        `reset that side of the data connection (frame ${cut.frame}), neither host, and nothing more of it came through to this side`,
    );
    evidence.push(silence.lastData.frame, cut.frame, silence.end.frame);
  } else if (silence !== null) {
    details.push(
      `No data came from the ${sender} for ${secondsText(silence.seconds)} after frame ${silence.lastData.frame}, every byte before it acknowledged and the ${receiver}'s window open: ` +
        (senderHere
          ? `the ${sender} sent nothing more (this capture, on its side, holds what it sent)`
          : `the ${sender} stopped sending, or the path stopped delivering what it sent (${ctx.vantage.point === `${receiver}-side` ? `this capture, on the ${receiver}'s side,` : 'this capture point'} cannot tell which)`),
    );
    evidence.push(silence.lastData.frame, silence.end.frame);
  } else if (pause && pause.seconds >= STALL_SECONDS) {
    details.push(
      `No data moved for ${secondsText(pause.seconds)}, from frame ${pause.from}` +
        (pause.to !== null ? ` to frame ${pause.to}` : c.close === null && t.reply === null ? ' to the end of the capture' : ''),
    );
    evidence.push(pause.from, pause.to);
  }
  if (details.length === 0) return null;
  details.push(
    lost !== null
      ? `${t.bytes} bytes are in the capture; the ${receiver} acknowledged ${loss!.acknowledged}`
      : silence !== null && unacknowledgedTo(c, receiver) > 0
        ? `${t.bytes} bytes are in the capture; the ${receiver} acknowledged ${Math.max(0, t.bytes + c.gapBytes - unacknowledgedTo(c, receiver))}`
        : `${t.bytes} bytes had moved`,
  );
  // A reset that ended the data connection, in its order beside the final reply: the sender's own
  // (its end already gone: it answered the receiver's packets with it), or the answer to the
  // receiver's FIN after it had waited. A reset forged by a device between them is the aborted check's.
  // The receiver's reset of the sender's data after its own close is said with that close.
  const reset = c.rst && silence?.lateReset == null && !c.rst.forged ? c.rst : null;
  const finBefore = reset ? c.handshake.find((e) => e.type === 'fin' && e.by !== reset.by && e.frame < reset.frame) : undefined;
  const resetWords =
    reset === null
      ? null
      : finBefore !== undefined
        ? `The ${finBefore.by} closed the data connection (FIN, frame ${finBefore.frame})` +
          (c.lastData ? ` ${secondsText(finBefore.time - c.lastData.time)} after the last data` : '') +
          `, and the ${reset.by} answered with a reset (frame ${reset.frame}): its end of the connection was already gone`
        : `The ${reset.by} reset the data connection (frame ${reset.frame})`;
  if (reset !== null) evidence.push(finBefore?.frame ?? null, reset.frame);
  const replyLine = t.reply ? `The server then replied ${replyWords(t.reply)} (frame ${t.reply.frame})` : null;
  // The receiver's close after the silence, in its order beside the reply (receiverClosedShort words a download's with no reply).
  const silenceFin =
    silence === null || receiverClosedShort(t) !== null || receiverGaveUpAfterReply(t) !== null
      ? null
      : silence.end.kind === 'data'
        ? `The ${receiver} closed the data connection (FIN, frame ${silence.end.frame}) before the ${sender} had ended it: it gave up waiting`
        : `The ${silence.end.by} then closed the control connection (${silence.end.how === 'rst' ? 'RST' : 'FIN'}, frame ${silence.end.frame}) with no final reply, the data connection still open: the session ended with the transfer unfinished`;
  if (silenceFin !== null && (t.reply === null || silence!.end.frame < t.reply.frame)) details.push(silenceFin);
  if (resetWords !== null && (t.reply === null || reset!.frame < t.reply.frame)) details.push(resetWords);
  if (replyLine !== null) details.push(replyLine);
  if (resetWords !== null && t.reply !== null && reset!.frame > t.reply.frame) details.push(resetWords);
  if (silenceFin !== null && t.reply !== null && silence!.end.frame > t.reply.frame) details.push(silenceFin);
  if (silence?.lateReset != null) {
    details.push(`The ${sender}'s data sent after that close was answered with a reset (frame ${silence.lateReset}): the ${receiver}'s end was closed whole`);
    evidence.push(silence.lateReset);
  }
  const receiverFin = receiverClosedShort(t);
  if (receiverFin !== null) {
    details.push(`The ${receiver} then closed the data connection (FIN, frame ${receiverFin}) with no final reply: it gave up on the transfer`);
    evidence.push(receiverFin);
  }
  const gaveUpAfterReply = receiverGaveUpAfterReply(t);
  if (gaveUpAfterReply !== null) {
    details.push(receiverGaveUpWords(receiver, sender, gaveUpAfterReply, t.reply!.code));
    evidence.push(gaveUpAfterReply.fin);
  }
  const gaveUp = serverGaveUpOnReader(t, ctx.session);
  if (gaveUp !== null) {
    details.push(
      `After the client's zero window the server closed the control connection (${gaveUp.how === 'rst' ? 'RST' : 'FIN'}, frame ${gaveUp.frame}) ` +
        `with no reply to ${t.request?.command ?? 'the transfer'}: it gave up on the stalled transfer, as a server's stall timeout does`,
    );
    evidence.push(gaveUp.frame);
  }
  const advice =
    gaveUp !== null
      ? STALL_TIMEOUT_ADVICE
      : lost !== null
        ? loss!.fragments !== undefined
          ? `The ${sender}'s full-sized packets are fragmented on the way (a link with a smaller MTU, the DF bit not set) and their later fragments never arrive: ` +
            'a firewall or router that drops IP fragments. Let the fragments through, or avoid fragmenting: clamp the TCP MSS on the router to the small link, or let path-MTU discovery work (DF set, ICMP "fragmentation needed" allowed back).'
          : pathLossAdvice(receiver, loss!.acknowledged)
        : atEnd?.kind === 'sender-stopped' && atEnd.drained !== null
          ? senderStoppedAdvice(sender)
          : cut !== null
            ? `A firewall or router between the client and the server cut the data connection (the reset came from neither end: see session ${cut.session}, transfer ${cut.session}.${cut.transfer.id}): look there for a rule or limit (bytes, time, an IPS) that resets FTP data connections.`
          : silence !== null
            ? silenceEndedAdvice(silence, senderHere)
          : t.bytes === 0 && !stoppedReading && t.reply === null
            ? neverStartedAdvice(sender, ctx.vantage.point === `${sender}-side` || seesBothEnds(ctx.vantage))
            : undefined;
  // Data lost on the way, with a receiver that kept reading: the path is the cause, whether or not the
  // transfer then sat silent (a path-MTU black hole) or was cut at once (a reset, a 426, a client giving up).
  // Cut by a device between the hosts, as the other view holds: that view's cause, not a stall.
  const cause = lost !== null && !stoppedReading && gaveUp === null ? 'path-loss' : cut !== null ? 'aborted' : 'stalled';
  return diagnosis(ctx, cause, details, evidenceFrames(t, evidence), advice);
}

/**
 * An FXP copy's PORT half aborted with the other half (fxp.ts usedFxpPortHalves): its server was
 * given no transfer command for the connection, which the capture (the client's) does not hold,
 * while the other server's transfer command over it was taken and ended short. What the client's
 * replies show of it, and the order FXP clients are meant to keep.
 */
function unorderedFxpHalf(ctx: TransferContext): { detail: string; advice: string; frames: number[] } | null {
  const { transfer: t } = ctx;
  if (t.fxp === undefined || t.connection !== null || t.request !== null || t.mode !== 'active' || t.announce?.reply == null) return null;
  const peer = sessionById(ctx.analysis, t.fxp.session);
  const other = peer === undefined ? undefined : transferById(peer, t.fxp.transfer);
  if (other?.request == null || other.preliminary === null) return null;
  const ended = other.reply !== null ? `, and ended short (${other.reply.code}, frame ${other.reply.frame})` : ', and ended short';
  return {
    detail:
      `This server accepted the PORT (${t.announce.reply.code}, frame ${t.announce.reply.frame}) and was given no transfer command for it (no STOR or APPE), ` +
      `while the other server's ${other.request.command} over that connection (transfer ${t.fxp.session}.${t.fxp.transfer}, frame ${other.request.frame}) was taken (${other.preliminary.code}, frame ${other.preliminary.frame})${ended}`,
    advice:
      `An FXP copy: the other server was told to send (transfer ${t.fxp.session}.${t.fxp.transfer}) before this server had been given a transfer command for the data connection, so this one had nothing to do with what came on it. ` +
      "Have the client send the destination's STOR (or APPE) before the source's RETR, as FXP clients are meant to. Where the copy's data stopped is only in a capture between the two servers.",
    frames: [other.request.frame, other.preliminary.frame, ...(other.reply !== null ? [other.reply.frame] : [])],
  };
}

/**
 * A download whose client had stopped reading (zero window) and got no final reply, after which the
 * server closed the control connection: the server gave up on it. The server's close, or null.
 */
function serverGaveUpOnReader(t: Transfer, s: Session): Session['closedBy'] {
  const c = t.connection;
  const end = s.closedBy;
  // Its reply encrypted (TLS hid the commands) is not its reply missing: what the server's close followed is unknown.
  if (!c || t.reply !== null || t.inferred === 'tls-hidden' || dataReceiver(t.direction) !== 'client' || c.zeroWindowFrames.length === 0) return null;
  if (end === null || end.by !== 'server' || end.frame < c.zeroWindowFrames[0]) return null;
  return end;
}

export function checkAborted(ctx: TransferContext): Diagnosis | null {
  const { transfer: t } = ctx;
  if (t.status !== 'aborted') return null;
  const resumed = resumedUpload(t);
  if (resumed !== undefined) return resumedUploadCut(ctx, resumed);
  // The server gave up on a receiver that had stopped reading, or on a path gone silent: the stall is
  // the cause (README: a server's 426 after a zero window or a long pause is stalled), the next check's.
  // The server's end reset by something the client never sent (its stack answered the client's
  // acknowledgements as for a connection it no longer had): the reset, not the packet lost before it.
  const goneUnseen = serverEndGoneUnseen(t, ctx.session);
  // The same, shown by the reset that answered the client's later FIN (serverSideResetUnseen).
  const unseenReset = serverSideResetUnseen(t);
  if (!abortedByClient(ctx.transfer, ctx.session) && goneUnseen === null && unseenReset === null && checkStalled(ctx) !== null) return null;
  // An FXP copy's PORT half given no transfer command, its connection not in the capture, the other half's taken and ended short.
  const unorderedHalf = unorderedFxpHalf(ctx);
  const c = t.connection;
  // Data lost just before such a reset: the packet the device stopped, which a living connection would have sent again.
  const lossBefore = goneUnseen !== null || unseenReset !== null ? pathLoss(c, dataVantage(t, ctx.session)) : null;
  const lostWords =
    lossBefore !== null && lossBefore.undelivered > 0
      ? `${lossBefore.undelivered} bytes of the server's data never reached the client (it received data sent after them and kept acknowledging up to them), and the server never sent them again: ` +
        'a packet lost on the way is sent again while its connection lives, so this one ended the connection instead'
      : null;
  const details: string[] = [];
  // What stopped it, in the order it happened: a reset that only answered the other side's FIN after
  // the server's reply is said as such.
  const stops: Array<{ frame: number; words: string }> = [];
  // Client bytes the capture lost before an error reply (verdict.ts stopper: no stopper named).
  const clientLost = t.abortFrame === null && t.reply !== null && t.clientBytesLost !== undefined && t.clientBytesLost <= t.reply.frame ? t.clientBytesLost : null;
  if (clientLost !== null) {
    stops.push({
      frame: clientLost,
      words: `The capture lost bytes the client sent on the control connection while the transfer ran (the server had them: it acknowledged them by frame ${clientLost}); the client's ABOR may have been among them`,
    });
  }
  // An ABOR line the server did not recognise (sent in urgent mode, it may lose bytes on the way in):
  // the transfer was then ended by what followed (a reset, the server's own error), not by the ABOR.
  const abor = t.abortFrame === null ? undefined : ctx.session.commands.find((x) => x.frame === t.abortFrame && x.command === 'ABOR');
  const aborRefused = abor?.reply && abor.reply.code >= 500 && abor.reply.code <= 502 ? abor.reply : null;
  if (t.abortFrame !== null) {
    // Sent after the server's final reply: the client's abort of a transfer it had already reset.
    const late = t.reply !== null && t.reply.frame < t.abortFrame;
    stops.push({
      frame: t.abortFrame,
      words:
        (late ? `The client then sent ABOR at frame ${t.abortFrame}, after that reply` : `The client sent ABOR at frame ${t.abortFrame}`) +
        (aborRefused ? `. The server did not take it as ABOR: it answered ${replyWords(aborRefused)} (frame ${aborRefused.frame})` : ''),
    });
  }
  let lateFin: number | undefined;
  // The client's FIN after the reply that nothing ever answered (serverSideResetUnseen's third shape).
  if (!c?.rst && unseenReset !== null) {
    const fin = c!.handshake.find((e) => e.frame === unseenReset)!;
    lateFin = fin.frame;
    stops.push({
      frame: fin.frame,
      words:
        `The client closed the data connection ${secondsText(fin.time - t.reply!.time)} after that reply (FIN, frame ${fin.frame}), and nothing answered it: no acknowledgement, ` +
        `though the client sent it again for ${secondsText(c!.end - fin.time)}. The server had neither closed nor reset its end, before its reply or after it (no FIN, no reset from it in the capture): ` +
        "its end was already gone (a stack that still held it acknowledges a FIN), and what its stack answered never came back. Something other than the client had reset the server's end, " +
        "and stops what the server sends on that connection: a firewall's REJECT on the path, or on the server's own host, which this capture cannot tell apart",
    });
  }
  // A reset in one end's name whose TTL is not that end's was forged by a device between them (pipeline.ts).
  const forged = c?.rst?.forged === true;
  if (c?.rst && forged) {
    const host = resetHostTtl(c, c.rst, ctx.session);
    stops.push({
      frame: c.rst.frame,
      words: c.rst.madeHere
        ? `A device between the client and the server reset the data connection at frame ${c.rst.frame}: the reset carries the ${c.rst.by}'s ` +
          `address but was captured leaving the device this capture was taken on, never arriving from the ${c.rst.by}`
        : `A device between the client and the server reset the data connection at frame ${c.rst.frame}: the reset carries the ${c.rst.by}'s ` +
          `address but TTL ${c.rst.ttl}, where the ${c.rst.by}'s own packets arrive with TTL ${host}`,
    });
  } else if (c?.rst && goneUnseen !== null) {
    const fin = goneUnseen.clientFin === null ? undefined : c.handshake.find((e) => e.frame === goneUnseen.clientFin);
    const alive = goneUnseen.alive;
    stops.push({
      frame: c.rst.frame,
      words:
        (lostWords !== null ? `${lostWords}. ` : '') +
        (fin !== undefined
          ? `The client closed the data connection (FIN, frame ${fin.frame})${c.lastData ? ` ${secondsText(fin.time - c.lastData.time)} after the last data` : ''}, ` +
            `and the server's end of it was already gone: it answered with a reset (frame ${c.rst.frame}) `
          : `The server's end of the data connection was already gone when the client's acknowledgements reached it: it answered them with a reset (frame ${c.rst.frame}) `) +
        "without ACK and with the client's acknowledgement as its sequence number, as a host answers a segment of a connection it does not have. " +
        (fin !== undefined
          ? 'A host whose end still lived would have acknowledged that FIN. The server had neither closed nor reset its end before (no FIN, no reset from it in the capture), ' +
            `and its process was still there (${t.reply === alive ? 'it replied' : 'it wrote'} ${replyWords(alive)} on the control connection at frame ${alive.frame}), `
          : 'The client had neither closed nor reset it (no FIN, no reset from the client before it in the capture), ') +
        "so something other than the client reset the server's end: " +
        "a firewall or router between them in the client's name, or a firewall on the server's own host. That reset went toward the server, beyond this capture point " +
        `(the server's packets arrive with TTL ${ctx.session.ttl.server}, through a router), so this capture cannot tell which`,
    });
  } else if (c?.rst) {
    const other = c.rst.by === 'client' ? 'server' : 'client';
    const fin = c.handshake.find((e) => e.type === 'fin' && e.by === other && e.frame < c.rst!.frame);
    const late = t.reply !== null && t.reply.frame < c.rst.frame && fin !== undefined && fin.frame > t.reply.frame;
    if (late) lateFin = fin.frame;
    const resetAfter = unseenReset !== null && c.rst.by === 'client' && t.reply !== null;
    const resetAt = c.handshake.find((e) => e.type === 'rst' && e.frame === c.rst!.frame);
    stops.push({
      frame: c.rst.frame,
      words: resetAfter
        ? `The client reset the data connection ${resetAt !== undefined ? `${secondsText(resetAt.time - t.reply!.time)} ` : ''}after that reply (frame ${c.rst.frame})` +
          ". The server had neither closed nor reset its end before that reply, nor after it (no FIN, no reset from it in the capture): a server that ends a transfer itself closes its end as it replies, " +
          "so its end was already gone when its write failed. Something other than the client had reset it: a firewall's REJECT on the path or on the server's own host, which this capture cannot tell apart"
        : late
        ? `The ${other} closed the data connection ${secondsText(fin.time - t.reply!.time)} after that reply (FIN, frame ${fin.frame}), and the ${c.rst.by} answered with a reset (frame ${c.rst.frame}): it had already dropped the connection` +
          (unseenReset !== null
            ? ", although neither end had closed or reset it before that reply (no FIN, no reset from either in the capture): something other than the client had reset the server's end, " +
              "a firewall's REJECT on the path or on the server's own host, which this capture cannot tell apart"
            : '')
        : t.fxp !== undefined && c.rst.by === 'client'
          ? `The other server of the FXP copy, ${c.client.ip} (the far end of the data connection, not the FTP client), reset the data connection at frame ${c.rst.frame}`
          : `The ${c.rst.by} reset the data connection at frame ${c.rst.frame}`,
    });
  }
  // The server, sending, closed a data connection the capture holds whole before the announced size,
  // and then said it failed: it stopped on its own (a file that ended early, a read error), nothing cut it.
  const stoppedItself = serverStoppedItself(t);
  const paused = senderPausedThenStopped(t);
  if (stoppedItself !== null) {
    stops.push({
      frame: stoppedItself.fin,
      words:
        `The server closed the data connection itself (FIN, frame ${stoppedItself.fin}) after ${sentOf({ bytes: t.bytes, expected: stoppedItself.expected, fileBytes: textFileBytes(t) }, 'it announced')}, ` +
        'with no reset and nothing missing from the capture: it stopped sending on its own' +
        (paused !== null
          ? ` (before that FIN it had sent nothing for ${secondsText(paused.seconds)} after frame ${paused.lastData}, every byte acknowledged and the client's window open: the pause was its own, not the client's or the network's)`
          : ''),
    });
  }
  // An error reply that names its reason by code (552: the storage allocation, 451: a local error)
  // says it; 426 is the abort itself.
  // A syntax-error code (500-504) after the server had accepted the command (its 150) cannot mean the
  // command was not understood: the server failed while the transfer ran (vsftpd's "500 OOPS: ...").
  const failedInside = failedAfterAccepting(t);
  // An error the server sent after the client had reset the data connection: its own failed read or
  // write on that connection (BusyBox ftpd's "451 Error"), the reset's echo, not a second cause.
  const afterClientReset = c?.rst?.by === 'client' && !forged && t.reply !== null && c.rst.frame < t.reply.frame;
  // The client had left before the server ended the transfer (its QUIT while it ran, or its close of
  // the control connection): the server's reply, or its close or reset of the data connection, answers that.
  const left = clientLeftFirst(t, ctx.session);
  if (left !== null) {
    stops.push({
      frame: left.frame,
      words:
        left.how === 'quit'
          ? `The client sent QUIT (frame ${left.frame}) while the transfer was still under way, its next command after ${t.request!.command}: it asked to end the session before the server had answered the transfer` +
            quitAnswerWords(t, ctx.session, left.frame)
          : `The client ${left.how === 'rst' ? 'reset' : 'closed'} the control connection (${left.how === 'rst' ? 'RST' : 'FIN'}, frame ${left.frame}) before the server had answered the transfer, ` +
            `with no command after ${t.request!.command}: it had left`,
    });
  }
  // A download whose client closed the data connection itself, short of the size stated and before
  // the server ended it, as it left: the client stopped the download (its own time limit, a user, its exit).
  const dropped = left !== null ? clientDroppedDownload(t, left.frame) : null;
  if (dropped !== null) {
    stops.push({
      frame: dropped.fin,
      words:
        `The client closed the data connection itself (FIN, frame ${dropped.fin})` +
        (dropped.sinceData !== null ? ` ${secondsText(dropped.sinceData)} after its last data` : '') +
        `, ${t.bytes} of the ${dropped.expected} bytes announced in, before the server had closed it: it stopped the download`,
    });
  }
  const reason = left !== null
    ? left.how === 'quit'
      ? "the server's answer to the client's QUIT, not a failure of its own"
      : "the server's answer to a client that had already left, not a failure of its own"
    : failedInside
    ? `a syntax-error code after the server had accepted ${t.request?.command ?? 'the command'} (${t.preliminary!.code}, frame ${t.preliminary!.frame}): the server failed while the transfer ran`
    : t.reply && t.reply.code >= 400 && t.reply.code !== 426 && afterClientReset
      ? `its own error ${t.direction === 'upload' ? 'reading from' : 'writing to'} the data connection the client had reset, not a second cause`
      : t.reply && t.reply.code >= 400 && t.reply.code !== 426
        ? (timeLimitWords(t.reply)?.meaning ?? REFUSALS[t.reply.code])
        : undefined;
  if (t.reply) stops.push({ frame: t.reply.frame, words: `The server replied ${replyWords(t.reply)} (frame ${t.reply.frame})${reason ? `: ${reason}` : ''}` });
  const gaveUp = receiverGaveUpAfterReply(t);
  if (gaveUp !== null) stops.push({ frame: gaveUp.fin, words: receiverGaveUpWords(dataReceiver(t.direction), dataSender(t.direction) ?? 'server', gaveUp, t.reply!.code) });
  // The data lost before a reset shown only by its answer to the client's FIN: first, as it came first.
  if (goneUnseen === null && lostWords !== null) details.push(lostWords);
  details.push(...stops.sort((x, y) => x.frame - y.frame).map((x) => x.words));
  const short = senderStoppedShort(t, ctx.session);
  if (short && short.how === 'fin' && !c?.rst) {
    details.push(
      `The ${short.sender} closed the data connection (FIN, frame ${short.finFrame}) after ${sentOf(short)}, ` +
        `and the ${short.sessionEnd.by} ${short.sessionEnd.frame < short.finFrame ? 'had already closed' : 'then closed'} the control connection (frame ${short.sessionEnd.frame}) with no final reply`,
    );
  } else if (short && short.how === 'rst') {
    details.push(
      `After that reset, short of the ${short.expected} bytes announced, the ${short.sender} closed the control connection too (frame ${short.sessionEnd.frame}) without a final reply: ` +
        `its end of both connections went away at once`,
    );
  }
  const file = textFileBytes(t);
  const unconfirmed = wholeThenRefused(t);
  const kb = t.announcedKbytes;
  // A download resumed from REST N owes the file's size less N (expectedBytes), not the size announced.
  const rest = t.direction === 'download' && t.expectedSize !== null && (t.restOffset ?? 0) > 0 ? t.restOffset! : 0;
  const expected =
    t.expectedSize === null
      ? kb !== undefined
        ? ` of about ${Math.round(kb.kbytes * 1024)} announced (the 150 at frame ${kb.frame} said ${kb.kbytes.toFixed(1)} kbytes, rounded: ${kb.low} to ${kb.high} bytes)`
        : ''
      : rest > 0 && t.bytes <= t.expectedSize - rest
        ? ` of the ${t.expectedSize - rest} left after REST ${rest} (the file's ${t.expectedSize} announced)`
      : t.bytes <= t.expectedSize
        ? ` of ${t.expectedSize} announced`
        : file !== null
          ? ` (ASCII mode, TYPE A: less the CR before each of their ${t.bytes - file} line ends, ${file} bytes of the file's ${t.expectedSize} announced)`
          : ` (${t.expectedSize} announced)`;
  // A download's client that reset the data connection once more than the announced size had come:
  // a client that trusts the size (SIZE, the 150) takes more as an error; the file grew while it was sent.
  const beyond = overran(t);
  if (beyond) {
    details.push(
      `That reset came after ${t.bytes} bytes, more than the ${beyond} announced, while the server was still sending: the file grew on the server while it was sent (or its size was announced wrong), and a client that trusts the announced size stops there`,
    );
  }
  // A reset cut the connection while the receiver's acknowledgements trailed the data sent: the
  // capture shows what was sent, the acknowledgements what arrived.
  // No transfer command (an FXP copy's PORT half): the data went whichever way the bytes went.
  const receiver = dataReceiverOf(t);
  const trailing = c?.rst && t.bytes > 0 ? unacknowledgedTo(c, receiver) : 0;
  // The receiver's own reset acknowledging every byte: its stack had them all (its process had not read them).
  const receiverHadAll = trailing > 0 && c!.rst!.by === receiver && c!.rst!.acksAll === true && !forged;
  // An FXP copy's data connection has the other server where the client would be.
  const endName = (role: 'client' | 'server'): string => (t.fxp !== undefined && role === 'client' && c ? `other server (${c.client.ip})` : role);
  // Seen at the sender's side, lost on the path: the bytes counted were sent, not all received.
  const lostOnPath = sentNotArrived(c, t.bytes, dataVantage(t, ctx.session));
  // Or the receiver closed its end and reset the rest: sent, not taken.
  const refusedRest = refusedAfterClose(c, t.bytes);
  if (receiverHadAll) {
    details.push(
      `${t.bytes} bytes${expected} had been sent; the ${endName(c!.rst!.by)}'s reset acknowledged every one of them: its TCP had them all, and its process closed the connection without reading them to the end`,
    );
  } else if (trailing > 0 && c!.tls) {
    // TLS on the data connection: the acknowledgements count TCP bytes (the sender's TLS records), the
    // transfer's bytes count the file's data decrypted from them, which stops at the first byte the capture lacks.
    const receiver = dataReceiver(t.direction);
    const records = (receiver === 'client' ? c!.bytesToClient : c!.bytesToServer) + c!.gapBytes + c!.undeliveredBytes;
    details.push(
      `${t.bytes} bytes${expected} had been decrypted from the ${receiver === 'client' ? 'server' : 'client'}'s TLS records; ` +
        `the ${receiver} had acknowledged ${Math.max(0, records - trailing)} bytes of those records (TCP payload, the TLS handshake's included) when the reset came`,
    );
  } else if (trailing > 0) {
    details.push(
      `${t.bytes} bytes${expected} had been sent; the ${endName(receiver)} had acknowledged ${Math.max(0, t.bytes + c!.gapBytes + c!.undeliveredBytes - trailing)} of them when the reset came`,
    );
  } else if (unconfirmed !== null) {
    details.push(
      `Every one of the ${t.bytes} bytes${expected} had arrived, then the sender's FIN (frame ${unconfirmed}): the data was whole, and the server's ${t.reply!.code} ended the transfer without confirming it`,
    );
  } else if (c === null && t.fxp !== undefined) {
    details.push(`Its data connection, an FXP copy's, runs between the two servers and is not in this capture (transfer ${t.fxp.session}.${t.fxp.transfer} is the other half): how much moved is not visible here`);
    if (unorderedHalf !== null) details.push(unorderedHalf.detail);
  } else if (c === null && ctx.session.dataUnseen !== undefined) {
    details.push(`Its data connection is not in the capture: ${dataUnseenDetail(ctx.session.dataUnseen, { session: ctx.session.id, transfer: t.id }).replace(/^This/, 'this')}`);
  } else if (lostOnPath !== null) {
    details.push(
      `${t.bytes} bytes${expected} had been sent; the ${endName(receiver)} had acknowledged ${lostOnPath.acknowledged} of them, the rest sent again and never acknowledged: lost on the path`,
    );
  } else if (refusedRest !== null) {
    details.push(
      `${t.bytes} bytes${expected} had been sent; the ${endName(receiver)} had acknowledged ${refusedRest.acknowledged} of them, then closed its end and reset the rest (frame ${refusedRest.reset})`,
    );
  } else if (!short || c?.rst) details.push(`${t.bytes} bytes${expected} had been transferred`);
  // The sender's abortive close with its data in flight, then a success reply: the reply counts what arrived.
  const inFlight = t.reply !== null && t.reply.code >= 200 && t.reply.code < 300 ? senderResetInFlight(t, ctx.session) : null;
  if (inFlight) {
    details.push(
      `The ${c!.rst!.by} ended the data connection with that reset, no FIN, ${queuedWords(inFlight, dataReceiver(t.direction))}. An abortive close discards whatever the sender still had queued, ` +
        `so the ${t.reply!.code} counts only the bytes that reached the ${dataReceiver(t.direction)}, not the whole file`,
    );
  }
  const zero = c?.zeroWindowFrames ?? [];
  if (zero.length) {
    const receiver = dataReceiver(t.direction);
    // A client that stopped the transfer itself had stopped reading on purpose: no slow reader.
    details.push(
      abortedByClient(ctx.transfer, ctx.session)
        ? `Before that the ${receiver} had advertised a zero window at ${frameList(zero.slice(0, 5))}: it had stopped reading`
        : `Before that the ${receiver} had advertised a zero window at ${frameList(zero.slice(0, 5))}: it was not keeping up (or was throttling on purpose)`,
    );
  }
  const advice =
    t.abortFrame !== null && t.direction === 'upload' && t.bytes === 0 && c?.established === true && t.fxp === undefined
      ? // ftplib's abort() as soon as STOR was answered (a84-abor-edges-*), its data connection in the capture and empty: no part to resume.
        'The client asked to stop (ABOR) its upload before sending any byte: a user interrupt or a client-side timeout — not a network refusal. Send the file again.'
      : t.abortFrame !== null && t.direction === 'upload'
      ? 'The client asked to stop (ABOR) part way through its upload: a user interrupt or a client-side timeout — not a network refusal. The server may keep the part that arrived: resume it (REST, or APPE) or send the file again.'
      : t.abortFrame !== null
      ? 'The client asked to stop (ABOR): a user interrupt, a client-side timeout, or a client that wanted only part of the file (a byte range such as curl -r: the capture shows what reached the client, not how much of it the client kept) — not a network refusal.'
      : forged
        ? 'A firewall or router between the client and the server cut the data connection (the reset came from neither end): look there for a rule or limit (bytes, time, an IPS) that resets FTP data connections.'
        : beyond
          ? 'The file changed on the server while it was sent: fetch it again once it is no longer being written (or let the client take what the server sends instead of the announced size).'
        : inFlight
          ? `The ${c!.rst!.by} closed its data socket abortively (a reset, as SO_LINGER 0 does) ${queuedWords(inFlight, dataReceiver(t.direction))}. What it still had queued was discarded, and the ${t.reply!.code} covers only what arrived. Compare the file's size at the ${dataReceiver(t.direction)} with the original and transfer it again; a sender must let its data be acknowledged (or close with a FIN) before it resets.`
        : unorderedHalf !== null
          ? unorderedHalf.advice
        : c?.rst?.by === 'server' && unseenReset === null && t.fxp !== undefined && t.request === null && !forged
          ? `An FXP copy: the other server (${c.client.ip}) sent into this data connection on its own transfer command (transfer ${t.fxp.session}.${t.fxp.transfer}) before this server had been given one for it, and this server reset it. Have the client send the destination's STOR (or APPE) before the source's RETR, as FXP clients are meant to.`
        : c?.rst?.by === 'client' && unseenReset === null && t.fxp !== undefined
          ? `The other server of the FXP copy (${c.client.ip}) reset the data connection, not the FTP client: look at that server's side of the copy (its reply to its own transfer command, transfer ${t.fxp.session}.${t.fxp.transfer}) and its log.`
        : c?.rst?.by === 'client' && unseenReset === null
          ? 'The client reset the data connection: it was interrupted, timed out or was killed — look at the client side.'
          : left !== null && left.how === 'quit'
          ? "The client sent QUIT before the transfer's final reply. RFC 959 has the server finish the transfer and answer it before its 221, but some servers end the transfer at once: " +
            `have the client wait for the transfer's final reply (226) before it sends QUIT. ${keptWords(t)}`
          : dropped !== null
          ? 'The client stopped the download itself and left while the server still had data to send: a time limit of its own (curl --max-time, a speed or read timeout), ' +
            "a user's interrupt, or its exit. The server's answer follows from that; nothing between the hosts and nothing on the server cut it. " +
            `${keptWords(t)} Give the client more time for a transfer this slow (or find why it is slow), and resume it (REST) to keep what came.`
          : left !== null
          ? "The client closed its control connection before the server's final reply (a client that quits or exits the moment its data is sent, or one killed then), " +
            `and the server ended the transfer for it. ${keptWords(t)} Have the client wait for the transfer's final reply (226) before it sends QUIT or closes.`
          : gaveUp !== null
          ? `The data never reached the ${dataReceiver(t.direction)}, which waited and gave up, although the server had replied ${t.reply!.code}: look at the path between them ` +
            '(a firewall or link that drops the data connection\'s full-sized packets or their IP fragments: an MTU problem; compare a capture at the other end), or at a client that gives up too soon.'
          : short && (!c?.rst || short.how === 'rst')
          ? 'The server stopped sending and closed the session without a reply: it crashed, was killed or restarted — look in its log.'
          : stoppedItself !== null
          ? 'The server stopped sending on its own and then reported a failure: its log says why — a file that shrank or changed while it was sent (vsftpd then answers "426 Failure writing network stream."), a read error, a limit. Nothing between the hosts cut the data connection.'
          : failedInside
          ? "The server failed while the transfer ran and said so with an internal error, not a refusal of the command: its log says why (vsftpd answers \"500 OOPS: ...\" when one of its processes dies or hits a fatal error). Nothing in the command, and nothing between the hosts, stopped it."
          : goneUnseen !== null
            ? SERVER_END_RESET_ADVICE
          : t.reply && t.reply.code !== 426 && refusalAdvice(t.reply, t) !== undefined
            ? refusalAdvice(t.reply, t)
            : unseenReset !== null
              ? SERVER_END_RESET_ADVICE
              : c === null && ctx.session.dataUnseen !== undefined
                ? `The replies say the transfer was stopped (${t.reply?.code ?? 'no final reply'}), and this capture holds no data connection to show which end cut it or how much arrived: ` +
                  'check the client\'s own output and the server\'s log, and capture again without a filter that keeps only the control connection (tcpdump "host A and host B", not "port 21").'
                : clientLost !== null
                  ? "The capture does not show who stopped the transfer: bytes the client sent before the server's reply are missing from it, and an ABOR among them would make this the client's own stop. " +
                    "Check the client's own output and the server's log; capture with a larger buffer (tcpdump -B) so that the capture drops no packets."
                : t.reply?.code === 426
                  ? 'The server dropped the transfer: check its log and disk space; a 426 without an ABOR often means something in between cut the data connection.'
                  : // No 426 to read: the server's log is where its reason is.
                    'The server dropped the transfer: check its log (a crash, a restart, a limit) and its disk space.';
  const stopFrames =
    short && (!c?.rst || short.how === 'rst') ? [short.finFrame, short.sessionEnd.frame] : lateFin !== undefined ? [lateFin] : stoppedItself !== null ? [paused?.lastData ?? null, stoppedItself.fin] : gaveUp !== null ? [gaveUp.fin] : [];
  const resetFrames = inFlight ? [inFlight.lastData, inFlight.ack] : [];
  const goneFrames = goneUnseen !== null ? [goneUnseen.clientFin, goneUnseen.alive.frame] : [];
  const cause = unconfirmed !== null ? 'unconfirmed' : 'aborted';
  const frames = [t.abortFrame, aborRefused?.frame, c?.rst?.frame, dropped?.fin, left?.frame, unconfirmed ?? undefined, ...stopFrames, ...resetFrames, ...goneFrames, ...zero.slice(0, 5), ...(unorderedHalf?.frames ?? [])];
  return diagnosis(ctx, cause, details, evidenceFrames(t, frames), advice);
}

/**
 * The server's answer to a QUIT sent during a transfer, when it came before the transfer's own reply
 * (or none came): its 221, and its close of the data connection after it (proftpd during an upload).
 */
function quitAnswerWords(t: Transfer, s: Session, quit: number): string {
  const reply = s.commands.find((c) => c.frame === quit && c.command === 'QUIT')?.reply;
  if (!reply || (t.reply !== null && t.reply.frame < reply.frame)) return '';
  const fin = t.connection?.handshake.find((e) => e.type === 'fin' && e.by === 'server' && e.frame > reply.frame);
  const rst = t.connection?.rst;
  const closed = fin !== undefined && (!rst || fin.frame < rst.frame) ? `, then closed the data connection (FIN, frame ${fin.frame})` : '';
  return `; the server answered the QUIT with ${replyWords(reply)} (frame ${reply.frame})${closed}`;
}

/**
 * A download its client stopped: the client's FIN on the data connection, short of the size stated
 * (SIZE's 213, the 150's), with no FIN or reset from the server before it and no later than the
 * client's leaving (`left`: its QUIT, or its close of the control connection). Null otherwise.
 */
function clientDroppedDownload(t: Transfer, left: number): { fin: number; expected: number; sinceData: number | null } | null {
  const c = t.connection;
  const expected = expectedBytes(t);
  if (t.direction !== 'download' || expected === null || t.bytes >= expected || !c?.established || c.midstream) return null;
  const fin = c.handshake.find((e) => e.type === 'fin' && e.by === 'client');
  if (fin === undefined || fin.frame > left) return null;
  if (c.handshake.some((e) => e.type === 'fin' && e.by === 'server' && e.frame < fin.frame) || (c.rst !== null && c.rst.frame < fin.frame)) return null;
  return { fin: fin.frame, expected, sinceData: c.lastData !== null && c.lastData.frame < fin.frame ? fin.time - c.lastData.time : null };
}

/** What a transfer its client left kept at the receiver: the server's copy is not in the capture, the client's is what reached it. */
const keptWords = (t: Transfer): string =>
  t.direction === 'upload'
    ? "What the server kept of the file is not in the capture (a server may delete the part that arrived, or keep it): check the server's copy."
    : "The client has what reached it before the server's end: compare its copy with the original.";

/** An upload the server called complete after its client was gone, which the client's later resume shows was cut short. */
function resumedUploadCut(ctx: TransferContext, r: NonNullable<ReturnType<typeof resumedUpload>>): Diagnosis {
  const t = ctx.transfer;
  const reply = t.reply!;
  const end = ctx.session.closedBy!;
  const closed = end.how === 'rst' ? 'reset' : 'closed';
  const details = [
    `The server answered ${replyWords(reply)} (frame ${reply.frame}) to ${t.bytes} bytes, but the client was gone: it sent no command after the upload, ` +
      `and its control connection was ${closed} at frame ${r.gone}${r.gone < reply.frame ? ', before that reply' : ', as that reply arrived'}`,
    `The client later resumed the file from offset ${r.resume.restOffset} (REST, then ${r.resume.request!.command} at frame ${r.resumeFrame}), ` +
      `and that resume completed it at ${r.size} bytes: this upload had stopped ${r.size - (t.restOffset ?? 0) - t.bytes} bytes short of the end`,
  ];
  const advice =
    'The client stopped mid-upload without telling the server (its process was killed or crashed, closing both connections at once), ' +
    'so the server kept the part that arrived and called it complete. Its later resume finished the file; nothing between the hosts cut the upload.';
  return diagnosis(ctx, 'aborted', details, evidenceFrames(t, [r.fin, r.gone, r.resumeFrame]), advice);
}

/** Why a sender's reset may have discarded queued data (verdict.ts senderReset), as the diagnosis says it. */
function queuedWords(r: QueuedReset, receiver: string): string {
  const last = r.lastData !== null ? ` (its last data at frame ${r.lastData})` : '';
  switch (r.state) {
    case 'unacknowledged':
      return `before its data was acknowledged${last}`;
    case 'zero-window':
      return `while the ${receiver}'s receive window was shut (zero window, frame ${r.ack}): every byte sent had been acknowledged, but the sender had no room to send what it still held${last}`;
    case 'too-soon':
      return `less than a round trip after the ${receiver} acknowledged its last byte (frame ${r.ack}): the sender may still have held data it had not had time to send${last}`;
  }
}

export function checkCaptureGap(ctx: TransferContext): Diagnosis | null {
  const c = ctx.transfer.connection;
  if (!c || c.gapBytes === 0) return null;
  const t = ctx.transfer;
  const details = [
    `${c.gapBytes} bytes of the data connection are missing from the capture although the receiver acknowledged them: ` +
      'the capture dropped them, not the network',
  ];
  if (t.reply) details.push(`The server's reply was ${replyWords(t.reply)} (frame ${t.reply.frame})`);
  return diagnosis(ctx, 'capture-gap', details, evidenceFrames(t));
}

/** What a sender that stopped short had sent, against the size announced (TYPE A: the file's part of the wire). */
function sentOf(x: Pick<SenderStopped, 'bytes' | 'expected' | 'fileBytes'>, announced = 'announced'): string {
  if (x.bytes < x.expected) return `${x.bytes} of the ${x.expected} bytes ${announced}`;
  const file = x.fileBytes !== null ? `: less the CR before each of its ${x.bytes - x.fileBytes} line ends, ${x.fileBytes} bytes of the file` : '';
  return `${x.bytes} bytes in ASCII mode (TYPE A), where the ${x.expected} bytes ${announced} count the file and the wire carries each line end as CRLF${file}`;
}

/**
 * A download whose server closed the data connection (its FIN, no reset) before the size announced,
 * over a connection the capture holds whole, and then answered with an error: the FIN and the size.
 */
function serverStoppedItself(t: Transfer): { fin: number; expected: number } | null {
  const c = t.connection;
  const expected = expectedBytes(t);
  if (!c || t.abortFrame !== null || expected === null || carriesExpected(t) || !t.reply || t.reply.code < 400 || !heldWhole(t)) return null;
  const fin = c.handshake.find((e) => e.type === 'fin' && e.by === 'server');
  return fin !== undefined && fin.frame < t.reply.frame ? { fin: fin.frame, expected } : null;
}

/**
 * A download whose server went silent for long (STALL_SECONDS) and then closed the data connection
 * itself and answered with an error (serverStoppedItself), while nothing held its data back: the
 * client never shut its window and had acknowledged every byte. The silence was the server's own
 * (pure-ftpd sleeping for its bandwidth limit before its next read, which found the file truncated:
 * "451 Error during read"), not a stall of the receiver or of the path: its FIN came in sequence
 * right after its last data, so nothing was sent and lost in between. The pause, or null.
 */
function senderPausedThenStopped(t: Transfer): { seconds: number; lastData: number } | null {
  const c = t.connection;
  if (!c || c.lastData === null || c.zeroWindowFrames.length > 0 || unacknowledgedTo(c, 'client') > 0 || serverStoppedItself(t) === null) return null;
  const fin = c.handshake.find((e) => e.type === 'fin' && e.by === 'server');
  const seconds = fin !== undefined ? fin.time - c.lastData.time : 0;
  return seconds >= STALL_SECONDS ? { seconds, lastData: c.lastData.frame } : null;
}

/**
 * A download the client reset (no ABOR) after more bytes than the session announced for it, while
 * the server had not closed the data connection: the announced size, or null.
 */
function overran(t: Transfer): number | null {
  const c = t.connection;
  const expected = expectedBytes(t);
  // In ASCII mode the bytes on the wire may outnumber the file's (LF sent as CRLF): binary only.
  if (!c?.rst || c.rst.by !== 'client' || t.abortFrame !== null || expected === null || t.bytes <= expected || t.type?.toUpperCase().startsWith('I') !== true) return null;
  return c.handshake.some((e) => e.type === 'fin' && e.by === 'server' && e.frame < c.rst!.frame) ? null : expected;
}

/** A name the server will not take (553, or a 550 that says so): a name rule or no write access. */
const NAME_REFUSED_ADVICE =
  "The server does not allow that file name: use another name on the client, or on the server relax the rule that refuses it (a name filter{setting:nameFilter}), or grant write access to the folder: its permissions, and the server's write access{setting:write}.";

/** What to change, by the refusing reply's code: which side, which setting. */
const REFUSAL_ADVICE: Record<number, string> = {
  421: "The server is refusing service (too many sessions, or shutting down): retry later, or raise its session limit{setting:limits}.",
  450: 'The file is busy on the server: retry once the other process releases it.',
  451: "The server hit a local error: look in the server's log (disk, permissions, quota).",
  452: 'The server is out of storage: free space or raise the quota on the server.',
  500: 'The server rejects the command as sent: check the client (a non-standard command, or an announcement the server refuses).',
  501: "The server rejects the command's argument: check the name or address the client sent.",
  502: 'The server does not implement the command: switch the client to another (e.g. PASV instead of EPSV).',
  504: 'The server does not support that parameter: use another TYPE/MODE/STRU on the client.',
  530: 'The login failed or expired: check the user name and password on the client, and that the account may use FTP on the server.',
  532: 'The server wants an account (ACCT) to store files: configure it on the client.',
  550: "Check the path on the client, and the user's permissions on the server.",
  552: 'The file exceeds a storage allocation on the server: raise the quota or store less.',
  553: NAME_REFUSED_ADVICE,
  554: 'The server will not start the transfer at the restart offset the client sent (REST), often one beyond the end of its file: transfer the file from its start on the client (remove the partial local copy, or do not resume).',
};

/**
 * A 421 that names one of the server's time limits (unanswered.ts timeLimitOf): what it means and what
 * to change, instead of a connection limit or a shutdown (REFUSALS, REFUSAL_ADVICE).
 */
const TIME_LIMITS: Record<TimeLimit, { meaning: string; advice: string }> = {
  session: {
    meaning: "the server is ending the session on its limit for a session's length, whatever it was doing",
    advice:
      "The server ends a session after a fixed time{setting:sessionTimeout}, even in the middle of a transfer: raise that limit on the server, or do the work in shorter sessions. Nothing between the hosts and no connection limit ended it.",
  },
  transfer: {
    meaning: 'the server is ending the session on its time limit for a transfer (none begun, or one stalled)',
    advice: "The server's time limit for a transfer{setting:dataTimeout} ran out: find why the transfer did not start or stopped moving, or raise that limit on the server.",
  },
  idle: {
    meaning: 'the server is ending the session on its idle time limit',
    advice: "The server's idle time limit{setting:idleTimeout} ran out: make the client keep the session busy (or reconnect), or raise that limit on the server.",
  },
};
const timeLimitWords = (r: Reply): { meaning: string; advice: string } | undefined => {
  const limit = timeLimitOf(r);
  return limit === null ? undefined : TIME_LIMITS[limit];
};

/** A 500-504 final reply after the server's 1xx for the same command: not a refusal, a failure inside the server. */
function failedAfterAccepting(t: Transfer): boolean {
  return t.reply !== null && t.preliminary !== null && t.reply.code >= 500 && t.reply.code <= 504 && t.preliminary.frame < t.reply.frame;
}

/** Codes that refuse a command outright (as opposed to 425/426, which are about the connection). */
const REFUSALS: Record<number, string> = {
  421: 'the server is closing the session (service not available)',
  450: 'the file is unavailable (busy)',
  451: 'the server hit a local error',
  452: 'the server is out of storage',
  500: 'the server did not understand the command',
  501: 'the server rejected its arguments',
  502: 'the server does not implement it',
  503: 'the commands came in the wrong order',
  504: 'the server does not support that parameter',
  530: 'the client is not logged in',
  532: 'the server wants an account (ACCT) for storing files',
  550: 'the file is unavailable: not found, or no permission',
  551: 'the page type is unknown',
  552: 'the storage allocation is exceeded',
  553: 'the file name is not allowed',
  554: 'the server rejects the restart offset (REST) for this file',
};

/**
 * What a 550's own text says was wrong with the name: servers say it (proftpd "Not a regular file",
 * "Permission denied", "No such file or directory"; vsftpd only "Failed to open file").
 */
const FILE_550: Array<{ text: RegExp; meaning: string; advice: string; uploadAdvice?: string; missing?: true }> = [
  {
    // proftpd PathDenyFilter "Forbidden filename", pure-ftpd "Prohibited file name".
    text: /(forbidden|prohibited|invalid|illegal|bad) file ?name|file ?name (is )?not allowed/i,
    meaning: 'the file name is not allowed',
    advice: NAME_REFUSED_ADVICE,
  },
  {
    // vsftpd's 553 to STOR: its open() of the new file failed, most often a folder the user may not
    // write (the name itself was not judged).
    text: /(could not|couldn't|cannot|can't|unable to|failed to) create (the )?file/i,
    meaning: 'the server could not create the file: most often the folder is not writable by the user',
    advice:
      "The server could not create the file there: check that the user may write the folder on the server (its permissions, the chroot) and that the folder exists, or upload elsewhere.",
    uploadAdvice:
      "The server could not create the file there: check that the user may write the folder on the server (its permissions, the chroot) and that the folder exists, that the server accepts uploads from this user at all{setting:write}, or upload elsewhere.",
  },
  {
    text: /not a (regular|plain) file|is a directory/i,
    meaning: 'the name is a directory, not a file',
    advice: 'RETR and STOR take a file, and the name is a directory on the server: list it (LIST) or change into it (CWD) on the client.',
  },
  {
    text: /permission denied|access denied|not permitted|privileges/i,
    meaning: 'the server denies the user access to the file',
    advice: "The user may not read or write that file on the server: check the file's and its folder's permissions there (and the chroot), or use another account.",
    // An upload refused so: the folder, or a server that takes no uploads at all from this user.
    uploadAdvice:
      "The user may not write there: check the folder's permissions on the server (and the chroot), and that the server accepts uploads from this user at all{setting:write}, or use another account.",
  },
  {
    text: /no such file|not found|does not exist/i,
    missing: true,
    meaning: 'the file does not exist on the server',
    advice: 'The name does not exist on the server: check the path on the client (and the directory it is taken from: PWD, CWD).',
  },
];

// 553 too: its own words may name the reason ("Permission denied", inetutils ftpd), not the name.
const file550 = (r: Reply): (typeof FILE_550)[number] | undefined => (r.code === 550 || r.code === 553 ? FILE_550.find((x) => x.text.test(r.text)) : undefined);

/**
 * A refusal of a resumed or appending transfer that says so, whatever its code (servers differ: vsftpd
 * 550 "No support for resume of ASCII transfer", proftpd 501 to the REST itself "Resuming transfers
 * not allowed in ASCII mode" and 451 "Append/Restart not permitted", pure-ftpd 503 "ASCII resume is
 * unsafe"): the file is there, the server will not start at an offset or append to it.
 */
type Resumed = { restart: boolean; append: boolean; ascii: boolean; restCommand: boolean };
const RESUME_REFUSED: Array<{ text: RegExp; when: (x: Resumed) => boolean; codes?: number[]; meaning: string; advice: string }> = [
  {
    // REST itself not understood or not implemented (Twisted: "502 Command 'REST' not implemented"):
    // the server has no restart at all, whatever the mode; nothing to switch on the client but resuming.
    text: /[\s\S]*/,
    codes: [500, 502],
    when: (x) => x.restCommand,
    meaning: 'the server does not implement REST: it cannot start a transfer at an offset (no resume)',
    advice:
      'The server cannot resume a transfer (it has no REST): transfer the whole file from its start on the client (a download: remove the partial local copy or do not resume, e.g. curl without -C, lftp get without -c; an upload: STOR it whole).',
  },
  {
    text: /ascii/i,
    when: (x) => x.restart && x.ascii,
    meaning: 'the server will not resume a transfer in ASCII mode (TYPE A): an offset into the converted data is not one into its file',
    advice:
      'The server does not resume ASCII-mode transfers: resume in binary mode (TYPE I) on the client, or transfer the whole file again (no REST) in ASCII mode.',
  },
  {
    text: /append|restart|resum/i,
    when: (x) => x.restart || x.append,
    meaning: 'the server does not permit appending to a file or starting a transfer at an offset',
    advice:
      'The server does not allow a transfer to resume at an offset or append to a file: send the whole file again (STOR, no REST) on the client, or allow it on the server{setting:storeRestart}.',
  },
];
/** What the refused command was: a resume (REST, or a transfer after one) or an append, and in which TYPE. */
function resumed(t: Transfer | undefined, cmd: Command | undefined): Resumed {
  return {
    restart: cmd?.command === 'REST' || (t?.restOffset ?? 0) > 0,
    append: t?.request?.command === 'APPE',
    // A REST refused before any transfer command: the model holds no TYPE for the unused transfer,
    // and the refusal's own words (it must name ASCII) say which mode it was refused in.
    ascii: t?.type === 'A' || (cmd?.command === 'REST' && t?.request === null),
    restCommand: cmd?.command === 'REST',
  };
}
const resumeRefused = (r: Reply, x: Resumed): (typeof RESUME_REFUSED)[number] | undefined =>
  r.code >= 400 ? RESUME_REFUSED.find((e) => (e.codes === undefined || e.codes.includes(r.code)) && e.when(x) && e.text.test(r.text)) : undefined;
/** What a refusing reply means, its own text first (a 550's reason, a refused resume's). */
const refusalMeaning = (r: Reply, x?: Resumed): string =>
  (x && resumeRefused(r, x)?.meaning) ?? file550(r)?.meaning ?? timeLimitWords(r)?.meaning ?? REFUSALS[r.code] ?? 'the server refused it';
/** What to change about a refusing reply, its own text first (an upload's own advice where there is one). */
const refusalAdvice = (r: Reply, t?: Transfer, x?: Resumed): string | undefined => {
  const resume = x && resumeRefused(r, x);
  if (resume) return resume.advice;
  const f = file550(r);
  return (t?.direction === 'upload' ? f?.uploadAdvice : undefined) ?? f?.advice ?? timeLimitWords(r)?.advice ?? REFUSAL_ADVICE[r.code];
};

/**
 * Per session, once: the frame of the announcement that follows each transfer's (Infinity: none).
 * Looking it up, and the commands after an announcement, per transfer was quadratic on a client
 * that sends thousands of PORTs.
 */
const nextAnnouncements = new WeakMap<Session, Map<number, number>>();

function nextAnnouncementFrame(s: Session, t: Transfer): number {
  let next = nextAnnouncements.get(s);
  if (next === undefined) {
    next = new Map();
    let frame = Infinity;
    for (let i = s.transfers.length - 1; i >= 0; i--) {
      next.set(s.transfers[i].id, frame);
      const a = s.transfers[i].announce;
      if (a) frame = a.frame;
    }
    nextAnnouncements.set(s, next);
  }
  return next.get(t.id) ?? Infinity;
}

/** The first command after an announcement that the server refused, before the next announcement. */
function refusedBeforeUse(ctx: TransferContext): Command | null {
  const { transfer: t, session: s } = ctx;
  // The client may have used it in control bytes the capture lost: that it gave up is not known.
  if (t.request || !t.announce || t.announce.clientBytesLostAt !== undefined) return null;
  const after = t.announce.frame;
  const next = nextAnnouncementFrame(s, t);
  // Commands are in capture order: the first after the announcement by binary search, then only
  // those up to the next announcement are read.
  const cmds = s.commands;
  let lo = 0;
  let hi = cmds.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cmds[mid].frame <= after) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < cmds.length && cmds[i].frame < next; i++) {
    const c = cmds[i];
    if (c.command !== null && c.reply !== null && c.reply.code >= 400) return c;
  }
  return null;
}

export function checkServerRefused(ctx: TransferContext): Diagnosis | null {
  const { transfer: t } = ctx;
  // A data connection already carrying data when the capture began (or whose handshake it lost): its
  // command, not in the capture, was not refused, and the error that ended it is its verdict's to say.
  if (t.inferred === 'midstream' && t.bytes > 0) return null;
  const before = refusedBeforeUse(ctx);
  // An announcement the server refused prepared no data connection: its own refusal is the story (an
  // EPSV refused, then a PASV refused too, is not the EPSV's transfer refused at the PASV).
  if (before && !(t.announce?.reply && t.announce.reply.code >= 400)) {
    const r = before.reply!;
    const x = resumed(t, before);
    const meaning = refusalMeaning(r, x);
    return diagnosis(
      ctx,
      'server-refused',
      [
        `The server answered ${before.command}${before.arg ? ` ${before.arg}` : ''} (frame ${before.frame}) with ${replyWords(r)} at frame ${r.frame}: ${meaning}`,
        'The client then gave up without sending a transfer command, so the data connection it had prepared was never used',
      ],
      evidenceFrames(t, [before.frame, r.frame]),
      refusalAdvice(r, undefined, x),
    );
  }
  const announceReply = t.announce?.reply;
  const refusedAnnounce = announceReply && announceReply.code >= 400 ? announceReply : null;
  // 425 is about the data connection: a refusal of the command only once that connection had opened.
  const opened = t.connection?.established === true;
  // A 2xx whose words say it failed, nothing sent (vsftpd's listing of a directory it cannot open): refused all the same.
  const failedSuccess = refusedInSuccess(t);
  const reply = refusedAnnounce ?? (t.reply && ((t.reply.code >= 400 && (t.reply.code !== 425 || opened) && t.reply.code !== 426) || failedSuccess) ? t.reply : null);
  if (!reply) return null;
  // A passive announcement's frame is its reply's: the command went one or more frames before.
  const announced = refusedAnnounce && t.mode === 'passive' ? ctx.session.commands.find((c) => c.reply === refusedAnnounce) : undefined;
  const what = refusedAnnounce
    ? `${t.announce!.command} (frame ${announced?.frame ?? t.announce!.frame})`
    : t.request !== null
      ? `${t.request.command} (frame ${t.request.frame})`
      : 'its transfer command (not in the capture)';
  // An active announcement refused while the server accepted the same address in another active
  // command of the session (EPRT refused, then PORT accepted): the command itself is refused (a
  // policy such as proftpd's <Limit EPRT>), not the address. Without that, the address may be the
  // reason even when it is the client's own as captured (a NAT that did not rewrite it, seen from
  // the client's side), so it is not called a refused command.
  const ip = t.announce?.endpoint?.ip;
  const acceptedElsewhere =
    refusedAnnounce === null || t.mode !== 'active' || ip === undefined
      ? undefined
      : ctx.session.transfers.find(
          (o) =>
            o.mode === 'active' &&
            o.announce !== null &&
            o.announce.command !== t.announce!.command &&
            o.announce.endpoint?.ip === ip &&
            o.announce.reply !== null &&
            o.announce.reply.code >= 200 &&
            o.announce.reply.code < 300,
        );
  // A passive announcement refused while the same server answered the same command with an
  // address in this or another session of the capture (three sessions at once against a narrow
  // passive range; vsftpd's "500 OOPS: vsf_sysutil_bind"): the command is allowed, the server could
  // not open a port for this one. Not a policy on the command, so trying another one is no advice.
  const passiveElsewhere = refusedAnnounce === null || t.mode !== 'passive' ? null : passiveAccepted(ctx, t.announce!.command);
  // A passive command refused while the same server opened a passive port for another one (Twisted's
  // "502 Command 'EPSV' not implemented", then 227 to PASV): the server refuses or lacks that command,
  // it does open passive ports. 500/502 say the command is unknown or not implemented: not a setting.
  const refusedCmd = t.announce?.command ?? '';
  const otherPassive =
    refusedAnnounce === null || t.mode !== 'passive' || passiveElsewhere !== null ? null : passiveAcceptedOther(ctx, refusedCmd);
  // 500/502 to an announcement (Twisted's "502 Command 'LPRT' not implemented"): the command is unknown
  // or not implemented, whatever address it named: no policy on addresses, no setting to allow it.
  const unimplemented = refusedAnnounce !== null && saysLacking(reply);
  const lacks = `${reply.code === 502 ? 'does not implement' : 'does not recognise'} ${refusedCmd}`;
  // An active command the server lacks, and the client's other active command in the same session
  // (tnftp's EPRT, then PORT): lacked too (aioftp's "502 'port' not implemented"), the server has no
  // active mode at all and "try the other command" is no advice; accepted, the client already did.
  const otherActive = unimplemented && t.mode === 'active' ? modeOther(ctx, refusedCmd, 'active') : null;
  // The same for passive mode (busybox's EPSV, then PASV, both "502 Command not implemented" from a
  // pyftpdlib without them): the server has no passive mode, "try the other command" is no advice.
  // Refused rather than lacking (vsftpd's "550 Permission denied" to EPSV and PASV with pasv_enable=NO): the same, a policy.
  const passiveOther = refusedAnnounce !== null && t.mode === 'passive' && otherPassive === null && passiveElsewhere === null ? modeOther(ctx, refusedCmd, 'passive', !unimplemented) : null;
  const noPassive = passiveOther !== null && (passiveOther.lacked || (!unimplemented && passiveOther.code >= 400)) ? passiveOther : null;
  const passiveRefusal = unimplemented ? `the server ${lacks}` : `the server refuses ${refusedCmd}`;
  // An active command refused in words that deny the command itself (proftpd's "501 EPRT: Operation
  // not permitted" under <Limit EPRT> DenyAll, vsftpd's "550 Permission denied." with port_enable=NO,
  // "Active mode is disabled"): a rule on the command, not on the address it named.
  const deniesCommand = refusedAnnounce !== null && t.mode === 'active' && !unimplemented && acceptedElsewhere === undefined && COMMAND_DENIED.test(reply.text);
  // The session's family decides what the other commands can carry: PASV and PORT cannot name an IPv6 address.
  const v6 = ctx.session.server.ip.includes(':');
  const activeCmd = v6 ? 'EPRT' : 'PORT';
  const passiveWayOut = (cmd: string): string => {
    const alt = (v6 ? OTHER_PASSIVE_V6 : OTHER_PASSIVE)[cmd] ?? (v6 ? undefined : 'PASV');
    return alt === undefined ? `active mode (${activeCmd})` : `another passive command (${alt} for ${cmd}) or active mode (${activeCmd})`;
  };
  const passiveMode = v6 ? 'passive mode (EPSV)' : 'passive mode';
  // Over IPv6, EPSV or EPRT lacking, and the same server lacking the other one in this capture (in
  // any session: lftp reconnects between them; Twisted 22.4 has neither): the way out the advice
  // would name is closed too, and PASV and PORT cannot carry an IPv6 address.
  const otherV6 = v6 && unimplemented ? ({ EPSV: 'EPRT', EPRT: 'EPSV' } as Record<string, string>)[refusedCmd] : undefined;
  const noV6Data = otherV6 === undefined ? null : serverLacked(ctx.analysis, ctx.session, otherV6);
  const meaning = noV6Data !== null
    ? `the server ${lacks}, nor ${otherV6} (${noV6Data.code}, frame ${noV6Data.frame}): over IPv6 it opens no data connection`
    : refusedAnnounce
    ? unimplemented && t.mode === 'active'
      ? otherActive?.lacked === true
        ? `the server ${lacks}, nor ${otherActive.command} (${otherActive.code}, frame ${otherActive.frame}): it has no active mode`
        : `the server ${lacks}`
      : passiveElsewhere !== null
      ? `the server could not open a passive data port for it, though it accepts ${t.announce!.command}: it answered ${passiveElsewhere.words} at frame ${passiveElsewhere.frame}`
      : t.mode === 'active'
      ? acceptedElsewhere !== undefined
        ? `the server refuses ${t.announce!.command} itself: it accepted the same address in ${acceptedElsewhere.announce!.command} (frame ${acceptedElsewhere.announce!.frame})`
        : deniesCommand
        ? `the server refuses ${refusedCmd} itself, in words that deny the command, not the address it named` +
          (ip !== undefined && ip === ctx.session.client.ip ? ` (${ip}, the client's own address on the control connection)` : '')
        : 'the server will not connect to the address the client announced'
      : otherPassive !== null
      ? `${passiveRefusal}, though it opens passive data ports: it answered ${otherPassive.words} at frame ${otherPassive.frame}`
      : noPassive !== null && unimplemented
      ? `${passiveRefusal}, nor ${noPassive.command} (${noPassive.code}, frame ${noPassive.frame}): it has no passive mode`
      : unimplemented
      ? `${passiveRefusal}: no passive data port was opened for it`
      : noPassive !== null
      ? `the server will not open a passive data port, for ${noPassive.command} either (${noPassive.code}, frame ${noPassive.frame}): it refuses passive mode`
      : 'the server will not open a passive data port'
    : reply.code === 425
      ? 'the server would not use the data connection that had opened'
      : failedSuccess
        ? `its own words say it failed, though its code says success; nothing came on the data connection${commandInfo(t.request?.command ?? '')?.role === 'listing' ? ': the server could not read the directory (no permission to list it, or not a directory), and sent an empty listing' : ''}`
        : refusalMeaning(reply, resumed(t, undefined));
  // A refused probe the client recovered from is no failure (fallback.ts): its verdict says so, and it gets no diagnosis.
  const details = [`The server answered ${what} with ${replyWords(reply)} at frame ${reply.frame}: ${meaning}`];

  const rest = refusedAnnounce ? null : restCommand(ctx);
  if (rest) {
    const size = t.expectedSize ?? sizeReplied(ctx.session, t);
    details.push(
      `The client had asked to start at byte ${rest.offset} (REST ${rest.offset}, frame ${rest.frame})${size !== null ? `; the server gave the file's size as ${size} bytes${rest.offset > size ? ', so the offset is beyond its end' : ''}` : ''}`,
    );
  }
  // The same path answered SIZE earlier in the session: the file was there then and went before the RETR.
  const went = !refusedAnnounce && t.direction === 'download' && t.sizeStated !== undefined && file550(reply)?.missing === true ? t.sizeStated : null;
  if (went !== null) {
    details.push(
      `Earlier in this session the server had answered SIZE for the same path with 213 ${went.size} (frame ${went.frame}): the file was there then, ` +
        `and was deleted, renamed or moved on the server before the ${t.request?.command ?? 'transfer command'}`,
    );
  }
  if (!t.connection) details.push(...noDataConnectionWords(ctx.session, t));
  else if (t.bytes > 0) details.push(`${t.bytes} bytes had moved on the data connection before that`);
  else details.push('The data connection had opened, but nothing moved on it');
  // EPSV refused by an IPv4 server behind a NAT64 translator (nat64.ts): the other commands cannot cross it.
  const crossing = refusedAnnounce ? familyCrossing(t, ctx.session) : null;
  const nat64 = crossing?.kind === 'epsv-refused' ? crossing : null;
  if (nat64) {
    details.push(
      `The control connection runs over IPv6 to ${ctx.session.server.ip}, an address that embeds ${nat64.ipv4} (an RFC 6052 /96 prefix): ` +
        'the server is IPv4-only, reached through a NAT64 translator, and EPSV is the one data command that crosses it unchanged',
    );
  }
  const advice = nat64
    ? `Through NAT64 the server must answer EPSV: enable it, or use a server that has it. A PASV's 227 names the server's IPv4 address (${nat64.ipv4}), ` +
      "which an IPv6-only client cannot reach (only a client that keeps the control connection's address and takes the 227's port gets through), " +
      'and active mode cannot cross the translator (PORT cannot name an IPv6 client, an IPv4 server cannot use EPRT\'s IPv6 address).'
    : noV6Data !== null
    ? `The server implements neither ${refusedCmd} nor ${otherV6}: over IPv6 no data connection can be opened with it (PASV and PORT carry only IPv4 addresses). Reach it over IPv4 (PASV or PORT), or use a server that implements EPSV and EPRT (RFC 2428).`
    : refusedAnnounce
    ? unimplemented && t.mode === 'active'
      ? otherActive?.lacked === true
        ? `The server implements neither ${refusedCmd} nor ${otherActive.command}: use passive mode on the client.`
        : (v6 ? OTHER_ACTIVE_V6 : OTHER_ACTIVE)[refusedCmd] === undefined
        ? `The server ${lacks}: use ${passiveMode} on the client.`
        : `The server ${lacks}: use another active command (${(v6 ? OTHER_ACTIVE_V6 : OTHER_ACTIVE)[refusedCmd]} for ${refusedCmd})${otherActive !== null ? `, as this client did (${otherActive.command}, frame ${otherActive.frame}),` : ''} or ${passiveMode} on the client.`
      : passiveElsewhere !== null
      ? `The server accepts ${t.announce!.command} but could not open a port for this one: its passive port range${passivePortsWhere(ctx.session)} may be too narrow for the data connections open at once: widen it, or run fewer transfers at once; the server's log names the reason.`
      : t.mode === 'active'
      ? acceptedElsewhere !== undefined
        ? `The server refuses ${t.announce!.command}: use another active command (${acceptedElsewhere.announce!.command} for ${t.announce!.command}) or ${passiveMode} on the client, or allow ${t.announce!.command} on the server (proftpd <Limit ${t.announce!.command}>).`
        : deniesCommand
        ? `The server's configuration refuses ${refusedCmd}: use ${passiveMode} on the client, or allow ${refusedCmd} on the server (proftpd <Limit ${refusedCmd}>, vsftpd port_enable).`
        : `The server will not connect to that address: use ${passiveMode} on the client, or, for a deliberate third-party transfer, allow it on the server{setting:foreignPort}.`
      : noPassive !== null && unimplemented
      ? `The server implements neither ${refusedCmd} nor ${noPassive.command}: use active mode (${activeCmd}) on the client.`
      : noPassive !== null
      ? `The server refuses both ${refusedCmd} and ${noPassive.command}: use active mode (${activeCmd}) on the client, or allow passive mode on the server (vsftpd pasv_enable, proftpd <Limit ${refusedCmd} ${noPassive.command}>).`
      : unimplemented
      ? `The server ${reply.code === 502 ? 'does not implement' : 'does not recognise'} ${refusedCmd}: use ${passiveWayOut(refusedCmd)} on the client${otherPassive !== null ? `, as this client did (${otherPassive.command}, frame ${otherPassive.frame})` : ''}.`
      : `The server refuses ${t.announce!.command}: use ${passiveWayOut(t.announce!.command)} on the client, or allow ${t.announce!.command} on the server (proftpd <Limit ${t.announce!.command}>, vsftpd pasv_enable).`
    : reply.code === 425
      ? 'The server refused a data connection that had opened: its log says why (the address it came from, a TLS requirement, a limit).'
      : went !== null
        ? 'The file existed when the client asked its size and was gone when it asked for the file: something on the server removed or renamed it in between (a log rotation, a job that moves finished files away, a DELE or RNFR/RNTO from another session). Not a wrong path and not the network: fetch it under its new name, or time the download around that job.'
        : failedSuccess && commandInfo(t.request?.command ?? '')?.role === 'listing'
          ? "Check the directory on the server: the FTP user must be allowed to read it (and enter it), and the name must be a directory; a client that trusts the 226 takes the empty listing for an empty directory."
          : failedSuccess
            ? "Check the server's log for what failed: the reply's code says success, its words do not, and no data came."
            : refusalAdvice(reply, t, resumed(t, undefined));
  return diagnosis(
    ctx,
    'server-refused',
    details,
    evidenceFrames(t, [went?.frame, announced?.frame, acceptedElsewhere?.announce?.frame, passiveElsewhere?.frame, otherPassive?.frame, otherActive?.frame, noPassive?.frame, rest?.frame, noV6Data?.frame]),
    advice,
  );
}

/** The REST the server accepted (350) for this transfer's command: its offset and frame. */
function restCommand(ctx: TransferContext): { offset: number; frame: number } | null {
  const { transfer: t, session: s } = ctx;
  if (t.restOffset === null || t.restOffset === 0 || !t.request) return null;
  let found: Command | undefined;
  for (const c of s.commands) {
    if (c.frame >= t.request.frame) break;
    if (c.command === 'REST' && c.reply?.code === 350) found = c;
  }
  return found ? { offset: t.restOffset, frame: found.frame } : null;
}

/** The size a SIZE reply (213) gave for the transfer's path earlier in the session, if any. */
function sizeReplied(s: Session, t: Transfer): number | null {
  if (!t.request) return null;
  let size: number | null = null;
  for (const c of s.commands) {
    if (c.frame >= t.request.frame) break;
    if (c.command === 'SIZE' && c.arg === t.request.arg && c.reply?.code === 213) {
      const n = Number(c.reply.text.trim());
      if (Number.isSafeInteger(n)) size = n;
    }
  }
  return size;
}

/**
 * The first announcement of the capture in which the session's server (its control endpoint) answered
 * the passive `command` with an address, in this session or another: its reply's frame and words.
 */
function passiveAccepted(ctx: TransferContext, command: string): { frame: number; words: string } | null {
  const server = ctx.session.server;
  let best: { frame: number; words: string } | null = null;
  for (const s of ctx.analysis.sessions) {
    if (s.server.ip !== server.ip || s.server.port !== server.port) continue;
    for (const o of s.transfers) {
      const a = o.announce;
      if (a === null || a.command !== command || a.refused || a.endpoint === null || a.reply === null) continue;
      if (a.reply.code < 200 || a.reply.code >= 300) continue;
      if (best === null || a.reply.frame < best.frame) {
        const where = s.id === ctx.session.id ? '' : ` in session ${s.id}`;
        best = { frame: a.reply.frame, words: `${command}${where} with ${a.reply.code}` };
      }
    }
  }
  return best;
}

/**
 * The first passive announcement of the session, by another command than `command`, that the server
 * answered with an address (the client's fallback: PASV after a refused EPSV): its command, reply frame and words.
 */
function passiveAcceptedOther(ctx: TransferContext, command: string): { command: string; frame: number; words: string } | null {
  for (const o of ctx.session.transfers) {
    const a = o.announce;
    if (o.mode !== 'passive' || a === null || a.command === command || a.refused || a.endpoint === null || a.reply === null) continue;
    if (a.reply.code < 200 || a.reply.code >= 300) continue;
    return { command: a.command, frame: a.reply.frame, words: `${a.command} with ${a.reply.code}` };
  }
  return null;
}

/**
 * The session's active announcement by another command than `command` (the client's fallback, EPRT
 * then PORT, or the other way), nearest the refused one: its command, the frame and code of the
 * server's answer, and whether that answer says the server lacks it too (500/502).
 */
function modeOther(
  ctx: TransferContext,
  command: string,
  mode: 'active' | 'passive',
  anyRefusal = false,
): { command: string; frame: number; code: number; lacked: boolean } | null {
  const t = ctx.transfer;
  let best: { command: string; frame: number; code: number; lacked: boolean } | null = null;
  let bestDistance = Infinity;
  for (const o of ctx.session.transfers) {
    const a = o.announce;
    if (o === t || o.mode !== mode || a === null || a.command === command || a.reply === null) continue;
    const ok = a.reply.code >= 200 && a.reply.code < 300;
    const lacked = saysLacking(a.reply);
    if (!ok && !lacked && !(anyRefusal && a.reply.code >= 400)) continue;
    const distance = Math.abs(a.frame - (t.announce?.frame ?? 0));
    if (distance < bestDistance) {
      bestDistance = distance;
      best = { command: a.command, frame: a.reply.frame, code: a.reply.code, lacked };
    }
  }
  return best;
}

/**
 * Per capture, once: for each server (address and port), the first reply that said it lacks an
 * announcing command (500/502: saysLacking), by command. A scan of every session per transfer is quadratic.
 */
const lackedIndex = new WeakMap<object, Map<string, Map<string, { code: number; frame: number }>>>();
function serverLacked(a: TransferContext['analysis'], s: Session, command: string): { code: number; frame: number } | null {
  let index = lackedIndex.get(a);
  if (index === undefined) {
    index = new Map();
    for (const x of a.sessions) {
      const key = `${x.server.ip}|${x.server.port}`;
      for (const o of x.transfers) {
        const r = o.announce?.reply;
        if (r === null || r === undefined || !saysLacking(r)) continue;
        let byCommand = index.get(key);
        if (byCommand === undefined) index.set(key, (byCommand = new Map()));
        if (!byCommand.has(o.announce!.command)) byCommand.set(o.announce!.command, { code: r.code, frame: r.frame });
      }
    }
    lackedIndex.set(a, index);
  }
  return index.get(`${s.server.ip}|${s.server.port}`)?.get(command) ?? null;
}

/** The active command to try instead of one the server does not implement. */
const OTHER_ACTIVE: Record<string, string> = { EPRT: 'PORT', LPRT: 'PORT', PORT: 'EPRT' };

/** The passive command to try instead of a refused one (a refused PASV is not answered by trying PASV). */
const OTHER_PASSIVE: Record<string, string> = { EPSV: 'PASV', PASV: 'EPSV', LPSV: 'PASV' };

/**
 * The same on an IPv6 control connection: PASV's 227 and PORT carry only an IPv4 address, so EPSV and
 * EPRT are the IPv6 answers (LPSV/LPRT exist, few servers have them); a refused EPSV or EPRT has no
 * other command of its mode to suggest.
 */
const OTHER_PASSIVE_V6: Record<string, string> = { PASV: 'EPSV', LPSV: 'EPSV' };
const OTHER_ACTIVE_V6: Record<string, string> = { PORT: 'EPRT', LPRT: 'EPRT' };

/** A refusal's words that deny the command itself, not the address it named. */
const COMMAND_DENIED = /not permitted|permission denied|disabled|not allowed/i;

export function checkNotInCapture(ctx: TransferContext): Diagnosis | null {
  const { transfer: t, session: s } = ctx;
  // A final reply in bytes the capture lost: its verdict (not captured, its reply too) says what the capture lacks.
  if (t.connection || !t.request || t.replyInGap !== undefined) return null;
  // Control bytes lost before its command: the announcement (and the data connection it named) may be
  // in them, and replies after a lost one may answer other commands than they seem to (a client that
  // sends its commands without waiting): no reading of a capture filter that left the data connection out.
  if (t.controlGapBefore !== undefined || (s.controlGapFrame !== undefined && s.controlGapFrame < t.request.frame)) return null;
  // 226 and 250 report a transfer done (RFC 959); another 2xx (a 200, or a 225 from a server that
  // answers anything) proves no data connection.
  const positive = t.reply !== null && (t.reply.code === 226 || t.reply.code === 250);
  const preliminary = t.preliminary !== null;
  if (positive || (preliminary && t.reply === null)) {
    const said = t.reply ? `replied ${replyWords(t.reply)} (frame ${t.reply.frame})` : `opened it (${replyWords(t.preliminary!)}, frame ${t.preliminary!.frame})`;
    const announced = t.announce?.endpoint ? ` to ${ep(t.announce.endpoint)}` : '';
    return diagnosis(
      ctx,
      'not-in-capture',
      [
        `The server ${said}, so a data connection${announced} existed, but no such connection between ${s.client.ip} and ${s.server.ip} is in the capture`,
        'It was captured on another interface or removed by a capture filter',
      ],
      evidenceFrames(t),
    );
  }
  // Active, captured at the client's side: the client waited after its command for the server's
  // connection and ended the session with none — no SYN of the server's reached its side, where a
  // SYN that got there would show (a wget whose read timeout gave up while a firewall dropped the
  // server's SYNs: a86-activep-wget-vsftpd). Not a capture that lacks the connection.
  const left = s.closedBy;
  if (t.reply === null && t.mode === 'active' && t.announce?.endpoint && left !== null && left.by === 'client' && left.frame > t.request.frame && canSeeArrivalAt(ctx.vantage, 'client')) {
    return diagnosis(
      ctx,
      'active-unreached',
      [
        announceWords(t),
        `No reply to ${t.request.command} (frame ${t.request.frame}) came, and no SYN from the server to ${ep(t.announce.endpoint)} reached the client's side, where this capture was taken, ` +
          `in the ${secondsText(left.time - t.request.time)} before the client ended the session (frame ${left.frame}): the server's attempt was dropped on the way, or it never made one; this point cannot see which${unlessFiltered(s)}`,
      ],
      evidenceFrames(t, [left.frame]),
      "A capture at the server shows whether it tried (its SYNs unanswered: a firewall or router between them that drops inbound connections to the client's data ports); passive mode avoids inbound connections to the client.",
    );
  }
  // No reply, no data connection, and the server ended the session after the request: it waited
  // for a data connection that never came (checkNoAttempt's), not a capture that ended too soon.
  if (t.reply === null && serverGaveUpWaiting(ctx.transfer, ctx.session) === null) {
    const last = ctx.analysis.capture.last;
    return diagnosis(
      ctx,
      'not-in-capture',
      [`The capture ends${last !== null ? ` ${secondsText(last - t.request.time)} after the request` : ''} before any reply or data connection`],
      evidenceFrames(t),
    );
  }
  return null;
}

export function checkNoAttempt(ctx: TransferContext): Diagnosis | null {
  const { transfer: t } = ctx;
  const waited = serverGaveUpWaiting(ctx.transfer, ctx.session);
  if (waited !== null) {
    const target = ep(t.announce!.endpoint!);
    const connecting = t.mode === 'active' ? 'server' : 'client';
    const details = [
      `No reply to ${t.request!.command} (frame ${t.request!.frame}) came: the server closed the control connection ${secondsText(waited.time - t.request!.time)} later (frame ${waited.frame}) without a word, ` +
        `and no connection attempt to ${target} by either side is in the capture`,
      wouldHoldDataSyn(ctx.session, ctx.vantage, connecting)
        ? `This capture point sees the ${connecting}'s packets as it sends them, so it would hold the ${connecting}'s SYN had it sent one: the ${connecting} never tried to connect, and the server gave up waiting (a timeout for a data connection that never comes, such as proftpd TimeoutNoTransfer)${unlessFiltered(ctx.session)}`
        : ctx.session.dataUnseen !== undefined
          ? dataUnseenDetail(ctx.session.dataUnseen, { session: ctx.session.id, transfer: t.id })
          : 'A SYN dropped before reaching the capture point would look the same',
    ];
    const advice =
      connecting === 'client'
        ? `The client sent ${t.request!.command} without connecting to the passive port the server offered: a client bug, or a client blocked from connecting (a firewall on its side); the server waited and closed the session. Check the client; nothing on the network refused a connection.`
        : "The server did not (visibly) try to connect to the client's address and closed the session: check the server's log and capture nearer the server.";
    // Where the capture holds none of these hosts' data connections, only the server's side is known: it waited in vain.
    const cause: CauseCode = ctx.session.dataUnseen === undefined ? 'no-attempt' : connecting === 'client' ? 'passive-unreached' : 'active-unreached';
    return diagnosis(ctx, cause, details, evidenceFrames(t, [waited.frame]), ctx.session.dataUnseen === undefined ? advice : dataUnseenAdvice(connecting));
  }
  if (t.connection || !t.request || !t.reply || t.reply.code !== 425) return null;
  const details = [
    `The server replied ${replyWords(t.reply)} (frame ${t.reply.frame}) and no connection attempt by either side is in the capture`,
  ];
  let advice: string;
  if (!t.announce) {
    details.push('No PORT or PASV preceded the command: the server had no address to use');
    advice = 'The client must send PORT/EPRT or PASV/EPSV before each transfer: a client bug, or a capture that missed the announcement.';
  } else {
    const connecting = t.mode === 'active' ? 'server' : 'client';
    // A capture that sees the connecting side's packets as it sends them would hold its SYN.
    const seesSender = wouldHoldDataSyn(ctx.session, ctx.vantage, connecting);
    if (seesSender) details.push(`This capture point sees the ${connecting}'s packets as it sends them: the ${connecting} sent no SYN${unlessFiltered(ctx.session)}`);
    else if (ctx.session.dataUnseen !== undefined) details.push(dataUnseenDetail(ctx.session.dataUnseen, { session: ctx.session.id, transfer: t.id }));
    else if (!seesBothEnds(ctx.vantage)) details.push('A SYN dropped before reaching the capture point would look the same');
    const busy = t.mode === 'active' ? pairInUse(ctx.analysis, ctx.session, t) : null;
    // The other side of the NAT (a capture on the NAT device) holds the attempt this view lacks.
    const other = natCounterpart(ctx.analysis, ctx.session, t);
    const tried = other?.connection?.synFrame !== null && other?.connection?.synFrame !== undefined ? other.connection : null;
    if (tried !== null && other !== null) {
      const peer = ctx.session.natPeer!;
      details[0] = `The server replied ${replyWords(t.reply)} (frame ${t.reply.frame}) and no connection attempt is in this view of the session`;
      details.length = 1;
      details.push(
        `The ${peer.side === 'inside' ? 'outside' : 'inside'} view of this session (session ${peer.session}, transfer ${peer.session}.${other.id}) holds the ` +
          `${tried.initiator}'s attempt: SYN frame ${tried.synFrame} from ${ep(tried.initiator === 'server' ? tried.server : tried.client)} to ${ep(tried.initiator === 'server' ? tried.client : tried.server)}` +
          (tried.rst !== null ? `, answered by a reset at frame ${tried.rst.frame}` : tried.established ? '' : ', never answered') +
          ': the NAT device did not pass it to this side',
      );
      advice = `The attempt failed at the NAT device: see session ${peer.session}, transfer ${peer.session}.${other.id}, the view that holds it.`;
      // The cause is the attempt's, as the view that holds it reads it: refused, or never answered.
      const active = t.mode === 'active';
      const cause: CauseCode =
        tried.rst !== null || tried.icmpErrors.length > 0 ? (active ? 'active-refused' : 'passive-refused') : active ? 'active-syn-unanswered' : 'passive-syn-unanswered';
      return diagnosis(ctx, tried.established ? 'no-attempt' : cause, details, evidenceFrames(t, [tried.synFrame ?? undefined, tried.rst?.frame]), advice);
    }
    if (busy !== null) {
      details.push(pairInUseWords(busy, ctx.session, t.request.frame));
      advice = pairInUseAdvice(busy);
    } else {
      // Where the capture sees the connecting side send, no SYN left that host: nothing nearer would show more; its own
      // firewall refusing its outbound connection (an OUTPUT rule) fails the connect before any SYN leaves.
      // A capture that holds no data connection at all may be filtered to the control connection: said so, as the details do.
      const noSyn = seesSender
        ? ctx.session.noDataSeen
          ? `The ${connecting} sent no SYN this capture holds (it holds no data connection between these hosts at all, as a "port 21" capture filter would leave it): `
          : `No SYN left the ${connecting}: `
        : null;
      const ownFirewall = `the ${connecting} host's own firewall (a rule refusing its outbound connections fails them before any SYN leaves)`;
      advice =
        t.mode === 'active'
          ? noSyn !== null
            ? `${noSyn}check the server's log — a server that cannot bind its data port{setting:activePort} fails this way — and ${ownFirewall}.`
            : "The server did not (visibly) try to connect: check the server's log — a server that cannot bind its data port{setting:activePort} fails this way — and capture nearer the server."
          : noSyn !== null
            ? `${noSyn}check ${ownFirewall} and the client's passive-mode settings.`
            : 'The client did not (visibly) connect to the passive port: check the client (a firewall on its side blocking outbound connections) and capture nearer the client.';
    }
    return diagnosis(ctx, 'no-attempt', details, evidenceFrames(t, busy !== null ? [busy.connection.synFrame ?? undefined, busy.closed ?? undefined] : []), advice);
  }
  return diagnosis(ctx, 'no-attempt', details, evidenceFrames(t), advice);
}



/** The latest command or reply on the control connection before `frame`: where its idle time began. */
function lastExchangeBefore(s: Session, frame: number): { frame: number; time: number } | null {
  let best: { frame: number; time: number } | null = null;
  // Backwards: only the commands around the cut are read.
  for (let i = s.commands.length - 1; i >= 0; i--) {
    const c = s.commands[i];
    const said = [{ frame: c.frame, time: c.time }, ...(c.reply ? [c.reply] : []), ...c.preliminary];
    for (const x of said) if (x.frame < frame && (best === null || x.frame > best.frame)) best = { frame: x.frame, time: x.time };
    if (best !== null && c.frame < best.frame) break;
  }
  return best;
}

/**
 * The data arrived whole while the control connection stopped getting through (finalReplyLost): a
 * stateful device between the hosts dropped the idle control connection during the transfer.
 */
export function checkControlCut(ctx: TransferContext): Diagnosis | null {
  const { transfer: t, session: s } = ctx;
  const cut = finalReplyLost(t, s);
  if (cut === null) return null;
  const c = t.connection!;
  const sender = dataSender(t.direction) ?? 'server';
  const receiver = sender === 'client' ? 'server' : 'client';
  const fins = c.handshake.filter((e) => e.type === 'fin' && !e.repeat);
  const senderFin = fins.find((e) => e.by === sender);
  const details = [
    `The data arrived whole: ${t.bytes} bytes${t.expectedSize !== null ? ` of ${t.expectedSize} announced` : ''}` +
      `${unacknowledgedTo(c, receiver) === 0 ? `, all acknowledged by the ${receiver},` : ''} and the ${sender} closed the data connection (FIN, frame ${senderFin?.frame})`,
  ];
  const again = `sent again ${cut.repeats.length} time${cut.repeats.length === 1 ? '' : 's'} (${frameList(cut.repeats)}) and never acknowledged`;
  const reply = t.reply;
  if (reply !== null) {
    details.push(`The server's final reply, ${replyWords(reply)} (frame ${reply.frame}), never reached the client: it was ${again}`);
  } else {
    const what = cut.bytes === 0 ? `its FIN (frame ${cut.frame})` : `its last command (frame ${cut.frame})`;
    details.push(
      cut.by === 'client'
        ? `No final reply came; the client gave up and closed the control connection: ${what} was ${again}, while the server's end of the data connection had answered until its close — the control connection no longer got through, and the server's reply was most likely lost the same way`
        : `No final reply came; the server's last segment on the control connection (frame ${cut.frame}) was ${again}`,
    );
  }
  const idle = lastExchangeBefore(s, cut.frame);
  // When the first unacknowledged segment left: the reply, a command, or a FIN (a handshake event).
  const cutAt = reply?.time ?? s.commands.find((x) => x.frame === cut.frame)?.time ?? s.controlConnection.handshake.find((e) => e.frame === cut.frame)?.time ?? null;
  // Where it stopped getting through the capture cannot show: only that nothing on it got through
  // after the last exchange. A device that forgets an idle connection, and a rule or a state flush that
  // begins dropping it, look the same.
  const why =
    'a stateful firewall or NAT between the hosts stopped passing it — most often one that forgets a connection idle longer than its timeout, ' +
    'though a rule or a flushed state table that began dropping it looks the same — and drops what comes on it since';
  if (idle !== null && cutAt !== null) {
    // Idle while the data connection ran: counted to the data connection's end, not to a client's
    // giving up long after it (a reply that came with the data's end counts to itself).
    const waited = cutAt - c.end;
    const until = waited > 1 ? c.end : cutAt;
    details.push(
      `The control connection had been idle for ${secondsText(until - idle.time)} before ${until === cutAt ? 'that' : `the data connection ended`} (since frame ${idle.frame})` +
        `${until === cutAt ? ' while the data connection ran' : `, and ${secondsText(waited)} more until that`}: ${why}`,
    );
  } else {
    details.push(`The control connection had been idle while the data connection ran: ${why}`);
  }
  return diagnosis(ctx, 'control-cut', details, evidenceFrames(t, [senderFin?.frame, cut.frame, cut.repeats[0], idle?.frame]));
}
