/**
 * Reassembly contract: decoded TCP segments in (capture order), per-connection lifecycle events
 * and ordered per-direction byte chunks out. Gaps are explicit, never silently joined.
 */

import type { SegmentResult } from './direction-stream.js';

export interface Endpoint {
  ip: string;
  port: number;
}

/** 'c2s' = from the connection's initiator (sender of the first SYN) to the responder. */
export type Direction = 'c2s' | 's2c';

export interface StreamChunk {
  dir: Direction;
  /** Bytes in stream order. A view: valid only during the callback. */
  bytes: Uint8Array;
  /** Bytes missing from the capture immediately before this chunk (0 = contiguous). */
  gapBefore: number;
  /**
   * Of `gapBefore`, bytes the snaplen cut off the end of the segment just before (on the wire, not
   * captured): that segment ended here. Absent or 0: none.
   */
  cutBefore?: number;
  /**
   * With `gapBefore`: the frame of the peer's first acknowledgement that reached into or past the
   * missing bytes (they had reached the peer by then), when it came before this chunk. Absent otherwise.
   */
  gapAcked?: number;
  /** The other direction's stream offset this direction's acknowledgements had reached when the chunk was delivered (absent: none). */
  peerAcked?: number;
  /** Stream offset (bytes since the ISN+1, 64-bit safe as a JS number) of bytes[0]. */
  streamOffset: number;
  /** Frame that carried (the start of) these bytes, and its time. */
  frame: number;
  time: number;
}

export type ConnectionEventType =
  | 'syn' // initiator's SYN (retransmission: repeat=true)
  | 'syn-ack'
  | 'established' // third packet of the handshake (ACK of the SYN-ACK)
  | 'fin'
  | 'rst'
  | 'icmp-error' // an ICMP/ICMPv6 error quoting this connection's segment
  | 'zero-window'
  | 'retransmission'
  | 'gap'; // bytes lost from the capture in `dir` (size in `bytes`)

export interface ConnectionEvent {
  type: ConnectionEventType;
  dir: Direction;
  frame: number;
  time: number;
  /** syn / syn-ack / data retransmission: true when this repeats an earlier one. */
  repeat?: boolean;
  /** gap: missing bytes. */
  bytes?: number;
  /** gap: of `bytes`, those the snaplen cut off a captured segment (on the wire, not captured). Absent when none. */
  cut?: number;
  /** icmp-error: type/code and who reported it. */
  icmp?: { type: number; code: number; reporter: string };
}

