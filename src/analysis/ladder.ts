/**
 * A session as a textbook ladder: the events worth an arrow, in capture order. From the packet
 * trace: each connection's SYN, SYN+ACK and handshake ACK, FINs and the ACKs that answer them,
 * RSTs, ICMP errors, retransmitted SYNs and segments; from the analysis model: each command and
 * reply of the control connection (one event per line, however many segments carried it). Data
 * (and anything on the control connection that is not FTP text, such as TLS) is collapsed into
 * runs: consecutive segments one way with the ACKs coming back, broken wherever another event
 * falls between them so that events stay in frame order.
 */
import type { Command, Endpoint, Reply, Session, Transfer } from './model.js';
import { clientEndUndecided } from './own-addresses.js';
import type { PacketTrace, PayloadKind, Side, TraceConnection, TracePacket } from './packet-trace.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../decode/types.js';
import { insideControlTls } from './control-tls.js';
import { seqLt } from '../tcp/seq.js';

/** What every arrow has: where, when, who, and the TCP facts of its (first) packet. */
interface EventBase {
  conn: TraceConnection;
  firstFrame: number;
  lastFrame: number;
  time: number;
  /** Which end of the connection sent it (icmp: whose packet it answers). */
  by: Side;
  /** Addresses and ports as on the wire (icmp: from the reporter, to the sender of the quoted packet). */
  from: Endpoint;
  to: Endpoint;
  flags: number;
  /** A repeated SYN, SYN+ACK, FIN or segment. */
  retransmission: boolean;
}

export interface SynEvent extends EventBase {
  kind: 'syn';
  /** A SYN the other side never answered (no SYN+ACK, RST or ICMP error in the capture). */
  unanswered: boolean;
  /** Answered on no connection of its own but from another address, the answer reset by the client (answer-reset.ts): that address. */
  answeredFrom?: string;
}

/** An arrow that is its packet's flags and nothing more. */
export interface FlagsEvent extends EventBase {
  kind: 'syn-ack' | 'ack' | 'rst' | 'retransmission';
}

export interface FinEvent extends EventBase {
  kind: 'fin';
  /** Payload bytes carried with the FIN (absent: none, or FTP text told on its own arrow). */
  payload?: number;
}

export interface IcmpEvent extends EventBase {
  kind: 'icmp';
  icmp: { type: number; code: number; reporter: string; family: 4 | 6; unreachable: Endpoint };
}

export interface CommandEvent extends EventBase {
  kind: 'command';
  command: Command;
  /** Read from decrypted TLS records (the control connection was encrypted when it was sent). */
  decrypted: boolean;
}

export interface ReplyEvent extends EventBase {
  kind: 'reply';
  reply: Reply;
  /** The command it answers (for the greeting: the model's command-less entry). */
  command: Command;
  /** A 1xx reply before the final one. */
  preliminary: boolean;
  /** Read from decrypted TLS records. */
  decrypted: boolean;
}

/**
 * data / opaque runs: segments carrying payload, ACKs coming back, bytes new to the stream, all
 * payload bytes (repeats included), repeated segments, and what the first segment looked like.
 * acks runs, in a capture of one direction only: a receiver's bare ACKs that acknowledged data
 * the capture does not hold (before its own FIN); `segments` counts them (`bytes` stays 0: how much
 * they acknowledged is the model's Transfer.acknowledged).
 */
export interface RunEvent extends EventBase {
  kind: 'data' | 'opaque' | 'acks';
  segments: number;
  acks: number;
  bytes: number;
  payloadBytes: number;
  retransmissions: number;
  payloadKind: PayloadKind | null;
  /**
   * On a data connection whose TLS was decrypted (PROT P, keys given), between the first and last
   * frames whose records carried application data that way: the file's data, read from TLS.
   */
  decrypted: boolean;
}

/** One arrow of the ladder; `kind` says which fields it has. */
export type LadderEvent = SynEvent | FlagsEvent | FinEvent | IcmpEvent | CommandEvent | ReplyEvent | RunEvent;
export type LadderKind = LadderEvent['kind'];

/** Where a ladder stops at the trace's memory bound (SessionLadder.cut). */
export interface LadderCut {
  frame: number;
  packets: number;
  /** Commands and replies from `frame` on, not drawn. */
  lines: number;
}

