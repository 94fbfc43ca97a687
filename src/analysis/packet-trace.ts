/**
 * The packet-level pass behind `dump`, `timeline` and `explain`: read the capture a second time
 * and keep, for the connections the analysis found (each session's control connection, its data
 * connections, the other connections between its hosts), every packet's TCP facts in capture
 * order: flags, raw and relative sequence numbers, payload length, bytes new to the stream,
 * retransmissions, ICMP errors quoting the connection.
 *
 * One TCP engine: the frames go through src/tcp's reassembler again, whose per-segment hook says
 * which connection (tcp.stream, port reuse included) each packet or quoting ICMP error belongs to,
 * how many of its bytes were new, whether it was a retransmission or filled a hole, and where each
 * side's relative numbers start. Only what the engine does not decide is read here: window
 * scale shifts from the SYNs, the payload's look. On request the decoded frames themselves are
 * kept, with a copy of their bytes, for the header dump.
 */
import type { Readable } from 'node:stream';
import { readCapture } from '../capture/read-capture.js';
import type { CaptureInput } from '../capture/chunks.js';
import type { CaptureRecord } from '../capture/types.js';
import { decodeFrame } from '../decode/frame.js';
import { Ipv4Defragmenter } from '../decode/ipv4-defrag.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type DecodedFrame } from '../decode/types.js';
import { looksLikeTlsRecord } from '../ftp/control-parser.js';
import { TcpReassembler } from '../tcp/reassembler.js';
import { relativeSeq } from '../tcp/seq.js';
import type { ReassemblyListener, SegmentFacts } from '../tcp/types.js';
import type { Analysis, Endpoint } from './model.js';
import { engineLimits, type Limits } from './memory-budget.js';

export type TraceRole = 'control' | 'data' | 'other';
/** 'telnet': starts with IAC (0xff); 'tls': a TLS record header; 'binary': control bytes. */
export type PayloadKind = 'text' | 'telnet' | 'tls' | 'binary';
export type Side = 'client' | 'server';

export interface TracePacket {
  frame: number;
  time: number;
  /** Which end of the connection sent it (for an ICMP error: whose packet it answers). */
  by: Side;
  src: Endpoint;
  dst: Endpoint;
  /** tcp.flags (12 bits); 0 for an ICMP error. */
  flags: number;
  seq: number;
  ack: number;
  /** Sequence and acknowledgment numbers relative to each side's first sequence number seen. */
  relSeq: number;
  relAck: number | null;
  window: number;
  /** TCP payload length on the wire (tshark's tcp.len). */
  payloadLength: number;
  /** Payload bytes this packet carried that the stream had not seen before. */
  newBytes: number;
  /** A segment (payload, SYN or FIN) that repeats what this side already sent. */
  retransmission: boolean;
  /** A late segment filling a hole below bytes already seen (not a repeat). */
  outOfOrder: boolean;
  /** What the payload looks like from its first bytes (null without payload). */
  payloadKind: PayloadKind | null;
  /** Window scale shift this side announced in its SYN, once both sides announced one. */
  windowShift: number | null;
  icmp?: { type: number; code: number; reporter: string; family: 4 | 6 };
  /**
   * A data segment standing for the ones after it too (see `Folded`): set only once the trace
   * holds more packets than its budget.
   */
  folded?: Folded;
}

/**
 * What a run of plain packets after a data segment added to it, once the trace is over its packet
 * budget: further segments from the same side and the other side's pure ACKs, with nothing else
 * of the session between them (no other connection's packet, no SYN, FIN, RST or ICMP error, the
 * handshake over). The ladder draws such a run as one arrow either way, so it reads the totals;
 * memory then holds a long transfer's events, not its packets.
 */
export interface Folded {
  segments: number;
  /** The other side's pure ACKs (a run counts them), and the sending side's own (no arrow shows them). */
  acks: number;
  quietAcks: number;
  newBytes: number;
  payloadBytes: number;
  retransmissions: number;
  /** The last frame folded in, and the last that carried payload (the segment's own when none did). */
  lastFrame: number;
  lastSegmentFrame: number;
}