export interface TcpConnection {
  /** 0-based index in order of first packet, like tshark's tcp.stream. */
  id: number;
  /** Initiator (SYN sender), or for mid-stream connections the best guess (see `midstream`). */
  client: Endpoint;
  server: Endpoint;
  /** First seen without a SYN: client/server are a guess (lower port is the server). */
  midstream: boolean;
  firstFrame: number;
  start: number;
  end: number;
  lastFrame: number;
  synFrames: number[];
  synAckFrames: number[];
  established: boolean;
  establishedFrame?: number;
  /** Payload bytes delivered in order (unique, after dedup of retransmissions). */
  bytes: { c2s: number; s2c: number };
  /** Bytes missing from the capture (gaps), per direction. */
  gapBytes: { c2s: number; s2c: number };
  /** Of `gapBytes`, bytes of captured segments the snaplen cut (on the wire for sure, their payload not captured). */
  cutBytes: { c2s: number; s2c: number };
  /**
   * Of `gapBytes`, those at or past the peer's last acknowledgement when they were given up as a
   * gap (at the close): the receiver never acknowledged them, so they did not reach it either —
   * lost on the path, not by the capture (only counted once the peer had acknowledged something).
   */
  unackedGapBytes: { c2s: number; s2c: number };
  /** How far the peer's acknowledgements reached, as a stream offset per direction (-1: none seen). */
  ackedTo: { c2s: number; s2c: number };
  /** The frame whose acknowledgement last moved `ackedTo` (or acknowledged the FIN) per direction (-1: none). */
  ackedFrame: { c2s: number; s2c: number };
  /** The capture time of the acknowledgement that last moved `ackedTo` per direction (-1: none). */
  ackedTime: { c2s: number; s2c: number };
  /**
   * Per direction: the furthest stream offset the peer acknowledged selectively (a SACK block's right
   * edge) past its cumulative acknowledgement, and the first frame that reached it (null: none): the
   * peer holds later bytes while it still waits for earlier ones.
   */
  sackedPast: { c2s: { to: number; frame: number } | null; s2c: { to: number; frame: number } | null };
  /**
   * Per direction: the peer's packet since which everything that side had sent was acknowledged
   * with an open (non-zero) receive window, unbroken by new data or a zero window since (null:
   * not so now, or nothing sent). A sender with bytes still queued does not stay quiet after that.
   */
  drainedSince: { c2s: { frame: number; time: number } | null; s2c: { frame: number; time: number } | null };
  /**
   * Per direction of data: the receiver's zero window still in force, from the packet that first
   * advertised it (null: its window is open, or was never shut). A side's window holds back the
   * other side's data: the client's zero window is `s2c`'s.
   */
  windowShut: { c2s: { frame: number; time: number } | null; s2c: { frame: number; time: number } | null };
  /** Per direction of data: the longest the receiver held its window shut before opening it again (seconds; 0: never). */
  longestShut: { c2s: number; s2c: number };
  /** Whether the peer acknowledged each direction's FIN. */
  finAcked: { c2s: boolean; s2c: boolean };
  packets: { c2s: number; s2c: number };
  /**
   * Per direction, the sending host's marks on its first packet that was not a reset: its TTL (hop
   * limit) and link-layer source address as captured (null: no such packet yet). Read per connection,
   * not per pair of addresses over the whole capture: a reset is told from its host's own packets
   * beside it, and a capture that joins two capture points (or two runs) holds one pair at two TTLs.
   */
  firstMarks: { c2s: HostMark | null; s2c: HostMark | null };
  finFrames: { c2s?: number; s2c?: number };
  /**
   * Per direction, a FIN the capture missed: none captured, but the peer acknowledged one past the
   * direction's data (its acknowledgement's frame, `ackedFrame`). Set at close; absent when neither.
   */
  finUnseen?: { c2s?: number; s2c?: number };
  /**
   * Per direction, a stream that ends in bytes the capture lost: no FIN captured, and the peer
   * acknowledged more than one past the captured data (that acknowledgement's frame); its FIN may be
   * among the lost bytes. Set at close; absent when neither.
   */
  endLost?: { c2s?: number; s2c?: number };
  /**
   * The first reset. `noConnection`: sent without ACK, its sequence number an acknowledgement the
   * other side had sent: the sender's stack answering a segment of a connection it no longer had.
   */
  /** `acksAll`: sent with ACK, acknowledging every byte its peer had sent, as far as the capture shows them (its receiver had them all). */
  /** `lostBefore`: its sequence number lies past its sender's last byte the capture holds (and a FIN after it): that many of its sender's bytes the capture lost before it. */
  /** `finLost`: its sequence number lies one past them, and no FIN of its sender's was captured: the capture lost that FIN. */
  rst?: { frame: number; dir: Direction; time: number; noConnection?: true; acksAll?: true; lostBefore?: number; finLost?: true };
  icmpErrors: Array<{ frame: number; time: number; type: number; code: number; reporter: string }>;
  retransmissions: number;
  /** Packets that were the same packet as the one before from that side, captured a second time (ignored). */
  captureCopies: number;
  /**
   * Of `captureCopies`, those captured again with a TTL (hop limit) one lower: the same packet seen
   * arriving at and leaving a device that forwards it (tcpdump -i any on a router).
   */
  forwardedCopies: number;
  /** Of `retransmissions`, the repeated SYNs and SYN-ACKs (the handshake sent again, not data). */
  synRepeats: number;
  /** Of `retransmissions`, those past the handshake (payload or a FIN sent again) each way: who sent them again. */
  repeatsAfterHandshake: { c2s: number; s2c: number };
  /** The frame of the first of `repeatsAfterHandshake` each way (0: none). */
  firstRepeatAfterHandshake: { c2s: number; s2c: number };
  zeroWindowFrames: number[];
  /**
   * Repeated bytes that differed from the first copy (which was kept): how many segments, and the
   * first one — its frame, direction, stream offset and the frame of the copy kept. Absent: none seen.
   */
  conflicts?: { count: number; frame: number; dir: Direction; offset: number; kept: number };
  closed: 'fin' | 'rst' | null;
  /**
   * The listener's own note on this connection (ReassemblyListener), which the engine never reads:
   * the analysis keeps its route here, found without a table lookup per chunk and event.
   */
  listenerNote?: unknown;
  /**
   * The frame at which the analysis gave the connection up before its end, to make room for a new
   * one (more live connections than its budget), or its last frame when given up for silence (the
   * idle timeout, only with half the budget live): what came after is not in it. Absent: followed
   * to its end.
   */
  evicted?: number;
  /**
   * This connection's packets continue one the analysis had given up before its end (`stream`,
   * given up at frame `evictedAt`, for `room` or after an `idle` hour), picked up again here without
   * a SYN: it is `midstream`, but it did not begin before the capture.
   */
  resumes?: Resumption;
}

