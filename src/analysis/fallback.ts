/**
 * A refused transfer command the client recovered from: it probed with a command the server lacks
 * (yafc's and aioftp's MLSD to vsftpd, answered 500), or asked for a directory as a file (urllib's
 * RETR pub, 550), and then did what it meant another way, which completed; or a refused announcement
 * the client got past (announceFallback). Not a failed transfer: nothing was wrong with any data
 * connection, and nothing needs changing. Decided here once
 * (verdict.ts gives it the status `fell-back`); every output words that verdict.
 */
import { activeMismatch } from './active-mismatch.js';
import { servedDespiteLostAnnouncement } from './announce-lost.js';
import { dataEndNotCaptured } from './data-end-lost.js';
import { dataSender } from './data-sender.js';
import { inFlightAtEnd, sessionStepAtEnd } from './in-flight.js';
import { announcesActive, announcesPassive, saysLacking } from '../ftp/commands.js';
import type { Command, Reply, Session, Transfer } from './model.js';
import { sessionOrder } from './session-order.js';
import { refusedUnlogged } from './unlogged-refusal.js';
import type { Fallback, RefusedStep } from './verdict-types.js';
import { firstAbove, peersKey, sameLogin } from './sorted.js';

/**
 * The client's fallback after the transfer's refused command, when it completed: after a 500/502,
 * the session's next transfer of the same kind (listing, download, upload) by another command, before
 * any other transfer of that kind; after a RETR's 550, a listing of the same name, once the server
 * accepted a CWD into it (the name is a directory). Null for any other refusal, or when nothing
 * moved the client on: a refused RETR of a missing file, a 425, stays a failure.
 * Reads the other transfers' statuses: call once they are settled. `captureEnd`: the time of the
 * capture's last packet (a fallback may still have been under way then).
 */
export function fallbackOf(t: Transfer, s: Session, sessions: readonly Session[], captureEnd: number | null): Fallback | null {
  // Served: complete, or answered 2xx over an announcement the capture lost (its data's own verdict is the transfer's).
  // Confirmed, its data connection's end lost (data-end-lost.ts): the server took the other way all the same.
  // Accepted (its 1xx), its data ended by its sender's FIN with no reset, no final reply in the capture
  // (urllib closes its control connection once the data is in, and the 226 comes after): taken too.
  const done = (o: Transfer): boolean =>
    (o.status === 'complete' && o.reply !== null && o.reply.code < 300) ||
    servedDespiteLostAnnouncement(o) ||
    (o.status === 'incomplete' && (dataEndNotCaptured(o) !== null || (o.reply === null && o.replyInGap === undefined && o.preliminary !== null && o.bytes > 0 && senderFinished(o))));
  const id = (o: Transfer): string => `${s.id}.${o.id}`;
  if (t.request === null) return announceFallback(t, s, sessions, done, captureEnd);
  const reply = t.reply;
  if (t.direction === null || reply === null || reply.code < 500 || t.bytes > 0) return null;
  // A refused announcement is not the transfer command's refusal.
  if (t.announce?.reply && t.announce.reply.code >= 400) return null;
  const after = requestsOf(s);
  const first = firstAbove(after, t.request.frame, requestFrame);
  if (saysLacking(reply)) {
    const lost = lostCommandAfter(t, s, after, first);
    if (lost !== null) return lost;
    for (let i = first; i < after.length; i++) {
      const o = after[i];
      if (o.direction !== t.direction) continue;
      if (o.request!.command === t.request.command) return null;
      if (done(o)) return { command: o.request!.command, frame: o.request!.frame, code: lastWord(o).code, replyFrame: lastWord(o).frame, transfer: id(o), directory: null, completed: true, ...replyMissing(o) };
      // Its final reply in bytes the capture lost (the client had it before its next command): its 1xx shows the server took it.
      if (o.status === 'incomplete' && o.replyInGap !== undefined && o.preliminary !== null) {
        const p = o.preliminary;
        return { command: o.request!.command, frame: o.request!.frame, code: p.code, replyFrame: p.frame, transfer: id(o), directory: null, completed: true, replyInGap: { gap: o.replyInGap.gap } };
      }
      // The other way was still under way when the capture ended (in-flight.ts).
      const inFlight = o.status === 'failed' ? null : inFlightAtEnd(o, s, captureEnd);
      return inFlight === null ? null : { command: o.request!.command, frame: o.request!.frame, transfer: id(o), completed: false, directory: null, underWay: Math.max(inFlight.frame, o.request!.frame) };
    }
    return null;
  }
  const asked = t.request.arg.trim();
  if (reply.code !== 550 || t.direction !== 'download' || asked === '') return null;
  // A directory asked for as one archive of itself (DIR.tar: the on-the-fly tar some servers make,
  // which ncftpget -R asks for first), then changed into and listed: the same probe.
  const archive = ARCHIVE_OF_DIRECTORY.exec(asked);
  const name = archive === null ? asked : archive[1];
  const next = after[first] as Transfer | undefined;
  const listing = next !== undefined && next.direction === 'listing' && listsDirectory(next.request!.arg, name, archive !== null) ? next : undefined;
  if (next !== undefined && listing === undefined) return null;
  let cwd: Command | undefined;
  for (const c of sessionOrder(s).commandsBetween(t.request.frame, listing?.request!.frame ?? Infinity)) {
    if (c.command === 'CWD' && c.arg.trim() === name && c.reply !== null && c.reply.code >= 200 && c.reply.code < 300) {
      cwd = c;
      break;
    }
  }
  if (cwd === undefined) return null;
  const directory = { arg: name, code: cwd.reply!.code, replyFrame: cwd.reply!.frame, ...(archive !== null ? { archive: asked } : {}) };
  if (listing === undefined || !done(listing)) {
    // The name is a directory (the server accepted the CWD into it), and the capture ended while the
    // client was on its way to list it: its LIST under way, or not asked yet, its session still going (in-flight.ts).
    if (listing !== undefined) {
      const inFlight = listing.status === 'failed' ? null : inFlightAtEnd(listing, s, captureEnd);
      const command = commandLine(listing);
      return inFlight === null ? null : { command, frame: listing.request!.frame, transfer: id(listing), completed: false, directory, underWay: Math.max(inFlight.frame, listing.request!.frame) };
    }
    const step = sessionStepAtEnd(s, captureEnd);
    return step === null ? null : { command: null, frame: null, transfer: null, completed: false, directory, underWay: step };
  }
  return {
    command: commandLine(listing),
    frame: listing.request!.frame,
    code: lastWord(listing).code,
    replyFrame: lastWord(listing).frame,
    transfer: id(listing),
    completed: true,
    directory,
    ...replyMissing(listing),
  };
}

