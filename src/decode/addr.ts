/**
 * Address text as tshark prints it: MAC "aa:bb:cc:dd:ee:ff", IPv4 dotted quad, IPv6 in RFC 5952
 * form (lower case, longest run of two or more zero groups as "::", the first of equal runs;
 * IPv4-mapped as ::ffff:a.b.c.d, and IPv4-compatible ::a.b.c.d as glibc and so tshark print it).
 * A capture has few distinct addresses, so each formatter keeps a small direct-mapped cache: a hit
 * costs a few integer compares and no allocation.
 */

const HEX2: string[] = [];
const DEC: string[] = [];
for (let i = 0; i < 256; i++) {
  HEX2.push(i.toString(16).padStart(2, '0'));
  DEC.push(String(i));
}

const SLOTS = 1024; // per formatter; power of two
const MASK = SLOTS - 1;

/**
 * A 32-bit hash step, as a signed 32-bit integer: words are passed and returned as int32 (not the
 * `>>> 0` unsigned form), which V8 keeps unboxed; an unsigned word above 2^31 passed to a call it
 * did not inline was a new heap number, two for every packet's addresses. A slot is `>>> 22`.
 */
function mix(h: number, w: number): number {
  return Math.imul(h ^ w, 0x9e3779b1);
}

// ---- IPv4 ----
/** Each slot's address as an int32 (NaN: empty; every int32, -1 = 255.255.255.255 too, is an address). */
const v4Keys = new Float64Array(SLOTS).fill(NaN);
const v4Text: string[] = new Array<string>(SLOTS).fill('');

export function ipv4ToString(b: Uint8Array, o: number): string {
  const w = (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
  const slot = (mix(0, w) >>> 22) & MASK;
  return v4Keys[slot] === w ? v4Text[slot] : newIpv4Text(w, slot);
}

/**
 * A cache miss, apart from the hit above: the decoder inlines ipv4ToString twice per packet, and
 * with the formatting inside, the two took most of V8's inlining budget for decodeIpv4, whose
 * field reads were then calls.
 */
function newIpv4Text(w: number, slot: number): string {
  const s = DEC[w >>> 24] + '.' + DEC[(w >>> 16) & 0xff] + '.' + DEC[(w >>> 8) & 0xff] + '.' + DEC[w & 0xff];
  v4Keys[slot] = w;
  v4Text[slot] = s;
  return s;
}

// ---- MAC ----
const macKeys = new Float64Array(SLOTS).fill(-1);
const macText: string[] = new Array<string>(SLOTS).fill('');

export function macToString(b: Uint8Array, o: number): string {
  const hi = (b[o] << 8) | b[o + 1];
  const lo = (b[o + 2] << 24) | (b[o + 3] << 16) | (b[o + 4] << 8) | b[o + 5];
  const key = hi * 0x100000000 + (lo >>> 0); // 48 bits: exact in a double
  const slot = (mix(mix(0, hi), lo) >>> 22) & MASK;
  if (macKeys[slot] === key) return macText[slot];
  const s =
    HEX2[b[o]] + ':' + HEX2[b[o + 1]] + ':' + HEX2[b[o + 2]] + ':' +
    HEX2[b[o + 3]] + ':' + HEX2[b[o + 4]] + ':' + HEX2[b[o + 5]];
  macKeys[slot] = key;
  macText[slot] = s;
  return s;
}

// ---- IPv6 ----
const v6Keys = new Uint32Array(SLOTS * 4);
const v6Used = new Uint8Array(SLOTS);
const v6Text: string[] = new Array<string>(SLOTS).fill('');

function word32(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}

export function ipv6ToString(b: Uint8Array, o: number): string {
  const w0 = word32(b, o);
  const w1 = word32(b, o + 4);
  const w2 = word32(b, o + 8);
  const w3 = word32(b, o + 12);
  const slot = (mix(mix(mix(mix(0, w0), w1), w2), w3) >>> 22) & MASK;
  const k = slot * 4;
  if (v6Used[slot] === 1 && v6Keys[k] === w0 && v6Keys[k + 1] === w1 && v6Keys[k + 2] === w2 && v6Keys[k + 3] === w3) {
    return v6Text[slot];
  }
  const s = formatIpv6(b, o);
  v6Keys[k] = w0;
  v6Keys[k + 1] = w1;
  v6Keys[k + 2] = w2;
  v6Keys[k + 3] = w3;
  v6Used[slot] = 1;
  v6Text[slot] = s;
  return s;
}

/** RFC 5952 text of the 16 bytes at b[o]. Uncached; see ipv6ToString. */
export function formatIpv6(b: Uint8Array, o: number): string {
  // Longest run of zero groups (length >= 2), first one wins ties.
  let bestStart = -1;
  let bestLen = 0;
  let runStart = -1;
  for (let g = 0; g <= 8; g++) {
    const zero = g < 8 && b[o + 2 * g] === 0 && b[o + 2 * g + 1] === 0;
    if (zero) {
      if (runStart < 0) runStart = g;
    } else if (runStart >= 0) {
      const len = g - runStart;
      if (len > bestLen) {
        bestLen = len;
        bestStart = runStart;
      }
      runStart = -1;
    }
  }
  if (bestLen < 2) bestStart = -1;
  // Embedded IPv4, exactly when tshark (glibc inet_ntop) prints it: IPv4-mapped ::ffff:a.b.c.d,
  // and the deprecated IPv4-compatible ::a.b.c.d (six zero groups, seventh non-zero).
  if (bestStart === 0 && (bestLen === 6 || (bestLen === 5 && b[o + 10] === 0xff && b[o + 11] === 0xff))) {
    const tail = DEC[b[o + 12]] + '.' + DEC[b[o + 13]] + '.' + DEC[b[o + 14]] + '.' + DEC[b[o + 15]];
    return bestLen === 6 ? '::' + tail : '::ffff:' + tail;
  }
  let s = '';
  for (let g = 0; g < 8; g++) {
    if (g === bestStart) {
      s += '::';
      g += bestLen - 1;
      continue;
    }
    if (s.length > 0 && !s.endsWith(':')) s += ':';
    const v = (b[o + 2 * g] << 8) | b[o + 2 * g + 1];
    s += v.toString(16);
  }
  return s;
}