/** A host's TTL (hop limit) and link-layer source ("aa:bb:cc:dd:ee:ff", null when the link type has none) on one packet. */
export interface HostMark {
  ttl: number;
  link: string | null;
}

/** What a connection picked up again continues (TcpConnection.resumes). */
export interface Resumption {
  stream: number;
  evictedAt: number;
  why: 'room' | 'idle';
}

/**
 * A listener's answer to a chunk. 'count-only': from now on it only counts this connection's bytes
 * (a data connection whose bytes nobody reads, traffic that is not FTP), so out-of-order bytes need
 * not be copied: chunks that had to wait for them carry zeros of the right length.
 */
export type ChunkAnswer = 'count-only' | void;

export interface ReassemblyListener {
  /** A new connection was seen (SYN, or a mid-stream segment of an unknown connection). */
  onOpen(conn: TcpConnection, frame: number): void;
  /** In-order bytes (or bytes after a gap) of one direction. */
  onData(conn: TcpConnection, chunk: StreamChunk): ChunkAnswer;
  onEvent(conn: TcpConnection, event: ConnectionEvent): void;
  /** Connection finished (both FINs acknowledged, RST, evicted, or end of capture). */
  onClose(conn: TcpConnection, reason: 'fin' | 'rst' | 'evicted' | 'end' | 'reused'): void;
}

/**
 * What the engine decided about one frame of a connection, for the optional per-segment hook
 * (ReassemblerOptions.onSegment): the packet trace behind dump, timeline and explain reads its
 * per-packet facts here instead of keeping a second copy of the sequence state. One object is
 * reused for every call (nothing is allocated per segment): read it during the call.
 */
export interface SegmentFacts {
  /**
   * 'segment': a TCP segment of a live connection, decided below; 'late': a packet of a closed
   * connection (its last ACK, a repeated FIN), counted to it but not looked at; 'icmp': an ICMP
   * error quoting a segment of the connection (`dir`: the quoted segment's).
   */
  kind: 'segment' | 'late' | 'icmp';
  /** The connection's id (tcp.stream). */
  stream: number;
  dir: Direction;
  frame: number;
  /** What became of its payload ('none': it carried none, or it is not a 'segment'). */
  data: SegmentResult | 'none';
  /** Payload bytes new to the stream (on the wire: bytes cut by the snaplen count). */
  newBytes: number;
  /** It repeats a SYN, a FIN or payload of this side: what conn.retransmissions counts. */
  retransmission: boolean;
  /** The same packet as the one this side sent last, captured again (conn.captureCopies): nothing decided. */
  copy: boolean;
  /** All of its payload was new but lay below bytes already seen: it filled a hole. */
  outOfOrder: boolean;
  /**
   * The raw sequence number that is relative 0 of the sender's side and of the receiver's side
   * (the ISN, or the number before the first byte seen mid-stream; for seq.ts's relativeSeq);
   * -1 while that side has sent nothing the engine starts a side from (only bare ACKs).
   */
  seqBase: number;
  ackBase: number;
}
