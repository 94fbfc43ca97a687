/**
 * One direction of a TCP connection: raw segments in (capture order), an ordered byte stream out.
 *
 * - In-order bytes are delivered at once as views of the packet payload (no copy).
 * - Out-of-order bytes are copied into a sorted list of disjoint pieces; overlaps are trimmed so
 *   that the first copy of a byte wins (what most IDSes do) — a repeat whose content differs is
 *   counted as a conflict where both copies are at hand — and adjacent tiny pieces are
 *   coalesced so 10k one-byte segments cost a handful of pieces, not 10k.
 * - A hole is declared a gap (never silently joined) when the peer acknowledges bytes after it
 *   (they were lost from the capture, not the network), when the buffer bound is hit, or at close.
 * - Offsets are 64-bit-safe JS numbers counted from the stream start; raw sequence numbers only
 *   go through seq.ts.
 */

import { seqAdd, seqDiff } from './seq.js';

/** Where ordered bytes go. `bytes` is valid only during the call. */
export interface StreamSink {
  /** `cutBefore`: of `gapBefore`, bytes of captured segments that the snaplen cut (on the wire for sure). */
  deliver(bytes: Uint8Array, gapBefore: number, offset: number, frame: number, time: number, cutBefore: number): void;
}

/**
 * What happened to one segment's data:
 * 'new'       all of it was new (delivered or buffered);
 * 'partial'   some was new, some repeated bytes already seen (trimmed);
 * 'old'       entirely before the delivered point (retransmission);
 * 'duplicate' entirely covered by bytes already buffered out of order (retransmission);
 * 'keepalive' one byte at next-1: a keep-alive probe, not data.
 */
export type SegmentResult = 'new' | 'partial' | 'old' | 'duplicate' | 'keepalive';

/** Delivered segments remembered (by hash) to compare a retransmission with. */
const RECENT_SEGMENTS = 128;

/** FNV-1a over bytes[from, to): enough to tell two copies of a segment apart. */
function hash32(bytes: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}

/** Pieces up to this size are merged with adjacent ones (bounded copy per merge). */
const COALESCE_LIMIT = 2048;

/** Compact the consumed prefix of the piece list once it is this long (amortised O(1) pops). */
const COMPACT_AFTER = 64;

const EMPTY = new Uint8Array(0);

/**
 * Stands in for bytes that were not kept (keepBytes off): zeros of the right length, so that
 * counts and chunk boundaries are exactly what they would have been.
 */
const ZEROS = new Uint8Array(65536);

function zeros(n: number): Uint8Array {
  return n <= ZEROS.length ? ZEROS.subarray(0, n) : new Uint8Array(n);
}

/**
 * A buffered out-of-order range [start, end), its bytes copied (null when not kept); wireEnd > end
 * when the segment was cut by snaplen.
 */
interface Piece {
  start: number;
  end: number;
  wireEnd: number;
  bytes: Uint8Array | null;
  frame: number;
  time: number;
  /**
   * Where, inside a merged piece, bytes of another frame begin: [offset, frame, time] triples in
   * order (null: one frame). A line that ends in a later segment is stamped with that segment's
   * frame, not the first one's (an FTP reply whose segments came out of order names its own frame).
   */
  marks: number[] | null;
}

/**
 * Marks one merged piece keeps. Past them (a flood of tiny out-of-order segments) the rest of
 * the piece reads as carried by the last marked frame: the merging, which bounds the pieces, goes on.
 */
const MAX_MARKS = 15;

function joinMarks(a: number[] | null, mid: number[], b: number[] | null): number[] {
  const all = [...(a ?? []), ...mid, ...(b ?? [])];
  return all.length > MAX_MARKS * 3 ? all.slice(0, MAX_MARKS * 3) : all;
}

export interface DirectionLimits {
  maxBufferedBytes: number;
  maxBufferedSegments: number;
  /** Shared by every direction of a capture: what all their buffers hold together, and its bound. */
  pool?: BufferPool;
}

