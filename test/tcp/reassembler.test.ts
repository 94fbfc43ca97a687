import { describe, expect, it } from 'vitest';
import { TcpReassembler, type ReassemblerOptions } from '../../src/tcp/reassembler.js';
import type { Warning } from '../../src/warnings/catalog.js';
import { FrameMaker, Recorder, type SegSpec } from './helpers.js';

/** Run segments (and optionally ICMP frames) through a fresh reassembler. */
function run(segs: SegSpec[], opts: ReassemblerOptions = {}, finish = true) {
  const rec = new Recorder();
  const warnings: Warning[] = [];
  const r = new TcpReassembler(rec, { ...opts, onWarning: (w) => warnings.push(w) });
  const fm = new FrameMaker();
  for (const s of segs) r.push(fm.seg(s));
  if (finish) r.finish();
  return { rec, r, warnings };
}

// Client ISN 100 (data from 101), server ISN 900 (data from 901).
const HANDSHAKE: SegSpec[] = [
  { from: 'c', flags: 'S', seq: 100 },
  { from: 's', flags: 'SA', seq: 900, ack: 101 },
  { from: 'c', flags: 'A', seq: 101, ack: 901 },
];

describe('TcpReassembler: lifecycle', () => {
  it('handshake, data both ways, FIN/FIN/ACK: events in capture order, then released', () => {
    const { rec, r } = run(
      [
        ...HANDSHAKE,
        { from: 's', flags: 'PA', seq: 901, ack: 101, data: '220 hi\r\n' }, // f4
        { from: 'c', flags: 'PA', seq: 101, ack: 909, data: 'QUIT\r\n' }, // f5
        { from: 's', flags: 'PA', seq: 909, ack: 107, data: '221 bye\r\n' }, // f6
        { from: 's', flags: 'FA', seq: 918, ack: 107 }, // f7
        { from: 'c', flags: 'FA', seq: 107, ack: 919 }, // f8
        { from: 's', flags: 'A', seq: 919, ack: 108 }, // f9: acks the last FIN → close
      ],
      {},
      false,
    );
    expect(rec.log).toEqual([
      'open 0 f1',
      'syn 0 c2s f1',
      'syn-ack 0 s2c f2',
      'established 0 c2s f3',
      'data 0 s2c @0 f4 "220 hi\\r\\n"',
      'data 0 c2s @0 f5 "QUIT\\r\\n"',
      'data 0 s2c @8 f6 "221 bye\\r\\n"',
      'fin 0 s2c f7',
      'fin 0 c2s f8',
      'close 0 fin',
    ]);
    const c = rec.conns[0];
    expect(c).toMatchObject({
      id: 0,
      client: { ip: '10.0.0.1', port: 40000 },
      server: { ip: '10.0.0.2', port: 21 },
      midstream: false,
      firstFrame: 1,
      lastFrame: 9,
      start: 1,
      end: 9,
      synFrames: [1],
      synAckFrames: [2],
      established: true,
      establishedFrame: 3,
      bytes: { c2s: 6, s2c: 17 },
      gapBytes: { c2s: 0, s2c: 0 },
      packets: { c2s: 4, s2c: 5 },
      finFrames: { c2s: 8, s2c: 7 },
      retransmissions: 0,
      closed: 'fin',
    });
    expect(r.stats()).toEqual({ live: 0, total: 1, evicted: 0, afterClose: 0, copies: 0, firstCopy: 0 });
  });

  it('a late ACK or repeated FIN after close is absorbed, not a new connection', () => {
    const { rec, r } = run([
      ...HANDSHAKE,
      { from: 'c', flags: 'FA', seq: 101, ack: 901 },
      { from: 's', flags: 'FA', seq: 901, ack: 102 },
      { from: 'c', flags: 'A', seq: 102, ack: 902 }, // closes
      { from: 'c', flags: 'A', seq: 102, ack: 902 }, // duplicate final ACK
      { from: 's', flags: 'FA', seq: 901, ack: 102 }, // repeated FIN
    ]);
    expect(rec.closes).toEqual([{ id: 0, reason: 'fin' }]);
    expect(r.stats()).toEqual({ live: 0, total: 1, evicted: 0, afterClose: 2, copies: 0, firstCopy: 0 });
  });

  it('both FINs without the final ACK close at finish(): reason end, closed fin', () => {
    const { rec } = run([
      ...HANDSHAKE,
      { from: 'c', flags: 'FA', seq: 101, ack: 901 },
      { from: 's', flags: 'FA', seq: 901, ack: 102 },
    ]);
    expect(rec.closes).toEqual([{ id: 0, reason: 'end' }]);
    expect(rec.conns[0].closed).toBe('fin');
  });

  it('SYN retransmission (same ISN) is a repeat, not a new connection', () => {
    const { rec } = run([
      { from: 'c', flags: 'S', seq: 100, time: 1 },
      { from: 'c', flags: 'S', seq: 100, time: 4 },
      { from: 's', flags: 'SA', seq: 900, ack: 101, time: 4.1 },
      { from: 's', flags: 'SA', seq: 900, ack: 101, time: 5 },
    ]);
    expect(rec.only('open', 'syn', 'syn-ack')).toEqual([
      'open 0 f1',
      'syn 0 c2s f1',
      'syn 0 c2s f2 repeat',
      'syn-ack 0 s2c f3',
      'syn-ack 0 s2c f4 repeat',
    ]);
    expect(rec.conns[0]).toMatchObject({ synFrames: [1, 2], synAckFrames: [3, 4], retransmissions: 2, synRepeats: 2, established: false });
  });

  it('SYN answered by RST: closed rst; a repeated SYN after it is absorbed; a new ISN is a new connection', () => {
    const { rec, r } = run([
      { from: 'c', flags: 'S', seq: 100 },
      { from: 's', flags: 'RA', seq: 0, ack: 101 },
      { from: 'c', flags: 'S', seq: 100 }, // Windows retries the same SYN after a RST
      { from: 'c', flags: 'S', seq: 7000 },
    ]);
    expect(rec.log).toEqual([
      'open 0 f1',
      'syn 0 c2s f1',
      'rst 0 s2c f2',
      'close 0 rst',
      'open 1 f4',
      'syn 1 c2s f4',
      'close 1 end',
    ]);
    expect(rec.conns[0]).toMatchObject({ closed: 'rst', rst: { frame: 2, dir: 's2c', time: 2 } });
    expect(r.stats()).toEqual({ live: 0, total: 2, evicted: 0, afterClose: 1, copies: 0, firstCopy: 0 });
  });

  it('port reuse after a FIN close: SYN with a new ISN gets a new id', () => {
    const { rec } = run([
      ...HANDSHAKE,
      { from: 'c', flags: 'FA', seq: 101, ack: 901 },
      { from: 's', flags: 'FA', seq: 901, ack: 102 },
      { from: 'c', flags: 'A', seq: 102, ack: 902 },
      { from: 'c', flags: 'S', seq: 5000 }, // f7
      { from: 's', flags: 'SA', seq: 6000, ack: 5001 },
    ]);
    expect(rec.only('open', 'close')).toEqual(['open 0 f1', 'close 0 fin', 'open 1 f7', 'close 1 end']);
    expect(rec.conns[1].synFrames).toEqual([7]);
    expect(rec.conns[1].synAckFrames).toEqual([8]);
  });

  it('port reuse on a still-open connection closes the old one as reused (tshark: new tcp.stream)', () => {
    const { rec } = run([
      ...HANDSHAKE,
      { from: 'c', flags: 'PA', seq: 101, ack: 901, data: 'a' },
      { from: 'c', flags: 'S', seq: 4000 }, // f5: different ISN
      { from: 's', flags: 'SA', seq: 7000, ack: 4001 },
    ]);
    expect(rec.only('open', 'close')).toEqual(['open 0 f1', 'close 0 reused', 'open 1 f5', 'close 1 end']);
    expect(rec.conns[0].closed).toBeNull();
  });

  it('a SYN from a side that never sent, on a connection seen mid-stream with no SYN-ACK: a new connection, however recent (one begun before the capture sends no SYN any more), as after 30 s idle', () => {
    const recent = run([
      { from: 'c', flags: 'PA', seq: 500, ack: 900, data: 'x', time: 0 }, // mid-stream, server silent
      { from: 's', flags: 'S', seq: 42, time: 10 },
    ]);
    expect(recent.rec.only('open', 'syn', 'close')).toEqual(['open 0 f1', 'close 0 reused', 'open 1 f2', 'syn 1 c2s f2', 'close 1 end']);
    const idle = run([
      { from: 'c', flags: 'PA', seq: 500, ack: 900, data: 'x', time: 0 },
      { from: 's', flags: 'S', seq: 42, time: 40 },
    ]);
    expect(idle.rec.only('open', 'close')).toEqual(['open 0 f1', 'close 0 reused', 'open 1 f2', 'close 1 end']);
    expect(idle.rec.conns[1].client).toEqual({ ip: '10.0.0.2', port: 21 });
  });

  it('SYN-ACK seen first: its sender is the server; client stream starts at its ack', () => {
    const { rec } = run([
      { from: 's', flags: 'SA', seq: 900, ack: 101 },
      { from: 'c', flags: 'A', seq: 101, ack: 901 },
      { from: 'c', flags: 'PA', seq: 101, ack: 901, data: 'USER a\r\n' },
      { from: 'c', flags: 'S', seq: 100 }, // a late copy of the SYN: same ISN, a repeat
    ]);
    expect(rec.log).toEqual([
      'open 0 f1',
      'syn-ack 0 s2c f1',
      'established 0 c2s f2',
      'data 0 c2s @0 f3 "USER a\\r\\n"',
      'syn 0 c2s f4 repeat',
      'close 0 end',
    ]);
    expect(rec.conns[0]).toMatchObject({
      midstream: false,
      client: { ip: '10.0.0.1', port: 40000 },
      server: { ip: '10.0.0.2', port: 21 },
    });
  });

  it('mid-stream start: guessed roles, first data segment is offset 0', () => {
    const { rec } = run([
      { from: 's', flags: 'PA', seq: 77777, ack: 5555, data: '150 ok\r\n' },
      { from: 'c', flags: 'A', seq: 5555, ack: 77785 },
      { from: 'c', flags: 'PA', seq: 5555, ack: 77785, data: 'NOOP\r\n' },
      { from: 's', flags: 'PA', seq: 77785, ack: 5561, data: '200 ok\r\n' },
    ]);
    expect(rec.only('open', 'data')).toEqual([
      'open 0 f1',
      'data 0 s2c @0 f1 "150 ok\\r\\n"',
      'data 0 c2s @0 f3 "NOOP\\r\\n"',
      'data 0 s2c @8 f4 "200 ok\\r\\n"',
    ]);
    expect(rec.conns[0]).toMatchObject({
      midstream: true,
      client: { ip: '10.0.0.1', port: 40000 },
      server: { ip: '10.0.0.2', port: 21 },
      established: false,
      synFrames: [],
    });
  });

  it('mid-stream active-mode data connection: the port-20 side is guessed as the initiator', () => {
    const rec = new Recorder();
    const r = new TcpReassembler(rec);
    const fm = new FrameMaker({ ip: '10.0.0.1', port: 50123 }, { ip: '10.0.0.2', port: 20 });
    r.push(fm.seg({ from: 'c', flags: 'A', seq: 1, ack: 1 })); // first packet 50123 → 20
    expect(rec.conns[0].client).toEqual({ ip: '10.0.0.2', port: 20 });
    expect(rec.conns[0].midstream).toBe(true);
  });

  it('TCP Fast Open: data on the SYN is stream offset 0', () => {
    const { rec } = run([
      { from: 'c', flags: 'S', seq: 100, data: 'GET' },
      { from: 's', flags: 'SA', seq: 900, ack: 104 },
      { from: 'c', flags: 'PA', seq: 104, ack: 901, data: ' /' },
      { from: 'c', flags: 'S', seq: 100, data: 'GET' }, // repeated SYN with its data: old
    ]);
    expect(rec.stream(0, 'c2s')).toBe('GET /');
    expect(rec.only('data')).toEqual(['data 0 c2s @0 f1 "GET"', 'data 0 c2s @3 f3 " /"']);
    expect(rec.conns[0].established).toBe(true);
    expect(rec.conns[0].retransmissions).toBe(1);
  });

  it('RST mid-transfer: buffered bytes come out after a gap, then rst, then close', () => {
    const { rec, r } = run([
      ...HANDSHAKE,
      { from: 's', flags: 'PA', seq: 901, ack: 101, data: 'abc' },
      { from: 's', flags: 'PA', seq: 910, ack: 101, data: 'jk' }, // 6 bytes missing before it
      { from: 'c', flags: 'R', seq: 101 },
    ]);
    expect(rec.log.slice(4)).toEqual([
      'data 0 s2c @0 f4 "abc"',
      'gap 0 s2c f5 6',
      'data 0 s2c @9 gap6 f5 "jk"',
      'rst 0 c2s f6',
      'close 0 rst',
    ]);
    expect(rec.conns[0]).toMatchObject({ closed: 'rst', bytes: { c2s: 0, s2c: 5 }, gapBytes: { c2s: 0, s2c: 6 } });
    expect(r.stats().live).toBe(0);
  });
});

