/**
 * Line framing for one direction of a control connection: ordered StreamChunks in, lines out.
 * Lines end in CRLF; a bare LF is accepted and noted. Text is latin1 (one char per byte), so
 * nothing is lost or guessed: filenames in UTF-8 or a legacy code page survive byte for byte.
 * Memory is bounded by the line bound: a partial line never holds more than maxLineLength+1 chars.
 */

import { warning, type Warning } from '../warnings/catalog.js';
import type { StreamChunk } from '../tcp/types.js';
import { PIECE_COST, type HeldPool } from '../tcp/held-pool.js';

export type LineProblem = 'bare LF' | 'line too long' | 'no line terminator' | typeof CUT_SHORT;
/** A line whose end the capture lacks (a gap followed its start): read as far as it goes. */
export const CUT_SHORT = 'cut short by a capture gap';

export interface FramedLine {
  /** The line without its terminator (latin1), cut to the bound when too long. */
  text: string;
  /** Frame (and time) of the chunk carrying the line's first byte. */
  firstFrame: number;
  firstTime: number;
  /** Frame (and time) of the chunk carrying its last byte: the LF, or where it was cut. */
  frame: number;
  time: number;
  malformed?: LineProblem;
  /** How far the other direction's bytes were acknowledged when its last byte came (StreamChunk.peerAcked). */
  peerAcked?: number;
}

export interface LineSink {
  /** A complete line. Return false to stop reading the current chunk (the stream became TLS). */
  line(line: FramedLine): boolean;
  /** The first line over the bound in this direction (reported once). */
  limit(frame: number, time: number, warning: Warning<'ftp-line-length'>): void;
  /** Bytes lost to a capture gap, plus a partial line that spanned it (dropped; one the snaplen cut is emitted, cut short). */
  /** `acked`: the peer's first acknowledgement of the missing bytes, when one came before (StreamChunk.gapAcked). */
  /** `cutOnly`: all `bytes` are a snaplen's cut off the segment before (its start captured), no stretch of the stream lost. */
  gap(bytes: number, frame: number, time: number, acked?: number, end?: number, cutOnly?: boolean): void;
}

export const DEFAULT_MAX_LINE_LENGTH = 8192;

const LF = 0x0a;
const CR = 0x0d;

/**
 * Bytes [start, end) as latin1 text (one char per byte). Buffer's own decoder, applied to the
 * chunk's Uint8Array as it is: wrapping each chunk in a Buffer view first cost an object per chunk
 * (TextDecoder('latin1') is really windows-1252, so it would not do).
 */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice(this: Uint8Array, start: number, end: number): string }).latin1Slice;
function latin1(bytes: Uint8Array, start: number, end: number): string {
  return latin1Slice.call(bytes, start, end);
}

/** Characters of a partial line held outside the pool of held bytes (a command's verb and more). */
const FREE_CHARS = 64;

export class LineFramer {
  private readonly max: number;
  /** Partial line carried over from earlier chunks (latin1), at most max+1 chars. */
  private pending = '';
  private pendingFrame = 0;
  private pendingTime = 0;
  /** Frame (and time) of the chunk that carried the partial line's last byte so far. */
  private pendingLastFrame = 0;
  private pendingLastTime = 0;
  /** After a too-long line was emitted: skip bytes up to the next LF. */
  private discarding = false;
  private limitReported = false;
  private lastFrame = 0;
  private lastTime = 0;

  /** What the partial line holds of the capture's pool of text waiting for its end. */
  private charged = 0;

  constructor(
    private readonly sink: LineSink,
    maxLineLength: number = DEFAULT_MAX_LINE_LENGTH,
    private readonly pool?: HeldPool,
  ) {
    this.max = Math.max(1, Math.floor(maxLineLength));
  }

  /** True when the next byte starts a new line (no partial line held, nothing being skipped). */
  get atLineStart(): boolean {
    return this.pending === '' && !this.discarding;
  }

  /**
   * Frame one chunk. Returns how many of its bytes were read as lines: all of them, unless the
   * sink returned false (then the rest of the chunk is the caller's to account for).
   */
  push(chunk: StreamChunk): number {
    const bytes = chunk.bytes;
    const n = bytes.length;
    this.lastFrame = chunk.frame;
    this.lastTime = chunk.time;

    if (chunk.gapBefore > 0) {
      // Control segments usually carry whole lines, so the loss most likely ended on one: the bytes
      // after the gap are taken to start a line. A partial line the snaplen cut (its segment ended
      // where the capture stopped keeping bytes, and the engine says so at once) is the start of a
      // line whose end the capture lacks: read as far as it goes, marked cut, a reply's code still
      // pairs it with its command. Before a hole it cannot be read: what else the hole held, and
      // when, is unknown (the other side may have answered it already).
      const cut = (chunk.cutBefore ?? 0) > 0 ? this.cutLine() : null;
      const dropped = this.discarding ? 0 : this.pending.length;
      this.clearPending();
      this.discarding = false;
      const more = cut === null || this.sink.line(cut);
      this.sink.gap(chunk.gapBefore + dropped, chunk.frame, chunk.time, chunk.gapAcked, chunk.streamOffset, chunk.cutBefore === chunk.gapBefore);
      if (!more) return 0;
    }
    if (n === 0) return 0;

    let pos = 0;
    while (pos < n) {
      const lf = bytes.indexOf(LF, pos);
      if (lf < 0) return this.partial(bytes, pos, chunk);
      if (this.discarding) {
        this.discarding = false;
        pos = lf + 1;
        continue;
      }
      const line = this.complete(bytes, pos, lf, chunk);
      pos = lf + 1;
      if (!this.sink.line(line)) return pos;
    }
    return n;
  }

