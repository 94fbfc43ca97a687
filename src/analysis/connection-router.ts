/**
 * Routes each TCP connection's bytes and events by what it is (connection-kind.ts): an FTP
 * control channel (control-channels.ts), the data connection of an announced transfer
 * (data-connections.ts), or something else (other-connections.ts); the bounds on sessions are
 * session-registry.ts's. This module only keeps the route of each open connection.
 */
import type { HeldPool } from '../tcp/held-pool.js';
import type { ReplyHolds } from '../ftp/reply-holds.js';
import type { Warning } from '../warnings/catalog.js';
import type { ChunkAnswer, ConnectionEvent, ReassemblyListener, StreamChunk, TcpConnection } from '../tcp/types.js';
import { TlsSecrets } from '../tls/connection.js';
import { TlsKeyLog } from '../tls/keylog.js';
import { classifyNew, ftpClientByContent } from './connection-kind.js';
import { ControlChannels, pendingControl, type ControlRoute, type PendingControlRoute } from './control-channels.js';
import { DataConnections, type DataConnectionsOptions, type DataRoute } from './data-connections.js';
import type { DataLinker } from './data-linker.js';
import type { Session } from './model.js';
import { OtherConnections } from './other-connections.js';
import { looksLikeImplicitFtpsStart } from '../ftp/detect.js';
import { ImplicitFtpsGuesses } from './implicit-ftps.js';
import { inferLostCommands } from './inferred-transfers.js';
import { SessionRegistry, type SessionLimits } from './session-registry.js';

/** Connections whose payload a reader asked for by number (AnalyzeOptions.connectionData). */
export interface ConnectionData {
  streams: ReadonlySet<number>;
  onData(stream: number, chunk: StreamChunk): void;
}

export interface RouterOptions extends SessionLimits, Omit<DataConnectionsOptions, 'tlsSecrets'> {
  showPasswords: boolean;
  maxPendingCommands: number;
  maxCommands: number;
  maxOpenAnnouncements: number;
  /** Bytes held waiting for their end in all connections together (memory-budget.ts: heldPool). */
  heldPool?: HeldPool;
  /** The capture's control parsers holding replies for client bytes still to come (ftp/reply-holds.ts). */
  replyHolds?: ReplyHolds;
  linker: DataLinker;
  onWarning(w: Warning): void;
  /** TLS secrets (key logs, pcapng secrets blocks): FTPS is decrypted with them (src/tls). */
  tlsSecrets?: TlsSecrets;
  connectionData?: ConnectionData;
}

/** Not on an FTP port: waiting for the first bytes to tell whether it speaks FTP. */
interface ProbeRoute {
  kind: 'probe';
}
/** A connection asked for by number: its payload goes to the reader, nothing else reads it. */
interface AskedRoute {
  kind: 'asked';
}
/** Not FTP, perhaps the data connection of a transfer announced before the capture: only its data's timing is kept (OtherConnections.timesData). */
interface TimedRoute {
  kind: 'timed';
}
type Route = ControlRoute | DataRoute | ProbeRoute | PendingControlRoute | AskedRoute | TimedRoute;

/** One shared object: a probed connection holds nothing of its own. */
const PROBE: ProbeRoute = Object.freeze({ kind: 'probe' });
const ASKED: AskedRoute = Object.freeze({ kind: 'asked' });
const TIMED: TimedRoute = Object.freeze({ kind: 'timed' });

/**
 * Each open connection's route, kept on the connection itself (TcpConnection.listenerNote): a Map
 * from connection to route was looked up for every chunk and event (a tenth of the control path's
 * time on ftp-100k). Only this module writes the note; it is cleared when the connection closes.
 */
const routes = {
  get: (conn: TcpConnection): Route | undefined => conn.listenerNote as Route | undefined,
  set: (conn: TcpConnection, route: Route): void => {
    conn.listenerNote = route;
  },
  delete: (conn: TcpConnection): void => {
    conn.listenerNote = undefined;
  },
};

export class ConnectionRouter implements ReassemblyListener {
  private readonly routes = routes;
  private readonly registry: SessionRegistry;
  private readonly control: ControlChannels;
  private readonly data: DataConnections;
  private readonly others: OtherConnections;
  private readonly linker: DataLinker;
  /** Sessions started on a ClientHello off port 990 (implicit FTPS by content), kept only when confirmed. */
  private readonly implicitGuesses = new ImplicitFtpsGuesses();
  private readonly connectionData: ConnectionData | undefined;

  constructor(options: RouterOptions) {
    const tlsSecrets = options.tlsSecrets ?? new TlsSecrets(new TlsKeyLog());
    this.registry = new SessionRegistry(options, options.onWarning);
    this.data = new DataConnections({ ...options, tlsSecrets });
    const data = this.data;
    this.control = new ControlChannels({ ...options, tlsSecrets, commandBudget: this.registry.commandBudget, dataEnds: (t) => data.endsOf(t), dataBytes: (t) => data.bytesOf(t) });
    this.others = new OtherConnections(tlsSecrets, options.onWarning);
    this.linker = options.linker;
    this.connectionData = options.connectionData;
  }

  onOpen(conn: TcpConnection): void {
    if (this.connectionData?.streams.has(conn.id)) {
      this.routes.set(conn, ASKED);
      return;
    }
    const kind = classifyNew(conn, this.linker);
    if (kind === null) {
      // A further connection to an endpoint taken for implicit FTPS is a control connection too.
      if (!this.implicitGuesses.serves(conn.server)) this.others.note(conn);
      this.routes.set(conn, PROBE);
    } else if (kind.kind === 'data') {
      this.routes.set(conn, this.data.open(conn, kind.link));
    } else {
      this.routes.set(conn, pendingControl(kind));
    }
  }

