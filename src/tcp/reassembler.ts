/**
 * TCP reassembly over a whole capture: decoded frames in capture order → connections, lifecycle
 * events and ordered per-direction chunks (see types.ts). This module owns the tables: keying,
 * connection numbering (tshark's tcp.stream order), port reuse, the least-recently-used list
 * with count and idle-time eviction, closed-connection tombstones and ICMP error routing.
 * Per-connection behaviour lives in connection-state.ts, per-direction ordering in
 * direction-stream.ts.
 *
 * Memory grows with live connections only: a closed connection keeps a small tombstone (bounded
 * in count and time) so that its late packets (final ACK, repeated FIN) do not open a new one.
 */

import { TCP_ACK, TCP_RST, TCP_SYN, type DecodedFrame, type TcpHeader } from '../decode/types.js';
import { ConnectionState, type CloseReason, type ConnectionContext, type Tombstone } from './connection-state.js';
import { flowKey } from './flow-key.js';
import { FlowKeyCache } from './flow-key-cache.js';
import { LruList } from './lru.js';
import { PacketCopies } from './packet-copies.js';
import { srcLooksLikeClient } from './roles.js';
import { seqAdd, seqDiff } from './seq.js';
import type { Direction, ReassemblyListener, SegmentFacts, TcpConnection } from './types.js';
import { warning, type Warning } from '../warnings/catalog.js';

export interface ReassemblerOptions {
  /** Live connections kept before the least recently used is evicted. Default 200,000. */
  maxConnections?: number;
  /**
   * Seconds of capture time without packets before a connection is evicted, once half the
   * connection budget is live (with room, silence gives nothing up). Default 3600: an FTP control
   * connection sits silent for the whole of a long transfer, and evicting it would split the
   * session in two.
   */
  idleTimeout?: number;
  /** Out-of-order bytes buffered per direction before a gap is forced. Default 4 MiB. */
  maxBufferedBytesPerDirection?: number;
  /** Out-of-order pieces buffered per direction before a gap is forced. Default 4096. */
  maxBufferedSegmentsPerDirection?: number;
  /** Out-of-order bytes buffered by all connections together (and 64 per piece). Default 256 MiB. */
  maxBufferedBytesTotal?: number;
  onWarning?: (w: Warning) => void;
  /**
   * Called once per TCP segment and ICMP error the engine attributes to a connection, with what
   * it decided (see SegmentFacts). Absent, nothing is computed or allocated for it.
   */
  onSegment?: (facts: SegmentFacts) => void;
}

export interface ReassemblerStats {
  /** Connections open now. */
  live: number;
  /** Connections created (the next id). */
  total: number;
  /** Connections closed by the count bound or the idle timeout. */
  evicted: number;
  /** Packets of already closed connections (final ACKs, repeated FINs/SYNs), not attributed. */
  afterClose: number;
  /** Packets captured twice (tcp/packet-copies.ts), and the frame of the first copy (0: none). */
  copies: number;
  firstCopy: number;
}

const DEFAULT_MAX_CONNECTIONS = 200_000;
const DEFAULT_IDLE_TIMEOUT = 3600;
const DEFAULT_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const DEFAULT_MAX_BUFFERED_SEGMENTS = 4096;
const DEFAULT_MAX_BUFFERED_TOTAL = 256 * 1024 * 1024;
/** How long a closed connection's tombstone absorbs late packets (TIME_WAIT is 60–240 s). */
const CLOSED_LINGER = 240;
const RST_ACK = TCP_RST | TCP_ACK;
/** How long a reset for no known connection waits for the SYN it answered (Reassembler.resetOrder): a capture's reordering is within microseconds. */
const RST_BEFORE_SYN = 0.002;
/** Resets held at once at most (a scan's answers come by the thousand): past it they go as they came. */
const MAX_HELD_RESETS = 64;
/** A SYN from a side that never sent, on a connection silent this long, starts a new one. */
const REUSE_IDLE = 30;
/** At the count bound, a connection seen within this many seconds is pushed out only by a new connection's SYN (open()). */
const ACTIVE_WITHIN = 30;
/** Connections given up that are remembered (to be picked up again as themselves) even under a tiny connection budget. */
const GIVEN_KEPT_MIN = 1024;
/** Idle sweeps run at most once per this many seconds of capture time. */
const SWEEP_INTERVAL = 1;

