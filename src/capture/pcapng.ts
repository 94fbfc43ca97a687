/**
 * pcapng as a streaming block reader. A block lying wholly inside a chunk is parsed in place
 * (views of the chunk); one that straddles chunks is assembled into a buffer of exactly its length,
 * so at most one block is ever held and growth is never quadratic. Damage (bad lengths, unknown
 * interface, captured length outside the block) is reported once with frame and byte offset,
 * then reading stops: resynchronising on a guessed block start could invent packets.
 */
import { MAX_RECORD_BYTES, type FormatReader } from './format-reader.js';
import { CAPTURE_LIMITS } from './limits.js';
import { TimestampConverter, unitsFromTsresol } from './timestamp.js';
import { warning, type WarningCode, type WarningFacts } from '../warnings/catalog.js';
import {
  CaptureError,
  reusableRecord,
  type CaptureHeaderInfo,
  type CaptureInterface,
  type CaptureRecord,
  type CaptureSink,
} from './types.js';

/** The codes whose facts are a block's damage (see warn). */
type BlockDamageCode = { [C in WarningCode]: { detail: string; packetBlock: boolean } extends WarningFacts<C> ? C : never }[WarningCode];

const BLOCK_TYPE = {
  sectionHeader: 0x0a0d0d0a,
  interfaceDescription: 0x00000001,
  obsoletePacket: 0x00000002,
  simplePacket: 0x00000003,
  enhancedPacket: 0x00000006,
  systemdJournalExport: 0x00000009,
  decryptionSecrets: 0x0000000a,
  custom: 0x00000bad,
  customNoCopy: 0x40000bad,
} as const;

/** Every block: type, total length, body, total length again. */
const BLOCK = { type: 0, totalLength: 4, body: 8 } as const;
const BLOCK_TRAILER_LENGTH = 4;
/** Type + length + trailing length; also the bytes needed to read any block's length (SHB: + BOM). */
const MIN_BLOCK_LENGTH = 12;

const SHB = { byteOrderMagic: 8, versionMajor: 12, versionMinor: 14, sectionLength: 16, options: 24 } as const;
const SHB_MIN_LENGTH = SHB.options + BLOCK_TRAILER_LENGTH;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

const IDB = { linkType: 8, reserved: 10, snapLength: 12, options: 16 } as const;
const IDB_MIN_LENGTH = IDB.options + BLOCK_TRAILER_LENGTH;

/** EPB and OPB share this layout; OPB's interface id is 16 bits followed by a 16-bit drop count. */
const EPB = { interfaceId: 8, tsHigh: 12, tsLow: 16, capturedLength: 20, originalLength: 24, data: 28 } as const;
const EPB_MIN_LENGTH = EPB.data + BLOCK_TRAILER_LENGTH;

const SPB = { originalLength: 8, data: 12 } as const;
const SPB_MIN_LENGTH = SPB.data + BLOCK_TRAILER_LENGTH;

/** Option header: code and length, value padded to 32 bits. */
const OPTION_HEADER_LENGTH = 4;
const OPTION = { endOfOptions: 0, ifName: 2, ifTsresol: 9, ifTsoffset: 14 } as const;

/** Default if_tsresol: microseconds. */
const DEFAULT_TSRESOL = 6;
const NS_PER_SEC = 1_000_000_000;
/**
 * Timestamps a date can hold and every output can print: 1970 to the end of year 9999. Beyond
 * (a flipped high bit, a wild if_tsoffset) the timestamp is damage, not a time.
 */
const MAX_SANE_SECONDS = 253_402_300_799;

/** Stands for an interface described past the bound (see CAPTURE_LIMITS.maxInterfaces). */
const DROPPED = Symbol('dropped interface');
/** Frames with a damaged timestamp held (copied) while no sane time has been seen yet. */
const MAX_HELD_FRAMES = 64;

/**
 * A packet's bytes: a plain view of the block's buffer. Buffer's subarray builds another Buffer
 * through its class constructor, several times slower, once per packet of the reading thread.
 */
