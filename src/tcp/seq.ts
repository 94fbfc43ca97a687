/**
 * Wrap-safe 32-bit TCP sequence arithmetic (RFC 1982 serial numbers). This module owns the wrap:
 * everything else compares raw sequence numbers only through these functions, and turns them
 * into 64-bit-safe stream offsets with `unwrap`.
 */

/** (a - b) as a signed distance in [-2^31, 2^31): positive when `a` is after `b`. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** a + n, wrapped to 32 bits (ToUint32 is modulo 2^32 for any safe integer, negative too). */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

/** a is strictly before b. */
export function seqLt(a: number, b: number): boolean {
  return seqDiff(a, b) < 0;
}

/** a is before or equal to b. */
export function seqLte(a: number, b: number): boolean {
  return seqDiff(a, b) <= 0;
}

/**
 * The stream offset of raw sequence number `raw`, given that `refRaw` is at offset `refAbs`.
 * Exact as long as `raw` is within 2^31 of the reference: the TCP window guarantees that for
 * any segment a real endpoint would accept.
 */
export function unwrap(raw: number, refRaw: number, refAbs: number): number {
  return refAbs + seqDiff(raw, refRaw);
}

/**
 * tshark's relative sequence number (tcp.seq, tcp.ack): `raw` counted from `base` (a side's ISN, or
 * the number before its first byte seen mid-stream), wrapped to 32 bits as tshark shows it. Base -1:
 * the side has sent only bare ACKs, so every number of it is still its first byte, relative 1.
 */
export function relativeSeq(raw: number, base: number): number {
  return base < 0 ? 1 : seqAdd(seqDiff(raw, base), 0);
}
