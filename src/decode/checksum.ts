/**
 * Internet checksum (RFC 1071): a 16-bit one's-complement sum, read two bytes at a time with
 * plain byte math (no DataView, no allocation). Sums are kept unfolded in a JS number: even a
 * 64 KiB datagram adds up to < 2^32, far inside the exact integer range.
 */

/** Add the big-endian 16-bit words of b[start, end) to `sum`; an odd last byte is padded with 0. */
export function sum16(b: Uint8Array, start: number, end: number, sum = 0): number {
  let i = start;
  const even = end - ((end - start) & 1);
  for (; i < even; i += 2) sum += (b[i] << 8) | b[i + 1];
  if (i < end) sum += b[i] << 8;
  return sum;
}

/** Fold carries into 16 bits. */
export function fold16(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/**
 * Given the full sum (including the stored checksum field) and the stored value: ok when it folds
 * to 0xffff; otherwise the value the field should hold, computed as Wireshark's in_cksum_shouldbe
 * does so that "expected" matches tshark's ip/tcp.checksum_calculated.
 */
export function checksumExpected(fullSum: number, stored: number): number | undefined {
  const folded = fold16(fullSum);
  if (folded === 0xffff) return undefined;
  const computed = ~folded & 0xffff; // what in_cksum() returns
  return fold16(stored + computed);
}