/** A transfer command as sent: its verb and argument (LIST pub, LIST -a). */
const commandLine = (o: Transfer): string => `${o.request!.command}${o.request!.arg.trim() !== '' ? ` ${o.request!.arg.trim()}` : ''}`;

/** DIR.tar (and its compressed forms): the name a client asks for to get the directory DIR as one archive. */
const ARCHIVE_OF_DIRECTORY = /^(.+?)\.(?:tar(?:\.gz|\.Z|\.bz2)?|tgz)$/;

/**
 * A listing of the directory `name`: naming it, or — after asking for it as an archive, when the
 * client then changes into it — naming no path at all (options only, or "."), the directory it is in.
 */
function listsDirectory(arg: string, name: string, archive: boolean): boolean {
  const operands = arg.trim().split(/\s+/).filter((w) => w !== '' && !w.startsWith('-'));
  if (operands.length === 1 && operands[0] === name) return true;
  return archive && (operands.length === 0 || (operands.length === 1 && operands[0] === '.'));
}

/**
 * After a command the server lacks (MLSD answered 500): the client's next transfer command, its
 * way past, is in bytes the capture lost, and the server's replies to it are in the capture
 * (inferLostCommands: command-lost) — a 2xx, data the same way as the refused command's, before the
 * client's next transfer command of that kind. The fallback, named by what is known. Null otherwise.
 */
function lostCommandAfter(t: Transfer, s: Session, after: readonly Transfer[], first: number): Fallback | null {
  const at = t.reply!.frame;
  const next = after.slice(first).find((o) => o.direction === t.direction);
  const toClient = t.direction !== 'upload';
  for (const o of s.transfers) {
    if (o.inferred !== 'command-lost' || o.reply === null) continue;
    const answered = o.preliminary ?? o.reply;
    if (answered.frame <= at || (next !== undefined && answered.frame > next.request!.frame)) continue;
    if ((o.direction === 'upload') === toClient || o.direction === null || o.reply.code >= 300) return null;
    return { command: 'a transfer command the capture lost', commandLost: true, frame: answered.frame, code: o.reply.code, replyFrame: o.reply.frame, transfer: `${s.id}.${o.id}`, directory: null, completed: true };
  }
  return null;
}

