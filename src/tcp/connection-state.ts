/**
 * One live TCP connection: the handshake/teardown state machine, per-packet counters and the two
 * DirectionStreams. Emits lifecycle events and chunks to the listener in capture order; the
 * reassembler owns keying, tables, eviction and closing.
 */

import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type DecodedFrame, type TcpHeader } from '../decode/types.js';
import { carriesSack, SACK_EDGES_MAX, sackRightEdges } from '../decode/tcp.js';
import type { PacketCopies } from './packet-copies.js';
import { DirectionStream, type DirectionLimits, type SegmentResult, type StreamSink } from './direction-stream.js';
import { seqAdd, seqDiff } from './seq.js';
import type { ConnectionEvent, Direction, Endpoint, ReassemblyListener, SegmentFacts, StreamChunk, TcpConnection } from './types.js';

/** One list for every segment's SACK edges, read and used at once (no list per ACK). */
const SACK_EDGES = new Float64Array(SACK_EDGES_MAX);

export type CloseReason = 'fin' | 'rst' | 'evicted' | 'end' | 'reused';

/** Each per-connection frame list (synFrames, icmpErrors, …) keeps at most this many entries. */
export const MAX_FRAMES_KEPT = 32;
/** 'retransmission' events per connection; conn.retransmissions keeps counting past it. */
export const MAX_RETRANSMISSION_EVENTS = 64;

/** What the reassembler hands every connection. */
export interface ConnectionContext {
  listener: ReassemblyListener;
  limits: DirectionLimits;
  /** A direction's out-of-order buffer hit its bound and a gap was forced. */
  onOverflow(conn: TcpConnection, dir: Direction, frame: number): void;
  /** The per-segment hook (null: nobody listens, and nothing is computed for it). */
  onSegment: ((facts: SegmentFacts) => void) | null;
  /** The one object every hook call fills. */
  facts: SegmentFacts;
  /** Packets captured twice, found among every connection's recent segments (a capture-wide warning: how many, the first copy's frame). */
  copies: PacketCopies;
}

/** What stays of a closed connection, so late packets (last ACK, repeated FIN) are not a new one. */
export interface Tombstone {
  key: string;
  id: number;
  clientIp: string;
  clientPort: number;
  /** ISNs of each side when known (-1 otherwise): a repeated SYN with the same ISN is not new. */
  c2sIsn: number;
  s2cIsn: number;
  closedAt: number;
}

const SYN_ACK = TCP_SYN | TCP_ACK;

/**
 * One empty list shared by every connection until something is added (a SYN-only connection must
 * stay small): lists are replaced, never pushed to, while they are this one. Frozen, so a push
 * from elsewhere fails loudly instead of filling every connection's list.
 */
const NONE: never[] = Object.freeze([]) as unknown as never[];

/** Append to a per-connection list (bounded); returns the list to store (a new one when it was NONE). */
function pushBounded<T>(list: T[], item: T): T[] {
  if (list === NONE) return [item];
  if (list.length < MAX_FRAMES_KEPT) list.push(item);
  return list;
}

/**
 * How far past what the capture holds of the initiator's data a responder's acknowledgement may reach
 * and still answer this SYN (answersSyn): 4 MiB of segments the capture lost. An old connection's
 * numbers (a challenge ACK) land in it about once in a thousand.
 */
const ANSWER_SLACK = 4 << 20;
/** How far past a mid-stream side's first captured byte the peer's earlier acknowledgement may start it: a window's reach (scaled). */
const MAX_ACKED_AHEAD = 1 << 30;

/**
 * `pair[dir]`, by name. A keyed access whose key alternates between 'c2s' and 's2c' is megamorphic
 * in V8 (a stub-cache probe each time) and deoptimizes code first compiled for one of the keys: the
 * per-packet paths read and write their direction pairs through these (as `packets` by name).
 */
function sideOf<T>(pair: { c2s: T; s2c: T }, dir: Direction): T {
  return dir === 'c2s' ? pair.c2s : pair.s2c;
}

function setSide<T>(pair: { c2s: T; s2c: T }, dir: Direction, value: T): void {
  if (dir === 'c2s') pair.c2s = value;
  else pair.s2c = value;
}

export class ConnectionState {
  readonly conn: TcpConnection;
  /** Links of the reassembler's least-recently-used list (lru.ts), and which of its two: true once a byte was carried. */
  lruPrev: ConnectionState | null = null;
  lruNext: ConnectionState | null = null;
  carrying = false;
  /**
   * Capture time (monotonic) of the last packet, for idle eviction. A double from the start:
   * declared without a value, the field held undefined first, and every packet's time stored in
   * it was a new heap number.
   */
  lastSeen = -Infinity;
  /** Set by handle() when this packet ended the connection. */
  closeRequest: CloseReason | null = null;

