/**
 * The record structure of a real capture file, for deriving damaged captures from it: where each
 * pcap record or pcapng block starts, how long it is, where its length and timestamp fields lie.
 * Editing helpers change those container fields (lengths, timestamps, block types), cut, remove,
 * duplicate or reorder whole records — the damage that happens to files in the field. Packet bytes
 * are never written by hand: the one packet-level edit, `snap`, only shortens what was captured.
 *
 * Classic pcap (both byte orders, µs and ns) and pcapng (per-section byte order).
 */
import { gunzipSync } from 'node:zlib';
import type { FieldDef } from '../../src/decode/fields.js';

export type CaptureKind = 'pcap' | 'pcapng';

export interface RecordInfo {
  /** Byte offset of the record header / block in the file. */
  offset: number;
  /** Whole record or block length (pcap: 16 + caplen). */
  length: number;
  /** pcapng block type; for pcap records 'record'. */
  type: number | 'record';
  /** Frame number (1-based) when this is a packet record, else null. */
  frame: number | null;
  littleEndian: boolean;
  /** Offsets (absolute) of the fields an edit may touch; absent when the block has no such field. */
  fields: Partial<Record<RecordField, number>>;
  /** Captured length as recorded (packet records). */
  caplen: number | null;
  /** Absolute offset of the packet data. */
  dataOffset: number | null;
}

export type RecordField = 'caplen' | 'origlen' | 'ts-high' | 'ts-low' | 'block-length' | 'trailing-length' | 'type';

export interface CaptureIndex {
  kind: CaptureKind;
  littleEndian: boolean;
  /** Length of the file header (pcap: 24; pcapng: the first section header block). */
  headerLength: number;
  /** pcap: snap length from the file header; pcapng: 0. */
  snapLength: number;
  /** pcap: the file header is records[-]; pcapng: records include every block, SHB first. */
  records: RecordInfo[];
  /** Bytes after the last whole record (a cut-short tail). */
  tail: number;
  /** Frames (packet records) in the file. */
  frames: number;
}

export const BLOCK = {
  SHB: 0x0a0d0d0a,
  IDB: 0x00000001,
  OPB: 0x00000002,
  SPB: 0x00000003,
  EPB: 0x00000006,
} as const;

const PCAP_HEADER = 24;
const PCAP_RECORD_HEADER = 16;
const BOM = 0x1a2b3c4d;

export function ungzip(file: Buffer): Buffer {
  return file[0] === 0x1f && file[1] === 0x8b ? gunzipSync(file) : file;
}

export function captureKind(buf: Buffer): CaptureKind | null {
  if (buf.length < 4) return null;
  const be = buf.readUInt32BE(0);
  if (be === BLOCK.SHB) return 'pcapng';
  if ([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1].includes(be)) return 'pcap';
  return null;
}

const u32 = (b: Buffer, at: number, le: boolean): number => (le ? b.readUInt32LE(at) : b.readUInt32BE(at));
const u16 = (b: Buffer, at: number, le: boolean): number => (le ? b.readUInt16LE(at) : b.readUInt16BE(at));

/**
 * Index a capture. Indexing stops at the first record that does not fit the file or looks damaged
 * (the rest counts as `tail`), so it also works on already damaged files. Null when the file
 * header itself is not intact.
 */
export function indexCapture(buf: Buffer): CaptureIndex | null {
  const kind = captureKind(buf);
  if (kind === 'pcap') return indexPcap(buf);
  if (kind === 'pcapng') return indexPcapng(buf);
  return null;
}

function indexPcap(buf: Buffer): CaptureIndex | null {
  if (buf.length < PCAP_HEADER) return null;
  const le = buf.readUInt32LE(0) === 0xa1b2c3d4 || buf.readUInt32LE(0) === 0xa1b23c4d;
  const records: RecordInfo[] = [];
  let off = PCAP_HEADER;
  while (off + PCAP_RECORD_HEADER <= buf.length) {
    const caplen = u32(buf, off + 8, le);
    const length = PCAP_RECORD_HEADER + caplen;
    if (off + length > buf.length) break;
    records.push({
      offset: off,
      length,
      type: 'record',
      frame: records.length + 1,
      littleEndian: le,
      fields: { 'ts-high': off, 'ts-low': off + 4, caplen: off + 8, origlen: off + 12 },
      caplen,
      dataOffset: off + PCAP_RECORD_HEADER,
    });
    off += length;
  }
  return {
    kind: 'pcap',
    littleEndian: le,
    headerLength: PCAP_HEADER,
    snapLength: u32(buf, 16, le),
    records,
    tail: buf.length - off,
    frames: records.length,
  };
}