/**
 * A refused PASV/EPSV/PORT/EPRT that no transfer command used (curl's EPSV answered 500 by a server
 * without it, then PASV): the client's next announcement, when the server accepted it and the
 * transfer command that used it got past the data connection. The refusal alone decided nothing:
 * the client asked again another way. The client may have been refused more than once on its way
 * (tnftp's EPSV, then PASV, then PORT): each refused announcement it sent next, with no transfer
 * command between, is a step of the same chain (`via`), and every one of them fell back. An accepted
 * announcement ends the chain: one for an FXP copy's other half (lftp's FXP: a refused PORT naming
 * the other server's endpoint, then a PASV for the copy's other half) is no fallback, nor one no
 * command used that the client never tried; and a refused PORT of an FXP copy is no probe, its
 * refusal is the copy's failure.
 * The fallback may then have failed for a reason of its own (busybox's RETR of a missing file: 550
 * after PASV): that failure is its transfer's, not the refused probe's (`completed` false); and so
 * may the client's attempt over the accepted announcement, before any transfer command (basic-ftp's
 * EPSV refused, then PASV, whose data connection failed: `FallbackAttempt`). Or the capture simply
 * stopped while the client was on its way over the accepted one (in-flight.ts: `FallbackUnderWay`).
 */
function announceFallback(t: Transfer, s: Session, sessions: readonly Session[], done: (o: Transfer) => boolean, captureEnd: number | null): Fallback | null {
  const refused = t.announce?.reply;
  if (!refusedProbe(t, s) || !refused) return null;
  const via: RefusedStep[] = [];
  let next: Transfer | undefined;
  let at = s;
  let last = t;
  // The latest step of the chain in its session: the refusal, or an accepted announcement passed over after it.
  let passed = t.announce!.reply!.frame;
  // Announcements of `at` from this index continue the chain (a new session's, all of them).
  let from = positionOf(s, t) + 1;
  const seen = new Set<Session>([s]);
  for (let steps = 0; ; ) {
    for (let i = from; i < at.transfers.length; i++) {
      const o = at.transfers[i];
      // A transfer command whose announcement the capture lost went past the refusal another way; so
      // did one over a PASV in the capture whose answer it lost (a data connection, a command used it).
      if (announceLost(o, at) || (o.announce === null && o.unansweredAnnounce !== undefined)) {
        next = o;
        break;
      }
      // By when each was asked (a passive announcement's frame is its reply's, which a capture may write after the next command).
      if (o.announce === null || (at === s && askedAt(o, at) <= askedAt(t, s))) continue;
      // An accepted announcement the client never used nor tried, with another after it in the
      // session: it asked yet another way (after EPSV ALL, vsftpd refuses PASV and PORT and accepts
      // EPRT, which the client leaves for EPSV). The chain goes on past it; it stays unused.
      if (unusedBetween(o, at)) {
        if (++steps > MAX_STEPS) return null;
        passed = o.announce.reply!.frame;
        continue;
      }
      if (!refusedProbe(o, at)) {
        next = o;
        break;
      }
      // A client refused this many times in a row is not falling back but going round: no recovery.
      if (++steps > MAX_STEPS) return null;
      via.push({ command: o.announce.command, frame: askedAt(o, at), code: o.announce.reply!.code, replyFrame: o.announce.reply!.frame, transfer: `${at.id}.${o.id}` });
      last = o;
      passed = o.announce.reply!.frame;
    }
    if (next !== undefined) break;
    const again = reconnected(last, at, sessions);
    if (again === null) {
      // The client asked another way, and the capture lost the server's answer; nothing used it in the capture.
      const lost = answerLostAfter(passed, positionOf(at, last) >= 0 ? last : null, at);
      if (lost !== null) return { command: null, frame: null, transfer: null, completed: false, directory: null, announce: { ...lost.announce, lacking: saysLacking(refused), via }, answerLost: { gap: lost.gap } };
      const going = (session: Session, step: number): Fallback => ({
        command: null, frame: null, transfer: null, completed: false, directory: null, ...(session !== s ? { session: session.id } : {}), underWay: step,
      });
      // A new session to the server, still going at the capture's end, that had asked nothing yet.
      const anew = reconnecting(last, at, sessions, captureEnd);
      if (anew !== null) return going(anew.session, anew.step);
      // The chain's last refusal (a later one than this) was its session's last word, the session still going (in-flight.ts).
      const own = last !== t ? inFlightAtEnd(last, at, captureEnd) : null;
      return own === null ? null : going(at, own.frame);
    }
    // Each session once (a capture whose times run backwards must not lead round in a circle).
    if (seen.has(again) || ++steps > MAX_STEPS) return null;
    seen.add(again);
    at = again;
    from = 0;
  }
  const answer = next.announce?.reply ?? null;
  if (next.fxp !== undefined || (answer !== null && answer.code >= 300)) return null;
  const transfer = `${at.id}.${next.id}`;
  // Over a PASV in the capture whose answer is not (unansweredAnnounce): that PASV, and where its answer was lost.
  const asked = next.announce === null ? next.unansweredAnnounce : undefined;
  const announce = { command: next.announce?.command ?? asked?.command ?? null, frame: next.announce === null ? (asked?.frame ?? null) : askedAt(next, at), lacking: saysLacking(refused), via };
  // Its answer in server bytes the capture lost: that PASV's, or a PORT's whose 200 is not in the capture.
  const askedFrame = asked !== undefined ? asked.frame : next.mode === 'active' && next.announce !== null && next.announce.reply === null ? next.announce.frame : undefined;
  const askedGap = askedFrame === undefined ? undefined : gapOfAnswer(at, askedFrame);
  const answerLost = (): Fallback | null =>
    askedGap === undefined ? null : { command: null, frame: null, transfer, completed: false, directory: null, announce, answerLost: { gap: askedGap } };
  // The client's transfer command over it is not in the capture, but the server's replies to it are
  // (inferLostCommands): it used the accepted announcement; the command is named by what is known.
  // Its 2xx says the server carried it out (the data's own verdict is the transfer's).
  if (next.request === null && next.inferred === 'command-lost' && next.reply !== null && (next.reply.code < 300 || pastConnection(next))) {
    const answered = next.preliminary ?? next.reply;
    const completed = next.reply.code < 300;
    return { command: 'a transfer command the capture lost', commandLost: true, frame: answered.frame, code: next.reply.code, replyFrame: next.reply.frame, transfer, directory: null, completed, announce };
  }
  // The capture stopped while the other way was still under way (its answer still to come, or the
  // attempt over it): the refusal was got past, and nothing after it had failed yet.
  const inFlight = next.status === 'complete' || next.status === 'failed' || servedDespiteLostAnnouncement(next) ? null : inFlightAtEnd(next, at, captureEnd);
  if (inFlight !== null) {
    const command = next.request === null ? null : `${next.request.command}${next.request.arg ? ` ${next.request.arg}` : ''}`;
    const accepted = answer === null ? {} : { accepted: { code: answer.code, frame: answer.frame } };
    return { command, frame: next.request?.frame ?? null, transfer, completed: false, directory: null, announce, ...accepted, underWay: Math.max(inFlight.frame, next.request?.frame ?? 0) };
  }
  if (next.request === null) {
    // A data connection the client opened after that PASV (inferred-transfers.ts): its outcome is its transfer's.
    if (answer === null) return answerLost();
    const accepted = { code: answer.code, frame: answer.frame };
    // The server accepted the other way, and the client's own attempt over it failed before any
    // command (basic-ftp: its data connection's SYNs unanswered, or a 227 naming another host it
    // would not connect to): that failure is the next transfer's. One the client never tried
    // (unused) moved it on to nothing: the refusal stays its own failure. So does one in a later
    // session (tnftp's refused EPRT and PORT, QUIT, then a new session's EPSV whose SYNs were
    // dropped): with no transfer command, nothing shows that session carried on the refused one.
    // Accepted, its address cut by the capture's snaplen, no command over it: the client took the
    // other way; where it then tried to connect, if at all, the capture cannot tell.
    const cut = next.status === 'unused' && next.announce?.cut === true;
    // Accepted and unused, and the capture lost control bytes after it (the client's next command, its
    // FIN): what the client did over it is not in the capture.
    const lostAfter = next.status === 'unused' && !cut && s.controlGapFrame !== undefined && s.controlGapFrame > answer.frame ? s.controlGapFrame : undefined;
    if ((next.status !== 'failed' && !cut && lostAfter === undefined) || at !== s) return null;
    return {
      command: null, transfer, completed: false, directory: null, announce, accepted,
      ...(cut ? { tupleCut: true as const } : {}),
      ...(lostAfter !== undefined ? { lostAfter: { gap: lostAfter } } : {}),
    };
  }
  // Its final reply in bytes the capture lost (the client had it before its next command): its 1xx shows the server took it.
  if (next.status === 'incomplete' && next.replyInGap !== undefined && next.preliminary !== null) {
    const p = next.preliminary;
    return { command: `${next.request.command}${next.request.arg ? ` ${next.request.arg}` : ''}`, frame: next.request.frame, code: p.code, replyFrame: p.frame, transfer, directory: null, completed: true, replyInGap: { gap: next.replyInGap.gap }, announce };
  }
  // The server took the other way — its answer is in the capture or, lost, its own SYN to the PORT's
  // endpoint shows it (a refused PORT draws none) — and the client sent a transfer command over it:
  // the refusal was got past, and that command's failure is its own transfer's, its data connection
  // that never opened (a 425: in active mode the server connects only once the command came, so the
  // attempt over a PORT can fail only after it) as much as a refusal of the file. As the failed
  // attempt before any command over an accepted PASV (FallbackAttempt above).
  // Its answer lost, the client's own connection to the endpoint only a 227 could name shows it.
  const took =
    answer !== null ||
    (next.mode === 'active' && next.connection?.synFrame != null && next.connection.initiator === 'server') ||
    (asked !== undefined && askedGap !== undefined && next.connection?.synFrame != null && next.connection.initiator === 'client');
  const usedAccepted = took && next.status === 'failed';
  // The announcement's answer in bytes the capture lost (or the announcement itself): the transfer
  // command over it, served or answered about the file, shows the server took it. Over a PASV whose
  // answer was lost, anything else: asked another way, how it went not known here (its transfer's verdict).
  if (!(done(next) || pastConnection(next) || usedAccepted)) return answerLost();
  return {
    command: `${next.request.command}${next.request.arg ? ` ${next.request.arg}` : ''}`,
    frame: next.request.frame,
    code: next.reply?.code ?? null,
    replyFrame: next.reply?.frame ?? null,
    transfer,
    directory: null,
    completed: done(next),
    ...(!done(next) && !pastConnection(next) ? { connectionFailed: true as const } : {}),
    announce,
  };
}

