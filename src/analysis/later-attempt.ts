/**
 * A transfer that did not complete, and what the client did next about it: the later transfer in
 * the capture that tried the same thing again (lftp's and curl's retries, wget -c resuming, a
 * script falling back from active to passive mode), and whether that attempt completed. A fact
 * beside the verdict, never a cause: the failed attempt keeps its own status and diagnosis, and
 * the later one is judged on its own.
 */
import type { Session, Transfer } from './model.js';
import { firstAbove, peersKey, sameLogin } from './sorted.js';
import { dataReceiverOf } from './data-sender.js';

/** Verdicts of an attempt that did not get its data across. */
const UNFINISHED = new Set(['failed', 'aborted', 'incomplete']);

/**
 * An attempt the capture cannot judge because the client was gone before the server's 226 (killed
 * mid-transfer looks so): only a later resume of the same path (REST past 0) answers for it — the
 * client itself held its copy unfinished. A plain re-send of the file says nothing.
 */
const clientGone = (t: Transfer): boolean => t.verdict.kind === 'unknown' && t.verdict.why === 'client-gone';

/**
 * The last frame of the transfer's story as its client lived it: its final reply (or the client's ABOR
 * after it), else the last frame its verdict cites. Frames the verdict cites after a final reply are
 * its data connection's late end — a reset that answered the client's FIN only once a firewall let it
 * through, seconds on — which the client did not wait for: wget and aria2c had resumed the file in a
 * new attempt by then, and that attempt is this one's later attempt, not one that ran beside it. A
 * client that gave the attempt up before that reply (givenUp) ended its story there: wget's and
 * aria2c's read timeouts close the data connection and the session and resume in a new one, and the
 * server's 426 or 226 for the old one may come only after the new one began.
 */
function endFrame(t: Transfer, s: Session): number {
  const replied = t.reply === null ? null : Math.min(t.reply.frame, givenUp(t, s) ?? Infinity);
  const frames = [replied, t.abortFrame, t.request?.frame, t.announce?.reply?.frame, t.announce?.frame, ...(t.reply === null ? t.verdict.evidence : [])];
  return Math.max(0, ...frames.filter((f): f is number => typeof f === 'number'));
}

/**
 * Where the client gave an attempt up: its first FIN or reset on a data connection it was receiving
 * on (it stopped reading), or its end of the control connection, whichever came first; null when
 * neither is in the capture.
 */
function givenUp(t: Transfer, s: Session): number | null {
  const c = t.connection;
  const stopped = c !== null && dataReceiverOf(t) === 'client' ? (c.handshake.find((e) => (e.type === 'fin' || e.type === 'rst') && e.by === 'client')?.frame ?? null) : null;
  const left = s.closedBy?.by === 'client' ? s.closedBy.frame : null;
  return stopped === null ? left : left === null ? stopped : Math.min(stopped, left);
}

/** Where an attempt begins: its command, or (when it never sent one) its PASV/PORT. */
const startFrame = (t: Transfer): number | null => t.request?.frame ?? t.announce?.frame ?? null;
const pathOf = (t: Transfer): string | null => (t.request === null ? null : (t.request.path ?? t.request.arg));
/** A path's last part: candidates are indexed by it, and matched by samePath. */
const baseName = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
/**
 * Two paths name the same file: equal, or one left relative (its session never learned its directory:
 * lftp sends PWD in its first session only) that ends the other, an absolute one.
 */
const samePath = (a: string, b: string): boolean => a === b || (a.startsWith('/') !== b.startsWith('/') && (a.startsWith('/') ? a.endsWith(`/${b}`) : b.endsWith(`/${a}`)));

/** A transfer that may be a later attempt, with its session and where it begins. */
interface Candidate {
  u: Transfer;
  s: Session;
  start: number;
}

/**
 * How many candidates past an attempt's end are looked at before giving up: the later attempt is
 * nearly always the next one or two; a capture built to defeat this (thousands of same-path
 * transfers in sessions already running) costs this many steps per attempt, not the whole capture.
 */
const MAX_SCAN = 256;

const startOf = (c: Candidate): number => c.start;

/**
 * Sets `laterAttempt` on every unfinished transfer that has one (and on one whose client was gone
 * before the final reply, when the later attempt is a resume): the later attempt of a transfer
 * `t` of session `s` is, among the transfers of `s` and of the sessions the same client address
 * opened to the same server endpoint after `t` began (or already running, for a resume from exactly
 * where `t` stopped) (logged in as the same user), whose command
 * came after `t` ended:
 * when `t` named a path, the first one naming the same path (samePath: a path left relative matches the absolute one it ends) in the same direction and starting at
 * or before where `t` stopped (its REST offset, if any, no further than `t`'s offset plus the bytes
 * `t` moved: a resume, not another segment of the file); when `t` never sent its command (the data
 * connection failed first), the client's next transfer with that server, whatever it named, or its
 * next attempt that named nothing either and did not get through (the same failure again).
 * An attempt that never sent its command, retried in a new session, takes the session the client
 * opened first after it (among the bounded scan), one each: a client running sessions in parallel
 * (lftp mirror --parallel) reconnects once per failed job, so two such attempts that failed side by
 * side are not both the forerunners of one new session; they claim new sessions in the order they
 * failed.
 * Candidates are indexed by client and server (and path), sorted by where they begin: linear in
 * the transfers, with a bounded scan per attempt.
 */
