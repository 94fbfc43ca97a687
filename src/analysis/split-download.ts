/**
 * Downloads split over several connections on purpose (aria2c -s N, axel -n N, lftp pget): the
 * client fetches one file as segments, each over its own data connection with REST <segment start>
 * and RETR. The server sends from that offset to the file's end, so the client closes or aborts each
 * connection once it holds its segment (a reset, a FIN, ABOR; the server may answer 426 or still
 * 226): a connection carrying fewer bytes than the file's size is the design, not a cut transfer.
 *
 * A client-stopped download is such a segment when the capture shows its piece done: downloads of
 * the same file from the same server, by the same client, ran at once (a split, not a resume after
 * a stop), one of them began at the nearest later offset beside this one (asked before it was
 * closed, or over a session already open then), and this one's bytes reached it. A download stopped
 * the same way and then asked again (a user's Ctrl-C, then a resume, even while another program
 * fetches the same file) stays aborted, with its later attempt; a segment cut by the server or the
 * network keeps its own verdict.
 */
import type { Session, SplitLost, SplitPending, SplitSegment, Transfer } from './model.js';
import { restartOffset } from './session-builder.js';
import { firstAbove, peersKey, sameLogin } from './sorted.js';
import { receiverEndedSilence, stoppedAfterSilence } from './silence-ended.js';

const pathOf = (t: Transfer): string | null => (t.request === null ? null : (t.request.path ?? t.request.arg));

/** The client's close of a download's data connection: its ABOR, else its first FIN or reset before the server's FIN; null otherwise. */
function clientClose(t: Transfer): number | null {
  if (t.abortFrame !== null) return t.abortFrame;
  const end = t.connection!.handshake.find((e) => e.type === 'fin' || e.type === 'rst');
  return end?.by === 'client' ? end.frame : null;
}

/**
 * A download left incomplete whose client closed its control connection (FIN or reset) while the
 * data was still coming: no final reply, the data connection closed by nobody before that but the
 * client (aria2c closes a finished segment's session, then its data connection: a FIN, a reset).
 * The session's close, or null.
 */
function sessionClose(t: Transfer, s: Session): { frame: number; time: number } | null {
  const end = s.closedBy;
  if (t.status !== 'incomplete' || t.reply !== null || t.request === null || end === null || end.by !== 'client' || end.frame < t.request.frame) return null;
  const first = t.connection!.handshake.find((e) => e.type === 'fin' || e.type === 'rst');
  return first === undefined || (first.by === 'client' && first.frame > end.frame) ? end : null;
}

/** How the client stopped a download, when it did (see SplitPending `how`), and where. */
function clientStop(t: Transfer, s: Session, stoppedByClient: (t: Transfer, s: Session) => boolean): { frame: number; time: number; how: SplitPending['how'] } | null {
  if (t.status === 'incomplete') {
    const end = sessionClose(t, s);
    return end === null ? null : { frame: end.frame, time: end.time, how: 'control' };
  }
  if (t.status !== 'aborted' || !stoppedByClient(t, s)) return null;
  const frame = clientClose(t);
  if (frame === null) {
    // Its data connection's end not in the capture (nor any ABOR): the client's close of its control
    // connection, before the server's failure reply (a 426 answering the client gone), stopped it.
    const end = s.closedBy;
    const closedFirst = end !== null && end.by === 'client' && t.request !== null && end.frame > t.request.frame && (t.reply === null || end.frame < t.reply.frame);
    const dataEnd = t.connection!.handshake.find((e) => e.type === 'fin' || e.type === 'rst');
    return closedFirst && dataEnd === undefined ? { frame: end!.frame, time: end!.time, how: 'control' } : null;
  }
  if (t.abortFrame !== null) return { frame, time: s.commands.find((c) => c.frame === frame)?.time ?? t.connection!.end, how: 'abor' };
  const e = t.connection!.handshake.find((x) => x.frame === frame)!;
  return { frame, time: e.time, how: e.type === 'rst' ? 'rst' : 'fin' };
}

