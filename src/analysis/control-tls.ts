/**
 * Whether a frame of a session's control connection travelled inside its TLS: after the frame TLS
 * started in (AUTH TLS's 234, or the first byte of implicit FTPS) and before CCC's return to clear
 * text. A command or reply the model holds from such a frame was read from decrypted records; the
 * dump, the ladder and explain mark it so.
 */
import { handshakeFailed } from '../tls/handshake-failure.js';
import type { Session, TlsAlert } from './model.js';

export function insideControlTls(s: Session, frame: number): boolean {
  return s.tls && s.tlsFrame !== null && frame > s.tlsFrame && (s.tlsEndFrame === undefined || frame < s.tlsEndFrame);
}

/**
 * How the control connection's TLS handshake failed: its fatal alert, or 'no-server-hello' when the
 * connection closed after the ClientHello; null when it did not fail (or no TLS was seen). Needs
 * `s.close` (known once the connection ended).
 */
export function controlHandshakeFailure(s: Session): TlsAlert | 'no-server-hello' | null {
  const tls = s.tlsDetails;
  if (!tls) return null;
  // Control bytes the capture lost past the ClientHello: a ServerHello may be in them.
  const lostAfterHello = tls.clientHelloFrame !== null && s.controlGapFrame !== undefined && s.controlGapFrame >= tls.clientHelloFrame;
  return handshakeFailed(tls, s.close !== null, lostAfterHello);
}

/** Why clear text came back on the control connection (Session.tlsEndAfter): CCC, or a handshake that never finished. */
export function tlsEndCause(s: Session): Session['tlsEndAfter'] {
  if (s.tlsEndFrame === undefined) return undefined;
  return s.tlsDetails?.handshakeDone !== true && controlHandshakeFailure(s) !== null ? 'handshake-failed' : 'ccc';
}
