/**
 * Runs the diagnosis checks over an analysis: every transfer that did not complete gets the first
 * cause whose check matches (most specific first); healthy transfers get none. Sessions whose
 * control channel is encrypted, or whose transfers all failed, get a session diagnosis.
 */
import { notFollowed } from '../not-followed.js';
import type { Analysis, Session, Transfer } from '../model.js';
import { adviceFor, CATALOG } from './catalog.js';
import { fillSettings } from '../server-software.js';
import { checkFxpUnreached } from './checks/fxp.js';
import { checkActiveAddressMismatch, checkBounce, checkFxpRefused, checkPassiveAddressMismatch, checkPassiveAnswerReset, checkPassivePeerMismatch } from './checks/address.js';
import {
  checkActiveRefused,
  checkActiveSynUnanswered,
  checkActiveUnseen,
  checkActiveUnreached,
  checkDataAbandoned,
  checkDataUnseen,
  checkHandshakeIncomplete,
  checkOneWaySynRepeated,
  checkPassiveRefused,
  checkPassiveSynUnanswered,
  checkPassiveUnreached,
  checkSessionEndedFirst,
} from './checks/connect.js';
import { checkAnnounceMalformed } from './checks/announce.js';
import { checkSplitStall, checkSplitStallSession } from './checks/split.js';
import { checkNat64Active, checkNat64Passive } from './checks/nat64.js';
import { checkControl } from './checks/control.js';
import { checkLoginFailed, checkNotLoggedIn } from './checks/login.js';
import { diagnoseRelayLegs } from './checks/relay.js';
import { checkTlsHidden } from './checks/tls.js';
import {
  checkControlTlsHandshake,
  checkHiddenDataHandshake,
  checkHiddenDataNotResumed,
  checkHiddenReceiverReset,
  checkHiddenTransferNotResumed,
  checkProtRefused,
  checkAuthRefused,
  checkTlsDataHandshake,
  checkTlsModeMismatch,
  checkTlsNoCloseNotify,
  checkTlsSessionNotReused,
} from './checks/ftps.js';
import {
  abortedByClient,
  checkAborted,
  checkCaptureGap,
  checkControlCut,
  checkNoAttempt,
  checkNotInCapture,
  checkServerRefused,
  checkStalled,
} from './checks/transfer.js';
import type { CauseCode, SessionDiagnosis, TransferCheck } from './types.js';
import { inferVantage } from './vantage.js';
import { findPassivePortSplits } from '../passive-port-split.js';
import { readPassiveAddress } from '../passive-address.js';
import { inFlightAtEnd } from '../in-flight.js';
import { unfinishedAtLostEnd } from '../control-end-lost.js';
import { dataEndNotCaptured } from '../data-end-lost.js';
import { noteOtherModeFailed, noteOtherModeFailedSession } from './other-mode.js';