describe('TcpReassembler: data', () => {
  it('reorder: later segment first is buffered and delivered in order', () => {
    const { rec } = run([
      ...HANDSHAKE,
      { from: 'c', flags: 'PA', seq: 105, ack: 901, data: 'EFGH' },
      { from: 'c', flags: 'PA', seq: 101, ack: 901, data: 'ABCD' },
    ]);
    expect(rec.only('data')).toEqual(['data 0 c2s @0 f5 "ABCD"', 'data 0 c2s @4 f4 "EFGH"']);
    expect(rec.conns[0].retransmissions).toBe(0);
  });

  it('exact retransmission: dropped, counted, one retransmission event', () => {
    const { rec } = run([
      ...HANDSHAKE,
      { from: 'c', flags: 'PA', seq: 101, ack: 901, data: 'ABCD' },
      { from: 'c', flags: 'PA', seq: 101, ack: 901, data: 'ABCD' },
    ]);
    expect(rec.only('data', 'retransmission')).toEqual(['data 0 c2s @0 f4 "ABCD"', 'retransmission 0 c2s f5 repeat']);
    expect(rec.conns[0]).toMatchObject({ retransmissions: 1, bytes: { c2s: 4, s2c: 0 }, packets: { c2s: 4, s2c: 1 } });
  });

  it('partial overlap: only the new bytes, the first copy wins', () => {
    const { rec } = run([
      ...HANDSHAKE,
      { from: 'c', flags: 'PA', seq: 101, ack: 901, data: 'ABCD' },
      { from: 'c', flags: 'PA', seq: 103, ack: 901, data: 'xyEF' },
    ]);
    expect(rec.only('data')).toEqual(['data 0 c2s @0 f4 "ABCD"', 'data 0 c2s @4 f5 "EF"']);
    expect(rec.conns[0].bytes.c2s).toBe(6);
    expect(rec.conns[0].retransmissions).toBe(1);
  });

  it('keep-alive probe (1 byte at seq-1) is a retransmission, not data', () => {
    const { rec } = run([
      ...HANDSHAKE,
      { from: 'c', flags: 'PA', seq: 101, ack: 901, data: 'ABCD' },
      { from: 'c', flags: 'A', seq: 104, ack: 901, data: 'D' },
    ]);
    expect(rec.stream(0, 'c2s')).toBe('ABCD');
    expect(rec.conns[0].retransmissions).toBe(1);
  });

  it('gap then data: the peer acked bytes we never saw → gapBefore = missing count', () => {
    const { rec } = run([
      ...HANDSHAKE,
      { from: 's', flags: 'PA', seq: 901, ack: 101, data: '150 x\r\n' }, // 7 bytes: 901..907
      // 908..919 (12 bytes) lost from the capture
      { from: 's', flags: 'PA', seq: 920, ack: 101, data: '226 y\r\n' }, // f5: buffered
      { from: 'c', flags: 'A', seq: 101, ack: 927 }, // f6: client has it all
    ]);
    expect(rec.log.slice(4)).toEqual([
      'data 0 s2c @0 f4 "150 x\\r\\n"',
      'gap 0 s2c f5 12',
      'data 0 s2c @19 gap12 f5 "226 y\\r\\n"',
      'close 0 end',
    ]);
    expect(rec.conns[0].gapBytes).toEqual({ c2s: 0, s2c: 12 });
    expect(rec.stream(0, 's2c')).toBe('150 x\r\n[12]226 y\r\n');
  });

  it('out-of-order buffer bound reached → gap forced, warning once', () => {
    const { rec, warnings } = run(
      [
        ...HANDSHAKE,
        { from: 'c', flags: 'PA', seq: 111, ack: 901, data: '0123456789' }, // hole of 10 before it
        { from: 'c', flags: 'PA', seq: 131, ack: 901, data: 'abcdefghij' }, // 20 buffered > 16
        { from: 'c', flags: 'PA', seq: 151, ack: 901, data: 'ABCDEFGHIJ' }, // again
      ],
      { maxBufferedBytesPerDirection: 16 },
    );
    // A gap event carries the frame of the chunk it precedes.
    expect(rec.only('data', 'gap')).toEqual([
      'gap 0 c2s f4 10',
      'data 0 c2s @10 gap10 f4 "0123456789"',
      'gap 0 c2s f5 10',
      'data 0 c2s @30 gap10 f5 "abcdefghij"',
      'gap 0 c2s f6 10', // at close (finish): the remaining hole
      'data 0 c2s @50 gap10 f6 "ABCDEFGHIJ"',
    ]);
    expect(warnings.map((w) => w.code)).toEqual(['reassembly-buffer-full', 'reassembly-buffer-full']);
    expect(warnings[0].frame).toBe(5);
  });

  it('32-bit wrap: ISN near 2^32, data straddling the wrap and reordered', () => {
    const isn = 0xfffffffa; // data starts at 0xfffffffb
    const { rec } = run([
      { from: 'c', flags: 'S', seq: isn },
      { from: 's', flags: 'SA', seq: 900, ack: isn + 1 },
      { from: 'c', flags: 'A', seq: isn + 1, ack: 901 },
      { from: 'c', flags: 'PA', seq: 0x00000001, ack: 901, data: 'ghij' }, // after the wrap
      { from: 'c', flags: 'PA', seq: 0xfffffffb, ack: 901, data: 'abcdef' }, // crosses 2^32
      { from: 'c', flags: 'PA', seq: 0xffffffff, ack: 901, data: 'ef' }, // retransmission across the wrap
      { from: 'c', flags: 'FA', seq: 0x00000005, ack: 901 },
      { from: 's', flags: 'FA', seq: 901, ack: 0x00000006 },
      { from: 'c', flags: 'A', seq: 0x00000006, ack: 902 },
    ]);
    expect(rec.only('data', 'close')).toEqual([
      'data 0 c2s @0 f5 "abcdef"',
      'data 0 c2s @6 f4 "ghij"',
      'close 0 fin',
    ]);
    expect(rec.conns[0]).toMatchObject({ retransmissions: 1, gapBytes: { c2s: 0, s2c: 0 }, closed: 'fin' });
  });

  it('bytes missing before the FIN are reported at close as an empty chunk with gapBefore', () => {
    const { rec } = run([
      ...HANDSHAKE,
      { from: 's', flags: 'PA', seq: 901, ack: 101, data: 'abc' },
      { from: 's', flags: 'FA', seq: 910, ack: 101 }, // 6 bytes 904..909 never captured
      { from: 'c', flags: 'FA', seq: 101, ack: 911 },
      { from: 's', flags: 'A', seq: 911, ack: 102 },
    ]);
    expect(rec.log.slice(-3)).toEqual(['gap 0 s2c f7 6', 'data 0 s2c @9 gap6 f7 ""', 'close 0 fin']);
  });

  it('snaplen-cut segments: captured bytes delivered, the cut tail is a gap', () => {
    const { rec } = run([
      ...HANDSHAKE,
      { from: 's', flags: 'PA', seq: 901, ack: 101, data: 'abcd', wireLength: 10 },
      { from: 's', flags: 'PA', seq: 911, ack: 101, data: 'klmn', wireLength: 10 },
    ]);
    expect(rec.only('data')).toEqual([
      'data 0 s2c @0 f4 "abcd"',
      'data 0 s2c @10 gap6 f4 ""', // each segment's cut tail, reported with it
      'data 0 s2c @10 f5 "klmn"',
      'data 0 s2c @20 gap6 f5 ""',
    ]);
    // Cut by the snaplen, not lost: no ACK could have come for them yet, and none counts as path loss.
    expect(rec.conns[0]).toMatchObject({ bytes: { c2s: 0, s2c: 8 }, gapBytes: { c2s: 0, s2c: 12 }, unackedGapBytes: { c2s: 0, s2c: 0 }, retransmissions: 0 });
  });

  it('zero window: event on entering the state, not on every packet', () => {
    const { rec } = run([
      ...HANDSHAKE,
      { from: 's', flags: 'PA', seq: 901, ack: 101, data: 'abc' },
      { from: 'c', flags: 'A', seq: 101, ack: 904, window: 0 }, // f5
      { from: 'c', flags: 'A', seq: 101, ack: 904, window: 0 },
      { from: 'c', flags: 'A', seq: 101, ack: 904, window: 512 },
      { from: 'c', flags: 'A', seq: 101, ack: 904, window: 0 }, // f8
      { from: 'c', flags: 'R', seq: 101, window: 0 }, // a RST with window 0 is not a zero window
    ]);
    expect(rec.only('zero-window')).toEqual(['zero-window 0 c2s f5', 'zero-window 0 c2s f8']);
    expect(rec.conns[0].zeroWindowFrames).toEqual([5, 8]);
  });

  it('zero window before the handshake completes is not reported', () => {
    const { rec } = run([
      { from: 'c', flags: 'S', seq: 100 },
      { from: 's', flags: 'SA', seq: 900, ack: 101, window: 0 },
      { from: 's', flags: 'A', seq: 901, ack: 101, window: 0 }, // client's ACK not seen yet
    ]);
    expect(rec.only('zero-window')).toEqual([]);
  });

  it('retransmission events stop after 64 per connection; the count goes on', () => {
    const segs: SegSpec[] = [...HANDSHAKE, { from: 'c', flags: 'PA', seq: 101, ack: 901, data: 'x' }];
    for (let i = 0; i < 100; i++) segs.push({ from: 'c', flags: 'PA', seq: 101, ack: 901, data: 'x' });
    const { rec } = run(segs);
    expect(rec.only('retransmission')).toHaveLength(64);
    expect(rec.conns[0].retransmissions).toBe(100);
  });

  it('10,000 tiny out-of-order segments in reverse order: all bytes, in order, at the cost of the same segments in order', () => {
    const N = 10_000;
    const expected: string[] = [];
    for (let i = 0; i < N; i++) expected.push(String.fromCharCode(65 + (i % 26)));
    const segment = (i: number): SegSpec => ({ from: 'c', flags: 'PA', seq: 101 + i, ack: 901, data: expected[i] });
    const timed = (segs: SegSpec[]): { rec: Recorder; ms: number } => {
      const t0 = performance.now();
      const { rec } = run([...HANDSHAKE, ...segs]);
      return { rec, ms: performance.now() - t0 };
    };
    // The same segments in order, measured beside it under the same load: a reverse order that
    // kept a piece per byte would cost N²/2 piece moves, hundreds of times the in-order run.
    const inOrder = timed(expected.map((_, i) => segment(i)));
    const reversed = timed(expected.map((_, i) => segment(N - 1 - i)));
    expect(reversed.rec.stream(0, 'c2s')).toBe(expected.join(''));
    expect(reversed.rec.conns[0]).toMatchObject({ bytes: { c2s: N, s2c: 0 }, gapBytes: { c2s: 0, s2c: 0 }, retransmissions: 0 });
    expect(reversed.ms).toBeLessThan(20 * inOrder.ms + 100);
  });

  it('pathological: 100k non-adjacent one-byte segments stay within the piece bound, in linear time', () => {
    const rec = new Recorder();
    const r = new TcpReassembler(rec, { maxBufferedSegmentsPerDirection: 1000 });
    const fm = new FrameMaker();
    for (const s of HANDSHAKE) r.push(fm.seg(s));
    const t0 = performance.now();
    // Every other byte (never adjacent, never in order), in a scrambled order: inserts land
    // anywhere in the buffer, and the bound forces gaps again and again.
    const offsets: number[] = [];
    for (let i = 2; i <= 200_000; i += 2) offsets.push(i);
    let x = 12345;
    for (let i = offsets.length - 1; i > 0; i--) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const j = x % (i + 1);
      [offsets[i], offsets[j]] = [offsets[j], offsets[i]];
    }
    for (const o of offsets) r.push(fm.seg({ from: 'c', flags: 'PA', seq: 101 + o, ack: 901, data: 'z' }));
    r.finish();
    const ms = performance.now() - t0;
    const c = rec.conns[0];
    // Bytes delivered + bytes declared missing always cover the stream exactly once.
    expect(c.bytes.c2s + c.gapBytes.c2s).toBe(200_001);
    expect(c.bytes.c2s).toBeGreaterThan(0);
    expect(ms).toBeLessThan(5000);
  });
});

