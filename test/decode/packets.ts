/**
 * Tiny packet builders for decoder unit tests. Checksums are computed here with a deliberately
 * naive sum (independent of src/decode/checksum.ts), and the tests pin the resulting values to
 * numbers checked against tshark by hand.
 */
import type { CaptureRecord } from '../../src/capture/types.js';

export type Bytes = Uint8Array;

export function concat(...parts: ArrayLike<number>[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const u16 = (v: number): number[] => [(v >> 8) & 0xff, v & 0xff];
export const u32 = (v: number): number[] => [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];

export function ip4(a: string): number[] {
  return a.split('.').map(Number);
}

/** Parse an IPv6 text address (with at most one '::'). */
export function ip6(a: string): number[] {
  const [head, tail] = a.includes('::') ? a.split('::') : [a, undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined ? [] : tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => u16(parseInt(g, 16)));
}

export function mac(m: string): number[] {
  return m.split(':').map((x) => parseInt(x, 16));
}

/** Naive one's-complement checksum of the concatenated parts. */
export function naiveChecksum(...parts: ArrayLike<number>[]): number {
  const all = Array.from(concat(...parts));
  if (all.length % 2 === 1) all.push(0);
  let sum = 0;
  for (let i = 0; i < all.length; i += 2) sum += all[i] * 256 + all[i + 1];
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 65536);
  return ~sum & 0xffff;
}

export interface Ipv4Opts {
  src?: string;
  dst?: string;
  proto?: number;
  id?: number;
  flags?: number; // 3 bits
  fragOffset?: number; // bytes (multiple of 8)
  ttl?: number;
  dsfield?: number;
  options?: number[];
  /** Override the IHL nibble (words) or the total length; checksum stays computed over the result. */
  ihl?: number;
  totalLength?: number;
  checksum?: number;
}

export function ipv4(payload: ArrayLike<number>, o: Ipv4Opts = {}): Bytes {
  const options = o.options ?? [];
  const hl = 20 + options.length;
  const ihl = o.ihl ?? hl / 4;
  const total = o.totalLength ?? hl + payload.length;
  const h = concat(
    [0x40 | ihl, o.dsfield ?? 0],
    u16(total),
    u16(o.id ?? 0x1234),
    u16(((o.flags ?? 0) << 13) | ((o.fragOffset ?? 0) / 8)),
    [o.ttl ?? 64, o.proto ?? 6, 0, 0],
    ip4(o.src ?? '192.0.2.1'),
    ip4(o.dst ?? '198.51.100.2'),
    options,
  );
  const c = o.checksum ?? naiveChecksum(h);
  h[10] = c >> 8;
  h[11] = c & 0xff;
  return concat(h, payload);
}

export interface Ipv6Opts {
  src?: string;
  dst?: string;
  nextHeader?: number;
  hopLimit?: number;
  trafficClass?: number;
  flowLabel?: number;
  payloadLength?: number;
}

export function ipv6(payload: ArrayLike<number>, o: Ipv6Opts = {}): Bytes {
  const first = ((6 << 28) | ((o.trafficClass ?? 0) << 20) | (o.flowLabel ?? 0)) >>> 0;
  return concat(
    u32(first),
    u16(o.payloadLength ?? payload.length),
    [o.nextHeader ?? 6, o.hopLimit ?? 64],
    ip6(o.src ?? '2001:db8::1'),
    ip6(o.dst ?? '2001:db8::2'),
    payload,
  );
}

export interface TcpOpts {
  srcPort?: number;
  dstPort?: number;
  seq?: number;
  ack?: number;
  flags?: number;
  window?: number;
  urgent?: number;
  options?: number[];
  /** Override the data-offset nibble (words). */
  dataOffset?: number;
  checksum?: number;
}

/** A TCP segment with its checksum over the pseudo-header of `pseudo` (v4 or v6 addresses). */
export function tcp(payload: ArrayLike<number>, o: TcpOpts = {}, pseudo?: { src: number[]; dst: number[] }): Bytes {
  const options = o.options ?? [];
  const hl = 20 + options.length;
  const off = o.dataOffset ?? hl / 4;
  const h = concat(
    u16(o.srcPort ?? 40000),
    u16(o.dstPort ?? 21),
    u32(o.seq ?? 1000),
    u32(o.ack ?? 0),
    u16((off << 12) | (o.flags ?? 0x002)),
    u16(o.window ?? 65535),
    [0, 0],
    u16(o.urgent ?? 0),
    options,
  );
  const seg = concat(h, payload);
  let c = o.checksum;
  if (c === undefined) {
    const p = pseudo ?? { src: ip4('192.0.2.1'), dst: ip4('198.51.100.2') };
    const len = seg.length;
    const ph = p.src.length === 4 ? concat(p.src, p.dst, [0, 6], u16(len)) : concat(p.src, p.dst, u32(len), [0, 0, 0, 6]);
    c = naiveChecksum(ph, seg);
  }
  seg[16] = c >> 8;
  seg[17] = c & 0xff;
  return seg;
}

export function ether(type: number, payload: ArrayLike<number>, dst = '00:11:22:33:44:55', src = '66:77:88:99:aa:bb'): Bytes {
  return concat(mac(dst), mac(src), u16(type), payload);
}

export function record(linkType: number, data: Bytes, frame = 1, originalLength = data.length, time = 1): CaptureRecord {
  return {
    frame,
    offset: 0,
    tsSec: Math.floor(time),
    tsNsec: Math.round((time % 1) * 1e9),
    time,
    linkType,
    interfaceId: 0,
    capturedLength: data.length,
    originalLength,
    data,
  };
}

/** A classic little-endian µs pcap of the records (for checking tests against tshark by hand). */
export function pcapFile(linkType: number, frames: Array<{ data: Bytes; originalLength?: number; time?: number }>): Bytes {
  const parts: number[][] = [];
  const le32 = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
  const le16 = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff];
  parts.push([...le32(0xa1b2c3d4), ...le16(2), ...le16(4), ...le32(0), ...le32(0), ...le32(262144), ...le32(linkType)]);
  frames.forEach((f, i) => {
    const t = f.time ?? i + 1;
    parts.push([...le32(Math.floor(t)), ...le32(Math.round((t % 1) * 1e6)), ...le32(f.data.length), ...le32(f.originalLength ?? f.data.length)]);
    parts.push(Array.from(f.data));
  });
  return concat(...parts);
}
