/**
 * The data connection's own handshake failed: SYNs never answered (a firewall that drops), or
 * answered with RST / ICMP unreachable (nothing listening, or a firewall that rejects). The side
 * that connects is the server in active mode and the client in passive mode.
 */
import type { Analysis, Command, DataConnection, Session, Transfer } from '../../model.js';
import { answeredWithin, PATH_ROUND_TRIP, roundTripToward } from '../../round-trip.js';
import { sessionOrder } from '../../session-order.js';
import { firstAbove } from '../../sorted.js';
import { clientEndedAfter, dataAnswerAbandoned } from '../../verdict.js';
import { announceWords, ep, evidenceFrames, frameList, replyWords, retransmissionSchedule, secondsText, serverGaveUpWaiting, synEvents, waitedWords } from '../facts.js';
import { announcedInsideTls, diagnosis, ENCRYPTED_PORT_ADVICE, portInsideTlsWords, sourcePort20Note } from '../build.js';
import { adviceFor, CATALOG } from '../catalog.js';
import { passivePortsOrigin, passivePortsWhere, serverSettings } from '../../server-software.js';
import { OWN_DROP, arrivalPlaceWords, canSeeArrivalAt, seesBothEnds, wouldHoldDataSyn } from '../vantage.js';
import { dataUnseenAdvice, dataUnseenDetail, unlessFiltered } from '../../data-unseen.js';
import { pairInUse, pairInUseAdvice, pairInUseWords } from '../pair-in-use.js';
import { portSplitAdvice, portSplitFor, portSplitReference } from '../../passive-port-split.js';
import type { CauseCode, Diagnosis, TransferContext } from '../types.js';

/**
 * Active: the client had ended the session — closed its control connection after the transfer command —
 * before the server's SYN that its stack answered with a reset: nothing listened on the announced port
 * any more. The client's own end after it gave up waiting (wget's read timeout, a SYN dropped on the
 * way until then), not a refusal by its firewall: the failure is told by what came while it still
 * waited (the server's SYNs unanswered, seen at the server's side; none reaching the client's side).
 * The client's leaving, or null.
 */
function clientLeftBeforeSyn(t: Transfer, s: Session): { frame: number; time: number } | null {
  const c = t.connection;
  const end = s.closedBy;
  if (t.mode !== 'active' || c === null || c.established || c.rst === null || c.rst.by !== 'client' || c.rst.madeHere || refusedByMiddlebox(c, 'client')) return null;
  if (end === null || end.by !== 'client' || end.frame > c.rst.frame || (t.request !== null && end.frame < t.request.frame)) return null;
  return { frame: end.frame, time: end.time };
}

/** "the client gave up waiting …": the client's leaving, and the SYN its reset answered (the last before that reset). */
function leftWords(c: DataConnection, left: { frame: number; time: number }, t: Transfer): string {
  const answered = c.synFrames.filter((f) => f < c.rst!.frame).pop();
  return (
    `the client gave up waiting and closed the control connection (frame ${left.frame}${t.request ? `, ${secondsText(left.time - t.request.time)} after ${t.request.command}` : ''}); ` +
    `the server's SYN${answered !== undefined && answered > left.frame ? ` at frame ${answered}` : ''} reached it only after that and met a reset from the client (frame ${c.rst!.frame}): ` +
    "nothing listened on the announced port any more — the client's end of the session, not a refusal by its firewall"
  );
}

/** A refusal made by a device between the two hosts rather than by the host it names. */
function refusedByMiddlebox(c: DataConnection, target: 'client' | 'server'): boolean {
  const icmp = c.icmpErrors[0];
  if (icmp) return icmp.reporter !== (target === 'client' ? c.client.ip : c.server.ip);
  return c.rst?.forged === true;
}

/**
 * A router's "host unreachable" that came only after the connector had sent several SYNs for
 * seconds: the router's neighbour resolution (ARP, or IPv6 neighbour discovery) for the destination
 * timed out — no host at that address behind it. A firewall's reject answers the first SYN at once.
 * The seconds between the first SYN and the ICMP error, or null when it is not that.
 */
export function neighbourUnresolved(c: DataConnection, s: Session, target: 'client' | 'server'): number | null {
  const icmp = c.icmpErrors[0];
  if (!icmp || !refusedByMiddlebox(c, target)) return null;
  const hostUnreachable = icmpMeaning(icmp) === 'host unreachable' || icmpMeaning(icmp) === 'address unreachable';
  const syns = synEvents(c);
  const at = c.handshake.find((e) => e.type === 'icmp-error' && e.frame === icmp.frame);
  if (!hostUnreachable || !at || syns.length < 2) return null;
  const waited = at.time - syns[0].time;
  return waited >= 2 && syns.filter((e) => e.frame < icmp.frame).length >= 2 ? waited : null;
}

/**
 * What an ICMP / ICMPv6 destination-unreachable code means (RFC 792, 1812; RFC 4443 for ICMPv6),
 * or null for another message. ICMPv4 type 3 and ICMPv6 type 1 are destination unreachable; the
 * family is the reporter's (ICMPv6 type 3 is time exceeded).
 */
export function icmpMeaning(icmp: { type: number; code: number; reporter: string }): string | null {
  if (icmp.reporter.includes(':')) {
    if (icmp.type !== 1) return null;
    return ['no route to destination', 'administratively prohibited', 'beyond scope of source address', 'address unreachable', 'port unreachable', 'source address failed ingress/egress policy', 'reject route to destination'][icmp.code] ?? null;
  }
  if (icmp.type !== 3) return null;
  return ({ 0: 'network unreachable', 1: 'host unreachable', 2: 'protocol unreachable', 3: 'port unreachable', 9: 'network administratively prohibited', 10: 'host administratively prohibited', 13: 'communication administratively prohibited' } as Record<number, string>)[icmp.code] ?? null;
}

/** Who sent an ICMP refusal, and what that kind of refusal says about why. */
function icmpRefusalWords(icmp: { type: number; code: number; reporter: string }, middlebox: boolean, target: 'client' | 'server'): string {
  const meaning = icmpMeaning(icmp);
  if (meaning === null) return '';
  const prohibited = meaning.includes('prohibited') || meaning.includes('policy') || meaning.includes('reject route');
  if (middlebox) {
    return prohibited
      ? `: "${meaning}", a firewall on that device rejecting the connection`
      : meaning === 'port unreachable'
        ? `: "${meaning}" from a device that is not the ${target}, a firewall's reject (Linux REJECT's default answer), not a closed port on the ${target}`
        : `: "${meaning}"`;
  }
  return prohibited
    ? `: "${meaning}", sent by the ${target} itself — a firewall on the ${target} rejects the connection`
    : meaning === 'port unreachable'
      ? `: "${meaning}", sent by the ${target} itself — its firewall rejects the connection (Linux REJECT's default answer; a closed TCP port answers with a reset, not with this)`
      : `: "${meaning}", sent by the ${target} itself`;
}

function refusal(c: DataConnection, s: Session, target: 'client' | 'server'): string | null {
  const icmp = c.icmpErrors[0];
  if (icmp) {
    const middlebox = refusedByMiddlebox(c, target);
    const who = middlebox ? `, a device on the way, not the ${target}` : '';
    const waited = neighbourUnresolved(c, s, target);
    const base =
      `answered by ICMP destination unreachable (type ${icmp.type} code ${icmp.code}) from ${icmp.reporter}${who}${who ? ',' : ''} at frame ${icmp.frame}` +
      (waited === null ? icmpRefusalWords(icmp, middlebox, target) : '');
    if (waited === null) return base;
    const dst = target === 'client' ? c.client.ip : c.server.ip;
    return (
      `${base}, ${secondsText(waited)} after the first SYN: "${icmpMeaning(icmp)}" that late is a router that found no host at ${dst} ` +
      `(its ${dst.includes(':') ? 'neighbour discovery' : 'ARP'} went unanswered), not a firewall's reject, which answers the first SYN at once`
    );
  }
  if (c.rst && !c.established) {
    if (c.rst.madeHere) {
      return (
        `answered by a reset (RST) at frame ${c.rst.frame} that carries the ${c.rst.by}'s address but was captured leaving ` +
        `the device this capture was taken on, never arriving from the ${c.rst.by}: that device (a firewall or router between them) sent it, not the ${c.rst.by}`
      );
    }
    if (refusedByMiddlebox(c, target)) {
      const host = c.rst.by === 'client' ? s.ttl.client : s.ttl.server;
      return (
        `answered by a reset (RST) at frame ${c.rst.frame} that carries the ${c.rst.by}'s address but TTL ${c.rst.ttl}, ` +
        `where the ${c.rst.by}'s own packets arrive with TTL ${host}: a firewall or router between them sent it, not the ${c.rst.by}`
      );
    }
    return `answered by a reset (RST) from the ${c.rst.by} at frame ${c.rst.frame}`;
  }
  return null;
}

/** Seconds: a client that quits sooner after the announcement did not wait for an unanswered SYN (retransmitted after 1 s). */
const QUICK_GIVE_UP = 0.5;