describe('TcpReassembler: ICMP errors', () => {
  it('an ICMP error attaches to the connection whose segment it quotes; unmatched ones are ignored', () => {
    const rec = new Recorder();
    const r = new TcpReassembler(rec);
    const fm = new FrameMaker();
    const other = { ip: '10.0.0.1', port: 40001 };
    r.push(fm.seg({ from: 'c', flags: 'S', seq: 100 })); // conn 0
    r.push(fm.seg({ from: 'c', flags: 'S', seq: 300, client: other })); // conn 1
    r.push(
      fm.icmp({
        family: 4,
        type: 3,
        code: 13,
        reporter: '192.0.2.1',
        quoted: { src: '10.0.0.1', dst: '10.0.0.2', srcPort: 40001, dstPort: 21, seq: 300 },
      }),
    );
    r.push(
      fm.icmp({
        family: 4,
        type: 3,
        code: 3,
        reporter: '192.0.2.1',
        quoted: { src: '10.0.0.1', dst: '10.0.0.9', srcPort: 1, dstPort: 2 },
      }),
    );
    r.finish();
    expect(rec.only('icmp-error')).toEqual(['icmp-error 1 c2s f3']);
    expect(rec.events.find((e) => e.type === 'icmp-error')?.icmp).toEqual({ type: 3, code: 13, reporter: '192.0.2.1' });
    expect(rec.conns[0].icmpErrors).toEqual([]);
    expect(rec.conns[1].icmpErrors).toEqual([{ frame: 3, time: 3, type: 3, code: 13, reporter: '192.0.2.1' }]);
    expect(r.stats().total).toBe(2);
  });

  it('an ICMP error quoting the server side is reported in s2c', () => {
    const rec = new Recorder();
    const r = new TcpReassembler(rec);
    const fm = new FrameMaker();
    r.push(fm.seg({ from: 'c', flags: 'S', seq: 100 }));
    r.push(
      fm.icmp({
        family: 4,
        type: 3,
        code: 1,
        reporter: '10.0.0.254',
        quoted: { src: '10.0.0.2', dst: '10.0.0.1', srcPort: 21, dstPort: 40000 },
      }),
    );
    expect(rec.only('icmp-error')).toEqual(['icmp-error 0 s2c f2']);
  });
});

