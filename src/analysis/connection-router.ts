/**
 * Decides what each TCP connection is — an FTP control channel, the data connection of an announced
 * transfer, or something else — and routes its bytes accordingly. Control channels are found on
 * port 21 (990 for implicit FTPS) or by content: a 220 greeting from the responder or a
 * USER/AUTH line from the initiator, so FTP on other ports is found too.
 */
import { FtpControlParser } from '../ftp/control-parser.js';
import { looksLikeFtpClientStart, looksLikeFtpServerGreeting, looksLikeImplicitFtpsStart } from '../ftp/detect.js';
import type { ConnectionEvent, ReassemblyListener, StreamChunk, TcpConnection } from '../tcp/types.js';
import type { DataLinker, DataLink } from './data-linker.js';
import type { AnalysisWarning, ControlConnection, HandshakeEvent, OtherConnection, Session, Transfer } from './model.js';
import { newSession, SessionBuilder } from './session-builder.js';
import { describeConnection, finishTransfer } from './transfer-outcome.js';
import { inferHiddenTransfers, inferMidstreamTransfer } from './inferred-transfers.js';
import { TlsSecrets } from '../tls/connection.js';
import { TlsKeyLog } from '../tls/keylog.js';
import { controlDecryptor, DataTls, OtherTls, type ControlTls } from './tls-routes.js';
import { ImplicitFtpsGuesses } from './implicit-ftps.js';

const FTP_PORT = 21;
const FTPS_IMPLICIT_PORT = 990;

export interface RouterOptions {
  showPasswords: boolean;
  maxPendingCommands: number;
  maxCommands: number;
  /**
   * Commands kept over the whole capture (all sessions together); later ones are counted for
   * reply pairing only, reported once. Infinity: no capture-wide bound.
   */
  maxCommandsTotal?: number;
  /** Closed control connections without any FTP line listed as sessions; later ones are counted. */
  maxEmptySessions?: number;
  /**
   * Sessions kept (listed, with their commands and transfers) over the whole capture; a session
   * that closes past it is only counted (reported once). Infinity: no bound.
   */
  maxSessions?: number;
  maxOpenAnnouncements: number;
  linker: DataLinker;
  onWarning(w: AnalysisWarning): void;
  /** Receives the payload of linked data connections (views, valid only during the call). */
  onTransferData?(transfer: Transfer, chunk: StreamChunk, toServer: boolean): void;
  /**
   * onTransferData reads every transfer's bytes (extraction). When false, only listings' bytes
   * are read: a file transfer's are only counted, and the reassembler need not copy them.
   */
  readsAllTransferData?: boolean;
  /** TLS secrets (key logs, pcapng secrets blocks): FTPS is decrypted with them (src/tls). */
  tlsSecrets?: TlsSecrets;
}

interface ControlRoute {
  kind: 'control';
  builder: SessionBuilder;
  parser: FtpControlParser;
  /** True when the TCP initiator is the FTP client (c2s = client → server). */
  initiatorIsClient: boolean;
  handshake: HandshakeEvent[];
  /** The control connection's TLS, once it started. */
  tls: ControlTls;
}
interface DataRoute {
  kind: 'data';
  link: DataLink;
  conn: TcpConnection;
  handshake: HandshakeEvent[];
  lastData: { frame: number; time: number } | null;
  longestSilence: { seconds: number; fromFrame: number; toFrame: number } | null;
  /** PROT P: the data connection's TLS (decided on its first bytes; null when clear). */
  tls?: DataTls | null;
}
/**
 * On an FTP port, nothing carried yet: the session (builder, parser, model) is made on the first
 * bytes, so a flood of connections that never speak costs this small object each (shared until a
 * FIN or RST must be remembered).
 */
