/**
 * The `malformed-packets` warning counts frames by the kind the catalog gives their problems, not by
 * words: an offload or fragment problem is no damage, a malformed one is, and the warning quotes the
 * first malformed frame's problem as `ftpcap dump` words it.
 */
import { describe, expect, it } from 'vitest';
import { FrameDamageTally } from '../../src/analysis/frame-damage.js';
import type { CaptureRecord } from '../../src/capture/types.js';
import type { DecodedFrame } from '../../src/decode/types.js';
import { decodeProblem, type DecodeProblem } from '../../src/warnings/catalog.js';

const record = (frame: number, offset: number): CaptureRecord => ({
  frame,
  offset,
  tsSec: frame,
  tsNsec: 0,
  time: frame,
  linkType: 1,
  interfaceId: 0,
  capturedLength: 60,
  originalLength: 60,
  data: new Uint8Array(0),
});
const frame = (n: number, problems: DecodeProblem[]): DecodedFrame =>
  ({ frame: n, problems, truncated: false }) as unknown as DecodedFrame;

describe('FrameDamageTally', () => {
  it('counts frames with a problem of kind malformed, once per frame, and names the first', () => {
    const t = new FrameDamageTally();
    t.note(frame(1, [decodeProblem('ip-length-zero', { ip: 4, wire: 40 })]), record(1, 24));
    t.note(frame(2, [decodeProblem('fragment-overlap', { reassembled: true })]), record(2, 100));
    t.note(frame(3, [decodeProblem('ip-length-zero', { ip: 4, wire: 40 }), decodeProblem('tcp-data-offset', { headerLength: 16 })]), record(3, 180));
    t.note(
      frame(4, [decodeProblem('ip-length-beyond-wire', { ip: 6, length: 100, wire: 20 }), decodeProblem('tcp-segment-short', { length: 12, min: 20 })]),
      record(4, 260),
    );
    expect(t.warnings()).toEqual([
      {
        code: 'malformed-packets',
        severity: 'warning',
        count: 2,
        problem: 'malformed: TCP data offset 4 (16 bytes) is below 5',
        frame: 3,
        offset: 180,
        message:
          '2 frame(s) with malformed headers, decoded only up to the damage; the first is frame 3 at byte offset 180 ' +
          '(malformed: TCP data offset 4 (16 bytes) is below 5)',
      },
    ]);
  });

  it('gives no warning for offload and fragment problems alone', () => {
    const t = new FrameDamageTally();
    t.note(frame(1, [decodeProblem('ip-length-zero', { ip: 6, wire: 20 })]), record(1, 24));
    t.note(frame(2, [decodeProblem('fragment-dropped', { reason: 'a fragment of the datagram was cut by the snapshot length' })]), record(2, 100));
    expect(t.warnings()).toEqual([]);
  });
});