/**
 * Seconds from an announcement to the client's end of the session as the client lived them: the
 * time between them at this capture point, less the round trip toward the client from here (the
 * announcement's way there and the end's way back: at the server's side the whole path's, 600 ms
 * over a satellite, a95-sat-pasv-client-reject; at the client's side next to nothing).
 */
function clientTook(s: Session, from: number, to: number): number {
  return to - from - Math.min(roundTripToward(s.controlConnection, 'client') ?? 0, to - from);
}

/** ", a round trip from here taking 601 ms" where the round trip toward the client is a path's, else nothing. */
function roundTripWords(s: Session): string {
  const rtt = roundTripToward(s.controlConnection, 'client') ?? 0;
  return rtt < PATH_ROUND_TRIP ? '' : `; a round trip to the client from here takes ${secondsText(rtt)}`;
}

/** What the client did once nobody had connected to the announced endpoint, and the frame that shows it. */
function movedOn(t: Transfer, s: Session): { words: string; frame: number } | null {
  const order = sessionOrder(s);
  const next = order.nextAnnounced(t);
  let refusal: Command | undefined;
  let quit: Command | undefined;
  for (const c of order.commandsBetween(t.announce!.frame, next?.announce!.frame)) {
    if (c.reply && (c.reply.code === 425 || c.reply.code === 426)) {
      refusal = c;
      break;
    }
    if (c.command === 'QUIT' && quit === undefined) quit = c;
  }
  if (refusal) return { words: `The server then replied ${replyWords(refusal.reply!)} (frame ${refusal.reply!.frame})`, frame: refusal.reply!.frame };
  if (next) {
    const words = `The client gave up on it and asked again with ${next.announce!.command} (frame ${next.announce!.frame}, ${secondsText(next.announce!.time - t.announce!.time)} later)`;
    return { words, frame: next.announce!.frame };
  }
  // The client's QUIT ends the session, whoever closes the connection after the 221.
  if (quit) {
    const after = quit.time - t.announce!.time;
    const words =
      `The client then ended the session: QUIT (frame ${quit.frame}, ${secondsText(after)} after the announcement${roundTripWords(s)})` +
      // A client whose SYNs go unanswered retries for seconds (the first retransmission comes after 1 s).
      (clientTook(s, t.announce!.time, quit.time) < QUICK_GIVE_UP ? `, without waiting for a data connection: ${quickWords(s)}` : '');
    return { words, frame: quit.frame };
  }
  if (s.closedBy) {
    const after = s.closedBy.time - t.announce!.time;
    const byClient = s.closedBy.by === 'client';
    const words =
      `The ${s.closedBy.by} then closed the session (frame ${s.closedBy.frame}, ${secondsText(after)} later${byClient ? roundTripWords(s) : ''})` +
      (byClient && clientTook(s, t.announce!.time, s.closedBy.time) < QUICK_GIVE_UP ? `, without waiting for a data connection: ${quickWords(s)}` : '');
    return { words, frame: s.closedBy.frame };
  }
  return null;
}

/** What a client that ends the session within QUICK_GIVE_UP of an announcement nobody connected to had done. */
/**
 * Where the capture sees the client's packets leave, an attempt that failed at once failed on its own
 * side (no SYN of it there); seen from further on, a reset or unreachable error from anything before
 * the capture point would look the same.
 */
const quickWords = (s: Session): string =>
  s.vantage !== null && canSeeArrivalAt(s.vantage, 'client')
    ? 'its attempt failed at once on its own side (a reset or an unreachable error, no route to the announced address) or it never made one'
    : 'its attempt failed at once before reaching this capture point (a reset or an unreachable error from its own host or a firewall or router on the way, no route to the announced address) or it never made one';

/**
 * The client ended the session (QUIT, or its close of the control connection) within QUICK_GIVE_UP of
 * the announcement, with no command after it but the transfer's own: too soon to have waited for an
 * unanswered SYN. How long after, or null.
 */
function endedAtOnce(t: Transfer, s: Session): number | null {
  const at = t.announce!;
  const end = clientEndedAfter(t, s, at.frame);
  return end !== null && clientTook(s, at.time, end.time) < QUICK_GIVE_UP ? end.time - at.time : null;
}

/**
 * A passive announcement the client ended the session on at once (within QUICK_GIVE_UP, by QUIT or
 * by closing the control connection) right after the session's previous data connection never
 * opened: the client gave up on the transfer, it did not turn this endpoint down. That failed
 * transfer, and how soon after the announcement the session ended; or null.
 */
function gaveUpAtOnce(t: Transfer, s: Session): { failed: Transfer; after: number } | null {
  const at = t.announce!;
  let end: number | null = null;
  for (const c of sessionOrder(s).commandsBetween(at.frame)) {
    // Another command first: the client went on with the session.
    if (c.command !== 'QUIT') return null;
    end = c.time;
    break;
  }
  if (end === null && s.closedBy?.by === 'client' && s.closedBy.frame > at.frame) end = s.closedBy.time;
  if (end === null || clientTook(s, at.time, end) >= QUICK_GIVE_UP) return null;
  // Only an announcement the session ended on gets this far: the scan for the one before it runs once a session.
  let failed: Transfer | null = null;
  for (const x of s.transfers) if (x !== t && x.announce && x.announce.frame < at.frame && (failed === null || x.announce.frame > failed.announce!.frame)) failed = x;
  if (failed === null || failed.status !== 'failed' || !failed.connection || failed.connection.established || failed.connection.synFrame === null) return null;
  return { failed, after: end - at.time };
}

/**
 * Advice for a port-only passive announcement (229) nobody connected to, seen at the server: the
 * passive range must get through every firewall and port forward in front of the server; there is
 * no announced address to correct.
 */
function portOnlyAdvice(s: Session): string {
  return (
    `Open the passive port range${passivePortsWhere(s)} on every firewall in front of the server, and forward it on any NAT or port forward that ` +
    "forwards the control port (or let that NAT's FTP helper do it); the 229 names no address, so no announced address needs setting. " +
    'A capture at the client shows where its SYNs went.'
  );
}

/** Advice for a client that ended the session at once after an announcement nobody connected to. */
function quickAdvice(endpoint: string, after: number, more: string, s: Session): string {
  const where = s.vantage !== null && canSeeArrivalAt(s.vantage, 'client') ? 'on its side (a firewall or router there' : 'on its side or on the way (a firewall or router';
  return (
    `The client ended the session ${secondsText(after)} after the server announced ${endpoint}, without a data connection to it: ` +
    `it stopped on its own (killed, interrupted, a script's time limit) or its own attempt failed at once ${where} answering its SYN with a reset or an unreachable error). ` +
    `Check the client's own output. ${more}`
  );
}