export interface TraceConnection {
  role: TraceRole;
  session: number;
  /** Transfer id within the session (data connections). */
  transfer: number | null;
  stream: number;
  /** The FTP client's end and the FTP server's end (other connections: from = client side). */
  client: Endpoint;
  server: Endpoint;
  start: number;
  packets: TracePacket[];
  /** Plain packets may be folded (TracePacket.folded): a data connection whose data is not read from decrypted TLS. */
  foldable: boolean;
  /**
   * The trace reached `limits.maxTracePackets` with this connection's session still open and
   * nothing to fold: from this frame on its packets were counted, not kept.
   */
  cut: { frame: number; packets: number } | null;
}

export interface KeptFrame {
  decoded: DecodedFrame;
  /** The frame's bytes (a copy). */
  data: Uint8Array;
  linkType: number;
  /** Its connection and packet, when it belongs to one of the traced connections. */
  connection: TraceConnection | null;
  packet: TracePacket | null;
}

export interface PacketTrace {
  connections: TraceConnection[];
  /** Frames kept by `keep`, in capture order (empty when `onKept` took them). */
  kept: KeptFrame[];
  /** Frames in the capture. */
  frames: number;
  /**
   * With `onSession`: packets that came for a session already handed over (a late ACK, a repeated
   * FIN after its connections closed), in no ladder. 0 otherwise.
   */
  unshown: number;
}

export interface TraceOptions {
  fileName: string;
  /**
   * The analysis's budgets (`Analysis.limits`): its TCP engine runs as the analysis's did, so that
   * connection ids agree, and `maxTracePackets` bounds the packets kept.
   */
  limits: Pick<Limits, 'maxConnections' | 'maxBufferedBytesTotal' | 'maxTracePackets' | 'idleTimeout'>;
  /** Sessions whose connections to trace (default: all). */
  sessions?: ReadonlySet<number>;
  /** Roles to trace (default: all). */
  roles?: ReadonlySet<TraceRole>;
  /** Keep this frame (decoded, with its bytes) for the dump. */
  keep?(frame: number, connection: TraceConnection | null): boolean;
  /**
   * Receives each kept frame as it is read, instead of `kept` collecting them: memory stays
   * bounded however many frames are kept. The frame's views are valid only during the call.
   */
  onKept?(frame: KeptFrame): void;
  /**
   * Receives each session's connections, with their packets, once all of them have closed and
   * the packets kept exceed `packetBudget`; their packets are then dropped, so memory is bounded
   * by the budget and the sessions still open, not by the capture. The sessions left at the end
   * of the capture follow in trace order. Without it, every packet is kept in `connections`.
   */
  onSession?(session: number, connections: TraceConnection[]): void;
  /**
   * Packets kept before closed sessions are handed to `onSession` and data runs fold (default:
   * limits.maxTracePackets, which bounds the packets kept in any case: see TraceConnection.cut).
   */
  packetBudget?: number;
}

/** The segments with payload one side sent on a traced connection (folded ones counted): how many, first and last frame. */
export function segmentsSent(packets: TracePacket[], by: Side): { count: number; first: number; last: number } | null {
  let count = 0;
  let first = -1;
  let last = -1;
  for (const p of packets) {
    if (p.payloadLength === 0 || p.by !== by) continue;
    if (count === 0) first = p.frame;
    count += 1 + (p.folded?.segments ?? 0);
    last = p.folded?.lastSegmentFrame ?? p.frame;
  }
  return count === 0 ? null : { count, first, last };
}

/** The connections of an analysis the trace will follow, before any packet is read. */
export function traceConnections(a: Analysis, opts: Pick<TraceOptions, 'sessions' | 'roles'> = {}): TraceConnection[] {
  const out: TraceConnection[] = [];
  const want = (r: TraceRole): boolean => opts.roles === undefined || opts.roles.has(r);
  for (const s of a.sessions) {
    if (opts.sessions !== undefined && !opts.sessions.has(s.id)) continue;
    const base = { session: s.id, packets: [] as TracePacket[] };
    if (want('control')) {
      out.push({ ...base, packets: [], role: 'control', transfer: null, stream: s.stream, client: s.client, server: s.server, start: s.start, foldable: false, cut: null });
    }
    if (want('data')) {
      for (const t of s.transfers) {
        const c = t.connection;
        if (c === null) continue;
        // Decrypted runs are marked by frame (RunEvent.decrypted): their packets stay one by one.
        const foldable = c.plaintext === undefined;
        out.push({ ...base, packets: [], role: 'data', transfer: t.id, stream: c.stream, client: c.client, server: c.server, start: c.start, foldable, cut: null });
      }
    }
    if (want('other')) {
      // An inferred transfer's connection (TLS-hidden, mid-stream) is traced once, as its data connection.
      const asData = new Set(s.transfers.map((t) => t.connection?.stream));
      for (const o of s.otherConnections) {
        if (asData.has(o.stream)) continue;
        out.push({ ...base, packets: [], role: 'other', transfer: null, stream: o.stream, client: o.from, server: o.to, start: o.start, foldable: false, cut: null });
      }
    }
  }
  return out;
}