function indexPcapng(buf: Buffer): CaptureIndex | null {
  if (buf.length < 28) return null;
  let le: boolean;
  const records: RecordInfo[] = [];
  let off = 0;
  let frames = 0;
  let headerLength = 0;
  le = buf.readUInt32LE(8) === BOM;
  while (off + 12 <= buf.length) {
    const rawType = buf.readUInt32LE(off);
    if (rawType === BLOCK.SHB) {
      if (buf.readUInt32LE(off + 8) === BOM) le = true;
      else if (buf.readUInt32BE(off + 8) === BOM) le = false;
      else break;
    }
    const type = u32(buf, off, le);
    const length = u32(buf, off + 4, le);
    if (length < 12 || length % 4 !== 0 || off + length > buf.length) break;
    if (u32(buf, off + length - 4, le) !== length) break;
    const fields: RecordInfo['fields'] = { type: off, 'block-length': off + 4, 'trailing-length': off + length - 4 };
    let frame: number | null = null;
    let caplen: number | null = null;
    let dataOffset: number | null = null;
    if (type === BLOCK.EPB || type === BLOCK.OPB) {
      frame = ++frames;
      Object.assign(fields, { 'ts-high': off + 12, 'ts-low': off + 16, caplen: off + 20, origlen: off + 24 });
      caplen = u32(buf, off + 20, le);
      dataOffset = off + 28;
    } else if (type === BLOCK.SPB) {
      frame = ++frames;
      Object.assign(fields, { origlen: off + 8 });
      caplen = Math.min(u32(buf, off + 8, le), length - 16);
      dataOffset = off + 12;
    }
    if (records.length === 0) headerLength = length;
    records.push({ offset: off, length, type, frame, littleEndian: le, fields, caplen, dataOffset });
    off += length;
  }
  if (records.length === 0 || records[0].type !== BLOCK.SHB) return null;
  return { kind: 'pcapng', littleEndian: records[0].littleEndian, headerLength, snapLength: 0, records, tail: buf.length - off, frames };
}

/** The records that are packets, in frame order. */
export function packetRecords(index: CaptureIndex): RecordInfo[] {
  return index.records.filter((r) => r.frame !== null);
}

/** Write a 32-bit field in the record's byte order (returns a copy). */
export function setField(buf: Buffer, rec: RecordInfo, field: RecordField, value: number): Buffer {
  const at = rec.fields[field];
  if (at === undefined) return buf;
  const out = Buffer.from(buf);
  if (rec.littleEndian) out.writeUInt32LE(value >>> 0, at);
  else out.writeUInt32BE(value >>> 0, at);
  return out;
}

export function readField(buf: Buffer, rec: RecordInfo, field: RecordField): number | null {
  const at = rec.fields[field];
  return at === undefined ? null : u32(buf, at, rec.littleEndian);
}

const slice = (buf: Buffer, r: RecordInfo): Buffer => buf.subarray(r.offset, r.offset + r.length);

/** Rebuild the file from its header, the given records (in that order) and the tail. */
function rebuild(buf: Buffer, index: CaptureIndex, records: RecordInfo[]): Buffer {
  const head = index.kind === 'pcap' ? [buf.subarray(0, PCAP_HEADER)] : [];
  const tail = buf.subarray(buf.length - index.tail);
  return Buffer.concat([...head, ...records.map((r) => slice(buf, r)), tail]);
}

export function removeRecord(buf: Buffer, index: CaptureIndex, i: number): Buffer {
  return rebuild(buf, index, index.records.filter((_, j) => j !== i));
}

export function duplicateRecord(buf: Buffer, index: CaptureIndex, i: number): Buffer {
  const recs = [...index.records];
  recs.splice(i + 1, 0, index.records[i]);
  return rebuild(buf, index, recs);
}

export function swapRecords(buf: Buffer, index: CaptureIndex, i: number, j: number): Buffer {
  const recs = [...index.records];
  [recs[i], recs[j]] = [recs[j], recs[i]];
  return rebuild(buf, index, recs);
}

/**
 * Shorten what was captured of a packet record to `keep` bytes (a snap length cut: captured
 * < original length). pcap: the record loses its last bytes; pcapng EPB: the captured-length
 * field says less, the block keeps its size (the rest is padding). SPB/other blocks: unchanged.
 */
export function snapRecord(buf: Buffer, index: CaptureIndex, i: number, keep: number): Buffer {
  const r = index.records[i];
  if (r.caplen === null || r.dataOffset === null || keep >= r.caplen || r.fields.caplen === undefined) return buf;
  const edited = setField(buf, r, 'caplen', keep);
  if (index.kind === 'pcapng') return edited;
  return Buffer.concat([edited.subarray(0, r.dataOffset + keep), edited.subarray(r.dataOffset + r.caplen)]);
}