describe('TcpReassembler: bounds', () => {
  it('eviction by count: least recently used goes first, warning once, counts at finish', () => {
    const rec = new Recorder();
    const warnings: Warning[] = [];
    const r = new TcpReassembler(rec, { maxConnections: 2, onWarning: (w) => warnings.push(w) });
    const fm = new FrameMaker();
    const ep = (port: number) => ({ ip: '10.0.0.1', port });
    r.push(fm.seg({ from: 'c', flags: 'S', seq: 1, client: ep(1001) })); // conn 0
    r.push(fm.seg({ from: 'c', flags: 'S', seq: 1, client: ep(1002) })); // conn 1
    r.push(fm.seg({ from: 'c', flags: 'S', seq: 1, client: ep(1001) })); // conn 0 repeat: now most recent
    r.push(fm.seg({ from: 'c', flags: 'S', seq: 1, client: ep(1003) })); // conn 2 → evicts conn 1
    r.push(fm.seg({ from: 'c', flags: 'S', seq: 1, client: ep(1004) })); // conn 3 → evicts conn 0
    expect(rec.only('close')).toEqual(['close 1 evicted', 'close 0 evicted']);
    expect(r.stats()).toEqual({ live: 2, total: 4, evicted: 2, afterClose: 0, copies: 0, firstCopy: 0 });
    r.finish();
    expect(r.stats().live).toBe(0);
    expect(warnings.map((w) => w.code)).toEqual(['connection-limit', 'connections-evicted']);
    expect(warnings[0].frame).toBe(4);
    expect(warnings[1].message).toContain('2 connection(s) evicted');
  });

  it('at the bound, only a SYN pushes out an active connection; another packet of no known connection waits for room, counted', () => {
    const rec = new Recorder();
    const warnings: Warning[] = [];
    const r = new TcpReassembler(rec, { maxConnections: 1, onWarning: (w) => warnings.push(w) });
    const fm = new FrameMaker();
    const ep = (port: number) => ({ ip: '10.0.0.1', port });
    r.push(fm.seg({ from: 'c', flags: 'S', seq: 1, time: 0, client: ep(1001) })); // conn 0
    r.push(fm.seg({ from: 'c', flags: 'S', seq: 1, time: 1, client: ep(1002) })); // conn 1 → evicts conn 0 (its SYN only seen)
    r.push(fm.seg({ from: 's', flags: 'SA', seq: 500, ack: 2, time: 2, client: ep(1001) })); // conn 0's answer: no room, conn 1 active
    r.push(fm.seg({ from: 'c', flags: 'A', seq: 2, ack: 501, time: 3, client: ep(1001) })); // nor for this
    expect(rec.only('open', 'close')).toEqual(['open 0 f1', 'close 0 evicted', 'open 1 f2']);
    expect(rec.conns[0].evicted).toBe(2);
    expect(rec.conns[1].evicted).toBeUndefined();
    // 31 s later conn 1 is stale: a packet of no known connection may take its place (mid-stream).
    r.push(fm.seg({ from: 'c', flags: 'A', seq: 2, ack: 501, time: 34, client: ep(1001) }));
    expect(rec.only('open', 'close').slice(3)).toEqual(['close 1 evicted', 'open 2 f5']);
    expect(rec.conns[2]).toMatchObject({ id: 2, midstream: true });
    r.finish();
    expect(warnings.map((w) => [w.code, w.frame])).toEqual([
      ['connection-limit', 2],
      ['connections-evicted', undefined],
      ['connections-untracked', 3],
    ]);
    expect(warnings[2].message).toBe(
      "2 packet(s) of connections not already followed were counted, not analysed: all 1 live TCP connections the budget keeps had been active in the last 30 s, and only a connection's SYN may push out an active one",
    );
  });

  it('with room in the table, silence alone evicts nothing', () => {
    const rec = new Recorder();
    const r = new TcpReassembler(rec, { idleTimeout: 10, maxConnections: 5 });
    const fm = new FrameMaker();
    r.push(fm.seg({ from: 'c', flags: 'S', seq: 1, time: 0 })); // conn 0
    r.push(fm.seg({ from: 'c', flags: 'S', seq: 1, time: 5, client: { ip: '10.0.0.1', port: 2 } })); // conn 1
    r.push(fm.seg({ from: 'c', flags: 'PA', seq: 2, ack: 0, time: 100, client: { ip: '10.0.0.1', port: 2 }, data: 'x' }));
    expect(rec.only('open', 'close')).toEqual(['open 0 f1', 'open 1 f2']);
    expect(r.stats().evicted).toBe(0);
  });

  it('eviction by idle time (capture time) once half the table is live, before the next packet is handled', () => {
    const rec = new Recorder();
    const r = new TcpReassembler(rec, { idleTimeout: 10, maxConnections: 4 });
    const fm = new FrameMaker();
    r.push(fm.seg({ from: 'c', flags: 'S', seq: 1, time: 0 })); // conn 0
    r.push(fm.seg({ from: 'c', flags: 'S', seq: 1, time: 5, client: { ip: '10.0.0.1', port: 2 } })); // conn 1
    r.push(fm.seg({ from: 'c', flags: 'PA', seq: 2, ack: 0, time: 12, client: { ip: '10.0.0.1', port: 2 }, data: 'x' }));
    expect(rec.only('open', 'close')).toEqual(['open 0 f1', 'open 1 f2', 'close 0 evicted']);
    expect(r.stats()).toEqual({ live: 1, total: 2, evicted: 1, afterClose: 0, copies: 0, firstCopy: 0 });
    // A packet of the evicted connection later starts a new (mid-stream) one.
    r.push(fm.seg({ from: 'c', flags: 'A', seq: 2, ack: 5, time: 13 }));
    expect(rec.conns[2]).toMatchObject({ id: 2, midstream: true });
  });
});