/** A traced session while the capture is read: its connections, how many are still open. */
interface SessionState {
  id: number;
  conns: TraceConnection[];
  open: number;
  /** Handed to onSession: its packets are gone, later ones are only counted. */
  handed: boolean;
  /** The connection of the packet kept last: a packet may be folded only into one of the same connection. */
  lastConn: TraceConnection | null;
  /** Past the trace's memory bound: its packets are only counted from then on (TraceConnection.cut). */
  cut: boolean;
}

/** A traced connection while the capture is read: the engine's sequence bases and the SYNs' window shifts. */
interface ConnState {
  conn: TraceConnection;
  session: SessionState;
  closed: boolean;
  /** The raw number that is relative 0 of each side, as the engine last reported it (-1: none yet). */
  base: Record<Side, number>;
  /** Window scale shift each side announced in its SYN (null: none seen). */
  wscale: Record<Side, number | null>;
  /** Who sent the SYN+ACK, and whether the other side's first pure ACK after it (the handshake's, on the ladder) was kept. */
  synAckFrom: Side | null;
  handshakeAcked: boolean;
  /** A FIN or RST was seen: ACKs may now answer a FIN (their own arrows), so nothing more is folded. */
  ending: boolean;
}

/**
 * Fold `p` into the data segment kept last on its connection when the ladder would draw both as
 * one run (see Folded); false when `p` must be kept on its own.
 */
function fold(st: ConnState, p: TracePacket): boolean {
  const conn = st.conn;
  const last = conn.packets[conn.packets.length - 1];
  if (!conn.foldable || st.ending || st.session.lastConn !== conn || last === undefined) return false;
  if (p.icmp !== undefined || (p.flags & TCP_NOT_PLAIN) !== 0) return false;
  if (last.payloadLength === 0 || last.icmp !== undefined || (last.flags & TCP_NOT_PLAIN) !== 0) return false;
  if (p.payloadLength > 0) {
    if (p.by !== last.by) return false;
  } else if (st.synAckFrom !== null && !st.handshakeAcked) {
    return false; // it may be the handshake's ACK, an arrow of its own
  }
  const f = (last.folded ??= { segments: 0, acks: 0, quietAcks: 0, newBytes: 0, payloadBytes: 0, retransmissions: 0, lastFrame: last.frame, lastSegmentFrame: last.frame });
  if (p.payloadLength > 0) {
    f.segments++;
    f.newBytes += p.newBytes;
    f.payloadBytes += p.payloadLength;
    if (p.retransmission) f.retransmissions++;
    f.lastFrame = p.frame;
    f.lastSegmentFrame = p.frame;
  } else if (p.by !== last.by) {
    f.acks++;
    f.lastFrame = p.frame;
  } else {
    f.quietAcks++;
  }
  return true;
}

/** What a kept packet tells the folding rule about its connection. */
function noteKept(st: ConnState, p: TracePacket): void {
  st.session.lastConn = st.conn;
  if (p.icmp !== undefined) return;
  if ((p.flags & (TCP_FIN | TCP_RST)) !== 0) st.ending = true;
  if ((p.flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK)) st.synAckFrom = p.by;
  else if ((p.flags & TCP_SYN) === 0 && p.payloadLength === 0 && st.synAckFrom !== null && p.by !== st.synAckFrom) st.handshakeAcked = true;
}

/** Which end of a traced connection sent from ip:port. */
function sideOf(conn: TraceConnection, ip: string, port: number): Side {
  return conn.client.port === port && conn.client.ip === ip ? 'client' : 'server';
}

