import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/decode/frame.js';
import { problemText } from '../../src/warnings/catalog.js';
import { concat, ether, ip6, ipv6, record, tcp, u16, u32 } from './packets.js';
import { MALFORMED, raw } from './scenarios.js';

const V6 = { src: ip6('2001:db8::1'), dst: ip6('2001:db8::2') };
const decode = (s: { linkType: number; frames: Array<{ data: Uint8Array; originalLength?: number }> }, i = 0) =>
  decodeFrame(record(s.linkType, s.frames[i].data, i + 1, s.frames[i].originalLength));

describe('IPv6', () => {
  it('decodes the fixed header', () => {
    expect(decode(raw, 1).ip).toEqual({
      version: 6,
      trafficClass: 0x12,
      flowLabel: 0xabcde,
      payloadLength: 40,
      nextHeader: 6,
      hopLimit: 64,
      src: '2001:db8::1',
      dst: '2001:db8::2',
      extensions: [],
      protocol: 6,
    });
  });

  it('walks hop-by-hop, routing, destination options and AH to TCP', () => {
    const seg = tcp([1, 2, 3], { flags: 0x018 }, V6);
    const chain = concat(
      [43, 0, 1, 4, 0, 0, 0, 0], // hop-by-hop (8) → routing
      [60, 2, 0, 0, 0, 0, 0, 0, ...new Array(16).fill(0)], // routing, len 2 → 24 bytes → dest opts
      [51, 0, 1, 4, 0, 0, 0, 0], // dest opts (8) → AH
      [6, 1, 0, 0, ...u32(0x100), ...u32(1)], // AH, len 1 → (1+2)*4 = 12 bytes → TCP
      seg,
    );
    const f = decodeFrame(record(1, ether(0x86dd, ipv6(chain, { nextHeader: 0 }))));
    expect(f.problems).toEqual([]);
    expect(f.ip?.version === 6 && f.ip.extensions).toEqual([
      { type: 0, length: 8 },
      { type: 43, length: 24 },
      { type: 60, length: 8 },
      { type: 51, length: 12 },
    ]);
    expect(f.ip?.version === 6 && f.ip.protocol).toBe(6);
    expect(f.tcp?.checksumStatus).toBe('ok');
    expect(Array.from(f.payload)).toEqual([1, 2, 3]);
  });

  it('ESP and no-next-header end the chain', () => {
    const esp = decodeFrame(record(101, ipv6(concat([50, 0, 1, 4, 0, 0, 0, 0], u32(0x1234), u32(1)), { nextHeader: 60 })));
    expect(esp.ip?.version === 6 && esp.ip.protocol).toBe(50);
    expect(esp.tcp).toBeUndefined();
    expect(esp.problems).toEqual([]);
    const none = decodeFrame(record(101, ipv6([], { nextHeader: 59 })));
    expect(none.ip?.version === 6 && none.ip.protocol).toBe(59);
    expect(none.problems).toEqual([]);
  });

  it('an extension header overrunning the payload length is malformed', () => {
    const f = decode(MALFORMED.ipv6ExtOverrun);
    expect(f.problems.map(problemText)).toEqual(['malformed: IPv6 extension header 60 of 32 bytes overruns the payload length']);
    expect(f.tcp).toBeUndefined();
    const tiny = decodeFrame(record(101, ipv6([6, 0, 0, 0], { nextHeader: 0 })));
    expect(tiny.problems.map(problemText)).toEqual(['malformed: IPv6 extension header 0 overruns the payload length']);
  });

  it('more than 16 extension headers is malformed (bounded walk)', () => {
    const f = decode(MALFORMED.ipv6ExtLoop);
    expect(f.problems.map(problemText)).toEqual(['malformed: more than 16 IPv6 extension headers']);
    expect(f.ip?.version === 6 && f.ip.extensions).toHaveLength(16);
  });

  it('an extension chain cut by the snapshot length is truncated, not malformed', () => {
    const f = decode(MALFORMED.ipv6ExtTruncated);
    expect(f.problems).toEqual([]);
    expect(f.truncated).toBe(true);
    expect(f.tcp).toBeUndefined();
  });

  it('payload length beyond the wire is malformed and bounded; 0 with data is presumed TSO', () => {
    const seg = tcp([], {}, V6);
    const long = decodeFrame(record(101, ipv6(seg, { payloadLength: 100 })));
    expect(long.problems.map(problemText)).toEqual(['malformed: IPv6 payload length 100 exceeds the 20 bytes on the wire']);
    expect(long.tcp?.checksumStatus).toBe('ok');
    const tso = decodeFrame(record(101, ipv6(seg, { payloadLength: 0 })));
    expect(tso.problems.map(problemText)).toEqual(["offload: IPv6 payload length 0, presumed TSO: using the frame's 20 bytes"]);
    expect(tso.tcp?.checksumStatus).toBe('ok');
  });

  it('a fixed header cut short: truncated; too short on the wire: malformed', () => {
    const d = ipv6(tcp([], {}, V6));
    expect(decodeFrame(record(101, d.subarray(0, 30), 1, d.length)).truncated).toBe(true);
    expect(decodeFrame(record(101, d.subarray(0, 30))).problems.map(problemText)).toEqual(['malformed: IPv6 header needs 40 bytes, the packet has 30']);
  });

  it('an atomic fragment header (offset 0, no more) is walked through to TCP', () => {
    const seg = tcp([], {}, V6);
    const f = decodeFrame(record(101, ipv6(concat([6, 0], u16(0), u32(77), seg), { nextHeader: 44 })));
    expect(f.ip?.version === 6 && f.ip.fragment).toEqual({ offset: 0, more: false, id: 77 });
    expect(f.fragment).toBeUndefined();
    expect(f.tcp?.checksumStatus).toBe('ok');
  });
});
