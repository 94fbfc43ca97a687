/**
 * Derive damaged or filtered captures from real ones, the way they happen in the field: a capture
 * cut short, segments the capture dropped, a capture filter that kept only some packets. Records are
 * kept or removed whole; no packet byte is written by hand. Classic pcap, either byte order.
 */
import { gunzipSync } from 'node:zlib';

export interface PcapRecord {
  frame: number;
  /** The record's header and data, as in the file. */
  bytes: Buffer;
  data: Buffer;
}

export function splitPcap(file: Buffer): { header: Buffer; records: PcapRecord[] } {
  const buf = file[0] === 0x1f && file[1] === 0x8b ? gunzipSync(file) : file;
  const magic = buf.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const records: PcapRecord[] = [];
  let off = 24;
  while (off + 16 <= buf.length) {
    const caplen = u32(off + 8);
    const end = off + 16 + caplen;
    if (end > buf.length) break;
    records.push({ frame: records.length + 1, bytes: buf.subarray(off, end), data: buf.subarray(off + 16, end) });
    off = end;
  }
  return { header: buf.subarray(0, 24), records };
}

/** A capture holding only the records `keep` accepts (frame numbers are renumbered, as in a filtered capture). */
export function filterPcap(file: Buffer, keep: (r: PcapRecord) => boolean): Buffer {
  const { header, records } = splitPcap(file);
  return Buffer.concat([header, ...records.filter(keep).map((r) => r.bytes)]);
}

/** TCP ports of an Ethernet/IPv4 record (enough for the fixtures this is used on). */
export function tcpPorts(r: PcapRecord): [number, number] | null {
  const d = r.data;
  if (d.length < 14 + 20 + 4 || d.readUInt16BE(12) !== 0x0800 || d[14 + 9] !== 6) return null;
  const ihl = (d[14] & 0x0f) * 4;
  return [d.readUInt16BE(14 + ihl), d.readUInt16BE(14 + ihl + 2)];
}

/**
 * One capture after another, as one file: `second`'s records follow `first`'s, their timestamps
 * moved by whole seconds to begin `gap` seconds after `first`'s last (each record header's seconds
 * field only; packets untouched), as `mergecap -a` of a capture taken later. Both must share the
 * byte order, link type and timestamp resolution. `from`: the combined capture's frame number of
 * `second`'s first record.
 */
export function appendPcap(first: Buffer, second: Buffer, gap: number): { file: Buffer; from: number } {
  const a = splitPcap(first);
  const b = splitPcap(second);
  if (!a.header.equals(b.header)) throw new Error('appendPcap: the two captures have different file headers');
  const le = a.header.readUInt32LE(0) === 0xa1b2c3d4 || a.header.readUInt32LE(0) === 0xa1b23c4d;
  const sec = (r: PcapRecord): number => (le ? r.bytes.readUInt32LE(0) : r.bytes.readUInt32BE(0));
  const last = Math.max(...a.records.map(sec));
  const shift = last + 1 + gap - sec(b.records[0]);
  const moved = b.records.map((r) => {
    const bytes = Buffer.from(r.bytes);
    if (le) bytes.writeUInt32LE(sec(r) + shift, 0);
    else bytes.writeUInt32BE(sec(r) + shift, 0);
    return bytes;
  });
  return { file: Buffer.concat([a.header, ...a.records.map((r) => r.bytes), ...moved]), from: a.records.length + 1 };
}

/**
 * The capture with records `frame` and `frame + 1` in each other's place, each slot keeping its
 * timestamp (only which packet came first changes, as when a capture merged from two interfaces or
 * taken with -i any writes two connections' packets a moment apart in either order). Headers are
 * rewritten for their lengths only; packets untouched.
 */
export function swapNeighbours(file: Buffer, frame: number): Buffer {
  const { header, records } = splitPcap(file);
  const [a, b] = [records[frame - 1], records[frame]];
  const withTimeOf = (r: PcapRecord, slot: PcapRecord): Buffer => Buffer.concat([slot.bytes.subarray(0, 8), r.bytes.subarray(8)]);
  const out = records.map((r) => r.bytes);
  out[frame - 1] = withTimeOf(b, a);
  out[frame] = withTimeOf(a, b);
  return Buffer.concat([header, ...out]);
}

/**
 * Two captures of the same time, as one file: `second`'s records moved by whole seconds to begin
 * `overlap` seconds after `first`'s first (or left at their times: 'as-recorded', two capture
 * points of one run on one clock), then both merged in time order (`first`'s first at a
 * tie), as `mergecap` merges two capture points or two runs side by side (each record header's
 * seconds field only; packets untouched). Both must share the byte order, link type and timestamp
 * resolution. `frameOf(part, n)`: the merged capture's frame number of part's (0 or 1) frame n.
 */
