/**
 * Zeek's ASCII log format (the default LogAscii writer): eight header lines, tab-separated
 * records, `-` for an unset field, `(empty)` for an empty string, and every byte that is not
 * printable ASCII written as `\xNN`. A log is produced line by line, for the CLI to write as it goes.
 */
export type ZeekType = 'time' | 'interval' | 'string' | 'enum' | 'addr' | 'port' | 'count' | 'bool' | 'double' | 'set[enum]' | 'set[string]';

export interface ZeekColumn {
  name: string;
  type: ZeekType;
}

/** null is Zeek's unset field; a set is a list. */
export type ZeekValue = string | number | boolean | null | readonly string[];

export const SEPARATOR = '\t';
export const SET_SEPARATOR = ',';
export const EMPTY_FIELD = '(empty)';
export const UNSET_FIELD = '-';

/**
 * A string field as Zeek writes it: printable ASCII as is, except the backslash (`\x5c`, so text
 * cannot pass for one of our escapes); every other byte (controls, tab — the separator —, DEL, and
 * each byte of a non-ASCII character's UTF-8 form) as `\xNN`. The model shows the bytes above 0x7f
 * of a line that is not UTF-8 as the text `\xNN` (analysis/text.ts): those become the byte escape
 * they stand for. A value that reads as the unset or empty marker has its first character escaped,
 * as Zeek does.
 */
export function escapeZeek(s: string): string {
  if (s === '') return EMPTY_FIELD;
  let out = '';
  const chars = [...s];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    const code = ch.codePointAt(0)!;
    if (ch === '\\' && /^x[89a-f][0-9a-f]$/.test(chars.slice(i + 1, i + 4).join(''))) {
      out += `\\${chars.slice(i + 1, i + 4).join('')}`;
      i += 3;
    } else if (code >= 0x20 && code <= 0x7e && ch !== '\\') out += ch;
    else if (code < 0x80) out += hex(code);
    else for (const b of Buffer.from(ch, 'utf8')) out += hex(b);
  }
  if (out === UNSET_FIELD || out === EMPTY_FIELD) out = hex(out.charCodeAt(0)) + out.slice(1);
  return out;
}

const hex = (b: number): string => `\\x${b.toString(16).padStart(2, '0')}`;

/** Seconds with six decimals (Zeek's time and interval), from whole microseconds. */
export function fixed6(seconds: number): string {
  const us = Math.round(seconds * 1e6);
  const sign = us < 0 ? '-' : '';
  const abs = Math.abs(us);
  return `${sign}${Math.floor(abs / 1e6)}.${String(abs % 1e6).padStart(6, '0')}`;
}

export function formatValue(v: ZeekValue, type: ZeekType): string {
  if (v === null) return UNSET_FIELD;
  if (Array.isArray(v)) return v.length === 0 ? EMPTY_FIELD : v.map(escapeZeek).join(SET_SEPARATOR);
  switch (type) {
    case 'time':
    case 'interval':
      return fixed6(Number(v));
    case 'count':
    case 'port':
      return String(Math.trunc(Number(v)));
    case 'bool':
      return v ? 'T' : 'F';
    default:
      return escapeZeek(String(v));
  }
}

/** `#open`/`#close` stamps: YYYY-MM-DD-HH-MM-SS, UTC. */
export function stamp(seconds: number | null): string {
  const d = new Date(Math.floor((seconds ?? 0) * 1000));
  if (Number.isNaN(d.getTime())) return '1970-01-01-00-00-00';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}-${p(d.getUTCHours())}-${p(d.getUTCMinutes())}-${p(d.getUTCSeconds())}`;
}

export interface ZeekLogSpec {
  path: string;
  columns: readonly ZeekColumn[];
  /** Stamps for #open and #close: ftpcap uses the capture's first and last packet times. */
  open: number | null;
  close: number | null;
}

/** The whole log, one line (with its newline) at a time: header, records, #close. */
export function* zeekLog(spec: ZeekLogSpec, rows: Iterable<readonly ZeekValue[]>): Generator<string> {
  yield `#separator ${hex(SEPARATOR.charCodeAt(0))}\n`;
  yield `#set_separator${SEPARATOR}${SET_SEPARATOR}\n`;
  yield `#empty_field${SEPARATOR}${EMPTY_FIELD}\n`;
  yield `#unset_field${SEPARATOR}${UNSET_FIELD}\n`;
  yield `#path${SEPARATOR}${escapeZeek(spec.path)}\n`;
  yield `#open${SEPARATOR}${stamp(spec.open)}\n`;
  yield `#fields${SEPARATOR}${spec.columns.map((c) => c.name).join(SEPARATOR)}\n`;
  yield `#types${SEPARATOR}${spec.columns.map((c) => c.type).join(SEPARATOR)}\n`;
  for (const row of rows) {
    if (row.length !== spec.columns.length) throw new Error(`${spec.path}: ${row.length} values for ${spec.columns.length} columns`);
    yield `${row.map((v, i) => formatValue(v, spec.columns[i].type)).join(SEPARATOR)}\n`;
  }
  yield `#close${SEPARATOR}${stamp(spec.close)}\n`;
}