describe('TcpReassembler: gaps the receiver never acknowledged (lost on the path) and gaps it did (lost by the capture)', () => {
  // Rows: segments in → gapBytes, of them unackedGapBytes, and how far the peer's acks reached.
  const cases: Array<[string, SegSpec[], { gap: number; unacked: number; ackedTo: number }]> = [
    [
      // pmtu-blackhole-client-side's shape: the first 6 bytes never arrive, the last 3 do (SACKed), the client's ack stays at 901.
      'a hole the receiver keeps asking for',
      [
        { from: 's', flags: 'PA', seq: 907, ack: 101, data: 'ghi' },
        { from: 'c', flags: 'A', seq: 101, ack: 901 },
        { from: 's', flags: 'FA', seq: 910, ack: 101 },
        { from: 'c', flags: 'FA', seq: 101, ack: 901 },
      ],
      { gap: 6, unacked: 6, ackedTo: 0 },
    ],
    [
      // capture-loss's shape: the receiver acknowledged past the hole, so it got those bytes and the capture missed them.
      'a hole the receiver acknowledged',
      [
        { from: 's', flags: 'PA', seq: 907, ack: 101, data: 'ghi' },
        { from: 'c', flags: 'A', seq: 101, ack: 910 },
        { from: 's', flags: 'FA', seq: 910, ack: 101 },
        { from: 'c', flags: 'FA', seq: 101, ack: 911 },
      ],
      { gap: 6, unacked: 0, ackedTo: 10 },
    ],
    [
      // No acknowledgement from the receiver after the handshake: the handshake's ack (ISN+1) says nothing was received.
      'data never acknowledged, no hole',
      [
        { from: 's', flags: 'PA', seq: 901, ack: 101, data: 'abcdef' },
        { from: 's', flags: 'PA', seq: 901, ack: 101, data: 'abcdef' },
      ],
      { gap: 0, unacked: 0, ackedTo: 0 },
    ],
  ];
  for (const [name, segs, want] of cases) {
    it(name, () => {
      const { rec } = run([...HANDSHAKE, ...segs]);
      const c = rec.conns[0];
      expect({ gap: c.gapBytes.s2c, unacked: c.unackedGapBytes.s2c, ackedTo: c.ackedTo.s2c }).toEqual(want);
    });
  }
});
