/**
 * stopped-at-end.ts: a transfer open at the capture's end stopped only when its receiver's zero
 * window, or its sender's silence, outlasted the floor and twice the transfer's own longest pause
 * that ended (a slow transfer's rhythm), never for a pause it had shown before and moved on from.
 */
import { describe, expect, it } from 'vitest';
import { stateAtCaptureEnd } from '../../src/analysis/stopped-at-end.js';
import type { DataConnection, Transfer } from '../../src/analysis/model.js';

interface Opts {
  /** The client's zero window still shut at the end, since this time (null: open). */
  shutAt?: number | null;
  longestShut?: number;
  lastData?: number;
  longestSilence?: number | null;
  drainedAt?: number | null;
  reply?: boolean;
  close?: 'fin' | 'rst' | null;
  zeroWindowFrames?: number[];
}

function download(o: Opts): Transfer {
  const c = {
    established: true,
    close: o.close ?? null,
    rst: o.close === 'rst' ? { frame: 99, by: 'server' } : null,
    lastData: { frame: 50, time: o.lastData ?? 100 },
    longestSilence: o.longestSilence == null ? null : { seconds: o.longestSilence, fromFrame: 10, fromTime: 0, toFrame: 11 },
    windowShut: { toServer: null, toClient: o.shutAt == null ? null : { frame: 51, time: o.shutAt } },
    zeroWindowFrames: o.zeroWindowFrames ?? [],
    longestShut: { toServer: 0, toClient: o.longestShut ?? 0 },
    drained: { toServer: null, toClient: o.drainedAt == null ? null : { frame: 52, time: o.drainedAt } },
  } as unknown as DataConnection;
  return { direction: 'download', reply: o.reply ? { code: 226, frame: 60 } : null, connection: c } as unknown as Transfer;
}

describe('stateAtCaptureEnd', () => {
  it('not open at the end (a reply, a close, a reset): not its question', () => {
    expect(stateAtCaptureEnd(download({ reply: true, shutAt: 100 }), 200)).toBeNull();
    expect(stateAtCaptureEnd(download({ close: 'fin', shutAt: 100 }), 200)).toBeNull();
    expect(stateAtCaptureEnd(download({ close: 'rst' }), 200)).toBeNull();
  });

  it("a zero window at the end: stopped when it held ≥ 10 s and twice the longest shut the receiver had opened again", () => {
    // Audit 51: a reader's pause shuts the window for seconds, and a capture stopped within it cannot tell a hung reader.
    expect(stateAtCaptureEnd(download({ shutAt: 100, longestShut: 0 }), 101)).toEqual({ kind: 'moving' });
    expect(stateAtCaptureEnd(download({ shutAt: 100, longestShut: 0 }), 109.9)).toEqual({ kind: 'moving' });
    expect(stateAtCaptureEnd(download({ shutAt: 100, longestShut: 0 }), 110)).toMatchObject({ kind: 'receiver-stopped', seconds: 10, longestReopened: 0, shut: { frame: 51 } });
    // A reader that pauses 5.5 s and reads on: a 10 s shut at the end is no more than its rhythm allows.
    expect(stateAtCaptureEnd(download({ shutAt: 100, longestShut: 5.5 }), 110)).toEqual({ kind: 'moving' });
    expect(stateAtCaptureEnd(download({ shutAt: 100, longestShut: 5.5 }), 111)).toMatchObject({ kind: 'receiver-stopped', seconds: 11, longestReopened: 5.5 });
  });

  it('the window open: stopped when no data came for ≥ 10 s and twice the longest pause after which data moved again', () => {
    expect(stateAtCaptureEnd(download({ lastData: 100, drainedAt: 100.1 }), 109.9)).toEqual({ kind: 'moving' });
    // Audit 46: with no pause before to measure the silence against (one burst, as vsftpd's limiter writes before it sleeps), drained: idle, not stopped.
    expect(stateAtCaptureEnd(download({ lastData: 100, drainedAt: 100.1 }), 110)).toEqual({ kind: 'sender-idle', seconds: 10, lastData: { frame: 50, time: 100 }, drained: { frame: 52, time: 100.1 } });
    expect(stateAtCaptureEnd(download({ lastData: 100, drainedAt: 100.1, longestSilence: 0.49 }), 110)).toMatchObject({ kind: 'sender-idle' });
    // A silence longer than any limiter's sleep: the sender stopped, one burst or not.
    expect(stateAtCaptureEnd(download({ lastData: 100, drainedAt: 100.1 }), 159.5)).toMatchObject({ kind: 'sender-idle', seconds: 59.5 });
    expect(stateAtCaptureEnd(download({ lastData: 100, drainedAt: 100.1 }), 160)).toMatchObject({ kind: 'sender-stopped', seconds: 60, longestResumed: 0, drained: { frame: 52 } });
    // A rhythm of pauses of 0.5 s or more: the silence is measured against it, and 10 s is a stop.
    expect(stateAtCaptureEnd(download({ lastData: 100, drainedAt: 100.1, longestSilence: 0.5 }), 110)).toMatchObject({ kind: 'sender-stopped', seconds: 10, longestResumed: 0.5, drained: { frame: 52 } });
    // Not everything acknowledged: the sender's data held back somewhere, no idle sender.
    expect(stateAtCaptureEnd(download({ lastData: 100 }), 110)).toMatchObject({ kind: 'sender-stopped', seconds: 10, longestResumed: 0, drained: null });
    // A rate limiter that slept 13 s between bursts: 20 s of silence at the end is its rhythm, 26 s is not.
    expect(stateAtCaptureEnd(download({ lastData: 100, longestSilence: 13 }), 120)).toEqual({ kind: 'moving' });
    expect(stateAtCaptureEnd(download({ lastData: 100, longestSilence: 13 }), 126)).toMatchObject({ kind: 'sender-stopped', seconds: 26, longestResumed: 13, drained: null });
    // Audit 51: the receiver shut its window after the last data (frame 51, before drained's 52) and opened it at 119.5:
    // the sender was held back until then, and half a second of silence since is no stop.
    expect(stateAtCaptureEnd(download({ lastData: 100, drainedAt: 119.5, zeroWindowFrames: [51] }), 120)).toEqual({ kind: 'moving' });
    expect(stateAtCaptureEnd(download({ lastData: 100, drainedAt: 119.5 }), 120)).toMatchObject({ kind: 'sender-idle', seconds: 20 });
  });
});
