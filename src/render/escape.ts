/**
 * Text from packets is untrusted. Before it reaches a terminal every control character (C0, DEL,
 * C1) and every Unicode format character (general category Cf: the bidirectional marks, overrides
 * and isolates, zero-width spaces and joiners, U+061C, U+180E, U+FEFF, the tag characters…) is
 * shown escaped, so nothing in a capture can move the cursor, change colours, reorder or hide
 * what the reader sees.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE_TEXT = /[\u0000-\u001f\u007f-\u009f\p{Cf}]/gu;

function escapeChar(c: string): string {
  const code = c.codePointAt(0)!;
  switch (code) {
    case 0x0d:
      return '<CR>';
    case 0x0a:
      return '<LF>';
    case 0x09:
      return '\\t';
  }
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  return code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\u{${code.toString(16)}}`;
}

export function escapeText(s: string): string {
  return s.replace(UNSAFE_TEXT, escapeChar);
}

/** Escape, and shorten to at most `max` characters with an ellipsis. */
export function clip(s: string, max: number): string {
  const e = escapeText(s);
  return e.length <= max ? e : `${e.slice(0, Math.max(0, max - 1))}…`;
}
