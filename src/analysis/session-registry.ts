/**
 * The capture's control sessions and the bounds on them: commands kept over all sessions, empty
 * sessions listed (a scan or a flood of connections to port 21), sessions kept at all. Past a
 * bound a session is only counted, and each bound reached is reported once at the end, as are
 * the sessions the capture saw only partly.
 */
import { warning, type Warning } from '../warnings/catalog.js';
import type { TcpConnection } from '../tcp/types.js';
import type { Session, Transfer } from './model.js';
import { finishTransfer } from './transfer-outcome.js';
import { TEXT_CHARS_PER_COMMAND, TRANSFER_COST_IN_COMMANDS } from './memory-budget.js';
import { peersKey } from './sorted.js';

export interface SessionLimits {
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
}

/** Default of SessionLimits.maxEmptySessions. */
const MAX_EMPTY_SESSIONS = 1000;

/** Client-and-server pairs whose let-go sessions are remembered one by one (Session.peersNotKept). */
const DROPPED_PEERS_KEPT = 4096;

/** Sessions let go: the first frame of the earliest, the last of the latest, and their servers (null: not told, past a bound). */
interface LetGo {
  from: number;
  to: number;
  servers: string[] | null;
}

/** Servers named one by one per client; past this, any. */
const LET_GO_SERVERS = 8;

function widen(had: LetGo | undefined, conn: TcpConnection, server: string | null): LetGo {
  if (had === undefined) return { from: conn.firstFrame, to: conn.lastFrame, servers: server === null ? null : [server] };
  const servers = had.servers === null || server === null ? null : had.servers.includes(server) ? had.servers : had.servers.length < LET_GO_SERVERS ? [...had.servers, server] : null;
  return { from: Math.min(had.from, conn.firstFrame), to: Math.max(had.to, conn.lastFrame), servers };
}

export class SessionRegistry {
  /**
   * Every control session, in order of creation (a Set: dropped empty sessions leave in O(1)).
   * Only the model is kept: a closed session's builder and parser are released.
   */
  readonly sessions = new Set<Session>();
  /** Commands the sessions may still keep (capture-wide bound), shared by every builder. */
  readonly commandBudget: { left: number; onExhausted(frame: number): void };
  private commandBudgetFrame: number | null = null;
  /** Closed control connections that carried no FTP line: kept up to maxEmptySessions, then counted. */
  private emptySessions = 0;
  private firstDroppedEmpty: number | null = null;
  private readonly maxEmptySessions: number;
  /** Sessions closed past limits.maxSessions (only counted), and the first one's first frame. */
  private sessionsDropped = 0;
  private firstDroppedSession: number | null = null;
  /**
   * Of the sessions let go past maxSessions, the first frame of the latest one per client and server
   * (sorted.ts peersKey), for the kept sessions of the same pair (Session.peersNotKept); past
   * DROPPED_PEERS_KEPT pairs, one frame for all (`droppedPeersOverflow`).
   */
  private readonly droppedPeers = new Map<string, number>();
  private droppedPeersOverflow: number | null = null;
  /**
   * Of the sessions let go past maxSessions, per client address: the frames the earliest began and
   * the latest ended, with the servers they went to (Session.otherServersNotKept, for the kept
   * sessions of the same client to another server); past DROPPED_PEERS_KEPT clients, one for all.
   */
  private readonly droppedByClient = new Map<string, LetGo>();
  private droppedByClientOverflow: LetGo | null = null;
  /** First frame of each session the capture saw only partly (mid-stream, one side only). */
  private readonly partial = new Map<Session, number>();

  constructor(
    private readonly limits: SessionLimits,
    private readonly onWarning: (w: Warning) => void,
  ) {
    this.maxEmptySessions = limits.maxEmptySessions ?? MAX_EMPTY_SESSIONS;
    this.commandBudget = {
      left: limits.maxCommandsTotal ?? Infinity,
      onExhausted: (frame) => {
        this.commandBudgetFrame ??= frame;
      },
    };
  }

  add(s: Session): void {
    this.sessions.add(s);
  }

  /**
   * A control connection closed without a byte: whether it is listed as a session (never when
   * mid-stream; up to the bound, past it only counted).
   */
  listsSilent(conn: TcpConnection): boolean {
    if (conn.midstream) return false;
    if (++this.emptySessions > this.maxEmptySessions) {
      this.firstDroppedEmpty ??= conn.firstFrame;
      return false;
    }
    return true;
  }

  /**
   * A control session closed (its facts complete). `counted`: already counted as silent.
   * Returns false when it was let go (only counted), true when it stays listed.
   */
  closed(conn: TcpConnection, s: Session, carriedLine: boolean, counted: boolean): boolean {
    if (s.midstream || s.oneWay) this.partial.set(s, conn.firstFrame);
    // A flood of connections to port 21 (a scan, SYNs that were never answered) must not grow the
    // session list without bound: past the bound, ones that carried no FTP line are only counted.
    if (!counted && !carriedLine) {
      // Mid-stream ones without a line are never listed (see sessionsInOrder); the others up to the bound.
      const drop = s.midstream || ++this.emptySessions > this.maxEmptySessions;
      if (drop) {
        this.sessions.delete(s);
        if (!s.midstream) this.firstDroppedEmpty ??= conn.firstFrame;
        this.partial.delete(s);
        return false;
      }
    }
    // Past the bound on kept sessions, a closed one is only counted: its model is let go.
    if (this.sessions.size > (this.limits.maxSessions ?? Infinity) && this.sessions.has(s)) {
      this.sessions.delete(s);
      this.partial.delete(s);
      this.sessionsDropped++;
      this.firstDroppedSession ??= conn.firstFrame;
      const key = peersKey(s);
      const latest = Math.max(this.droppedPeers.get(key) ?? 0, conn.firstFrame);
      if (this.droppedPeers.has(key) || this.droppedPeers.size < DROPPED_PEERS_KEPT) this.droppedPeers.set(key, latest);
      else this.droppedPeersOverflow = Math.max(this.droppedPeersOverflow ?? 0, conn.firstFrame);
      const known = this.droppedByClient.get(s.client.ip);
      if (known !== undefined || this.droppedByClient.size < DROPPED_PEERS_KEPT) this.droppedByClient.set(s.client.ip, widen(known, conn, s.server.ip));
      else this.droppedByClientOverflow = widen(this.droppedByClientOverflow ?? undefined, conn, null);
      return false;
    }
    return true;
  }