/** Where a download's data ends in the file: its REST offset plus the bytes it carried (gaps the client acknowledged included). */
const reachOf = (t: Transfer): number => (t.restOffset ?? 0) + t.bytes + (t.connection?.gapBytes ?? 0);

interface Member {
  t: Transfer;
  s: Session;
  rest: number;
}

const restOf = (m: Member): number => m.rest;

/**
 * How many later offsets are tried as a segment's next one: a split client asks for a few; a capture
 * built to defeat this (thousands of downloads of one file at once) costs this many per download.
 */
const MAX_NEXT_TRIED = 64;

/**
 * Marks every download the client stopped that was one finished segment of a split download (sets
 * `segment`; the caller makes it complete): an aborted one `stoppedByClient` (the verdict's reading of
 * who stopped it), or one whose client closed its control connection while the data still came.
 */
export function findSplitSegments(sessions: Session[], stoppedByClient: (t: Transfer, s: Session) => boolean): Transfer[] {
  const groups = new Map<string, Member[]>();
  for (const s of sessions) {
    for (const t of s.transfers) {
      const c = t.connection;
      const path = pathOf(t);
      if (t.direction !== 'download' || path === null || !c?.established || c.midstream) continue;
      if (t.inferred !== undefined || t.fxp !== undefined) continue;
      // Not keyed by the stated size: axel asks SIZE on its first connection only. Keyed by the file's
      // name: a path left relative (its session's CWD not in the capture) is matched to a full one below.
      const key = `${peersKey(s)}|${path.slice(path.lastIndexOf('/') + 1)}`;
      let g = groups.get(key);
      if (g === undefined) groups.set(key, (g = []));
      g.push({ t, s, rest: t.restOffset ?? 0 });
    }
  }
  // Client and server pairs with a session whose control bytes the capture lost (a SIZE's 213 may be there, in a session whose own transfer command it lost too).
  const gapped = new Set<string>();
  for (const s of sessions) if (s.controlGapBytes > 0) gapped.add(peersKey(s));
  const found: Transfer[] = [];
  for (const g of [...groups.values()].flatMap(samePath)) {
    if (g.length < 2 || new Set(g.map((m) => m.rest)).size < 2 || !concurrent(g)) continue;
    const size = fileSize(g) ?? (gapped.has(peersKey(g[0].s)) ? endOfFile(g) : null);
    if (size === null) continue;
    const whole = covers(g, size);
    // By offset (stable: one offset's downloads keep their order), for the nearest later offset.
    const byRest = [...g].sort((x, y) => x.rest - y.rest);
    for (const m of g) {
      const { t, s } = m;
      const stop = clientStop(t, s, stoppedByClient);
      if (stop === null) continue;
      // A client that closed after waiting on data that stopped coming gave up on it (silence-ended.ts):
      // a finished segment is closed as its bytes reach the next one's start, not after a silence.
      if (receiverEndedSilence(t, s) !== null || stoppedAfterSilence(t, stop.time)) continue;
      const closed = stop.frame;
      // The next segment: the nearest later offset of the same file, asked beside this one. A client
      // that re-splits (axel) may ask for it only after this one was closed, but over a session it
      // had open by then; a download asked in a session opened after this one was stopped is the
      // client coming back for the rest (curl -C - after the user's Ctrl-C): a later attempt.
      const end = stop.how === 'control' ? stop.time : endOf(t, s);
      let next: Member | null = null;
      for (let i = firstAbove(byRest, m.rest, restOf), tried = 0; i < byRest.length && tried < MAX_NEXT_TRIED; i++, tried++) {
        if (beside(byRest[i], m, end)) {
          next = byRest[i];
          break;
        }
      }
      if (next === null || reachOf(t) < next.rest) continue;
      t.segment = {
        start: m.rest,
        end: next.rest,
        size,
        next: { session: next.s.id, transfer: next.t.id, frame: next.t.request!.frame },
        closed,
        ...(stop.how === 'control' ? { control: true as const } : {}),
        whole,
      };
      found.push(t);
    }
  }
  return found;
}