/**
 * The client's next announcement in `s` after the chain's latest step (`after`, a frame; the refused
 * `last` is the chain's latest refusal, when in `s`) when it is a PASV, EPSV or LPSV
 * whose answer is in the server's bytes the capture lost (noReply capture-gap): the command, and the
 * gap's frame; or, none before the capture lost client bytes after the refusal, those bytes (where
 * the client asked again, unseen: the command null, the gap where the capture resumed). Null when its
 * next is anything else, or there is none.
 */
function answerLostAfter(after: number, last: Transfer | null, s: Session): { announce: { command: string | null; frame: number | null }; gap: number } | null {
  // Client bytes the capture lost after the refusal (its next command, PASV, among them): where it resumed.
  const clientLost = last?.announce!.clientBytesLostAt;
  for (const c of sessionOrder(s).commandsBetween(after, clientLost ?? Infinity)) {
    if (c.command === null || (!announcesPassive(c.command) && !announcesActive(c.command))) continue;
    const gap = announcesPassive(c.command) ? gapOfAnswer(s, c.frame) : undefined;
    return gap === undefined ? null : { announce: { command: c.command, frame: c.frame }, gap };
  }
  return clientLost === undefined ? null : { announce: { command: null, frame: null }, gap: clientLost };
}

/** Where the server's answer to the client's command at `frame` was lost by the capture (noReply capture-gap), if it was. */
function gapOfAnswer(s: Session, frame: number): number | undefined {
  for (const c of sessionOrder(s).commandsBetween(frame - 1, frame + 1)) {
    if (c.frame === frame && c.reply === null && c.noReply?.why === 'capture-gap') return c.noReply.gap;
  }
  return undefined;
}