interface PendingControlRoute {
  kind: 'pending-control';
  initiatorIsClient: boolean;
  implicitTls: boolean;
  closedBy: Session['closedBy'];
  /** Retransmitted SYNs and ICMP errors (a failed connection's story); the first SYN is the connection's start. */
  handshake?: HandshakeEvent[];
}
/** Not on an FTP port: waiting for the first bytes to tell whether it speaks FTP. */
interface ProbeRoute {
  kind: 'probe';
}
type Route = ControlRoute | DataRoute | ProbeRoute | PendingControlRoute;

/** One shared object per kind of route that holds nothing of its own. */
const PROBE: ProbeRoute = Object.freeze({ kind: 'probe' });
const PENDING: Record<string, PendingControlRoute> = {};
for (const initiatorIsClient of [true, false]) {
  for (const implicitTls of [true, false]) {
    PENDING[`${initiatorIsClient}${implicitTls}`] = Object.freeze({ kind: 'pending-control', initiatorIsClient, implicitTls, closedBy: null });
  }
}

export class ConnectionRouter implements ReassemblyListener {
  private readonly routes = new Map<TcpConnection, Route>();
  /**
   * Every control session, in order of creation (a Set: dropped empty sessions leave in O(1)).
   * Only the model is kept: a closed session's builder and parser are released.
   */
  private readonly sessions = new Set<Session>();
  /** Commands the sessions may still keep (capture-wide bound), shared by every builder. */
  private readonly commandBudget: { left: number; onExhausted(frame: number): void };
  private commandBudgetFrame: number | null = null;
  /** Closed control connections that carried no FTP line: kept up to MAX_EMPTY_SESSIONS, then counted. */
  private emptySessions = 0;
  private firstDroppedEmpty: number | null = null;
  /** First frame of each session the capture saw only partly (mid-stream, one side only). */
  private readonly partial = new Map<Session, number>();
  private readonly dataLinks: DataRoute[] = [];
  /**
   * Open control sessions by their two hosts, to notice other connections between the same hosts.
   * Closed ones leave lazily (skipped, then dropped once they are half of a list): a flood of
   * connections between two hosts must not cost a pass over the list per close.
   */
  private readonly sessionsByHosts = new Map<string, { builders: SessionBuilder[]; closed: number }>();
  private readonly closedBuilders = new WeakSet<SessionBuilder>();
  private readonly otherConnections = new Map<SessionBuilder, TcpConnection[]>();
  private readonly midstreamOthers: TcpConnection[] = [];

  private readonly maxEmptySessions: number;
  private readonly tlsSecrets: TlsSecrets;
  private readonly otherTls: OtherTls;
  /** Sessions closed past options.maxSessions (only counted), and the first one's first frame. */
  private sessionsDropped = 0;
  /** Sessions started on a ClientHello off port 990 (implicit FTPS by content), kept only when confirmed. */
  private readonly implicitGuesses = new ImplicitFtpsGuesses();
  private firstDroppedSession: number | null = null;

  constructor(private readonly options: RouterOptions) {
    this.maxEmptySessions = options.maxEmptySessions ?? MAX_EMPTY_SESSIONS;
    this.tlsSecrets = options.tlsSecrets ?? new TlsSecrets(new TlsKeyLog());
    this.otherTls = new OtherTls(this.tlsSecrets, options.onWarning);
    this.commandBudget = {
      left: options.maxCommandsTotal ?? Infinity,
      onExhausted: (frame) => {
        this.commandBudgetFrame ??= frame;
      },
    };
  }

  onOpen(conn: TcpConnection): void {
    const link = this.options.linker.link({ initiator: conn.client, responder: conn.server, midstream: conn.midstream });
    if (link) {
      const route: DataRoute = { kind: 'data', link, conn, handshake: [], lastData: null, longestSilence: null };
      this.routes.set(conn, route);
      this.dataLinks.push(route);
      return;
    }
    const serverSide = this.controlServerSide(conn);
    if (serverSide !== null) {
      const implicit = (serverSide === 'responder' ? conn.server.port : conn.client.port) === FTPS_IMPLICIT_PORT;
      this.routes.set(conn, PENDING[`${serverSide === 'responder'}${implicit}`]);
      return;
    }
    if (!this.implicitGuesses.serves(conn.server)) this.noteOtherConnection(conn);
    // Running before the capture began: perhaps the transfer of a session whose command it missed.
    if (conn.midstream && this.midstreamOthers.length < MAX_MIDSTREAM_OTHERS) this.midstreamOthers.push(conn);
    this.routes.set(conn, PROBE);
  }