export function assignLaterAttempts(sessions: Session[]): void {
  const byPeers = new Map<string, Candidate[]>();
  const byPath = new Map<string, Candidate[]>();
  for (const s of sessions) {
    // Its key made for a session with transfers only (100,000 logins: 100,000 strings).
    if (s.transfers.length === 0) continue;
    const peers = peersKey(s);
    for (const u of s.transfers) {
      const start = startFrame(u);
      if (start === null || u.fxp !== undefined || u.inferred !== undefined) continue;
      const c = { u, s, start };
      let all = byPeers.get(peers);
      if (all === undefined) byPeers.set(peers, (all = []));
      all.push(c);
      const path = pathOf(u);
      if (path === null) continue;
      const key = `${peers}|${u.direction}|${baseName(path)}`;
      let same = byPath.get(key);
      if (same === undefined) byPath.set(key, (same = []));
      same.push(c);
    }
  }
  // Stable: candidates that begin at the same frame keep session and transfer order.
  for (const list of [...byPeers.values(), ...byPath.values()]) list.sort((a, b) => a.start - b.start);
  // Attempts that never sent their command claim new sessions one each, in the order they ended.
  const commandless: { t: Transfer; s: Session; end: number }[] = [];
  for (const s of sessions) {
    for (const t of s.transfers) {
      if (pathOf(t) === null && UNFINISHED.has(t.verdict.kind)) {
        commandless.push({ t, s, end: endFrame(t, s) });
        continue;
      }
      const later = laterAttempt(t, s, byPeers, byPath, null);
      if (later !== undefined) t.laterAttempt = later;
    }
  }
  commandless.sort((p, q) => p.end - q.end);
  const claimed = new Set<Session>();
  for (const { t, s } of commandless) {
    const later = laterAttempt(t, s, byPeers, byPath, claimed);
    if (later !== undefined) t.laterAttempt = later;
  }
}

/**
 * `claimed` (attempts that never sent their command): the new sessions earlier such attempts took;
 * this one takes, among the new sessions, the one the client opened first that none has taken.
 */
function laterAttempt(
  t: Transfer,
  s: Session,
  byPeers: Map<string, Candidate[]>,
  byPath: Map<string, Candidate[]>,
  claimed: Set<Session> | null,
): Transfer['laterAttempt'] {
  const gone = clientGone(t);
  if ((!UNFINISHED.has(t.verdict.kind) && !gone) || t.inferred !== undefined || t.fxp !== undefined) return undefined;
  const after = endFrame(t, s);
  const path = pathOf(t);
  if (gone && path === null) return undefined;
  const reach = (t.restOffset ?? 0) + t.bytes;
  // Another session is a new attempt only when the client opened it after this attempt began: a
  // session already running beside it (two sessions of one script) fetching the same file is not a retry.
  const began = t.request?.time ?? t.announce?.time ?? null;
  const list = (path === null ? byPeers.get(peersKey(s)) : byPath.get(`${peersKey(s)}|${t.direction}|${baseName(path)}`)) ?? [];
  let best: Candidate | null = null;
  // The first new session's candidate (by when the session opened), for an attempt that claims one.
  let firstNew: Candidate | null = null;
  for (let i = firstAbove(list, after, startOf), end = Math.min(list.length, i + MAX_SCAN); i < end; i++) {
    const c = list[i];
    const u = c.u;
    // A session already running beside it counts when it resumed this very attempt: its REST exactly
    // where this one stopped, sent after this one ended (lftp mirror --parallel hands a cut file's
    // resume to whichever of its sessions is free).
    const resumesIt = reach > 0 && u.restOffset === reach;
    if (u === t || (c.s !== s && (began === null || (c.s.start <= began && !resumesIt) || !sameLogin(s, c.s)))) continue;
    if (path !== null && ((u.restOffset ?? 0) > reach || !samePath(path, pathOf(u)!))) continue;
    if (gone && (u.restOffset ?? 0) === 0) continue;
    // Without a path, an attempt that named nothing either counts only when it too did not get through
    // (or was refused as a retry of this one: retry-refused.ts).
    if (path === null && u.request === null && !UNFINISHED.has(u.verdict.kind) && u.verdict.kind !== 'retry-refused') continue;
    if (claimed !== null && c.s !== s) {
      // A new session: the first one opened that no earlier attempt took; its first candidate.
      if (!claimed.has(c.s) && (firstNew === null || c.s.start < firstNew.s.start)) firstNew = c;
      continue;
    }
    best = c;
    break;
  }
  // A retry in this session that came before the new session's is this session's; else the new session's.
  if (firstNew !== null && (best === null || firstNew.start < best.start)) best = firstNew;
  if (best === null) return undefined;
  if (claimed !== null && best.s !== s) claimed.add(best.s);
  const { u, s: us } = best;
  return {
    session: us.id,
    transfer: u.id,
    frame: best.start,
    request: u.request === null ? null : `${u.request.command} ${u.request.arg}`.trim(),
    rest: u.restOffset,
    samePath: path !== null,
    sameSession: us.id === s.id,
    ...(us.id !== s.id && began !== null && us.start <= began ? { alreadyOpen: true as const } : {}),
    outcome: u.verdict.kind,
    ...(u.verdict.kind === 'incomplete' ? { unfinished: u.verdict.why } : {}),
  };
}