/** Seconds after a piece's stop within which a session the client opened may still be its sibling (a re-split's new session). */
const SIBLING_GRACE = 1;

/**
 * Downloads the client stopped short (its ABOR, its reset or FIN of the data connection, or its
 * close of the control connection while the data still came) while another session of its own to
 * the same server (as the same user), begun by then and moving that file or none yet, was still under way when the capture ended (`underWay`: that
 * session's last step, or null), and that no later download of the same file in the capture follows: a client that
 * fetches a file in segments (axel, aria2c, lftp pget) closes each once its piece is in and asks
 * for the next over its other sessions, so whether this was such a piece or a download stopped short
 * comes after the capture's end. Each with its SplitPending; a download that findSplitSegments made
 * a segment is not one.
 */
export function findPendingSplits(
  sessions: Session[],
  stoppedByClient: (t: Transfer, s: Session) => boolean,
  underWay: (s: Session) => number | null,
): Map<Transfer, SplitPending> {
  const found = new Map<Transfer, SplitPending>();
  // Only downloads are read below: without one, no index of every session by its peers.
  if (!sessions.some((s) => s.transfers.some((t) => t.direction === 'download'))) return found;
  /** Per client and server: the sessions still under way at the end (the first two: one besides any), and the last request of each file name. */
  const going = new Map<string, Array<{ s: Session; frame: number }>>();
  const lastAsked = new Map<string, number>();
  const fileKey = (s: Session, path: string): string => `${peersKey(s)}|${path.slice(path.lastIndexOf('/') + 1)}`;
  for (const s of sessions) {
    for (const t of s.transfers) {
      const path = pathOf(t);
      if (t.direction !== 'download' || path === null) continue;
      const k = fileKey(s, path);
      lastAsked.set(k, Math.max(lastAsked.get(k) ?? 0, t.request!.frame));
    }
    const list = going.get(peersKey(s)) ?? [];
    if (list.length >= 2 || s.close !== null || s.closedBy !== null) continue;
    const frame = underWay(s);
    if (frame === null) continue;
    list.push({ s, frame });
    going.set(peersKey(s), list);
  }
  for (const s of sessions) {
    // A split's sessions log in as one user: another user's session beside it is another client (users behind one NAT).
    const others = going.get(peersKey(s))?.filter((g) => g.s !== s && sameLogin(g.s, s));
    if (others === undefined || others.length === 0) continue;
    for (const t of s.transfers) {
      const c = t.connection;
      const path = pathOf(t);
      if (t.direction !== 'download' || path === null || !c?.established || c.midstream || t.segment !== undefined) continue;
      if (t.inferred !== undefined || t.fxp !== undefined) continue;
      const stop = clientStop(t, s, stoppedByClient);
      // A later download of the same file is what came of this one (a segment's next, a resume): its verdict stands.
      if (stop === null || (lastAsked.get(fileKey(s, path)) ?? 0) > stop.frame || stoppedAfterSilence(t, stop.time)) continue;
      // A sibling runs beside the piece, downloading the same file or no file yet: a session begun
      // after the stop, or one that moved other files only, or uploaded this one (a segment is a
      // download), is another run of the client's.
      const name = fileKey(s, path);
      const sameFile = (o: Session): boolean => {
        const files = o.transfers.filter((x) => x.direction !== 'listing' && pathOf(x) !== null);
        return files.length === 0 || files.some((x) => mayBeDownload(x) && fileKey(o, pathOf(x)!) === name);
      };
      const other = others.find((g) => g.s.start <= stop.time + SIBLING_GRACE && sameFile(g.s));
      if (other === undefined) continue;
      found.set(t, { how: stop.how, closed: stop.frame, reach: reachOf(t), session: other.s.id, frame: other.frame });
    }
  }
  return found;
}

