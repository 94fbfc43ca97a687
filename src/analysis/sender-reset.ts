/**
 * A data connection its sender ended with its own reset (no FIN): whether its queue had drained
 * first, read from the wire. Read by the statuses (verdict.ts), the in-flight reading of a capture's
 * end (in-flight.ts) and the diagnosis.
 */
import { dataSender, unacknowledgedTo } from './data-sender.js';
import type { Session, Transfer } from './model.js';
import { answeredWithin, roundTripToward } from './round-trip.js';
import { carriesExpected } from './sender-stopped.js';

const senderOf = (t: Transfer): 'client' | 'server' => dataSender(t.direction) ?? 'server';

/**
 * How the data's sender ended the data connection with its own reset (an abortive close: SO_LINGER 0,
 * no FIN before it), read from the wire. An abortive close discards whatever the sender still had
 * queued, so the receiver's success reply then counts only what reached it, unless the queue had
 * drained: a sender with bytes queued and an open receive window does not sit idle once everything
 * it sent is acknowledged. `drained`: every byte was acknowledged with an open window (`ack`) at
 * least a round trip toward the sender before the reset (the sender had that acknowledgement when
 * it reset: nothing was discarded). Otherwise the queue may not have been empty: `unacknowledged`
 * (bytes in flight when the reset came), `zero-window` (all acknowledged, but the receiver's window
 * was shut: the sender could not send what it still held), `too-soon` (the reset followed the last
 * acknowledgement closer than a round trip, or the round trip is unknown).
 */
export interface SenderReset {
  state: 'drained' | 'unacknowledged' | 'zero-window' | 'too-soon';
  /**
   * The last data segment, the receiver's acknowledgement of everything (`zero-window`: its last
   * zero-window advertisement; `unacknowledged`: null), the reset.
   */
  lastData: number | null;
  ack: number | null;
  reset: number;
}

export function senderReset(t: Transfer, s: Session): SenderReset | null {
  const c = t.connection;
  const sender = senderOf(t);
  if (!c?.established || c.midstream || !c.rst || c.rst.forged || c.rst.by !== sender || t.bytes === 0) return null;
  const fin = c.handshake.find((e) => e.type === 'fin' && e.by === sender);
  if (fin !== undefined && fin.frame < c.rst.frame) return null;
  const rstTime = c.handshake.find((e) => e.type === 'rst' && e.frame === c.rst!.frame)?.time ?? c.end;
  const drained = sender === 'server' ? c.drained.toClient : c.drained.toServer;
  const base = { lastData: c.lastData?.frame ?? null, ack: drained?.frame ?? null, reset: c.rst.frame };
  if (unacknowledgedTo(c, sender === 'server' ? 'client' : 'server') > 0) return { ...base, ack: null, state: 'unacknowledged' };
  if (drained === null) {
    // Everything acknowledged, but not with an open window: the receiver had shut it. Without the
    // receiver's acknowledgements in the capture at all, nothing says either way.
    const shut = c.zeroWindowFrames[c.zeroWindowFrames.length - 1];
    return shut !== undefined ? { ...base, ack: shut, state: 'zero-window' } : null;
  }
  // A data connection whose handshake the capture holds only in part (its SYN lost): its session's
  // control connection runs between the same two hosts, seen from the same point; else what the
  // sender answered in the session, which took it a round trip at least.
  const rtt = roundTripToward(c, sender) ?? roundTripToward(s.controlConnection, sender) ?? answeredWithin(s, sender);
  return { ...base, state: rtt !== null && rstTime - drained.time >= rtt ? 'drained' : 'too-soon' };
}

/**
 * The sender's own reset may have discarded data it still had queued (senderReset, not drained),
 * and nothing else says the data came whole: every byte the session stated (SIZE, the 150's
 * "(N bytes)") is in the capture, whatever the receiver had not acknowledged yet (a delayed ACK).
 */
export function senderResetInFlight(t: Transfer, s: Session): QueuedReset | null {
  const r = senderReset(t, s);
  if (r === null || r.state === 'drained') return null;
  return carriesExpected(t) && t.connection!.gapBytes === 0 ? null : { ...r, state: r.state };
}

/** A sender's reset that may have discarded queued data. */
export type QueuedReset = SenderReset & { state: Exclude<SenderReset['state'], 'drained'> };
