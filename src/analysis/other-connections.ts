/**
 * Connections that are neither control nor announced data, seen beside FTP sessions: between a
 * session's two hosts (a data connection whose announcement TLS hid or NAT rewrote, or unrelated
 * traffic; their TLS handshakes are read when the session is FTPS), and connections already
 * running when the capture began (perhaps the transfer of a session whose command it missed).
 * At the end of the capture they are given to their sessions.
 */
import { warning, type Warning } from '../warnings/catalog.js';
import type { ConnectionEvent, StreamChunk, TcpConnection } from '../tcp/types.js';
import type { TlsSecrets } from '../tls/connection.js';
import { noteSilence, type DataTiming } from './data-connections.js';
import { activeEndElsewhere, buildServerOnlyTransfers, inferHiddenTransfers, inferMidstreamTransfer, linkLateAnnounced, linkOneWayData, linkUnannounced } from './inferred-transfers.js';
import type { OtherConnection, Session } from './model.js';
import type { SessionBuilder } from './session-builder.js';
import { OtherTls } from './tls-routes.js';

const MAX_OTHER_CONNECTIONS = 64;
/** Connections already running when the capture began, remembered to find a missed transfer among them. */
const MAX_MIDSTREAM_OTHERS = 1024;
const KEPT_EVENTS = new Set(['syn', 'syn-ack', 'established', 'fin', 'rst', 'icmp-error']);
const MAX_EVENTS = 32;

/**
 * Open control sessions under a key (their two hosts, or their client), most recent last. Closed
 * ones leave lazily (skipped, then dropped once they are half of a list): a flood of connections
 * must not cost a pass over a list per close. (The closed ones are a Set per list, emptied when
 * the list is pruned: a WeakSet of every closed session had cost a tenth of a second per 100,000
 * sessions, and weak tables cost every collection.)
 */
class OpenSessions {
  private readonly lists = new Map<string, { builders: SessionBuilder[]; closed: Set<SessionBuilder> }>();

  add(key: string, builder: SessionBuilder): void {
    const entry = this.lists.get(key);
    if (entry) entry.builders.push(builder);
    else this.lists.set(key, { builders: [builder], closed: new Set() });
  }

  close(key: string, builder: SessionBuilder): void {
    const entry = this.lists.get(key);
    if (!entry || entry.closed.has(builder)) return;
    entry.closed.add(builder);
    if (entry.closed.size * 2 >= entry.builders.length) {
      entry.builders = entry.builders.filter((b) => !entry.closed.has(b));
      entry.closed.clear();
      if (entry.builders.length === 0) this.lists.delete(key);
    }
  }

  /** The most recent open session under `key` that `accept`s, looking at `limit` sessions at most. */
  latest(key: string, accept: (b: SessionBuilder) => boolean = () => true, limit = Infinity): SessionBuilder | undefined {
    const entry = this.lists.get(key);
    if (!entry) return undefined;
    const { builders, closed } = entry;
    for (let i = builders.length - 1, seen = 0; i >= 0 && seen < limit; i--, seen++) {
      const b = builders[i];
      if (!closed.has(b) && accept(b)) return b;
    }
    return undefined;
  }

  /**
   * Of the open sessions under `key` that `accept`, looking at `limit` at most, the one whose control
   * connection carried a segment last (the latest opened on a tie).
   */
  lastActive(key: string, accept: (b: SessionBuilder) => boolean, limit: number): SessionBuilder | undefined {
    const entry = this.lists.get(key);
    if (!entry) return undefined;
    const { builders, closed } = entry;
    let best: SessionBuilder | undefined;
    for (let i = builders.length - 1, seen = 0; i >= 0 && seen < limit; i--, seen++) {
      const b = builders[i];
      if (!closed.has(b) && accept(b) && (best === undefined || b.lastControlTime > best.lastControlTime)) best = b;
    }
    return best;
  }
}

/** Sessions of one client looked at for a connection of its that goes elsewhere (see tlsSessionOfClient). */
const MAX_CLIENT_SESSIONS_SEEN = 64;

