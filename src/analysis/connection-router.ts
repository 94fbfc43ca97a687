/**
 * Decides what each TCP connection is — an FTP control channel, the data connection of an announced
 * transfer, or something else — and routes its bytes accordingly. Control channels are found on
 * port 21 (990 for implicit FTPS) or by content: a 220 greeting from the responder or a
 * USER/AUTH line from the initiator, so FTP on other ports is found too.
 */
import { FtpControlParser } from '../ftp/control-parser.js';
import { looksLikeFtpClientStart, looksLikeFtpServerGreeting } from '../ftp/detect.js';
import type { ConnectionEvent, ReassemblyListener, StreamChunk, TcpConnection } from '../tcp/types.js';
import type { DataLinker, DataLink } from './data-linker.js';
import type { AnalysisWarning, HandshakeEvent, OtherConnection, Session, Transfer } from './model.js';
import { SessionBuilder } from './session-builder.js';
import { describeConnection, finishTransfer } from './transfer-outcome.js';

const FTP_PORT = 21;
const FTPS_IMPLICIT_PORT = 990;

export interface RouterOptions {
  showPasswords: boolean;
  maxPendingCommands: number;
  maxCommands: number;
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
}

interface ControlRoute {
  kind: 'control';
  builder: SessionBuilder;
  parser: FtpControlParser;
  /** True when the TCP initiator is the FTP client (c2s = client → server). */
  initiatorIsClient: boolean;
}
interface DataRoute {
  kind: 'data';
  link: DataLink;
  conn: TcpConnection;
  handshake: HandshakeEvent[];
  lastData: { frame: number; time: number } | null;
  longestSilence: { seconds: number; fromFrame: number; toFrame: number } | null;
}
/** Not on an FTP port: waiting for the first bytes to tell whether it speaks FTP. */
interface ProbeRoute {
  kind: 'probe';
}
type Route = ControlRoute | DataRoute | ProbeRoute;

export class ConnectionRouter implements ReassemblyListener {
  private readonly routes = new Map<TcpConnection, Route>();
  private readonly builders: SessionBuilder[] = [];
  private readonly dataLinks: DataRoute[] = [];
  /** Control sessions by their two hosts, to notice other connections between the same hosts. */
  private readonly sessionsByHosts = new Map<string, SessionBuilder[]>();
  private readonly otherConnections = new Map<SessionBuilder, TcpConnection[]>();

