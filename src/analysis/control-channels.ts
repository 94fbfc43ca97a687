/**
 * FTP control connections: each gets a session (an FTP parser feeding a SessionBuilder, TLS when
 * the session starts it) on its first bytes; its TCP events become the session's handshake,
 * closing and gap facts; on close the session gets its control connection's facts.
 */
import type { Warning } from '../warnings/catalog.js';
import { FtpControlParser } from '../ftp/control-parser.js';
import type { HeldPool } from '../tcp/held-pool.js';
import type { ReplyHolds } from '../ftp/reply-holds.js';
import type { ConnectionEvent, StreamChunk, TcpConnection } from '../tcp/types.js';
import type { TlsSecrets } from '../tls/connection.js';
import type { ControlPort } from './connection-kind.js';
import type { DataLinker } from './data-linker.js';
import { recordHandshakeEvent } from './handshake-events.js';
import { tlsEndCause } from './control-tls.js';
import { connectionMarks } from './ttl-table.js';
import { bySide } from './transfer-outcome.js';
import type { ControlConnection, HandshakeEvent, Session } from './model.js';
import { newSession, NO_ITEMS, SessionBuilder, type SessionBuilderOptions } from './session-builder.js';
import { controlDecryptor, type ControlTls } from './tls-routes.js';
import { StringPool } from './string-pool.js';

export interface ControlChannelsOptions {
  showPasswords: boolean;
  maxPendingCommands: number;
  maxCommands: number;
  maxOpenAnnouncements: number;
  /** Bytes held waiting for their end (partial lines, open multi-line replies, TLS handshake messages) in all connections together. */
  heldPool?: HeldPool;
  /** The capture's parsers holding replies for client bytes still to come (ftp/reply-holds.ts). */
  replyHolds?: ReplyHolds;
  commandBudget: SessionBuilderOptions['commandBudget'];
  linker: DataLinker;
  tlsSecrets: TlsSecrets;
  /** How a transfer's data connection has closed so far (DataConnections.endsOf). */
  dataEnds: SessionBuilderOptions['dataEnds'];
  /** Bytes a transfer's data connection has carried so far (DataConnections.bytesOf). */
  dataBytes: SessionBuilderOptions['dataBytes'];
  onWarning(w: Warning): void;
}

export interface ControlRoute {
  kind: 'control';
  builder: SessionBuilder;
  parser: FtpControlParser;
  /** True when the TCP initiator is the FTP client (c2s = client → server). */
  initiatorIsClient: boolean;
  handshake: HandshakeEvent[];
  /** The control connection's TLS, once it started. */
  tls: ControlTls;
  /** Per direction, the latest segments and repeats: what was still unacknowledged at the end (describeControl). */
  tail: { c2s: SentTail; s2c: SentTail };
  /** Per direction, the frame after the latest gap (the reassembler gives a hole up at the close): where a hole never filled ends. */
  lastGapFrame?: { c2s?: number; s2c?: number };
}

/**
 * A direction's last few segments, as pairs of numbers (frame, stream offset after it: no object
 * per segment on a path every control line takes), and the frames of its last few repeats.
 */
interface SentTail {
  segments: number[];
  repeats: number[];
}

/** A direction's tail before its first segment (made by a function: a literal nested three deep was a tenth of a session's start). */
const newTail = (): SentTail => ({ segments: [], repeats: [] });

/** Segments and repeats kept per direction: enough to show a reply or FIN sent again and again. */
const TAIL_KEPT = 8;

const keepLast = (list: number[], x: number): void => {
  list.push(x);
  if (list.length > TAIL_KEPT) list.shift();
};

const keepLastPair = (list: number[], x: number, y: number): void => {
  list.push(x, y);
  if (list.length > 2 * TAIL_KEPT) list.splice(0, 2);
};

/**
 * On an FTP port, nothing carried yet: the session (builder, parser, model) is made on the first
 * bytes, so a flood of connections that never speak costs this small object each (shared until a
 * FIN or RST must be remembered).
 */
export interface PendingControlRoute {
  kind: 'pending-control';
  initiatorIsClient: boolean;
  implicitTls: boolean;
  closedBy: Session['closedBy'];
  /** Retransmitted SYNs and ICMP errors (a failed connection's story); the first SYN is the connection's start. */
  handshake?: HandshakeEvent[];
}