/**
 * An accepted announcement (2xx) that no transfer command used and no data connection tried
 * (status unused), followed by another announcement of its session: a step the client passed over.
 */
function unusedBetween(o: Transfer, s: Session): boolean {
  const reply = o.announce?.reply;
  // One whose address the capture cut (a snaplen) may have been tried where the capture cannot tell: no step passed over.
  if (o.announce?.cut === true) return false;
  return o.status === 'unused' && o.request === null && o.connection === null && o.fxp === undefined && reply != null && reply.code < 300 && sessionOrder(s).nextAnnounced(o) !== null;
}

/**
 * The session in which the client asked again after a refused announcement that ended its session
 * (lftp: "EPSV failed, will try PASV" closes the control connection and logs in anew): its next
 * session (nextSession), whose first announcement asks another way (another command: the same one
 * again is a retry of the same thing, not a fallback). Null otherwise.
 */
function reconnected(refused: Transfer, s: Session, sessions: readonly Session[]): Session | null {
  const next = nextSession(refused, s, sessions);
  const first = next?.transfers.find((o) => o.announce !== null || announceLost(o, next));
  if (first === undefined) return null;
  // Its announcement lost, the command over it served: not the refused one again, which the server would have refused.
  return first.announce === null || first.announce.command !== refused.announce!.command ? next : null;
}

