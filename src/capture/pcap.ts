/**
 * Classic pcap through the `pcap-parser` package, with its gaps closed from our side:
 *  - it only knows the microsecond magic: for nanosecond files the magic bytes are rewritten to the
 *    microsecond magic of the same byte order, and its "timestampMicroseconds" is read as ns;
 *  - its version check is `major != 2 && minor != 4`: we require major 2 ourselves;
 *  - a huge captured length makes it buffer the rest of the file waiting for the record: we check
 *    each record header on the synchronous 'packetHeader' event and stop it;
 *  - a file ending mid-record produces no event: we compare bytes fed with bytes consumed.
 * We drive it through a stand-in stream whose 'data' we emit ourselves, so it parses exactly what
 * we hand it, synchronously, and never sees 'end' (its own 'end' event is not used at all).
 */
import { EventEmitter } from 'node:events';
import pcapParser from 'pcap-parser';
import type { PcapGlobalHeader, PcapPacket, PcapPacketHeader, PcapParser } from 'pcap-parser';
import { MAX_RECORD_BYTES, type FormatReader } from './format-reader.js';
import { CAPTURE_LIMITS } from './limits.js';
import { microsecondMagicBytes } from './magic.js';
import { warning } from '../warnings/catalog.js';
import {
  CaptureError,
  type CaptureHeaderInfo,
  type CaptureInterface,
  type CaptureSink,
} from './types.js';

/** File header fields (offsets within the 24-byte header). */
const FILE_HEADER = { magic: 0, versionMajor: 4, versionMinor: 6, snapLength: 16, linkType: 20 } as const;
const FILE_HEADER_LENGTH = 24;
const RECORD_HEADER_LENGTH = 16;
/** libpcap's LT_LINKTYPE(): the upper bits of the link-type field carry FCS information. */
const LINKTYPE_MASK = 0x03ffffff;
/** Wireshark's usual packet-size ceiling; snaplen may raise it, MAX_RECORD_BYTES caps it. */
const STANDARD_MAX_CAPLEN = 262144;
/** Smaller chunks are batched before feeding: pcap-parser copies its leftover into each chunk. */
const MIN_FEED_BYTES = 64 * 1024;

const US_PER_SEC = 1_000_000;
const NS_PER_SEC = 1_000_000_000;

export interface PcapFormat {
  byteOrder: 'little' | 'big';
  nanosecond: boolean;
}

/** The stream pcap-parser listens to; we emit its 'data' events. */
class FeedStream extends EventEmitter {
  pause(): this {
    return this;
  }
  resume(): this {
    return this;
  }
}

export class PcapReader implements FormatReader {
  fatal: CaptureError | null = null;
  header: CaptureHeaderInfo | null = null;
  interfaces: CaptureInterface[] = [];
  packets = 0;
  /** End offset of the last complete record (24 + Σ(16 + caplen)). */
  bytes = 0;

  private readonly input = new FeedStream();
  private readonly parser: PcapParser;
  private stopped = false;
  /** Bytes pushed to us / fed to pcap-parser (they differ while a batch is pending). */
  private pushed = 0;
  private fed = 0;
  private batch: Buffer[] = [];
  private batchBytes = 0;
  /** The first 24 bytes as they arrived, for version messages pcap-parser words its own way. */
  private readonly fileHeader = Buffer.alloc(FILE_HEADER_LENGTH);
  /** End offset of the last record whose header was checked (checkHeader runs once per record). */
  private checkedAt = -1;
  private maxCaplen = STANDARD_MAX_CAPLEN;
  private snapLength = 0;
  private linkType = 0;
  private warnedCaplenOverOrig = false;
  /** Consecutive records without a byte so far, and the first of them. */
  private emptyRun = 0;
  private emptyRunStart = { frame: 0, offset: 0 };

  constructor(
    private readonly sink: CaptureSink,
    private readonly format: PcapFormat,
    private readonly compressed: boolean,
  ) {
    this.parser = pcapParser.parse(this.input);
    this.parser.on('globalHeader', (h: PcapGlobalHeader) => this.onGlobalHeader(h));
    // No 'packetHeader' listener: one event fewer per packet. Headers are checked when their
    // record arrives, or, while pcap-parser waits for a record's data, after each chunk fed.
    this.parser.on('packet', (p: PcapPacket) => this.onPacket(p));
    // Emitted for a magic or version it rejects (then it calls its own onEnd, which we ignore).
    this.parser.on('error', () => this.onParserError());
  }

