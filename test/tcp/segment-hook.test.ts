/**
 * The reassembler's per-segment hook as a table: segments in → what the engine decided about each
 * (stream, direction, payload result, new bytes, retransmission, hole fill, relative seq/ack via
 * seq.ts's relativeSeq). The packet trace behind dump/timeline/explain reads only these facts.
 */
import { describe, expect, it } from 'vitest';
import { TcpReassembler } from '../../src/tcp/reassembler.js';
import { relativeSeq } from '../../src/tcp/seq.js';
import type { SegmentFacts } from '../../src/tcp/types.js';
import { FrameMaker, Recorder, type SegSpec } from './helpers.js';

/** One line per hook call: "f<frame> <kind> <stream> <dir> <data> new=<n> [R] [O] seq=<rel> ack=<rel>". */
function facts(segs: SegSpec[]): string[] {
  const out: string[] = [];
  const fm = new FrameMaker();
  let seq = 0;
  let ack = 0;
  const r = new TcpReassembler(new Recorder(), {
    onSegment: (x: SegmentFacts) => {
      const flags = `${x.retransmission ? ' R' : ''}${x.outOfOrder ? ' O' : ''}`;
      const rel = x.kind === 'segment' ? ` seq=${relativeSeq(seq, x.seqBase)} ack=${relativeSeq(ack, x.ackBase)}` : '';
      out.push(`f${x.frame} ${x.kind} ${x.stream} ${x.dir} ${x.data} new=${x.newBytes}${flags}${rel}`);
    },
  });
  for (const s of segs) {
    const f = fm.seg(s);
    seq = f.tcp!.seq;
    ack = f.tcp!.ack;
    r.push(f);
  }
  r.finish();
  return out;
}

// Client ISN 100 (data from 101), server ISN 900 (data from 901).
const HANDSHAKE: SegSpec[] = [
  { from: 'c', flags: 'S', seq: 100 },
  { from: 's', flags: 'SA', seq: 900, ack: 101 },
  { from: 'c', flags: 'A', seq: 101, ack: 901 },
];
/** Server data (acking the client's first byte). */
const srv = (seq: number, data: string): SegSpec => ({ from: 's', flags: 'PA', seq, ack: 101, data });
const OPENED = [
  'f1 segment 0 c2s none new=0 seq=0 ack=1',
  'f2 segment 0 s2c none new=0 seq=0 ack=1',
  'f3 segment 0 c2s none new=0 seq=1 ack=1',
];