export class TcpReassembler {
  private readonly live = new Map<string, ConnectionState>();
  /** Tombstones of closed connections by key. */
  private readonly closed = new Map<string, Tombstone>();
  /** Resets for no known connection, held a moment for the SYN they answered (resetOrder), by flow key. */
  private readonly heldResets = new Map<string, DecodedFrame>();
  /**
   * The same tombstones in close order, oldest first, for expiry in O(1) each. An entry whose key
   * now maps to another tombstone (closed again, or reopened) is stale and skipped when reached.
   * (A Map's own insertion order would do, but deleting its oldest entries leaves holes that every
   * later `keys().next()` walks over again: quadratic on a flood of short connections.)
   */
  private readonly closedOrder = new FifoQueue<Tombstone>();
  /**
   * Connections given up before their end (for room, or idle), by key: a later packet without a SYN
   * picks the connection up again as one that `resumes` it, not as one begun before the capture.
   * Only those that opened or carried a byte; at most max(GIVEN_KEPT_MIN, maxConnections), oldest
   * dropped first (the queue may hold stale entries, as closedOrder).
   */
  private readonly given = new Map<string, GivenUp>();
  private readonly givenOrder = new FifoQueue<GivenUp>();
  /**
   * Live connections, least recently used first: those that never carried a byte (a scan's, a
   * flood's SYNs) apart from those that did, so that a budget reached gives up the first kind first
   * (victim()): an FTP session survives a flood beside it.
   */
  private readonly bare = new LruList<ConnectionState>();
  private readonly carrying = new LruList<ConnectionState>();

  private readonly maxConnections: number;
  private readonly idleTimeout: number;
  private readonly linger: number;
  private readonly ctx: ConnectionContext;
  private readonly onWarning: (w: Warning) => void;

  /** Keys of recent packets' connections, each with its live connection noted (checked open before use). */
  private readonly keys = new FlowKeyCache<ConnectionState>();
  private nextId = 0;
  private evictedCount = 0;
  private evictedByCount = 0;
  private afterClose = 0;
  /** Packets of no known connection left out while the table was full of active ones (open()), and the first one's frame. */
  private untracked = 0;
  private firstUntracked = 0;
  private overflowCount = 0;
  /** Latest capture time seen: time only moves forward for timeouts even if the capture does not. */
  private now = -Infinity;
  private nextSweep = -Infinity;

  constructor(
    private readonly listener: ReassemblyListener,
    opts: ReassemblerOptions = {},
  ) {
    this.maxConnections = Math.max(1, opts.maxConnections ?? DEFAULT_MAX_CONNECTIONS);
    this.idleTimeout = opts.idleTimeout ?? DEFAULT_IDLE_TIMEOUT;
    this.linger = Math.min(CLOSED_LINGER, this.idleTimeout);
    this.onWarning = opts.onWarning ?? (() => {});
    this.ctx = {
      listener,
      limits: {
        maxBufferedBytes: opts.maxBufferedBytesPerDirection ?? DEFAULT_MAX_BUFFERED_BYTES,
        maxBufferedSegments: opts.maxBufferedSegmentsPerDirection ?? DEFAULT_MAX_BUFFERED_SEGMENTS,
        pool: { used: 0, max: opts.maxBufferedBytesTotal ?? DEFAULT_MAX_BUFFERED_TOTAL },
      },
      onOverflow: (conn, dir, frame) => this.overflowed(conn, dir, frame),
      onSegment: opts.onSegment ?? null,
      facts: { kind: 'segment', stream: 0, dir: 'c2s', frame: 0, data: 'none', newBytes: 0, retransmission: false, copy: false, outOfOrder: false, seqBase: -1, ackBase: -1 },
      copies: new PacketCopies(),
    };
  }

