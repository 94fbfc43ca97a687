/**
 * Without keys: a session whose probable data connections all began new TLS sessions, none
 * resuming the control connection's — what a server that requires session reuse refuses with 522
 * (vsftpd require_ssl_reuse=YES, its default; proftpd unless TLSOptions NoSessionReuseRequired).
 * One reading for the session's diagnosis, the inferred transfers' status (verdict.ts) and their
 * own diagnosis, so that the three cannot disagree.
 */
import { hiddenFrom, plausibleHiddenData } from './inferred-transfers.js';
import type { OtherConnection, Session } from './model.js';

/**
 * Servers, named by their clear-text greeting, that accept data connections with a new TLS session
 * (pure-ftpd has no session-reuse requirement: ftps-pureftpd-python's four fresh data sessions all succeed).
 */
const REUSE_NOT_REQUIRED = /\bPure-FTPd\b/i;

/**
 * Whether the server's need for session reuse is unknown: its greeting not in the capture — its
 * control connection seen mid-stream, the greeting before the capture (in clear, or with its AUTH TLS
 * too, which leaves the session looking implicit), or in control bytes the capture lost (ftps-pureftpd
 * without frame 6), or before the server's first captured segment when its SYN-ACK was lost too (its
 * ISN unknown, bytes lost there cannot be counted: ftps-pureftpd without 4-6) — so the server is not
 * named (pure-ftpd needs no reuse; vsftpd and proftpd do). The fresh data sessions then leave their
 * transfers unconfirmed (verdict.ts) but name no cause. Implicit FTPS's greeting, encrypted, names
 * nothing either, but there the capture holds the session from its start.
 */
export const reuseRequirementUnknown = (s: Session): boolean =>
  s.greeting === null && (s.midstream || s.controlGapBytes > 0 || s.controlConnection.synAckFrames.length === 0);

/** Read once per session: the inferred transfers ask for it one by one. */
const readings = new WeakMap<Session, OtherConnection[]>();

/** The session's probable data connections that did full handshakes, when none resumed; else []. */
export function hiddenDataNotResumed(s: Session): OtherConnection[] {
  // Most sessions have no TLS or no other connection: nothing to read, nor to remember.
  if (!s.tls || s.otherConnections.length === 0) return [];
  let found = readings.get(s);
  if (found === undefined) {
    found = read(s);
    readings.set(s, found);
  }
  return found;
}

function read(s: Session): OtherConnection[] {
  if (hiddenFrom(s) === null || !s.tls || (s.greeting !== null && REUSE_NOT_REQUIRED.test(s.greeting))) return [];
  const handshakes = s.otherConnections.filter((c) => plausibleHiddenData(s, c) && c.tls?.serverHelloFrame != null);
  return handshakes.some((c) => c.tls!.resumed !== null) ? [] : handshakes;
}
