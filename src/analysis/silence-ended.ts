/**
 * A transfer its data's receiver ended while the sender was silent: the sender's data stopped with
 * nothing holding it back (no zero window from the receiver, nothing the capture shows lost on the
 * way, every byte before the silence acknowledged), and after waiting the receiver closed its end of
 * the data connection (its FIN) first, before the sender had ended its data and short of the
 * transfer's end. A client giving up on a download whose data stopped coming (curl --speed-limit,
 * lftp net:timeout, ftplib's timeout: a58-retr-blackhole-vsftpd-curl, where a firewall dropped the
 * server's data past 60 kB before the capture point); a server's data timeout ending an upload its
 * client stopped sending (vsftpd data_connection_timeout, proftpd TimeoutStalled:
 * a58-stor-data-timeout-vsftpd-python, a58-stor-stalled-proftpd-python), whatever the sender did
 * after it (its late data answered by the receiver's reset: that socket was closed whole). Or, with
 * the data connection left open, the session's end: the control connection closed (by either side,
 * with no final reply) after the same silence (a58-stor-blackhole-vsftpd-curl-server-side: curl's
 * upload stops arriving, and 20 s later curl closes the control connection).
 *
 * The silence must be long (SILENCE_GAVE_UP_SECONDS) and longer than any pause after which the data
 * moved again (RESUMED_PAUSE_MARGIN times): a receiver that closes while the data flows, or within the
 * sender's usual pauses, stopped for its own reasons (a client that wanted part of the file, an
 * interrupt), which is no stall. Decided once here, read by the stalled check (the cause `stalled`,
 * its words and evidence); the transfer's status and who stopped it stay the verdict's.
 */
import { dataSender, unacknowledgedTo } from './data-sender.js';
import type { Session, Transfer } from './model.js';
import { carriesExpected } from './sender-stopped.js';
import { RESUMED_PAUSE_MARGIN } from './stopped-at-end.js';

/** Seconds of the sender's silence before the receiver's close below which the close is not read as giving up on it. */
export const SILENCE_GAVE_UP_SECONDS = 2;

type At = { frame: number; time: number };

export interface SilenceEnded {
  sender: 'client' | 'server';
  receiver: 'client' | 'server';
  /** The sender's last data before the receiver's close. */
  lastData: At;
  /** What ended it: the receiver's FIN on the data connection, or the control connection's close (`session`, by either side). */
  end: { kind: 'data'; by: 'client' | 'server'; frame: number; time: number } | { kind: 'session'; by: 'client' | 'server'; frame: number; time: number; how: 'fin' | 'rst' };
  /** From `lastData` to that end. */
  seconds: number;
  /** The receiver's reset answering the sender's data sent after that FIN (its socket was closed whole), or null. */
  lateReset: number | null;
}

/**
 * The receiver's FIN on the data connection when it came after the sender's data had stopped for
 * long (as below: SILENCE_GAVE_UP_SECONDS, and RESUMED_PAUSE_MARGIN times any earlier pause) and
 * before any FIN of the sender's: it waited for more and gave up. Only the timing: what held the
 * data back (a shut window, a loss) is for receiverEndedSilence and the checks to say. Read where
 * no size is stated: in stream mode the sender's FIN is then the only end of the data (verdict.ts).
 */
export function receiverClosedAfterSilence(t: Transfer): At | null {
  const c = t.connection;
  const sender = dataSender(t.direction);
  if (!c?.established || c.midstream || sender === null || c.lastData === null) return null;
  const fin = c.handshake.find((e) => e.type === 'fin' && e.by !== sender);
  if (fin === undefined || c.lastData.frame > fin.frame) return null;
  if (c.handshake.some((e) => e.type === 'fin' && e.by === sender && e.frame < fin.frame)) return null;
  const seconds = fin.time - c.lastData.time;
  return seconds < Math.max(SILENCE_GAVE_UP_SECONDS, RESUMED_PAUSE_MARGIN * (c.longestSilence?.seconds ?? 0)) ? null : { frame: fin.frame, time: fin.time };
}

/**
 * The transfer was stopped (at `time`: an ABOR, a reset or close by either connection) at least
 * SILENCE_GAVE_UP_SECONDS after its last captured data: its stopper had been waiting for more. Only
 * that wait, measured from the last data the capture holds, which receiverEndedSilence leaves to
 * other readings when the capture lost some of the data: whatever it missed came before that byte.
 * A split download's finished piece is closed as its bytes reach the next one's start (split-download.ts).
 */