  /** One decoded frame, in capture order. Frames without TCP or an ICMP error are ignored. */
  push(f: DecodedFrame): void {
    if (f.time > this.now) this.now = f.time;
    if (this.now >= this.nextSweep) this.sweep();
    if (f.icmp !== undefined) {
      this.icmp(f);
      return;
    }
    const tcp = f.tcp;
    const ip = f.ip;
    if (tcp === undefined || ip === undefined) return;
    if (this.heldResets.size > 0 || (tcp.flags & RST_ACK) === RST_ACK) {
      if (this.resetOrder(f, tcp, ip.src, ip.dst)) return;
    }
    this.segment(f, tcp, ip.src, ip.dst);
  }

  /**
   * A reset (with ACK) for no connection known yet is held a moment (RST_BEFORE_SYN): the capture may
   * have written it before the SYN it answered (two NIC queues, `-i any`: a refused connection's SYN
   * and RST within microseconds). The SYN it acknowledges, when it comes, goes first and the reset
   * after it, as the hosts sent them; anything else of the flow, or the moment passing, lets the reset
   * go as it came. True when `f` was taken care of here (held, or sent on with its reset).
   */
  private resetOrder(f: DecodedFrame, tcp: TcpHeader, src: string, dst: string): boolean {
    if (this.heldResets.size > 0) {
      for (const [k, r] of this.heldResets) {
        if (r.time + RST_BEFORE_SYN >= f.time) continue;
        this.heldResets.delete(k);
        this.segment(r, r.tcp!, r.ip!.src, r.ip!.dst);
      }
    }
    const key = this.keys.key(src, tcp.srcPort, dst, tcp.dstPort);
    const held = this.heldResets.get(key);
    if (held !== undefined) {
      this.heldResets.delete(key);
      const answered = (tcp.flags & (TCP_SYN | TCP_ACK)) === TCP_SYN && held.ip!.src === dst && held.tcp!.srcPort === tcp.dstPort && seqDiff(held.tcp!.ack, seqAdd(tcp.seq, 1)) === 0;
      if (answered) {
        this.segment(f, tcp, src, dst);
        this.segment(held, held.tcp!, held.ip!.src, held.ip!.dst);
        return true;
      }
      this.segment(held, held.tcp!, held.ip!.src, held.ip!.dst);
      return false;
    }
    const reset = (tcp.flags & RST_ACK) === RST_ACK && f.payload.length === 0;
    if (!reset || this.heldResets.size >= MAX_HELD_RESETS || this.live.has(key) || this.closed.has(key) || this.given.has(key)) return false;
    // A copy: the decoder reuses its frame objects for the next packet.
    this.heldResets.set(key, { ...f, link: { ...f.link }, ip: { ...f.ip! }, tcp: { ...tcp, options: tcp.options.map((o) => ({ ...o })) }, payload: new Uint8Array(0), problems: [...f.problems] });
    return true;
  }

  /** One TCP segment, in the order the reassembler takes it. */
  private segment(f: DecodedFrame, tcp: TcpHeader, src: string, dst: string): void {
    const ip = f.ip!;
    const key = this.keys.key(src, tcp.srcPort, ip.dst, tcp.dstPort);
    const bareSyn = (tcp.flags & (TCP_SYN | TCP_ACK)) === TCP_SYN;
    // The connection noted with the key is the live one for it (close() takes it off).
    const noted = this.keys.noted();
    let st = noted ?? this.live.get(key);
    let fromClient = false;
    if (st !== undefined) {
      fromClient = st.isClient(src, tcp.srcPort);
      if (bareSyn && st.isNewSyn(fromClient, tcp.seq, this.now, REUSE_IDLE)) {
        this.close(st, 'reused', f.frame, f.time);
        st = undefined;
      } else {
        this.listOf(st).touch(st);
      }
    }
    if (st === undefined) {
      const tomb = this.closed.get(key);
      if (tomb !== undefined) {
        if ((!bareSyn && !this.answersAfterTomb(tomb, tcp, src)) || (bareSyn && this.repeatsClosedSyn(tomb, src, tcp.srcPort, tcp.seq))) {
          this.afterClose++;
          if (this.ctx.onSegment !== null) this.reportAttributed('late', tomb.id, tombFromClient(tomb, src, tcp.srcPort), f.frame);
          return;
        }
        this.closed.delete(key); // its queue entry is now stale
      }
      const given = this.given.get(key);
      const opened = this.open(key, f, bareSyn, bareSyn ? undefined : given);
      if (opened === null) return;
      if (given !== undefined) this.given.delete(key); // its queue entry is now stale
      st = opened;
      fromClient = st.isClient(src, tcp.srcPort);
    }
    if (st !== noted) this.keys.note(st);

    // Set here, not passed to handle(): a time passed as an argument is a new number object per packet.
    st.lastSeen = this.now;
    st.handle(f, tcp, fromClient);
    if (!st.carrying && st.conn.bytes.c2s + st.conn.bytes.s2c > 0) {
      this.bare.unlink(st);
      st.carrying = true;
      this.carrying.append(st);
    }
    if (st.closeRequest !== null) this.close(st, st.closeRequest, f.frame, f.time);
  }