const OTHER: Record<Side, Side> = { client: 'server', server: 'client' };
/** Flags that make a packet an arrow of its own on the ladder. */
const TCP_NOT_PLAIN = TCP_SYN | TCP_FIN | TCP_RST;

function payloadKind(b: Uint8Array): PayloadKind {
  if (b.length === 0) return 'text';
  if (b[0] === 0xff) return 'telnet';
  if (looksLikeTlsRecord(b)) return 'tls';
  for (let i = 0; i < Math.min(b.length, 64); i++) {
    const c = b[i];
    if (c === 0 || (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d)) return 'binary';
  }
  return 'text';
}

/** A TCP packet of a traced connection, from what the engine decided about it (`x`). */
function tcpPacket(st: ConnState, f: DecodedFrame, x: SegmentFacts): TracePacket {
  const tcp = f.tcp!;
  const conn = st.conn;
  const by = sideOf(conn, f.ip!.src, tcp.srcPort);
  const other = OTHER[by];
  // A closed connection's late packet has no bases of its own: the last ones reported still hold.
  if (x.seqBase >= 0) st.base[by] = x.seqBase;
  if (x.ackBase >= 0) st.base[other] = x.ackBase;
  const syn = (tcp.flags & TCP_SYN) !== 0;
  if (syn) {
    const ws = tcp.options.find((o) => o.name === 'wscale');
    st.wscale[by] = ws !== undefined && ws.name === 'wscale' ? ws.shift : null;
  }
  const len = tcp.payloadLength;
  const bothScale = st.wscale.client !== null && st.wscale.server !== null;
  return {
    frame: f.frame,
    time: f.time,
    by,
    // The connection's own endpoints: the same values, and no two objects per packet.
    src: by === 'client' ? conn.client : conn.server,
    dst: by === 'client' ? conn.server : conn.client,
    flags: tcp.flags,
    seq: tcp.seq,
    ack: tcp.ack,
    relSeq: relativeSeq(tcp.seq, st.base[by]),
    relAck: (tcp.flags & TCP_ACK) !== 0 ? relativeSeq(tcp.ack, st.base[other]) : null,
    window: tcp.window,
    payloadLength: len,
    payloadKind: len > 0 ? payloadKind(f.payload) : null,
    newBytes: x.newBytes,
    retransmission: x.retransmission,
    outOfOrder: x.outOfOrder,
    windowShift: bothScale && !syn ? st.wscale[by] : null,
  };
}

function icmpPacket(st: ConnState, f: DecodedFrame): TracePacket {
  const q = f.icmp!.quoted;
  const by = sideOf(st.conn, q.src, q.srcPort);
  const ip = f.ip!;
  return {
    frame: f.frame,
    time: f.time,
    by,
    src: { ip: ip.src, port: 0 },
    dst: { ip: ip.dst, port: 0 },
    flags: 0,
    seq: q.seq ?? 0,
    ack: 0,
    relSeq: 0,
    relAck: null,
    window: 0,
    payloadLength: 0,
    payloadKind: null,
    newBytes: 0,
    retransmission: false,
    outOfOrder: false,
    windowShift: null,
    icmp: { type: f.icmp!.type, code: f.icmp!.code, reporter: f.icmp!.reporter, family: f.icmp!.family },
  };
}

/**
 * Read the capture again and collect the packets of `connections` (from traceConnections).
 * Frame numbers and times are the capture's own, as in the analysis.
 */