export interface SessionLadder {
  session: Session;
  /** Host addresses, one column each: the client, the server, then others in order of appearance. */
  hosts: string[];
  /** What each host is to the session, one per host (same order). */
  roles: HostRole[];
  connections: TraceConnection[];
  events: LadderEvent[];
  /**
   * The trace stopped keeping this session's packets at its memory bound (TraceConnection.cut):
   * from which frame, how many packets, and how many command and reply lines from that frame on
   * are left undrawn with them (the model still holds them: a ladder event each would cost more).
   */
  cut: LadderCut | null;
}

/**
 * What a ladder's host is: the session's client or server; another address of the client's own host
 * (Session.clientAliases); an address the server itself named in a passive reply for its data
 * (a second address of its own, or the public one in front of it); an address the client named in
 * PORT that this capture point cannot tell from the client's own; or a third host.
 */
export type HostRole = 'client' | 'server' | 'client-alias' | 'server-named' | 'client-named' | 'third';

function hostRole(s: Session, ip: string): HostRole {
  if (ip === s.client.ip) return 'client';
  if (ip === s.server.ip) return 'server';
  if (s.clientAliases.includes(ip)) return 'client-alias';
  const named = (mode: Transfer['mode'], undecided: (e: Endpoint) => boolean): boolean =>
    s.transfers.some((t) => t.mode === mode && t.fxp === undefined && t.announce?.endpoint?.ip === ip && undecided(t.announce.endpoint));
  if (named('passive', () => true)) return 'server-named';
  // A PORT's address that may be the client's own as well as a third host's (own-addresses.ts).
  if (named('active', (e) => clientEndUndecided(s, e))) return 'client-named';
  return 'third';
}

/** A command or reply row waiting for the walk to reach its first frame. */
interface TextRow {
  frame: number;
  event: LadderEvent;
}

function otherEnd(conn: TraceConnection, by: Side): Endpoint {
  return by === 'client' ? conn.server : conn.client;
}

function base(conn: TraceConnection, p: TracePacket): EventBase {
  return {
    conn,
    firstFrame: p.frame,
    lastFrame: p.frame,
    time: p.time,
    by: p.by,
    from: p.src,
    to: p.dst,
    flags: p.flags,
    retransmission: p.retransmission,
  };
}

/**
 * A packet's arrow that is its flags (and a SYN's), written out whole: one per SYN, FIN or ACK
 * shown, and a session of many failed transfers has many (a spread of `base` costs far more).
 */
function flagsEvent(conn: TraceConnection, p: TracePacket, kind: FlagsEvent['kind']): FlagsEvent {
  return { conn, firstFrame: p.frame, lastFrame: p.frame, time: p.time, by: p.by, from: p.src, to: p.dst, flags: p.flags, retransmission: p.retransmission, kind };
}

function synEvent(conn: TraceConnection, p: TracePacket): SynEvent {
  return { conn, firstFrame: p.frame, lastFrame: p.frame, time: p.time, by: p.by, from: p.src, to: p.dst, flags: p.flags, retransmission: p.retransmission, kind: 'syn', unanswered: false };
}

/**
 * Commands and replies of the control connection as events, keyed by the frame they start in: those
 * before `until` (the frame where the trace stopped keeping the session's packets), and the count
 * of the others. Past the trace's bound the ladder draws no packet, nor a line: a session of a
 * million commands would otherwise hold an event for each beside the model's own.
 */
function textRows(control: TraceConnection, session: Session, timeOf: Map<number, number>, until: number): { rows: TextRow[]; left: number } {
  const rows: TextRow[] = [];
  let left = 0;
  // Each event written out whole (no spread of a shared base): a session may hold a million of them.
  const reply = (r: Reply, preliminary: boolean, c: Command): void => {
    const first = r.firstFrame;
    if (first >= until) {
      left++;
      return;
    }
    const event: ReplyEvent = {
      conn: control,
      firstFrame: first,
      lastFrame: r.frame,
      time: timeOf.get(first) ?? r.time,
      by: 'server',
      from: session.server,
      to: session.client,
      flags: 0,
      retransmission: false,
      kind: 'reply',
      reply: r,
      command: c,
      preliminary,
      decrypted: insideControlTls(session, first),
    };
    rows.push({ frame: first, event });
  };
  for (const c of session.commands) {
    if (c.command !== null && (c.firstFrame ?? c.frame) >= until) left++;
    else if (c.command !== null) {
      const first = c.firstFrame ?? c.frame;
      const event: CommandEvent = {
        conn: control,
        firstFrame: first,
        lastFrame: c.frame,
        time: timeOf.get(first) ?? c.time,
        by: 'client',
        from: session.client,
        to: session.server,
        flags: 0,
        retransmission: false,
        kind: 'command',
        command: c,
        decrypted: insideControlTls(session, first),
      };
      rows.push({ frame: first, event });
    }
    for (const p of c.preliminary) reply(p, true, c);
    if (c.reply !== null) reply(c.reply, false, c);
  }
  // Capture order; a stable sort keeps pipelined lines of one segment in the order they were sent.
  return { rows: rows.sort((x, y) => x.frame - y.frame), left };
}

