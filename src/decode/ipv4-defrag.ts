/**
 * IP fragment reassembly (IPv4, and IPv6 with the same design). Datagrams are keyed by the caller
 * (IPv4: src, dst, protocol, id; IPv6: src, dst, id) and bounded three ways: bytes per datagram
 * (64 KiB), number of datagrams pending, and age in capture time. The frame that completes a
 * datagram gets the whole payload back; overlapping bytes keep the first copy (and say so).
 */

export interface DefragOptions {
  /** Largest reassembled payload accepted (an IP length field cannot describe more). */
  maxDatagramBytes?: number;
  /** Datagrams waiting for fragments; the oldest is dropped to make room. */
  maxPending?: number;
  /** A datagram not completed within this many seconds of capture time is dropped. */
  timeoutSeconds?: number;
  /**
   * Told of each datagram given up whose first fragment came: its key, the bytes from its start
   * (a view: valid only during the call), the frame and time of its first fragment to arrive.
   */
  onIncompleteHead?: (key: string, head: Uint8Array, frame: number, time: number) => void;
}

export type DefragResult =
  | { state: 'held'; overlap: boolean }
  /** `frames`: the first MAX_INCOMPLETE_FRAMES fragments' frames; `fragments`: how many came. */
  | { state: 'complete'; payload: Uint8Array; overlap: boolean; frames: number[]; fragments: number }
  | { state: 'dropped'; reason: string };

export interface DefragStats {
  /** Datagrams completed. */
  reassembled: number;
  /** Given up because the rest did not arrive within the timeout. */
  timedOut: number;
  /** Given up to make room (maxPending). */
  evicted: number;
  /** Given up because too big or fed a fragment cut by the snapshot length. */
  dropped: number;
  /** Completed datagrams that had overlapping fragments. */
  overlaps: number;
  /** Datagrams given up without completing (timed out, evicted, or pending when the capture ended: `finish`). */
  incomplete: number;
  /** The first of those: its fragments' frames, the bytes held and the length (-1: its last fragment never came). */
  firstIncomplete: IncompleteDatagram | null;
  /** The frames of every fragment of those datagrams, in order given up; null once more than MAX_INCOMPLETE_FRAMES. */
  incompleteFrames: number[] | null;
}

/** A datagram some of whose fragments never came. */
export interface IncompleteDatagram {
  /** The frames of the fragments that came, in arrival order (at most MAX_NAMED_FRAMES of them). */
  frames: number[];
  /** Bytes of the datagram's payload the capture holds. */
  held: number;
  /** The payload's length, known from its last fragment; -1 when that never came. */
  total: number;
  /** Why it was given up. */
  reason: 'timeout' | 'evicted' | 'end';
}

/** Frames named for the first incomplete datagram (a datagram of 64 KiB may have thousands of fragments). */
const MAX_NAMED_FRAMES = 16;
/** Frames of incomplete datagrams kept for `dump` (which says of a held fragment whether it was ever reassembled). */
const MAX_INCOMPLETE_FRAMES = 1024;

interface Pending {
  buf: Uint8Array;
  /** Covered byte ranges, sorted and merged: [start0, end0, start1, end1, ...]. */
  ranges: number[];
  /** Total payload length, known once the last fragment (more = false) is seen; else -1. */
  total: number;
  /** Only a mark: its first fragment was cut by the snaplen (nothing else of it came yet). */
  cut?: true;
  firstTime: number;
  overlap: boolean;
  /** The frames of its first MAX_INCOMPLETE_FRAMES fragments (a flood of repeats could send millions). */
  frames: number[];
  /** Its fragments, all counted. */
  fragments: number;
}

const DEFAULTS = { maxDatagramBytes: 65535, maxPending: 256, timeoutSeconds: 30 };

export class Ipv4Defragmenter {
  private readonly opts: typeof DEFAULTS & DefragOptions;
  /** Insertion order is first-fragment order, which is (nearly) capture-time order. */
  private readonly pending = new Map<string, Pending>();
  readonly stats: DefragStats = { reassembled: 0, timedOut: 0, evicted: 0, dropped: 0, overlaps: 0, incomplete: 0, firstIncomplete: null, incompleteFrames: [] };

