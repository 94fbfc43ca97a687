/**
 * What the analysis itself did not follow, and the transfers whose end lies there: nothing after
 * it may be read as a failure. Three budgets (memory-budget.ts) give things up: live connections
 * (a transfer's data connection or its session's control connection given up: TcpConnection.evicted),
 * commands kept (Session.commandsNotKept), and sessions kept (a client's other sessions to the server
 * let go: Session.peersNotKept; to another server, where an FXP copy's other half may be:
 * Session.otherServersNotKept). verdict.ts reads these for the `not-followed` verdict, the diagnosis
 * for giving none.
 */
import { saysLacking } from '../ftp/commands.js';
import { nextSession } from './fallback.js';
import { peersKey } from './sorted.js';
import type { Session, Transfer } from './model.js';

/** The frame at which the data connection, else the control connection, was given up; undefined when both were followed. */
export function notFollowedAt(t: Transfer, s: Session): number | undefined {
  return t.connection?.evicted ?? s.controlConnection.evicted;
}

/**
 * The frame from which the session's commands were counted and not kept (Session.commandsNotKept:
 * the command budget), when what the client did after this transfer would decide how it ended and
 * nothing of that was kept: an announcement no kept command used, a transfer with no final reply, or
 * a refusal the client may have got past another way (a command the server lacks, a 550 on a name
 * that may be a directory); for a refused announcement that ended its session, the client's next
 * session's commands. Undefined otherwise, and when a later transfer went through (a 2xx): that is
 * the client's next way, kept.
 */
export function commandsNotKeptAfter(t: Transfer, s: Session, sessions: readonly Session[], depth = 0): NotKept | undefined {
  const notKept: NotKept | undefined = s.commandsNotKept !== undefined ? { from: s.commandsNotKept.from, what: 'commands' } : nextSessionNotKept(t, s, sessions, depth);
  if (notKept === undefined) return undefined;
  const last = Math.max(t.announce?.reply?.frame ?? t.announce?.frame ?? 0, t.request?.frame ?? 0, t.reply?.frame ?? 0);
  if (notKept.from < last) return undefined;
  const decidedLater = t.request === null || t.reply === null || saysLacking(t.reply) || (t.reply.code === 550 && t.direction === 'download');
  if (!decidedLater) return undefined;
  return lastWentThrough(s) > last ? undefined : notKept;
}

const wentThroughCache = new WeakMap<Session, number>();

/** The command frame of the session's latest transfer that went through (a 2xx), 0 if none: found once per session. */
function lastWentThrough(s: Session): number {
  let latest = wentThroughCache.get(s);
  if (latest === undefined) {
    latest = 0;
    for (const o of s.transfers) if (o.request !== null && o.reply !== null && o.reply.code >= 200 && o.reply.code < 300) latest = Math.max(latest, o.request.frame);
    wentThroughCache.set(s, latest);
  }
  return latest;
}

/** Where the client's next steps stopped being kept: a session's `commands`, or whole `sessions` let go (Session.peersNotKept). */
export interface NotKept {
  from: number;
  what: 'commands' | 'sessions';
}

/** Reconnects a chain of refusals may pass through (as fallback.ts's MAX_STEPS). */
const MAX_RECONNECTS = 8;

/**
 * A refused announcement that ended its session: the client's next way is its next session (lftp
 * reconnects after each refusal). Its commands not kept, or its own refusal's next way not kept in
 * turn: where they stopped being kept.
 */
function nextSessionNotKept(t: Transfer, s: Session, sessions: readonly Session[], depth: number): NotKept | undefined {
  if (t.announce?.reply == null || t.announce.reply.code < 400 || depth >= MAX_RECONNECTS) return undefined;
  const next = nextSession(t, s, sessions);
  // None kept, while the analysis let go sessions of this client to this server after the refusal.
  if (next === null) return s.peersNotKept !== undefined && s.peersNotKept > t.announce.reply.frame ? { from: s.peersNotKept, what: 'sessions' } : undefined;
  if (next.commandsNotKept !== undefined) return { from: next.commandsNotKept.from, what: 'commands' };
  const last = next.transfers[next.transfers.length - 1];
  return last === undefined ? undefined : commandsNotKeptAfter(last, next, sessions, depth + 1);
}

interface Cut {
  session: Session;
  from: number;
}

/**
 * Per analysis, per client-and-server pair: its two sessions the analysis stopped following earliest
 * (enough to find the earliest other than any one session), and the frame each stopped.
 */