  /**
   * The two directions, created on their first SYN, data or FIN: a connection that is only a SYN
   * (a scan, a flood) holds one, a connection nothing was sent on none. Read through c2sStream()
   * / s2cStream() where they must exist.
   */
  private c2s: DirectionStream | null = null;
  private s2c: DirectionStream | null = null;
  /** A side's ISN known before its stream exists (a SYN, nothing after): the stream starts from it. */
  private c2sIsn = -1;
  private s2cIsn = -1;
  private synAckSeen = false;
  /** The responder's side was started from the initiator's ACK of a SYN-ACK not (yet) in the capture. */
  private synAckAckedFirst = false;
  /** Raw ack value that acknowledges each direction's FIN (valid once that FIN is seen). */
  private finAckTargetC2s = 0;
  private finAckTargetS2c = 0;
  /** Per direction, the stream offset just past the highest byte sent (for `drainedSince`). */
  private sentEndC2s = 0;
  private sentEndS2c = 0;
  /** Per direction, the frame of the peer's first acknowledgement past the bytes delivered so far (-1: none since they caught up). */
  private readonly ackedPast = { c2s: -1, s2c: -1 };
  /**
   * A connection seen mid-stream: the furthest the peer had acknowledged of a side before that side's
   * first captured byte (raw sequence number; -1 none). Its bytes below were delivered before the
   * capture: a sender's copy of them, sent again, is a retransmission, not its stream's start.
   */
  private readonly ackedBeforeStart = { c2s: -1, s2c: -1 };
  private retransmissionEvents = 0;
  private flushed = false;
  /** The listener answered 'count-only' to a chunk: bytes are counted from then on, not kept. */
  private countOnly = false;
  /**
   * Each direction's `drainedSince` object, made on its first drain and filled again on each later
   * one: a request-and-answer connection drains after nearly every segment, and an object each time
   * was ~10 objects per short FTP session. Nothing reads conn.drainedSince before the connection's
   * end (transfer-outcome.ts, once the capture is read), so no earlier value is held anywhere.
   */
  private drainedC2s: { frame: number; time: number } | null = null;
  private drainedS2c: { frame: number; time: number } | null = null;

  constructor(
    id: number,
    readonly key: string,
    client: Endpoint,
    server: Endpoint,
    midstream: boolean,
    first: DecodedFrame,
    now: number,
    private readonly ctx: ConnectionContext,
  ) {
    // Every field present from the start, the optional ones undefined: fields added later (a RST,
    // the handshake's end) gave connections several hidden classes, and the per-packet code that
    // reads them megamorphic property loads.
    this.conn = {
      id,
      client,
      server,
      midstream,
      firstFrame: first.frame,
      start: first.time,
      end: first.time,
      lastFrame: first.frame,
      synFrames: NONE,
      synAckFrames: NONE,
      established: false,
      establishedFrame: undefined,
      bytes: { c2s: 0, s2c: 0 },
      gapBytes: { c2s: 0, s2c: 0 },
      cutBytes: { c2s: 0, s2c: 0 },
      unackedGapBytes: { c2s: 0, s2c: 0 },
      ackedTo: { c2s: -1, s2c: -1 },
      ackedFrame: { c2s: -1, s2c: -1 },
      ackedTime: { c2s: -1, s2c: -1 },
      sackedPast: { c2s: null, s2c: null },
      drainedSince: { c2s: null, s2c: null },
      windowShut: { c2s: null, s2c: null },
      longestShut: { c2s: 0, s2c: 0 },
      finAcked: { c2s: false, s2c: false },
      packets: { c2s: 0, s2c: 0 },
      firstMarks: { c2s: null, s2c: null },
      finFrames: { c2s: undefined, s2c: undefined },
      finUnseen: undefined,
      endLost: undefined,
      icmpErrors: NONE as TcpConnection['icmpErrors'],
      retransmissions: 0,
      captureCopies: 0,
      forwardedCopies: 0,
      synRepeats: 0,
      repeatsAfterHandshake: { c2s: 0, s2c: 0 },
      firstRepeatAfterHandshake: { c2s: 0, s2c: 0 },
      zeroWindowFrames: NONE,
      closed: null,
      rst: undefined,
      conflicts: undefined,
      evicted: undefined,
      resumes: undefined,
      listenerNote: undefined,
    };
    this.lastSeen = now;
  }