/** Bytes held in out-of-order buffers by all directions together (see DirectionStream.cost). */
export interface BufferPool {
  used: number;
  max: number;
}

/** What a buffered piece's record costs beside its bytes (also when the bytes are not kept). */
const PIECE_COST = 64;

export class DirectionStream {
  /** Sequence state exists (from a SYN, a SYN-ACK's ack, or the first data segment). */
  started = false;
  /** The ISN when a SYN (or a SYN-ACK's ack) told us; -1 when the stream started mid-way. */
  isn = -1;
  /** Next expected raw sequence number and its stream offset. */
  private nextRaw = 0;
  nextOffset = 0;
  /** Highest stream offset the peer acknowledged (-1: none yet). */
  private ackedOffset = -1;
  /** Stream offset of this direction's FIN (-1: none seen): the stream's end. */
  finOffset = -1;
  /** Set at close: no FIN seen, but the peer acknowledged one past the data, a FIN the capture missed. */
  finUnseen = false;
  /**
   * Set at close: no FIN seen, and the peer acknowledged more than one past the data: the stream ends
   * in bytes the capture lost, and a FIN may be the last of them (sequence numbers cannot tell).
   */
  endLost = false;
  /** Missing bytes not yet reported: carried by the next chunk. */
  private pendingGap = 0;
  /** Of pendingGap, the bytes segments carried past their snaplen: seen on the wire, not lost. */
  private pendingCut = 0;
  /**
   * Set by segment() for the segment-hook: how many of its wire bytes were new, and whether they
   * lay below bytes already seen (it filled a hole). Two numbers written, nothing allocated.
   */
  newBytes = 0;
  filledHole = false;

  private pieces: Piece[] = [];
  private head = 0;
  /** This direction's share of limits.pool.used, as last settled. */
  private charged = 0;
  private bufferedBytes = 0;
  /** Times the buffer bound forced a gap (for the owner's warning). */
  overflows = 0;
  /**
   * Repeated bytes whose content differed from the first copy (first copy wins, as delivered):
   * how many segments, and the first one (its frame, stream offset, and the frame of the copy kept).
   * Compared where both copies are at hand: buffered out-of-order bytes, and the last
   * RECENT_SEGMENTS delivered segments when a retransmission repeats one of them exactly.
   */
  conflicts = 0;
  firstConflict: { frame: number; offset: number; kept: number } | null = null;
  /** Hashes of recently delivered segments (only while bytes are kept): start, length, hash, frame. */
  private recent: number[] | null = null;
  private recentNext = 0;
  /**
   * Copy out-of-order bytes (true), or keep only their ranges (false: nobody will read this
   * stream's bytes, only count them). Chunks are then delivered with the same lengths, offsets,
   * frames and gaps, but bytes that were buffered arrive as zeros. In-order bytes are views of
   * the packets either way.
   */
  keepBytes = true;

  private readonly pool: BufferPool;

  constructor(
    private readonly sink: StreamSink,
    private readonly limits: DirectionLimits,
  ) {
    this.pool = limits.pool ?? { used: 0, max: Infinity };
  }

  /** Start from a known ISN: offset 0 is ISN+1 (the SYN consumes one sequence number). */
  startWithIsn(isn: number): void {
    if (this.started) return;
    this.started = true;
    this.isn = isn >>> 0;
    this.nextRaw = seqAdd(isn, 1);
  }

  /** Start mid-stream: `seq` (the first data byte seen) becomes offset 0. */
  startAt(seq: number): void {
    if (this.started) return;
    this.started = true;
    this.nextRaw = seq >>> 0;
  }

  /** The raw sequence number just before stream offset 0 (the ISN when known). Requires `started`. */
  base(): number {
    return seqAdd(this.nextRaw, -(this.nextOffset + 1));
  }

  /** Stream offset of a raw sequence number, relative to the next expected byte. */
  offsetOf(seq: number): number {
    return this.nextOffset + seqDiff(seq, this.nextRaw);
  }