/**
 * Frames of the control connection that carried command or reply text, per sending side. One sweep
 * in frame order (rows are sorted by their first frame, packets are in capture order): a frame is
 * covered when some line of its side began at or before it and ended at or after it. A late
 * segment that filled a hole in clear text (the server's copy of a segment the path lost, arriving
 * after the lines around it) carried part of a line already told, whatever its frame: covered too.
 */
function textFrames(control: TraceConnection, session: Session, rows: TextRow[]): Set<number> {
  const covered = new Set<number>();
  const reach: Record<Side, number> = { client: -1, server: -1 };
  let next = 0;
  for (const p of control.packets) {
    if (p.payloadLength === 0) continue;
    while (next < rows.length && rows[next].event.firstFrame <= p.frame) {
      const e = rows[next++].event;
      if (e.lastFrame > reach[e.by]) reach[e.by] = e.lastFrame;
    }
    if (p.frame <= reach[p.by] || (p.outOfOrder && reach[p.by] >= 0 && !insideControlTls(session, p.frame))) covered.add(p.frame);
  }
  return covered;
}

interface ConnWalk {
  initiator: Side | null;
  synAckFrom: Side | null;
  handshakeAckShown: boolean;
  /** FINs not yet acknowledged: side → sequence number the ACK must carry. */
  pendingFin: Map<Side, number>;
  run: RunEvent | null;
  syns: SynEvent[];
  answered: boolean;
  /** Each side's last acknowledgment number (null before its first ACK), and whether it sent its FIN: for acks runs. */
  clientAck: number | null;
  serverAck: number | null;
  finBy: Side | 'both' | null;
}

/** A trace's connections by session, made once per trace: a filter per session was quadratic. */
const connectionsBySession = new WeakMap<PacketTrace, Map<number, TraceConnection[]>>();

function connectionsOf(trace: PacketTrace, session: number): TraceConnection[] {
  let index = connectionsBySession.get(trace);
  if (index === undefined) {
    index = new Map();
    for (const c of trace.connections) {
      const list = index.get(c.session);
      if (list) list.push(c);
      else index.set(c.session, [c]);
    }
    connectionsBySession.set(trace, index);
  }
  return index.get(session) ?? [];
}