  push(chunk: Buffer): boolean {
    if (this.stopped) return false;
    if (this.pushed < FILE_HEADER_LENGTH) chunk = this.takeFileHeaderBytes(chunk);
    this.pushed += chunk.length;
    if (this.batchBytes === 0 && chunk.length >= MIN_FEED_BYTES) {
      this.feed(chunk);
    } else {
      this.batch.push(chunk);
      this.batchBytes += chunk.length;
      if (this.batchBytes >= MIN_FEED_BYTES) this.flush();
    }
    return !this.stopped;
  }

  finish(): void {
    this.flush();
    if (this.stopped) return;
    if (this.header === null) {
      this.fatal = new CaptureError(
        `truncated pcap file header (${this.pushed} of ${FILE_HEADER_LENGTH} bytes)`,
        0,
      );
      return;
    }
    const left = this.fed - this.bytes;
    if (left <= 0) return;
    const frame = this.packets + 1;
    const offset = this.bytes;
    const pending = this.pendingHeader();
    if (pending !== null) this.checkHeader(pending);
    const facts =
      pending !== null ? { recordNeeds: RECORD_HEADER_LENGTH + pending.capturedLength, left } : { headerLeft: left, headerLength: RECORD_HEADER_LENGTH };
    this.sink.onWarning(warning('truncated-record', facts, { frame, offset }));
  }

  /** Copy the file header aside; for nanosecond files rewrite the magic pcap-parser checks. */
  private takeFileHeaderBytes(chunk: Buffer): Buffer {
    const start = this.pushed;
    const n = Math.min(chunk.length, FILE_HEADER_LENGTH - start);
    chunk.copy(this.fileHeader, start, 0, n);
    if (!this.format.nanosecond || start >= 4) return chunk;
    // Copy before patching: the chunk may be the caller's buffer.
    const patched = Buffer.from(chunk);
    const magic = microsecondMagicBytes(this.format.byteOrder);
    for (let i = start; i < 4 && i - start < patched.length; i++) patched[i - start] = magic[i];
    return patched;
  }

  flush(): void {
    if (this.stopped || this.batchBytes === 0) return;
    const joined = this.batch.length === 1 ? this.batch[0] : Buffer.concat(this.batch, this.batchBytes);
    this.batch = [];
    this.batchBytes = 0;
    this.feed(joined);
  }