/** In order: the first that matches names the cause. */
export const TRANSFER_CHECKS: TransferCheck[] = [
  // First: refused for want of a login, nothing about the data connection or the file was judged.
  checkNotLoggedIn,
  // First: the announcement never reached the other side, so what was (not) done with its address is no cause.
  checkSplitStall,
  checkFxpRefused,
  // An FXP copy's connection between the two servers: not the client's active or passive data connection.
  checkFxpUnreached,
  // Before the bounce and address mismatches: an address of the other family, not a NAT's leftover.
  checkNat64Active,
  checkNat64Passive,
  checkBounce,
  checkActiveAddressMismatch,
  // Before the address mismatch: the 227's address reached the server, its answer went around the router.
  checkPassiveAnswerReset,
  checkPassiveAddressMismatch,
  checkPassivePeerMismatch,
  // No data connection because the announcement named no usable address.
  checkAnnounceMalformed,
  // Before the checks that read a missing SYN as evidence: a capture that holds no data connection shows none.
  checkDataUnseen,
  // Before the refusals: a reset from the side that connected, of an answer that came too late for it.
  checkDataAbandoned,
  checkActiveRefused,
  checkActiveSynUnanswered,
  checkActiveUnseen,
  checkActiveUnreached,
  // Before the passive refusals: a SYN sent after the server had closed the session met no listener.
  checkSessionEndedFirst,
  checkPassiveRefused,
  checkPassiveSynUnanswered,
  checkPassiveUnreached,
  checkHandshakeIncomplete,
  checkTlsDataHandshake,
  checkTlsSessionNotReused,
  checkHiddenTransferNotResumed,
  // Before the stall and abort checks: whole data and a lost final reply is neither.
  checkControlCut,
  // Before checkAborted: a sender that closed without close_notify explains the abort (its RST may only answer the receiver).
  checkTlsNoCloseNotify,
  // TLS hiding the commands: the data's receiver reset the connection before the sender had ended it.
  checkHiddenReceiverReset,
  checkAborted,
  checkStalled,
  checkCaptureGap,
  checkServerRefused,
  // An FXP copy's data connection runs between the two servers: a capture point it does not pass (the
  // client's) lacks it by design, not by a capture's fault.
  (ctx) => (ctx.transfer.fxp !== undefined && ctx.transfer.connection === null ? null : checkNotInCapture(ctx)),
  checkNoAttempt,
];

/**
 * A completed transfer is healthy unless it went to a third host. What the capture missed of it
 * (gaps, a data connection not captured) is its verdict's to say, not a failure.
 */
const CHECKS_WHEN_COMPLETE: TransferCheck[] = [checkBounce];
/**
 * An FXP copy's PORT half with no command of its own is not unused for want of one: the other server
 * used its connection (checks/fxp.ts words the copy's failures); a refusal of some other command
 * (lftp's SIZE of the destination, 550 before the copy) is not why.
 */
const unlessFxp =
  (check: TransferCheck): TransferCheck =>
  (ctx) =>
    ctx.transfer.fxp !== undefined ? null : check(ctx);
/** An unused announcement is only worth a word when it was wrong, or a refusal stopped its use. */
const CHECKS_WHEN_UNUSED: TransferCheck[] = [checkNotLoggedIn, checkFxpRefused, checkFxpUnreached, checkBounce, checkActiveAddressMismatch, checkPassiveAddressMismatch, checkAnnounceMalformed, unlessFxp(checkServerRefused)];

/** A transfer left unfinished in a capture of one direction: only what that direction can show. */
const CHECKS_WHEN_ONE_WAY: TransferCheck[] = [checkOneWaySynRepeated];

