import { describe, expect, it } from 'vitest';
import { DirectionStream, type SegmentResult } from '../../src/tcp/direction-stream.js';

/** One step: a data segment [seq, text], an ack from the peer, or close. */
type Step =
  | { seq: number; data: string; wire?: number; frame?: number }
  | { ack: number }
  | { fin: number }
  | { close: true };

interface Case {
  name: string;
  isn?: number; // undefined: mid-stream, the first segment defines offset 0
  limits?: { maxBufferedBytes: number; maxBufferedSegments: number };
  steps: Step[];
  /** [offset, gapBefore, text] per delivered chunk, in order. */
  chunks: Array<[number, number, string]>;
  results?: SegmentResult[];
}

const enc = (s: string) => new TextEncoder().encode(s);

function run(c: Case) {
  const chunks: Array<[number, number, string]> = [];
  const frames: number[] = [];
  const ds = new DirectionStream(
    {
      deliver(bytes, gap, offset, frame) {
        chunks.push([offset, gap, new TextDecoder().decode(bytes)]);
        frames.push(frame);
      },
    },
    c.limits ?? { maxBufferedBytes: 1 << 20, maxBufferedSegments: 1000 },
  );
  if (c.isn !== undefined) ds.startWithIsn(c.isn);
  const results: SegmentResult[] = [];
  let n = 0;
  for (const s of c.steps) {
    if ('seq' in s) {
      if (!ds.started) ds.startAt(s.seq);
      const bytes = enc(s.data);
      results.push(ds.segment(s.seq >>> 0, s.wire ?? bytes.length, bytes, s.frame ?? ++n, 0));
    } else if ('ack' in s) ds.ack(s.ack >>> 0);
    else if ('fin' in s) ds.fin(s.fin >>> 0);
    else ds.close(999, 0);
  }
  return { chunks, results, frames, ds };
}

const W = 0xfffffffd; // ISN 3 below the wrap: offset 0 is raw 0xfffffffe