/**
 * A pending route of the connection's own, with its close and handshake: spelled out, not spread
 * (a spread of the shared frozen route took V8's slow path: 160-220 ns against 11-21, once per connection).
 */
function ownPending(r: PendingControlRoute, closedBy: PendingControlRoute['closedBy'], handshake: HandshakeEvent[] | undefined): PendingControlRoute {
  const own: PendingControlRoute = { kind: 'pending-control', initiatorIsClient: r.initiatorIsClient, implicitTls: r.implicitTls, closedBy };
  if (handshake !== undefined) own.handshake = handshake;
  return own;
}

/** One shared pending route per kind of control port. */
const PENDING = new Map<ControlPort, PendingControlRoute>();

export function pendingControl(port: ControlPort): PendingControlRoute {
  let pending = PENDING.get(port);
  if (!pending) {
    pending = Object.freeze({ kind: 'pending-control', initiatorIsClient: port.initiatorIsClient, implicitTls: port.implicitTls, closedBy: null });
    PENDING.set(port, pending);
  }
  return pending;
}

export class ControlChannels {
  /** Every session's builder options: one object for all (a capture may hold 100,000 sessions at once). */
  private readonly builderOptions: SessionBuilderOptions;

  constructor(private readonly options: ControlChannelsOptions) {
    const o = options;
    this.builderOptions = {
      showPasswords: o.showPasswords,
      maxPendingCommands: o.maxPendingCommands,
      maxCommands: o.maxCommands,
      commandBudget: o.commandBudget,
      maxOpenAnnouncements: o.maxOpenAnnouncements,
      onAnnounce: (t, s) => o.linker.expect(t, s),
      onForget: (t) => o.linker.forget(t),
      dataEnds: o.dataEnds,
      dataBytes: o.dataBytes,
      onWarning: o.onWarning,
      strings: new StringPool(),
    };
  }

  /** A control connection's session, parser and TLS. */
  start(conn: TcpConnection, initiatorIsClient: boolean, implicitTls: boolean): ControlRoute {
    const o = this.options;
    const client = initiatorIsClient ? conn.client : conn.server;
    const server = initiatorIsClient ? conn.server : conn.client;
    const session = newSession(conn.id, client, server, conn.start, conn.end, conn.midstream);
    const builder = new SessionBuilder(session, this.builderOptions);
    const tls = controlDecryptor(o.tlsSecrets, conn.id, initiatorIsClient, o.onWarning);
    const parser = new FtpControlParser((e) => builder.onEvent(e), { implicitTls, tls: tls.make, heldPool: o.heldPool, replyHolds: o.replyHolds });
    return { kind: 'control', builder, parser, initiatorIsClient, handshake: [], tls, tail: { c2s: newTail(), s2c: newTail() } };
  }

  /** The session of a pending control connection, made when it first carries bytes (or is listed empty). */
  materialize(conn: TcpConnection, pending: PendingControlRoute): ControlRoute {
    const route = this.start(conn, pending.initiatorIsClient, pending.implicitTls);
    const s = route.builder.session;
    s.closedBy = pending.closedBy;
    // The first SYN is not recorded while pending (it costs nothing until the connection matters).
    const byClient = pending.initiatorIsClient ? 'client' : 'server';
    if (conn.synFrames.length > 0) route.handshake.push({ type: 'syn', frame: conn.synFrames[0], time: conn.start, by: byClient });
    if (pending.handshake !== undefined) route.handshake.push(...pending.handshake);
    // Gaps reported before the first bytes (the chunk now arriving carries its own, already counted).
    // Bytes the snaplen cut off captured segments are the capture's setting: each segment's start,
    // where a line begins, is there; they are not lost stretches of the conversation.
    s.controlGapBytes = conn.gapBytes.c2s + conn.gapBytes.s2c - conn.cutBytes.c2s - conn.cutBytes.s2c;
    return route;
  }

  push(route: ControlRoute, chunk: StreamChunk): void {
    keepLastPair(route.tail[chunk.dir].segments, chunk.frame, chunk.streamOffset + chunk.bytes.length);
    route.builder.lastControlTime = chunk.time;
    const fromClient = (chunk.dir === 'c2s') === route.initiatorIsClient;
    if (fromClient) route.parser.pushClient(chunk);
    else route.parser.pushServer(chunk);
  }