  /** End of capture: each bound reached, said once. */
  warnLimits(): void {
    if (this.commandBudgetFrame !== null) {
      const facts = { max: this.limits.maxCommandsTotal ?? Infinity, transferCost: TRANSFER_COST_IN_COMMANDS, textChars: TEXT_CHARS_PER_COMMAND };
      this.onWarning(warning('ftp-commands-total', facts, { frame: this.commandBudgetFrame }));
    }
    if (this.firstDroppedSession !== null) {
      const facts = { max: this.limits.maxSessions ?? Infinity, dropped: this.sessionsDropped };
      this.onWarning(warning('ftp-sessions-limit', facts, { frame: this.firstDroppedSession }));
    }
    if (this.firstDroppedEmpty !== null) {
      const facts = { connections: this.emptySessions, listed: this.maxEmptySessions };
      this.onWarning(warning('ftp-empty-sessions', facts, { frame: this.firstDroppedEmpty }));
    }
  }

  /** End of capture: the sessions listed, numbered by start, their transfers settled. */
  sessionsInOrder(): Session[] {
    const sessions = [...this.sessions].filter((s) => s.commands.length > 0 || s.midstream === false);
    sessions.sort((a, b) => a.stream - b.stream);
    sessions.forEach((s, i) => {
      s.id = i + 1;
      // No key is built while no session was let go (most captures).
      const notKept = (this.droppedPeers.size === 0 ? undefined : this.droppedPeers.get(peersKey(s))) ?? this.droppedPeersOverflow;
      if (notKept !== null && notKept !== undefined) s.peersNotKept = notKept;
      const gone = this.droppedByClient.get(s.client.ip) ?? this.droppedByClientOverflow;
      // To another server than this session's (its own server's are peersNotKept's).
      if (gone != null && (gone.servers === null || gone.servers.some((ip) => ip !== s.server.ip))) s.otherServersNotKept = { from: gone.from, to: gone.to };
      numberInCaptureOrder(s);
      for (const t of s.transfers) {
        t.session = s.id;
        finishTransfer(t);
      }
    });
    this.warnPartial(sessions);
    return sessions;
  }

  /** Sessions the capture saw only partly: said once per kind, naming them and the first's first frame. */
  private warnPartial(sessions: Session[]): void {
    const names = (list: Session[], what: (s: Session) => string): string =>
      list.slice(0, 10).map(what).join(', ') + (list.length > 10 ? `, … (${list.length - 10} more)` : '');
    const resumed = sessions.filter((s) => s.controlConnection.resumes !== undefined && this.partial.has(s));
    if (resumed.length > 0) {
      const facts = { count: resumed.length, names: names(resumed, (s) => `session ${s.id} (tcp.stream ${s.controlConnection.resumes!.stream}'s, given up at frame ${s.controlConnection.resumes!.evictedAt})`) };
      this.onWarning(warning('resumed-sessions', facts, { frame: this.partial.get(resumed[0]) }));
    }
    // A session picked up again did not begin before the capture: said above, not here.
    const mid = sessions.filter((s) => s.midstream && s.controlConnection.resumes === undefined && this.partial.has(s));
    if (mid.length > 0) {
      const facts = { count: mid.length, names: names(mid, (s) => `session ${s.id}`) };
      this.onWarning(warning('midstream-sessions', facts, { frame: this.partial.get(mid[0]) }));
    }
    const oneWay = sessions.filter((s) => s.oneWay !== undefined && this.partial.has(s));
    if (oneWay.length > 0) {
      const facts = { count: oneWay.length, names: names(oneWay, (s) => `session ${s.id} (${s.oneWay} only)`) };
      this.onWarning(warning('one-way-sessions', facts, { frame: this.partial.get(oneWay[0]) }));
    }
  }
}

/**
 * A transfer already running when the capture began (inferred: midstream) is found only at the end,
 * after the transfers announced later in the capture: it takes its place by when it was seen, and the
 * session's transfers are numbered in that order. Sessions without one keep their numbering.
 */
function numberInCaptureOrder(s: Session): void {
  if (!s.transfers.some((t) => t.inferred === 'midstream')) return;
  const seen = (t: Transfer): number => (t.inferred === 'midstream' ? t.connection?.start : undefined) ?? t.announce?.time ?? t.request?.time ?? t.connection?.start ?? Infinity;
  // A stable sort: transfers seen at the same time keep their order.
  s.transfers.sort((x, y) => seen(x) - seen(y) || 0);
  s.transfers.forEach((t, i) => (t.id = i + 1));
}
