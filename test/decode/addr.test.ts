import { describe, expect, it } from 'vitest';
import { formatIpv6, ipv4ToString, ipv6ToString, macToString } from '../../src/decode/addr.js';
import { ip6 } from './packets.js';

const v6 = (groups: string): string => formatIpv6(new Uint8Array(groups.split(':').flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff])), 0);

describe('address text', () => {
  it('prints MAC and IPv4 as tshark does', () => {
    const b = new Uint8Array([0, 0xde, 0xad, 0xbe, 0xef, 0x0a, 0xff, 192, 168, 0, 1]);
    expect(macToString(b, 1)).toBe('de:ad:be:ef:0a:ff');
    expect(ipv4ToString(b, 7)).toBe('192.168.0.1');
    expect(ipv4ToString(new Uint8Array([0, 0, 0, 0]), 0)).toBe('0.0.0.0');
  });

  // Every expectation below is what tshark 4.0 printed for the same 16 bytes (raw IPv6 pcap).
  it.each([
    ['0:0:0:0:0:ffff:102:304', '::ffff:1.2.3.4'],
    ['0:0:0:0:0:0:102:304', '::1.2.3.4'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // equal runs: the first is compressed
    ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'], // single zero group is not compressed
    ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
    ['0:0:0:0:0:0:102:0', '::1.2.0.0'],
    ['0:0:0:0:0:0:0:102', '::102'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['2001:0:0:1:0:0:0:0', '2001:0:0:1::'], // the longer run wins
    ['0:0:0:0:ffff:0:102:304', '::ffff:0:102:304'], // not IPv4-mapped
    ['0:0:0:0:0:ffff:0:0', '::ffff:0.0.0.0'],
    ['64:ff9b:0:0:0:0:102:304', '64:ff9b::102:304'],
    ['FE80:0:0:0:0:0:0:ABCD', 'fe80::abcd'], // lower case
    ['0:1:0:1:0:1:0:1', '0:1:0:1:0:1:0:1'],
  ])('IPv6 %s → %s (RFC 5952, as tshark)', (groups, text) => {
    expect(v6(groups)).toBe(text);
  });

  it('returns the same text from the cache, and a different address gets its own', () => {
    const a = new Uint8Array(ip6('2001:db8::1'));
    const b = new Uint8Array(ip6('2001:db8::2'));
    expect(ipv6ToString(a, 0)).toBe('2001:db8::1');
    expect(ipv6ToString(a, 0)).toBe('2001:db8::1');
    expect(ipv6ToString(b, 0)).toBe('2001:db8::2');
  });
});
