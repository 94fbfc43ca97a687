import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/decode/frame.js';
import { concat, ether, ipv4, ipv6, record } from './packets.js';
import { icmpV4, icmpV6, synV4 } from './scenarios.js';

describe('ICMP errors quoting TCP', () => {
  it('ICMPv4 destination unreachable quoting a SYN: reporter, quoted addresses, ports, seq', () => {
    const f = decodeFrame(record(1, icmpV4.frames[0].data));
    expect(f.icmp).toEqual({
      family: 4,
      type: 3,
      code: 1,
      reporter: '203.0.113.9',
      quoted: { src: '192.0.2.1', dst: '198.51.100.2', srcPort: 40000, dstPort: 21, seq: 0x11223344 },
    });
    expect(f.tcp).toBeUndefined();
  });

  it('ICMPv6 destination unreachable quoting a SYN', () => {
    const f = decodeFrame(record(1, icmpV6.frames[0].data));
    expect(f.icmp).toEqual({
      family: 6,
      type: 1,
      code: 4,
      reporter: '2001:db8:ffff::9',
      quoted: { src: '2001:db8::1', dst: '2001:db8::2', srcPort: 40000, dstPort: 21, seq: 0x11223344 },
    });
  });

  it('time exceeded (11) too; only 4 quoted TCP bytes give ports without seq', () => {
    const quoted = synV4().subarray(0, 24);
    const f = decodeFrame(record(101, ipv4(concat([11, 0, 0, 0, 0, 0, 0, 0], quoted), { proto: 1, src: '10.0.0.1' })));
    expect(f.icmp).toEqual({
      family: 4,
      type: 11,
      code: 0,
      reporter: '10.0.0.1',
      quoted: { src: '192.0.2.1', dst: '198.51.100.2', srcPort: 40000, dstPort: 21 },
    });
  });

  it('echo, a quote too short for ports, or a quoted UDP datagram: icmp undefined', () => {
    const echo = decodeFrame(record(101, ipv4([8, 0, 0, 0, 0, 1, 0, 1], { proto: 1 })));
    expect(echo.icmp).toBeUndefined();
    const short = decodeFrame(record(101, ipv4(concat([3, 3, 0, 0, 0, 0, 0, 0], synV4().subarray(0, 22)), { proto: 1 })));
    expect(short.icmp).toBeUndefined();
    const udp = ipv4([0, 53, 0, 53, 0, 8, 0, 0], { proto: 17 });
    expect(decodeFrame(record(101, ipv4(concat([3, 3, 0, 0, 0, 0, 0, 0], udp), { proto: 1 }))).icmp).toBeUndefined();
    const echo6 = decodeFrame(record(1, ether(0x86dd, ipv6([128, 0, 0, 0, 0, 1, 0, 1], { nextHeader: 58 }))));
    expect(echo6.icmp).toBeUndefined();
    expect(echo6.problems).toEqual([]);
  });
});