  /**
   * A connection between an FTP session's two hosts that no announcement explains: a data
   * connection whose announcement was encrypted (TLS) or rewritten, or unrelated traffic.
   */
  private noteOtherConnection(conn: TcpConnection): void {
    const builders = this.sessionsByHosts.get(hostPair(conn.client.ip, conn.server.ip))?.builders;
    let builder: SessionBuilder | undefined;
    for (let i = (builders?.length ?? 0) - 1; i >= 0 && builder === undefined; i--) {
      if (!this.closedBuilders.has(builders![i])) builder = builders![i];
    }
    if (!builder) return;
    let list = this.otherConnections.get(builder);
    if (!list) this.otherConnections.set(builder, (list = []));
    if (list.length < MAX_OTHER_CONNECTIONS) {
      list.push(conn);
      if (builder.session.tls) this.otherTls.note(conn);
    }
  }

  /** Which side of a connection is an FTP server by port, or null when neither is. */
  private controlServerSide(conn: TcpConnection): 'responder' | 'initiator' | null {
    const isFtpPort = (p: number): boolean => p === FTP_PORT || p === FTPS_IMPLICIT_PORT;
    if (isFtpPort(conn.server.port)) return 'responder';
    // Mid-stream guesses can get the orientation wrong; the port tells.
    if (isFtpPort(conn.client.port) && conn.midstream) return 'initiator';
    return null;
  }

  private startControl(conn: TcpConnection, initiatorIsClient: boolean, implicitTls: boolean): ControlRoute {
    const client = initiatorIsClient ? conn.client : conn.server;
    const server = initiatorIsClient ? conn.server : conn.client;
    const session = newSession(conn.id, client, server, conn.start, conn.end, conn.midstream);
    const builder = new SessionBuilder(session, {
      showPasswords: this.options.showPasswords,
      maxPendingCommands: this.options.maxPendingCommands,
      maxCommands: this.options.maxCommands,
      commandBudget: this.commandBudget,
      maxOpenAnnouncements: this.options.maxOpenAnnouncements,
      onAnnounce: (t, s) => this.options.linker.expect(t, s),
      onForget: (t) => this.options.linker.forget(t),
      onWarning: this.options.onWarning,
    });
    const tls = controlDecryptor(this.tlsSecrets, conn.id, initiatorIsClient, this.options.onWarning);
    const parser = new FtpControlParser((e) => builder.onEvent(e), { implicitTls, tls: tls.make });
    this.sessions.add(session);
    const pair = hostPair(client.ip, server.ip);
    const entry = this.sessionsByHosts.get(pair);
    if (entry) entry.builders.push(builder);
    else this.sessionsByHosts.set(pair, { builders: [builder], closed: 0 });
    return { kind: 'control', builder, parser, initiatorIsClient, handshake: [], tls };
  }

