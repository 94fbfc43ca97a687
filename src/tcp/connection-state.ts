/**
 * One live TCP connection: the handshake/teardown state machine, per-packet counters and the two
 * DirectionStreams. Emits lifecycle events and chunks to the listener in capture order; the
 * reassembler owns keying, tables, eviction and closing.
 */

import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type DecodedFrame, type TcpHeader } from '../decode/types.js';
import { DirectionStream, type DirectionLimits, type SegmentResult, type StreamSink } from './direction-stream.js';
import { seqAdd, seqDiff } from './seq.js';
import type { ConnectionEvent, Direction, Endpoint, ReassemblyListener, TcpConnection } from './types.js';

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
}

/** What stays of a closed connection, so late packets (last ACK, repeated FIN) are not a new one. */
export interface Tombstone {
  id: number;
  clientIp: string;
  clientPort: number;
  /** ISNs of each side when known (-1 otherwise): a repeated SYN with the same ISN is not new. */
  c2sIsn: number;
  s2cIsn: number;
  closedAt: number;
}

const SYN_ACK = TCP_SYN | TCP_ACK;

function pushBounded<T>(list: T[], item: T): void {
  if (list.length < MAX_FRAMES_KEPT) list.push(item);
}

export class ConnectionState {
  readonly conn: TcpConnection;
  /** Links of the reassembler's least-recently-used list. */
  lruPrev: ConnectionState | null = null;
  lruNext: ConnectionState | null = null;
  /** Capture time (monotonic) of the last packet, for idle eviction. */
  lastSeen: number;
  /** Set by handle() when this packet ended the connection. */
  closeRequest: CloseReason | null = null;