/**
 * A transfer command with no announcement in the capture, in a session whose control bytes the
 * capture lost, that the server served (a 2xx, data) or answered about its file (pastConnection: a
 * 550): the client had announced a data endpoint the server took, in the bytes the capture lost
 * (lftp's PORT after a refused PASV, dropped by the kernel).
 */
function announceLost(o: Transfer, s: Session): boolean {
  return (
    o.announce === null &&
    o.request !== null &&
    o.inferred === undefined &&
    s.controlGapBytes > 0 &&
    ((o.status === 'complete' && o.reply !== null && o.reply.code < 300) || servedDespiteLostAnnouncement(o) || pastConnection(o))
  );
}

/**
 * The client's next session (nextSession) still going when the capture ended (sessionStepAtEnd)
 * with no announcement yet: the way past the refusal was under way. Null otherwise.
 */
function reconnecting(refused: Transfer, s: Session, sessions: readonly Session[], captureEnd: number | null): { session: Session; step: number } | null {
  const next = nextSession(refused, s, sessions);
  if (next === null || next.transfers.some((o) => o.announce !== null)) return null;
  const step = sessionStepAtEnd(next, captureEnd);
  return step === null ? null : { session: next, step };
}

/**
 * After a refused announcement that ended its session (the session's last transfer): the first of
 * the client's sessions to the same server opened after the refusal, when it logs in as the same
 * user (or not yet at all). Null otherwise.
 */
export function nextSession(refused: Transfer, s: Session, sessions: readonly Session[]): Session | null {
  if (s.transfers[s.transfers.length - 1] !== refused) return null;
  const list = byPeers(sessions).get(peersKey(s)) ?? [];
  // Sorted by start.
  let lo = firstAbove(list, refused.announce!.reply!.time, startOfSession);
  while (lo < list.length && list[lo] === s) lo++;
  const next = list[lo];
  return next !== undefined && sameLogin(s, next) ? next : null;
}

/** How many refused announcements and reconnects a chain may pass through (tnftp's longest: EPSV, PASV, EPRT, then PORT). */
const MAX_STEPS = 8;

const startOfSession = (s: Session): number => s.start;
const peersCache = new WeakMap<readonly Session[], Map<string, Session[]>>();

/** The capture's sessions by client address and server endpoint, each list sorted by start: built once per analysis. */
function byPeers(sessions: readonly Session[]): Map<string, Session[]> {
  let map = peersCache.get(sessions);
  if (map !== undefined) return map;
  map = new Map();
  for (const o of sessions) {
    const key = peersKey(o);
    const list = map.get(key);
    if (list === undefined) map.set(key, [o]);
    else list.push(o);
  }
  for (const list of map.values()) list.sort((x, y) => x.start - y.start);
  peersCache.set(sessions, map);
  return map;
}