/** A download's first frame in the capture: its command, else (the command lost) the server's first reply to it, else its data connection's. */
function firstFrameOf(t: Transfer): number | null {
  return t.request?.frame ?? t.preliminary?.frame ?? t.reply?.frame ?? connectionFrame(t);
}

/** The first frame the capture holds of a transfer's data connection: its SYN, else its first handshake packet or its last data. */
function connectionFrame(t: Transfer): number | null {
  const c = t.connection;
  return c === null ? null : (c.synFrame ?? c.handshake[0]?.frame ?? c.lastData?.frame ?? null);
}

/** A transfer between the hosts that may be a download of a split: a download, or one whose command the capture lost (which it was is not known). */
const mayBeDownload = (u: Transfer): boolean => u.direction === 'download' || (u.inferred === 'command-lost' && u.direction !== 'upload');

/** How many other transfers are weighed per stopped download: a client's few segments are near it; thousands of downloads of a hostile capture cost no more. */
const MAX_BESIDE_TRIED = 64;

/**
 * Downloads the client stopped short (the reading of findSplitSegments: its ABOR, its reset or FIN of
 * the data connection before the server's) that findSplitSegments could not show a finished piece,
 * beside another download between the same client and server, by the same user, that ran while it did (its session
 * open before this one was stopped, its own transfer not over before this one was asked), where the
 * capture lost what that showing reads: control bytes of this session or of one of those beside it
 * (a segment's REST, its 350, its RETR, a SIZE's 213 — Session.controlGapBytes), or the other
 * download's command (inferred command-lost) or its data connection's opening (seen mid-stream). A
 * piece or a stop: not in the capture. Each with its SplitLost; a segment or a pending split is not one.
 */
export function findSplitsLost(sessions: Session[], stoppedByClient: (t: Transfer, s: Session) => boolean): Map<Transfer, SplitLost> {
  const found = new Map<Transfer, SplitLost>();
  // Only an aborted download is read below: without one, no index of every session by its peers.
  if (!sessions.some((s) => s.transfers.some((t) => t.status === 'aborted' && t.direction === 'download'))) return found;
  const byPeers = new Map<string, Session[]>();
  for (const s of sessions) {
    const k = peersKey(s);
    let list = byPeers.get(k);
    if (list === undefined) byPeers.set(k, (list = []));
    list.push(s);
  }
  for (const [, peers] of byPeers) {
    if (peers.length < 2 && peers.every((s) => s.transfers.length < 2)) continue;
    for (const s of peers) {
      for (const t of s.transfers) {
        const c = t.connection;
        if (t.status !== 'aborted' || t.direction !== 'download' || t.request === null || !c?.established || c.midstream) continue;
        if (t.segment !== undefined || t.splitPending !== undefined || t.inferred !== undefined || t.fxp !== undefined) continue;
        const stop = clientStop(t, s, stoppedByClient);
        if (stop === null || stoppedAfterSilence(t, stop.time)) continue;
        let lost: SplitLost['lost'] | null = null;
        let other: { s: Session; t: Transfer; frame: number } | null = null;
        let tried = 0;
        const from = t.request.time;
        const reach = reachOf(t);
        // Sessions open while it was asked first (its downloads the likeliest pieces beside it); then those
        // closed before, as findSplitSegments' `beside` reads them (a split client's later connection
        // fetching again a piece whose next one an earlier connection asked), only with a REST in them
        // naming an offset this download's data reached: a piece's start, not the same file fetched again.
        const open = (u: Session): boolean => u === s || (u.closedBy?.time ?? u.end) >= from;
        // Of those closed before, the latest few (a hostile capture's peers may be thousands).
        const closed = peers.filter((u) => !open(u)).slice(-MAX_CLOSED_WEIGHED).filter((u) => asksOffsetWithin(u, t.restOffset ?? 0, reach));
        for (const u of [...peers.filter(open), ...closed]) {
          if (tried >= MAX_BESIDE_TRIED || (lost !== null && other !== null)) break;
          // Its session open before this download was stopped; logged in as the same user.
          if (u.start >= stop.time || (u !== s && !sameLogin(u, s))) continue;
          if (lost === null && u.controlGapBytes > 0) lost = { what: 'control', session: u.id, frame: u.controlGapFrame ?? firstFrameOf(u.transfers[0] ?? t) ?? t.request.frame };
          for (const x of u.transfers) {
            if (x === t || !mayBeDownload(x)) continue;
            const xc = x.connection;
            const xFirst = firstFrameOf(x);
            if (xFirst === null) continue;
            // In a session open while it was asked: over before that, or asked again in this session once
            // it was stopped: no piece beside it.
            if (open(u) && xc !== null && xc.end < from) continue;
            if (x.request !== null && x.request.time >= stop.time && u === s) continue;
            tried++;
            other ??= { s: u, t: x, frame: xFirst };
            if (lost === null && x.inferred === 'command-lost') lost = { what: 'command', frame: xFirst };
            if (lost === null && xc?.midstream === true) lost = { what: 'connection', frame: connectionFrame(x) ?? xFirst };
            if (lost !== null && other !== null) break;
          }
        }
        if (lost === null || other === null) continue;
        found.set(t, { how: stop.how, closed: stop.frame, reach, session: other.s.id, transfer: `${other.s.id}.${other.t.id}`, frame: other.frame, lost });
      }
    }
  }
  return found;
}