  onData(conn: TcpConnection, chunk: StreamChunk): void {
    let route = this.routes.get(conn);
    if (!route) return;
    if (route.kind === 'data') {
      noteSilence(route, chunk);
      // PROT P: the TLS layer reads the chunk and hands on the decrypted bytes (tls-routes.ts).
      if (route.tls === undefined) route.tls = DataTls.detect(this.tlsSecrets, route.link, conn, chunk, this.options.onWarning);
      if (route.tls) {
        route.tls.push(chunk, this.options.onTransferData);
        return;
      }
      const sink = this.options.onTransferData;
      if (sink) {
        const { transfer, swapped } = route.link;
        if (!this.options.readsAllTransferData && transfer.request !== null && transfer.direction !== 'listing') {
          conn.bytesUnread = true;
        }
        // The responder is the announced side: the client in active mode, the server in passive.
        const fromInitiator = (chunk.dir === 'c2s') !== swapped;
        const toServer = transfer.mode === 'passive' ? fromInitiator : !fromInitiator;
        sink(transfer, chunk, toServer);
      }
      return;
    }
    if (route.kind === 'pending-control') {
      route = this.materialize(conn, route);
    } else if (route.kind === 'probe') {
      // TLS beside an FTPS session (a data connection whose announcement TLS hid): its handshake is read.
      if (this.otherTls.take(conn, chunk)) return;
      const fromInitiator = chunk.dir === 'c2s';
      if (fromInitiator ? looksLikeFtpClientStart(chunk.bytes) : looksLikeFtpServerGreeting(chunk.bytes)) {
        route = this.startControl(conn, true, false);
        this.routes.set(conn, route);
      } else if (fromInitiator && !conn.midstream && looksLikeImplicitFtpsStart(chunk.bytes, conn.server.port)) {
        // Implicit FTPS off port 990: a guess, confirmed or dropped in finish().
        route = this.startControl(conn, true, true);
        this.implicitGuesses.add(route.builder.session);
        this.routes.set(conn, route);
      } else if (!fromInitiator && looksLikeFtpClientStart(chunk.bytes) && conn.midstream) {
        route = this.startControl(conn, false, false);
        this.routes.set(conn, route);
      } else {
        // The first bytes are not FTP: stop looking at this connection.
        this.routes.delete(conn);
        conn.bytesUnread = true;
        return;
      }
    }
    if (route.kind !== 'control') return;
    const fromClient = (chunk.dir === 'c2s') === route.initiatorIsClient;
    if (fromClient) route.parser.pushClient(chunk);
    else route.parser.pushServer(chunk);
  }

  /** The session of a control connection, made when it first carries bytes (or is listed empty). */
  private materialize(conn: TcpConnection, pending: PendingControlRoute): ControlRoute {
    const route = this.startControl(conn, pending.initiatorIsClient, pending.implicitTls);
    const s = route.builder.session;
    s.closedBy = pending.closedBy;
    // The first SYN is not recorded while pending (it costs nothing until the connection matters).
    const byClient = pending.initiatorIsClient ? 'client' : 'server';
    if (conn.synFrames.length > 0) route.handshake.push({ type: 'syn', frame: conn.synFrames[0], time: conn.start, by: byClient });
    route.handshake.push(...(pending.handshake ?? []));
    // Gaps reported before the first bytes (the chunk now arriving carries its own, already counted).
    s.controlGapBytes = conn.gapBytes.c2s + conn.gapBytes.s2c;
    this.routes.set(conn, route);
    return route;
  }

  onEvent(conn: TcpConnection, event: ConnectionEvent): void {
    const route = this.routes.get(conn);
    if (route?.kind === 'data') {
      recordHandshake(route, event);
      return;
    }
    if (route?.kind === 'pending-control') {
      const byClient = (event.dir === 'c2s') === route.initiatorIsClient;
      if ((event.type === 'fin' || event.type === 'rst') && route.closedBy === null) {
        const closedBy = { by: byClient ? ('client' as const) : ('server' as const), frame: event.frame, time: event.time };
        this.routes.set(conn, { ...route, closedBy });
      }
      // A connection that never opens is told by its SYN retransmissions and the answer to them.
      if ((event.type === 'syn' && event.repeat) || event.type === 'syn-ack' || event.type === 'rst' || event.type === 'icmp-error') {
        const current = this.routes.get(conn) as PendingControlRoute;
        const own = current === route && Object.isFrozen(route) ? { ...route, handshake: [] } : { ...current, handshake: current.handshake ?? [] };
        recordHandshakeEvent(own.handshake, event, byClient);
        this.routes.set(conn, own);
      }
      return;
    }
    if (route?.kind !== 'control') return;
    const s = route.builder.session;
    recordHandshakeEvent(route.handshake, event, (event.dir === 'c2s') === route.initiatorIsClient);
    if (event.type === 'gap' && event.bytes) s.controlGapBytes += event.bytes;
    if ((event.type === 'fin' || event.type === 'rst') && s.closedBy === null) {
      const byClient = (event.dir === 'c2s') === route.initiatorIsClient;
      s.closedBy = { by: byClient ? 'client' : 'server', frame: event.frame, time: event.time };
    }
  }