/** The frame of the command that asked for the transfer's announcement (a passive one's `frame` is its reply's). */
export function askedAt(t: Transfer, s: Session): number {
  return askingCommand(t, s)?.frame ?? t.announce!.frame;
}

/** The command that asked for the transfer's announcement, when the capture holds it. */
export function askingCommand(t: Transfer, s: Session): Command | undefined {
  const c = t.announce!.reply === null ? undefined : commandsByReply(s).get(t.announce!.reply);
  return c !== undefined && c.command === t.announce!.command ? c : undefined;
}

/** The command a reply answered, when the capture holds it. */
export function commandOfReply(reply: Reply, s: Session): Command | undefined {
  return commandsByReply(s).get(reply);
}

/*
 * Each session indexed once, on first use, for the questions asked of every refused transfer: a
 * search per question was quadratic in a session of thousands of refusals (a script asking again
 * and again).
 */
const indexes = new WeakMap<Session, { positions: Map<Transfer, number>; requests: Transfer[]; byReply: Map<Reply, Command> | null }>();

function indexOf(s: Session): { positions: Map<Transfer, number>; requests: Transfer[]; byReply: Map<Reply, Command> | null } {
  let x = indexes.get(s);
  // Built again if the session grew since (as sessionOrder does).
  if (x === undefined || x.positions.size !== s.transfers.length) {
    const positions = new Map(s.transfers.map((o, i) => [o, i] as const));
    // By command frame (stable: one frame's transfers keep the session's order).
    const requests = s.transfers.filter((o) => o.request !== null).sort((a, b) => a.request!.frame - b.request!.frame);
    indexes.set(s, (x = { positions, requests, byReply: null }));
  }
  return x;
}

const requestFrame = (o: Transfer): number => o.request!.frame;
/** The session's transfers that sent a command, by its frame. */
const requestsOf = (s: Session): Transfer[] => indexOf(s).requests;
const positionOf = (s: Session, t: Transfer): number => indexOf(s).positions.get(t) ?? -1;

/** The command each reply answered (its first, as a search from the start finds). */
function commandsByReply(s: Session): Map<Reply, Command> {
  const x = indexOf(s);
  if (x.byReply === null) {
    x.byReply = new Map();
    for (const c of s.commands) if (c.reply !== null && !x.byReply.has(c.reply)) x.byReply.set(c.reply, c);
  }
  return x.byReply;
}

/**
 * A PASV/EPSV/PORT/EPRT the server refused, that no transfer command used, and that names no other
 * server (FXP). Needs its session: a PORT naming a third host's service port (an FTP bounce, which
 * vsftpd refuses with 500 Illegal PORT command) is no probe the client got past by asking another
 * way: its refusal is its own story (checkBounce), whatever the session did next.
 */
export const refusedProbe = (t: Transfer, s: Session): boolean =>
  t.request === null &&
  t.connection === null &&
  t.fxp === undefined &&
  t.announce !== null &&
  t.announce.reply !== null &&
  t.announce.reply.code >= 400 &&
  // Refused for want of a login (unlogged-refusal.ts): no probe, nothing a next session recovered from.
  !refusedUnlogged(t.announce.reply, s) &&
  activeMismatch(t, s) !== 'bounce';

/**
 * The server answered the transfer command about the file, not about the data connection: a 450 or
 * higher (550 no such file, 553 name not allowed, 452 no room), not 425/426 (the connection could
 * not open, or broke) or 421 (the server closing).
 */
const pastConnection = (o: Transfer): boolean => o.reply !== null && o.reply.code >= 450;

/** A served transfer's final reply, or its 1xx when the capture holds no final reply (`done`). */
const lastWord = (o: Transfer): Reply => o.reply ?? o.preliminary!;
const replyMissing = (o: Transfer): { finalReplyMissing?: true } => (o.reply === null ? { finalReplyMissing: true } : {});

/** The data's sender closed the transfer's data connection with its FIN, and nobody reset it. */
function senderFinished(t: Transfer): boolean {
  const c = t.connection;
  const sender = dataSender(t.direction);
  return c !== null && sender !== null && c.rst === null && c.handshake.some((e) => e.type === 'fin' && e.by === sender);
}
