/**
 * Address text for the tuple parsers: parse the dotted-quad / RFC 4291 forms found inside FTP
 * commands, and print them with the decoder's formatter (tshark's form: RFC 5952 lower case,
 * "::ffff:a.b.c.d" for mapped addresses). The analysis compares these strings with the decoder's
 * packet addresses, so both must come from the same code. Pure functions; nothing throws.
 */

import { formatIpv6 as decodeFormatIpv6 } from '../decode/addr.js';

/** "a.b.c.d" → its four bytes, or null. Decimal only, each 0..255, 1–3 digits. */
export function parseIpv4Text(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

/** RFC 4291 text (with "::" and an optional trailing dotted quad) → 16 bytes, or null. */
export function parseIpv6Text(text: string): number[] | null {
  if (text.length < 2 || text.length > 45) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = parseGroups(halves[0]);
  const tail = halves.length === 2 ? parseGroups(halves[1]) : [];
  if (head === null || tail === null) return null;
  const total = head.length + tail.length;
  if (halves.length === 2 ? total > 7 : total !== 8) return null;
  const words = [...head, ...new Array<number>(8 - total).fill(0), ...tail];
  const out: number[] = [];
  for (const w of words) out.push(w >> 8, w & 0xff);
  return out;
}

/** Colon-separated 16-bit groups; the last may be a dotted quad (two groups). '' → []. */
function parseGroups(text: string): number[] | null {
  if (text === '') return [];
  const parts = text.split(':');
  const words: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (i === parts.length - 1 && part.includes('.')) {
      const v4 = parseIpv4Text(part);
      if (v4 === null) return null;
      words.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    } else {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(part)) return null;
      words.push(parseInt(part, 16));
    }
  }
  return words;
}

/** Four bytes → "a.b.c.d". */
export function formatIpv4(bytes: ArrayLike<number>): string {
  return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
}

/** Sixteen bytes → the decoder's IPv6 text, so tuple addresses compare equal to packet addresses. */
export function formatIpv6(bytes: ArrayLike<number>): string {
  return decodeFormatIpv6(bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes), 0);
}