  /**
   * pcap-parser joins what it holds and each new chunk into a fresh buffer (a copy of the whole
   * chunk, every time). So while it holds part of a record, it is given only the bytes that record
   * still lacks (a copy of at most one record); once it holds nothing, the rest of the chunk goes
   * in as it is and every packet it yields is a view of our chunk.
   */
  private feed(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length && !this.stopped && this.header !== null) {
      const held = this.parser.buffer;
      if (held === null) break;
      if (held.length === 0) {
        this.parser.buffer = null;
        break;
      }
      const pending = this.pendingHeader();
      const need = pending !== null ? pending.capturedLength - held.length : RECORD_HEADER_LENGTH - held.length;
      if (need <= 0) break;
      const n = Math.min(need, chunk.length - pos);
      this.emitData(chunk.subarray(pos, pos + n));
      pos += n;
    }
    if (pos >= chunk.length || this.stopped) return;
    if (this.parser.buffer !== null && this.parser.buffer.length === 0) this.parser.buffer = null;
    this.emitData(pos === 0 ? chunk : chunk.subarray(pos));
  }

  /** The header of the record pcap-parser has read but whose data has not all arrived, or null. */
  private pendingHeader(): PcapPacketHeader | null {
    if (this.header === null || this.fed - this.bytes < RECORD_HEADER_LENGTH) return null;
    return this.parser.currentPacketHeader ?? null;
  }

  /** Feed pcap-parser; then check the header of a record it now waits on (a damaged length stops). */
  private emitData(chunk: Buffer): void {
    this.fed += chunk.length;
    this.input.emit('data', chunk);
    if (this.stopped) return;
    const pending = this.pendingHeader();
    if (pending !== null) this.checkHeader(pending);
  }

  private stop(): void {
    this.stopped = true;
    // Its onData returns early once errored; our handlers ignore what the current chunk still yields.
    this.parser.errored = true;
    this.batch = [];
    this.batchBytes = 0;
  }

  private onGlobalHeader(h: PcapGlobalHeader): void {
    if (this.stopped) return;
    if (h.majorVersion !== 2) {
      this.fatal = this.versionError();
      this.stop();
      return;
    }
    this.snapLength = h.snapshotLength;
    this.linkType = h.linkLayerType & LINKTYPE_MASK;
    this.maxCaplen = Math.min(Math.max(h.snapshotLength, STANDARD_MAX_CAPLEN), MAX_RECORD_BYTES);
    this.bytes = FILE_HEADER_LENGTH;
    const unitsPerSecond = this.format.nanosecond ? NS_PER_SEC : US_PER_SEC;
    this.header = {
      format: 'pcap',
      byteOrder: this.format.byteOrder,
      versionMajor: h.majorVersion,
      versionMinor: h.minorVersion,
      compressed: this.compressed,
      tsUnitsPerSecond: unitsPerSecond,
    };
    const iface: CaptureInterface = {
      id: 0,
      linkType: this.linkType,
      snapLength: h.snapshotLength,
      tsUnitsPerSecond: unitsPerSecond,
    };
    this.interfaces.push(iface);
    this.sink.onHeader?.(this.header);
    this.sink.onInterface?.(iface);
  }

  private onParserError(): void {
    if (this.stopped) return;
    this.fatal = this.header === null ? this.versionError() : new CaptureError('pcap-parser failed');
    this.stop();
  }

  private versionError(): CaptureError {
    const le = this.format.byteOrder === 'little';
    const h = this.fileHeader;
    const major = le ? h.readUInt16LE(FILE_HEADER.versionMajor) : h.readUInt16BE(FILE_HEADER.versionMajor);
    const minor = le ? h.readUInt16LE(FILE_HEADER.versionMinor) : h.readUInt16BE(FILE_HEADER.versionMinor);
    return new CaptureError(`unsupported pcap version ${major}.${minor} (expected 2.x)`, 0);
  }

  /**
   * A record header's lengths, checked once per record (when the record arrives, or as soon as
   * pcap-parser waits for its data): a damaged length stops reading (false), a captured length
   * above the original is reported once.
   */
  private checkHeader(h: PcapPacketHeader): boolean {
    if (this.checkedAt === this.bytes) return true;
    this.checkedAt = this.bytes;
    const caplen = h.capturedLength;
    if (caplen > this.maxCaplen) {
      const frame = this.packets + 1;
      const offset = this.bytes;
      this.sink.onWarning(warning('caplen-too-large', { caplen, limit: this.maxCaplen, snapLength: this.snapLength }, { frame, offset }));
      this.stop();
      return false;
    }
    if (caplen > h.originalLength && !this.warnedCaplenOverOrig) {
      // Odd but bounded: the record is still read. Reported once, not per frame.
      this.warnedCaplenOverOrig = true;
      const frame = this.packets + 1;
      this.sink.onWarning(warning('caplen-exceeds-origlen', { caplen, origlen: h.originalLength }, { frame, offset: this.bytes }));
    }
    return true;
  }

  /**
   * A long run of records that carry nothing: what zeros (a pre-allocated file never filled, a
   * damaged or padded stream) read as. Each would cost a frame; billions of them, hours. Damage:
   * reported once, reading stops.
   */
  private emptyRecords(): void {
    const { frame, offset } = this.emptyRunStart;
    this.sink.onWarning(warning('empty-records', { run: CAPTURE_LIMITS.maxEmptyRecordRun }, { frame, offset }));
    this.stop();
  }

  private onPacket(p: PcapPacket): void {
    if (this.stopped) return;
    const h = p.header;
    if (!this.checkHeader(h)) return;
    const frame = ++this.packets;
    const offset = this.bytes;
    if (h.capturedLength === 0) {
      if (this.emptyRun++ === 0) this.emptyRunStart = { frame, offset };
      if (this.emptyRun >= CAPTURE_LIMITS.maxEmptyRecordRun) {
        this.packets--;
        this.emptyRecords();
        return;
      }
    } else {
      this.emptyRun = 0;
    }
    let tsSec = h.timestampSeconds;
    let sub = h.timestampMicroseconds;
    let tsNsec: number;
    if (this.format.nanosecond) {
      if (sub >= NS_PER_SEC) {
        tsSec += Math.floor(sub / NS_PER_SEC);
        sub %= NS_PER_SEC;
      }
      tsNsec = sub;
    } else {
      if (sub >= US_PER_SEC) {
        tsSec += Math.floor(sub / US_PER_SEC);
        sub %= US_PER_SEC;
      }
      tsNsec = sub * 1000;
    }
    this.bytes = offset + RECORD_HEADER_LENGTH + h.capturedLength;
    this.sink.onRecord({
      frame,
      offset,
      tsSec,
      tsNsec,
      time: tsSec + tsNsec / NS_PER_SEC,
      linkType: this.linkType,
      interfaceId: 0,
      capturedLength: h.capturedLength,
      originalLength: h.originalLength,
      data: p.data,
    });
  }
}