  private c2sStream(): DirectionStream {
    if (this.c2s === null) {
      this.c2s = new DirectionStream(this.sinkFor('c2s'), this.ctx.limits);
      if (this.c2sIsn >= 0) this.c2s.startWithIsn(this.c2sIsn);
    }
    return this.c2s;
  }

  private s2cStream(): DirectionStream {
    if (this.s2c === null) {
      this.s2c = new DirectionStream(this.sinkFor('s2c'), this.ctx.limits);
      if (this.s2cIsn >= 0) this.s2c.startWithIsn(this.s2cIsn);
    }
    return this.s2c;
  }

  /** A side's ISN (-1: unknown), whether its stream exists yet or not. */
  private isnOf(fromClient: boolean): number {
    const ds = fromClient ? this.c2s : this.s2c;
    if (ds !== null) return ds.isn;
    return fromClient ? this.c2sIsn : this.s2cIsn;
  }

  /**
   * `ack` acknowledges the initiator's SYN: its ISN + 1, or data sent after it — what the capture
   * holds of it and up to ANSWER_SLACK more (segments the capture lost too, and its FIN).
   */
  private answersSyn(ack: number): boolean {
    const isn = this.isnOf(true);
    if (isn < 0) return false;
    const past = seqDiff(ack, seqAdd(isn, 1));
    return past >= 0 && past <= this.sentEndC2s + ANSWER_SLACK;
  }

  /** Has a side's sequence state begun (a SYN, or its first data mid-stream)? */
  private sideStarted(fromClient: boolean): boolean {
    const ds = fromClient ? this.c2s : this.s2c;
    return ds !== null ? ds.started : (fromClient ? this.c2sIsn : this.s2cIsn) >= 0;
  }

  /** Start a side from its ISN; its stream is made only when bytes, a FIN or an ack need it. */
  private startSide(fromClient: boolean, isn: number): void {
    const ds = fromClient ? this.c2s : this.s2c;
    if (ds !== null) ds.startWithIsn(isn);
    else if (fromClient) this.c2sIsn = isn >>> 0;
    else this.s2cIsn = isn >>> 0;
  }

  isClient(ip: string, port: number): boolean {
    return this.conn.client.port === port && this.conn.client.ip === ip;
  }

  /**
   * Does a SYN (without ACK) from this side start a new connection on the same key? Yes when it
   * carries a different ISN than the side used before (tshark's "port numbers reused" rule), or
   * when the side never sent but the old connection is finishing or has been idle for `reuseIdle`,
   * or was seen mid-stream with no SYN-ACK: a connection that began before the capture sends no SYN
   * any more (the tail of the last one on a port a client binds again and again, its last ACK, then
   * the next one's SYN). A SYN-ACK seen first may still meet the SYN its sender answered, sent again.
   */
  isNewSyn(fromClient: boolean, seq: number, now: number, reuseIdle: number): boolean {
    const isn = this.isnOf(fromClient);
    if (isn >= 0) return isn !== seq;
    if (this.sideStarted(fromClient)) return true; // mid-stream side: a SYN from it is a fresh connection
    const c = this.conn;
    if (c.finFrames.c2s !== undefined || c.finFrames.s2c !== undefined) return true;
    if (c.midstream && c.synAckFrames.length === 0) return true;
    return now - this.lastSeen > reuseIdle;
  }

  tombstone(closedAt: number): Tombstone {
    return {
      key: this.key,
      id: this.conn.id,
      clientIp: this.conn.client.ip,
      clientPort: this.conn.client.port,
      c2sIsn: this.isnOf(true),
      s2cIsn: this.isnOf(false),
      closedAt,
    };
  }

  /**
   * Where a side seen mid-stream starts: at its first captured byte `seq`, or past it at what the peer
   * had already acknowledged (ackedBeforeStart: a lossy control connection's command sent again after
   * the server's answer, the capture starting between the two), within a window's reach.
   */
  private midstreamStart(dir: Direction, seq: number): number {
    const acked = sideOf(this.ackedBeforeStart, dir);
    if (acked < 0) return seq;
    const ahead = seqDiff(acked, seq);
    return ahead > 0 && ahead <= MAX_ACKED_AHEAD ? acked : seq;
  }

  /** Seed the sides' sequence state from the first packet when it is a SYN-ACK (SYN unseen). */
  seedFromSynAck(tcp: TcpHeader): void {
    if (!this.sideStarted(true)) this.startSide(true, seqAdd(tcp.ack, -1));
  }

