import { describe, expect, it } from 'vitest';
import { checksumExpected, fold16, sum16 } from '../../src/decode/checksum.js';

describe('internet checksum', () => {
  // RFC 1071 section 3 example: 00 01 f2 03 f4 f5 f6 f7 sums to 0x2ddf0, folds to 0xddf2.
  const rfc = new Uint8Array([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);

  it('sums and folds the RFC 1071 example', () => {
    expect(sum16(rfc, 0, rfc.length)).toBe(0x2ddf0);
    expect(fold16(0x2ddf0)).toBe(0xddf2);
  });

  it('pads an odd last byte with zero and honours start/end and the initial sum', () => {
    expect(sum16(new Uint8Array([0xab]), 0, 1)).toBe(0xab00);
    expect(sum16(rfc, 2, 5)).toBe(0xf203 + 0xf400);
    expect(sum16(rfc, 0, 2, 0x10)).toBe(0x11);
  });

  it('says ok (undefined) when the stored value completes the sum, else what it should be', () => {
    // Stored 0x220d completes the example: 0xddf2 + 0x220d = 0xffff.
    expect(checksumExpected(0x2ddf0 + 0x220d, 0x220d)).toBeUndefined();
    expect(checksumExpected(0x2ddf0 + 0x1234, 0x1234)).toBe(0x220d);
    expect(checksumExpected(0x2ddf0, 0)).toBe(0x220d);
  });

  it('folds a 64 KiB sum of 0xff bytes without losing carries', () => {
    const big = new Uint8Array(65536).fill(0xff);
    expect(sum16(big, 0, big.length)).toBe(32768 * 0xffff);
    expect(fold16(32768 * 0xffff)).toBe(0xffff);
  });
});