  /** End of the stream: a partial line is emitted as malformed 'no line terminator'. */
  finish(): void {
    if (this.pending === '' || this.discarding) return;
    let text = this.pending;
    if (text.charCodeAt(text.length - 1) === CR) text = text.slice(0, -1);
    if (text.length > this.max) text = text.slice(0, this.max);
    this.clearPending();
    this.sink.line({
      text,
      firstFrame: this.pendingFrame,
      firstTime: this.pendingTime,
      frame: this.lastFrame,
      time: this.lastTime,
      malformed: 'no line terminator',
    });
  }

  /** The partial line held before a gap, as a line cut short; null when none is held. */
  private cutLine(): FramedLine | null {
    if (this.pending === '' || this.discarding) return null;
    let text = this.pending;
    if (text.charCodeAt(text.length - 1) === CR) text = text.slice(0, -1);
    this.clearPending();
    return {
      text: text.slice(0, this.max),
      firstFrame: this.pendingFrame,
      firstTime: this.pendingTime,
      frame: this.pendingLastFrame,
      time: this.pendingLastTime,
      malformed: CUT_SHORT,
    };
  }

  /** Forget any partial line (the stream stopped being text). Returns its length in bytes. */
  reset(): number {
    const dropped = this.discarding ? 0 : this.pending.length;
    this.clearPending();
    this.discarding = false;
    return dropped;
  }

  /** Bytes [pos, lf) plus any pending prefix form one line. */
  private complete(buf: Uint8Array, pos: number, lf: number, chunk: StreamChunk): FramedLine {
    const pendingLen = this.pending.length;
    const crAtEnd = lf > pos ? buf[lf - 1] === CR : pendingLen > 0 && this.pending.charCodeAt(pendingLen - 1) === CR;
    const contentLen = pendingLen + (lf - pos) - (crAtEnd ? 1 : 0);
    let malformed: LineProblem | undefined = crAtEnd ? undefined : 'bare LF';
    let text: string;
    if (contentLen > this.max) {
      malformed = 'line too long';
      text =
        pendingLen >= this.max
          ? this.pending.slice(0, this.max)
          : this.pending + latin1(buf, pos, pos + (this.max - pendingLen));
      this.reportLimit(chunk);
    } else if (pendingLen === 0) {
      text = latin1(buf, pos, pos + contentLen);
    } else {
      text = (this.pending + latin1(buf, pos, lf)).slice(0, contentLen);
    }
    // Both optional fields in the literal (undefined when absent), not added after: an added field
    // costs the line a second object for its out-of-line fields.
    const line: FramedLine = {
      text,
      firstFrame: pendingLen > 0 ? this.pendingFrame : chunk.frame,
      firstTime: pendingLen > 0 ? this.pendingTime : chunk.time,
      frame: chunk.frame,
      time: chunk.time,
      malformed,
      peerAcked: chunk.peerAcked,
    };
    this.clearPending();
    return line;
  }

  /** Bytes [pos, end) hold no LF: keep them (up to the bound) for the next chunk. */
  private partial(buf: Uint8Array, pos: number, chunk: StreamChunk): number {
    const n = buf.length;
    if (this.discarding) return n;
    if (this.pending === '') {
      this.pendingFrame = chunk.frame;
      this.pendingTime = chunk.time;
    }
    this.pendingLastFrame = chunk.frame;
    this.pendingLastTime = chunk.time;
    // Room for max content bytes plus the CR of a CRLF split across chunks.
    let take = Math.min(n - pos, this.max + 1 - this.pending.length);
    // Past the capture's pool of bytes held waiting for their end, the line is cut where it is, as
    // too long; its first FREE_CHARS characters are kept whatever the pool (the command is not lost).
    const pool = this.pool;
    let full = false;
    if (pool !== undefined) {
      const free = Math.max(0, FREE_CHARS - this.pending.length);
      const charge = take > free ? take - free + PIECE_COST : 0;
      if (charge > 0 && pool.used + charge > pool.max) {
        pool.onFull(chunk.frame);
        full = true;
        take = free;
      } else {
        pool.used += charge;
        this.charged += charge;
      }
    }
    this.pending += latin1(buf, pos, pos + take);
    const more = n - pos > take;
    const over = this.pending.length > this.max && this.pending.charCodeAt(this.max) !== CR;
    if (!more && !over) return n;

    const line: FramedLine = {
      text: this.pending.slice(0, this.max),
      firstFrame: this.pendingFrame,
      firstTime: this.pendingTime,
      frame: chunk.frame,
      time: chunk.time,
      malformed: 'line too long',
    };
    this.clearPending();
    this.discarding = true;
    if (!full) this.reportLimit(chunk);
    return this.sink.line(line) ? n : pos + take;
  }

  /** The partial line is gone (a line, a gap, a reset): its share of the pool is free again. */
  private clearPending(): void {
    this.pending = '';
    if (this.charged > 0) {
      this.pool!.used -= this.charged;
      this.charged = 0;
    }
  }

  private reportLimit(chunk: StreamChunk): void {
    if (this.limitReported) return;
    this.limitReported = true;
    this.sink.limit(chunk.frame, chunk.time, warning('ftp-line-length', { max: this.max }, { frame: chunk.frame }));
  }
}