function view(b: Buffer, at: number, length: number): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset + at, length);
}

interface InterfaceState {
  info: CaptureInterface;
  ts: TimestampConverter;
}

export class PcapngReader implements FormatReader {
  fatal: CaptureError | null = null;
  header: CaptureHeaderInfo | null = null;
  interfaces: CaptureInterface[] = [];
  packets = 0;
  /** Offset of the next block to read = end of the last complete block. */
  bytes = 0;

  private stopped = false;
  /** Frame numbers count packet blocks (what Wireshark numbers), even ones we could not deliver. */
  private frames = 0;
  /** Byte order of the current section. */
  private le = true;
  private readonly states: InterfaceState[] = [];
  /** Global id of the current section's interface 0, and how many it has so far. */
  private sectionBase = 0;
  private sectionInterfaces = 0;
  /** IDBs past CAPTURE_LIMITS.maxInterfaces: counted, not kept; packets on them too. */
  private interfacesDropped = 0;
  private packetsOnDroppedInterfaces = 0;
  private firstDroppedInterfaceAt: { frame: number; offset: number } | null = null;
  /** Time of the last frame delivered with a sane timestamp; stands in for damaged ones. */
  private lastGoodSec = 0;
  private lastGoodNsec = 0;
  private haveGoodTime = false;
  private badTimestamps = 0;
  /** Frames with damaged timestamps before any sane one: held (copied) until one comes. */
  private readonly heldFrames: CaptureRecord[] = [];
  /** The record handed out for every delivered packet (held frames have their own). */
  private readonly out: CaptureRecord = reusableRecord();

  /** A block straddling chunks: first its head (to learn its length), then the whole block. */
  private readonly head = Buffer.alloc(MIN_BLOCK_LENGTH);
  private pending: Buffer | null = null;
  private pendingFill = 0;

  constructor(
    private readonly sink: CaptureSink,
    private readonly compressed: boolean,
  ) {}

  push(chunk: Buffer): boolean {
    if (this.stopped) return false;
    let pos = 0;
    if (this.pendingFill > 0) {
      pos = this.continuePending(chunk);
      if (pos < 0) return !this.stopped;
    }
    pos = this.blocks(chunk, pos);
    if (pos < 0) return false;
    if (pos < chunk.length) this.startPending(chunk, pos);
    return true;
  }

  /**
   * The complete blocks of `chunk` from `pos` on. Returns where the first incomplete one starts, or
   * -1 when reading must stop. A function of its own so that nothing follows its loop: V8 compiles
   * the loop on the first chunk's thousands of blocks, before the code after it ever ran, and that
   * code, compiled without feedback, sent every later chunk back to the interpreter (115 times on
   * big.pcapng).
   */
  private blocks(chunk: Buffer, pos: number): number {
    const n = chunk.length;
    while (n - pos >= MIN_BLOCK_LENGTH) {
      const len = this.blockLength(chunk, pos);
      if (len < 0) return -1;
      if (n - pos < len) break;
      if (!this.processBlock(chunk, pos, len)) return -1;
      pos += len;
    }
    return pos;
  }

  /** Nothing is held back: a partial block waits for its remaining bytes. */
  flush(): void {}

  finish(): void {
    this.releaseHeld();
    this.reportDroppedPackets();
    if (this.stopped) return;
    if (this.header === null) {
      this.fatal = new CaptureError(
        `truncated pcapng section header (${this.pendingFill} bytes)`,
        0,
      );
      return;
    }
    if (this.pendingFill === 0) return;
    const block = this.pending ?? this.head;
    const need = this.pending === null ? 'at least ' + MIN_BLOCK_LENGTH : String(this.pending.length);
    const packet = this.pendingFill >= 4 && this.isPacketBlock(this.u32(block, BLOCK.type));
    if (packet) this.frames++;
    this.warn(
      'truncated-record',
      `the file ends inside a block: ${this.pendingFill} of ${need} bytes present`,
      packet,
    );
  }