  /**
   * A data segment: `seq` is its first data byte (after a SYN's), `wireLength` its payload length
   * on the wire, `bytes` what was captured of it (may be shorter: snaplen). Requires `started`.
   */
  segment(seq: number, wireLength: number, bytes: Uint8Array, frame: number, time: number): SegmentResult {
    const start = this.offsetOf(seq);
    const wireEnd = start + wireLength;
    const next = this.nextOffset;
    this.newBytes = 0;
    this.filledHole = false;
    if (wireEnd <= next) {
      if (wireLength === 1 && start === next - 1) return 'keepalive';
      if (this.keepBytes) this.compareWithDelivered(start, bytes, frame);
      return 'old';
    }
    const capEnd = start + bytes.length;
    if (start < next && this.keepBytes) this.compareWithDelivered(start, bytes, frame);
    let result: SegmentResult = start < next ? 'partial' : 'new';
    if (start <= next) {
      const holeAfter = this.head < this.pieces.length;
      this.newBytes = holeAfter ? wireEnd - next - this.bufferedWithin(next, wireEnd) : wireEnd - next;
      if (capEnd > next && this.deliverInOrder(bytes, start, frame, time)) result = 'partial';
      this.filledHole = result === 'new' && holeAfter;
      // Bytes on the wire but cut by the snaplen are lost for good: skip them now, and say so now
      // rather than with the next bytes (a control connection's cut line ends here, before the
      // other side's answer to it).
      const cut = wireEnd > this.nextOffset;
      if (cut) this.advanceOver(wireEnd, true);
      this.drain();
      if (cut && this.pendingGap > 0) this.emit(EMPTY, this.nextOffset, frame, time);
      if (this.charged !== 0) this.settle();
    } else {
      const seenEnd = this.pieces[this.pieces.length - 1]?.wireEnd ?? next;
      const added = this.insert(start, bytes, wireEnd, frame, time);
      if (added === 0 && bytes.length > 0) return 'duplicate';
      if (added < bytes.length) result = 'partial';
      // The wire bytes past the captured ones are new with the last captured byte.
      this.newBytes = added === bytes.length ? wireLength : added;
      this.filledHole = result === 'new' && start < seenEnd;
      this.enforceBounds();
      this.flushAcked();
      this.settle();
    }
    return result;
  }

  /** The FIN's sequence number (after any data in its segment). Returns false when repeated. */
  fin(seq: number): boolean {
    if (this.finOffset >= 0) return false;
    this.finOffset = this.offsetOf(seq);
    return true;
  }

  /** The stream offset the peer's acknowledgements reached (-1: none seen). */
  get ackedTo(): number {
    return this.ackedOffset;
  }

  /** The peer acknowledged up to raw `ack`: holes before that are lost from the capture. */
  ack(ack: number): void {
    if (!this.started) return;
    const acked = this.offsetOf(ack);
    if (acked <= this.ackedOffset) return;
    this.ackedOffset = acked;
    this.flushAcked();
    if (this.charged !== 0) this.settle();
  }

  /**
   * Close: deliver everything buffered (holes become gaps), then report bytes known to be missing
   * at the end (before the FIN, or acknowledged by the peer) as an empty chunk with gapBefore.
   */
  close(frame: number, time: number): void {
    while (this.head < this.pieces.length) {
      this.advanceOver(this.pieces[this.head].start);
      this.drain();
    }
    let end = this.finOffset >= 0 ? this.finOffset : this.ackedOffset;
    // An ack exactly one past the data most likely acknowledges a FIN the capture missed.
    if (this.finOffset < 0 && end === this.nextOffset + 1) {
      end = this.nextOffset;
      this.finUnseen = true;
    } else if (this.finOffset < 0 && end > this.nextOffset) this.endLost = true;
    if (end > this.nextOffset) this.advanceOver(end);
    if (this.pendingGap > 0) this.emit(EMPTY, this.nextOffset, frame, time);
    this.pieces = [];
    this.head = 0;
    this.bufferedBytes = 0;
    this.recent = null;
    this.settle();
  }

