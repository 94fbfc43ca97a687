/**
 * Whether a frame of a session's control connection travelled inside its TLS: after the frame TLS
 * started in (AUTH TLS's 234, or the first byte of implicit FTPS) and before CCC's return to clear
 * text. A command or reply the model holds from such a frame was read from decrypted records; the
 * dump, the ladder and explain mark it so.
 */
import type { Session } from './model.js';

export function insideControlTls(s: Session, frame: number): boolean {
  return s.tls && s.tlsFrame !== null && frame > s.tlsFrame && (s.tlsEndFrame === undefined || frame < s.tlsEndFrame);
}
