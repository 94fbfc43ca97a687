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
import type { Session } from './model.js';

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