  /** Buffered out-of-order state, for tests and stats. */
  buffered(): { bytes: number; segments: number } {
    return { bytes: this.bufferedBytes, segments: this.pieces.length - this.head };
  }

  private emit(bytes: Uint8Array, offset: number, frame: number, time: number): void {
    const gap = this.pendingGap;
    const cut = this.pendingCut;
    this.pendingGap = 0;
    this.pendingCut = 0;
    if (this.keepBytes && bytes.length > 0) this.rememberDelivered(offset, bytes, frame);
    this.sink.deliver(bytes, gap, offset, frame, time, cut);
  }

  private noteConflict(frame: number, offset: number, kept: number): void {
    this.conflicts++;
    this.firstConflict ??= { frame, offset, kept };
  }

  private rememberDelivered(offset: number, bytes: Uint8Array, frame: number): void {
    // The ring grows to RECENT_SEGMENTS as segments come: a short control connection delivers a
    // handful, and a full ring for each of hundreds of thousands of them is most of the garbage.
    const r = (this.recent ??= []);
    const i = this.recentNext * 4;
    r[i] = offset;
    r[i + 1] = bytes.length;
    r[i + 2] = hash32(bytes, 0, bytes.length);
    r[i + 3] = frame;
    this.recentNext = (this.recentNext + 1) % RECENT_SEGMENTS;
  }

  /** A retransmission that repeats a recently delivered segment from its start: same content? */
  private compareWithDelivered(start: number, bytes: Uint8Array, frame: number): void {
    const r = this.recent;
    if (r === null) return;
    for (let i = 0; i < r.length; i += 4) {
      const len = r[i + 1];
      if (r[i] !== start || len <= 0 || len > bytes.length) continue;
      if (hash32(bytes, 0, len) !== r[i + 2]) this.noteConflict(frame, start, r[i + 3]);
      return;
    }
  }

  /** Bytes of [from, to) that buffered pieces already hold (none on the in-order fast path). */
  private bufferedWithin(from: number, to: number): number {
    let n = 0;
    for (let i = this.head; i < this.pieces.length && this.pieces[i].start < to; i++) {
      const p = this.pieces[i];
      n += Math.max(0, Math.min(p.end, to) - Math.max(p.start, from));
    }
    return n;
  }

  /** Consume [nextOffset, nextOffset + n) of the stream. */
  private advance(n: number): void {
    this.nextOffset += n;
    this.nextRaw = seqAdd(this.nextRaw, n);
  }

  /**
   * Deliver an in-order segment (start <= nextOffset < start+bytes.length), interleaved with
   * buffered pieces that already cover parts of it (first data wins). True if any overlapped.
   */
  private deliverInOrder(bytes: Uint8Array, start: number, frame: number, time: number): boolean {
    const capEnd = start + bytes.length;
    let overlapped = false;
    while (this.nextOffset < capEnd) {
      const pos = this.nextOffset;
      const p = this.head < this.pieces.length ? this.pieces[this.head] : undefined;
      if (p !== undefined && p.start <= pos) {
        overlapped = true;
        if (p.bytes !== null) this.compareOverlap(p, bytes, start, frame);
        this.popAndDeliver(p);
        continue;
      }
      const limit = p !== undefined && p.start < capEnd ? p.start : capEnd;
      // The whole segment (the usual case) is handed on as it is: no view of a view per packet.
      this.emit(pos === start && limit === capEnd ? bytes : bytes.subarray(pos - start, limit - start), pos, frame, time);
      this.advance(limit - pos);
    }
    return overlapped;
  }