const cases: Case[] = [
  {
    name: 'in order',
    isn: 1000,
    steps: [{ seq: 1001, data: 'abc' }, { seq: 1004, data: 'def' }],
    chunks: [[0, 0, 'abc'], [3, 0, 'def']],
    results: ['new', 'new'],
  },
  {
    name: 'reorder: second before first',
    isn: 1000,
    steps: [{ seq: 1004, data: 'def' }, { seq: 1001, data: 'abc' }],
    chunks: [[0, 0, 'abc'], [3, 0, 'def']],
    results: ['new', 'new'],
  },
  {
    name: 'three-way reorder with the middle last',
    isn: 0,
    steps: [{ seq: 7, data: 'ghi' }, { seq: 1, data: 'abc' }, { seq: 4, data: 'def' }],
    chunks: [[0, 0, 'abc'], [3, 0, 'def'], [6, 0, 'ghi']],
  },
  {
    name: 'exact retransmission is dropped',
    isn: 1000,
    steps: [{ seq: 1001, data: 'abc' }, { seq: 1001, data: 'abc' }, { seq: 1004, data: 'd' }],
    chunks: [[0, 0, 'abc'], [3, 0, 'd']],
    results: ['new', 'old', 'new'],
  },
  {
    name: 'partial overlap with delivered bytes: only new bytes, first data wins',
    isn: 0,
    steps: [{ seq: 1, data: 'abcde' }, { seq: 4, data: 'XYfgh' }],
    chunks: [[0, 0, 'abcde'], [5, 0, 'fgh']],
    results: ['new', 'partial'],
  },
  {
    name: 'overlap with buffered out-of-order bytes: first data wins',
    isn: 0,
    steps: [{ seq: 6, data: 'fghij' }, { seq: 1, data: 'abcdeXXXXXklm' }],
    chunks: [[0, 0, 'abcde'], [5, 0, 'fghij'], [10, 0, 'klm']],
    results: ['new', 'partial'],
  },
  {
    name: 'duplicate of buffered out-of-order bytes',
    isn: 0,
    steps: [{ seq: 6, data: 'fg' }, { seq: 6, data: 'fg' }, { seq: 1, data: 'abcde' }],
    chunks: [[0, 0, 'abcde'], [5, 0, 'fg']],
    results: ['new', 'duplicate', 'new'],
  },
  {
    name: 'out-of-order segment spanning two buffered pieces fills only the holes',
    isn: 0,
    steps: [{ seq: 3, data: 'cd' }, { seq: 7, data: 'gh' }, { seq: 2, data: 'BCDEFGHI' }, { seq: 1, data: 'a' }],
    // One chunk per carrying frame: 'cd' and 'gh' keep their own frames inside the merged piece.
    chunks: [[0, 0, 'a'], [1, 0, 'B'], [2, 0, 'cd'], [4, 0, 'EF'], [6, 0, 'gh'], [8, 0, 'I']],
    results: ['new', 'new', 'partial', 'new'],
  },
  {
    name: 'keep-alive: one byte at next-1 is not data',
    isn: 0,
    steps: [{ seq: 1, data: 'abc' }, { seq: 3, data: 'c' }, { seq: 4, data: 'd' }],
    chunks: [[0, 0, 'abc'], [3, 0, 'd']],
    results: ['new', 'keepalive', 'new'],
  },
  {
    name: 'hole confirmed lost by the peer ack: gap then data',
    isn: 0,
    steps: [{ seq: 1, data: 'abc' }, { seq: 9, data: 'ijk' }, { ack: 12 }],
    chunks: [[0, 0, 'abc'], [8, 5, 'ijk']],
  },
  {
    name: 'ack seen before the segment after the hole: gap at once',
    isn: 0,
    steps: [{ seq: 1, data: 'abc' }, { ack: 9 }, { seq: 9, data: 'ijk' }],
    chunks: [[0, 0, 'abc'], [8, 5, 'ijk']],
  },
  {
    name: 'ack inside the hole does not skip it',
    isn: 0,
    steps: [{ seq: 1, data: 'abc' }, { seq: 9, data: 'ijk' }, { ack: 6 }, { seq: 4, data: 'defgh' }],
    chunks: [[0, 0, 'abc'], [3, 0, 'defgh'], [8, 0, 'ijk']],
  },
  {
    name: 'buffer byte bound reached: the first hole becomes a gap',
    isn: 0,
    limits: { maxBufferedBytes: 6, maxBufferedSegments: 100 },
    steps: [{ seq: 5, data: 'efg' }, { seq: 10, data: 'jkl' }, { seq: 14, data: 'n' }, { seq: 1, data: 'abcd' }],
    // 7 bytes buffered > 6: skip hole [0,4) → efg, then hole [7,9) is still open (4 bytes left ≤ 6).
    // 'jkl' and 'n' stay buffered; the late 'abcd' is before the delivered point: old.
    chunks: [[4, 4, 'efg']],
    results: ['new', 'new', 'new', 'old'],
  },
  {
    name: 'buffer segment bound reached',
    isn: 0,
    limits: { maxBufferedBytes: 1000, maxBufferedSegments: 2 },
    steps: [{ seq: 3, data: 'c' }, { seq: 5, data: 'e' }, { seq: 7, data: 'g' }],
    chunks: [[2, 2, 'c']],
  },
  {
    name: '32-bit wrap: in order across 2^32',
    isn: W,
    steps: [{ seq: 0xfffffffe, data: 'ab' }, { seq: 0, data: 'cd' }, { seq: 2, data: 'ef' }],
    chunks: [[0, 0, 'ab'], [2, 0, 'cd'], [4, 0, 'ef']],
  },
  {
    name: '32-bit wrap: reordered and retransmitted across 2^32',
    isn: W,
    steps: [{ seq: 1, data: 'def' }, { seq: 0xffffffff, data: 'bc' }, { seq: 0xfffffffe, data: 'a' }, { seq: 0xffffffff, data: 'bcd' }],
    // 'bc' and 'def' were merged in the buffer, but came in different frames: a chunk each.
    chunks: [[0, 0, 'a'], [1, 0, 'bc'], [3, 0, 'def']],
    results: ['new', 'new', 'new', 'old'],
  },
  {
    name: 'mid-stream: the first data segment defines offset 0; earlier bytes are old',
    steps: [{ seq: 5000, data: 'xyz' }, { seq: 4990, data: 'before' }, { seq: 5003, data: '!' }],
    chunks: [[0, 0, 'xyz'], [3, 0, '!']],
    results: ['new', 'old', 'new'],
  },
  {
    // Said at once, as an empty chunk: a control connection's cut line ends there, before the answer.
    name: 'snaplen-cut segment: the uncaptured tail is a gap right after it',
    isn: 0,
    steps: [{ seq: 1, data: 'ab', wire: 5 }, { seq: 6, data: 'fg' }],
    chunks: [[0, 0, 'ab'], [5, 3, ''], [5, 0, 'fg']],
  },
  {
    name: 'snaplen-cut out-of-order segment: its lost tail is skipped when it is delivered',
    isn: 0,
    steps: [{ seq: 4, data: 'd', wire: 3 }, { seq: 7, data: 'g' }, { seq: 1, data: 'abc' }],
    chunks: [[0, 0, 'abc'], [3, 0, 'd'], [6, 2, 'g']],
  },
  {
    name: 'close with a hole: buffered bytes come out after a gap',
    isn: 0,
    steps: [{ seq: 1, data: 'ab' }, { seq: 6, data: 'fg' }, { close: true }],
    chunks: [[0, 0, 'ab'], [5, 3, 'fg']],
  },
  {
    name: 'close with bytes missing before the FIN: an empty chunk carries the gap',
    isn: 0,
    steps: [{ seq: 1, data: 'ab' }, { fin: 9 }, { close: true }],
    chunks: [[0, 0, 'ab'], [8, 6, '']],
  },
  {
    name: 'close with bytes acked but never seen (no FIN)',
    isn: 0,
    steps: [{ seq: 1, data: 'ab' }, { ack: 11 }, { close: true }],
    chunks: [[0, 0, 'ab'], [10, 8, '']],
  },
  {
    name: 'close with an ack one past the data: an uncaptured FIN, not a lost byte',
    isn: 0,
    steps: [{ seq: 1, data: 'ab' }, { ack: 4 }, { close: true }],
    chunks: [[0, 0, 'ab']],
  },
  {
    name: 'clean close: nothing extra',
    isn: 0,
    steps: [{ seq: 1, data: 'ab' }, { fin: 3 }, { ack: 4 }, { close: true }],
    chunks: [[0, 0, 'ab']],
  },
];

