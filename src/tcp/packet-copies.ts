/**
 * Packets captured twice, over every connection of a capture. `tcpdump -i any` on a router sees a
 * forwarded packet arrive, then leave one hop older; a bridge or a mirror of two ports sees it
 * twice unchanged; two ends' captures merged hold each packet that crossed once from each end. The
 * second capture of a burst comes after the whole burst's first (ten data segments, then their
 * copies): a copy is looked for among the recent segments of its connection and direction, not
 * only the last one.
 *
 * A fixed table of recent segments (SLOTS, direct-mapped on a hash of the connection, direction,
 * sequence and acknowledgement numbers and IP ID, the fields a copy repeats), in flat typed arrays:
 * constant memory whatever the number of connections, one slot read and at most one written per
 * packet. A segment whose slot another took since is not found again; its copy then reads as a
 * retransmission, as before this table.
 */
import type { DecodedFrame, TcpHeader } from '../decode/types.js';

/** Seconds within which a second capture of one packet is seen (microseconds, on one host's interfaces). */
const COPY_WITHIN = 2;
/** Recent segments remembered: 2^SLOT_BITS, far more than a burst between two capture points. */
const SLOT_BITS = 12;
const SLOTS = 1 << SLOT_BITS;

export type CopyKind = 'no' | 'copy' | 'forwarded';

export class PacketCopies {
  /** Packets found to be copies, and the frame of the first (0: none). */
  count = 0;
  first = 0;
  /** Per slot: the connection's id + 1 with the direction in the sign (0: empty). */
  private readonly owner = new Int32Array(SLOTS);
  private readonly seq = new Uint32Array(SLOTS);
  private readonly ack = new Uint32Array(SLOTS);
  private readonly flags = new Uint16Array(SLOTS);
  private readonly window = new Uint16Array(SLOTS);
  private readonly length = new Int32Array(SLOTS);
  /** IPv4 identification; -1 for IPv6 (no such field). */
  private readonly ipId = new Int32Array(SLOTS);
  /** TTL or hop limit as captured. */
  private readonly ttl = new Int16Array(SLOTS);
  private readonly time = new Float64Array(SLOTS);

  /**
   * Whether this segment of connection `id` is a recent one of the same side captured a second
   * time: the same sequence and acknowledgement numbers, flags, window, length and (IPv4) IP ID,
   * within COPY_WITHIN seconds, and a sign that it is the same packet: its TTL changed (a router's
   * capture: 'forwarded' when one lower), or it carries the same non-zero IP ID. A host repeats a
   * packet with its own TTL and a new ID; an ID of 0 (Linux's SYN-ACKs) tells nothing: two
   * SYN-ACKs microseconds apart are its timer's and its answer to a repeated SYN
   * (fail-passive-synack-dropped-*). A segment that is not a copy is remembered.
   */
  check(id: number, fromClient: boolean, f: DecodedFrame, tcp: TcpHeader): CopyKind {
    const ip = f.ip;
    const ipId = ip !== undefined && ip.version === 4 ? ip.id : -1;
    const ttl = ip === undefined ? -1 : ip.version === 4 ? ip.ttl : ip.hopLimit;
    const owner = fromClient ? id + 1 : -(id + 1);
    const slot = (Math.imul(owner, 0x9e3779b1) ^ Math.imul(tcp.seq, 0x85ebca6b) ^ Math.imul(tcp.ack, 0xc2b2ae35) ^ ipId) >>> (32 - SLOT_BITS);
    if (
      this.owner[slot] === owner &&
      this.seq[slot] === tcp.seq &&
      this.ack[slot] === tcp.ack &&
      this.flags[slot] === tcp.flags &&
      this.window[slot] === tcp.window &&
      this.length[slot] === tcp.payloadLength &&
      this.ipId[slot] === ipId &&
      f.time - this.time[slot] <= COPY_WITHIN &&
      (this.ttl[slot] !== ttl || ipId > 0)
    ) {
      if (this.count++ === 0) this.first = f.frame;
      return ttl === this.ttl[slot] - 1 ? 'forwarded' : 'copy';
    }
    this.owner[slot] = owner;
    this.seq[slot] = tcp.seq;
    this.ack[slot] = tcp.ack;
    this.flags[slot] = tcp.flags;
    this.window[slot] = tcp.window;
    this.length[slot] = tcp.payloadLength;
    this.ipId[slot] = ipId;
    this.ttl[slot] = ttl;
    this.time[slot] = f.time;
    return 'no';
  }
}
