/**
 * Internet checksum (RFC 1071): a 16-bit one's-complement sum, read two bytes at a time with
 * plain byte math (no DataView, no allocation). Sums are kept unfolded in a JS number: even a
 * 64 KiB datagram adds up to < 2^32, far inside the exact integer range.
 */

import { wasmSum } from '../capture/word-sum.js';

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

/**
 * The sum of b[start, end) from `whole`, the folded word sum of all of b (CaptureRecord.wordSum, the
 * reading thread's): the few bytes before and after the range are summed and taken off, instead of
 * every byte of the range. Modulo 0xffff only (0 where sum16 may give 0xffff or a multiple): for a
 * caller that adds it to a sum it knows is not 0, such as a pseudo-header's, before folding.
 */
export function sumWithin(b: Uint8Array, whole: number, start: number, end: number): number {
  // On the grid of b[0], a byte at an even index is a word's high byte. The bytes after an odd
  // `end` start on the other grid: swapping a word's bytes is multiplying by 256, modulo 0xffff.
  const after = mod0xffff(sum16(b, end, b.length));
  // whole is at most 0xffff, each part taken off at most 0xfffe: twice 0xffff brings it back to >= 0.
  let s = whole - mod0xffff(sum16(b, 0, start)) - ((end & 1) === 0 ? after : mod0xffff(after * 256));
  if (s < 0) s += 0xffff;
  if (s < 0) s += 0xffff;
  s = mod0xffff(s);
  // A range starting at an odd index has its own words on the other grid.
  return (start & 1) === 0 ? s : mod0xffff(s * 256);
}

/**
 * x modulo 0xffff for a whole x >= 0, by folding (0x10000 is 1 modulo 0xffff): `%` on a sum the
 * compiler holds as a double calls the C library's fmod, and sumWithin took four for every TCP
 * segment (half its time on an ACK; big.pcapng: about 20 ms of the analysis).
 */
function mod0xffff(x: number): number {
  if (x > 0xffffffff) return x % 0xffff;
  x = (x & 0xffff) + (x >>> 16);
  x = (x & 0xffff) + (x >>> 16);
  return x === 0xffff ? 0 : x;
}

/** Below this many bytes the plain loop is as fast as the word loop. */
const WORDS_MIN_BYTES = 64;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** A 32-bit view of the ArrayBuffer the last packet came from (packets of a chunk share one). */
let wordsOf: ArrayBufferLike | null = null;
let words: Uint32Array<ArrayBufferLike> = new Uint32Array(0);

/**
 * The same checksum arithmetic as sum16, four bytes per step: returns a number congruent to
 * sum16(b, start, end, sum) modulo 0xffff, zero exactly when that is zero, so fold16 and
 * checksumExpected give identical answers. It reads aligned native (little-endian) 32-bit words
 * of the underlying buffer; RFC 1071's byte-order independence makes their folded sum the
 * byte-swapped big-endian one (or the unswapped one when the words start an odd byte in).
 * Ranges are summed in WebAssembly SIMD when it is available (capture/word-sum.ts), else in the JS
 * word loop below; short ranges, and big-endian hosts without WebAssembly, use sum16.
 */
export function sumWords(b: Uint8Array, start: number, end: number, sum = 0): number {
  const n = end - start;
  if (n < WORDS_MIN_BYTES) return sum16(b, start, end, sum);
  // WebAssembly reads little-endian words on any host: its sum is the big-endian one swapped.
  const simd = wasmSum(b, start, end);
  if (simd >= 0) return sum + (((simd & 0xff) << 8) | (simd >>> 8));
  return sumWordsJs(b, start, end, sum);
}

/** sumWords without WebAssembly: aligned 32-bit words (little-endian hosts), else sum16. */
export function sumWordsJs(b: Uint8Array, start: number, end: number, sum = 0): number {
  const n = end - start;
  if (n < WORDS_MIN_BYTES || !LITTLE_ENDIAN) return sum16(b, start, end, sum);
  const buf = b.buffer;
  if (buf !== wordsOf) {
    wordsOf = buf;
    words = new Uint32Array(buf, 0, buf.byteLength >>> 2);
  }
  const abs = b.byteOffset + start;
  const head = (4 - (abs & 3)) & 3;
  const w0 = (abs + head) >>> 2;
  const count = (n - head) >>> 2;
  const wEnd = w0 + count;
  let s1 = 0;
  let s2 = 0;
  let w = w0;
  for (; w + 1 < wEnd; w += 2) {
    s1 += words[w];
    s2 += words[w + 1];
  }
  if (w < wEnd) s1 += words[w];
  let mid = fold16(s1 + s2);
  // Little-endian words starting an even number of bytes into the range read every big-endian
  // word byte-swapped; starting an odd number in, they are on the other byte grid: unswapped.
  if ((head & 1) === 0) mid = ((mid & 0xff) << 8) | (mid >>> 8);
  for (let i = 0; i < head; i++) sum += (i & 1) === 0 ? b[start + i] << 8 : b[start + i];
  for (let i = start + head + count * 4; i < end; i++) sum += ((i - start) & 1) === 0 ? b[i] << 8 : b[i];
  return sum + mid;
}
