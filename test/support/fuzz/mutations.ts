/**
 * Seeded mutations of real captures, as plain data: a case is a fixture plus a list of `Op`s, so a
 * case the fuzzer found can be written down (seed, case number, ops) and replayed exactly, without
 * committing any bytes. `generateOps` draws ops from a seeded generator; `applyOps` applies them
 * one after another, each to the result of the previous (record numbers refer to the file as it
 * is at that step; an op that no longer fits is a no-op).
 */
import {
  BLOCK,
  duplicateRecord,
  indexCapture,
  packetRecords,
  readField,
  removeRecord,
  setField,
  snapRecord,
  swapRecords,
  type CaptureIndex,
  type RecordField,
} from '../capture-records.js';

/** Small, fast, seedable (mulberry32). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** A seed for case `i` of a run with seed `seed` (every case replays from these two numbers). */
export function caseSeed(seed: number, i: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (i + 0x7f4a7c15), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export type Op =
  /** XOR one byte. */
  | { op: 'flip'; at: number; mask: number }
  /** Insert `length` pseudo-random bytes (from `seed`) before offset `at`. */
  | { op: 'insert'; at: number; length: number; seed: number }
  | { op: 'delete'; at: number; length: number }
  /** Keep only the first `at` bytes (a capture cut short). */
  | { op: 'cut'; at: number }
  /** Set a 32-bit container field of record/block `record` (0-based in the index; pcapng: SHB is 0). */
  | { op: 'field'; record: number; field: RecordField; value: number }
  | { op: 'duplicate'; record: number }
  | { op: 'swap'; a: number; b: number }
  | { op: 'remove'; record: number }
  /** Shorten what was captured of packet record `record` to `keep` bytes. */
  | { op: 'snap'; record: number; keep: number }
  /** pcap file header / first pcapng section header fields. */
  | { op: 'header'; field: 'magic' | 'version-major' | 'version-minor' | 'snaplen' | 'linktype'; value: number };

export type Category = 'flip' | 'insert-delete' | 'length' | 'cut' | 'records' | 'header' | 'time' | 'snap' | 'combo';

export function describeOp(o: Op): string {
  switch (o.op) {
    case 'flip':
      return `flip byte ${o.at} ^0x${o.mask.toString(16)}`;
    case 'insert':
      return `insert ${o.length} bytes at ${o.at} (seed ${o.seed})`;
    case 'delete':
      return `delete ${o.length} bytes at ${o.at}`;
    case 'cut':
      return `cut at byte ${o.at}`;
    case 'field':
      return `record ${o.record} ${o.field} = 0x${(o.value >>> 0).toString(16)}`;
    case 'duplicate':
      return `duplicate record ${o.record}`;
    case 'swap':
      return `swap records ${o.a} and ${o.b}`;
    case 'remove':
      return `remove record ${o.record}`;
    case 'snap':
      return `snap record ${o.record} to ${o.keep} bytes`;
    case 'header':
      return `header ${o.field} = 0x${(o.value >>> 0).toString(16)}`;
  }
}

function randomBytes(seed: number, n: number): Buffer {
  const r = new Rng(seed);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = r.int(256);
  return b;
}

function applyOne(buf: Buffer, o: Op): Buffer {
  switch (o.op) {
    case 'flip': {
      if (o.at >= buf.length) return buf;
      const out = Buffer.from(buf);
      out[o.at] ^= o.mask;
      return out;
    }
    case 'insert': {
      const at = Math.min(o.at, buf.length);
      return Buffer.concat([buf.subarray(0, at), randomBytes(o.seed, o.length), buf.subarray(at)]);
    }
    case 'delete':
      return Buffer.concat([buf.subarray(0, o.at), buf.subarray(o.at + o.length)]);
    case 'cut':
      return buf.subarray(0, o.at);
    case 'header':
      return setHeader(buf, o.field, o.value);
  }
  const index = indexCapture(buf);
  if (index === null) return buf;
  const n = index.records.length;
  switch (o.op) {
    case 'field':
      return o.record < n ? setField(buf, index.records[o.record], o.field, o.value) : buf;
    case 'duplicate':
      return o.record < n ? duplicateRecord(buf, index, o.record) : buf;
    case 'swap':
      return o.a < n && o.b < n ? swapRecords(buf, index, o.a, o.b) : buf;
    case 'remove':
      return o.record < n ? removeRecord(buf, index, o.record) : buf;
    case 'snap':
      return o.record < n ? snapRecord(buf, index, o.record, o.keep) : buf;
  }
}

function setHeader(buf: Buffer, field: Extract<Op, { op: 'header' }>['field'], value: number): Buffer {
  const index = indexCapture(buf);
  const out = Buffer.from(buf);
  const le = index?.littleEndian ?? true;
  const w32 = (at: number): void => {
    if (at + 4 > out.length) return;
    if (le) out.writeUInt32LE(value >>> 0, at);
    else out.writeUInt32BE(value >>> 0, at);
  };
  const w16 = (at: number): void => {
    if (at + 2 > out.length) return;
    if (le) out.writeUInt16LE(value & 0xffff, at);
    else out.writeUInt16BE(value & 0xffff, at);
  };
  const pcapng = index?.kind === 'pcapng';
  switch (field) {
    case 'magic':
      // As written in the file, big-endian: the bytes a reader sniffs.
      if (out.length >= 4) out.writeUInt32BE(value >>> 0, 0);
      break;
    case 'version-major':
      w16(pcapng ? 12 : 4);
      break;
    case 'version-minor':
      w16(pcapng ? 14 : 6);
      break;
    case 'snaplen':
      if (!pcapng) w32(16);
      break;
    case 'linktype':
      if (!pcapng) w32(20);
      break;
  }
  return out;
}

export function applyOps(buf: Buffer, ops: readonly Op[]): Buffer {
  let out = buf;
  for (const o of ops) out = applyOne(out, o);
  return out;
}

/** Interesting values for a 32-bit length field. */
function lengthValue(r: Rng, current: number, fileLength: number, snap: number): number {
  return r.pick([
    0,
    0xffffffff,
    0x7fffffff,
    0x80000000,
    0x01000000,
    0x00ffffff,
    fileLength,
    fileLength + 1,
    snap + 1,
    current + 1,
    Math.max(0, current - 1),
    current + 4,
    Math.max(0, current - 4),
    1,
    3,
    12,
    16,
    28,
    65535,
    65536,
    262145,
  ]) >>> 0;
}

/**
 * One case's ops for a capture. `category` chooses the kind of damage; the positions and values are
 * drawn from `r`.
 */
export function generateOps(r: Rng, buf: Buffer, index: CaptureIndex, category: Category): Op[] {
  const len = buf.length;
  const recs = index.records;
  const packets = packetRecords(index);
  const anyRecord = (): number => r.int(recs.length);
  const packetIndex = (): number => (packets.length ? recs.indexOf(r.pick(packets)) : anyRecord());
  /** An offset inside some record header (where damage is most consequential), or anywhere. */
  const offset = (): number => {
    if (r.chance(0.4) && recs.length) {
      const rec = recs[anyRecord()];
      const span = rec.dataOffset !== null ? rec.dataOffset - rec.offset + 64 : Math.min(rec.length, 32);
      return Math.min(len - 1, rec.offset + r.int(Math.min(span, rec.length)));
    }
    return r.int(len);
  };
  switch (category) {
    case 'flip': {
      const n = r.pick([1, 1, 1, 2, 3, 8]);
      return Array.from({ length: n }, () => ({ op: 'flip' as const, at: offset(), mask: r.range(1, 255) }));
    }
    case 'insert-delete': {
      const at = r.chance(0.5) && recs.length ? recs[anyRecord()].offset + r.pick([0, 0, 4, 8, 16]) : offset();
      if (r.chance(0.5)) return [{ op: 'insert', at, length: r.pick([1, 2, 3, 4, 7, 16, 64, 300]), seed: r.int(2 ** 31) }];
      return [{ op: 'delete', at, length: r.pick([1, 2, 3, 4, 8, 16, 64, 300]) }];
    }
    case 'length': {
      const i = r.chance(0.7) ? packetIndex() : anyRecord();
      const rec = recs[i];
      const fields = Object.keys(rec.fields).filter((f) => f !== 'type' && f !== 'ts-high' && f !== 'ts-low') as RecordField[];
      const field = r.pick(fields);
      const current = readField(buf, rec, field) ?? 0;
      return [{ op: 'field', record: i, field, value: lengthValue(r, current, len, index.snapLength) }];
    }
    case 'cut':
      return [{ op: 'cut', at: r.chance(0.15) && recs.length ? recs[anyRecord()].offset + r.pick([0, 1, 15, 16, 17]) : r.int(len + 1) }];
    case 'records': {
      const kind = r.int(index.kind === 'pcapng' ? 5 : 3);
      const n = recs.length;
      if (kind === 0) return [{ op: 'duplicate', record: anyRecord() }];
      if (kind === 1) {
        // Heavy reordering: a few swaps, near and far.
        const k = r.pick([1, 1, 2, 5, 20]);
        return Array.from({ length: k }, () => {
          const a = r.int(n);
          const b = r.chance(0.5) ? Math.min(n - 1, a + r.range(1, 3)) : r.int(n);
          return { op: 'swap' as const, a, b };
        });
      }
      if (kind === 2) return [{ op: 'remove', record: anyRecord() }];
      // pcapng: a block of unknown type, or a missing interface description.
      if (kind === 3) return [{ op: 'field', record: anyRecord(), field: 'type', value: r.pick([0x0badf00d, 0x80000001, 0x00000004, 0x00000005, 0x00000bad, 0x7fffffff]) }];
      const idb = recs.findIndex((x) => x.type === BLOCK.IDB);
      return [{ op: 'remove', record: idb >= 0 ? idb : anyRecord() }];
    }
    case 'header': {
      const field = r.pick(['magic', 'version-major', 'version-minor', 'snaplen', 'linktype'] as const);
      const value =
        field === 'magic'
          ? r.pick([0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0x0a0d0d0a, 0x1f8b0800, 0, 0xffffffff, r.int(2 ** 32)])
          : field === 'linktype'
            ? r.pick([0, 1, 101, 113, 276, 12, 14, 108, 0xffff, 0x10000001, r.int(300)])
            : r.pick([0, 1, 2, 3, 4, 0xffff, 0xffffffff, r.int(2 ** 16)]);
      return [{ op: 'header', field, value }];
    }
    case 'time': {
      // Timestamps going backwards: an earlier time, zero, or the maximum.
      const i = packetIndex();
      const rec = recs[i];
      const field: RecordField = rec.fields['ts-high'] !== undefined ? r.pick(['ts-high', 'ts-low'] as const) : 'origlen';
      const cur = readField(buf, rec, field) ?? 0;
      return [{ op: 'field', record: i, field, value: r.pick([0, Math.max(0, cur - r.range(1, 100_000)), 0xffffffff, 999_999_999, 1_000_000]) }];
    }
    case 'snap': {
      const k = r.pick([1, 1, 3, 10]);
      return Array.from({ length: k }, () => {
        const i = packetIndex();
        const cap = recs[i]?.caplen ?? 0;
        return { op: 'snap' as const, record: i, keep: r.pick([0, 1, 13, 14, 15, 20, 33, 34, 38, 53, 54, 60, r.int(cap + 1)]) };
      });
    }
    case 'combo': {
      const cats: Category[] = ['flip', 'insert-delete', 'length', 'records', 'time', 'snap'];
      const ops: Op[] = [];
      const k = r.range(2, 4);
      for (let j = 0; j < k; j++) ops.push(...generateOps(r, buf, index, r.pick(cats)));
      if (r.chance(0.3)) ops.push({ op: 'cut', at: r.int(len + 1) });
      return ops;
    }
  }
}

export const CATEGORIES: readonly Category[] = ['flip', 'insert-delete', 'length', 'cut', 'records', 'header', 'time', 'snap', 'combo'];