describe('DirectionStream: segments in → chunks out', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = run(c);
    expect(r.chunks).toEqual(c.chunks);
    if (c.results) expect(r.results).toEqual(c.results);
  });

  it('keeps the frame of the segment that carried the start of each chunk', () => {
    const r = run({
      name: '',
      isn: 0,
      steps: [{ seq: 4, data: 'def', frame: 10 }, { seq: 1, data: 'abc', frame: 11 }],
      chunks: [],
    });
    expect(r.frames).toEqual([11, 10]);
  });

  it('keeps each frame of segments merged in the buffer (a lossy control connection: a reply line ends in a later segment)', () => {
    // As ctrl-lossy-client-side-vsftpd-lftp's 211: bytes 78-85 (frame 18), 85-92 (22) and "211 End" 92-101 (24)
    // wait for the hole at 64 (frame 26); the line ending in frame 24's bytes is frame 24's, not frame 18's.
    const r = run({
      name: '',
      isn: 0,
      steps: [
        { seq: 1, data: 'a', frame: 1 },
        { seq: 4, data: 'de', frame: 18 },
        { seq: 6, data: 'fg', frame: 22 },
        { seq: 8, data: 'hi', frame: 24 },
        { seq: 2, data: 'bc', frame: 26 },
      ],
      chunks: [],
    });
    expect(r.ds.buffered()).toEqual({ bytes: 0, segments: 0 });
    expect(r.chunks).toEqual([[0, 0, 'a'], [1, 0, 'bc'], [3, 0, 'de'], [5, 0, 'fg'], [7, 0, 'hi']]);
    expect(r.frames).toEqual([1, 26, 18, 22, 24]);
  });

  it('merges a flood of tiny segments past its marks, the rest read as the last marked frame', () => {
    const r = run({
      name: '',
      isn: 0,
      steps: [...Array.from({ length: 40 }, (_, i) => ({ seq: 2 + i, data: 'x', frame: 100 + i })), { seq: 1, data: 'a', frame: 1 }],
      chunks: [],
    });
    // One piece of 40 bytes with 15 marks: 16 frames, the last holding the 25 bytes past the marks.
    expect(r.frames).toEqual([1, ...Array.from({ length: 16 }, (_, i) => 100 + i)]);
    expect(r.chunks.at(-1)).toEqual([16, 0, 'x'.repeat(25)]);
  });

  it('counts a forced gap as an overflow and empties the buffer at close', () => {
    const r = run({
      name: '',
      isn: 0,
      limits: { maxBufferedBytes: 2, maxBufferedSegments: 100 },
      steps: [{ seq: 3, data: 'cde' }, { seq: 9, data: 'i' }, { close: true }],
      chunks: [],
    });
    expect(r.ds.overflows).toBe(1);
    expect(r.chunks).toEqual([[2, 2, 'cde'], [8, 3, 'i']]);
    expect(r.ds.buffered()).toEqual({ bytes: 0, segments: 0 });
  });

  it('coalesces adjacent tiny out-of-order segments (10k in reverse → few pieces)', () => {
    const chunks: string[] = [];
    const ds = new DirectionStream(
      { deliver: (b) => void chunks.push(new TextDecoder().decode(b)) },
      { maxBufferedBytes: 1 << 20, maxBufferedSegments: 64 },
    );
    ds.startWithIsn(0);
    for (let i = 10_000; i >= 2; i--) ds.segment(i, 1, enc(String.fromCharCode(97 + (i % 26))), i, 0);
    // 9,999 one-byte segments fit in 5 pieces of ≤ 2048 bytes: far below the 64-piece bound.
    expect(ds.buffered()).toEqual({ bytes: 9_999, segments: 5 });
    ds.segment(1, 1, enc('b'), 1, 0);
    expect(ds.buffered()).toEqual({ bytes: 0, segments: 0 });
    expect(chunks.join('').length).toBe(10_000);
    expect(ds.overflows).toBe(0);
  });
});

