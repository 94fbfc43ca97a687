/**
 * Implicit FTPS found by content (a ClientHello first, on a port other than 990: see
 * ftp/detect.ts looksLikeImplicitFtpsStart) is a guess until the capture confirms it. Kept as an
 * FTP session only when:
 * - decrypted, its server greets with 220 (FTP read through TLS); or
 * - without keys, TLS connections between the same hosts open and start inside its lifetime on
 *   another port (PROT P data connections, which lie inside their control connection; sequential
 *   HTTPS-like connections to one port do not).
 * Anything else was TLS of another protocol and is left out.
 */
import { plausibleHiddenData } from './inferred-transfers.js';
import type { Endpoint, Session } from './model.js';

export function implicitFtpsConfirmed(s: Session): boolean {
  if (s.greeting !== null) return true;
  if (s.tlsDetails?.decryption === 'decrypted') return false;
  return s.otherConnections.some(
    (c) =>
      c.tls?.clientHelloFrame != null &&
      c.start >= s.start &&
      c.start <= s.end &&
      !(c.to.ip === s.server.ip && c.to.port === s.server.port) &&
      plausibleHiddenData(s, c),
  );
}

const endpointKey = (e: Endpoint): string => `${e.ip}|${e.port}`;

/** The sessions started on the guess, and the endpoints they were made to. */
export class ImplicitFtpsGuesses {
  private readonly sessions = new Set<Session>();
  private readonly servers = new Set<string>();

  add(s: Session): void {
    this.sessions.add(s);
    this.servers.add(endpointKey(s.server));
  }

  /**
   * A connection to an endpoint already taken for implicit FTPS is another control connection
   * (clients open several at once), not TLS data beside the first session.
   */
  serves(e: Endpoint): boolean {
    return this.servers.has(endpointKey(e));
  }

  /**
   * The guesses the capture did not confirm: TLS of another protocol. One confirmed session confirms
   * every session to its endpoint (without keys, data connections are all given to the latest one).
   */
  unconfirmed(): Session[] {
    const confirmed = new Set([...this.sessions].filter(implicitFtpsConfirmed).map((s) => endpointKey(s.server)));
    return [...this.sessions].filter((s) => !confirmed.has(endpointKey(s.server)));
  }
}