/** Sessions closed before a stopped download was asked that are weighed as beside it (findSplitsLost). */
const MAX_CLOSED_WEIGHED = 16;

/** A REST of the session's, in the capture, naming an offset above `start` and up to `reach`. */
function asksOffsetWithin(s: Session, start: number, reach: number): boolean {
  const offsets = restOffsetsOf(s);
  const i = firstAbove(offsets, start, (x) => x);
  return i < offsets.length && offsets[i] <= reach;
}

/** The offsets the session's RESTs named, in order: read once per session. */
function restOffsetsOf(s: Session): number[] {
  let offsets = restOffsets.get(s);
  if (offsets === undefined) {
    offsets = [];
    for (const c of s.commands) {
      const offset = c.command === 'REST' ? restartOffset(c) : null;
      if (offset !== null) offsets.push(offset);
    }
    offsets.sort((x, y) => x - y);
    restOffsets.set(s, offsets);
  }
  return offsets;
}
const restOffsets = new WeakMap<Session, number[]>();

/**
 * Downloads of one file name split by path: one group per absolute path, each with the relative
 * paths (a session whose CWD the capture lost: "seg3m.txt" beside "/pub/seg3m.txt") that end it,
 * when only one absolute path is there to end; the same relative path alone is a group of its own.
 */
function samePath(g: Member[]): Member[][] {
  const by = new Map<string, Member[]>();
  for (const m of g) {
    const p = pathOf(m.t)!;
    let list = by.get(p);
    if (list === undefined) by.set(p, (list = []));
    list.push(m);
  }
  if (by.size === 1) return [g];
  const absolute = [...by.keys()].filter((p) => p.startsWith('/'));
  if (absolute.length !== 1) return [...by.values()];
  const whole = absolute[0];
  const joined = [...by.get(whole)!];
  const rest: Member[][] = [];
  for (const [p, list] of by) {
    if (p === whole) continue;
    if (whole.endsWith(`/${p}`)) joined.push(...list);
    else rest.push(list);
  }
  return [joined, ...rest];
}

/**
 * Download `u` belongs to the same split as `m`, stopped at `end`: asked before then, or over
 * another session the client had already opened (a split client's connections run side by side;
 * the same session asking again, or a session opened afterwards, is a new attempt). A tie counts as
 * before: a capture that keeps time coarsely (0.1 s) gives one timestamp to a session's opening and
 * a close just after it, and at microseconds a new attempt's SYN never shares the stop's.
 */