  /** Bytes of a segment at `start` that a buffered piece already holds: do they agree? */
  private compareOverlap(p: Piece, bytes: Uint8Array, start: number, frame: number): void {
    const from = Math.max(p.start, start);
    const to = Math.min(p.end, start + bytes.length);
    for (let o = from; o < to; o++) {
      if (p.bytes![o - p.start] !== bytes[o - start]) {
        this.noteConflict(frame, o, p.frame);
        return;
      }
    }
  }

  /** Deliver buffered pieces that are now contiguous with the delivered point. */
  private drain(): void {
    while (this.head < this.pieces.length) {
      const p = this.pieces[this.head];
      if (p.start > this.nextOffset) return;
      this.popAndDeliver(p);
    }
  }

  /** Remove the first piece and deliver what of it lies beyond the delivered point. */
  private popAndDeliver(p: Piece): void {
    this.pieces[this.head] = undefined as unknown as Piece; // let the copy be collected
    this.head++;
    this.bufferedBytes -= p.end - p.start;
    if (this.head >= COMPACT_AFTER && this.head * 2 >= this.pieces.length) {
      this.pieces.splice(0, this.head);
      this.head = 0;
    }
    const marks = p.marks;
    if (marks === null) this.deliverPart(p, p.end, p.frame, p.time);
    else {
      this.deliverPart(p, marks[0], p.frame, p.time);
      for (let m = 0; m < marks.length; m += 3) this.deliverPart(p, m + 3 < marks.length ? marks[m + 3] : p.end, marks[m + 1], marks[m + 2]);
    }
    if (p.wireEnd > this.nextOffset) this.advanceOver(p.wireEnd, true);
  }

  /** Deliver a piece's bytes from the delivered point up to `to`, as carried by `frame`. */
  private deliverPart(p: Piece, to: number, frame: number, time: number): void {
    if (to <= this.nextOffset) return;
    const from = this.nextOffset - p.start;
    const n = to - this.nextOffset;
    const bytes = p.bytes === null ? zeros(n) : from === 0 && to === p.end ? p.bytes : p.bytes.subarray(from, from + n);
    this.emit(bytes, this.nextOffset, frame, time);
    this.advance(n);
  }

  /**
   * Move the delivered point to `target` across bytes that will never come: they become pending
   * gap, except where buffered pieces cover them (those are delivered in order).
   */
  private advanceOver(target: number, onWire = false): void {
    while (this.nextOffset < target) {
      const p = this.head < this.pieces.length ? this.pieces[this.head] : undefined;
      const skip = p !== undefined && p.start < target ? p.start - this.nextOffset : target - this.nextOffset;
      if (skip > 0) {
        this.pendingGap += skip;
        if (onWire) this.pendingCut += skip;
        this.advance(skip);
      }
      if (p !== undefined && p.start < target) this.popAndDeliver(p);
    }
  }

  /** Holes before bytes the peer has acknowledged were lost from the capture: skip them. */
  private flushAcked(): void {
    while (this.head < this.pieces.length && this.pieces[this.head].start <= this.ackedOffset) {
      this.advanceOver(this.pieces[this.head].start);
      this.drain();
    }
  }

  /** Memory the buffer holds: copied bytes, and a record per piece. */
  private cost(): number {
    return (this.keepBytes ? this.bufferedBytes : 0) + PIECE_COST * (this.pieces.length - this.head);
  }

  /** Bring the shared pool up to date with this direction's buffer. */
  private settle(): void {
    const c = this.cost();
    this.pool.used += c - this.charged;
    this.charged = c;
  }

  /**
   * Over the direction's byte or piece bound, or the bound of all buffers together (the one
   * buffering now gives way): give up on the first hole, repeatedly.
   */
  private enforceBounds(): void {
    const { maxBufferedBytes, maxBufferedSegments } = this.limits;
    const pool = this.pool;
    let overflowed = false;
    while (
      this.head < this.pieces.length &&
      (this.bufferedBytes > maxBufferedBytes ||
        this.pieces.length - this.head > maxBufferedSegments ||
        pool.used + this.cost() - this.charged > pool.max)
    ) {
      overflowed = true;
      this.advanceOver(this.pieces[this.head].start);
      this.drain();
    }
    if (overflowed) this.overflows++;
  }