  constructor(options: DefragOptions = {}) {
    this.opts = { ...DEFAULTS, ...options };
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Add one fragment: `data` is its payload at byte `offset` of the datagram, `more` its MF bit.
   * `complete` is false when the capture cut this fragment short; the datagram is then dropped,
   * since reassembling it would invent bytes.
   */
  add(key: string, offset: number, more: boolean, data: Uint8Array, time: number, frame: number, complete = true): DefragResult {
    this.expire(time);
    let p = this.pending.get(key);
    if (!complete) {
      // The datagram cannot be rebuilt, but whether its other fragments came still matters: a first
      // fragment (its TCP header within the snaplen) whose rest never came was lost before the
      // capture point (onIncompleteHead, at its timeout or the end), cut or not. Kept as a mark.
      if (p === undefined && offset === 0 && this.opts.onIncompleteHead !== undefined && this.pending.size < this.opts.maxPending) {
        this.pending.set(key, { buf: data.slice(), ranges: [0, data.length], total: -1, firstTime: time, overlap: false, frames: [frame], fragments: 1, cut: true });
      } else if (p !== undefined) this.pending.delete(key);
      this.stats.dropped++;
      return { state: 'dropped', reason: 'a fragment of the datagram was cut by the snapshot length' };
    }
    if (p?.cut === true) {
      // Another fragment of a datagram whose first one the snaplen cut: it crossed the capture point
      // whole or in part, not rebuildable; no loss to report.
      this.pending.delete(key);
      this.stats.dropped++;
      return { state: 'dropped', reason: 'a fragment of the datagram was cut by the snapshot length' };
    }
    const end = offset + data.length;
    if (end > this.opts.maxDatagramBytes) {
      if (p !== undefined) this.pending.delete(key);
      this.stats.dropped++;
      return { state: 'dropped', reason: `fragment ends at byte ${end}, beyond the ${this.opts.maxDatagramBytes}-byte limit` };
    }
    if (p === undefined) {
      if (this.pending.size >= this.opts.maxPending) {
        const oldest = this.pending.keys().next().value as string;
        this.giveUp(oldest, this.pending.get(oldest)!, 'evicted');
        this.stats.evicted++;
      }
      p = { buf: new Uint8Array(Math.max(end, 1024)), ranges: [], total: -1, firstTime: time, overlap: false, frames: [], fragments: 0 };
      this.pending.set(key, p);
    }
    if (p.frames.length < MAX_INCOMPLETE_FRAMES) p.frames.push(frame);
    p.fragments++;
    if (!more) {
      if (p.total >= 0 && p.total !== end) p.overlap = true; // a second, different last fragment: keep the first
      else p.total = end;
    }
    let limit = end;
    if (p.total >= 0 && limit > p.total) {
      p.overlap = true; // bytes beyond the datagram's end: ignore them
      limit = p.total;
    }
    if (limit > offset) this.store(p, offset, limit, data);
    if (p.total >= 0 && p.ranges.length >= 2 && p.ranges[0] === 0 && p.ranges[1] >= p.total) {
      this.pending.delete(key);
      this.stats.reassembled++;
      if (p.overlap) this.stats.overlaps++;
      return { state: 'complete', payload: p.buf.subarray(0, p.total), overlap: p.overlap, frames: p.frames, fragments: p.fragments };
    }
    return { state: 'held', overlap: p.overlap };
  }

  /** Copy the parts of [start, end) not yet covered (first copy wins), and merge the ranges. */
  private store(p: Pending, start: number, end: number, data: Uint8Array): void {
    if (end > p.buf.length) {
      const grown = new Uint8Array(Math.min(Math.max(end, p.buf.length * 2), this.opts.maxDatagramBytes));
      grown.set(p.buf);
      p.buf = grown;
    }
    const r = p.ranges;
    // The first range that ends at or after `start` (ranges are sorted, apart and never touching):
    // found by halving, so a datagram of thousands of holes, its fragments sent over and over, costs
    // no pass over all of them per fragment.
    let lo = 0;
    let hi = r.length >> 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (r[2 * mid + 1] < start) lo = mid + 1;
      else hi = mid;
    }
    const first = lo;
    // Ranges from `first` on that touch or overlap [start, end) grow into one.
    let ns = start;
    let ne = end;
    let k = first;
    for (; 2 * k < r.length && r[2 * k] <= ne; k++) {
      ns = Math.min(ns, r[2 * k]);
      ne = Math.max(ne, r[2 * k + 1]);
    }
    // Copy the parts not yet covered (first copy wins).
    let cursor = start;
    for (let i = 2 * first; i < 2 * k && cursor < end; i += 2) {
      const rs = r[i];
      const re = r[i + 1];
      if (re <= cursor) continue;
      if (rs >= end) break;
      if (rs > cursor) p.buf.set(data.subarray(cursor - start, rs - start), cursor);
      p.overlap = true;
      cursor = Math.max(cursor, re);
    }
    if (cursor < end) p.buf.set(data.subarray(cursor - start, end - start), cursor);
    if (k === first + 1) {
      r[2 * first] = ns;
      r[2 * first + 1] = ne;
    } else {
      r.splice(2 * first, 2 * (k - first), ns, ne);
    }
  }

  /** The capture ended: every datagram still waiting for fragments is incomplete. */
  finish(): void {
    for (const [key, p] of this.pending) this.giveUp(key, p, 'end');
  }

  /** Drop datagrams older than the timeout (by capture time). */
  private expire(now: number): void {
    const limit = now - this.opts.timeoutSeconds;
    for (const [key, p] of this.pending) {
      if (p.firstTime >= limit) break; // map order is arrival order
      this.giveUp(key, p, 'timeout');
      this.stats.timedOut++;
    }
  }

  private giveUp(key: string, p: Pending, reason: IncompleteDatagram['reason']): void {
    this.pending.delete(key);
    if (p.cut === true) {
      // A cut first fragment alone (counted dropped when it came): only its head is news.
      this.opts.onIncompleteHead?.(key, p.buf.subarray(0, p.ranges[1]), p.frames[0], p.firstTime);
      return;
    }
    this.stats.incomplete++;
    if (this.opts.onIncompleteHead !== undefined && p.ranges[0] === 0) this.opts.onIncompleteHead(key, p.buf.subarray(0, p.ranges[1]), p.frames[0], p.firstTime);
    const all = this.stats.incompleteFrames;
    if (all !== null) {
      if (all.length + p.fragments > MAX_INCOMPLETE_FRAMES) this.stats.incompleteFrames = null;
      else all.push(...p.frames);
    }
    if (this.stats.firstIncomplete !== null) return;
    let held = 0;
    for (let i = 0; i < p.ranges.length; i += 2) held += p.ranges[i + 1] - p.ranges[i];
    this.stats.firstIncomplete = { frames: p.frames.slice(0, MAX_NAMED_FRAMES), held, total: p.total, reason };
  }
}
