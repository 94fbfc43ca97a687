/**
 * A transfer the capture ended during (no final reply, its data connection neither closed nor
 * reset): had it stopped, or was it still moving? Decided once, for the stalled check, from the
 * transfer's own facts rather than from a fixed duration alone: a slow transfer pauses (a rate
 * limiter's sleep, a reader that pauses and its zero window) and then moves again, and a pause of
 * that length at the capture's end is the same pause, not a stall. A transfer stopped when, at the
 * end of the capture,
 * - its receiver's window was shut (zero window, never opened again) for longer than the receiver
 *   had ever held it shut before opening it again, and at least STALL_SECONDS: the receiver stopped
 *   reading; or
 * - its window open, no data had moved for longer than any pause after which data moved again: the
 *   sender stopped sending.
 * Each also needs a floor, for a transfer with no earlier pause to compare with. A sender's silence
 * needs more: the transfer's own rhythm to measure it against. When its data never paused before
 * (no pause of RHYTHM_SECONDS after which data moved again: it came in one burst), a silence at the
 * end is a sender that was not sending, paused or stopped: a rate limiter writes a burst and then
 * sleeps (vsftpd local_max_rate=5000: 128 KiB at once, then ~26 s), and a server that hung after
 * its first write looks the same. The capture ended before it showed which (`sender-idle`), unless
 * the silence outlasts any limiter's sleep (IDLE_MAX_SECONDS).
 */
import { dataReceiver } from './data-sender.js';
import type { Transfer } from './model.js';

/** Seconds without payload below which a transfer is slow, not stalled, whatever its rhythm. */
export const STALL_SECONDS = 10;
/**
 * Seconds a receiver's zero window must have held the data back to be the stall of a transfer:
 * a slow reader whose window opens again within this keeps the data flowing (throttling).
 */
export const ZERO_WINDOW_STALL_SECONDS = 1;
/** How many times the transfer's own longest pause that ended (data moved again) a stop at the end must last. */
export const RESUMED_PAUSE_MARGIN = 2;
/** The shortest pause after which data moved again that gives a sender's silence a rhythm to be measured against. */
export const RHYTHM_SECONDS = 0.5;
/**
 * The longest silence still read as a sender that may only be pausing: a limiter sleeps for its
 * burst over its rate, and a 128 KiB burst at 2 KB/s is about a minute. Longer, the sender stopped.
 */
export const IDLE_MAX_SECONDS = 60;

type At = { frame: number; time: number };
export type EndState =
  /** Data was moving (or paused no longer than the transfer had paused before and moved on). */
  | { kind: 'moving' }
  /** The receiver's zero window, from `shut`, held to the end for `seconds`; it had held one at most `longestReopened` s before opening it. */
  | { kind: 'receiver-stopped'; shut: At; seconds: number; longestReopened: number; lastData: At }
  /**
   * No data after `lastData` for `seconds` with the receiver's window open; `drained`: the receiver's
   * acknowledgement of everything sent (null: not all acknowledged); `longestResumed`: the longest
   * pause after which data moved again.
   */
  | { kind: 'sender-stopped'; lastData: At; seconds: number; longestResumed: number; drained: At | null }
  /**
   * No data after `lastData` for `seconds` (at least the floor) with the receiver's window open and
   * every byte acknowledged (`drained`), in a transfer whose data had never paused before: the sender
   * was not sending when the capture ended, paused or stopped, and nothing in the capture tells which.
   */
  | { kind: 'sender-idle'; lastData: At; seconds: number; drained: At };

/**
 * The state at `captureEnd` of a transfer whose data connection was still open then, after data had
 * moved on it; null when it was not open at the end (a reply, a close, a reset) or carried nothing.
 */
export function stateAtCaptureEnd(t: Transfer, captureEnd: number): EndState | null {
  const c = t.connection;
  if (!c?.established || t.reply !== null || c.close !== null || c.rst !== null || c.lastData === null) return null;
  const receiver = dataReceiver(t.direction);
  const way = receiver === 'client' ? 'toClient' : 'toServer';
  const shut = c.windowShut[way];
  if (shut !== null) {
    const seconds = captureEnd - shut.time;
    const longestReopened = c.longestShut[way];
    // A window shut at the capture's end counts as a stop only once it has held as long as a sender's
    // silence must (STALL_SECONDS): a reader that pauses (a slow disk, an application's sleep) shuts
    // its window for seconds and opens it again, and a capture stopped within that pause cannot tell
    // the two apart. ZERO_WINDOW_STALL_SECONDS is for a shut window the transfer's end already shows.
    if (seconds >= Math.max(STALL_SECONDS, RESUMED_PAUSE_MARGIN * longestReopened)) {
      return { kind: 'receiver-stopped', shut, seconds, longestReopened, lastData: c.lastData };
    }
    return { kind: 'moving' };
  }
  const seconds = captureEnd - c.lastData.time;
  const longestResumed = c.longestSilence?.seconds ?? 0;
  // The sender's own silence runs from when it could send: its last data, or, when the receiver shut
  // its window after that data (a reader's pause held the sender back), the window's opening on
  // everything acknowledged (`drained`): opened at the very end, the sender had not yet had time to send.
  const drained = c.drained[way];
  const lastData = c.lastData.frame;
  const heldBack = drained !== null && c.zeroWindowFrames.some((f) => f > lastData && f < drained.frame);
  const silent = heldBack ? captureEnd - drained.time : seconds;
  if (silent >= Math.max(STALL_SECONDS, RESUMED_PAUSE_MARGIN * longestResumed)) {
    if (drained !== null && longestResumed < RHYTHM_SECONDS && seconds < IDLE_MAX_SECONDS) return { kind: 'sender-idle', lastData: c.lastData, seconds, drained };
    return { kind: 'sender-stopped', lastData: c.lastData, seconds, longestResumed, drained };
  }
  return { kind: 'moving' };
}