  /** End of capture: close everything still open (reason 'end'), in connection order. */
  finish(): void {
    for (const r of this.heldResets.values()) this.segment(r, r.tcp!, r.ip!.src, r.ip!.dst);
    this.heldResets.clear();
    const open = [...this.live.values()].sort((a, b) => a.conn.id - b.conn.id);
    for (const st of open) this.close(st, 'end', st.conn.lastFrame, st.conn.end);
    this.closed.clear();
    this.closedOrder.clear();
    this.given.clear();
    this.givenOrder.clear();
    if (this.evictedCount > 0) {
      const facts = { evicted: this.evictedCount, byCount: this.evictedByCount, maxConnections: this.maxConnections, idleTimeout: this.idleTimeout };
      this.onWarning(warning('connections-evicted', facts));
    }
    if (this.untracked > 0) {
      this.onWarning(warning('connections-untracked', { packets: this.untracked, maxConnections: this.maxConnections, recent: ACTIVE_WITHIN }, { frame: this.firstUntracked }));
    }
    if (this.overflowCount > 1) {
      this.onWarning(warning('reassembly-buffer-full', { times: this.overflowCount }));
    }
  }

  stats(): ReassemblerStats {
    return { live: this.live.size, total: this.nextId, evicted: this.evictedCount, afterClose: this.afterClose, copies: this.ctx.copies.count, firstCopy: this.ctx.copies.first };
  }

  /**
   * A new connection for the frame, or null when there is no room for it: the table is full, the
   * least recently used connection is not stale, and the frame does not start a connection (a bare
   * SYN). Such a frame belongs to a connection that began before the capture or that was itself
   * given up: letting it push out a live one would push out another with that one's next packet,
   * and so on — a capture with more live connections than the budget would be cut into a
   * connection per packet. It is counted (`untracked`) instead.
   */
  private open(key: string, f: DecodedFrame, bareSyn: boolean, resumes?: GivenUp): ConnectionState | null {
    const tcp = f.tcp!;
    const ip = f.ip!;
    const victim = this.live.size >= this.maxConnections ? this.victim(bareSyn) : null;
    if (victim !== null) {
      if (!bareSyn && victim.lastSeen > this.now - ACTIVE_WITHIN) {
        if (this.untracked++ === 0) this.firstUntracked = f.frame;
        return null;
      }
      if (this.evictedByCount === 0) {
        this.onWarning(warning('connection-limit', { maxConnections: this.maxConnections }, { frame: f.frame }));
      }
      this.evictedByCount++;
      // Given up for room, not for silence: what became of it is not known (TcpConnection.evicted).
      victim.conn.evicted = f.frame;
      this.evict(victim, f.frame, f.time, 'room');
    }
    const flags = tcp.flags;
    const synAck = (flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK);
    // A SYN-ACK seen first (capture began after the SYN) names its sender as the server; a
    // connection picked up again keeps the sides it had.
    const srcIsClient = bareSyn
      ? true
      : synAck
        ? false
        : resumes !== undefined
          ? resumes.clientIp === ip.src && resumes.clientPort === tcp.srcPort
          : srcLooksLikeClient(tcp.srcPort, tcp.dstPort);
    const a = { ip: ip.src, port: tcp.srcPort };
    const b = { ip: ip.dst, port: tcp.dstPort };
    const st = new ConnectionState(
      this.nextId++,
      key,
      srcIsClient ? a : b,
      srcIsClient ? b : a,
      !bareSyn && !synAck,
      f,
      this.now,
      this.ctx,
    );
    if (synAck) st.seedFromSynAck(tcp);
    if (resumes !== undefined) st.conn.resumes = { stream: resumes.id, evictedAt: resumes.frame, why: resumes.why };
    this.live.set(key, st);
    this.bare.append(st);
    this.listener.onOpen(st.conn, f.frame);
    return st;
  }

