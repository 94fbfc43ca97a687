/**
 * Connections that are neither control nor announced data, seen beside FTP sessions: between a
 * session's two hosts (a data connection whose announcement TLS hid or NAT rewrote, or unrelated
 * traffic; their TLS handshakes are read when the session is FTPS), and connections already
 * running when the capture began (perhaps the transfer of a session whose command it missed).
 * At the end of the capture they are given to their sessions.
 */
import type { Warning } from '../warnings/catalog.js';
import type { ConnectionEvent, StreamChunk, TcpConnection } from '../tcp/types.js';
import type { TlsSecrets } from '../tls/connection.js';
import { inferHiddenTransfers, inferMidstreamTransfer } from './inferred-transfers.js';
import type { OtherConnection, Session } from './model.js';
import type { SessionBuilder } from './session-builder.js';
import { OtherTls } from './tls-routes.js';

const MAX_OTHER_CONNECTIONS = 64;
/** Connections already running when the capture began, remembered to find a missed transfer among them. */
const MAX_MIDSTREAM_OTHERS = 1024;
const KEPT_EVENTS = new Set(['syn', 'syn-ack', 'established', 'fin', 'rst', 'icmp-error']);
const MAX_EVENTS = 32;

/** The open control sessions between two hosts, and those of them closed since the list was last pruned. */
interface HostSessions {
  builders: SessionBuilder[];
  closed: Set<SessionBuilder>;
}

export class OtherConnections {
  /**
   * Open control sessions by their two hosts, to notice other connections between the same hosts.
   * Closed ones leave lazily (skipped, then dropped once they are half of a list): a flood of
   * connections between two hosts must not cost a pass over the list per close. (The closed ones
   * are a Set per list, emptied when the list is pruned: a WeakSet of every closed session had
   * cost a tenth of a second per 100,000 sessions, and weak tables cost every collection.)
   */
  private readonly sessionsByHosts = new Map<string, HostSessions>();
  private readonly bySession = new Map<SessionBuilder, TcpConnection[]>();
  private readonly midstream: TcpConnection[] = [];
  /** The SYN, FIN and RST packets of the connections beside a session (what an inferred transfer's connection tells). */
  private readonly events = new WeakMap<TcpConnection, ConnectionEvent[]>();
  private readonly tls: OtherTls;

  constructor(tlsSecrets: TlsSecrets, onWarning: (w: Warning) => void) {
    this.tls = new OtherTls(tlsSecrets, onWarning);
  }

  /** A control session opened between its two hosts. */
  sessionOpened(builder: SessionBuilder): void {
    const s = builder.session;
    const pair = hostPair(s.client.ip, s.server.ip);
    const entry = this.sessionsByHosts.get(pair);
    if (entry) entry.builders.push(builder);
    else this.sessionsByHosts.set(pair, { builders: [builder], closed: new Set() });
  }

  /** A control session closed: later connections between its hosts are no longer its. */
  sessionClosed(builder: SessionBuilder): void {
    const s = builder.session;
    const pair = hostPair(s.client.ip, s.server.ip);
    const entry = this.sessionsByHosts.get(pair);
    if (!entry || entry.closed.has(builder)) return;
    entry.closed.add(builder);
    if (entry.closed.size * 2 >= entry.builders.length) {
      entry.builders = entry.builders.filter((b) => !entry.closed.has(b));
      entry.closed.clear();
      if (entry.builders.length === 0) this.sessionsByHosts.delete(pair);
    }
  }

  /** A session let go (only counted): its connections are not described. */
  forget(builder: SessionBuilder): void {
    this.bySession.delete(builder);
  }

  /** A new connection that is neither control nor announced data. */
  note(conn: TcpConnection): void {
    this.noteBesideSession(conn);
    if (conn.midstream && this.midstream.length < MAX_MIDSTREAM_OTHERS) this.midstream.push(conn);
  }

  /** A connection event (SYN, FIN, RST…): kept for the connections beside a session. */
  event(conn: TcpConnection, event: ConnectionEvent): void {
    const list = this.events.get(conn);
    if (list !== undefined && list.length < MAX_EVENTS && KEPT_EVENTS.has(event.type)) list.push(event);
  }

  /** Reads the chunk when the connection is TLS beside an FTPS session (see OtherTls.take). */
  take(conn: TcpConnection, chunk: StreamChunk): boolean {
    return this.tls.take(conn, chunk);
  }

  /** End of capture: each session's other connections, the transfers inferred from them, and their TLS. */
  attach(sessions: Iterable<Session>): void {
    for (const [builder, conns] of this.bySession) {
      builder.session.otherConnections = conns.map(describeOther);
      inferHiddenTransfers(builder.session, conns, (c) => this.events.get(c) ?? []);
      this.attachTls(builder.session, conns);
    }
    this.attachMidstream(sessions);
  }

  /**
   * A connection between an FTP session's two hosts that no announcement explains: a data
   * connection whose announcement was encrypted (TLS) or rewritten, or unrelated traffic.
   */
  private noteBesideSession(conn: TcpConnection): void {
    const entry = this.sessionsByHosts.get(hostPair(conn.client.ip, conn.server.ip));
    let builder: SessionBuilder | undefined;
    for (let i = (entry?.builders.length ?? 0) - 1; i >= 0 && builder === undefined; i--) {
      if (!entry!.closed.has(entry!.builders[i])) builder = entry!.builders[i];
    }
    // Not between a session's two hosts: from an FTPS client to another address, as its data
    // connection goes when the encrypted 227 named an address no NAT rewrote (the server's inside one).
    if (!builder) builder = this.tlsSessionOfClient(conn);
    if (!builder) return;
    let list = this.bySession.get(builder);
    if (!list) this.bySession.set(builder, (list = []));
    if (list.length < MAX_OTHER_CONNECTIONS) {
      list.push(conn);
      this.events.set(conn, []);
      if (builder.session.tls) this.tls.note(conn);
    }
  }

  /** The open TLS session (commands encrypted) of the client that opened `conn` toward a high port elsewhere. */
  private tlsSessionOfClient(conn: TcpConnection): SessionBuilder | undefined {
    if (conn.midstream || conn.server.port < 1024) return undefined;
    for (const [, entry] of this.sessionsByHosts) {
      for (let i = entry.builders.length - 1; i >= 0; i--) {
        const b = entry.builders[i];
        const s = b.session;
        if (!this.closedBuilders.has(b) && s.tls && s.client.ip === conn.client.ip && s.server.ip !== conn.server.ip) return b;
      }
    }
    return undefined;
  }

  /** What the TLS of the session's other connections showed, on them and on the transfers inferred from them. */
  private attachTls(s: Session, conns: TcpConnection[]): void {
    conns.forEach((c, i) => {
      const tls = this.tls.facts(c);
      if (!tls) return;
      s.otherConnections[i].tls = tls;
      for (const t of s.transfers) if (t.inferred && t.connection?.stream === c.id) t.connection.tls = tls;
    });
  }

  /** Connections that were carrying data when the capture began, given to the session between their hosts. */
  private attachMidstream(sessions: Iterable<Session>): void {
    if (this.midstream.length === 0) return;
    const byHosts = new Map<string, Session>();
    for (const s of sessions) if (!byHosts.has(hostPair(s.client.ip, s.server.ip))) byHosts.set(hostPair(s.client.ip, s.server.ip), s);
    for (const c of this.midstream) {
      const s = byHosts.get(hostPair(c.client.ip, c.server.ip));
      if (s) inferMidstreamTransfer(s, c);
    }
  }
}

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