export function stoppedAfterSilence(t: Transfer, time: number): boolean {
  const c = t.connection;
  const lastData = c?.lastData ?? null;
  if (lastData === null) return false;
  if (time - lastData.time >= SILENCE_GAVE_UP_SECONDS) return true;
  // The receiver's reset with no connection behind it answers data that came after it had closed
  // whole, its FIN not in the capture (the sender's acknowledgement of it shows it): it stopped in
  // the silence that data ended, not as that data came (a95-sat-data-drop-vsftpd-wget without the
  // client's FIN: the server's data sent again 7 s into the silence, the client's reset answering it).
  const sender = dataSender(t.direction);
  const receiver = sender === 'client' ? 'server' : sender === 'server' ? 'client' : null;
  const unseen = receiver === null ? undefined : c!.finUnseen?.[receiver];
  const silence = c!.longestSilence;
  return (
    receiver !== null && c!.rst?.by === receiver && c!.rst.noConnection === true && unseen !== undefined &&
    silence !== null && silence.toFrame === lastData.frame && silence.toFrame > unseen && silence.seconds >= SILENCE_GAVE_UP_SECONDS
  );
}

export function receiverEndedSilence(t: Transfer, s: Session): SilenceEnded | null {
  const c = t.connection;
  const sender = dataSender(t.direction);
  if (!c?.established || c.midstream || sender === null || c.lastData === null) return null;
  // A receiver that shut its window, or data the capture shows lost, is another reading's (a slow reader, path loss).
  if (c.zeroWindowFrames.length > 0 || c.undeliveredBytes > 0 || c.gapBytes > 0 || c.lostFragments !== undefined) return null;
  const receiver = sender === 'client' ? 'server' : 'client';
  const fin = c.handshake.find((e) => e.type === 'fin' && e.by === receiver);
  if (fin === undefined) return sessionEndedSilence(t, s, sender, receiver);
  // The sender had not ended its data, and nobody had reset the connection, before that FIN.
  if (c.handshake.some((e) => e.frame < fin.frame && (e.type === 'rst' || (e.type === 'fin' && e.by === sender)))) return null;
  if (c.rst !== null && c.rst.frame < fin.frame) return null;
  // A reply before the receiver's close: on a download, a failure reply ended it (the server's doing),
  // while a success reply only said the server had handed its data to its own stack, which never
  // arrived (receiverGaveUpAfterReply's shape: the client still waited and gave up); on an upload, the
  // receiver's own failure reply may come just before its close, and a success reply ended it.
  const success = t.reply !== null && t.reply.code >= 200 && t.reply.code < 300;
  if (t.reply !== null && t.reply.frame < fin.frame && (receiver === 'client' ? !success : success)) return null;
  if (carriesExpected(t)) return null;
  let lastData: At;
  let resumed: number;
  let lateReset: number | null = null;
  if (c.lastData.frame < fin.frame) {
    if (unacknowledgedTo(c, receiver) > 0) return null;
    lastData = c.lastData;
    resumed = c.longestSilence?.seconds ?? 0;
  } else {
    // The sender sent more after the FIN: the silence is the pause that the FIN fell in, and the
    // receiver's stack answered that late data with a reset (its socket was closed whole).
    const pause = c.longestSilence;
    if (pause === null || pause.fromFrame >= fin.frame || pause.toFrame <= fin.frame) return null;
    if (c.rst === null || c.rst.by !== receiver || c.rst.forged || c.rst.frame < pause.toFrame) return null;
    lastData = { frame: pause.fromFrame, time: pause.fromTime };
    // The longest pause is this one: every pause before it was shorter.
    resumed = 0;
    lateReset = c.rst.frame;
  }
  const seconds = fin.time - lastData.time;
  if (seconds < Math.max(SILENCE_GAVE_UP_SECONDS, RESUMED_PAUSE_MARGIN * resumed)) return null;
  return { sender, receiver, lastData, end: { kind: 'data', by: receiver, frame: fin.frame, time: fin.time }, seconds, lateReset };
}

/**
 * The data connection left open (no FIN, no reset, no final reply) when the control connection closed
 * after the sender's silence: the session's end ended the transfer.
 */
function sessionEndedSilence(t: Transfer, s: Session, sender: 'client' | 'server', receiver: 'client' | 'server'): SilenceEnded | null {
  const c = t.connection!;
  const end = s.closedBy;
  if (end === null || t.reply !== null || c.rst !== null || c.handshake.some((e) => e.type === 'fin')) return null;
  if (c.lastData === null || c.lastData.frame > end.frame || unacknowledgedTo(c, receiver) > 0 || carriesExpected(t)) return null;
  const seconds = end.time - c.lastData.time;
  if (seconds < Math.max(SILENCE_GAVE_UP_SECONDS, RESUMED_PAUSE_MARGIN * (c.longestSilence?.seconds ?? 0))) return null;
  return { sender, receiver, lastData: c.lastData, end: { kind: 'session', by: end.by, frame: end.frame, time: end.time, how: end.how }, seconds, lateReset: null };
}
