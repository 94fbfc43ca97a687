/**
 * FTP lines arrive as latin1 strings (one char per byte). Most servers speak UTF-8 (RFC 2640), so
 * a line whose bytes are valid UTF-8 is shown decoded; in any other line the bytes above 0x7f are
 * shown as \xNN rather than guessed at. Control characters are kept here and escaped only at the
 * output edge.
 */
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function lineText(latin1: string): string {
  // Pure ASCII needs no work (the common case).
  let ascii = true;
  for (let i = 0; i < latin1.length; i++) {
    if (latin1.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) return latin1;
  try {
    return utf8.decode(Buffer.from(latin1, 'latin1'));
  } catch {
    return latin1.replace(/[\u0080-\u00ff]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  }
}
