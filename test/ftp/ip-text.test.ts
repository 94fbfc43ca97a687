import { describe, expect, it } from 'vitest';
import { formatIpv6, parseIpv4Text, parseIpv6Text } from '../../src/ftp/ip-text.js';

const v6 = (text: string): string => {
  const bytes = parseIpv6Text(text);
  if (bytes === null) throw new Error(`not IPv6: ${text}`);
  return formatIpv6(bytes);
};

describe('IPv6 text (tshark / glibc inet_ntop form)', () => {
  it('compresses the longest zero run, leftmost on a tie, lower case', () => {
    expect(v6('2001:DB8:0:0:8:800:200C:417A')).toBe('2001:db8::8:800:200c:417a');
    expect(v6('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(v6('2001:0:0:1:0:0:0:1')).toBe('2001:0:0:1::1');
    expect(v6('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1'); // single zero word stays
    expect(v6('2400:3000:20:100:0:0:0:46')).toBe('2400:3000:20:100::46');
  });

  it('handles the edges: all zero, loopback, trailing run', () => {
    expect(v6('::')).toBe('::');
    expect(v6('0:0:0:0:0:0:0:1')).toBe('::1');
    expect(v6('fe80::')).toBe('fe80::');
    expect(v6('1:0:0:0:0:0:0:0')).toBe('1::');
  });

  it('prints embedded IPv4 for mapped and compatible addresses', () => {
    expect(v6('::ffff:c000:0201')).toBe('::ffff:192.0.2.1');
    expect(v6('::c000:0201')).toBe('::192.0.2.1');
    expect(v6('64:ff9b::192.0.2.1')).toBe('64:ff9b::c000:201');
  });

  it('rejects malformed text', () => {
    for (const bad of ['', ':', '1:::2', '1::2::3', '12345::', 'g::1', '1:2:3:4:5:6:7', '::1.2.3', '::1.2.3.256']) {
      expect(parseIpv6Text(bad), bad).toBeNull();
    }
  });
});

describe('parseIpv4Text', () => {
  it('reads dotted quads and rejects the rest', () => {
    expect(parseIpv4Text('10.0.0.255')).toEqual([10, 0, 0, 255]);
    expect(parseIpv4Text('10.0.0.256')).toBeNull();
    expect(parseIpv4Text('10.0.0')).toBeNull();
    expect(parseIpv4Text('10.0.0.1.')).toBeNull();
    expect(parseIpv4Text('1e1.0.0.1')).toBeNull();
  });
});