  private readonly c2s: DirectionStream;
  private readonly s2c: DirectionStream;
  private synAckSeen = false;
  /** Raw ack value that acknowledges each direction's FIN (valid once that FIN is seen). */
  private finAckTarget = { c2s: 0, s2c: 0 };
  private finAcked = { c2s: false, s2c: false };
  private zeroWindow = { c2s: false, s2c: false };
  private retransmissionEvents = 0;
  private flushed = false;

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
    this.conn = {
      id,
      client,
      server,
      midstream,
      firstFrame: first.frame,
      start: first.time,
      end: first.time,
      lastFrame: first.frame,
      synFrames: [],
      synAckFrames: [],
      established: false,
      bytes: { c2s: 0, s2c: 0 },
      gapBytes: { c2s: 0, s2c: 0 },
      packets: { c2s: 0, s2c: 0 },
      finFrames: {},
      icmpErrors: [],
      retransmissions: 0,
      zeroWindowFrames: [],
      closed: null,
    };
    this.lastSeen = now;
    this.c2s = new DirectionStream(this.sinkFor('c2s'), ctx.limits);
    this.s2c = new DirectionStream(this.sinkFor('s2c'), ctx.limits);
  }

  isClient(ip: string, port: number): boolean {
    return this.conn.client.port === port && this.conn.client.ip === ip;
  }

  /**
   * Does a SYN (without ACK) from this side start a new connection on the same key? Yes when it
   * carries a different ISN than the side used before (tshark's "port numbers reused" rule), or
   * when the side never sent but the old connection is finishing or has been idle for `reuseIdle`.
   */
  isNewSyn(fromClient: boolean, seq: number, now: number, reuseIdle: number): boolean {
    const ds = fromClient ? this.c2s : this.s2c;
    if (ds.isn >= 0) return ds.isn !== seq;
    if (ds.started) return true; // mid-stream side: a SYN from it is a fresh connection
    const c = this.conn;
    if (c.finFrames.c2s !== undefined || c.finFrames.s2c !== undefined) return true;
    return now - this.lastSeen > reuseIdle;
  }

  tombstone(closedAt: number): Tombstone {
    return {
      id: this.conn.id,
      clientIp: this.conn.client.ip,
      clientPort: this.conn.client.port,
      c2sIsn: this.c2s.isn,
      s2cIsn: this.s2c.isn,
      closedAt,
    };
  }

  /** Seed the sides' sequence state from the first packet when it is a SYN-ACK (SYN unseen). */
  seedFromSynAck(tcp: TcpHeader): void {
    this.c2s.startWithIsn(seqAdd(tcp.ack, -1));
  }

  /** One TCP segment of this connection. */
  handle(f: DecodedFrame, tcp: TcpHeader, fromClient: boolean, now: number): void {
    const c = this.conn;
    const dir: Direction = fromClient ? 'c2s' : 's2c';
    const other: Direction = fromClient ? 's2c' : 'c2s';
    const ds = fromClient ? this.c2s : this.s2c;
    const peer = fromClient ? this.s2c : this.c2s;
    const flags = tcp.flags;
    const frame = f.frame;
    const time = f.time;

    // Named properties, not [dir]: this runs for every packet and keyed access costs more.
    if (fromClient) c.packets.c2s++;
    else c.packets.s2c++;
    c.lastFrame = frame;
    if (time > c.end) c.end = time;
    this.lastSeen = now;

    if (flags & TCP_RST) {
      // Payload on a RST is a diagnostic, not stream data. Buffered bytes were sent before it.
      if (c.rst === undefined) c.rst = { frame, dir, time };
      c.closed = 'rst';
      this.flush(frame, time);
      this.emit({ type: 'rst', dir, frame, time });
      this.closeRequest = 'rst';
      return;
    }

    const wireLength = tcp.payloadLength > f.payload.length ? tcp.payloadLength : f.payload.length;
    let retransmitted = false;

    if (flags & TCP_SYN) {
      const fresh = !ds.started;
      if (fresh) ds.startWithIsn(tcp.seq);
      const repeat = !fresh && ds.isn === tcp.seq;
      if (repeat) retransmitted = true;
      if ((flags & SYN_ACK) === SYN_ACK) {
        this.synAckSeen = true;
        pushBounded(c.synAckFrames, frame);
        this.emit({ type: 'syn-ack', dir, frame, time, repeat });
      } else {
        pushBounded(c.synFrames, frame);
        this.emit({ type: 'syn', dir, frame, time, repeat });
      }
    } else if (
      fromClient &&
      !c.established &&
      this.synAckSeen &&
      flags & TCP_ACK &&
      this.s2c.isn >= 0 &&
      seqDiff(tcp.ack, seqAdd(this.s2c.isn, 1)) >= 0
    ) {
      c.established = true;
      c.establishedFrame = frame;
      this.emit({ type: 'established', dir, frame, time });
    }

    if (flags & TCP_ACK) {
      // The peer's holes before this ack were lost from the capture: report them first, since
      // those bytes were sent before this packet.
      peer.ack(tcp.ack);
      const peerFin = fromClient ? c.finFrames.s2c : c.finFrames.c2s;
      if (peerFin !== undefined && !this.finAcked[other]) {
        if (seqDiff(tcp.ack, this.finAckTarget[other]) >= 0) this.finAcked[other] = true;
      }
    }

    const dataSeq = flags & TCP_SYN ? seqAdd(tcp.seq, 1) : tcp.seq;
    if (wireLength > 0) {
      if (!ds.started) ds.startAt(dataSeq);
      ds.keepBytes = c.bytesUnread !== true;
      const overflowsBefore = ds.overflows;
      const result: SegmentResult = ds.segment(dataSeq, wireLength, f.payload, frame, time);
      if (result !== 'new') retransmitted = true;
      if (ds.overflows !== overflowsBefore) this.ctx.onOverflow(c, dir, frame);
    }

    if (flags & TCP_FIN) {
      const finSeq = seqAdd(dataSeq, wireLength);
      if (!ds.started) ds.startAt(finSeq);
      if (ds.fin(finSeq)) {
        c.finFrames[dir] = frame;
        this.finAckTarget[dir] = seqAdd(finSeq, 1);
        this.emit({ type: 'fin', dir, frame, time });
      } else if (wireLength === 0 && ds.offsetOf(finSeq) === ds.finOffset) {
        retransmitted = true;
      }
    }

    if (retransmitted) {
      c.retransmissions++;
      if (!(flags & TCP_SYN) && this.retransmissionEvents < MAX_RETRANSMISSION_EVENTS) {
        this.retransmissionEvents++;
        this.emit({ type: 'retransmission', dir, frame, time, repeat: true, bytes: wireLength });
      }
    }

    if (!(flags & (TCP_SYN | TCP_FIN)) && (c.established || c.midstream)) {
      if (tcp.window === 0) {
        if (!this.zeroWindow[dir]) {
          this.zeroWindow[dir] = true;
          pushBounded(c.zeroWindowFrames, frame);
          this.emit({ type: 'zero-window', dir, frame, time });
        }
      } else if (fromClient) {
        this.zeroWindow.c2s = false;
      } else {
        this.zeroWindow.s2c = false;
      }
    }

    if (this.finAcked.c2s && this.finAcked.s2c) {
      c.closed = 'fin';
      this.closeRequest = 'fin';
    }
  }

  /** An ICMP error quoting a segment that `fromClient`'s side sent. */
  icmpError(f: DecodedFrame, fromClient: boolean): void {
    const icmp = f.icmp;
    if (icmp === undefined) return;
    const dir: Direction = fromClient ? 'c2s' : 's2c';
    pushBounded(this.conn.icmpErrors, {
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
    // Both FINs exchanged is a FIN close even if the last ACK was not captured.
    if (c.closed === null && c.finFrames.c2s !== undefined && c.finFrames.s2c !== undefined) c.closed = 'fin';
    this.ctx.listener.onClose(c, reason);
  }

  private flush(frame: number, time: number): void {
    if (this.flushed) return;
    this.flushed = true;
    this.c2s.close(frame, time);
    this.s2c.close(frame, time);
  }

  private emit(event: ConnectionEvent): void {
    this.ctx.listener.onEvent(this.conn, event);
  }

  private sinkFor(dir: Direction): StreamSink {
    return {
      deliver: (bytes, gapBefore, offset, frame, time) => {
        const c = this.conn;
        if (gapBefore > 0) {
          c.gapBytes[dir] += gapBefore;
          this.emit({ type: 'gap', dir, frame, time, bytes: gapBefore });
        }
        if (dir === 'c2s') c.bytes.c2s += bytes.length;
        else c.bytes.s2c += bytes.length;
        this.ctx.listener.onData(c, { dir, bytes, gapBefore, streamOffset: offset, frame, time });
      },
    };
  }
}