  onClose(conn: TcpConnection): void {
    let route = this.routes.get(conn);
    this.routes.delete(conn);
    if (route?.kind === 'pending-control') {
      // No FTP line (no byte at all): listed as a session up to the bound, never when mid-stream.
      if (conn.midstream) return;
      if (++this.emptySessions > this.maxEmptySessions) {
        this.firstDroppedEmpty ??= conn.firstFrame;
        return;
      }
      route = this.materialize(conn, route);
      this.routes.delete(conn);
      this.closeControl(conn, route, true);
      return;
    }
    if (route?.kind !== 'control') return;
    this.closeControl(conn, route, false);
  }

  private closeControl(conn: TcpConnection, route: ControlRoute, counted: boolean): void {
    route.parser.finish();
    route.builder.finish();
    const s = route.builder.session;
    if (route.tls.connection) s.tlsDetails = route.tls.connection.facts;
    s.end = Math.max(s.end, conn.end);
    s.close = conn.closed;
    s.controlConnection = describeControl(conn, route);
    this.options.linker.forgetSession(s);
    // Lines from one side and not a single packet from the other: the capture holds one side only.
    const [mine, theirs] = route.initiatorIsClient ? (['c2s', 's2c'] as const) : (['s2c', 'c2s'] as const);
    const sent = (d: 'c2s' | 's2c'): boolean => conn.bytes[d] + conn.gapBytes[d] > 0;
    if (sent(mine) && conn.packets[theirs] === 0) s.oneWay = 'client';
    else if (sent(theirs) && conn.packets[mine] === 0) s.oneWay = 'server';
    if (s.midstream || s.oneWay) this.partial.set(s, conn.firstFrame);
    const pair = hostPair(s.client.ip, s.server.ip);
    const entry = this.sessionsByHosts.get(pair);
    if (entry && !this.closedBuilders.has(route.builder)) {
      this.closedBuilders.add(route.builder);
      if (++entry.closed * 2 >= entry.builders.length) {
        entry.builders = entry.builders.filter((b) => !this.closedBuilders.has(b));
        entry.closed = 0;
        if (entry.builders.length === 0) this.sessionsByHosts.delete(pair);
      }
    }
    // A flood of connections to port 21 (a scan, SYNs that were never answered) must not grow the
    // session list without bound: past the bound, ones that carried no FTP line are only counted.
    if (!counted && s.commands.length === 0 && route.builder.droppedCommands === 0) {
      // Mid-stream ones without a line are never listed (see finish); the others up to the bound.
      const drop = s.midstream || ++this.emptySessions > this.maxEmptySessions;
      if (drop) {
        this.sessions.delete(s);
        this.otherConnections.delete(route.builder);
        if (!s.midstream) this.firstDroppedEmpty ??= conn.firstFrame;
        this.partial.delete(s);
        return;
      }
    }
    // Past the bound on kept sessions, a closed one is only counted: its model is let go.
    if (this.sessions.size > (this.options.maxSessions ?? Infinity) && this.sessions.has(s)) {
      this.sessions.delete(s);
      this.otherConnections.delete(route.builder);
      this.partial.delete(s);
      this.sessionsDropped++;
      this.firstDroppedSession ??= conn.firstFrame;
    }
  }

