/**
 * The packet-level pass behind `dump`, `timeline` and `explain`: read the capture a second time
 * and keep, for the connections the analysis found (each session's control connection, its data
 * connections, the other connections between its hosts), every packet's TCP facts in capture
 * order: flags, raw and relative sequence numbers, payload length, bytes new to the stream,
 * retransmissions, ICMP errors quoting the connection.
 *
 * Frames are matched to connections by their 4-tuple; when a 4-tuple is used by more than one
 * connection (port reuse), by time: the latest connection that had started by the packet's time.
 * ICMP errors are matched by the segment they quote. On request the decoded frames themselves are
 * kept, with a copy of their bytes, for the header dump.
 */
import type { Readable } from 'node:stream';
import { readCapture } from '../capture/read-capture.js';
import type { CaptureRecord } from '../capture/types.js';
import { decodeFrame } from '../decode/frame.js';
import { Ipv4Defragmenter } from '../decode/ipv4-defrag.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type DecodedFrame } from '../decode/types.js';
import { looksLikeTlsRecord } from '../ftp/control-parser.js';
import { flowKey } from '../tcp/flow-key.js';
import { seqDiff, seqLte, unwrap } from '../tcp/seq.js';
import { CoveredRanges } from './covered-ranges.js';
import type { Analysis, Endpoint } from './model.js';

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
}

export interface TraceOptions {
  fileName: string;
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
}

/** The connections of an analysis the trace will follow, before any packet is read. */
export function traceConnections(a: Analysis, opts: Pick<TraceOptions, 'sessions' | 'roles'> = {}): TraceConnection[] {
  const out: TraceConnection[] = [];
  const want = (r: TraceRole): boolean => opts.roles === undefined || opts.roles.has(r);
  for (const s of a.sessions) {
    if (opts.sessions !== undefined && !opts.sessions.has(s.id)) continue;
    const base = { session: s.id, packets: [] as TracePacket[] };
    if (want('control')) {
      out.push({ ...base, packets: [], role: 'control', transfer: null, stream: s.stream, client: s.client, server: s.server, start: s.start });
    }
    if (want('data')) {
      for (const t of s.transfers) {
        const c = t.connection;
        if (c === null) continue;
        out.push({ ...base, packets: [], role: 'data', transfer: t.id, stream: c.stream, client: c.client, server: c.server, start: c.start });
      }
    }
    if (want('other')) {
      // An inferred transfer's connection (TLS-hidden, mid-stream) is traced once, as its data connection.
      const asData = new Set(s.transfers.map((t) => t.connection?.stream));
      for (const o of s.otherConnections) {
        if (asData.has(o.stream)) continue;
        out.push({ ...base, packets: [], role: 'other', transfer: null, stream: o.stream, client: o.from, server: o.to, start: o.start });
      }
    }
  }
  return out;
}

/** Per connection and direction: where the stream stands, for relative numbers and retransmissions. */
interface DirState {
  /** Sequence number counted as relative 0 (the ISN, or the byte before the first one seen). */
  isn: number | null;
  /** A raw sequence number and its stream offset, to unwrap the next one. */
  refRaw: number;
  refAbs: number;
  ranges: CoveredRanges;
  synSeen: boolean;
  finSeq: number | null;
  wscale: number | null;
}

interface ConnState {
  conn: TraceConnection;
  c: DirState;
  s: DirState;
}

function dirState(): DirState {
  return { isn: null, refRaw: 0, refAbs: 0, ranges: new CoveredRanges(), synSeen: false, finSeq: null, wscale: null };
}

const same = (e: Endpoint, ip: string, port: number): boolean => e.ip === ip && e.port === port;

/** Pick among connections sharing a 4-tuple: the latest that had started by `time`. */
function pick(list: ConnState[], time: number): ConnState {
  let best = list[0];
  for (const st of list) if (st.conn.start <= time && st.conn.start >= best.conn.start) best = st;
  return best;
}

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

