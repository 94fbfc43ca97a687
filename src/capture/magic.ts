/** Capture formats recognised by their first four bytes (never by file name). */
export type Magic =
  | { kind: 'gzip' }
  | { kind: 'pcap'; byteOrder: 'little' | 'big'; nanosecond: boolean }
  | { kind: 'pcapng' }
  | { kind: 'unknown' };

/** Bytes needed to classify. */
export const MAGIC_LENGTH = 4;

const GZIP = 0x1f8b;
/** pcap magics as read big-endian from the first four bytes. */
const PCAP_US_BE = 0xa1b2c3d4;
const PCAP_US_LE = 0xd4c3b2a1;
const PCAP_NS_BE = 0xa1b23c4d;
const PCAP_NS_LE = 0x4d3cb2a1;
/** pcapng Section Header Block type: a palindrome, so the same in both byte orders. */
const PCAPNG_SHB = 0x0a0d0d0a;

/** Classify the first bytes (`head` must hold at least MAGIC_LENGTH bytes, or 2 for gzip). */
export function classifyMagic(head: Uint8Array): Magic {
  if (head.length >= 2 && ((head[0] << 8) | head[1]) === GZIP) return { kind: 'gzip' };
  if (head.length < MAGIC_LENGTH) return { kind: 'unknown' };
  const word = ((head[0] << 24) | (head[1] << 16) | (head[2] << 8) | head[3]) >>> 0;
  switch (word) {
    case PCAP_US_BE:
      return { kind: 'pcap', byteOrder: 'big', nanosecond: false };
    case PCAP_US_LE:
      return { kind: 'pcap', byteOrder: 'little', nanosecond: false };
    case PCAP_NS_BE:
      return { kind: 'pcap', byteOrder: 'big', nanosecond: true };
    case PCAP_NS_LE:
      return { kind: 'pcap', byteOrder: 'little', nanosecond: true };
    case PCAPNG_SHB:
      return { kind: 'pcapng' };
    default:
      return { kind: 'unknown' };
  }
}

/** The microsecond magic bytes of a byte order, as they appear in the file. */
export function microsecondMagicBytes(byteOrder: 'little' | 'big'): readonly number[] {
  return byteOrder === 'big' ? [0xa1, 0xb2, 0xc3, 0xd4] : [0xd4, 0xc3, 0xb2, 0xa1];
}

/** "0x0102…" of up to the first four bytes, for the not-a-capture message. */
export function magicHex(head: Uint8Array): string {
  let hex = '';
  for (let i = 0; i < Math.min(head.length, MAGIC_LENGTH); i++) hex += head[i].toString(16).padStart(2, '0');
  return `0x${hex}`;
}