/** Passive: the client never connected to the 227/229 endpoint — no SYN of it in the capture. */
export function checkPassiveUnreached(ctx: TransferContext): Diagnosis | null {
  const { transfer: t, session: s, vantage } = ctx;
  if (t.mode !== 'passive' || t.connection || t.status !== 'failed' || !t.announce?.endpoint) return null;
  if (t.reply && t.reply.code !== 425 && t.reply.code !== 426) return null;
  // Unanswered until the server closed the session, seen where the client's SYN would show: the
  // client never tried, and the server gave up waiting (checkNoAttempt words it).
  if (serverGaveUpWaiting(t, s) !== null && wouldHoldDataSyn(s, vantage, 'client')) return null;
  const endpoint = ep(t.announce.endpoint);
  // A capture that merges two capture points holds the client's attempt in the other view's session.
  const elsewhere = attemptElsewhere(ctx.analysis, s, t);
  const seen = elsewhere
    ? `The capture holds the client's SYN to ${endpoint} (frame ${elsewhere.synFrame}, session ${elsewhere.session}, transfer ${elsewhere.transfer}: ` +
      'the same exchange seen at another capture point), but no connection to it here'
    : `No connection to ${endpoint} is in the capture`;
  // The server's own word that it stopped waiting (Twisted's unasked 550, 10 s after its 227), told in
  // frame order with what the client did next.
  const unasked = serverGaveUp(t, s);
  const moved = movedOn(t, s);
  const gaveUp = unasked ? { words: gaveUpWords(t, unasked), frame: unasked.reply!.frame } : null;
  const details = [announceWords(t), seen, ...[gaveUp, moved].filter((x) => x !== null).sort((x, y) => x.frame - y.frame).map((x) => x.words)];
  // The client ended the session at once, nothing else on the way (not after a failed data connection: gaveUpAtOnce's).
  const quick = elsewhere ? null : endedAtOnce(t, s);
  let advice: string | undefined;
  // The previous data connection the client gave up after (the failure it names), when that is what happened.
  let gaveUpAfter: number | undefined;
  // Server side: the same client's passive connections to the announced address that did arrive.
  let reached: { before: OpenedConnection | null; after: OpenedConnection | null } | null = null;
  const split = elsewhere ? null : portSplitFor(ctx.analysis.passivePortSplits, t.announce.endpoint.ip, t.announce.endpoint.port);
  // A 229 names only a port: the client connects to the address its control connection already
  // reaches, so no address in it is left unrewritten; what stops the SYNs is a firewall, or a NAT
  // (port forward) in front of the server that forwards the control port and not the passive range.
  const portOnly = t.announce.tuple.ok && t.announce.tuple.ip === null;
  const lostOnTheWay = portOnly
    ? 'typically a firewall that drops the passive port range, or a NAT (port forward) in front of the server that forwards its control port but not that range ' +
      `(the ${t.announce.reply?.code ?? 229} names only a port: the client connects to the address it already reaches, so no address in it needs rewriting)`
    : null;
  if (elsewhere && vantage.point === 'server-side') {
    details.push(
      `The client did try: its SYNs to ${endpoint} never reached the server's side — dropped or sent elsewhere on the way, ` +
        (lostOnTheWay ?? 'typically by a NAT in front of the server that does not rewrite the 227, or a firewall that drops the passive port range'),
    );
    if (portOnly) advice = portOnlyAdvice(s);
  } else if (s.dataUnseen !== undefined) {
    details.push(dataUnseenDetail(s.dataUnseen, { session: s.id, transfer: t.id }));
    advice = dataUnseenAdvice('client');
  } else if (vantage.point === 'server-side' && split) {
    details.push(`This capture was taken on the server's side: the client's SYNs to ${endpoint}, if it sent any, were dropped or refused before reaching it`, portSplitReference(split, t.announce.endpoint.port));
    advice = portSplitAdvice(split);
  } else if (vantage.point === 'server-side' && quick !== null) {
    // Too soon for a SYN dropped on the way (its first repeat comes after 1 s): no NAT or firewall in front of the server is shown.
    details.push(
      `This capture was taken on the server's side: a SYN the client sent that was dropped or refused on the way would not be in it, ` +
        'but the client ended the session too soon after the announcement to have waited for an unanswered one',
    );
  } else if (vantage.point === 'server-side' && (reached = reachedAnyway(ctx.analysis, s, t)) !== null) {
    // The same client's passive connection to the announced address did arrive: no address needs rewriting.
    details.push(reachedWords(t, s, reached) + unlessFiltered(s));
    advice = reachedAdvice(t, s, reached);
  } else if (vantage.point === 'server-side') {
    details.push(
      `This capture was taken on the server's side, so it cannot see the client's SYNs: if the client sent any, they ` +
        `were dropped or sent elsewhere before reaching the server — ` +
        (lostOnTheWay ??
          `typically a NAT in front of the server whose clients connect to another address than ${t.announce.endpoint.ip}, and which does not rewrite the 227, or a firewall that drops the passive port range`) +
        unlessFiltered(s),
    );
    if (portOnly) advice = portOnlyAdvice(s);
    // Read with a key log, the reply was inside TLS on the wire: no NAT's FTP helper could rewrite it or open its port.
    const tls = announcedInsideTls(ctx);
    if (tls !== null) {
      details.push(portInsideTlsWords(String(t.announce.reply?.code ?? 227), tls));
      advice ??= adviceFor('tls-hidden', s);
    }
  } else if (!elsewhere && (vantage.point === 'client-side' || seesBothEnds(vantage))) {
    details.push(`This capture was taken ${arrivalPlaceWords(vantage, 'client')} and holds no SYN to ${endpoint}: none left the client — it did not try, or its own host refused the connection before a SYN left (a local firewall's OUTPUT rule fails it at once)${unlessFiltered(s)}`);
    const quit = gaveUpAtOnce(t, s);
    if (quit !== null) {
      gaveUpAfter = quit.failed.connection!.synFrame!;
      const before = `transfer ${s.id}.${quit.failed.id}, to ${ep(quit.failed.connection!.server)}`;
      details.push(
        `That end came ${secondsText(quit.after)} after the announcement, too soon to have waited for a connection, and right after its previous data ` +
          `connection (${before}) had failed: the client gave up on the transfer instead of trying this endpoint ` +
          "(a client whose time for the data connection was spent on the first attempt, as curl's --connect-timeout covers both)",
      );
      advice = `The client gave up once its data connection to ${ep(quit.failed.connection!.server)} had failed (transfer ${s.id}.${quit.failed.id}): fix that failure; this endpoint was never tried.`;
    } else if (quick !== null) {
      advice = quickAdvice(endpoint, quick, "If it means to use this endpoint, check its passive-mode settings (an address it will not use, e.g. lftp ftp:ignore-pasv-address, curl --ftp-skip-pasv-ip).", s);
    } else {
      advice =
        `No connection to ${endpoint} left the client: check the client host's own firewall (a rule refusing its outbound connections ` +
        'fails them before any SYN leaves) and its passive-mode settings (an address it will not use, e.g. lftp ' +
        'ftp:ignore-pasv-address, curl --ftp-skip-pasv-ip); or use active mode.';
    }
  }
  // Wherever it was taken, a session the client ended at once names no NAT or firewall in front of the server.
  if (advice === undefined && quick !== null && split === null) advice = quickAdvice(endpoint, quick, 'A capture at the client shows whether it sent a SYN at all.', s);
  const reachedFrames = [reached?.before?.synFrame, reached?.after?.synFrame];
  return diagnosis(ctx, 'passive-unreached', details, evidenceFrames(t, [s.closedBy?.frame, elsewhere?.synFrame ?? undefined, gaveUpAfter, unasked?.reply?.frame, ...(split?.evidence ?? []), ...reachedFrames]), advice);
}

/**
 * Captured at the server, nobody connected to an announced endpoint, yet a passive data connection
 * from the same client address to the same announced address arrived at another time of the capture
 * (a retry by wget, curl, aria2c after a drop that ended; or an earlier transfer): the 227's address
 * reaches the server from this client, so no NAT left it unrewritten. The nearest such connection
 * before the announcement and after it (either may be null); null when none arrived.
 */
function reachedAnyway(a: Analysis, s: Session, t: Transfer): { before: OpenedConnection | null; after: OpenedConnection | null } | null {
  const to = t.announce?.endpoint;
  if (!to) return null;
  const around = passiveOpenedAround(a, s.client.ip, to.ip, t.announce!.reply?.frame ?? t.announce!.frame);
  return around.before === null && around.after === null ? null : around;
}

const openedWords = (o: OpenedConnection): string => `port ${o.port} for transfer ${o.transfer}, SYN frame ${o.synFrame}`;

function reachedWords(t: Transfer, s: Session, r: { before: OpenedConnection | null; after: OpenedConnection | null }): string {
  const to = t.announce!.endpoint!;
  const code = t.announce!.reply?.code ?? t.announce!.command;
  const when =
    r.before && r.after
      ? `before this attempt (${openedWords(r.before)}) and after it (${openedWords(r.after)})`
      : r.after
        ? `only after this attempt (${openedWords(r.after)})`
        : `before this attempt (${openedWords(r.before!)}), none after`;
  const drop = r.before && r.after ? 'held for a while' : r.after ? 'ended' : 'began';
  return (
    `This capture was taken on the server's side, so it cannot see the client's SYNs: if the client sent any, they were dropped before reaching the server. ` +
    `Not for want of a rewritten address: passive data connections from ${s.client.ip} to ${to.ip} arrived ${when}, so the address the ${code} names ` +
    `reaches the server from this client; what stopped the SYNs to port ${to.port} lies on the way — a firewall closed to that port, or a drop that ${drop} mid-capture`
  );
}

function reachedAdvice(t: Transfer, s: Session, r: { before: OpenedConnection | null; after: OpenedConnection | null }): string {
  const o = (r.after ?? r.before)!;
  return (
    `The announced address is right (transfer ${o.transfer}'s data connection to it arrived): open the passive port range${passivePortsWhere(s)} on every firewall ` +
    `in front of the server, or look for what ${r.before && r.after ? 'held for a while around' : r.after ? 'changed before' : 'changed after'} frame ${o.synFrame} on the path or the server's firewall ` +
    '(a rule added or removed, a connection-tracking table or rate limit filling or emptying). A capture at the client shows where its SYNs went.'
  );
}

interface Attempt {
  session: number;
  transfer: number;
  synFrame: number;
  time: number;
  /** The session's control connection, from the client's end: the same socket in another view. */
  control: string;
}

/** Attempts kept per client and endpoint: a merged capture has two views, not dozens. */
const ATTEMPTS_KEPT = 4;
/** How soon after the announcement another view's SYN must come to be this announcement's attempt. */
const ATTEMPT_WITHIN = 60;

/** Per analysis, once: the first data connections each client opened (or tried) to each server endpoint. */
const attemptsByEndpoint = new WeakMap<Analysis, Map<string, Attempt[]>>();

/**
 * Another view's data connection from the client to exactly the announced endpoint, begun soon
 * after the announcement: in a capture that merges two capture points, the client's attempt seen
 * at its own side, where this view (the server's side) saw none arrive. The other view is the
 * session with the same control connection at the client's end.
 */