  event(route: ControlRoute, event: ConnectionEvent): void {
    const s = route.builder.session;
    const byClient = (event.dir === 'c2s') === route.initiatorIsClient;
    recordHandshakeEvent(route.handshake, event, byClient);
    if (event.type === 'retransmission') keepLast(route.tail[event.dir].repeats, event.frame);
    if (event.type === 'gap' && event.bytes && event.bytes > (event.cut ?? 0)) {
      s.controlGapBytes += event.bytes - (event.cut ?? 0);
      s.controlGapFrame ??= event.frame;
      (route.lastGapFrame ??= {})[event.dir] = event.frame;
    }
    if ((event.type === 'fin' || event.type === 'rst') && s.closedBy === null) {
      s.closedBy = { by: byClient ? 'client' : 'server', frame: event.frame, time: event.time, how: event.type };
    }
  }

  /**
   * A pending connection's event: the route to keep (the shared one is copied before it
   * remembers a close or a failed connection's story).
   */
  pendingEvent(route: PendingControlRoute, event: ConnectionEvent): PendingControlRoute {
    const byClient = (event.dir === 'c2s') === route.initiatorIsClient;
    let current = route;
    if ((event.type === 'fin' || event.type === 'rst') && route.closedBy === null) {
      current = ownPending(route, { by: byClient ? 'client' : 'server', frame: event.frame, time: event.time, how: event.type }, route.handshake);
    }
    // A connection that never opens is told by its SYN retransmissions and the answer to them; one that
    // opens, by the handshake's last ACK too (SYN-ACK to ACK: the round trip toward the client as seen
    // here, round-trip.ts).
    if ((event.type === 'syn' && event.repeat) || event.type === 'syn-ack' || event.type === 'established' || event.type === 'rst' || event.type === 'icmp-error') {
      const handshake = current.handshake ?? [];
      recordHandshakeEvent(handshake, event, byClient);
      current = ownPending(current, current.closedBy, handshake);
    }
    return current;
  }

  /** The connection closed: the parser and session finish, and the session gets its connection's facts. */
  close(conn: TcpConnection, route: ControlRoute): void {
    route.parser.finish();
    route.builder.finish();
    const s = route.builder.session;
    if (route.tls.connection) {
      s.tlsDetails = route.tls.connection.facts;
      route.tls.connection.release();
    }
    s.end = Math.max(s.end, conn.end);
    s.close = conn.closed;
    const after = tlsEndCause(s);
    if (after !== undefined) s.tlsEndAfter = after;
    s.controlConnection = describeControl(conn, route);
    this.options.linker.forgetSession(s);
    // Lines from one side and not a single packet from the other: the capture holds one side only.
    const mine = route.initiatorIsClient ? 'c2s' : 's2c';
    const theirs = route.initiatorIsClient ? 's2c' : 'c2s';
    if (sentAny(conn, mine) && conn.packets[theirs] === 0) s.oneWay = 'client';
    else if (sentAny(conn, theirs) && conn.packets[mine] === 0) s.oneWay = 'server';
  }
}

/** Bytes sent in `dir`, captured or lost. */
function sentAny(conn: TcpConnection, dir: 'c2s' | 's2c'): boolean {
  return conn.bytes[dir] + conn.gapBytes[dir] > 0;
}