export function buildLadder(session: Session, trace: PacketTrace): SessionLadder {
  const conns = connectionsOf(trace, session.id);
  const control = conns.find((c) => c.role === 'control');
  const timeOf = new Map<number, number>();
  for (const c of conns) for (const p of c.packets) if (!timeOf.has(p.frame)) timeOf.set(p.frame, p.time);
  const cuts = conns.flatMap((c) => (c.cut === null ? [] : [c.cut]));
  const cutFrame = cuts.length === 0 ? Infinity : Math.min(...cuts.map((c) => c.frame));
  const { rows, left } = control !== undefined ? textRows(control, session, timeOf, cutFrame) : { rows: [], left: 0 };
  const covered = control !== undefined ? textFrames(control, session, rows) : new Set<number>();

  const all: Array<{ conn: TraceConnection; p: TracePacket }> = [];
  for (const conn of conns) for (const p of conn.packets) all.push({ conn, p });
  all.sort((x, y) => x.p.frame - y.p.frame);

  const events: LadderEvent[] = [];
  // Data connections whose TLS the analysis decrypted: the runs among their application-data records.
  const plaintextOf = new Map(session.transfers.flatMap((t) => (t.connection?.plaintext === undefined ? [] : [[t.id, t.connection.plaintext] as const])));
  const carriesPlaintext = (conn: TraceConnection, p: TracePacket): boolean => {
    const plain = conn.role === 'data' && conn.transfer !== null ? plaintextOf.get(conn.transfer) : undefined;
    const span = plain === undefined ? null : p.by === 'client' ? plain.framesToServer : plain.framesToClient;
    return span !== null && p.frame >= span.first && p.frame <= span.last;
  };
  const walks = new Map<TraceConnection, ConnWalk>();
  for (const c of conns) {
    walks.set(c, { initiator: null, synAckFrom: null, handshakeAckShown: false, pendingFin: new Map(), run: null, syns: [], answered: false, clientAck: null, serverAck: null, finBy: null });
  }
  // The walks whose run is open: a row ends them all, and a session may have thousands of data
  // connections (closing every walk's run at every row was quadratic in them).
  const open: ConnWalk[] = [];
  const closeRuns = (): void => {
    for (const w of open) w.run = null;
    open.length = 0;
  };
  const show = (e: LadderEvent): void => {
    closeRuns();
    events.push(e);
  };
  let nextRow = 0;
  const emitRowsUpTo = (frame: number): void => {
    while (nextRow < rows.length && rows[nextRow].frame <= frame) show(rows[nextRow++].event);
  };
  const addToRun = (w: ConnWalk, conn: TraceConnection, p: TracePacket, kind: 'data' | 'opaque' | 'acks'): void => {
    const decrypted = kind === 'data' && carriesPlaintext(conn, p);
    if (w.run === null || w.run.by !== p.by || w.run.kind !== kind || w.run.decrypted !== decrypted) {
      if (w.run === null) open.push(w);
      w.run = {
        ...base(conn, p),
        kind,
        retransmission: false,
        segments: 0,
        acks: 0,
        bytes: 0,
        payloadBytes: 0,
        retransmissions: 0,
        payloadKind: p.payloadKind,
        decrypted,
      };
      events.push(w.run);
    }
    const r = w.run;
    r.lastFrame = p.frame;
    r.segments += 1;
    r.bytes += p.newBytes;
    r.payloadBytes += p.payloadLength;
    if (p.retransmission) r.retransmissions += 1;
    const f = p.folded;
    if (f !== undefined) {
      // The packets the trace folded into this one (packet-trace.ts): the same run.
      r.lastFrame = f.lastFrame;
      r.segments += f.segments;
      r.acks += f.acks;
      r.bytes += f.newBytes;
      r.payloadBytes += f.payloadBytes;
      r.retransmissions += f.retransmissions;
    }
  };

  // A capture of one direction only: a data connection's bare ACKs may be all it holds of a transfer.
  const oneWay = session.oneWay !== undefined;
  for (const { conn, p } of all) {
    if (conn === control) emitRowsUpTo(p.frame);
    const w = walks.get(conn)!;
    const ackBefore = p.by === 'client' ? w.clientAck : w.serverAck;
    if ((p.flags & TCP_ACK) !== 0) {
      if (p.by === 'client') w.clientAck = p.ack;
      else w.serverAck = p.ack;
    }
    if (p.icmp !== undefined) {
      w.answered = true;
      show({
        ...base(conn, p),
        kind: 'icmp',
        from: { ip: p.icmp.reporter, port: 0 },
        to: p.by === 'client' ? conn.client : conn.server,
        icmp: { ...p.icmp, unreachable: otherEnd(conn, p.by) },
      });
      continue;
    }
    const f = p.flags;
    // Which FINs of the other side this packet acknowledges (a FIN+ACK answers one too).
    const other: Side = p.by === 'client' ? 'server' : 'client';
    let acksFin = false;
    const pending = w.pendingFin.get(other);
    if ((f & TCP_ACK) !== 0 && pending !== undefined && p.ack === pending) {
      w.pendingFin.delete(other);
      acksFin = true;
    }
    if ((f & TCP_RST) !== 0) {
      w.answered = true;
      show(flagsEvent(conn, p, 'rst'));
      continue;
    }
    if ((f & TCP_SYN) !== 0) {
      if ((f & TCP_ACK) === 0) {
        w.initiator ??= p.by;
        const e = synEvent(conn, p);
        w.syns.push(e);
        show(e);
      } else {
        w.synAckFrom = p.by;
        w.answered = true;
        show(flagsEvent(conn, p, 'syn-ack'));
      }
      continue;
    }
    if ((f & TCP_FIN) !== 0) {
      // A FIN's own payload is told on its arrow, not added to a run.
      const e: FinEvent = { ...base(conn, p), kind: 'fin' };
      if (p.payloadLength > 0 && !covered.has(p.frame)) e.payload = p.payloadLength;
      w.pendingFin.set(p.by, (p.seq + p.payloadLength + 1) >>> 0);
      w.finBy = w.finBy === null || w.finBy === p.by ? p.by : 'both';
      show(e);
      continue;
    }
    if (p.payloadLength > 0) {
      if (conn !== control) addToRun(w, conn, p, 'data');
      else if (covered.has(p.frame)) continue; // its command or reply has a row of its own
      else if (p.retransmission) show(flagsEvent(conn, p, 'retransmission'));
      else addToRun(w, conn, p, 'opaque');
      continue;
    }
    // A pure ACK: the handshake's third packet, the answer to a FIN, or part of a data run.
    if (!w.handshakeAckShown && w.synAckFrom !== null && p.by !== w.synAckFrom) {
      w.handshakeAckShown = true;
      show(flagsEvent(conn, p, 'ack'));
    } else if (acksFin) {
      show(flagsEvent(conn, p, 'ack'));
    } else if (w.run !== null && w.run.by !== p.by) {
      w.run.acks += 1;
      w.run.lastFrame = p.frame;
    } else if (oneWay && conn !== control && (f & TCP_ACK) !== 0 && w.finBy !== p.by && w.finBy !== 'both') {
      // One that moved the acknowledgment on (not the handshake's), or any inside a run already open.
      const open = w.run !== null && w.run.kind === 'acks' && w.run.by === p.by;
      if (open || (ackBefore !== null && seqLt(ackBefore, p.ack))) addToRun(w, conn, p, 'acks');
    }
  }
  emitRowsUpTo(Number.MAX_SAFE_INTEGER);
  // A SYN the capture ended on before any answer was due (in-flight.ts: the control connection
  // `connecting`, a transfer `underWay` connecting) was not left unanswered: the rest is not in the capture.
  const connecting = (conn: TraceConnection): boolean => {
    if (conn.role === 'control') return session.control.kind === 'connecting';
    const v = conn.role === 'data' ? session.transfers.find((t) => t.id === conn.transfer)?.verdict : undefined;
    return v?.kind === 'incomplete' && v.underWay?.step === 'connecting';
  };
  // A SYN answered from another address than the one it went to (answer-reset.ts): the answer is on a connection of its own.
  const answeredFrom = (conn: TraceConnection): string | null => {
    const v = session.control;
    if (conn.role === 'control') return v.kind === 'answer-reset' && v.called !== null ? v.answeredBy.ip : null;
    const r = conn.role === 'data' ? session.transfers.find((x) => x.id === conn.transfer)?.answerReset : undefined;
    return r !== undefined && r.called !== null ? r.answeredBy.ip : null;
  };
  for (const [conn, w] of walks) {
    // A capture of one direction only (either one) holds no answer to any SYN: their absence says nothing.
    if (w.answered || session.oneWay !== undefined || connecting(conn)) continue;
    const elsewhere = answeredFrom(conn);
    for (const s of w.syns) {
      if (elsewhere === null) s.unanswered = true;
      else s.answeredFrom = elsewhere;
    }
  }

  const hosts = [session.client.ip, session.server.ip];
  for (const e of events) {
    for (const ip of e.kind === 'icmp' ? [e.to.ip] : [e.from.ip, e.to.ip]) if (!hosts.includes(ip)) hosts.push(ip);
  }
  const cut = cuts.length === 0 ? null : { frame: cutFrame, packets: cuts.reduce((n, c) => n + c.packets, 0), lines: left };
  return { session, hosts, roles: hosts.map((ip) => hostRole(session, ip)), connections: conns, events, cut };
}

/** Names of the TCP flags set, textbook style: "SYN", "SYN+ACK", "FIN+ACK", "PSH+ACK". */
export function flagNames(flags: number): string {
  const names: Array<[number, string]> = [
    [TCP_SYN, 'SYN'],
    [TCP_FIN, 'FIN'],
    [TCP_RST, 'RST'],
    [0x008, 'PSH'],
    [0x020, 'URG'],
    [0x040, 'ECE'],
    [0x080, 'CWR'],
    [0x100, 'AE'],
    [TCP_ACK, 'ACK'],
  ];
  const out = names.filter(([bit]) => (flags & bit) !== 0).map(([, n]) => n);
  return out.length ? out.join('+') : 'no flags';
}