function tcpPacket(st: ConnState, f: DecodedFrame): TracePacket {
  const tcp = f.tcp!;
  const ip = f.ip!;
  const conn = st.conn;
  const by: Side = same(conn.client, ip.src, tcp.srcPort) ? 'client' : 'server';
  const mine = by === 'client' ? st.c : st.s;
  const theirs = by === 'client' ? st.s : st.c;
  const syn = (tcp.flags & TCP_SYN) !== 0;
  const fin = (tcp.flags & TCP_FIN) !== 0;
  const len = tcp.payloadLength;

  let retransmission = false;
  let outOfOrder = false;
  let newBytes = 0;
  if (syn) {
    if (mine.synSeen && mine.isn === tcp.seq) retransmission = true;
    mine.synSeen = true;
    mine.isn = tcp.seq;
    mine.refRaw = (tcp.seq + 1) >>> 0;
    mine.refAbs = 0;
    const ws = tcp.options.find((o) => o.name === 'wscale');
    mine.wscale = ws !== undefined && ws.name === 'wscale' ? ws.shift : null;
  } else if (mine.isn === null) {
    // First seen mid-stream: count from here.
    mine.isn = (tcp.seq - 1) >>> 0;
    mine.refRaw = tcp.seq;
    mine.refAbs = 0;
  }
  const dataStart = syn ? (tcp.seq + 1) >>> 0 : tcp.seq;
  const offset = unwrap(dataStart, mine.refRaw, mine.refAbs);
  mine.refRaw = dataStart;
  mine.refAbs = offset;
  if (len > 0) {
    const before = mine.ranges.end;
    newBytes = mine.ranges.add(offset, offset + len);
    retransmission = newBytes < len;
    outOfOrder = newBytes > 0 && offset < before && before > 0;
  }
  if (fin) {
    const finSeq = (dataStart + len) >>> 0;
    if (len === 0 && mine.finSeq !== null && seqLte(finSeq, mine.finSeq)) retransmission = true;
    mine.finSeq = finSeq;
  }
  const rel = (v: number, isn: number | null): number => (isn === null ? v : seqDiff(v, isn) >>> 0);
  const ackSet = (tcp.flags & TCP_ACK) !== 0;
  const bothScale = mine.wscale !== null && theirs.wscale !== null;
  return {
    frame: f.frame,
    time: f.time,
    by,
    src: { ip: ip.src, port: tcp.srcPort },
    dst: { ip: ip.dst, port: tcp.dstPort },
    flags: tcp.flags,
    seq: tcp.seq,
    ack: tcp.ack,
    relSeq: rel(tcp.seq, mine.isn),
    relAck: ackSet ? rel(tcp.ack, theirs.isn) : null,
    window: tcp.window,
    payloadLength: len,
    payloadKind: len > 0 ? payloadKind(f.payload) : null,
    newBytes,
    retransmission: retransmission && (tcp.flags & TCP_RST) === 0,
    outOfOrder,
    windowShift: bothScale && !syn ? mine.wscale : null,
  };
}

function icmpPacket(st: ConnState, f: DecodedFrame): TracePacket {
  const q = f.icmp!.quoted;
  const by: Side = same(st.conn.client, q.src, q.srcPort) ? 'client' : 'server';
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
  input: Readable | NodeJS.ReadableStream,
  connections: TraceConnection[],
  opts: TraceOptions,
): Promise<PacketTrace> {
  const byKey = new Map<string, ConnState[]>();
  for (const conn of connections) {
    const key = flowKey(conn.client.ip, conn.client.port, conn.server.ip, conn.server.port);
    const st: ConnState = { conn, c: dirState(), s: dirState() };
    const list = byKey.get(key);
    if (list === undefined) byKey.set(key, [st]);
    else list.push(st);
  }
  const kept: KeptFrame[] = [];
  const defrag = new Ipv4Defragmenter();

  const onRecord = (record: CaptureRecord): void => {
    const f = decodeFrame(record, defrag);
    let st: ConnState | undefined;
    let packet: TracePacket | null = null;
    if (f.ip !== undefined && f.tcp !== undefined) {
      const list = byKey.get(flowKey(f.ip.src, f.tcp.srcPort, f.ip.dst, f.tcp.dstPort));
      if (list !== undefined) {
        st = pick(list, f.time);
        packet = tcpPacket(st, f);
      }
    } else if (f.icmp !== undefined) {
      const q = f.icmp.quoted;
      const list = byKey.get(flowKey(q.src, q.srcPort, q.dst, q.dstPort));
      if (list !== undefined) {
        st = pick(list, f.time);
        packet = icmpPacket(st, f);
      }
    }
    if (st !== undefined && packet !== null) st.conn.packets.push(packet);
    const conn = st?.conn ?? null;
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
  return { connections, kept, frames: result.packets };
}