  /** A SACK block past the cumulative acknowledgement: the furthest such edge, and the frame that first told it. */
  private sacked(peer: DirectionStream, tcp: TcpHeader, d: Direction, frame: number): void {
    const edges = sackRightEdges(tcp, SACK_EDGES);
    for (let k = 0; k < edges; k++) {
      const to = peer.offsetOf(SACK_EDGES[k]);
      const had = sideOf(this.conn.sackedPast, d);
      if (to > peer.ackedTo && (had === null || to > had.to)) setSide(this.conn.sackedPast, d, { to, frame });
    }
  }

  /**
   * A reset without ACK whose sequence number is an acknowledgement the other side had sent (at or
   * below the furthest it reached): what a host's stack sends back for a segment of a connection it
   * does not have (RFC 9293 3.10.7.1: the reset takes its sequence number from the segment's ACK). A
   * host ending its own connection (an abort, SO_LINGER 0) sends its reset with ACK, from where it
   * had got to.
   */
  private answersAsClosed(tcp: TcpHeader, fromClient: boolean): boolean {
    if (tcp.flags & TCP_ACK) return false;
    const own = fromClient ? this.c2s : this.s2c;
    // A connecting side that had sent nothing: its reset of the SYN-ACK, from one past its ISN (what
    // the SYN-ACK acknowledged), answers an answer its stack no longer had a socket for — its connect
    // had given up (a95-sat-connect-timeout: curl's 1 s timeout, a 1.2 s round trip).
    if ((own === null || !own.started) && fromClient && this.synAckSeen && !this.conn.established) {
      const isn = this.isnOf(true);
      return isn >= 0 && tcp.seq === seqAdd(isn, 1);
    }
    if (own === null || !own.started || own.ackedTo < 0) return false;
    const at = own.offsetOf(tcp.seq);
    return at >= 0 && at <= own.ackedTo;
  }

