/**
 * Text from packets is untrusted. Before it reaches a terminal every control character (C0, DEL,
 * C1) and every bidirectional-override character is shown escaped, so nothing in a capture can
 * move the cursor, change colours or reorder what the reader sees.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  switch (code) {
    case 0x0d:
      return '<CR>';
    case 0x0a:
      return '<LF>';
    case 0x09:
      return '\\t';
  }
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

export function escapeText(s: string): string {
  return s.replace(UNSAFE, escapeChar);
}

/** Escape, and shorten to at most `max` characters with an ellipsis. */
export function clip(s: string, max: number): string {
  const e = escapeText(s);
  return e.length <= max ? e : `${e.slice(0, Math.max(0, max - 1))}…`;
}