export function diagnose(a: Analysis): void {
  // Where the capture was taken, once per session: the split by port reads it as the checks do.
  for (const s of a.sessions) s.vantage = inferVantage(s);
  // Before the checks: each failed transfer's words cite its server's split.
  a.passivePortSplits = findPassivePortSplits(a.sessions);
  for (const s of a.sessions) {
    const vantage = s.vantage!;
    for (const t of s.transfers) {
      // Read before the checks: a reply naming the server's public address is no address mismatch.
      const address = readPassiveAddress(s, t, vantage);
      if (address) t.passiveAddress = address;
      // Only a transfer that held one loses it: `delete` turns an object's properties into a dictionary.
      else if (t.passiveAddress !== undefined) delete t.passiveAddress;
      // A capture of one direction only cannot show the other side's replies, SYN-ACKs or data:
      // their absence is no failure, and an unfinished transfer's verdict (unknown, one-way) says so.
      // A refused probe the client recovered from (fallback.ts) is no failure: nothing to diagnose. Nor a
      // refused retry of an attempt that had failed (retry-refused.ts): that attempt's diagnosis is the operation's.
      // Nor a transfer the analysis gave up following before it ended, or whose session's next commands it did not keep (not-followed.ts), nor one still under way
      // when the capture simply stopped (in-flight.ts), nor a download the client stopped while its other
      // session was under way then (split-download.ts findPendingSplits), or beside another download where the capture
      // lost what would show it a finished piece (findSplitsLost), or whose announcement the capture lost beside a
      // connection no transfer took (announce-lost.ts), or whose final reply is in bytes the capture lost
      // (replyInGap): neither done nor failed, nothing to diagnose.
      // Nor a transfer whose command the capture lost (inferLostCommands): what was asked is not in the capture.
      // Nor an announcement the capture ended on, its use still to come (in-flight.ts).
      // Nor a transfer with no final reply in a session whose control connection's reset shows packets the capture lost just before it (control-end-lost.ts).
      const checks =
        t.inferred === 'command-lost' ||
        t.status === 'fell-back' ||
        t.status === 'retry-refused' ||
        (t.status === 'incomplete' &&
          (t.splitPending !== undefined || t.splitLost !== undefined || t.announceLost !== undefined || t.replyInGap !== undefined || notFollowed(t, s, a.sessions) !== null || inFlightAtEnd(t, s, a.capture.last) !== null || unfinishedAtLostEnd(t, s) !== null)) ||
        // An announcement the capture ended on before the client's next step (its reply, or its data SYN, within the
        // first retransmission timeout of the end): not yet used, nor wrong, as far as anything shows.
        (t.status === 'unused' && inFlightAtEnd(t, s, a.capture.last) !== null)
          ? []
          : t.status === 'complete'
          ? CHECKS_WHEN_COMPLETE
          : t.status === 'unused'
            ? CHECKS_WHEN_UNUSED
            : s.oneWay !== undefined && t.status === 'incomplete'
              ? CHECKS_WHEN_ONE_WAY
              : TRANSFER_CHECKS;
      t.diagnosis = null;
      for (const check of checks) {
        const d = check({ analysis: a, session: s, transfer: t, vantage });
        if (d) {
          t.diagnosis = d;
          break;
        }
      }
    }
  }
  // Advice offering the other mode, which the capture shows failing between the same hosts, says so.
  noteOtherModeFailed(a);
  // A proxy's two legs: one leg's failure read from the other's diagnosis, before the sessions' own.
  diagnoseRelayLegs(a);
  for (const s of a.sessions) {
    const vantage = s.vantage!;
    s.diagnosis =
      checkControl(s, vantage) ??
      checkLoginFailed(s, vantage) ??
      checkSplitStallSession(s, vantage) ??
      checkTlsModeMismatch(s, vantage) ??
      checkAuthRefused(s, vantage) ??
      checkControlTlsHandshake(s, vantage) ??
      checkProtRefused(s, vantage) ??
      checkHiddenDataHandshake(s, vantage) ??
      checkHiddenDataNotResumed(s, vantage) ??
      checkTlsHidden(s, vantage, a.capture.last) ??
      allFailed(s);
    // A check's own advice names the identified server's settings where it marks them.
    if (s.diagnosis) {
      s.diagnosis.advice = fillSettings(s.diagnosis.advice, s);
      noteOtherModeFailedSession(s.diagnosis, s);
    }
  }
}


/** Not known for what the capture lost at its end: its final reply, or its data connection's end after a success reply. */
const endLostToCapture = (t: Transfer): boolean => t.status === 'incomplete' && t.diagnosis === null && (t.replyInGap !== undefined || dataEndNotCaptured(t) !== null);

/**
 * A transfer whose outcome the capture cannot tell and that no check diagnosed: it may have succeeded.
 * One the capture only implies (its command lost, begun before the capture, TLS hiding it, one way
 * of it captured), or one whose data connection began before the capture (verdict.ts: unknown).
 */
const unknownUndiagnosed = (t: Transfer): boolean => t.diagnosis === null && (t.inferred !== undefined || t.connection?.midstream === true);

/** An announcement the server refused (no endpoint): the client could only try another. */
const refusedAnnouncement = (t: Transfer): boolean => t.announce !== null && t.announce.reply !== null && t.announce.reply.code >= 400;

/** Causes read from what the capture lacks: nobody connected to the announced endpoint. */
const FROM_ABSENCE = new Set<CauseCode>(['passive-unreached', 'active-unreached']);