  /** Start assembling the block at chunk[pos..] that does not fit in this chunk. */
  private startPending(chunk: Buffer, pos: number): void {
    const rest = chunk.length - pos;
    if (rest >= MIN_BLOCK_LENGTH) {
      // Its length was validated by the loop in push().
      this.pending = Buffer.allocUnsafe(this.blockLengthUnchecked(chunk, pos));
      chunk.copy(this.pending, 0, pos);
    } else {
      chunk.copy(this.head, 0, pos);
    }
    this.pendingFill = rest;
  }

  /**
   * Feed the start of `chunk` to the pending block. Returns the position after what it used, or
   * -1 when the whole chunk was absorbed (or the reader stopped).
   */
  private continuePending(chunk: Buffer): number {
    let pos = 0;
    if (this.pending === null) {
      const take = Math.min(MIN_BLOCK_LENGTH - this.pendingFill, chunk.length);
      chunk.copy(this.head, this.pendingFill, 0, take);
      this.pendingFill += take;
      pos = take;
      if (this.pendingFill < MIN_BLOCK_LENGTH) return -1;
      const len = this.blockLength(this.head, 0);
      if (len < 0) return -1;
      this.pending = Buffer.allocUnsafe(len);
      this.head.copy(this.pending, 0, 0, MIN_BLOCK_LENGTH);
    }
    const block = this.pending;
    const take = Math.min(block.length - this.pendingFill, chunk.length - pos);
    chunk.copy(block, this.pendingFill, pos, pos + take);
    this.pendingFill += take;
    pos += take;
    if (this.pendingFill < block.length) return -1;
    this.pending = null;
    this.pendingFill = 0;
    if (!this.processBlock(block, 0, block.length)) return -1;
    return pos;
  }

  /** A block's total length from its first 12 bytes, validated; -1 after reporting damage. */
  private blockLength(buf: Buffer, pos: number): number {
    if (buf.readUInt32LE(pos + BLOCK.type) === BLOCK_TYPE.sectionHeader) {
      // A new section may switch byte order, and its own length field is already in the new order.
      const bomLE = buf.readUInt32LE(pos + SHB.byteOrderMagic);
      if (bomLE === BYTE_ORDER_MAGIC) this.le = true;
      else if (buf.readUInt32BE(pos + SHB.byteOrderMagic) === BYTE_ORDER_MAGIC) this.le = false;
      else {
        this.damage('bad-byte-order', `section header has no valid byte-order magic (0x${bomLE.toString(16)})`);
        return -1;
      }
    }
    const len = this.blockLengthUnchecked(buf, pos);
    if (len < MIN_BLOCK_LENGTH || len % 4 !== 0) {
      this.damage('bad-block-length', `block total length ${len} is not a multiple of 4 of at least ${MIN_BLOCK_LENGTH}`);
      return -1;
    }
    if (len > MAX_RECORD_BYTES) {
      this.damage('block-too-large', `block total length ${len} exceeds the limit ${MAX_RECORD_BYTES}`);
      return -1;
    }
    return len;
  }

  private blockLengthUnchecked(buf: Buffer, pos: number): number {
    const at = pos + BLOCK.totalLength;
    return this.le ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
  }

  private u16(b: Buffer, at: number): number {
    return this.le ? b.readUInt16LE(at) : b.readUInt16BE(at);
  }

  private u32(b: Buffer, at: number): number {
    return this.le ? b.readUInt32LE(at) : b.readUInt32BE(at);
  }