/** The control connection's TCP facts, in the FTP client's and server's terms. */
function describeControl(conn: TcpConnection, route: ControlRoute): ControlConnection {
  const byClient = (dir: 'c2s' | 's2c'): boolean => (dir === 'c2s') === route.initiatorIsClient;
  const described: ControlConnection = {
    established: conn.established,
    synFrames: [...conn.synFrames],
    synAckFrames: [...conn.synAckFrames],
    handshake: route.handshake,
    rst: conn.rst ? { frame: conn.rst.frame, by: byClient(conn.rst.dir) ? 'client' : 'server' } : null,
    icmpErrors: conn.icmpErrors.length === 0 ? NO_ITEMS : conn.icmpErrors.map((e) => ({ frame: e.frame, type: e.type, code: e.code, reporter: e.reporter })),
    unacknowledged: firstStuck(unacknowledgedTail(conn, route, 'c2s'), unacknowledgedTail(conn, route, 's2c')),
    hole: holeNeverFilled(conn, route, 'c2s') ?? holeNeverFilled(conn, route, 's2c'),
    forwardedCopies: conn.forwardedCopies,
    marks: connectionMarks(conn, route.initiatorIsClient ? 'c2s' : 's2c'),
  };
  // The rare facts added after, not spread in: a literal with spreads takes V8's slow path, once per session.
  if (conn.evicted !== undefined) described.evicted = conn.evicted;
  if (conn.resumes !== undefined) described.resumes = conn.resumes;
  if (described.rst !== null && conn.rst!.lostBefore !== undefined) described.rst.lostBefore = conn.rst!.lostBefore;
  if (described.rst !== null && conn.rst!.finLost === true) described.rst.finLost = true;
  if (described.rst !== null && conn.rst!.noConnection === true) described.rst.noConnection = true;
  if (conn.finUnseen !== undefined) described.finUnseen = route.initiatorIsClient ? bySide(conn.finUnseen, 'c2s', 's2c') : bySide(conn.finUnseen, 's2c', 'c2s');
  return described;
}

/**
 * When both sides' last segments went unacknowledged, the one sent first: where the connection
 * stopped getting through. A capture on the device that cut it (a router's tcpdump -i any) holds
 * both: the server's final reply arriving and never passed on, then, long after, the client's FIN
 * given up on the same way; the reply is what the transfer's story turns on.
 */
function firstStuck(
  c2s: ControlConnection['unacknowledged'],
  s2c: ControlConnection['unacknowledged'],
): ControlConnection['unacknowledged'] {
  if (c2s === null) return s2c;
  return s2c !== null && s2c.frame < c2s.frame ? s2c : c2s;
}

/** Repeats it takes, after the last acknowledgement, to call a side's last segments unacknowledged rather than late. */
const MIN_REPEATS = 2;

/**
 * A side's last bytes or FIN, sent again and again and never acknowledged to the capture's end
 * while the peer had acknowledged what came before: nothing that side sent got through any more.
 */
function unacknowledgedTail(conn: TcpConnection, route: ControlRoute, dir: 'c2s' | 's2c'): ControlConnection['unacknowledged'] {
  const acked = conn.ackedTo[dir];
  if (acked < 0) return null;
  const bytes = Math.max(0, conn.bytes[dir] + conn.gapBytes[dir] - acked);
  const finFrame = conn.finFrames[dir];
  const fin = finFrame !== undefined && !conn.finAcked[dir];
  if (bytes === 0 && !fin) return null;
  const repeats = route.tail[dir].repeats.filter((f) => f > conn.ackedFrame[dir]);
  if (repeats.length < MIN_REPEATS) return null;
  const first = bytes > 0 ? firstUnacknowledged(route.tail[dir].segments, acked) : finFrame;
  if (first === undefined) return null;
  const by = (dir === 'c2s') === route.initiatorIsClient ? 'client' : 'server';
  const sack = sackedBeyond(conn, dir);
  return sack === null ? { by, frame: first, repeats, bytes, fin } : { by, frame: first, repeats, bytes, fin, sackFrame: sack };
}

/** The peer's first SACK past its final cumulative acknowledgement in `dir`: it held later bytes (null: none). */
function sackedBeyond(conn: TcpConnection, dir: 'c2s' | 's2c'): number | null {
  const sack = conn.sackedPast[dir];
  return sack !== null && sack.to > conn.ackedTo[dir] ? sack.frame : null;
}

/** A hole in `dir` the receiver never acknowledged while it acknowledged later bytes selectively: they never arrived. */
function holeNeverFilled(conn: TcpConnection, route: ControlRoute, dir: 'c2s' | 's2c'): ControlConnection['hole'] {
  const frame = route.lastGapFrame?.[dir];
  const sack = sackedBeyond(conn, dir);
  if (conn.unackedGapBytes[dir] === 0 || frame === undefined || sack === null) return null;
  return { by: (dir === 'c2s') === route.initiatorIsClient ? 'client' : 'server', frame, bytes: conn.unackedGapBytes[dir], sackFrame: sack };
}

/** The frame of the first kept segment that ends past `acked`. */
function firstUnacknowledged(segments: number[], acked: number): number | undefined {
  for (let i = 0; i < segments.length; i += 2) if (segments[i + 1] > acked) return segments[i];
  return undefined;
}