function attemptElsewhere(a: Analysis, s: Session, t: Transfer): Attempt | null {
  let index = attemptsByEndpoint.get(a);
  if (index === undefined) {
    index = new Map();
    for (const x of a.sessions) {
      for (const y of x.transfers) {
        const c = y.connection;
        if (c === null || c.synFrame === null) continue;
        const key = `${c.client.ip}|${c.server.ip}|${c.server.port}`;
        let list = index.get(key);
        if (list === undefined) index.set(key, (list = []));
        if (list.length < ATTEMPTS_KEPT) list.push({ session: x.id, transfer: y.id, synFrame: c.synFrame, time: c.start, control: ep(x.client) });
      }
    }
    attemptsByEndpoint.set(a, index);
  }
  const e = t.announce!.endpoint!;
  const at = t.announce!.time;
  const list = index.get(`${s.client.ip}|${e.ip}|${e.port}`) ?? [];
  // Another view of this session has the same control connection at the client's end (its address
  // and port: a NAT in front of the server changes only the server's); another session of the same
  // client given the same endpoint later (a narrow passive range) is no view of this one.
  const control = ep(s.client);
  return list.find((x) => x.session !== s.id && x.control === control && x.time >= at - 1 && x.time <= at + ATTEMPT_WITHIN) ?? null;
}

function synWords(c: DataConnection, connector: 'client' | 'server'): string {
  const syns = synEvents(c);
  const frames = syns.length ? syns.map((e) => e.frame) : c.synFrames;
  const from = connector === 'client' ? ep(c.client) : ep(c.server);
  const to = connector === 'client' ? ep(c.server) : ep(c.client);
  const schedule = retransmissionSchedule(c);
  return `The ${connector} sent SYN from ${from} to ${to} at ${frameList(frames)}${schedule ? ` (${schedule})` : ''}`;
}

function check(ctx: TransferContext, mode: 'active' | 'passive', kind: 'refused' | 'unanswered'): Diagnosis | null {
  const { transfer: t, session: s } = ctx;
  const c = t.connection;
  if (t.mode !== mode || !c || c.established || c.synFrames.length === 0) return null;
  const connector = mode === 'active' ? 'server' : 'client';
  const target = mode === 'active' ? 'client' : 'server';
  // The client's reset after it had left is no refusal: the SYNs sent while it waited tell the failure
  // (none in a capture at the client's side: checkActiveUnseen's).
  const left = mode === 'active' ? clientLeftBeforeSyn(t, s) : null;
  if (left !== null && (kind === 'refused' || !c.synFrames.some((f) => f < left.frame))) return null;
  const refused = left !== null ? null : refusal(c, s, target);
  if ((kind === 'refused') !== (refused !== null)) return null;
  if (kind === 'unanswered' && c.synAckFrames.length > 0) return null;
  // A capture of the connector's direction only holds no answer either way: only its repeated SYN
  // (a TCP stack repeats it only when no SYN-ACK reached it) says none came.
  const oneWay = s.oneWay === connector;
  if (kind === 'unanswered' && oneWay && c.synFrames.length < 2) return null;

  const details = [announceWords(t), synWords(c, connector)];
  if (refused) details.push(`It was ${refused}`);
  else {
    details.push(
      oneWay
        ? `It never got an answer: it repeated its SYN, as a TCP stack does only when no SYN-ACK reached it (this capture holds only what the ${connector} sent)`
        : left !== null
          ? 'It got no answer while the client waited'
          : 'It never got an answer',
    );
    details.push(
      ctx.vantage.point === 'same-host'
        ? `The SYNs are in a capture taken on the one host that runs both the client and the server, where nothing lies between them: ` +
          `that host dropped them itself, after the capture point — ${OWN_DROP}`
        : canSeeArrivalAt(ctx.vantage, target)
        ? `The SYNs are in a capture taken on the ${target}'s side, so they reached the ${target}'s network and were dropped there — by a firewall on the ${target} host or its segment`
        : ctx.vantage.forwarder && c.captureCopies === 0
          ? `This capture was taken on a device that forwards the session's packets, where each one it passes on shows twice: ` +
            `the SYNs show once each, arriving, so they reached this device and it did not pass them on — dropped here`
          : `Something between them, or on the ${target} host, drops inbound connections to that port`,
    );
  }
  const unasked = mode === 'passive' ? serverGaveUp(t, s) : null;
  if (unasked) details.push(gaveUpWords(t, unasked));
  if (left !== null) details.push(`Then ${leftWords(c, left, t)}`);
  const waited = waitedWords(t, s, ctx.analysis.capture.last);
  if (waited) details.push(waited.charAt(0).toUpperCase() + waited.slice(1));
  // A router that found no host answered: no firewall's source-port rule is in question.
  if (neighbourUnresolved(c, s, target) === null) details.push(sourcePort20Note(ctx));
  const stopped = stoppedMidCapture(ctx.analysis, c, mode);
  // Connections that opened before and after a run of failures, one of whose ports opened at another time: a spell, not a port.
  const spell = mode === 'passive' ? failedSpell(ctx.analysis, c) : null;
  // A passive port among ports that opened is no part of a range left closed; one outside them may be.
  const partialFound = mode === 'passive' ? otherPassivePortsOpened(ctx.analysis, c) : null;
  // The capture's pattern across this server's transfers, decided once (passive-port-split.ts), words it when there is one.
  const split = mode === 'passive' ? portSplitFor(ctx.analysis.passivePortSplits, c.server.ip, c.server.port) : null;
  const partial = partialFound && !split && !spell && !(stopped && stopped.inside) ? partialFound : null;
  // Every connection that opened did so after this attempt: a part of the range left closed, or a drop that ended.
  const started = mode === 'passive' && !split ? startedMidCapture(ctx.analysis, c) : null;
  if (split) details.push(portSplitReference(split, c.server.port));
  if (started) details.push(startedWords(c, started, partial !== null));
  else if (partial) details.push(partialRangeWords(c, partial, s));
  if (stopped) details.push(stoppedWords(c, mode, stopped, partial !== null));
  if (spell) details.push(spellWords(c, spell));
  // A router's late "host unreachable" (no host at that address) is no refusal by the other side.
  const noHost = refused !== null && neighbourUnresolved(c, s, target) !== null;
  const cause = `${mode}-${noHost ? 'host-unreachable' : kind === 'refused' ? 'refused' : 'syn-unanswered'}` as CauseCode;
  const icmpFrames = c.icmpErrors.map((e) => e.frame);
  const droppedHere = !refused && ctx.vantage.forwarder === true && c.captureCopies === 0;
  const dst = ep(mode === 'active' ? c.client : c.server);
  // Active SYNs seen unanswered in a capture at the client's side got through everything between the hosts.
  const arrivedAtClient = mode === 'active' && !refused && !oneWay && canSeeArrivalAt(ctx.vantage, 'client');
  const portsWords = mode === 'active' ? "the client's data ports (or use passive mode)" : "the server's passive port range (or use active mode)";
  // One host at both ends: an unanswered SYN, or one an ICMP error of that host's own answered, is its own firewall's doing.
  // A reset from that host: nothing listened there, or its firewall answers so (REJECT --reject-with tcp-reset).
  const ownHost = ctx.vantage.point === 'same-host' && !oneWay;
  // Active over IPv6, unanswered, the EPRT naming the client's own control-connection address (a NAT's helper advice would not fit).
  const ownV6Address = mode === 'active' && !refused && c.client.ip.includes(':') && t.announce?.endpoint?.ip === ctx.session.client.ip;
  const general = ownHost && refused && c.icmpErrors.length === 0
    ? `Client and server are one host and nothing lies between them: the reset came from that host itself. Check that the ` +
      `${target} listens on ${dst} when ${mode === 'active' ? 'the server connects' : 'the client connects'}, and that the host's own firewall does not reject ${mode === 'active' ? "the client's data ports" : "the server's passive port range"} ` +
      `(its rules for the loopback interface, iptables -A INPUT -i lo …, a REJECT --reject-with tcp-reset).`
    : ownHost
    ? `Client and server are one host and nothing lies between them: allow ${portsWords} in that host's own firewall` +
      `${refused ? ' instead of rejecting it' : ''}, including its rules for the loopback interface (iptables -A INPUT -i lo …); no router, NAT or other firewall is involved.`
    : droppedHere
    ? `The device this capture was taken on drops the SYNs to ${dst}: allow the ` +
      `${mode === 'active' ? "client's data ports (or use passive mode)" : "server's passive port range"} in its forwarding rules; the ${target}'s own firewall is not what drops them.`
    : noHost && (mode === 'active' ? c.client.ip === s.client.ip : c.server.ip === s.server.ip)
      ? // The control connection reaches the target at that very address: a NAT's public address (a port forward) for the control port alone.
        `The router at ${c.icmpErrors[0].reporter} has no host at ${(mode === 'active' ? c.client : c.server).ip} to deliver ${dst} to, though the control connection ` +
        `reaches the ${target} at that address: a NAT (the ${target}'s outside address, or a port forward to it) carries the control connection at that address but forwards nothing to this port. Forward the ` +
        `${mode === 'active' ? "client's data ports (or use passive mode)" : "server's passive port range"} through it to the ${target}.`
    : noHost
      ? `The router at ${c.icmpErrors[0].reporter} has no host at ${(mode === 'active' ? c.client : c.server).ip} to deliver ${dst} to: if that address is a NAT's public one, ` +
        `forward the ${mode === 'active' ? "client's data ports (or use passive mode)" : "server's passive port range"} through it to the ${target}; ` +
        `otherwise the ${t.announce?.reply && mode === 'passive' ? t.announce.reply.code : (t.announce?.command ?? (mode === 'active' ? 'PORT' : '227'))} names an address nobody answers for (set the ${target}'s announced address).`
      : refused && refusedByMiddlebox(c, target)
      ? spell
        ? `A firewall or router between the ${connector} and the ${target}, not the ${target} itself, rejected the connection to ${dst}.`
        : `A firewall or router between the ${connector} and the ${target} rejects connections to ${dst}: ` +
          `allow the ${mode === 'active' ? "client's data ports (or use passive mode)" : "server's passive port range"} on that device, not on the ${target}.` +
          // The data connection goes to the address the control connection reaches: where that device is a
          // NAT forwarding the control port to the server, the passive range must be forwarded as well.
          (mode === 'passive' && c.server.ip === s.server.ip
            ? ` If it is a NAT that forwards the control port to the server (${s.server.ip} its public address), forward the passive range the same way, for clients inside its own network too (NAT reflection).`
            : '')
      : arrivedAtClient
        ? // The server's SYNs reached the client's side: whatever is between the hosts (a NAT, its helper) let them through.
          `The server's SYNs reached the client's side and got no answer there: allow inbound connections to the client's data ports on the client host's firewall ` +
          `(or the one on its segment), or use passive mode${c.client.ip.includes(':') ? ' (EPSV)' : ''}; nothing between the two hosts is what drops them.`
        : ownV6Address
          ? // IPv6, the EPRT naming the address the control connection comes from: nothing a NAT's helper would rewrite.
            `Allow inbound connections to the client's data ports on the client's firewall and on any firewall between the hosts, or use passive mode (EPSV).`
        : undefined;
  const more = partial && partial.total > partial.first.length ? ` (and ${partial.total - partial.first.length} more)` : '';
  const lastSyn = c.synFrames[c.synFrames.length - 1];
  const rangeAdvice = partial && started
    ? ` Port${partial.total === 1 ? '' : 's'} ${andList(partial.first.map((o) => String(o.port)))}${more} got through only later and ${c.server.port} did not: ` +
      `either the range the server picks its passive ports from is not the range its firewalls open, or what dropped the SYNs stopped doing so between ` +
      `frame ${lastSyn} and frame ${started.synFrame} (a rule removed, a connection-tracking table or rate limit that emptied): look at what changed then.`
    : partial
    ? ` Port${partial.total === 1 ? '' : 's'} ${andList(partial.first.map((o) => String(o.port)))}${more} got ` +
      `through and ${c.server.port} did not: ${serverSettings(s)?.passivePorts === null ? 'a firewall that opens a fixed range lets such a server through only by chance.' : 'the range the server picks its passive ports from must be the range its firewalls open.'}`
    : started
      ? ` Data connections failed until frame ${lastSyn} and opened from frame ${started.synFrame} on: look for what changed then on the ${target}'s firewall ` +
        'and on the path (a rule removed, a connection-tracking table or rate limit that emptied, a route restored) rather than at a setting that was wrong from the start.'
      : '';
  const stoppedAdvice = stopped
    ? ` Data connections worked until frame ${stopped.last.synFrame} and failed from frame ${c.synFrame ?? c.synFrames[0]} on: look for what ` +
      `changed then on the ${target}'s firewall${arrivedAtClient ? '' : ' and on the path'} (a rule added, a connection-tracking table or rate limit filling up, a route ` +
      'changed) rather than at a setting that was wrong from the start.'
    : '';
  const spellAdvice = spell
    ? ` Data connections to ${c.server.ip} opened until frame ${spell.before.synFrame} and again from frame ${spell.after.synFrame} on, and every attempt between ` +
      `failed: look for what held for that time on the path or the ${target}'s firewall (a rule added and then removed, a connection-tracking table or ` +
      'rate limit that filled and emptied) rather than at the passive port range.'
    : '';
  const advice = split
    ? `${general === undefined ? '' : `${general} `}${portSplitAdvice(split)}${stoppedAdvice}`
    : partial || stopped || spell || started
      ? `${general ?? adviceFor(cause, s)}${rangeAdvice}${stoppedAdvice}${spellAdvice}`
      : general;
  const opened = [
    ...(partial?.first.map((o) => o.synFrame) ?? []),
    ...(split?.evidence ?? []),
    stopped?.last.synFrame ?? null,
    spell?.before.synFrame ?? null,
    spell?.after.synFrame ?? null,
    spell?.reopened.synFrame ?? null,
    started?.synFrame ?? null,
  ];
  return diagnosis(ctx, cause, details, evidenceFrames(t, [...icmpFrames, unasked?.reply?.frame, ...opened]), advice);
}