  /** Index of the first piece (from head) whose end is after `offset`. */
  private firstEndingAfter(offset: number): number {
    let lo = this.head;
    let hi = this.pieces.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.pieces[mid].end <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Buffer the parts of an out-of-order segment not already buffered (first data wins).
   * Returns how many bytes were new.
   */
  private insert(start: number, bytes: Uint8Array, wireEnd: number, frame: number, time: number): number {
    const capEnd = start + bytes.length;
    let i = this.firstEndingAfter(start);
    let pos = start;
    let added = 0;
    while (pos < capEnd) {
      const p = i < this.pieces.length ? this.pieces[i] : undefined;
      if (p !== undefined && p.start <= pos) {
        if (p.bytes !== null && this.keepBytes) this.compareOverlap(p, bytes, start, frame);
        if (p.end > pos) pos = p.end;
        i++;
        continue;
      }
      const limit = p !== undefined && p.start < capEnd ? p.start : capEnd;
      // Only the segment's last range carries its snaplen-cut tail.
      const tail = limit === capEnd ? wireEnd : limit;
      i = this.addPiece(i, pos, bytes.subarray(pos - start, limit - start), tail, frame, time);
      added += limit - pos;
      pos = limit;
    }
    return added;
  }

  /**
   * Insert a copy of `view` at `start` before index i, merging with small adjacent pieces.
   * Returns the index of the piece that now holds it.
   */
  private addPiece(i: number, start: number, view: Uint8Array, wireEnd: number, frame: number, time: number): number {
    const n = view.length;
    const end = start + n;
    this.bufferedBytes += n;
    const keep = this.keepBytes;
    const prev = i > this.head ? this.pieces[i - 1] : undefined;
    const next = i < this.pieces.length ? this.pieces[i] : undefined;
    // The same merging with or without the bytes, so that chunks come out the same.
    const joinPrev =
      prev !== undefined &&
      prev.end === start &&
      prev.wireEnd === prev.end &&
      prev.end - prev.start + n <= COALESCE_LIMIT;
    const joinNext =
      next !== undefined &&
      next.start === end &&
      wireEnd === end &&
      (joinPrev ? prev.end - prev.start : 0) + n + next.end - next.start <= COALESCE_LIMIT;
    if (joinPrev && joinNext) {
      prev.bytes = keep ? concat3(bytesOf(prev), view, bytesOf(next)) : null;
      prev.marks = joinMarks(prev.marks, [start, frame, time, next.start, next.frame, next.time], next.marks);
      prev.end = next.end;
      prev.wireEnd = next.wireEnd;
      this.pieces.splice(i, 1);
      return i - 1;
    }
    if (joinPrev) {
      prev.bytes = keep ? concat3(bytesOf(prev), view, EMPTY) : null;
      prev.marks = joinMarks(prev.marks, [start, frame, time], null);
      prev.end = end;
      prev.wireEnd = wireEnd;
      return i - 1;
    }
    if (joinNext) {
      next.bytes = keep ? concat3(EMPTY, view, bytesOf(next)) : null;
      next.marks = joinMarks(null, [next.start, next.frame, next.time], next.marks);
      next.start = start;
      next.frame = frame;
      next.time = time;
      return i;
    }
    this.pieces.splice(i, 0, { start, end, wireEnd, bytes: keep ? view.slice() : null, frame, time, marks: null });
    return i;
  }
}

/** A piece's bytes, zeros where they were not kept. */
function bytesOf(p: Piece): Uint8Array {
  return p.bytes ?? zeros(p.end - p.start);
}

function concat3(a: Uint8Array, b: Uint8Array, c: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length + c.length);
  out.set(a, 0);
  out.set(b, a.length);
  out.set(c, a.length + b.length);
  return out;
}