describe('segment hook', () => {
  it.each<[string, SegSpec[], string[]]>([
    [
      'in order, a repeat, a partial repeat',
      [
        { from: 'c', flags: 'PA', seq: 101, ack: 901, data: 'ABCD' },
        { from: 'c', flags: 'PA', seq: 101, ack: 901, data: 'ABCD' },
        { from: 'c', flags: 'PA', seq: 103, ack: 901, data: 'CDEF' },
      ],
      ['f4 segment 0 c2s new new=4 seq=1 ack=1', 'f5 segment 0 c2s old new=0 R seq=1 ack=1', 'f6 segment 0 c2s partial new=2 R seq=3 ack=1'],
    ],
    [
      'a hole filled late is new and out of order; a copy of buffered bytes is a duplicate',
      [
        srv(905, 'EFGH'),
        srv(905, 'EFGH'),
        srv(901, 'ABCD'),
        srv(909, 'IJ'),
      ],
      [
        'f4 segment 0 s2c new new=4 seq=5 ack=1',
        'f5 segment 0 s2c duplicate new=0 R seq=5 ack=1',
        'f6 segment 0 s2c new new=4 O seq=1 ack=1',
        'f7 segment 0 s2c new new=2 seq=9 ack=1',
      ],
    ],
    [
      'an in-order segment over buffered bytes counts only the bytes not held',
      [
        srv(905, 'EF'),
        srv(901, 'ABCDEFGH'),
      ],
      ['f4 segment 0 s2c new new=2 seq=5 ack=1', 'f5 segment 0 s2c partial new=6 R seq=1 ack=1'],
    ],
    [
      'a segment across two buffered pieces counts the bytes of both holes',
      [
        srv(901, 'a'.repeat(10)),
        srv(921, 'c'.repeat(10)),
        srv(941, 'e'.repeat(10)),
        srv(906, 'x'.repeat(40)),
      ],
      [
        'f4 segment 0 s2c new new=10 seq=1 ack=1',
        'f5 segment 0 s2c new new=10 seq=21 ack=1',
        'f6 segment 0 s2c new new=10 seq=41 ack=1',
        'f7 segment 0 s2c partial new=20 R seq=6 ack=1',
      ],
    ],
    [
      'a keep-alive probe, a repeated FIN, a RST',
      [
        { from: 'c', flags: 'PA', seq: 101, ack: 901, data: 'AB' },
        { from: 'c', flags: 'A', seq: 102, ack: 901, data: 'B' },
        { from: 'c', flags: 'FA', seq: 103, ack: 901 },
        { from: 'c', flags: 'FA', seq: 103, ack: 901 },
        { from: 's', flags: 'RA', seq: 901, ack: 104 },
      ],
      [
        'f4 segment 0 c2s new new=2 seq=1 ack=1',
        'f5 segment 0 c2s keepalive new=0 R seq=2 ack=1',
        'f6 segment 0 c2s none new=0 seq=3 ack=1',
        'f7 segment 0 c2s none new=0 R seq=3 ack=1',
        'f8 segment 0 s2c none new=0 seq=1 ack=4',
      ],
    ],
  ])('%s', (_name, segs, want) => {
    expect(facts([...HANDSHAKE, ...segs])).toEqual([...OPENED, ...want]);
  });

  it('a repeated SYN is a retransmission', () => {
    expect(facts([{ from: 'c', flags: 'S', seq: 100 }, { from: 'c', flags: 'S', seq: 100 }])).toEqual([
      'f1 segment 0 c2s none new=0 seq=0 ack=1',
      'f2 segment 0 c2s none new=0 R seq=0 ack=1',
    ]);
  });

  it('mid-stream: relative numbers from the first byte seen; a side that sent only ACKs is at 1', () => {
    expect(
      facts([
        { from: 's', flags: 'PA', seq: 5000, ack: 7000, data: 'abc' },
        { from: 'c', flags: 'A', seq: 7000, ack: 5003 },
        { from: 's', flags: 'PA', seq: 5003, ack: 7000, data: 'de' },
      ]),
    ).toEqual([
      'f1 segment 0 s2c new new=3 seq=1 ack=1',
      'f2 segment 0 c2s none new=0 seq=1 ack=4',
      'f3 segment 0 s2c new new=2 seq=4 ack=1',
    ]);
  });

  it("a closed connection's late packets and ICMP errors are attributed to it", () => {
    const fm = new FrameMaker();
    const seen: string[] = [];
    const r = new TcpReassembler(new Recorder(), { onSegment: (x) => seen.push(`f${x.frame} ${x.kind} ${x.stream} ${x.dir}`) });
    const segs: SegSpec[] = [
      ...HANDSHAKE,
      { from: 's', flags: 'FA', seq: 901, ack: 101 },
      { from: 'c', flags: 'FA', seq: 101, ack: 902 },
      { from: 's', flags: 'A', seq: 902, ack: 102 }, // f6: closes it
      { from: 's', flags: 'A', seq: 902, ack: 102 }, // f7: late
    ];
    for (const s of segs) r.push(fm.seg(s));
    expect(seen.slice(5)).toEqual(['f6 segment 0 s2c', 'f7 late 0 s2c']);
  });

  it('costs nothing when absent: the same reassembly, no facts object touched', () => {
    const segs: SegSpec[] = [...HANDSHAKE, { from: 'c', flags: 'PA', seq: 101, ack: 901, data: 'AB' }];
    const a = new Recorder();
    const b = new Recorder();
    const fa = new FrameMaker();
    const fb = new FrameMaker();
    const plain = new TcpReassembler(a);
    const hooked = new TcpReassembler(b, { onSegment: () => undefined });
    for (const s of segs) {
      plain.push(fa.seg(s));
      hooked.push(fb.seg(s));
    }
    plain.finish();
    hooked.finish();
    expect(b.log).toEqual(a.log);
  });
});