  /**
   * Handle one complete block: b[at, at + len). Positions instead of a subarray view save an
   * allocation per packet. False when reading must stop.
   */
  private processBlock(b: Buffer, at: number, len: number): boolean {
    const type = this.u32(b, at + BLOCK.type);
    const trailing = this.u32(b, at + len - BLOCK_TRAILER_LENGTH);
    if (trailing !== len) {
      if (this.isPacketBlock(type)) this.frames++;
      this.damage(
        'bad-block-length',
        `trailing block length ${trailing} differs from leading ${len}`,
        this.isPacketBlock(type),
      );
      return false;
    }
    let ok = true;
    switch (type) {
      case BLOCK_TYPE.sectionHeader:
        ok = this.sectionHeader(b, at, len);
        break;
      case BLOCK_TYPE.interfaceDescription:
        ok = this.interfaceDescription(b, at, len);
        break;
      case BLOCK_TYPE.enhancedPacket:
      case BLOCK_TYPE.obsoletePacket:
        ok = this.packetBlock(b, at, len, type === BLOCK_TYPE.obsoletePacket);
        break;
      case BLOCK_TYPE.simplePacket:
        ok = this.simplePacket(b, at, len);
        break;
      case BLOCK_TYPE.systemdJournalExport:
      case BLOCK_TYPE.custom:
      case BLOCK_TYPE.customNoCopy:
        // Wireshark shows these as frames of their own; count them so frame numbers match it.
        this.frames++;
        break;
      case BLOCK_TYPE.decryptionSecrets: {
        // Secrets type, secrets length, secrets (TLS key log text for 'TLSK'): handed on as they are.
        const room = len - BLOCK.body - BLOCK_TRAILER_LENGTH - 8;
        const n = room >= 0 ? this.u32(b, at + BLOCK.body + 4) : -1;
        if (n >= 0 && n <= room) {
          const start = at + BLOCK.body + 8;
          this.sink.onSecrets?.(this.u32(b, at + BLOCK.body), Uint8Array.prototype.slice.call(b, start, start + n));
        }
        break;
      }
      default:
        // NRB, ISB and unknown blocks carry nothing a packet reader needs.
        break;
    }
    if (ok) this.bytes += len;
    return ok;
  }

  private isPacketBlock(type: number): boolean {
    return (
      type === BLOCK_TYPE.enhancedPacket ||
      type === BLOCK_TYPE.obsoletePacket ||
      type === BLOCK_TYPE.simplePacket
    );
  }

  private sectionHeader(b: Buffer, at: number, len: number): boolean {
    if (len < SHB_MIN_LENGTH) {
      this.damage('bad-block-length', `section header block of ${len} bytes is shorter than ${SHB_MIN_LENGTH}`);
      return false;
    }
    const major = this.u16(b, at + SHB.versionMajor);
    const minor = this.u16(b, at + SHB.versionMinor);
    if (major !== 1) {
      this.damage('unsupported-version', `unsupported pcapng version ${major}.${minor} (expected 1.x)`);
      return false;
    }
    this.sectionBase = this.states.length + this.interfacesDropped;
    this.sectionInterfaces = 0;
    if (this.header === null) {
      this.header = {
        format: 'pcapng',
        byteOrder: this.le ? 'little' : 'big',
        versionMajor: major,
        versionMinor: minor,
        compressed: this.compressed,
      };
      this.sink.onHeader?.(this.header);
    }
    return true;
  }