export class OtherConnections {
  /** Open control sessions by their two hosts, to notice other connections between the same hosts. */
  private readonly sessionsByHosts = new OpenSessions();
  /** The same by their client, for a connection of an FTPS client's that goes to another address. */
  private readonly sessionsByClient = new OpenSessions();
  /** The same by their server, for a connection of an FTPS server's that goes to another address (active mode). */
  private readonly sessionsByServer = new OpenSessions();
  private readonly bySession = new Map<SessionBuilder, TcpConnection[]>();
  /** Each connection beside a session: the list of the session's that holds it. */
  private readonly listOf = new WeakMap<TcpConnection, TcpConnection[]>();
  private readonly midstream: TcpConnection[] = [];
  /** Connections opened before any session between their hosts was in the capture (their SYN may be before it too). */
  private readonly beforeSessions: TcpConnection[] = [];
  /** The data's timing of the kept connections a transfer announced before the capture may take (timesData). */
  private readonly timing = new WeakMap<TcpConnection, DataTiming>();
  /**
   * Connections that may be a transfer's data connection the capture holds no announcement for, their
   * data's timing kept: opened beside a session (one the capture began during; or one whose 227 the
   * capture lost, linkOneWayData), or before any session between their hosts.
   */
  private readonly mayBeUnannounced = new WeakSet<TcpConnection>();
  /** The SYN, FIN and RST packets of the connections beside a session (what an inferred transfer's connection tells). */
  private readonly events = new WeakMap<TcpConnection, ConnectionEvent[]>();
  private readonly tls: OtherTls;
  /** Sessions whose list is full, told once each (later connections beside them are not described). */
  private readonly full = new Set<SessionBuilder>();

  constructor(
    tlsSecrets: TlsSecrets,
    private readonly onWarning: (w: Warning) => void,
  ) {
    this.tls = new OtherTls(tlsSecrets, onWarning);
  }

  /** A control session opened between its two hosts. */
  sessionOpened(builder: SessionBuilder): void {
    const s = builder.session;
    this.sessionsByHosts.add(hostPair(s.client.ip, s.server.ip), builder);
    this.sessionsByClient.add(s.client.ip, builder);
    this.sessionsByServer.add(s.server.ip, builder);
  }

  /** A control session closed: later connections between its hosts are no longer its. */
  sessionClosed(builder: SessionBuilder): void {
    const s = builder.session;
    this.sessionsByHosts.close(hostPair(s.client.ip, s.server.ip), builder);
    this.sessionsByClient.close(s.client.ip, builder);
    this.sessionsByServer.close(s.server.ip, builder);
  }

  /** A session let go (only counted): its connections are not described. */
  forget(builder: SessionBuilder): void {
    this.bySession.delete(builder);
    this.full.delete(builder);
  }

  /**
   * A new connection that is neither control nor announced data. One already running when the
   * capture began, or opened before any session between its hosts was in the capture (a data
   * connection whose SYN-ACK came first), is kept for the end, when its session is known.
   */
  note(conn: TcpConnection): void {
    const beside = this.noteBesideSession(conn);
    if (conn.midstream && this.midstream.length < MAX_MIDSTREAM_OTHERS) this.midstream.push(conn);
    else if (!beside && !conn.midstream && this.beforeSessions.length < MAX_MIDSTREAM_OTHERS) {
      this.beforeSessions.push(conn);
      this.events.set(conn, []);
      this.mayBeUnannounced.add(conn);
    }
  }

  /**
   * Whether the data's timing of `conn` (not FTP) is worth keeping: a kept connection that a transfer
   * whose announcement the capture lacks may take (inferred-transfers.ts linkUnannounced, linkOneWayData)
   * — one whose SYN the capture lacks (it began with the SYN-ACK), or one opened beside a session or
   * before any session between its hosts; the checks of an opened data connection read its timing.
   */
  timesData(conn: TcpConnection): boolean {
    if (conn.midstream || !this.events.has(conn)) return false;
    return conn.synFrames.length === 0 ? conn.synAckFrames.length > 0 : this.mayBeUnannounced.has(conn);
  }

  /** The data's timing kept for `conn`; none came (an empty file's, an empty listing's): no data, no silence. */
  private timingOf(conn: TcpConnection): DataTiming | undefined {
    return this.timing.get(conn) ?? (this.timesData(conn) ? { lastData: null, longestSilence: null } : undefined);
  }

  /** A chunk of a connection whose data's timing is kept. */
  data(conn: TcpConnection, chunk: StreamChunk): void {
    let t = this.timing.get(conn);
    if (t === undefined) this.timing.set(conn, (t = { lastData: null, longestSilence: null }));
    noteSilence(t, chunk);
  }

