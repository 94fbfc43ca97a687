import { describe, expect, it } from 'vitest';
import { seqAdd, seqDiff, seqLt, seqLte, unwrap } from '../../src/tcp/seq.js';

describe('seq: 32-bit wrap-safe arithmetic', () => {
  it.each([
    // a, b, a - b
    [10, 5, 5],
    [5, 10, -5],
    [5, 0xfffffffb, 10], // 5 is 10 after 2^32-5: across the wrap
    [0xfffffffb, 5, -10],
    [0, 0, 0],
    [0x7fffffff, 0, 0x7fffffff],
    [0x80000000, 0, -0x80000000], // exactly half way: RFC 1982 leaves it undefined; we say "before"
  ])('seqDiff(%i, %i) = %i', (a, b, d) => {
    expect(seqDiff(a, b)).toBe(d);
  });

  it.each([
    [0xffffffff, 1, 0],
    [0xffffffff, 2, 1],
    [3, -5, 0xfffffffe],
    [1, 0x1_0000_0001, 2],
    [100, 0, 100],
  ])('seqAdd(%i, %i) = %i', (a, n, r) => {
    expect(seqAdd(a, n)).toBe(r);
  });

  it('orders across the wrap', () => {
    expect(seqLt(0xfffffff0, 0x10)).toBe(true);
    expect(seqLt(0x10, 0xfffffff0)).toBe(false);
    expect(seqLte(7, 7)).toBe(true);
    expect(seqLt(7, 7)).toBe(false);
  });

  it('unwraps to 64-bit-safe offsets past 4 GiB', () => {
    // Reference: raw 0xfffffff0 is at offset 2^32 + 100 (the stream wrapped once already).
    const refAbs = 2 ** 32 + 100;
    expect(unwrap(0x10, 0xfffffff0, refAbs)).toBe(refAbs + 0x20);
    expect(unwrap(0xffffffe0, 0xfffffff0, refAbs)).toBe(refAbs - 0x10);
  });
});