  /** End of capture: attach data connections, settle statuses, number sessions by start. */
  finish(): Session[] {
    // The reassembler's finish() has closed every connection (onClose) before this runs.
    for (const d of this.dataLinks) {
      d.link.transfer.connection = describeConnection(d.conn, d.link, d.handshake, d.lastData, d.longestSilence);
      if (d.tls) d.tls.describe(d.link.transfer.connection);
    }
    for (const [builder, conns] of this.otherConnections) {
      builder.session.otherConnections = conns.map(describeOther);
      inferHiddenTransfers(builder.session, conns);
      this.attachOtherTls(builder.session, conns);
    }
    this.attachMidstreamTransfers();
    for (const s of this.implicitGuesses.unconfirmed()) this.sessions.delete(s);
    if (this.commandBudgetFrame !== null) {
      this.options.onWarning({
        code: 'ftp-commands-total',
        message:
          `more than ${this.options.maxCommandsTotal} commands in the capture's sessions together: ` +
          'later ones are counted, not kept (their replies are consumed in order so pairing stays right)',
        frame: this.commandBudgetFrame,
      });
    }
    if (this.firstDroppedSession !== null) {
      this.options.onWarning({
        code: 'ftp-sessions-limit',
        message:
          `more than ${this.options.maxSessions} FTP sessions: ${this.sessionsDropped} that closed after the bound ` +
          'was reached are counted, not listed (nor their transfers)',
        frame: this.firstDroppedSession,
      });
    }
    if (this.firstDroppedEmpty !== null) {
      const dropped = this.emptySessions - this.maxEmptySessions;
      this.options.onWarning({
        code: 'ftp-empty-sessions',
        message:
          `${this.emptySessions} connections to an FTP port carried no FTP line (a scan, unanswered or idle ` +
          `connections): the first ${this.maxEmptySessions} are listed as sessions, ${dropped} more only counted`,
        frame: this.firstDroppedEmpty,
      });
    }
    const sessions = [...this.sessions].filter((s) => s.commands.length > 0 || s.midstream === false);
    sessions.sort((a, b) => a.stream - b.stream);
    sessions.forEach((s, i) => {
      s.id = i + 1;
      for (const t of s.transfers) {
        t.session = s.id;
        finishTransfer(t);
      }
    });
    this.warnPartial(sessions);
    return sessions;
  }

  /** What the TLS of the session's other connections showed, on them and on the transfers inferred from them. */
  private attachOtherTls(s: Session, conns: TcpConnection[]): void {
    conns.forEach((c, i) => {
      const tls = this.otherTls.facts(c);
      if (!tls) return;
      s.otherConnections[i].tls = tls;
      for (const t of s.transfers) if (t.inferred && t.connection?.stream === c.id) t.connection.tls = tls;
    });
  }

  /** Connections that were carrying data when the capture began, given to the session between their hosts. */
  private attachMidstreamTransfers(): void {
    if (this.midstreamOthers.length === 0) return;
    const byHosts = new Map<string, Session>();
    for (const s of this.sessions) if (!byHosts.has(hostPair(s.client.ip, s.server.ip))) byHosts.set(hostPair(s.client.ip, s.server.ip), s);
    for (const c of this.midstreamOthers) {
      const s = byHosts.get(hostPair(c.client.ip, c.server.ip));
      if (s) inferMidstreamTransfer(s, c);
    }
  }

  /** Sessions the capture saw only partly: said once per kind, naming them and the first's first frame. */
  private warnPartial(sessions: Session[]): void {
    const names = (list: Session[], what: (s: Session) => string): string =>
      list.slice(0, 10).map(what).join(', ') + (list.length > 10 ? `, … (${list.length - 10} more)` : '');
    const mid = sessions.filter((s) => s.midstream && this.partial.has(s));
    if (mid.length > 0) {
      this.options.onWarning({
        code: 'midstream-sessions',
        message:
          `${mid.length} session(s) began before the capture did (mid-stream): ${names(mid, (s) => `session ${s.id}`)}; ` +
          'their logins and the commands before the capture are not in it',
        frame: this.partial.get(mid[0]),
      });
    }
    const oneWay = sessions.filter((s) => s.oneWay !== undefined && this.partial.has(s));
    if (oneWay.length > 0) {
      this.options.onWarning({
        code: 'one-way-sessions',
        message:
          `${oneWay.length} session(s) with one side's packets only: ${names(oneWay, (s) => `session ${s.id} (${s.oneWay} only)`)}; ` +
          "the other side's lines are not in the capture, so logins, replies, transfer modes and outcomes are unknown or guessed",
        frame: this.partial.get(oneWay[0]),
      });
    }
  }
}