/** Established data connections of one mode between one client and server address, by start time. */
interface OpenedConnection {
  start: number;
  synFrame: number;
  port: number;
  transfer: string;
}

/** Per analysis, once: the established data connections (with their SYN) by mode, client and server address. */
const openedByHosts = new WeakMap<Analysis, Map<string, OpenedConnection[]>>();

interface StoppedMidCapture {
  /** How many opened before this attempt, and the last of them. */
  count: number;
  last: OpenedConnection;
  /** Passive: this port lies between the lowest and highest port that opened. */
  inside: boolean;
}

/**
 * Data connections of the same mode between the same two hosts opened before this attempt and none
 * after it: what let them through stopped doing so mid-capture (a rule added, a table or limit
 * filled, a route changed) — a failure that began at a point in time, not a setting always wrong.
 */
function stoppedMidCapture(a: Analysis, c: DataConnection, mode: 'active' | 'passive'): StoppedMidCapture | null {
  let index = openedByHosts.get(a);
  if (index === undefined) {
    index = new Map();
    for (const s of a.sessions) {
      for (const t of s.transfers) {
        const x = t.connection;
        if (x === null || !x.established || x.synFrame === null || (t.mode !== 'active' && t.mode !== 'passive')) continue;
        const key = `${t.mode}|${x.client.ip}|${x.server.ip}`;
        let list = index.get(key);
        if (list === undefined) index.set(key, (list = []));
        list.push({ start: x.start, synFrame: x.synFrame, port: x.server.port, transfer: `${s.id}.${t.id}` });
      }
    }
    for (const list of index.values()) list.sort((p, q) => p.start - q.start);
    openedByHosts.set(a, index);
  }
  const list = index.get(`${mode}|${c.client.ip}|${c.server.ip}`);
  if (!list || list.length === 0 || list[list.length - 1].start >= c.start) return null;
  let lo = Infinity;
  let hi = -Infinity;
  for (const o of list) {
    lo = Math.min(lo, o.port);
    hi = Math.max(hi, o.port);
  }
  return { count: list.length, last: list[list.length - 1], inside: mode === 'passive' && c.server.port > lo && c.server.port < hi };
}

function stoppedWords(c: DataConnection, mode: 'active' | 'passive', st: StoppedMidCapture, alsoRange: boolean): string {
  const between = mode === 'active' ? `from ${c.server.ip} to ${c.client.ip}` : `from ${c.client.ip} to ${c.server.ip}`;
  const first = c.synFrame ?? c.synFrames[0];
  return (
    `${st.count === 1 ? 'One' : st.count} ${mode} data connection${st.count === 1 ? '' : 's'} ${between} opened earlier in this capture, the last ` +
    `for transfer ${st.last.transfer} (SYN frame ${st.last.synFrame}), and none after: ${alsoRange ? `either port ${c.server.port} was never open, or ` : ''}` +
    `the failure began mid-capture, between frame ${st.last.synFrame} and frame ${first}, when something changed (a firewall rule added, a ` +
    'connection-tracking table or rate limit filled, a route changed)' +
    (st.inside ? `; port ${c.server.port} lies among ports that had opened, so it is no part of a range left closed` : '')
  );
}

/** A passive connection attempt that failed at the connection (no SYN-ACK came), between one client and server address. */
interface FailedAttempt {
  synFrame: number;
  port: number;
  transfer: string;
}

/** Per analysis, once: failed passive attempts by client and server address, by SYN frame. */
const failedByHosts = new WeakMap<Analysis, Map<string, FailedAttempt[]>>();

/** Per analysis, once: every established passive connection by client and server address, by SYN frame. */
const openedPassiveByHosts = new WeakMap<Analysis, Map<string, OpenedConnection[]>>();

interface FailedSpell {
  /** The last connection that opened before this attempt, and the first after it. */
  before: OpenedConnection;
  after: OpenedConnection;
  /** The failed attempts between them (this one among them): how many, on how many ports, the first and last SYN. */
  count: number;
  ports: number;
  first: number;
  last: number;
  /** A port of those attempts that opened at another time in the capture. */
  reopened: OpenedConnection;
}

const byHostsKey = (c: DataConnection): string => `${c.client.ip}|${c.server.ip}`;