  private interfaceDescription(b: Buffer, start: number, len: number): boolean {
    if (len < IDB_MIN_LENGTH) {
      this.damage('bad-block-length', `interface description block of ${len} bytes is shorter than ${IDB_MIN_LENGTH}`);
      return false;
    }
    let tsresol = DEFAULT_TSRESOL;
    let tsoffset = 0;
    let name: string | undefined;
    const end = start + len - BLOCK_TRAILER_LENGTH;
    let at = start + IDB.options;
    while (at + OPTION_HEADER_LENGTH <= end) {
      const code = this.u16(b, at);
      const olen = this.u16(b, at + 2);
      const value = at + OPTION_HEADER_LENGTH;
      if (code === OPTION.endOfOptions) break;
      if (value + olen > end) {
        // Options are descriptive: keep the interface, report the overrun, use what was read.
        this.warn('bad-option', `interface option ${code} of length ${olen} overruns its block`);
        break;
      }
      if (code === OPTION.ifTsresol && olen === 1) tsresol = b[value];
      else if (code === OPTION.ifTsoffset && olen === 8) {
        tsoffset = Number(this.le ? b.readBigInt64LE(value) : b.readBigInt64BE(value));
      } else if (code === OPTION.ifName) name = b.toString('utf8', value, value + olen);
      at = value + ((olen + 3) & ~3);
    }
    if (this.states.length >= CAPTURE_LIMITS.maxInterfaces) {
      // Thousands of interfaces are already beyond any capture tool; millions are an attack on memory.
      this.interfacesDropped++;
      this.sectionInterfaces++;
      this.firstDroppedInterfaceAt ??= { frame: this.frames + 1, offset: this.bytes };
      return true;
    }
    const ts = new TimestampConverter(unitsFromTsresol(tsresol), tsoffset);
    const info: CaptureInterface = {
      id: this.states.length,
      linkType: this.u16(b, start + IDB.linkType),
      snapLength: this.u32(b, start + IDB.snapLength),
      tsUnitsPerSecond: ts.unitsPerSecond,
    };
    if (name !== undefined) info.name = name;
    this.states.push({ info, ts });
    this.interfaces.push(info);
    this.sectionInterfaces++;
    this.sink.onInterface?.(info);
    return true;
  }

  /** EPB, or the obsolete OPB (16-bit interface id). */
  private packetBlock(b: Buffer, at: number, len: number, obsolete: boolean): boolean {
    const frame = ++this.frames;
    if (len < EPB_MIN_LENGTH) {
      this.damage('bad-block-length', `packet block of ${len} bytes is shorter than ${EPB_MIN_LENGTH}`, true);
      return false;
    }
    const local = obsolete ? this.u16(b, at + EPB.interfaceId) : this.u32(b, at + EPB.interfaceId);
    const state = this.interfaceOf(local);
    if (state === null) return false;
    if (state === DROPPED) {
      this.packetsOnDroppedInterfaces++;
      return true;
    }
    const caplen = this.u32(b, at + EPB.capturedLength);
    const room = len - EPB.data - BLOCK_TRAILER_LENGTH;
    if (caplen > room) {
      this.damage('caplen-too-large', `captured length ${caplen} does not fit the block (room for ${room})`, true);
      return false;
    }
    state.ts.convert(this.u32(b, at + EPB.tsHigh), this.u32(b, at + EPB.tsLow));
    this.deliver(frame, state, caplen, this.u32(b, at + EPB.originalLength), view(b, at + EPB.data, caplen));
    return true;
  }

  /** SPB: interface 0 of the section, no timestamp, captured length = min(original, snaplen, room). */
  private simplePacket(b: Buffer, at: number, len: number): boolean {
    const frame = ++this.frames;
    if (len < SPB_MIN_LENGTH) {
      this.damage('bad-block-length', `simple packet block of ${len} bytes is shorter than ${SPB_MIN_LENGTH}`, true);
      return false;
    }
    const state = this.interfaceOf(0);
    if (state === null) return false;
    if (state === DROPPED) {
      this.packetsOnDroppedInterfaces++;
      return true;
    }
    const origlen = this.u32(b, at + SPB.originalLength);
    const room = len - SPB.data - BLOCK_TRAILER_LENGTH;
    const snap = state.info.snapLength;
    let caplen = Math.min(origlen, room);
    if (snap !== 0 && caplen > snap) caplen = snap;
    // No timestamp in an SPB: Wireshark shows the epoch, so do we.
    state.ts.sec = 0;
    state.ts.nsec = 0;
    this.deliver(frame, state, caplen, origlen, view(b, at + SPB.data, caplen));
    return true;
  }

  /** The interface a packet names; DROPPED when it is one past the interface bound; null after damage. */
  private interfaceOf(local: number): InterfaceState | typeof DROPPED | null {
    if (local >= this.sectionInterfaces) {
      this.damage(
        'unknown-interface',
        `packet refers to interface ${local}, but its section has ${this.sectionInterfaces}`,
        true,
      );
      return null;
    }
    const index = this.sectionBase + local;
    return index < this.states.length ? this.states[index] : DROPPED;
  }

