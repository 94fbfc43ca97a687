/** Tiny capture-file builders for the reader tests (file headers + a few records). */
import type { Warning } from '../../src/warnings/catalog.js';
import { Readable } from 'node:stream';
import { readCapture } from '../../src/capture/read-capture.js';
import { CAPTURE_WARNING_CODES } from '../../src/capture/warnings.js';
import type {
  CaptureHeaderInfo,
  CaptureInterface,
  CaptureReadResult,
  CaptureRecord,
} from '../../src/capture/types.js';

export type Order = 'le' | 'be';

function u16(v: number, o: Order): Buffer {
  const b = Buffer.alloc(2);
  if (o === 'le') b.writeUInt16LE(v);
  else b.writeUInt16BE(v);
  return b;
}
function u32(v: number, o: Order): Buffer {
  const b = Buffer.alloc(4);
  if (o === 'le') b.writeUInt32LE(v >>> 0);
  else b.writeUInt32BE(v >>> 0);
  return b;
}

export interface PcapRec {
  sec: number;
  sub: number;
  data: number[] | Buffer;
  caplen?: number;
  origlen?: number;
}

export function pcapHeader(o: Order, nano: boolean, opts: { snaplen?: number; linktype?: number; major?: number; minor?: number } = {}): Buffer {
  const magic = nano ? 0xa1b23c4d : 0xa1b2c3d4;
  return Buffer.concat([
    u32(magic, o),
    u16(opts.major ?? 2, o),
    u16(opts.minor ?? 4, o),
    u32(0, o),
    u32(0, o),
    u32(opts.snaplen ?? 65535, o),
    u32(opts.linktype ?? 1, o),
  ]);
}

export function pcapRecord(o: Order, r: PcapRec): Buffer {
  const data = Buffer.from(r.data);
  return Buffer.concat([
    u32(r.sec, o),
    u32(r.sub, o),
    u32(r.caplen ?? data.length, o),
    u32(r.origlen ?? data.length, o),
    data,
  ]);
}

export function pcapFile(o: Order, nano: boolean, recs: PcapRec[], opts: { snaplen?: number; linktype?: number } = {}): Buffer {
  return Buffer.concat([pcapHeader(o, nano, opts), ...recs.map((r) => pcapRecord(o, r))]);
}

// ---- pcapng ----

export function option(code: number, value: Buffer, o: Order): Buffer {
  const pad = (4 - (value.length % 4)) % 4;
  return Buffer.concat([u16(code, o), u16(value.length, o), value, Buffer.alloc(pad)]);
}
export const endOfOptions = (o: Order): Buffer => Buffer.concat([u16(0, o), u16(0, o)]);

export function block(type: number, body: Buffer, o: Order, lengthOverride?: { leading?: number; trailing?: number }): Buffer {
  const pad = (4 - (body.length % 4)) % 4;
  const total = 12 + body.length + pad;
  return Buffer.concat([
    u32(type, o),
    u32(lengthOverride?.leading ?? total, o),
    body,
    Buffer.alloc(pad),
    u32(lengthOverride?.trailing ?? total, o),
  ]);
}

export function shb(o: Order, major = 1, minor = 0): Buffer {
  const body = Buffer.concat([u32(0x1a2b3c4d, o), u16(major, o), u16(minor, o), Buffer.alloc(8, 0xff)]);
  return block(0x0a0d0d0a, body, o);
}

export function idb(o: Order, linktype: number, snaplen: number, opts: { tsresol?: number; tsoffset?: bigint; name?: string } = {}): Buffer {
  const options: Buffer[] = [];
  if (opts.name !== undefined) options.push(option(2, Buffer.from(opts.name, 'utf8'), o));
  if (opts.tsresol !== undefined) options.push(option(9, Buffer.from([opts.tsresol]), o));
  if (opts.tsoffset !== undefined) {
    const v = Buffer.alloc(8);
    if (o === 'le') v.writeBigInt64LE(opts.tsoffset);
    else v.writeBigInt64BE(opts.tsoffset);
    options.push(option(14, v, o));
  }
  if (options.length > 0) options.push(endOfOptions(o));
  return block(1, Buffer.concat([u16(linktype, o), u16(0, o), u32(snaplen, o), ...options]), o);
}

/** ts is the 64-bit timestamp in interface units. */
export function epb(o: Order, iface: number, ts: bigint, data: number[] | Buffer, opts: { caplen?: number; origlen?: number } = {}): Buffer {
  const d = Buffer.from(data);
  return block(
    6,
    Buffer.concat([
      u32(iface, o),
      u32(Number(ts >> 32n), o),
      u32(Number(ts & 0xffffffffn), o),
      u32(opts.caplen ?? d.length, o),
      u32(opts.origlen ?? d.length, o),
      d,
    ]),
    o,
  );
}

export function opb(o: Order, iface: number, ts: bigint, data: number[] | Buffer, origlen?: number): Buffer {
  const d = Buffer.from(data);
  return block(
    2,
    Buffer.concat([
      u16(iface, o),
      u16(0, o),
      u32(Number(ts >> 32n), o),
      u32(Number(ts & 0xffffffffn), o),
      u32(d.length, o),
      u32(origlen ?? d.length, o),
      d,
    ]),
    o,
  );
}

export function spb(o: Order, origlen: number, data: number[] | Buffer): Buffer {
  return block(3, Buffer.concat([u32(origlen, o), Buffer.from(data)]), o);
}

// ---- running the reader ----

export interface Collected {
  header?: CaptureHeaderInfo;
  interfaces: CaptureInterface[];
  records: CaptureRecord[];
  warnings: Warning[];
  result?: CaptureReadResult;
  error?: Error;
}

/** Read everything; records keep a copy of their bytes (the reader hands out views). */
export async function collect(input: Buffer | Readable, chunk?: number): Promise<Collected> {
  const out: Collected = { interfaces: [], records: [], warnings: [] };
  const stream = Buffer.isBuffer(input) ? Readable.from(split(input, chunk ?? (input.length || 1))) : input;
  try {
    out.result = await readCapture(
      stream,
      {
        onHeader: (h) => (out.header = h),
        onInterface: (i) => out.interfaces.push(i),
        onRecord: (r) => out.records.push({ ...r, data: Buffer.from(r.data) }),
        onWarning: (w) => {
          // Every code a reader emits must be in the catalog renderers use.
          if (!(w.code in CAPTURE_WARNING_CODES)) throw new Error(`uncatalogued warning code ${w.code}`);
          out.warnings.push(w);
        },
      },
      { fileName: 'test' },
    );
  } catch (err) {
    out.error = err as Error;
  }
  return out;
}

export function split(buf: Buffer, size: number): Buffer[] {
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) parts.push(buf.subarray(i, i + size));
  return parts;
}