/**
 * Every transfer of the session failed: say so once, with the commonest cause. A complete transfer
 * succeeded even when diagnosed (a bounce moved its data, to a third host): then not every one failed.
 */
function allFailed(s: Session): SessionDiagnosis | null {
  if (s.transfers.length === 0) return null;
  // A refused probe the client got past (fell-back) is no attempt of its own: the one it fell back to is;
  // nor a refused retry (retry-refused): the attempt it retried is.
  const used = s.transfers.filter((t) => (t.status !== 'unused' || t.diagnosis) && t.status !== 'fell-back' && t.status !== 'retry-refused' && !abortedByClient(t, s));
  if (used.length === 0 || used.some((t) => t.status === 'complete')) return null;
  const diagnosed = used.filter((t) => t.diagnosis);
  if (diagnosed.length === 0) return null;
  // One direction only: an undiagnosed transfer's end is not in the capture, so "none succeeded" is not known;
  // nor when one's outcome is not known for what the capture lost (its announcement, a split's evidence,
  // its final reply, its data connection's end).
  if (s.oneWay !== undefined && diagnosed.length < used.length) return null;
  if (used.some((t) => t.announceLost !== undefined || t.splitLost !== undefined || endLostToCapture(t) || unknownUndiagnosed(t))) return null;
  const counts = new Map<CauseCode, number>();
  // Causes met other than as a refused announcement: a refused EPSV the client got past to a PASV that
  // failed for its own reason is the lesser cause of the two, whichever came first.
  const beyondRefusal = new Set<CauseCode>();
  // Then a cause read from what the capture shows before one read from what it lacks (nobody
  // connected: a client that left at once after an earlier attempt failed for its own reason); then
  // each cause's latest attempt: between causes met as often, the one the client ended on is why it stopped.
  const latest = new Map<CauseCode, number>();
  diagnosed.forEach((t, i) => {
    counts.set(t.diagnosis!.cause, (counts.get(t.diagnosis!.cause) ?? 0) + 1);
    if (!refusedAnnouncement(t)) beyondRefusal.add(t.diagnosis!.cause);
    latest.set(t.diagnosis!.cause, i);
  });
  const rank = (c: CauseCode): number => (beyondRefusal.has(c) ? 1 : 0);
  const shown = (c: CauseCode): number => (FROM_ABSENCE.has(c) ? 0 : 1);
  const [cause] = [...counts.entries()].sort(
    (x, y) => y[1] - x[1] || rank(y[0]) - rank(x[0]) || shown(y[0]) - shown(x[0]) || latest.get(y[0])! - latest.get(x[0])!,
  )[0];
  const causes = [...counts.entries()].map(([c, n]) => `${n}× ${c}`).join(', ');
  // The transfers' own advice for that cause when they agree on it (a firewall's reset, not the catalog's
  // "the side that aborted"): the session's word must not contradict theirs; the catalog's when they differ.
  // Advice that differs only in the port it names (each attempt's own passive port, refused by the same
  // router) agrees: the latest attempt's stands for all, not the catalog's, which may name another device.
  const withCause = diagnosed.filter((t) => t.diagnosis!.cause === cause);
  const advised = new Set(withCause.map((t) => t.diagnosis!.advice));
  const portless = new Set([...advised].map(withoutPorts));
  return {
    cause,
    summary: `No transfer of session ${s.id} succeeded (${used.length} attempted: ${causes}): ${CATALOG[cause].title}.`,
    evidence: [...new Set(diagnosed.flatMap((t) => t.diagnosis!.evidence))].sort((x, y) => x - y),
    advice: portless.size === 1 ? withCause[withCause.length - 1].diagnosis!.advice : adviceFor(cause, s),
  };
}

/** Advice with the ports of the endpoints it names left out (203.0.113.1:50092 → 203.0.113.1, [2001:db8::1]:50092 → [2001:db8::1]). */
function withoutPorts(advice: string): string {
  return advice.replace(/(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-fA-F:.]+\]):\d{1,5}\b/g, '$1');
}
