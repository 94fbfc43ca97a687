import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/decode/frame.js';
import { problemText } from '../../src/warnings/catalog.js';
import { Ipv4Defragmenter } from '../../src/decode/ipv4-defrag.js';
import type { DecodedFrame } from '../../src/decode/types.js';
import { ether, ipv4, record } from './packets.js';
import { frag6OutOfOrder, fragInOrder, fragOutOfOrder, fragSegment } from './scenarios.js';

type S = { linkType: number; frames: Array<{ data: Uint8Array; time?: number }> };
const run = (s: S, defrag?: Ipv4Defragmenter): DecodedFrame[] =>
  s.frames.map((f, i) => decodeFrame(record(s.linkType, f.data, i + 1, f.data.length, f.time ?? 1 + i * 0.001), defrag));
const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i + seed) & 0xff);

describe('IPv4 fragments through decodeFrame', () => {
  it('in order: held, held, then TCP from the reassembled datagram (checksum verified, as tshark)', () => {
    const d = new Ipv4Defragmenter();
    const [a, b, c] = run(fragInOrder, d);
    expect([a.fragment, b.fragment, c.fragment]).toEqual(['held', 'held', 'reassembled']);
    expect(a.tcp).toBeUndefined();
    expect(b.tcp).toBeUndefined();
    expect(c.ip).toMatchObject({ fragOffset: 96, flags: 0, totalLength: 44 });
    expect(c.tcp).toMatchObject({ srcPort: 20, dstPort: 50000, seq: 42, payloadLength: 100, checksum: 0xea04, checksumStatus: 'ok' });
    expect(Array.from(c.payload)).toEqual(Array.from(fragSegment.subarray(20)));
    expect(c.problems).toEqual([]);
    expect(d.pendingCount).toBe(0);
    expect(d.stats.reassembled).toBe(1);
  });

  it('out of order: the frame that completes the datagram carries it', () => {
    const [a, b, c] = run(fragOutOfOrder, new Ipv4Defragmenter());
    expect([a.fragment, b.fragment, c.fragment]).toEqual(['held', 'held', 'reassembled']);
    expect(c.ip).toMatchObject({ fragOffset: 48 });
    expect(c.tcp).toMatchObject({ seq: 42, payloadLength: 100, checksumStatus: 'ok' });
  });

  it('without a defragmenter: the first fragment yields its TCP header (unverifiable), later ones nothing', () => {
    const [a, b, c] = run(fragInOrder);
    expect([a.fragment, b.fragment, c.fragment]).toEqual(['unreassembled', 'unreassembled', 'unreassembled']);
    expect(a.tcp).toMatchObject({ srcPort: 20, seq: 42, payloadLength: 28, checksumStatus: 'unverifiable' });
    expect(a.payload.length).toBe(28);
    expect(b.tcp).toBeUndefined();
    expect(c.tcp).toBeUndefined();
  });

  it('IPv6 fragments (out of order) reassemble the same way', () => {
    const [a, b] = run(frag6OutOfOrder, new Ipv4Defragmenter());
    expect(a.fragment).toBe('held');
    expect(a.ip?.version === 6 && a.ip.fragment).toEqual({ offset: 64, more: false, id: 0x01020304 });
    expect(b.fragment).toBe('reassembled');
    expect(b.tcp).toMatchObject({ srcPort: 20, payloadLength: 100, checksum: 0x7ac7, checksumStatus: 'ok' });
  });

  it('a fragment cut by the snapshot length drops its datagram', () => {
    const d = new Ipv4Defragmenter();
    const first = fragInOrder.frames[0].data;
    const f = decodeFrame(record(1, first.subarray(0, 50), 1, first.length), d);
    expect(f.fragment).toBe('unreassembled');
    expect(f.problems.map(problemText)).toEqual(['fragment: datagram dropped: a fragment of the datagram was cut by the snapshot length']);
    expect(f.truncated).toBe(true);
  });
});

