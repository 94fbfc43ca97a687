import { describe, expect, it } from 'vitest';
import { flowKey } from '../../src/tcp/flow-key.js';
import { srcLooksLikeClient } from '../../src/tcp/roles.js';

describe('flowKey', () => {
  it('is the same in both directions', () => {
    expect(flowKey('10.0.0.1', 40000, '10.0.0.2', 21)).toBe(flowKey('10.0.0.2', 21, '10.0.0.1', 40000));
    expect(flowKey('10.0.0.1', 40000, '10.0.0.2', 21)).toBe('10.0.0.1|40000|10.0.0.2|21');
  });

  it('separates ports on the same addresses, and IPv6 colons do not collide', () => {
    expect(flowKey('10.0.0.1', 1, '10.0.0.1', 2)).toBe('10.0.0.1|1|10.0.0.1|2');
    expect(flowKey('10.0.0.1', 2, '10.0.0.1', 1)).toBe('10.0.0.1|1|10.0.0.1|2');
    expect(flowKey('2001:db8::1', 21, '2001:db8::2', 5000)).not.toBe(flowKey('2001:db8::1', 2150, '2001:db8::2', 0));
  });
});

describe('srcLooksLikeClient (mid-stream role guess)', () => {
  it.each([
    [40000, 21, true], // to the control port
    [21, 40000, false],
    [20, 40001, true], // active-mode data: the FTP server connects out from port 20
    [40001, 20, false],
    [21, 20, false], // 21 beats 20
    [50000, 443, true], // lower port is the server
    [443, 50000, false],
    [60000, 50000, true], // both ephemeral: still the lower one
    [5000, 5000, true], // equal: the first sender
  ])('src %i → dst %i: src is client = %s', (sp, dp, want) => {
    expect(srcLooksLikeClient(sp, dp)).toBe(want);
  });
});