export async function tracePackets(
  input: CaptureInput,
  connections: TraceConnection[],
  opts: TraceOptions,
): Promise<PacketTrace> {
  const byStream = new Map<number, ConnState>();
  const sessions = new Map<number, SessionState>();
  for (const conn of connections) {
    let session = sessions.get(conn.session);
    if (session === undefined) sessions.set(conn.session, (session = { id: conn.session, conns: [], open: 0, handed: false, lastConn: null, cut: false }));
    session.conns.push(conn);
    session.open++;
    byStream.set(conn.stream, {
      conn,
      session,
      closed: false,
      base: { client: -1, server: -1 },
      wscale: { client: null, server: null },
      synAckFrom: null,
      handshakeAcked: false,
      ending: false,
    });
  }
  const kept: KeptFrame[] = [];
  const defrag = new Ipv4Defragmenter();
  const budget = opts.packetBudget ?? opts.limits.maxTracePackets;
  /** Sessions whose connections have all closed, oldest first, and the packets kept in all. */
  const closedSessions: SessionState[] = [];
  let nextClosed = 0;
  let packets = 0;
  let unshown = 0;
  const hand = (session: SessionState): void => {
    session.handed = true;
    opts.onSession!(session.id, session.conns);
    for (const c of session.conns) {
      packets -= c.packets.length;
      c.packets = [];
    }
  };

  // The analysis's engine again, so connections get the same ids (tcp.stream) and each packet the
  // same decisions. The hook runs inside push(), for the frame being read: `at` holds both.
  const at: { frame: DecodedFrame | null; conn: TraceConnection | null; packet: TracePacket | null } = { frame: null, conn: null, packet: null };
  // Nobody reads the stream bytes here: each connection only counts them (no out-of-order copies).
  const listener: ReassemblyListener = {
    onOpen: () => undefined,
    onData: () => 'count-only',
    onEvent: () => undefined,
    onClose: (conn) => {
      const st = byStream.get(conn.id);
      if (st === undefined || st.closed) return;
      st.closed = true;
      if (--st.session.open === 0) closedSessions.push(st.session);
    },
  };
  const reassembler = new TcpReassembler(listener, {
    ...engineLimits(opts.limits),
    onSegment: (x) => {
      const st = byStream.get(x.stream);
      if (st === undefined || at.frame === null) return;
      // A second capture of the packet before it (tcpdump -i any on a router): the ladder has it already.
      if (x.copy) return;
      if (st.session.handed) {
        unshown++;
        return;
      }
      at.conn = st.conn;
      const p = x.kind === 'icmp' ? icmpPacket(st, at.frame) : tcpPacket(st, at.frame, x);
      at.packet = p;
      // Over the budget with no closed session to hand on (one long transfer, or no onSession):
      // plain packets of a data run fold into the run's first kept segment.
      if (!st.session.cut && packets > budget && fold(st, p)) return;
      // At the memory bound with no closed session to hand on: from now on the session's packets are only counted.
      const cut = st.session.cut || (packets >= opts.limits.maxTracePackets && !(opts.onSession !== undefined && nextClosed < closedSessions.length));
      if (cut) {
        st.session.cut = true;
        (st.conn.cut ??= { frame: p.frame, packets: 0 }).packets++;
        return;
      }
      st.conn.packets.push(p);
      noteKept(st, p);
      packets++;
    },
  });

  const onRecord = (record: CaptureRecord): void => {
    const f = decodeFrame(record, defrag);
    at.conn = null;
    at.packet = null;
    // Pushed as the analysis pass pushes them (pipeline.ts), so that connection ids agree.
    if (f.ip !== undefined && (f.tcp !== undefined || f.icmp !== undefined)) {
      at.frame = f;
      reassembler.push(f);
      at.frame = null;
      if (opts.onSession !== undefined) while (packets > budget && nextClosed < closedSessions.length) hand(closedSessions[nextClosed++]);
    }
    const { conn, packet } = at;
    if (opts.keep !== undefined && opts.keep(record.frame, conn)) {
      if (opts.onKept !== undefined) {
        opts.onKept({ decoded: f, data: record.data, linkType: record.linkType, connection: conn, packet });
        return;
      }
      // Decode a copy so the frame's views (payload, options) outlive the record.
      const data = record.data.slice();
      const decoded = f.fragment === 'reassembled' ? f : decodeFrame({ ...record, data });
      if (decoded !== f) {
        decoded.problems = f.problems;
        decoded.fragment = f.fragment;
      }
      kept.push({ decoded, data, linkType: record.linkType, connection: conn, packet });
    }
  };

  // Damage was reported by the analysis pass already: the same records are read again here.
  const result = await readCapture(input, { onRecord, onWarning: () => undefined }, { fileName: opts.fileName });
  reassembler.finish();
  if (opts.onSession !== undefined) for (const session of sessions.values()) if (!session.handed) hand(session);
  return { connections, kept, frames: result.packets, unshown };
}