  /** One TCP segment of this connection (the reassembler has set lastSeen). */
  handle(f: DecodedFrame, tcp: TcpHeader, fromClient: boolean): void {
    const c = this.conn;
    const dir: Direction = fromClient ? 'c2s' : 's2c';
    const flags = tcp.flags;
    const frame = f.frame;
    const time = f.time;

    // Named properties, not [dir]: this runs for every packet and keyed access costs more.
    if (fromClient) c.packets.c2s++;
    else c.packets.s2c++;
    c.lastFrame = frame;
    if (time > c.end) c.end = time;
    const copy = this.ctx.copies.check(c.id, fromClient, f, tcp);
    if (copy !== 'no') {
      c.captureCopies++;
      if (copy === 'forwarded') c.forwardedCopies++;
      if (this.ctx.onSegment !== null) this.report(frame, fromClient, null, false, true);
      return;
    }

    if ((flags & TCP_RST) === 0) this.markHost(f, fromClient);
    if (flags & TCP_RST) {
      // The responder's reset from just past its SYN-ACK (not a refusal's, which answers the SYN itself),
      // the handshake's last ACK not in the capture: its software took the connection and reset it (an
      // accept() returns only once that ACK came), or the ACK met a listener gone: either way the
      // initiator had completed the handshake. The SYN-ACK captured, or known by that ACK's number.
      if (!fromClient && !c.established && (this.synAckSeen || this.synAckAckedFirst) && flags & TCP_ACK && this.answersSyn(tcp.ack) && tcp.seq === seqAdd(this.isnOf(false), 1)) {
        c.established = true;
        c.establishedFrame = frame;
      }
      // Payload on a RST is a diagnostic, not stream data. Buffered bytes were sent before it.
      if (c.rst === undefined) {
        c.rst = { frame, dir, time };
        if (this.answersAsClosed(tcp, fromClient)) c.rst.noConnection = true;
        else {
          // Sent from where its sender had got to: past the last of its bytes the capture holds (one
          // more for a FIN), it shows bytes of its sender's the capture lost before it.
          const own = fromClient ? this.c2s : this.s2c;
          const end = fromClient ? this.sentEndC2s : this.sentEndS2c;
          // A side that sent no bytes the capture holds has no stream: counted from its SYN's ISN.
          const isn = this.isnOf(fromClient);
          const at = own !== null && own.started ? own.offsetOf(tcp.seq) : own === null && isn >= 0 ? seqDiff(tcp.seq, seqAdd(isn, 1)) : -1;
          if (at > end + 1 && at <= MAX_ACKED_AHEAD) c.rst.lostBefore = at - end - 1;
          // One past them, with no FIN of its sender's captured: the FIN it had sent first (Linux resets from after it).
          else if (at === end + 1 && (fromClient ? c.finFrames.c2s : c.finFrames.s2c) === undefined) c.rst.finLost = true;
        }
      }
      // A RST with ACK acknowledges what its sender had received (Linux aborting a connection sends
      // rcv_nxt): bytes of the peer's the capture lacks below it reached it (a kernel's drops took
      // its last ACK), before the close turns holes into gaps. Read only when bytes the capture lacks
      // lie below it (past the peer's last byte seen and its FIN, or a hole before bytes held out of
      // order): of the bytes the capture holds, what the receiver had acknowledged when it reset stays
      // what its own ACKs said (diagnose words it: "had acknowledged N of them").
      const peer = fromClient ? this.s2c : this.c2s;
      if (flags & TCP_ACK && !c.rst.noConnection && peer !== null && peer.started) {
        const acked = peer.offsetOf(tcp.ack);
        const seenEnd = fromClient ? this.sentEndS2c : this.sentEndC2s;
        if (c.rst.frame === frame && seenEnd > 0 && acked >= seenEnd) c.rst.acksAll = true;
        if (acked > seenEnd + 1 || (acked > peer.nextOffset && peer.buffered().segments > 0)) {
          const d = fromClient ? 's2c' : 'c2s';
          peer.ack(tcp.ack);
          if (peer.ackedTo > sideOf(c.ackedTo, d)) {
            setSide(c.ackedTo, d, peer.ackedTo);
            setSide(c.ackedFrame, d, frame);
            setSide(c.ackedTime, d, time);
          }
        }
      }
      c.closed = 'rst';
      this.flush(frame, time);
      this.emit({ type: 'rst', dir, frame, time });
      this.closeRequest = 'rst';
      if (this.ctx.onSegment !== null) this.report(frame, fromClient, null, false);
      return;
    }

    const wireLength = tcp.payloadLength > f.payload.length ? tcp.payloadLength : f.payload.length;
    let retransmitted = false;
    let result: SegmentResult | null = null;

    // The initiator's first ACK after its SYN, no SYN-ACK in the capture (one captured direction,
    // or a lost SYN-ACK): it acknowledges the responder's ISN + 1, so the responder's side starts
    // there, and its bytes the initiator later acknowledges are counted from it.
    if (fromClient && !(flags & TCP_SYN) && flags & TCP_ACK && !this.synAckSeen && c.synFrames.length > 0 && !this.sideStarted(false)) {
      this.startSide(false, seqAdd(tcp.ack, -1));
      this.synAckAckedFirst = true;
    }
    if (flags & TCP_SYN) {
      const fresh = !this.sideStarted(fromClient);
      if (fresh) this.startSide(fromClient, tcp.seq);
      const synAck = (flags & SYN_ACK) === SYN_ACK;
      // The SYN-ACK the initiator's ACK above had acknowledged, captured after it (two NIC queues, a
      // TAP's two directions merged): its first copy, not one sent again, and the handshake is done.
      const acknowledged = synAck && this.synAckAckedFirst && !this.synAckSeen && this.isnOf(false) === tcp.seq;
      const repeat = !fresh && !acknowledged && this.isnOf(fromClient) === tcp.seq;
      if (repeat) retransmitted = true;
      if (synAck) {
        this.synAckSeen = true;
        c.synAckFrames = pushBounded(c.synAckFrames, frame);
        this.emit({ type: 'syn-ack', dir, frame, time, repeat });
        if (acknowledged && !c.established) {
          c.established = true;
          c.establishedFrame = frame;
          // The initiator's ACK, which came before: the handshake's third step is its, at no time after this one.
          this.emit({ type: 'established', dir: 'c2s', frame, time });
        }
      } else {
        c.synFrames = pushBounded(c.synFrames, frame);
        this.emit({ type: 'syn', dir, frame, time, repeat });
      }
    } else if (
      fromClient &&
      !c.established &&
      this.synAckSeen &&
      flags & TCP_ACK &&
      this.isnOf(false) >= 0 &&
      seqDiff(tcp.ack, seqAdd(this.isnOf(false), 1)) >= 0
    ) {
      c.established = true;
      c.establishedFrame = frame;
      this.emit({ type: 'established', dir, frame, time });
    } else if (!fromClient && !c.established && !this.synAckSeen && c.synFrames.length > 0 && flags & TCP_ACK && this.answersSyn(tcp.ack)) {
      // The responder's own segment after the SYN, with no SYN-ACK in the capture: it acknowledges the
      // initiator's ISN + 1 (or data sent after it), which only a stack that accepted the connection
      // does, so the SYN-ACK was sent and the capture lost it (a kernel's drops, a SPAN port). A
      // challenge ACK to a SYN that met an old connection acknowledges that connection's numbers, not these.
      c.established = true;
      c.establishedFrame = frame;
    }

    if (flags & TCP_ACK) {
      // The peer's holes before this ack were lost from the capture: report them first, since
      // those bytes were sent before this packet.
      let peer = fromClient ? this.s2c : this.c2s;
      const peerIsn = this.isnOf(!fromClient);
      if (c.midstream && peerIsn < 0 && (peer === null || !peer.started)) {
        const d = fromClient ? 's2c' : 'c2s';
        const had = sideOf(this.ackedBeforeStart, d);
        if (had < 0 || seqDiff(tcp.ack, had) > 0) setSide(this.ackedBeforeStart, d, tcp.ack >>> 0);
      }
      // An ack past a stream-less side's ISN+1 acknowledges bytes the capture never saw: a gap.
      if (peer === null && peerIsn >= 0 && seqDiff(tcp.ack, seqAdd(peerIsn, 1)) > 0) {
        peer = fromClient ? this.s2cStream() : this.c2sStream();
      }
      if (peer !== null) {
        const d = fromClient ? 's2c' : 'c2s';
        // The first acknowledgement of bytes the capture has not delivered (a hole, or not seen yet).
        if (sideOf(this.ackedPast, d) < 0 && peer.started && peer.offsetOf(tcp.ack) > peer.nextOffset) setSide(this.ackedPast, d, frame);
        peer.ack(tcp.ack);
        if (peer.ackedTo > sideOf(c.ackedTo, d)) {
          setSide(c.ackedTo, d, peer.ackedTo);
          setSide(c.ackedFrame, d, frame);
          setSide(c.ackedTime, d, time);
        }
        // SACK blocks only (options are parsed for the few segments that carry them: loss).
        if (peer.started && carriesSack(tcp)) this.sacked(peer, tcp, d, frame);
        // Everything that side sent is acknowledged and the window is open: from here on, a sender
        // with more queued would be sending it.
        const sentEnd = fromClient ? this.sentEndS2c : this.sentEndC2s;
        if (sentEnd > 0 && peer.ackedTo >= sentEnd && tcp.window > 0 && !(flags & TCP_SYN)) {
          if (sideOf(c.drainedSince, d) === null) setSide(c.drainedSince, d, this.drainedAt(d, frame, time));
        } else if (sideOf(c.drainedSince, d) !== null) {
          setSide(c.drainedSince, d, null);
        }
      } else if (peerIsn >= 0 && seqDiff(tcp.ack, seqAdd(peerIsn, 1)) === 0) {
        // The peer has sent nothing yet, and this end acknowledges its SYN: nothing of its data received so far.
        const d = fromClient ? 's2c' : 'c2s';
        if (sideOf(c.ackedTo, d) < 0) setSide(c.ackedTo, d, 0);
      }
      if (fromClient) {
        if (c.finFrames.s2c !== undefined && !c.finAcked.s2c && seqDiff(tcp.ack, this.finAckTargetS2c) >= 0) {
          c.finAcked.s2c = true;
          c.ackedFrame.s2c = frame;
        }
      } else if (c.finFrames.c2s !== undefined && !c.finAcked.c2s && seqDiff(tcp.ack, this.finAckTargetC2s) >= 0) {
        c.finAcked.c2s = true;
        c.ackedFrame.c2s = frame;
      }
    }

    const dataSeq = flags & TCP_SYN ? seqAdd(tcp.seq, 1) : tcp.seq;
    if (wireLength > 0) {
      const ds = fromClient ? this.c2sStream() : this.s2cStream();
      if (!ds.started) ds.startAt(this.midstreamStart(dir, dataSeq));
      ds.keepBytes = !this.countOnly;
      const overflowsBefore = ds.overflows;
      const conflictsBefore = ds.conflicts;
      const end = ds.offsetOf(dataSeq) + wireLength;
      if (end > (fromClient ? this.sentEndC2s : this.sentEndS2c)) {
        if (fromClient) this.sentEndC2s = end;
        else this.sentEndS2c = end;
        setSide(c.drainedSince, dir, null);
      }
      result = ds.segment(dataSeq, wireLength, f.payload, frame, time);
      // A 1-byte repeat at next-1 counts too: tshark calls it a keep-alive, but in the recordings
      // it is the urgent byte sent again, and the receiver's D-SACK says so (abort-vsftpd-lftp 136).
      if (result !== 'new') retransmitted = true;
      if (ds.conflicts !== conflictsBefore) {
        const first = ds.firstConflict!;
        if (c.conflicts) c.conflicts.count += ds.conflicts - conflictsBefore;
        else c.conflicts = { count: ds.conflicts - conflictsBefore, frame: first.frame, dir, offset: first.offset, kept: first.kept };
      }
      if (ds.overflows !== overflowsBefore) this.ctx.onOverflow(c, dir, frame);
    }

    if (flags & TCP_FIN) {
      const finSeq = seqAdd(dataSeq, wireLength);
      const ds = fromClient ? this.c2sStream() : this.s2cStream();
      if (!ds.started) ds.startAt(this.midstreamStart(dir, finSeq));
      if (ds.fin(finSeq)) {
        if (fromClient) c.finFrames.c2s = frame;
        else c.finFrames.s2c = frame;
        if (fromClient) this.finAckTargetC2s = seqAdd(finSeq, 1);
        else this.finAckTargetS2c = seqAdd(finSeq, 1);
        this.emit({ type: 'fin', dir, frame, time });
      } else if (wireLength === 0 && ds.offsetOf(finSeq) === ds.finOffset) {
        retransmitted = true;
      }
    }

    if (retransmitted) {
      c.retransmissions++;
      if (flags & TCP_SYN) c.synRepeats++;
      else {
        setSide(c.repeatsAfterHandshake, dir, sideOf(c.repeatsAfterHandshake, dir) + 1);
        if (sideOf(c.firstRepeatAfterHandshake, dir) === 0) setSide(c.firstRepeatAfterHandshake, dir, frame);
      }
      if (!(flags & TCP_SYN) && this.retransmissionEvents < MAX_RETRANSMISSION_EVENTS) {
        this.retransmissionEvents++;
        this.emit({ type: 'retransmission', dir, frame, time, repeat: true, bytes: wireLength });
      }
    }

    if (!(flags & (TCP_SYN | TCP_FIN)) && (c.established || c.midstream)) {
      // The window a side advertises holds back the other direction's data.
      const held: Direction = fromClient ? 's2c' : 'c2s';
      const shut = sideOf(c.windowShut, held);
      if (tcp.window === 0) {
        if (shut === null) {
          setSide(c.windowShut, held, { frame, time });
          c.zeroWindowFrames = pushBounded(c.zeroWindowFrames, frame);
          this.emit({ type: 'zero-window', dir, frame, time });
        }
      } else if (shut !== null) {
        if (time - shut.time > sideOf(c.longestShut, held)) setSide(c.longestShut, held, time - shut.time);
        setSide(c.windowShut, held, null);
      }
    }

    if (c.finAcked.c2s && c.finAcked.s2c) {
      c.closed = 'fin';
      this.closeRequest = 'fin';
    }
    if (this.ctx.onSegment !== null) this.report(frame, fromClient, result, retransmitted);
  }