  private close(st: ConnectionState, reason: CloseReason, frame: number, time: number): void {
    this.keys.forget(st.conn.client.port, st.conn.server.port, st);
    this.live.delete(st.key);
    this.listOf(st).unlink(st);
    if (reason === 'fin' || reason === 'rst' || reason === 'reused') {
      const tomb = st.tombstone(this.now);
      this.closed.set(st.key, tomb);
      this.closedOrder.push(tomb);
      // The bound counts stale queue entries too, so the queue stays within 2 × the bound.
      while (this.closed.size > this.maxConnections || this.closedOrder.length > 2 * this.maxConnections) {
        this.expireOldestTombstone();
      }
    }
    st.close(reason, frame, time);
  }

  private evict(st: ConnectionState, frame: number, time: number, why: GivenUp['why']): void {
    this.evictedCount++;
    this.close(st, 'evicted', frame, time);
    // Only a connection that opened or carried bytes can matter later (a flood's SYNs need no record).
    const c = st.conn;
    if (!c.established && c.bytes.c2s + c.bytes.s2c === 0) return;
    const given: GivenUp = { key: st.key, id: st.conn.id, frame, why, clientIp: st.conn.client.ip, clientPort: st.conn.client.port };
    this.given.set(st.key, given);
    this.givenOrder.push(given);
    const kept = Math.max(GIVEN_KEPT_MIN, this.maxConnections);
    while (this.given.size > kept || this.givenOrder.length > 2 * kept) {
      const oldest = this.givenOrder.shift();
      if (oldest !== undefined && this.given.get(oldest.key) === oldest) this.given.delete(oldest.key);
    }
  }

  /**
   * A SYN-ACK after a closed connection that never showed its sender's ISN (one the capture began on a
   * reset: a client resetting an answer from an address it never called, written before that answer,
   * -i any): a new answer, which opens a connection of its own, not a late packet of that one.
   */
  private answersAfterTomb(tomb: Tombstone, tcp: TcpHeader, src: string): boolean {
    if ((tcp.flags & (TCP_SYN | TCP_ACK)) !== (TCP_SYN | TCP_ACK)) return false;
    return (tombFromClient(tomb, src, tcp.srcPort) ? tomb.c2sIsn : tomb.s2cIsn) < 0;
  }

  /** A repeated SYN (same ISN) of a closed connection is one of its late packets. */
  private repeatsClosedSyn(tomb: Tombstone, src: string, srcPort: number, seq: number): boolean {
    const fromClient = tombFromClient(tomb, src, srcPort);
    const isn = fromClient ? tomb.c2sIsn : tomb.s2cIsn;
    return isn >= 0 && isn === seq;
  }

  private icmp(f: DecodedFrame): void {
    const q = f.icmp!.quoted;
    const key = flowKey(q.src, q.srcPort, q.dst, q.dstPort);
    const st = this.live.get(key);
    if (st !== undefined) {
      const fromClient = st.isClient(q.src, q.srcPort);
      st.icmpError(f, fromClient);
      if (this.ctx.onSegment !== null) this.reportAttributed('icmp', st.conn.id, fromClient, f.frame);
      return;
    }
    // A closed connection's ICMP error: attributed for the hook, as its late packets are.
    const tomb = this.closed.get(key);
    if (tomb !== undefined && this.ctx.onSegment !== null) {
      this.reportAttributed('icmp', tomb.id, tombFromClient(tomb, q.src, q.srcPort), f.frame);
    }
  }