const beside = (u: Member, m: Member, end: number): boolean =>
  u.t.request!.time <= end || (u.s !== m.s && u.s.start <= end);

/**
 * When a download's data connection ended for its client: the client's own close (its FIN or reset)
 * when it closed first, else the connection's last packet. What follows a client's close is only the
 * server still sending into it, or the client's stack sending its FIN again, not a connection still in
 * use (a58-active-retr-blackhole-vsftpd-lftp: a firewall drops what the server sends; the client's FIN
 * goes out again for 13 s, and at the server its data is sent again for as long, while the client
 * resumes over new sessions). Or, when the client closed its control connection first, that close.
 */
function endOf(t: Transfer, s: Session): number {
  const c = t.connection!;
  const first = c.handshake.find((e) => e.type === 'fin' || e.type === 'rst');
  const end = first !== undefined && first.by === 'client' ? first.time : c.end;
  // The client closed its control connection before that (its close of the data connection not
  // captured): its download was over for it then.
  const control = s.closedBy;
  return control !== null && control.by === 'client' && control.time < end && t.request !== null && control.frame > t.request.frame ? control.time : end;
}

/**
 * Two of the downloads ran at once, each from its session's start (a split client opens its
 * sessions side by side, axel before any segment's data connection): the client split the file on
 * purpose. Downloads one after another, each session opened after the last download stopped (a
 * transfer stopped, then resumed with REST) are attempts, not segments.
 */
function concurrent(g: Member[]): boolean {
  const spans = g.map((m) => [m.s.start, endOf(m.t, m.s)] as const).sort((a, b) => a[0] - b[0]);
  let end = -Infinity;
  for (const [a, b] of spans) {
    if (a < end) return true;
    end = Math.max(end, b);
  }
  return false;
}

/**
 * The file's size from what the sessions stated: every stated size is the file's (S), or, after
 * REST r, what was left of it (S - r: proftpd's 150). Null when none was stated or they disagree.
 */
function fileSize(g: Member[]): number | null {
  let size: number | null = null;
  for (const m of g) if (m.t.expectedSize !== null && (size === null || m.t.expectedSize > size)) size = m.t.expectedSize;
  if (size === null) return null;
  for (const m of g) {
    const e = m.t.expectedSize;
    if (e !== null && e !== size && e !== size - m.rest) return null;
  }
  return size;
}

/**
 * No size stated in the capture, where a session between the same client and server lost control
 * bytes (the SIZE, or its 213, in a gap; or the transfer command of the session that asked it: axel
 * asks SIZE on its first connection only): the file ends where a segment the server
 * sent to its end ends. A RETR after REST r sends from r to the end of the file: one in binary, that
 * the server completed (226) with its data whole (its FIN, nothing lost the receiver did not
 * acknowledge, no reset), ends the file at r plus its bytes. Null when none did.
 */
function endOfFile(g: Member[]): number | null {
  let end: number | null = null;
  for (const { t } of g) {
    const c = t.connection!;
    const fin = c.handshake.find((e) => e.type === 'fin' && e.by === 'server');
    if (t.status !== 'complete' || t.type !== 'I' || (t.reply?.code !== 226 && t.reply?.code !== 250) || c.rst !== null || fin === undefined || c.undeliveredBytes > 0) continue;
    end = Math.max(end ?? 0, reachOf(t));
  }
  return end;
}

/** The downloads' pieces together hold every byte of the file. */
function covers(g: Member[], size: number): boolean {
  const pieces = g.map((m) => [m.rest, reachOf(m.t)] as const).sort((a, b) => a[0] - b[0]);
  let end = 0;
  for (const [a, b] of pieces) {
    if (a > end) return false;
    end = Math.max(end, b);
  }
  return end >= size;
}