  /** The side's first packet that is not a reset: its host's TTL and link-layer source (TcpConnection.firstMarks). */
  private markHost(f: DecodedFrame, fromClient: boolean): void {
    const marks = this.conn.firstMarks;
    if ((fromClient ? marks.c2s : marks.s2c) !== null || f.ip === undefined) return;
    const mark = { ttl: f.ip.version === 4 ? f.ip.ttl : f.ip.hopLimit, link: f.link.src ?? null };
    if (fromClient) marks.c2s = mark;
    else marks.s2c = mark;
  }

  /** Tell the per-segment hook what was decided about this segment. */
  private report(frame: number, fromClient: boolean, result: SegmentResult | null, retransmitted: boolean, copy = false): void {
    const x = this.ctx.facts;
    x.copy = copy;
    const ds = fromClient ? this.c2s : this.s2c;
    x.kind = 'segment';
    x.stream = this.conn.id;
    x.dir = fromClient ? 'c2s' : 's2c';
    x.frame = frame;
    x.data = result ?? 'none';
    x.newBytes = result !== null && ds !== null ? ds.newBytes : 0;
    x.outOfOrder = result !== null && ds !== null && ds.filledHole;
    x.retransmission = retransmitted;
    x.seqBase = this.baseOf(fromClient);
    x.ackBase = this.baseOf(!fromClient);
    this.ctx.onSegment!(x);
  }