  /**
   * The connection turned out to be a transfer's data connection (DataLinker.linkLate): no longer
   * beside its session. Returns the events kept for it (its SYN and SYN-ACK) for the data route.
   */
  release(conn: TcpConnection): ConnectionEvent[] {
    for (const list of [this.listOf.get(conn), this.beforeSessions]) {
      const i = list?.indexOf(conn) ?? -1;
      if (i >= 0) list!.splice(i, 1);
    }
    const events = this.events.get(conn) ?? [];
    this.events.delete(conn);
    this.timing.delete(conn);
    this.mayBeUnannounced.delete(conn);
    return events;
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
    const all = [...sessions];
    const eventsOf = (c: TcpConnection): ConnectionEvent[] => this.events.get(c) ?? [];
    const linked = new Set<TcpConnection>();
    // Each connection beside a session is kept by the latest session between its hosts; one whose
    // passive announcement's reply the capture lost is told among all of them (a client's parallel
    // sessions: aria2c's second session's PASV, its 227 lost, while its third was the latest opened).
    const byHosts = new Map<string, TcpConnection[]>();
    for (const others of this.bySession.values()) {
      for (const c of others) {
        const key = hostPair(c.client.ip, c.server.ip);
        const list = byHosts.get(key);
        if (list === undefined) byHosts.set(key, [c]);
        else list.push(c);
      }
    }
    const othersOf = new Map<Session, TcpConnection[]>();
    for (const [builder, others] of this.bySession) othersOf.set(builder.session, others);
    for (const s of byHosts.size === 0 ? [] : all) {
      // A one-way capture's data connections are told by hosts and timing: they are no longer "other".
      const others = othersOf.get(s) ?? [];
      const pool = s.oneWay !== undefined ? others : (byHosts.get(hostPair(s.client.ip, s.server.ip)) ?? []).filter((c) => !linked.has(c));
      if (pool.length > 0) for (const c of linkOneWayData(s, pool, eventsOf, (c) => this.timingOf(c))) linked.add(c);
      if (others.length > 0) for (const c of linkLateAnnounced(s, others.filter((c) => !linked.has(c)), eventsOf)) linked.add(c);
      if (others.length > 0) for (const c of buildServerOnlyTransfers(s, others, eventsOf)) linked.add(c);
    }
    // Sessions the capture began during: a transfer command's data connection announced before the
    // capture, among the connections between its hosts (given to the latest session between them,
    // which may be another of the client's parallel sessions).
    const midstreamByHosts = sessionsByHosts(all.filter((s) => s.midstream));
    for (const [builder, others] of this.bySession) {
      for (const c of others) {
        if (linked.has(c)) continue;
        // Between the session's hosts; else (an active data connection to another host) the session it was routed to.
        const among = midstreamByHosts.get(hostPair(c.client.ip, c.server.ip)) ?? (builder.session.midstream ? [builder.session] : []);
        if (linkUnannounced(among, c, eventsOf(c), this.timingOf(c))) linked.add(c);
      }
    }
    for (const [builder, others] of this.bySession) {
      const conns = linked.size === 0 ? others : others.filter((c) => !linked.has(c));
      builder.session.otherConnections = conns.map(describeOther);
      inferHiddenTransfers(builder.session, conns, (c) => this.events.get(c) ?? []);
      this.attachTls(builder.session, conns);
    }
    this.attachMidstream(all);
  }

  /**
   * A connection between an FTP session's two hosts that no announcement explains: a data
   * connection whose announcement was encrypted (TLS) or rewritten, or unrelated traffic.
   */
  private noteBesideSession(conn: TcpConnection): boolean {
    let builder = this.sessionsByHosts.latest(hostPair(conn.client.ip, conn.server.ip));
    // Between the hosts of concurrent sessions whose commands TLS hides: the data connection of the
    // one that was just speaking (its encrypted 227/229, or PORT and command), not merely the latest opened.
    if (builder?.session.tls) builder = this.sessionsByHosts.lastActive(hostPair(conn.client.ip, conn.server.ip), (b) => b.session.tls, MAX_CLIENT_SESSIONS_SEEN);
    // Not between a session's two hosts: from an FTPS client to another address, as its data
    // connection goes when the encrypted 227 named an address no NAT rewrote (the server's inside one).
    if (!builder) builder = this.tlsSessionOfClient(conn);
    // From an FTPS server to another address: its active data connection, when the encrypted PORT
    // named an address no NAT rewrote (the client's inside one).
    if (!builder) builder = this.tlsSessionOfServer(conn);
    // From a server to another address (its SYN, or seen mid-stream from its port 20), beside a session the
    // capture began during: its active data connection, the PORT naming another host before the capture (linkUnannounced).
    if (!builder) builder = this.activeDataElsewhere(conn);
    if (!builder) return false;
    let list = this.bySession.get(builder);
    if (!list) this.bySession.set(builder, (list = []));
    if (list.length < MAX_OTHER_CONNECTIONS) {
      list.push(conn);
      this.listOf.set(conn, list);
      this.events.set(conn, []);
      this.mayBeUnannounced.add(conn);
      if (builder.session.tls) this.tls.note(conn);
    } else if (!this.full.has(builder)) {
      // Not silently: a session whose commands TLS hid would otherwise show fewer transfers than it made.
      this.full.add(builder);
      const s = builder.session;
      this.onWarning(warning('other-connections-per-session', { max: MAX_OTHER_CONNECTIONS, client: s.client.ip, server: s.server.ip }, { frame: conn.firstFrame }));
    }
    return true;
  }