/** A window of a large pcap: its file header and `count` records from record `start`. */
export function pcapWindow(buf: Buffer, index: CaptureIndex, start: number, count: number): Buffer {
  if (index.kind !== 'pcap') throw new Error('windows are taken of classic pcap files only');
  const recs = index.records.slice(start, start + count);
  return Buffer.concat([buf.subarray(0, PCAP_HEADER), ...recs.map((r) => slice(buf, r))]);
}

/** A 16-bit field of a packet (offset from the packet data) and the checksums covering it. */
export interface Word16 {
  offset: number;
  /** Offsets (from the packet data) of 16-bit one's-complement checksums that cover the field. */
  checksums: number[];
}

/**
 * `count` copies of packet record `i`, copy k with `fields[j]` set to `values(k)[j]`, placed right
 * after the record (same timestamp), or after record `opts.after` with that record's timestamp;
 * e.g. a SYN repeated from many source addresses and ports.
 * The checksums covering each field are adjusted incrementally (RFC 1624), so a checksum that was
 * right stays right. Nothing else of the packet changes.
 */
export function replicateRecord(
  buf: Buffer,
  index: CaptureIndex,
  i: number,
  count: number,
  fields: Word16[],
  values: (k: number) => number[],
  opts: { after?: number } = {},
): Buffer {
  const r = index.records[i];
  if (r.dataOffset === null) throw new Error('not a packet record');
  const template = slice(buf, r);
  const rel = r.dataOffset - r.offset;
  const copies = Buffer.allocUnsafe(template.length * count);
  for (let k = 0; k < count; k++) {
    const c = copies.subarray(k * template.length, (k + 1) * template.length);
    template.copy(c);
    const vs = values(k);
    fields.forEach((f, j) => {
      const at = rel + f.offset;
      const old = c.readUInt16BE(at);
      const v = vs[j] & 0xffff;
      c.writeUInt16BE(v, at);
      for (const cs of f.checksums) {
        // HC' = ~(~HC + ~m + m')
        let sum = (~c.readUInt16BE(rel + cs) & 0xffff) + (~old & 0xffff) + v;
        while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
        c.writeUInt16BE(~sum & 0xffff, rel + cs);
      }
    });
  }
  const at = opts.after ?? i;
  const recs = index.records;
  if (opts.after !== undefined) {
    const src = recs[at];
    for (const field of ['ts-high', 'ts-low'] as const) {
      const from = src.fields[field];
      const rel2 = r.fields[field];
      if (from === undefined || rel2 === undefined) continue;
      for (let k = 0; k < count; k++) buf.copy(copies, k * template.length + (rel2 - r.offset), from, from + 4);
    }
  }
  const head = index.kind === 'pcap' ? [buf.subarray(0, PCAP_HEADER)] : [];
  return Buffer.concat([...head, ...recs.slice(0, at + 1).map((x) => slice(buf, x)), copies, ...recs.slice(at + 1).map((x) => slice(buf, x))]);
}

export { u16 as readU16, u32 as readU32 };

/** The file with its records in the given order (indices into index.records; may repeat or omit). */
export function reorderRecords(buf: Buffer, index: CaptureIndex, order: number[]): Buffer {
  return rebuild(buf, index, order.map((i) => index.records[i]));
}

/** Move record `from` to position `to` (indices in the index; the others keep their order). */
export function moveRecord(buf: Buffer, index: CaptureIndex, from: number, to: number): Buffer {
  const recs = index.records.filter((_, j) => j !== from);
  recs.splice(to, 0, index.records[from]);
  return rebuild(buf, index, recs);
}

/**
 * Set one header field of a real packet, located by the decoders' own field table (src/decode/
 * fields.ts): `headerOffset` is where that header starts in the packet data. The bits outside
 * the field are kept; checksums are left as they were (the edited packet is damaged, as found).
 */
export function setPacketField(buf: Buffer, index: CaptureIndex, i: number, headerOffset: number, f: FieldDef, value: number): Buffer {
  const r = index.records[i];
  if (r.dataOffset === null) throw new Error('not a packet record');
  const at = r.dataOffset + headerOffset + f.offset;
  const out = Buffer.from(buf);
  const full = f.size === 4 ? 0xffffffff : (1 << (f.size * 8)) - 1;
  const mask = (f.mask === undefined || f.mask === -1 ? full : f.mask) >>> 0;
  const raw = f.size === 1 ? out[at] : f.size === 2 ? out.readUInt16BE(at) : out.readUInt32BE(at);
  const v = (((Math.floor(value / (f.scale ?? 1)) << (f.shift ?? 0)) & mask) | (raw & ~mask)) >>> 0;
  if (f.size === 1) out[at] = v;
  else if (f.size === 2) out.writeUInt16BE(v & 0xffff, at);
  else out.writeUInt32BE(v, at);
  return out;
}
