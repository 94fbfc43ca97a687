/**
 * Names for recovered objects. A name from a capture is hostile until proven otherwise: it never
 * chooses a directory, only contributes one sanitized path component to a flat name that starts
 * with the session and transfer (`s1-t2-hello.txt`), so the result is a single file name inside
 * the output directory whatever the capture says. Pure functions; the CLI does the file system
 * checks (collisions, the final inside-the-directory check) with what these return.
 */
import { basename, dirname, resolve, sep } from 'node:path';

/** UTF-8 bytes allowed for the part of a name taken from the capture (file systems allow 255). */
export const MAX_COMPONENT_BYTES = 120;
/** Longest extension kept when a component is shortened. */
const MAX_EXTENSION_CHARS = 16;

/*
 * Replaced by '_': C0 and C1 controls (NUL included), DEL, bidirectional and zero-width formatting
 * characters (they reorder or hide what a reader sees), lone surrogates, path separators of every
 * platform, and characters Windows forbids in names.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb/\\<>:"|?*]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Windows device names, reserved with any extension (`CON`, `nul.txt`, `COM1`, `LPT¹`…). */
const DEVICE_NAME = /^(con|prn|aux|nul|com[0-9\u00b9\u00b2\u00b3]|lpt[0-9\u00b9\u00b2\u00b3]|conin\$|conout\$|clock\$)(\..*)?$/i;

const utf8Length = (s: string): number => Buffer.byteLength(s, 'utf8');

/** Cut a string to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (utf8Length(s) <= maxBytes) return s;
  let out = '';
  let used = 0;
  for (const ch of s) {
    const n = utf8Length(ch);
    if (used + n > maxBytes) break;
    out += ch;
    used += n;
  }
  return out;
}

/** Split `name.ext` (a short, plain extension only) for shortening and numbering. */
export function splitExtension(name: string): { stem: string; ext: string } {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || name.length - dot > MAX_EXTENSION_CHARS + 1 || !/^\.[\w-]+$/.test(name.slice(dot))) {
    return { stem: name, ext: '' };
  }
  return { stem: name.slice(0, dot), ext: name.slice(dot) };
}

/**
 * One safe file-name component from any string: the last path segment (either separator), unsafe
 * characters replaced, no leading dots or spaces (no `.`, `..` or hidden files), no trailing dots
 * or spaces (Windows drops them), device names prefixed, at most MAX_COMPONENT_BYTES of UTF-8
 * (the extension kept). Returns '' when nothing usable is left.
 */
export function sanitizeComponent(raw: string, maxBytes = MAX_COMPONENT_BYTES): string {
  const segments = raw.split(/[/\\]/).filter((x) => x !== '' && x !== '.' && x !== '..');
  let name = (segments[segments.length - 1] ?? '').normalize('NFC').replace(UNSAFE_CHARS, '_');
  name = name.replace(/^[.\s]+/, '_').replace(/[.\s]+$/, '');
  if (name === '') return '';
  if (DEVICE_NAME.test(name)) name = `_${name}`;
  if (utf8Length(name) > maxBytes) {
    const { stem, ext } = splitExtension(name);
    name = `${truncateUtf8(stem, maxBytes - utf8Length(ext) - 1)}_${ext}`;
  }
  return name;
}

export interface NameParts {
  session: number;
  transfer: number;
  /** RETR, STOR, LIST…; null when no command used the data connection. */
  command: string | null;
  /** The path the command named (resolved against the tracked directory), or its argument. */
  path: string | null;
  /** For a data connection no command explains: which way its bytes went. */
  flow?: 'to-server' | 'to-client';
}

/**
 * The file name of one object: `s1-t2-hello.txt` for a file, `s1-t1-list.txt` /
 * `s1-t3-nlst-pub.txt` for listings, `s1-t4-data-to-client.bin` when no command is known.
 */
export function objectFileName(p: NameParts): string {
  const prefix = `s${p.session}-t${p.transfer}-`;
  const command = p.command?.toUpperCase() ?? null;
  if (command === null) return `${prefix}data-${p.flow ?? 'to-client'}.bin`;
  const component = p.path !== null ? sanitizeComponent(p.path) : '';
  if (command === 'LIST' || command === 'NLST' || command === 'MLSD') {
    return `${prefix}${command.toLowerCase()}${component ? `-${component}` : ''}.txt`;
  }
  return `${prefix}${component || command.toLowerCase()}`;
}

/**
 * `name`, or the first of `stem~2.ext`, `stem~3.ext`… that `taken` says is free. Never returns a
 * taken name; gives up (throws) after `limit` tries.
 */
export function uniqueName(name: string, taken: (candidate: string) => boolean, limit = 100_000): string {
  if (!taken(name)) return name;
  const { stem, ext } = splitExtension(name);
  for (let i = 2; i <= limit; i++) {
    const candidate = `${stem}~${i}${ext}`;
    if (!taken(candidate)) return candidate;
  }
  throw new Error(`no free name for ${name}`);
}

/**
 * True when `name` is one plain component that, joined to `dir`, stays directly inside `dir`
 * (no separator, no `.`/`..`, no NUL). The CLI checks this on the directory's real path.
 */
export function isPlainNameInside(dir: string, name: string): boolean {
  if (name === '' || name === '.' || name === '..' || name.includes('\0')) return false;
  if (name.includes('/') || name.includes('\\') || name.includes(sep)) return false;
  const root = resolve(dir);
  const full = resolve(root, name);
  return dirname(full) === root && basename(full) === name;
}