  onData(conn: TcpConnection, chunk: StreamChunk): ChunkAnswer {
    let route = this.routes.get(conn);
    if (!route) return;
    if (route.kind === 'data') return this.data.push(route, chunk);
    if (route.kind === 'timed') {
      this.others.data(conn, chunk);
      return 'count-only';
    }
    if (route.kind === 'asked') {
      this.connectionData!.onData(conn.id, chunk);
      return;
    }
    if (route.kind === 'pending-control') {
      route = this.openControl(conn, this.control.materialize(conn, route));
    } else if (route.kind === 'probe') {
      const data = this.lateData(conn);
      if (data !== null) return this.data.push(data, chunk);
      // TLS beside an FTPS session (a data connection whose announcement TLS hid): its record headers are
      // read (so its bytes are kept: a segment held out of order would otherwise come as zeros).
      if (this.others.take(conn, chunk)) return;
      const initiatorIsClient = ftpClientByContent(conn, chunk);
      if (initiatorIsClient !== null) {
        route = this.openControl(conn, this.control.start(conn, initiatorIsClient, false));
      } else if (chunk.dir === 'c2s' && !conn.midstream && looksLikeImplicitFtpsStart(chunk.bytes, conn.server.port)) {
        // Implicit FTPS off port 990: a guess, confirmed or dropped in finish().
        route = this.openControl(conn, this.control.start(conn, true, true));
        this.implicitGuesses.add(route.builder.session);
      } else {
        // The first bytes are not FTP: stop looking at this connection, but for the timing of the data
        // of one whose SYN came before the capture (the data connection of a transfer announced before it).
        if (this.others.timesData(conn)) {
          this.routes.set(conn, TIMED);
          this.others.data(conn, chunk);
        } else this.routes.delete(conn);
        return 'count-only';
      }
    }
    this.control.push(route, chunk);
  }

  /**
   * A connection that matched no announcement when it opened, whose endpoint has been announced since
   * (DataLinker.linkLate: the capture wrote its SYN before the 227 it answers): that transfer's data
   * connection from now on, with the events kept for it. Null otherwise.
   */
  private lateData(conn: TcpConnection): DataRoute | null {
    if (conn.midstream || !this.linker.waiting) return null;
    const link = this.linker.linkLate({ initiator: conn.client, responder: conn.server, midstream: false }, conn.start);
    if (link === null) return null;
    const data = this.data.open(conn, link);
    for (const e of this.others.release(conn)) this.data.event(data, e);
    this.routes.set(conn, data);
    return data;
  }

  /** A control connection's session joins the capture's (and its hosts' list). */
  private openControl(conn: TcpConnection, route: ControlRoute): ControlRoute {
    this.registry.add(route.builder.session);
    this.others.sessionOpened(route.builder);
    this.routes.set(conn, route);
    return route;
  }

  onEvent(conn: TcpConnection, event: ConnectionEvent): void {
    const route = this.routes.get(conn);
    if (route?.kind === 'asked') return;
    if (route === undefined || route.kind === 'probe' || route.kind === 'timed') {
      this.others.event(conn, event);
      // Its kept events, this one with them, go to the data route it turns out to be.
      if (route?.kind === 'probe') this.lateData(conn);
      return;
    }
    if (route.kind === 'data') this.data.event(route, event);
    else if (route.kind === 'control') this.control.event(route, event);
    else {
      const next = this.control.pendingEvent(route, event);
      if (next !== route) this.routes.set(conn, next);
    }
  }

  onClose(conn: TcpConnection): void {
    const route = this.routes.get(conn);
    this.routes.delete(conn);
    // A data connection that never carried a byte (its SYN unanswered, or reset), announced after it opened.
    if (route?.kind === 'probe' && this.lateData(conn) !== null) this.routes.delete(conn);
    if (route?.kind === 'pending-control') {
      // No FTP line (no byte at all): listed as a session up to the bound, never when mid-stream.
      if (!this.registry.listsSilent(conn)) return;
      const control = this.openControl(conn, this.control.materialize(conn, route));
      this.routes.delete(conn);
      this.closeControl(conn, control, true);
    } else if (route?.kind === 'control') {
      this.closeControl(conn, route, false);
    }
  }

  private closeControl(conn: TcpConnection, route: ControlRoute, counted: boolean): void {
    this.control.close(conn, route);
    const { builder } = route;
    this.others.sessionClosed(builder);
    const carriedLine = builder.session.commands.length > 0 || builder.droppedCommands > 0;
    if (!this.registry.closed(conn, builder.session, carriedLine, counted)) this.others.forget(builder);
  }

  /** End of capture: attach data connections, settle statuses, number sessions by start. */
  finish(): Session[] {
    // The reassembler's finish() has closed every connection (onClose) before this runs.
    this.data.describeAll();
    this.others.attach(this.registry.sessions);
    // Once every data connection is linked: an announcement's transfer whose command the capture lost.
    for (const s of this.registry.sessions) inferLostCommands(s, (t) => this.data.fxpHalf(t));
    for (const s of this.implicitGuesses.unconfirmed()) this.registry.sessions.delete(s);
    this.registry.warnLimits();
    const sessions = this.registry.sessionsInOrder();
    this.data.noteFxpPairs();
    return sessions;
  }
}