describe('repeated bytes with other content (first copy wins, the conflict is counted)', () => {
  const stream = () => {
    const got: string[] = [];
    const ds = new DirectionStream(
      { deliver: (bytes) => got.push(new TextDecoder().decode(bytes)) },
      { maxBufferedBytes: 1 << 20, maxBufferedSegments: 1000 },
    );
    ds.startWithIsn(999);
    return { ds, got };
  };
  const seg = (ds: DirectionStream, seq: number, text: string, frame: number): SegmentResult =>
    ds.segment(seq, text.length, enc(text), frame, frame / 10);

  it('an identical retransmission of a delivered segment is no conflict', () => {
    const { ds, got } = stream();
    seg(ds, 1000, 'hello', 1);
    expect(seg(ds, 1000, 'hello', 2)).toBe('old');
    expect([ds.conflicts, got]).toEqual([0, ['hello']]);
  });

  it('a retransmission of a delivered segment with other bytes: counted, the first copy stays', () => {
    const { ds, got } = stream();
    seg(ds, 1000, 'hello', 1);
    seg(ds, 1005, 'world', 2);
    expect(seg(ds, 1000, 'HELLO', 3)).toBe('old');
    expect([ds.conflicts, ds.firstConflict, got]).toEqual([1, { frame: 3, offset: 0, kept: 1 }, ['hello', 'world']]);
  });

  it('a repeated out-of-order segment with other bytes, and an in-order one overlapping a buffered piece', () => {
    const { ds, got } = stream();
    seg(ds, 1005, 'world', 1); // buffered
    seg(ds, 1005, 'WORLD', 2); // repeats the buffered bytes, differently
    seg(ds, 1000, 'helloworlX', 3); // in order, overlapping the buffered piece: its last byte differs
    expect(ds.conflicts).toBe(2);
    expect(ds.firstConflict).toEqual({ frame: 2, offset: 5, kept: 1 });
    expect(got.join('')).toBe('helloworld');
  });

  it('bytes not kept (nobody reads them) are not compared', () => {
    const { ds } = stream();
    ds.keepBytes = false;
    seg(ds, 1000, 'hello', 1);
    seg(ds, 1000, 'HELLO', 2);
    expect(ds.conflicts).toBe(0);
  });
});

describe('out-of-order bytes of all directions together (the shared pool)', () => {
  const sink = (out: Array<[number, number]>) => ({ deliver: (b: Uint8Array, gap: number, offset: number) => out.push([offset, gap]) });
  it('a direction that buffers past the pool gives up its first hole; the pool empties as buffers drain', () => {
    const pool = { used: 0, max: 300 };
    const limits = { maxBufferedBytes: 1 << 20, maxBufferedSegments: 1000, pool };
    const a: Array<[number, number]> = [];
    const b: Array<[number, number]> = [];
    const da = new DirectionStream(sink(a), limits);
    const db = new DirectionStream(sink(b), limits);
    da.startWithIsn(0);
    db.startWithIsn(0);
    // a buffers 100 bytes after a 10-byte hole: 100 bytes + 64 for the piece's record.
    expect(da.segment(11, 100, new Uint8Array(100), 1, 0)).toBe('new');
    expect(pool.used).toBe(164);
    expect(a).toEqual([]);
    // b's 100 bytes would bring the pool to 328 > 300: b, the one buffering, forces its hole.
    db.segment(21, 100, new Uint8Array(100), 2, 0);
    expect(b).toEqual([[20, 20]]);
    expect(db.overflows).toBe(1);
    expect(pool.used).toBe(164);
    // a's hole fills: its buffer drains into the stream and leaves the pool.
    da.segment(1, 10, new Uint8Array(10), 3, 0);
    expect(a).toEqual([[0, 0], [10, 0]]);
    expect(pool.used).toBe(0);
  });
  it('close hands back what a direction held', () => {
    const pool = { used: 0, max: 1 << 20 };
    const ds = new DirectionStream({ deliver: () => {} }, { maxBufferedBytes: 1 << 20, maxBufferedSegments: 1000, pool });
    ds.startWithIsn(0);
    ds.segment(101, 50, new Uint8Array(50), 1, 0);
    expect(pool.used).toBe(114);
    ds.close(2, 0);
    expect(pool.used).toBe(0);
  });
});
