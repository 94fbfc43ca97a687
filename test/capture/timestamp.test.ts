import { describe, expect, it } from 'vitest';
import { TimestampConverter, unitsFromTsresol } from '../../src/capture/timestamp.js';

/** Exact reference: floor division of the 64-bit value, remainder scaled to ns and floored. */
function reference(high: number, low: number, units: bigint, offset: number): [number, number] {
  const total = (BigInt(high) << 32n) | BigInt(low);
  return [Number(total / units) + offset, Number(((total % units) * 1_000_000_000n) / units)];
}

/** Deterministic xorshift so a failure reproduces. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

describe('pcapng timestamp conversion', () => {
  it('maps if_tsresol to units per second (10^v, or 2^v with the high bit)', () => {
    expect(unitsFromTsresol(6)).toBe(1_000_000n);
    expect(unitsFromTsresol(9)).toBe(1_000_000_000n);
    expect(unitsFromTsresol(0x80 | 20)).toBe(1_048_576n);
    expect(unitsFromTsresol(0)).toBe(1n);
  });

  it('splits a nanosecond timestamp above 2^53 exactly', () => {
    const conv = new TimestampConverter(1_000_000_000n);
    const ts = 1700000000123456789n; // > 2^60: not representable as a double
    conv.convert(Number(ts >> 32n), Number(ts & 0xffffffffn));
    expect([conv.sec, conv.nsec]).toEqual([1700000000, 123456789]);
  });

  it('matches exact BigInt arithmetic for every common and odd resolution', () => {
    const next = rng(12345);
    const resolutions = [
      ...Array.from({ length: 16 }, (_, v) => v), // 10^0 … 10^15
      ...Array.from({ length: 64 }, (_, v) => 0x80 | v), // 2^0 … 2^63
    ];
    const edgeHighs = [0, 1, 0x1fffff, 0x200000, 0x7fffffff, 0xffffffff];
    const edgeLows = [0, 1, 999_999, 999_999_999, 0xffffffff];
    const wrong: string[] = [];
    for (const r of resolutions) {
      const units = unitsFromTsresol(r);
      const offset = r % 3 === 0 ? -5 : 1000;
      const conv = new TimestampConverter(units, offset);
      const cases: Array<[number, number]> = [];
      for (const h of edgeHighs) for (const l of edgeLows) cases.push([h, l]);
      for (let i = 0; i < 300; i++) cases.push([next() >>> (next() % 32), next()]);
      for (const [h, l] of cases) {
        conv.convert(h, l);
        const [sec, nsec] = reference(h, l, units, offset);
        // Seconds beyond 2^53 cannot be exact as numbers; compare what a double can hold.
        // Mismatches collected and compared once: an expect() per case cost more than the cases.
        if (!Object.is(conv.sec, sec) || !Object.is(conv.nsec, nsec) || !(Number.isInteger(conv.nsec) && conv.nsec >= 0 && conv.nsec < 1e9)) {
          wrong.push(`tsresol 0x${r.toString(16)} high ${h} low ${l}: ${conv.sec}.${conv.nsec} ≠ ${sec}.${nsec}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });
});
