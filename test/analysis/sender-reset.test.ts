/**
 * sender-reset.ts senderReset: how a sender's own reset ended a data connection, from the TCP facts.
 * The recordings (verdicts-audit25.test.ts) cover drained, unacknowledged and zero-window; a reset
 * sooner than a round trip after the last acknowledgement needs a path with delay, built here.
 */
import { describe, expect, it } from 'vitest';
import type { DataConnection, HandshakeEvent, Session, Transfer } from '../../src/analysis/model.js';
import { senderReset, senderResetInFlight } from '../../src/analysis/sender-reset.js';

/** A download of 10000 bytes in passive mode, captured at the client: the server's SYN-ACK 50 ms after the SYN (the round trip). */
function download(opts: { ackTime: number; rstTime: number; unacked?: number; drained?: boolean; zero?: number[]; expectedSize?: number | null }): Transfer {
  const handshake: HandshakeEvent[] = [
    { type: 'syn', frame: 1, time: 0, by: 'client' },
    { type: 'syn-ack', frame: 2, time: 0.05, by: 'server' },
    { type: 'established', frame: 3, time: 0.0501, by: 'client' },
    { type: 'rst', frame: 30, time: opts.rstTime, by: 'server' },
  ];
  const c = {
    stream: 1, initiator: 'client', established: true, midstream: false, gapBytes: 0, undeliveredBytes: 0,
    unacknowledgedBytes: opts.unacked ?? 0, unacknowledged: { toServer: 0, toClient: opts.unacked ?? 0 }, bytesToClient: 10000, bytesToServer: 0, close: 'rst',
    rst: { frame: 30, by: 'server' }, zeroWindowFrames: opts.zero ?? [], handshake,
    drained: { toServer: null, toClient: opts.drained === false ? null : { frame: 28, time: opts.ackTime } },
    lastData: { frame: 27, time: opts.ackTime - 0.0001 }, end: opts.rstTime,
  } as unknown as DataConnection;
  return { direction: 'download', bytes: 10000, expectedSize: opts.expectedSize ?? null, restOffset: null, connection: c } as unknown as Transfer;
}

/**
 * The session's control connection: its handshake measured 80 ms toward the server (or, `none`, not
 * captured); `answered`: a command the server answered that many seconds after it (none by default).
 */
const session = (none = false, answered?: number): Session =>
  ({
    controlConnection: {
      handshake: none ? [] : [{ type: 'syn', frame: 1, time: 0, by: 'client' }, { type: 'syn-ack', frame: 2, time: 0.08, by: 'server' }, { type: 'established', frame: 3, time: 0.0801, by: 'client' }],
    },
    commands: answered === undefined ? [] : [{ command: 'PASV', frame: 4, time: 0.5, preliminary: [], reply: { code: 227, frame: 5, time: 0.5 + answered } }],
    transfers: [],
  }) as unknown as Session;
const s = session(true);

describe('senderReset', () => {
  it('drained: every byte acknowledged with an open window a round trip (50 ms) or more before the reset', () => {
    expect(senderReset(download({ ackTime: 1, rstTime: 1.2 }), s)).toEqual({ state: 'drained', lastData: 27, ack: 28, reset: 30 });
    expect(senderResetInFlight(download({ ackTime: 1, rstTime: 1.2 }), s)).toBeNull();
  });
  it('too soon: the reset came 10 ms after that acknowledgement, less than the round trip: the sender had not seen it', () => {
    const t = download({ ackTime: 1, rstTime: 1.01 });
    expect(senderReset(t, s)).toEqual({ state: 'too-soon', lastData: 27, ack: 28, reset: 30 });
    expect(senderResetInFlight(t, s)).toMatchObject({ state: 'too-soon' });
  });
  it('unacknowledged bytes at the reset: in flight, whatever the pause', () => {
    expect(senderReset(download({ ackTime: 1, rstTime: 5, unacked: 1448, drained: false }), s)).toEqual({ state: 'unacknowledged', lastData: 27, ack: null, reset: 30 });
  });
  it('everything acknowledged with a shut window: zero-window, with the last zero-window frame', () => {
    expect(senderReset(download({ ackTime: 1, rstTime: 5, drained: false, zero: [12, 26] }), s)).toEqual({ state: 'zero-window', lastData: 27, ack: 26, reset: 30 });
  });
  it('no acknowledgement of the receiver in the capture at all: nothing to say', () => {
    expect(senderReset(download({ ackTime: 1, rstTime: 5, drained: false }), s)).toBeNull();
  });
  it('every stated byte in the capture: not in flight, even right behind the last segment', () => {
    expect(senderResetInFlight(download({ ackTime: 1, rstTime: 1.0001, unacked: 1448, drained: false, expectedSize: 10000 }), s)).toBeNull();
  });
  it('a data connection whose SYN the capture lost: the round trip from the control connection\'s handshake', () => {
    const t = download({ ackTime: 1, rstTime: 1.06 });
    t.connection!.handshake = t.connection!.handshake.filter((e) => e.type !== 'syn');
    // The reset 60 ms after the acknowledgement; the control connection's round trip was 80 ms: too soon.
    expect(senderReset(t, session())).toMatchObject({ state: 'too-soon' });
    expect(senderReset(download({ ackTime: 1, rstTime: 1.09 }), session())).toMatchObject({ state: 'drained' });
    const late = download({ ackTime: 1, rstTime: 1.09 });
    late.connection!.handshake = late.connection!.handshake.filter((e) => e.type !== 'syn');
    expect(senderReset(late, session())).toMatchObject({ state: 'drained' });
    // Neither handshake measures it: too soon, as before.
    expect(senderReset(late, session(true))).toMatchObject({ state: 'too-soon' });
    // A reply 70 ms after its command: the server had answered in that, a round trip toward it at least; 120 ms bounds nothing under 90.
    expect(senderReset(late, session(true, 0.07))).toMatchObject({ state: 'drained' });
    expect(senderReset(late, session(true, 0.12))).toMatchObject({ state: 'too-soon' });
  });
});