export function mergePcap(first: Buffer, second: Buffer, overlap: number | 'as-recorded'): { file: Buffer; frameOf: (part: 0 | 1, frame: number) => number } {
  const a = splitPcap(first);
  const b = splitPcap(second);
  if (!a.header.equals(b.header)) throw new Error('mergePcap: the two captures have different file headers');
  const le = a.header.readUInt32LE(0) === 0xa1b2c3d4 || a.header.readUInt32LE(0) === 0xa1b23c4d;
  const unit = a.header.readUInt32LE(0) === 0xa1b23c4d || a.header.readUInt32BE(0) === 0xa1b23c4d ? 1e9 : 1e6;
  const u32 = (r: PcapRecord, o: number): number => (le ? r.bytes.readUInt32LE(o) : r.bytes.readUInt32BE(o));
  const time = (r: PcapRecord): number => u32(r, 0) + u32(r, 4) / unit;
  const shift = overlap === 'as-recorded' ? 0 : Math.ceil(time(a.records[0]) + overlap - time(b.records[0]));
  const moved = (r: PcapRecord): Buffer => {
    const bytes = Buffer.from(r.bytes);
    if (le) bytes.writeUInt32LE(u32(r, 0) + shift, 0);
    else bytes.writeUInt32BE(u32(r, 0) + shift, 0);
    return bytes;
  };
  const all = [
    ...a.records.map((r) => ({ part: 0 as const, frame: r.frame, t: time(r), bytes: r.bytes })),
    ...b.records.map((r) => ({ part: 1 as const, frame: r.frame, t: time(r) + shift, bytes: moved(r) })),
  ].sort((x, y) => x.t - y.t || x.part - y.part || x.frame - y.frame);
  const frames = [new Map<number, number>(), new Map<number, number>()];
  all.forEach((r, i) => frames[r.part].set(r.frame, i + 1));
  return { file: Buffer.concat([a.header, ...all.map((r) => r.bytes)]), frameOf: (part, frame) => frames[part].get(frame)! };
}

/**
 * Every record captured twice, each copy written after the record that follows it (a router's
 * `-i any` seeing a burst arrive, then leave; a mirror port's queue): 1, 2, 1', 3, 2', 4, 3' … A copy
 * takes the timestamp of the record written before it (time never runs backwards); packets
 * untouched. `frameOf(n)`: the frame of record n's first capture; `copyOf(n)`: of its copy.
 */
export function copiesLate(file: Buffer): { file: Buffer; frameOf: (frame: number) => number; copyOf: (frame: number) => number } {
  const { header, records } = splitPcap(file);
  const out: Buffer[] = [];
  const first: number[] = [0];
  const copy: number[] = [0];
  const withTimeOf = (r: PcapRecord, slot: Buffer): Buffer => Buffer.concat([slot.subarray(0, 8), r.bytes.subarray(8)]);
  records.forEach((r, i) => {
    out.push(r.bytes);
    first.push(out.length);
    if (i > 0) copy.push(out.push(withTimeOf(records[i - 1], r.bytes)));
  });
  copy.push(out.push(records[records.length - 1].bytes));
  return { file: Buffer.concat([header, ...out]), frameOf: (n) => first[n], copyOf: (n) => copy[n] };
}

/**
 * The capture with every timestamp cut down to a multiple of `res` seconds (each record header's
 * time fields only; packets untouched and in their order), as a tool that keeps milliseconds, or a
 * device that stamps packets in batches, writes them: packets apart in time may then share one.
 */
export function coarseTimes(file: Buffer, res: number): Buffer {
  const { header, records } = splitPcap(file);
  const magic = header.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  const unit = magic === 0xa1b23c4d || header.readUInt32BE(0) === 0xa1b23c4d ? 1e9 : 1e6;
  const step = Math.round(res * unit);
  const out = records.map((r) => {
    const bytes = Buffer.from(r.bytes);
    const sec = le ? bytes.readUInt32LE(0) : bytes.readUInt32BE(0);
    const frac = le ? bytes.readUInt32LE(4) : bytes.readUInt32BE(4);
    // In whole units of `res` from the second's start (res a fraction of a second) or from 0.
    const total = step >= unit ? Math.floor(sec / (step / unit)) * (step / unit) : sec;
    const sub = step >= unit ? 0 : Math.floor(frac / step) * step;
    if (le) (bytes.writeUInt32LE(total, 0), bytes.writeUInt32LE(sub, 4));
    else (bytes.writeUInt32BE(total, 0), bytes.writeUInt32BE(sub, 4));
    return bytes;
  });
  return Buffer.concat([header, ...out]);
}