  private deliver(frame: number, state: InterfaceState, caplen: number, origlen: number, data: Uint8Array): void {
    this.packets++;
    let { sec, nsec } = state.ts;
    if (sec >= 0 && sec <= MAX_SANE_SECONDS) {
      this.lastGoodSec = sec;
      this.lastGoodNsec = nsec;
      this.haveGoodTime = true;
      if (this.heldFrames.length !== 0) this.releaseHeld();
    } else {
      if (this.badTimestamps++ === 0) {
        this.warn(
          'bad-timestamp',
          `timestamp ${sec} s is no date (a damaged block?): this frame, and any later one like it, ` +
            'is given the time of the frame before it (of the first sane one, before any)',
          true,
        );
      }
      if (!this.haveGoodTime && this.heldFrames.length < MAX_HELD_FRAMES) {
        this.heldFrames.push(this.record(frame, state, 0, 0, caplen, origlen, Buffer.from(data)));
        return;
      }
      sec = this.lastGoodSec;
      nsec = this.lastGoodNsec;
    }
    // One record object for every packet (valid only during the call, as CaptureRecord says): a
    // capture of millions of packets then costs the reading thread no record allocation.
    const r = this.out;
    r.frame = frame;
    r.offset = this.bytes;
    r.tsSec = sec;
    r.tsNsec = nsec;
    r.time = sec + nsec / NS_PER_SEC;
    r.linkType = state.info.linkType;
    r.interfaceId = state.info.id;
    r.capturedLength = caplen;
    r.originalLength = origlen;
    r.data = data;
    this.sink.onRecord(r);
  }

  /** Frames held for want of a time get the first sane one (the epoch when there is none). */
  private releaseHeld(): void {
    for (const r of this.heldFrames) {
      r.tsSec = this.lastGoodSec;
      r.tsNsec = this.lastGoodNsec;
      r.time = r.tsSec + r.tsNsec / NS_PER_SEC;
      this.sink.onRecord(r);
    }
    this.heldFrames.length = 0;
  }

  private record(
    frame: number,
    state: InterfaceState,
    sec: number,
    nsec: number,
    caplen: number,
    origlen: number,
    data: Uint8Array,
  ): CaptureRecord {
    return {
      frame,
      offset: this.bytes,
      tsSec: sec,
      tsNsec: nsec,
      time: sec + nsec / NS_PER_SEC,
      linkType: state.info.linkType,
      interfaceId: state.info.id,
      capturedLength: caplen,
      originalLength: origlen,
      data,
    };
  }

  /** Packets of interfaces past the bound, told once at the end (their count is known then). */
  private reportDroppedPackets(): void {
    const at = this.firstDroppedInterfaceAt;
    if (at === null) return;
    this.firstDroppedInterfaceAt = null;
    const facts = { maxInterfaces: CAPTURE_LIMITS.maxInterfaces, dropped: this.interfacesDropped, packets: this.packetsOnDroppedInterfaces };
    this.sink.onWarning(warning('interface-limit', facts, { frame: at.frame, offset: at.offset }));
  }

  /**
   * Report damage at the current block and stop. The first section header is the file header:
   * damage there means there is nothing to analyse, which is fatal.
   */
  private damage(code: BlockDamageCode, detail: string, packetBlock = false): void {
    this.stopped = true;
    this.pending = null;
    this.pendingFill = 0;
    if (this.header === null) {
      this.fatal = new CaptureError(`bad pcapng section header: ${detail}`, 0);
      return;
    }
    this.warn(code, detail, packetBlock);
  }

  private warn(code: BlockDamageCode, detail: string, packetBlock = false): void {
    // In a packet block the frame is that block's; elsewhere, the frame after the block.
    const frame = packetBlock ? this.frames : this.frames + 1;
    this.sink.onWarning(warning(code, { detail, packetBlock }, { frame, offset: this.bytes }));
  }
}