describe('Ipv4Defragmenter', () => {
  it('overlap: the first copy of the bytes wins, and it is noted', () => {
    const d = new Ipv4Defragmenter();
    expect(d.add('k', 0, true, bytes(16, 0), 1, 1)).toEqual({ state: 'held', overlap: false });
    expect(d.add('k', 8, true, new Uint8Array(16).fill(0xee), 1, 2)).toEqual({ state: 'held', overlap: true });
    const r = d.add('k', 24, false, bytes(8, 100), 1, 3);
    expect(r.state).toBe('complete');
    if (r.state !== 'complete') return;
    expect(r.overlap).toBe(true);
    expect(r.frames).toEqual([1, 2, 3]);
    expect(Array.from(r.payload)).toEqual([...bytes(16, 0), ...new Array(8).fill(0xee), ...bytes(8, 100)]);
  });

  it('a duplicate last fragment with a different end keeps the first end', () => {
    const d = new Ipv4Defragmenter();
    d.add('k', 8, false, bytes(8, 0), 1, 1);
    d.add('k', 8, false, bytes(16, 0), 1, 2);
    const r = d.add('k', 0, true, bytes(8, 0), 1, 3);
    expect(r.state === 'complete' && r.payload.length).toBe(16);
  });

  it('drops datagrams older than the timeout (capture time)', () => {
    const d = new Ipv4Defragmenter({ timeoutSeconds: 30 });
    d.add('old', 0, true, bytes(8, 0), 100, 1);
    d.add('new', 0, true, bytes(8, 0), 120, 2);
    expect(d.pendingCount).toBe(2);
    expect(d.add('new', 8, false, bytes(8, 0), 131, 3).state).toBe('complete');
    expect(d.stats.timedOut).toBe(1);
    expect(d.add('old', 8, false, bytes(8, 0), 131, 4).state).toBe('held'); // its first half is gone
  });

  it('bounds the number of pending datagrams by evicting the oldest', () => {
    const d = new Ipv4Defragmenter({ maxPending: 2 });
    d.add('a', 0, true, bytes(8, 0), 1, 1);
    d.add('b', 0, true, bytes(8, 0), 1, 2);
    d.add('c', 0, true, bytes(8, 0), 1, 3);
    expect(d.pendingCount).toBe(2);
    expect(d.stats.evicted).toBe(1);
    expect(d.add('a', 8, false, bytes(8, 0), 1, 4).state).toBe('held');
    expect(d.add('c', 8, false, bytes(8, 0), 1, 5).state).toBe('complete');
  });

  it('counts every datagram given up as incomplete (timed out, evicted, pending at the end), naming the first one\'s frames', () => {
    const d = new Ipv4Defragmenter({ maxPending: 2, timeoutSeconds: 30 });
    d.add('old', 0, true, bytes(16, 0), 100, 1);
    d.add('old', 24, false, bytes(8, 0), 100, 2); // bytes 16-24 never come
    d.add('b', 8, true, bytes(8, 0), 120, 3);
    d.add('c', 0, true, bytes(8, 0), 131, 4); // 'old' timed out (131 - 100 > 30)
    d.add('e', 0, true, bytes(8, 0), 131, 5); // 'b' evicted for room
    expect(d.add('e', 8, false, bytes(8, 0), 131, 6).state).toBe('complete');
    d.finish(); // 'c' still pending
    expect([d.stats.timedOut, d.stats.evicted, d.stats.incomplete, d.stats.reassembled, d.pendingCount]).toEqual([1, 1, 3, 1, 0]);
    expect(d.stats.firstIncomplete).toEqual({ frames: [1, 2], held: 24, total: 32, reason: 'timeout' });
    expect(d.stats.incompleteFrames).toEqual([1, 2, 3, 4]);
  });

  it('refuses a datagram beyond 64 KiB', () => {
    const d = new Ipv4Defragmenter();
    d.add('k', 0, true, bytes(8, 0), 1, 1);
    const r = d.add('k', 65528, false, bytes(16, 0), 1, 2);
    expect(r).toEqual({ state: 'dropped', reason: 'fragment ends at byte 65544, beyond the 65535-byte limit' });
    expect(d.pendingCount).toBe(0);
  });

  it('reassembles a full-size datagram from many fragments in reverse order', () => {
    const d = new Ipv4Defragmenter();
    const total = 65528;
    let r;
    for (let off = Math.floor((total - 1) / 1480) * 1480; off >= 0; off -= 1480) {
      const len = Math.min(1480, total - off);
      r = d.add('big', off, off + len < total, bytes(len, off), 1, 1);
    }
    expect(r?.state).toBe('complete');
    if (r?.state === 'complete') {
      expect(r.payload.length).toBe(total);
      // Fragment at `off` carried bytes (off + i) & 0xff: every byte must be back in its place.
      expect(r.payload.findIndex((v, i) => v !== (i & 0xff))).toBe(-1);
    }
  });

  it('frames with different keys do not mix (IPv4 key includes the id)', () => {
    const d = new Ipv4Defragmenter();
    const frag = (id: number, off: number, more: boolean, payload: Uint8Array) =>
      ether(0x0800, ipv4(payload, { id, flags: more ? 1 : 0, fragOffset: off, proto: 17 }));
    expect(decodeFrame(record(1, frag(1, 0, true, bytes(8, 0))), d).fragment).toBe('held');
    expect(decodeFrame(record(1, frag(2, 8, false, bytes(8, 0))), d).fragment).toBe('held');
    expect(decodeFrame(record(1, frag(1, 8, false, bytes(8, 0))), d).fragment).toBe('reassembled');
    expect(d.pendingCount).toBe(1);
  });
});