/**
 * Passive, failed at the connection: connections between the same two hosts opened before this
 * attempt and after it, every attempt between them failed (at least two), and a port one of them
 * failed on opened at another time of the capture. The failures lasted a spell and ended — a rule
 * added and removed, a table or limit that filled and emptied — and a port that worked at another
 * time is no part of a range left closed. Null otherwise (stoppedMidCapture has the spell that never
 * ended; a lone failure among openings cannot tell a spell from a port). Indexes built once per
 * analysis; each attempt costs a few binary searches and a walk of its own spell.
 */
/** Per analysis, once: failed passive attempts and established passive connections, by client and server address, by SYN frame. */
function passiveByHosts(a: Analysis): { failed: Map<string, FailedAttempt[]>; opened: Map<string, OpenedConnection[]> } {
  let failed = failedByHosts.get(a);
  let opened = openedPassiveByHosts.get(a);
  if (failed === undefined || opened === undefined) {
    failed = new Map();
    opened = new Map();
    for (const s of a.sessions) {
      for (const t of s.transfers) {
        const x = t.connection;
        if (t.mode !== 'passive' || x === null || x.midstream) continue;
        const key = byHostsKey(x);
        if (x.established && x.synFrame !== null) {
          let list = opened.get(key);
          if (list === undefined) opened.set(key, (list = []));
          list.push({ start: x.start, synFrame: x.synFrame, port: x.server.port, transfer: `${s.id}.${t.id}` });
        } else if (!x.established && x.synFrames.length > 0 && x.synAckFrames.length === 0) {
          let list = failed.get(key);
          if (list === undefined) failed.set(key, (list = []));
          list.push({ synFrame: x.synFrames[0], port: x.server.port, transfer: `${s.id}.${t.id}` });
        }
      }
    }
    for (const list of opened.values()) list.sort((p, q) => p.synFrame - q.synFrame);
    for (const list of failed.values()) list.sort((p, q) => p.synFrame - q.synFrame);
    failedByHosts.set(a, failed);
    openedPassiveByHosts.set(a, opened);
  }
  return { failed, opened };
}

function failedSpell(a: Analysis, c: DataConnection): FailedSpell | null {
  const { failed, opened } = passiveByHosts(a);
  const key = byHostsKey(c);
  const open = opened.get(key) ?? [];
  const fails = failed.get(key) ?? [];
  const syn = c.synFrames[0];
  const i = firstAbove(open, syn, (o) => o.synFrame);
  if (i === 0 || i === open.length) return null;
  // One spell per gap between two openings, decided once for every attempt in it.
  let spells = spellsByGap.get(a);
  if (spells === undefined) spellsByGap.set(a, (spells = new Map()));
  const gap = `${key}|${i}`;
  let spell = spells.get(gap);
  if (spell === undefined) spells.set(gap, (spell = spellBetween(a, key, open, fails, i)));
  return spell;
}

/** Per analysis: the spell (or none) in each gap between two openings, by hosts key and the later opening's index. */
const spellsByGap = new WeakMap<Analysis, Map<string, FailedSpell | null>>();

function spellBetween(a: Analysis, key: string, open: OpenedConnection[], fails: FailedAttempt[], i: number): FailedSpell | null {
  const before = open[i - 1];
  const after = open[i];
  const ports = new Set<number>();
  let count = 0;
  let first = Infinity;
  let last = -Infinity;
  for (let j = firstAbove(fails, before.synFrame, (f) => f.synFrame); j < fails.length && fails[j].synFrame < after.synFrame; j++) {
    count++;
    ports.add(fails[j].port);
    first = Math.min(first, fails[j].synFrame);
    last = Math.max(last, fails[j].synFrame);
  }
  if (count < 2) return null;
  const reopened = reopenedPort(a, key, ports, open);
  return reopened === null ? null : { before, after, count, ports: ports.size, first, last, reopened };
}

/** Per analysis, once: the first established passive connection to each server port, by client and server address. */
const firstOpenedByPort = new WeakMap<Analysis, Map<string, Map<number, OpenedConnection>>>();

function reopenedPort(a: Analysis, key: string, ports: Set<number>, open: OpenedConnection[]): OpenedConnection | null {
  let index = firstOpenedByPort.get(a);
  if (index === undefined) firstOpenedByPort.set(a, (index = new Map()));
  let byPort = index.get(key);
  if (byPort === undefined) {
    index.set(key, (byPort = new Map()));
    for (const o of open) if (!byPort.has(o.port)) byPort.set(o.port, o);
  }
  for (const p of ports) {
    const o = byPort.get(p);
    if (o !== undefined) return o;
  }
  return null;
}

function spellWords(c: DataConnection, w: FailedSpell): string {
  return (
    `Passive data connections to ${c.server.ip} opened until frame ${w.before.synFrame} (transfer ${w.before.transfer}) and again from frame ` +
    `${w.after.synFrame} (transfer ${w.after.transfer}) on; every attempt between them failed: ${w.count} attempts on ${w.ports} port${w.ports === 1 ? '' : 's'}, ` +
    `SYN frames ${w.first} to ${w.last}, port ${w.reopened.port} among them, which opened for transfer ${w.reopened.transfer} (SYN frame ` +
    `${w.reopened.synFrame}). The failures lasted a spell and then ended — a firewall rule added and removed, a connection-tracking table ` +
    'or rate limit that filled and emptied — not a part of the port range left closed'
  );
}

/**
 * Passive, failed at the connection: the passive data connections between the same two hosts that
 * opened all did so after this attempt's last SYN, none before, and no attempt failed after the first
 * of them (the failures ended) — the mirror of stoppedMidCapture.
 * Another port that opened only later shows no part of a range left closed: what dropped the SYNs
 * may have stopped doing so in between (a rule removed, a table emptied), which a transient drop
 * retried by the client (wget --tries, curl --retry, aria2c --max-tries) shows. The first of them, or null.
 */
function startedMidCapture(a: Analysis, c: DataConnection): OpenedConnection | null {
  const { opened, failed } = passiveByHosts(a);
  const open = opened.get(byHostsKey(c));
  const fails = failed.get(byHostsKey(c));
  const last = c.synFrames[c.synFrames.length - 1];
  if (open === undefined || open.length === 0 || last === undefined || open[0].synFrame <= last) return null;
  // Attempts that failed after connections had opened: the failures did not end, a port split may show.
  return fails !== undefined && fails[fails.length - 1].synFrame > open[0].synFrame ? null : open[0];
}

/** The passive connections that opened between these two addresses: the last before a frame and the first after it. */
function passiveOpenedAround(a: Analysis, client: string, server: string, frame: number): { before: OpenedConnection | null; after: OpenedConnection | null } {
  const open = passiveByHosts(a).opened.get(`${client}|${server}`) ?? [];
  const i = firstAbove(open, frame, (o) => o.synFrame);
  return { before: open[i - 1] ?? null, after: open[i] ?? null };
}

function startedWords(c: DataConnection, st: OpenedConnection, alsoRange: boolean): string {
  const last = c.synFrames[c.synFrames.length - 1];
  return (
    `Passive data connections from ${c.client.ip} to ${c.server.ip} opened only after this attempt, the first for transfer ${st.transfer} ` +
    `(port ${st.port}, SYN frame ${st.synFrame}), and none before: ${alsoRange ? `either port ${c.server.port} was closed while port ${st.port} was open, or ` : ''}` +
    `the failure ended mid-capture, between frame ${last} and frame ${st.synFrame}, when something changed (a firewall rule removed, a ` +
    'connection-tracking table or rate limit that emptied, a route restored)'
  );
}

interface OpenedPassive {
  port: number;
  /** "1.2": session and transfer. */
  transfer: string;
  /** Null when the connection was already open as the capture began. */
  synFrame: number | null;
}

/**
 * The passive data connections that opened to one server address: the ports reached, and the first
 * few (what the words and evidence name: a capture of thousands of transfers must not make each
 * diagnosis list them all, nor each check scan them all).
 */
interface OpenedToServer {
  ports: Set<number>;
  first: OpenedPassive[];
  total: number;
}

const PARTIAL_LISTED = 3;

/** Per analysis, once: the passive data connections that opened, by the server address they reached. */
const openedPassiveByServer = new WeakMap<Analysis, Map<string, OpenedToServer>>();

/**
 * Passive data connections that opened to other ports of the same server address in this capture,
 * when none opened to this port: the server and the way to it let data connections through, only
 * not to this port — what a firewall opening part of the server's passive range does.
 */
function otherPassivePortsOpened(a: Analysis, c: DataConnection): OpenedToServer | null {
  let byServer = openedPassiveByServer.get(a);
  if (!byServer) {
    byServer = new Map();
    for (const s of a.sessions) {
      for (const t of s.transfers) {
        const x = t.connection;
        if (t.mode !== 'passive' || !x?.established) continue;
        let to = byServer.get(x.server.ip);
        if (to === undefined) byServer.set(x.server.ip, (to = { ports: new Set(), first: [], total: 0 }));
        to.ports.add(x.server.port);
        to.total++;
        if (to.first.length < PARTIAL_LISTED) to.first.push({ port: x.server.port, transfer: `${s.id}.${t.id}`, synFrame: x.synFrame });
      }
    }
    openedPassiveByServer.set(a, byServer);
  }
  const opened = byServer.get(c.server.ip);
  return opened === undefined || opened.ports.has(c.server.port) ? null : opened;
}

