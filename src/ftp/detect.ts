/**
 * Cheap sniffing of a connection's first bytes, to find FTP control channels on ports other
 * than 21. Looks at a short prefix only; never throws.
 */
import { parseClientHello } from '../tls/handshake.js';

/** "220 " or "220-": the server greeting (RFC 959 §5.4: 220 = service ready). */
export function looksLikeFtpServerGreeting(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 &&
    bytes[0] === 0x32 && // '2'
    bytes[1] === 0x32 && // '2'
    bytes[2] === 0x30 && // '0'
    (bytes[3] === 0x20 || bytes[3] === 0x2d) // ' ' or '-'
  );
}

/** Commands a client plausibly sends first on a new control connection. */
const FIRST_COMMANDS = new Set(['USER', 'AUTH', 'FEAT', 'HOST', 'OPTS', 'SYST', 'CLNT', 'NOOP', 'HELP']);

/**
 * The first line is one of FIRST_COMMANDS (any case) followed by a space or the line end.
 * USER alone is shared with POP3, so callers should prefer the server greeting when they have it.
 */
export function looksLikeFtpClientStart(bytes: Uint8Array): boolean {
  let verb = '';
  for (let i = 0; i < bytes.length && i < 5; i++) {
    const b = bytes[i];
    if (b === 0x20 || b === 0x0d || b === 0x0a) {
      return FIRST_COMMANDS.has(verb);
    }
    const upper = b >= 0x61 && b <= 0x7a ? b - 0x20 : b;
    if (upper < 0x41 || upper > 0x5a) return false;
    verb += String.fromCharCode(upper);
  }
  return false;
}

/**
 * Ports of TLS services that are not FTP (HTTPS, SMTPS, NNTPS, LDAPS, DNS over TLS, IMAPS, POP3S,
 * SIPS, XMPP, AMQPS, syslog, IRC, MQTT): a ClientHello to them is never taken for implicit FTPS.
 */
const OTHER_TLS_PORTS = new Set([443, 465, 563, 636, 853, 993, 995, 3269, 5061, 5223, 5671, 6514, 6697, 8443, 8883]);

/**
 * Implicit FTPS off port 990, a first guess from the client's first bytes: a TLS ClientHello to a
 * port of no other known TLS service that offers no ALPN protocol but "ftp" (FTP clients offer
 * none; browsers and curl offer h2/http/1.1 for HTTPS). A guess only: the analysis keeps the
 * session when a 220 greeting is decrypted, or, without keys, TLS data connections follow it.
 */
export function looksLikeImplicitFtpsStart(bytes: Uint8Array, serverPort: number): boolean {
  if (OTHER_TLS_PORTS.has(serverPort)) return false;
  // TLS record header (handshake, 3.x), then a handshake header of type client_hello.
  if (bytes.length < 9 || bytes[0] !== 0x16 || bytes[1] !== 0x03 || bytes[5] !== 0x01) return false;
  const bodyLength = (bytes[6] << 16) | (bytes[7] << 8) | bytes[8];
  // A hello longer than this segment: its extensions are not all here, so ALPN cannot rule it out.
  if (bytes.length < 9 + bodyLength) return true;
  const hello = parseClientHello(bytes.subarray(9, 9 + bodyLength));
  return hello !== null && hello.alpn.every((p) => p === 'ftp');
}
