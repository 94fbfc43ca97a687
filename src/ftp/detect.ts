/**
 * Cheap sniffing of a connection's first bytes, to find FTP control channels on ports other
 * than 21. Looks at a short prefix only; never throws.
 */

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