const andList = (items: string[]): string => (items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`);

function partialRangeWords(c: DataConnection, opened: OpenedToServer, s: Session): string {
  const listed = opened.first.map((o) => `port ${o.port} for transfer ${o.transfer}${o.synFrame === null ? '' : ` (SYN frame ${o.synFrame})`}`);
  if (opened.total > opened.first.length) listed.push(`${opened.total - opened.first.length} more`);
  return (
    `Passive data connections to other ports of ${c.server.ip} opened in this capture (${andList(listed)}): ` +
    `the server was reachable, only not on ${c.server.port} — as when a firewall opens only ${passivePortsOrigin(s)}`
  );
}

/**
 * Passive, no reply to a transfer command: the server's own word that it stopped listening on the
 * announced port — a 4xx sent unasked (pyftpdlib: "421 Passive data channel timed out.") before
 * the client announced again.
 */
/** "The server gave up waiting for the connection: it said, unasked, …": serverGaveUp's line, told. */
function gaveUpWords(t: Transfer, unasked: Command): string {
  return (
    `The server gave up waiting for the connection: it said, unasked, ${replyWords(unasked.reply!)} ` +
    `(frame ${unasked.reply!.frame}, ${secondsText(unasked.reply!.time - t.announce!.time)} after its ${t.announce!.reply?.code ?? t.announce!.command})`
  );
}

function serverGaveUp(t: Transfer, s: Session): Command | null {
  if (t.reply || !t.announce) return null;
  const order = sessionOrder(s);
  for (const x of order.commandsBetween(t.announce.frame, order.nextAnnounced(t)?.announce!.frame)) {
    if (x.command === null && x.reply && x.reply.code >= 400) return x;
  }
  return null;
}

export const checkActiveRefused = (ctx: TransferContext): Diagnosis | null => check(ctx, 'active', 'refused');
export const checkActiveSynUnanswered = (ctx: TransferContext): Diagnosis | null => check(ctx, 'active', 'unanswered');
export const checkPassiveRefused = (ctx: TransferContext): Diagnosis | null => check(ctx, 'passive', 'refused');

/**
 * Passive, no final reply: the server had ended the session — closed the control connection, after
 * an unasked 421 or without a word — before the client's first SYN to the endpoint it announced
 * (proftpd's TimeoutNoTransfer while a client waited between PASV and RETR). Nothing listened there
 * any more: the reset or silence that met the SYN is the session's end, not a firewall's refusal.
 */
export function checkSessionEndedFirst(ctx: TransferContext): Diagnosis | null {
  const { transfer: t, session: s } = ctx;
  const c = t.connection;
  const end = s.closedBy;
  if (t.mode !== 'passive' || !t.announce || !c || c.established || c.synFrames.length === 0 || t.reply !== null || end === null || end.by !== 'server') return null;
  // A SYN-ACK says something still listened there: "never answered", "nothing listened" would be false.
  if (c.synAckFrames.length > 0) return null;
  const syn = synEvents(c)[0] ?? { frame: c.synFrames[0], time: c.start };
  if (end.frame > syn.frame || end.frame < t.announce.frame) return null;
  const said = t.announce.reply?.code ?? t.announce.command;
  const notice = serverGaveUp(t, s);
  const refused = refusal(c, s, 'server');
  const details = [
    announceWords(t),
    `The server ended the session ${secondsText(end.time - t.announce.time)} after its ${said}: ` +
      (notice !== null && notice.reply!.frame <= end.frame
        ? `it said, unasked, ${replyWords(notice.reply!)} (frame ${notice.reply!.frame}), and closed the control connection (frame ${end.frame})`
        : `it ${end.how === 'rst' ? 'reset' : 'closed'} the control connection (frame ${end.frame}) without a word`),
    `${synWords(c, 'client')}, ${secondsText(syn.time - t.announce.time)} after the ${said} and after that close: it was ${refused ?? 'never answered'}. ` +
      'Nothing listened on the port any more: the session that offered it was over',
  ];
  if (t.request && t.request.frame > end.frame) details.push(`The client sent ${t.request.command} (frame ${t.request.frame}) after the session had ended: no reply could come`);
  return diagnosis(ctx, 'session-ended-first', details, evidenceFrames(t, [notice?.reply?.frame, end.frame, c.rst?.frame, ...c.icmpErrors.map((e) => e.frame)]));
}
export const checkPassiveSynUnanswered = (ctx: TransferContext): Diagnosis | null => check(ctx, 'passive', 'unanswered');

/**
 * A 425 for a data connection that is not in a capture holding none between these hosts (a "port
 * 21" filter: data-unseen.ts): the server's reply says no data connection could be made, and the
 * capture cannot show whether the side that connects tried, nor what answered it. Before the checks
 * that read an absent SYN as evidence.
 */
export function checkDataUnseen(ctx: TransferContext): Diagnosis | null {
  const { transfer: t, session: s } = ctx;
  const unseen = s.dataUnseen;
  if (unseen === undefined || t.connection !== null || t.fxp !== undefined || !t.announce?.endpoint || t.reply?.code !== 425) return null;
  const connector = t.mode === 'active' ? 'server' : 'client';
  return diagnosis(
    ctx,
    t.mode === 'active' ? 'active-unreached' : 'passive-unreached',
    [
      announceWords(t),
      `The server replied ${replyWords(t.reply)} (frame ${t.reply.frame}): no data connection from the ${connector} to ${ep(t.announce.endpoint)} was made`,
      dataUnseenDetail(unseen, { session: s.id, transfer: t.id }),
    ],
    evidenceFrames(t, [unseen.reply]),
    dataUnseenAdvice(connector),
  );
}

/** Seconds a server must have spent over the transfer command before its 425 to show that it tried to connect. */
const TRIED_SECONDS = 1;

/**
 * How long the server spent over a transfer command before its 425, seen from here: the reply's delay
 * less the least time the server's replies took to come back to this capture point (at the client's
 * side a round trip of the path, 1.2 s for a satellite's two; at the server's, next to nothing).
 */
function serverTook(t: Transfer, s: Session): { delay: number; took: number; roundTrip: number } {
  const delay = t.reply!.time - t.request!.time;
  const roundTrip = Math.min(answeredWithin(s, 'server') ?? 0, delay);
  return { delay, took: delay - roundTrip, roundTrip };
}

/** How long the server tried, in words: "that long" (the delay itself), or "about N s" beyond its replies' round trip. */
function triedWords(t: Transfer, s: Session): string {
  const { took, roundTrip } = serverTook(t, s);
  return roundTrip < PATH_ROUND_TRIP ? 'that long' : `about ${secondsText(took)}`;
}

/** "The server replied 425 … (frame N) 1.2 s after RETR (frame M)", with its replies' round trip to here when a path's. */
function replyDelayWords(t: Transfer, s: Session): string {
  const { delay, roundTrip } = serverTook(t, s);
  const base = `The server replied ${replyWords(t.reply!)} (frame ${t.reply!.frame}) ${secondsText(delay)} after ${t.request!.command} (frame ${t.request!.frame})`;
  return roundTrip < PATH_ROUND_TRIP ? base : `${base}; its quickest reply in this session took ${secondsText(roundTrip)} to come back here`;
}

/**
 * Active, seen from the client's side: no SYN from the server arrived, and the server's 425 came
 * only after it had tried for a while. Its SYNs were lost on the way — typically a NAT in front of
 * the client that did not rewrite PORT, so they went to an address that leads nowhere.
 */
export function checkActiveUnseen(ctx: TransferContext): Diagnosis | null {
  const { transfer: t, session: s, vantage } = ctx;
  // Or its SYN reached the client only after the client had left, every one of them (clientLeftBeforeSyn).
  const left = clientLeftBeforeSyn(t, s);
  const lateOnly = left !== null && t.connection!.synFrames.every((f) => f > left.frame);
  if (t.mode !== 'active' || (t.connection && !lateOnly) || !t.request || !t.announce?.endpoint) return null;
  if (t.reply?.code !== 425 || serverTook(t, s).took < TRIED_SECONDS) return null;
  if (vantage.point !== 'client-side') return null;
  if (lateOnly) return activeLateOnly(ctx, left!);
  // Read with a key log, the PORT was inside TLS on the wire: no NAT's FTP helper could have rewritten it.
  const tls = announcedInsideTls(ctx);
  return diagnosis(
    ctx,
    'active-syn-unanswered',
    [
      announceWords(t),
      `${replyDelayWords(t, s)}: it tried to connect for ${triedWords(t, s)}`,
      `None of its SYNs reached the client's side, where this capture was taken: they were dropped or misrouted on the way — ` +
        `typically a NAT in front of the client that did not rewrite the address in ${t.announce.command} (${ep(t.announce.endpoint)} is ` +
        `then unreachable from the server), or a firewall between them that drops inbound connections${unlessFiltered(s)}`,
      tls === null ? '' : portInsideTlsWords(t.announce.command, tls),
    ],
    evidenceFrames(t),
    tls === null ? undefined : ENCRYPTED_PORT_ADVICE,
  );
}