  /** Tell the segment hook about a frame it only attributes (a closed connection's, an ICMP error). */
  private reportAttributed(kind: 'late' | 'icmp', stream: number, fromClient: boolean, frame: number): void {
    const x = this.ctx.facts;
    x.kind = kind;
    x.stream = stream;
    x.dir = fromClient ? 'c2s' : 's2c';
    x.frame = frame;
    x.data = 'none';
    x.newBytes = 0;
    x.retransmission = false;
    x.copy = false;
    x.outOfOrder = false;
    x.seqBase = -1;
    x.ackBase = -1;
    this.ctx.onSegment!(x);
  }

  /** Evict idle connections and expire tombstones; O(evicted) per sweep. */
  private sweep(): void {
    this.nextSweep = this.now + SWEEP_INTERVAL;
    const idleBefore = this.now - this.idleTimeout;
    // Silence alone gives nothing up while the table has room: a long download's control connection
    // is silent for its whole run. Under pressure (half the budget live) the silent go first.
    for (const list of [this.bare, this.carrying]) {
      while (list.head !== null && list.head.lastSeen < idleBefore && 2 * this.live.size >= this.maxConnections) {
        const st = list.head;
        st.conn.evicted = st.conn.lastFrame;
        this.evict(st, st.conn.lastFrame, st.conn.end, 'idle');
      }
    }
    const lingerBefore = this.now - this.linger;
    for (let tomb = this.closedOrder.peek(); tomb !== undefined && tomb.closedAt < lingerBefore; tomb = this.closedOrder.peek()) {
      this.expireOldestTombstone();
    }
  }

  /** Drop the oldest queued tombstone (if it is still the one its key maps to). */
  private expireOldestTombstone(): void {
    const tomb = this.closedOrder.shift();
    if (tomb !== undefined && this.closed.get(tomb.key) === tomb) this.closed.delete(tomb.key);
  }

  private overflowed(conn: TcpConnection, dir: Direction, frame: number): void {
    if (this.overflowCount++ === 0) {
      const facts = { stream: conn.id, dir, perDirection: this.ctx.limits.maxBufferedBytes, total: this.ctx.limits.pool?.max ?? Infinity };
      this.onWarning(warning('reassembly-buffer-full', facts, { frame }));
    }
  }

  private listOf(st: ConnectionState): LruList<ConnectionState> {
    return st.carrying ? this.carrying : this.bare;
  }

  /**
   * The connection a budget reached gives up first: for a new connection's SYN, the least recently
   * used that never carried a byte, else the least recently used; for another packet (which may
   * push out only a connection silent for ACTIVE_WITHIN), the first of those two that is so silent.
   */
  private victim(forSyn: boolean): ConnectionState | null {
    const bare = this.bare.head;
    const carrying = this.carrying.head;
    if (forSyn || bare === null || carrying === null) return bare ?? carrying;
    return bare.lastSeen <= this.now - ACTIVE_WITHIN ? bare : carrying;
  }
}

function tombFromClient(tomb: Tombstone, ip: string, port: number): boolean {
  return tomb.clientPort === port && tomb.clientIp === ip;
}

/** A connection given up before its end: enough to pick it up again as itself (TcpConnection.resumes). */
interface GivenUp {
  key: string;
  id: number;
  frame: number;
  why: 'room' | 'idle';
  clientIp: string;
  clientPort: number;
}

/** FIFO (tombstones, connections given up): an array with a moving head, compacted when the consumed part dominates. */
class FifoQueue<T> {
  private items: T[] = [];
  private head = 0;

  push(t: T): void {
    this.items.push(t);
  }

  get length(): number {
    return this.items.length - this.head;
  }

  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const t = this.items[this.head];
    this.items[this.head++] = undefined as unknown as T;
    if (this.head >= 4096 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return t;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}