  /** The raw number before a side's stream offset 0 (-1: the side has not started). */
  private baseOf(fromClient: boolean): number {
    const ds = fromClient ? this.c2s : this.s2c;
    return ds !== null && ds.started ? ds.base() : this.isnOf(fromClient);
  }

  /** An ICMP error quoting a segment that `fromClient`'s side sent. */
  icmpError(f: DecodedFrame, fromClient: boolean): void {
    const icmp = f.icmp;
    if (icmp === undefined) return;
    const dir: Direction = fromClient ? 'c2s' : 's2c';
    this.conn.icmpErrors = pushBounded(this.conn.icmpErrors, {
      frame: f.frame,
      time: f.time,
      type: icmp.type,
      code: icmp.code,
      reporter: icmp.reporter,
    });
    this.emit({
      type: 'icmp-error',
      dir,
      frame: f.frame,
      time: f.time,
      icmp: { type: icmp.type, code: icmp.code, reporter: icmp.reporter },
    });
  }

  /** Deliver what is still buffered (holes become gaps) and tell the listener it is over. */
  close(reason: CloseReason, frame: number, time: number): void {
    this.flush(frame, time);
    const c = this.conn;
    if (this.c2s?.finUnseen === true && c.finFrames.c2s === undefined) (c.finUnseen ??= {}).c2s = c.ackedFrame.c2s;
    if (this.s2c?.finUnseen === true && c.finFrames.s2c === undefined) (c.finUnseen ??= {}).s2c = c.ackedFrame.s2c;
    if (this.c2s?.endLost === true && c.finFrames.c2s === undefined) (c.endLost ??= {}).c2s = c.ackedFrame.c2s;
    if (this.s2c?.endLost === true && c.finFrames.s2c === undefined) (c.endLost ??= {}).s2c = c.ackedFrame.s2c;
    // Both FINs exchanged is a FIN close even if the last ACK was not captured.
    if (c.closed === null && c.finFrames.c2s !== undefined && c.finFrames.s2c !== undefined) c.closed = 'fin';
    this.ctx.listener.onClose(c, reason);
  }