const cutByPeers = new WeakMap<readonly Session[], Map<string, [Cut, Cut | null]>>();

/**
 * A download the client stopped before its end, while the analysis did not follow another session of
 * the same client to the same server whole (its commands not kept, its control connection given up,
 * or the session let go past the session budget): a split download's next segment, whose start
 * would show this piece was done (split-download.ts), may be in what was not followed. The earliest
 * such frame, else undefined.
 */
export function splitSiblingNotFollowed(t: Transfer, s: Session, sessions: readonly Session[]): number | undefined {
  if (t.direction !== 'download') return undefined;
  let map = cutByPeers.get(sessions);
  if (map === undefined) {
    map = new Map();
    for (const o of sessions) {
      const from = o.commandsNotKept?.from ?? o.controlConnection.evicted;
      if (from === undefined) continue;
      const cut = { session: o, from };
      const two = map.get(peersKey(o));
      if (two === undefined) map.set(peersKey(o), [cut, null]);
      else if (from < two[0].from) map.set(peersKey(o), [cut, two[0]]);
      else if (two[1] === null || from < two[1].from) two[1] = cut;
    }
    cutByPeers.set(sessions, map);
  }
  const two = map.get(peersKey(s));
  const other = two === undefined ? undefined : two[0].session !== s ? two[0].from : two[1]?.from;
  // Sessions of the pair let go altogether (past the session budget) count from the latest one's first frame.
  const letGo = s.peersNotKept;
  return other === undefined ? letGo : letGo === undefined ? other : Math.min(other, letGo);
}

/** Downloads settleOutcomes found stopped while a split sibling was not followed: the frame it stopped being followed. */
const stoppedBesideNotFollowed = new WeakMap<Transfer, number>();

/** Record (settleOutcomes) or read (verdict, diagnosis) a download stopped while its split siblings were not followed whole. */
export const markSiblingNotFollowed = (t: Transfer, from: number): void => void stoppedBesideNotFollowed.set(t, from);
export const siblingNotFollowedFrom = (t: Transfer): number | undefined => stoppedBesideNotFollowed.get(t);

/**
 * A passive transfer (its 227 accepted) that nothing connected to and the server never answered, while
 * the analysis let go sessions of the same client to another server that ran past its announcement
 * (Session.otherServersNotKept): an FXP copy's other half, the PORT naming this endpoint that the
 * client sent that server, may be there (fxp.ts pairs them when both are kept). Their first frame,
 * else undefined.
 */
export function fxpHalfNotKept(t: Transfer, s: Session): number | undefined {
  const gone = s.otherServersNotKept;
  if (gone === undefined || t.mode !== 'passive' || t.connection !== null || t.reply !== null || t.fxp !== undefined) return undefined;
  const at = t.announce?.reply;
  if (!t.announce?.endpoint || !at || at.code >= 300) return undefined;
  return gone.to >= at.frame ? gone.from : undefined;
}

/** Where an unfinished transfer stopped being followed, as its `not-followed` verdict says it (verdict-types.ts), and that frame. */
export interface NotFollowed {
  at: { siblingFrom: number } | { commandsFrom: number } | { sessionsFrom: number } | { otherServersFrom: number } | { evictedAt: number };
  frame: number;
}

/**
 * Why an unfinished transfer's end is not known to the analysis, if it is one it did not follow:
 * its split siblings not followed, the client's next steps not kept, its connections given up, or an
 * FXP copy's other half in a session let go, in that order; null otherwise. The verdict's `not-followed` and the diagnosis' silence read it.
 */
export function notFollowed(t: Transfer, s: Session, sessions: readonly Session[]): NotFollowed | null {
  const sibling = siblingNotFollowedFrom(t);
  if (sibling !== undefined) return { at: { siblingFrom: sibling }, frame: sibling };
  const notKept = commandsNotKeptAfter(t, s, sessions);
  if (notKept !== undefined) return { at: notKept.what === 'commands' ? { commandsFrom: notKept.from } : { sessionsFrom: notKept.from }, frame: notKept.from };
  const evicted = notFollowedAt(t, s);
  if (evicted !== undefined) return { at: { evictedAt: evicted }, frame: evicted };
  const fxp = fxpHalfNotKept(t, s);
  return fxp === undefined ? null : { at: { otherServersFrom: fxp }, frame: fxp };
}