/**
 * Active, seen from the client's side: no SYN from the server arrived while the client waited; the
 * client gave up and left, and only then did one arrive, reaching the address and port the PORT named
 * (so not misrouted by a NAT that left the PORT unrewritten), to be reset by a client with nothing
 * listening any more. The SYNs before it were dropped on the way, for that while.
 */
function activeLateOnly(ctx: TransferContext, left: { frame: number; time: number }): Diagnosis {
  const { transfer: t } = ctx;
  const c = t.connection!;
  return diagnosis(
    ctx,
    'active-syn-unanswered',
    [
      announceWords(t),
      `${replyDelayWords(t, ctx.session)}: it tried to connect for ${triedWords(t, ctx.session)}`,
      `No SYN of it reached the client's side, where this capture was taken, while the client waited: ${leftWords(c, left, t)}`,
      `That late SYN came to ${ep(c.client)}, the address and port the ${t.announce!.command} named: the server's SYNs were not sent astray (no NAT left the ` +
        `${t.announce!.command} unrewritten); the ones before it were dropped on the way while the client waited — a firewall between them that drops inbound connections, for a while or for good${unlessFiltered(ctx.session)}`,
    ],
    evidenceFrames(t, [left.frame, c.synFrames[0], c.rst!.frame]),
    `Use passive mode on the client, or find what dropped the server's SYNs to the client's data port on the way (a firewall between them, on the client's side of it; ` +
      `the late SYN got through, so look for what changed then). The client's reset only answered a SYN that came after it had given up: nothing on the client refused it.`,
  );
}

/**
 * Active: the server replied 425 at once (before a SYN could have been repeated) and no SYN from it
 * is in a capture that cannot see what the server sends (the client's side, or a point between
 * them that is not the forwarding device itself). The server's attempt was refused or dropped on
 * the way, or never made: from here the two look alike, so neither is claimed.
 */
export function checkActiveUnreached(ctx: TransferContext): Diagnosis | null {
  const { transfer: t, vantage } = ctx;
  if (t.mode !== 'active' || t.connection || !t.request || !t.announce?.endpoint) return null;
  if (t.reply?.code !== 425 || serverTook(t, ctx.session).took >= TRIED_SECONDS) return null;
  if (vantage.point !== 'client-side' && !(vantage.point === 'in-between' && !vantage.forwarder)) return null;
  const where = vantage.point === 'client-side' ? "the client's side, where this capture was taken" : 'this capture point';
  // The server's connection from its fixed port to that very endpoint was still open: it could not make a second one.
  const busy = pairInUse(ctx.analysis, ctx.session, t);
  return diagnosis(
    ctx,
    'active-unreached',
    [
      announceWords(t),
      replyDelayWords(t, ctx.session),
      `No SYN from the server to ${ep(t.announce.endpoint)} reached ${where}: its attempt was refused or dropped on the way ` +
        '(a firewall or router that answers it with a reset or an ICMP error fails it this fast), or the server could not make it at all; ' +
        `this point cannot see which${unlessFiltered(ctx.session)}`,
      ...(busy !== null ? [pairInUseWords(busy, ctx.session, t.request.frame) + ', which would fail it at once without a SYN'] : []),
    ],
    evidenceFrames(t, busy !== null ? [busy.connection.synFrame ?? undefined, busy.closed ?? undefined] : []),
    busy !== null ? pairInUseAdvice(busy) : undefined,
  );
}

/**
 * The data connection's SYN was answered (SYN-ACK) from the address it called, and the side that
 * connected reset that answer without acknowledging it: no socket waited for it any more, its
 * connect had given up before the answer came (verdict.ts: failed once the client moved on). At the
 * connecting side the time the answer took shows how long it may have waited; elsewhere, the time
 * from the answer to the reset.
 */
export function checkDataAbandoned(ctx: TransferContext): Diagnosis | null {
  const { transfer: t } = ctx;
  const c = t.connection;
  const connector = t.mode === 'active' ? 'server' : 'client';
  if (t.status !== 'failed' || c === null || !dataAnswerAbandoned(t)) return null;
  const responder = connector === 'client' ? 'server' : 'client';
  const syn = c.handshake.find((e) => e.type === 'syn');
  const synAck = c.handshake.find((e) => e.type === 'syn-ack');
  const reset = c.handshake.find((e) => e.type === 'rst' && e.by === connector);
  if (synAck === undefined || reset === undefined || reset.frame < synAck.frame) return null;
  const answeredAfter = syn !== undefined && syn.frame < synAck.frame ? synAck.time - syn.time : 0;
  const resetAfter = reset.time - synAck.time;
  const timing =
    answeredAfter >= PATH_ROUND_TRIP
      ? `The answer came ${secondsText(answeredAfter)} after the ${connector}'s SYN, as seen here: a ${connector} that waits less than that has given up before it arrives`
      : resetAfter >= PATH_ROUND_TRIP
        ? `The ${connector}'s reset came ${secondsText(resetAfter)} after the ${responder}'s answer left: the answer took that long to reach it, or it had given up before it came`
        : 'The reset followed the answer at once';
  return diagnosis(
    ctx,
    'data-abandoned',
    [
      announceWords(t),
      synWords(c, connector),
      `The ${responder} answered with SYN-ACK at ${frameList(c.synAckFrames.slice(0, 8))}, and the ${connector} reset that answer (frame ${reset.frame}) without acknowledging it: no socket was waiting for it any more`,
      timing,
    ],
    evidenceFrames(t, [...c.synAckFrames.slice(0, 4), reset.frame]),
  );
}

/**
 * The handshake stopped at its second step: the responder answered SYN-ACK (repeatedly) and the side
 * that connected never acknowledged it, repeating its SYN until it gave up. Its own host (or a
 * device between it and the capture point) dropped the SYN-ACKs: a firewall that lets its SYNs out
 * but not their answers in.
 */
export function checkHandshakeIncomplete(ctx: TransferContext): Diagnosis | null {
  const { transfer: t, session: s, vantage } = ctx;
  const c = t.connection;
  if (!c || c.established || c.midstream || c.rst || c.icmpErrors.length > 0 || c.synFrames.length === 0 || c.synAckFrames.length === 0) return null;
  const connector = t.mode === 'active' ? 'server' : 'client';
  const responder = connector === 'client' ? 'server' : 'client';
  const details = [
    announceWords(t),
    synWords(c, connector),
    `The ${responder} answered with SYN-ACK at ${frameList(c.synAckFrames.slice(0, 8))}, but the ${connector} never acknowledged it: it kept sending its SYN`,
    canSeeArrivalAt(vantage, connector)
      ? `The SYN-ACKs are in a capture taken on the ${connector}'s side, so they reached the ${connector}'s network and were dropped there, before its TCP took them — by a firewall on the ${connector} host that lets its SYNs out but not their answers in`
      : `The SYN-ACKs did not reach the ${connector}'s TCP: dropped on the way back, or by a firewall on the ${connector} host`,
  ];
  const waited = waitedWords(t, s, ctx.analysis.capture.last);
  if (waited) details.push(waited.charAt(0).toUpperCase() + waited.slice(1));
  details.push(sourcePort20Note(ctx));
  const advice =
    `Let the ${connector} receive the answers to its own connections: allow packets of established connections from ` +
    `${ep(connector === 'client' ? c.server : c.client)} on the ${connector}'s firewall (iptables -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT), ` +
    `and on any firewall between the capture point and the ${connector}.`;
  return diagnosis(ctx, 'handshake-incomplete', details, evidenceFrames(t, c.synAckFrames.slice(0, 8)), advice);
}

/**
 * What a capture of the client's direction only can show failing: the client repeating its SYN to
 * the server's passive port (a TCP stack repeats a SYN only when no SYN-ACK reached it) and never
 * sending anything more on that connection. Whether the server dropped the SYNs or its answers were
 * lost on the way back is not in the capture: the diagnosis says so.
 */
export function checkOneWaySynRepeated(ctx: TransferContext): Diagnosis | null {
  const { transfer: t, session: s } = ctx;
  const c = t.connection;
  if (s.oneWay !== 'client' || t.mode !== 'passive' || !c || c.established || c.synFrames.length < 2 || c.bytesToServer > 0) return null;
  if (c.rst || c.handshake.some((e) => e.type === 'fin' || e.type === 'established')) return null;
  const asked = t.unansweredAnnounce;
  return diagnosis(
    ctx,
    'passive-syn-unanswered',
    [
      `The client sent its SYN to ${ep(c.server)} ${c.synFrames.length} times (frames ${c.synFrames.join(', ')}) and nothing more on that connection: a client repeats its SYN only when no SYN-ACK reached it`,
      `This capture holds only what the client sent (no reply, no SYN-ACK from the server in either case), so whether the server's side dropped the SYNs or its answers were lost on the way back cannot be told from it`,
    ],
    [...(asked ? [asked.frame] : []), ...(t.request ? [t.request.frame] : []), ...c.synFrames].sort((x, y) => x - y),
  );
}