  /**
   * The client's most recent open TLS session (commands encrypted) to another server, for its
   * connection `conn` toward a high port elsewhere: among its latest sessions only, however many it has.
   */
  private tlsSessionOfClient(conn: TcpConnection): SessionBuilder | undefined {
    if (conn.midstream || conn.server.port < 1024) return undefined;
    return this.sessionsByClient.latest(conn.client.ip, (b) => b.session.tls && b.session.server.ip !== conn.server.ip, MAX_CLIENT_SESSIONS_SEEN);
  }

  /** The most recent open session the capture began during whose server opened `conn` to another host (activeEndElsewhere). */
  private activeDataElsewhere(conn: TcpConnection): SessionBuilder | undefined {
    const end = !conn.midstream ? conn.client : conn.client.port === 20 ? conn.client : conn.server.port === 20 ? conn.server : null;
    if (end === null) return undefined;
    return this.sessionsByServer.latest(end.ip, (b) => b.session.midstream && activeEndElsewhere(b.session, conn) !== null, MAX_CLIENT_SESSIONS_SEEN);
  }

  /** As tlsSessionOfClient, for a connection the server of an open FTPS session opened to a high port elsewhere. */
  private tlsSessionOfServer(conn: TcpConnection): SessionBuilder | undefined {
    if (conn.midstream || conn.server.port < 1024) return undefined;
    return this.sessionsByServer.latest(conn.client.ip, (b) => b.session.tls && b.session.client.ip !== conn.server.ip, MAX_CLIENT_SESSIONS_SEEN);
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

  /**
   * Connections that were carrying data when the capture began, or opened before any session between
   * their hosts was in it: the data connection of a transfer command the capture holds, whose
   * announcement came before it (in any session the capture began during between their hosts); else,
   * when already running, a transfer inferred for the first session between their hosts.
   */
  private attachMidstream(sessions: Session[]): void {
    if (this.midstream.length === 0 && this.beforeSessions.length === 0) return;
    const byHosts = sessionsByHosts(sessions);
    // The sessions the capture began during, by their client's address: the first few of each client
    // (all were open as the capture began; a hostile capture's client may have thousands).
    const byClient = new Map<string, Session[]>();
    for (const s of sessions) {
      if (!s.midstream) continue;
      const list = byClient.get(s.client.ip);
      if (list === undefined) byClient.set(s.client.ip, [s]);
      else if (list.length < MAX_CLIENT_SESSIONS_SEEN) list.push(s);
    }
    // Of the connection's two addresses, the sessions open while it was.
    const midstreamOf = (c: TcpConnection): Session[] =>
      [c.client.ip, c.server.ip].flatMap((ip) => byClient.get(ip) ?? []).filter((s) => s.start <= c.end && s.end >= c.start);
    for (const c of [...this.midstream, ...this.beforeSessions]) {
      // A session whose control connection opened in the capture after the connection's first packet
      // is not its session: a data connection does not come before its session's control connection
      // (that of another session between the hosts, whose own control packets the capture lacks).
      let between = byHosts.get(hostPair(c.client.ip, c.server.ip))?.filter((s) => s.midstream || s.start <= c.start);
      if (between === undefined || between.length === 0) {
        // Between no session's hosts: a data connection between a client and another address of its
        // server's, which its PASV or PORT before the capture set up (inferred-transfers.ts endElsewhere:
        // data one way only). Only when linked: else it is the client's other traffic.
        if ((c.bytes.c2s > 0) !== (c.bytes.s2c > 0)) linkUnannounced(midstreamOf(c), c, this.events.get(c) ?? [], this.timingOf(c));
        continue;
      }
      if (between.some((s) => s.transfers.some((t) => t.connection?.stream === c.id))) continue;
      // Nor, while another is open, one whose control connection had closed before it: the session
      // after it in a longer capture (the capture began during that one, which kept it going).
      const open = between.filter((s) => s.closedBy === null || s.closedBy.time >= c.start);
      if (open.length > 0) between = open;
      const events = this.events.get(c) ?? [];
      if (linkUnannounced(between, c, events, this.timingOf(c))) continue;
      inferMidstreamTransfer(between[0], c);
    }
  }
}

const hostPair = (a: string, b: string): string => (a < b ? `${a}|${b}` : `${b}|${a}`);

/** Sessions by their two hosts, in the order given. */
function sessionsByHosts(sessions: Session[]): Map<string, Session[]> {
  const byHosts = new Map<string, Session[]>();
  for (const s of sessions) {
    const key = hostPair(s.client.ip, s.server.ip);
    const list = byHosts.get(key);
    if (list) list.push(s);
    else byHosts.set(key, [s]);
  }
  return byHosts;
}

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
    synAckFrame: c.synAckFrames[0] ?? null,
    lastFrame: c.lastFrame,
  };
}