  private flush(frame: number, time: number): void {
    if (this.flushed) return;
    this.flushed = true;
    this.c2s?.close(frame, time);
    this.s2c?.close(frame, time);
  }

  private emit(event: ConnectionEvent): void {
    this.ctx.listener.onEvent(this.conn, event);
  }

  /** The direction's drainedSince object, now saying `frame` and `time` (see drainedC2s). */
  private drainedAt(dir: Direction, frame: number, time: number): { frame: number; time: number } {
    const at = dir === 'c2s' ? (this.drainedC2s ??= { frame, time }) : (this.drainedS2c ??= { frame, time });
    at.frame = frame;
    at.time = time;
    return at;
  }

  private sinkFor(dir: Direction): StreamSink {
    return {
      deliver: (bytes, gapBefore, offset, frame, time, cutBefore) => {
        const c = this.conn;
        if (gapBefore > 0) {
          setSide(c.gapBytes, dir, sideOf(c.gapBytes, dir) + gapBefore);
          if (cutBefore > 0) setSide(c.cutBytes, dir, sideOf(c.cutBytes, dir) + cutBefore);
          // The part of the gap the peer never acknowledged did not reach it: lost on the path.
          // Bytes the snaplen cut were seen on the wire and are skipped before any ACK for them
          // could come: they are no such loss.
          const acked = (dir === 'c2s' ? this.c2s : this.s2c)?.ackedTo ?? -1;
          const hole = gapBefore - cutBefore;
          if (acked >= 0 && hole > 0) setSide(c.unackedGapBytes, dir, sideOf(c.unackedGapBytes, dir) + Math.min(hole, Math.max(0, offset - Math.max(offset - gapBefore, acked))));
          this.emit(cutBefore > 0 ? { type: 'gap', dir, frame, time, bytes: gapBefore, cut: cutBefore } : { type: 'gap', dir, frame, time, bytes: gapBefore });
        }
        if (dir === 'c2s') c.bytes.c2s += bytes.length;
        else c.bytes.s2c += bytes.length;
        const other = dir === 'c2s' ? this.s2c : this.c2s;
        // In the literal (undefined when none), not added after: a field added to a literal's object
        // costs it a second object for its out-of-line fields, once per chunk.
        const peerAcked = other !== null && other.ackedTo >= 0 ? other.ackedTo : undefined;
        const chunk: StreamChunk =
          cutBefore > 0 ? { dir, bytes, gapBefore, cutBefore, streamOffset: offset, frame, time, peerAcked } : { dir, bytes, gapBefore, streamOffset: offset, frame, time, peerAcked };
        const past = sideOf(this.ackedPast, dir);
        if (past >= 0) {
          if (gapBefore > 0 && past < frame) chunk.gapAcked = past;
          const ds = dir === 'c2s' ? this.c2s : this.s2c;
          if (ds === null || offset + bytes.length >= ds.ackedTo) setSide(this.ackedPast, dir, -1);
        }
        if (this.ctx.listener.onData(c, chunk) === 'count-only') this.countOnly = true;
      },
    };
  }
}