  constructor(private readonly options: RouterOptions) {}

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
      this.routes.set(conn, this.startControl(conn, serverSide === 'responder', implicit));
      return;
    }
    this.noteOtherConnection(conn);
    this.routes.set(conn, { kind: 'probe' });
  }

  /**
   * A connection between an FTP session's two hosts that no announcement explains: a data
   * connection whose announcement was encrypted (TLS) or rewritten, or unrelated traffic.
   */
  private noteOtherConnection(conn: TcpConnection): void {
    const builders = this.sessionsByHosts.get(hostPair(conn.client.ip, conn.server.ip));
    const builder = builders?.[builders.length - 1];
    if (!builder) return;
    let list = this.otherConnections.get(builder);
    if (!list) this.otherConnections.set(builder, (list = []));
    if (list.length < MAX_OTHER_CONNECTIONS) list.push(conn);
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
    const session: Session = {
      id: 0, // numbered by start once the capture is read
      stream: conn.id,
      client: { ...client },
      server: { ...server },
      start: conn.start,
      end: conn.end,
      user: null,
      loggedIn: false,
      loginAttempts: 0,
      tls: false,
      tlsMode: null,
      tlsFrame: null,
      dataProtection: null,
      greeting: null,
      midstream: conn.midstream,
      close: null,
      closedBy: null,
      cwd: null,
      renames: [],
      commands: [],
      transfers: [],
      opaqueBytes: { client: 0, server: 0 },
      controlGapBytes: 0,
      forgottenAnnouncements: 0,
      otherConnections: [],
      ttl: { client: null, server: null },
      warnings: [],
      natPeer: null,
      vantage: null,
      diagnosis: null,
    };
    const builder = new SessionBuilder(session, {
      showPasswords: this.options.showPasswords,
      maxPendingCommands: this.options.maxPendingCommands,
      maxCommands: this.options.maxCommands,
      maxOpenAnnouncements: this.options.maxOpenAnnouncements,
      onAnnounce: (t, s) => this.options.linker.expect(t, s),
      onForget: (t) => this.options.linker.forget(t),
      onWarning: this.options.onWarning,
    });
    const parser = new FtpControlParser((e) => builder.onEvent(e), { implicitTls });
    this.builders.push(builder);
    const pair = hostPair(client.ip, server.ip);
    const list = this.sessionsByHosts.get(pair);
    if (list) list.push(builder);
    else this.sessionsByHosts.set(pair, [builder]);
    return { kind: 'control', builder, parser, initiatorIsClient };
  }

  onData(conn: TcpConnection, chunk: StreamChunk): void {
    let route = this.routes.get(conn);
    if (!route) return;
    if (route.kind === 'data') {
      noteSilence(route, chunk);
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
    if (route.kind === 'probe') {
      const fromInitiator = chunk.dir === 'c2s';
      if (fromInitiator ? looksLikeFtpClientStart(chunk.bytes) : looksLikeFtpServerGreeting(chunk.bytes)) {
        route = this.startControl(conn, true, false);
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

  onEvent(conn: TcpConnection, event: ConnectionEvent): void {
    const route = this.routes.get(conn);
    if (route?.kind === 'data') {
      recordHandshake(route, event);
      return;
    }
    if (route?.kind !== 'control') return;
    const s = route.builder.session;
    if (event.type === 'gap' && event.bytes) s.controlGapBytes += event.bytes;
    if ((event.type === 'fin' || event.type === 'rst') && s.closedBy === null) {
      const byClient = (event.dir === 'c2s') === route.initiatorIsClient;
      s.closedBy = { by: byClient ? 'client' : 'server', frame: event.frame, time: event.time };
    }
  }

  onClose(conn: TcpConnection): void {
    const route = this.routes.get(conn);
    this.routes.delete(conn);
    if (route?.kind !== 'control') return;
    route.parser.finish();
    route.builder.finish();
    const s = route.builder.session;
    s.end = Math.max(s.end, conn.end);
    s.close = conn.closed;
    this.options.linker.forgetSession(s);
    const pair = hostPair(s.client.ip, s.server.ip);
    const list = this.sessionsByHosts.get(pair)?.filter((b) => b !== route.builder);
    if (list?.length) this.sessionsByHosts.set(pair, list);
    else this.sessionsByHosts.delete(pair);
  }

  /** End of capture: attach data connections, settle statuses, number sessions by start. */
  finish(): Session[] {
    for (const r of this.routes.values()) {
      if (r.kind === 'control') {
        r.parser.finish();
        r.builder.finish();
      }
    }
    for (const d of this.dataLinks) {
      d.link.transfer.connection = describeConnection(d.conn, d.link, d.handshake, d.lastData, d.longestSilence);
    }
    for (const [builder, conns] of this.otherConnections) {
      builder.session.otherConnections = conns.map(describeOther);
    }
    const sessions = this.builders
      .map((b) => b.session)
      .filter((s) => s.commands.length > 0 || s.midstream === false);
    sessions.sort((a, b) => a.stream - b.stream);
    sessions.forEach((s, i) => {
      s.id = i + 1;
      for (const t of s.transfers) {
        t.session = s.id;
        finishTransfer(t, s.close !== null);
      }
    });
    return sessions;
  }
}

const MAX_OTHER_CONNECTIONS = 64;

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
  if (!HANDSHAKE_TYPES.has(event.type) || route.handshake.length >= MAX_HANDSHAKE_EVENTS) return;
  const { transfer, swapped } = route.link;
  const fromInitiator = (event.dir === 'c2s') !== swapped;
  const initiatorIsClient = transfer.mode === 'passive';
  const byClient = fromInitiator === initiatorIsClient;
  const e: HandshakeEvent = {
    type: event.type as HandshakeEvent['type'],
    frame: event.frame,
    time: event.time,
    by: byClient ? 'client' : 'server',
  };
  if (event.repeat) e.repeat = true;
  route.handshake.push(e);
}