const MAX_OTHER_CONNECTIONS = 64;
/** Connections already running when the capture began, remembered to find a missed transfer among them. */
const MAX_MIDSTREAM_OTHERS = 1024;
/** Default of RouterOptions.maxEmptySessions. */
const MAX_EMPTY_SESSIONS = 1000;

const hostPair = (a: string, b: string): string => (a < b ? `${a}|${b}` : `${b}|${a}`);

function describeOther(c: TcpConnection): OtherConnection {
  return {
    stream: c.id,
    from: { ...c.client },
    to: { ...c.server },
    synFrame: c.synFrames[0] ?? null,
    established: c.established,
    bytesFrom: c.bytes.c2s,
    bytesTo: c.bytes.s2c,
    start: c.start,
    end: c.end,
    close: c.closed,
  };
}

/** A stalled transfer shows as a long pause between payload-carrying segments. */
function noteSilence(route: DataRoute, chunk: StreamChunk): void {
  if (chunk.bytes.length === 0) return;
  const last = route.lastData;
  if (last) {
    const gap = chunk.time - last.time;
    if (gap > (route.longestSilence?.seconds ?? 0)) {
      route.longestSilence = { seconds: gap, fromFrame: last.frame, toFrame: chunk.frame };
    }
  }
  // Updated in place: this runs for every data segment of every transfer.
  if (last) {
    last.frame = chunk.frame;
    last.time = chunk.time;
  } else {
    route.lastData = { frame: chunk.frame, time: chunk.time };
  }
}

const HANDSHAKE_TYPES = new Set(['syn', 'syn-ack', 'established', 'rst', 'fin', 'icmp-error']);
const MAX_HANDSHAKE_EVENTS = 32;

/** Keep the packets that tell how a data connection opened (or failed to) and closed. */
function recordHandshake(route: DataRoute, event: ConnectionEvent): void {
  const { transfer, swapped } = route.link;
  const fromInitiator = (event.dir === 'c2s') !== swapped;
  const initiatorIsClient = transfer.mode === 'passive';
  recordHandshakeEvent(route.handshake, event, fromInitiator === initiatorIsClient);
}

function recordHandshakeEvent(list: HandshakeEvent[], event: ConnectionEvent, byClient: boolean): void {
  if (!HANDSHAKE_TYPES.has(event.type) || list.length >= MAX_HANDSHAKE_EVENTS) return;
  const e: HandshakeEvent = {
    type: event.type as HandshakeEvent['type'],
    frame: event.frame,
    time: event.time,
    by: byClient ? 'client' : 'server',
  };
  if (event.repeat) e.repeat = true;
  list.push(e);
}

/** The control connection's TCP facts, in the FTP client's and server's terms. */
function describeControl(conn: TcpConnection, route: ControlRoute): ControlConnection {
  const byClient = (dir: 'c2s' | 's2c'): boolean => (dir === 'c2s') === route.initiatorIsClient;
  return {
    established: conn.established,
    synFrames: [...conn.synFrames],
    synAckFrames: [...conn.synAckFrames],
    handshake: route.handshake,
    rst: conn.rst ? { frame: conn.rst.frame, by: byClient(conn.rst.dir) ? 'client' : 'server' } : null,
    icmpErrors: conn.icmpErrors.map((e) => ({ frame: e.frame, type: e.type, code: e.code, reporter: e.reporter })),
  };
}
