/**
 * Directory listings as servers send them on a data connection: Unix `ls -l` lines (LIST on most
 * servers), MS-DOS/IIS lines, RFC 3659 MLSD fact lines, and bare names (NLST). Pure functions:
 * one line of text in, one entry (or null for a line that is no entry) out.
 * Facts only; nothing here trusts a name to be a safe path.
 */

export type ListingEntryType = 'file' | 'dir' | 'link' | 'other';

export interface ListingEntry {
  name: string;
  /** null when the format does not say (NLST). */
  type: ListingEntryType | null;
  size: number | null;
  /**
   * Last modification as the listing gives it, normalised: `YYYY-MM-DD` (ls -l with a year),
   * `YYYY-MM-DDTHH:MM` (ls -l with a time, year inferred from the capture date; server local time),
   * `YYYY-MM-DDTHH:MM:SS[.fff]Z` (MLSD `modify`, UTC by RFC 3659). null when absent.
   */
  modified: string | null;
  /** Symbolic link target (ls -l `name -> target`, MLSD `OS.unix=slink:target`). */
  target?: string;
  /** MLSD facts, names lower-cased, values as sent. */
  facts?: Record<string, string>;
}

export type ListingFormat = 'unix' | 'dos' | 'mlsd' | 'names';

/** What a listing's data connection said, parsed (the `listing` field of a transfer). */
export interface Listing {
  /** The format of the parsed lines; 'mixed' when lines of several formats; null when none parsed. */
  format: ListingFormat | 'mixed' | null;
  entries: ListingEntry[];
  /** Non-empty lines that matched no format, or broken by a capture gap (ls -l's `total 16` header is neither). */
  unparsed: number;
  /** Bytes of the listing kept and parsed (the first MAX_LISTING_BYTES at most). */
  bytes: number;
  /** Bytes the capture lost inside the kept part (lines touching a gap are not parsed). */
  gapBytes: number;
  /**
   * Why later entries are missing: 'size' (the listing is longer than the bytes kept), 'total' (the
   * capture's listings together passed the total bound), null when the whole listing was parsed.
   */
  cut: 'size' | 'total' | null;
}

export type ListingCommand = 'LIST' | 'NLST' | 'MLSD';

const MONTHS: Record<string, number> = {
  jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12,
};

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/*
 * type + 9 permission characters (+ optional ACL/xattr mark), links, owner, optional group, size
 * (or "major, minor" for devices), month, day, year or HH:MM, one space, name.
 */
const UNIX_LINE =
  /^([-dlbcpsDn?])([-rwxsStTlL?]{9})[+.@]?\s+(\d+)\s+(\S+)\s+(?:(\S+)\s+)?(?:(\d+)|(\d+),\s*\d+)\s+([A-Za-z]{3})\s+(\d{1,2})\s+(\d{4}|\d{1,2}:\d{2})\s(.*)$/;

/** `01-02-24  03:04AM       <DIR>          pub` (IIS, MS-DOS style). */
const DOS_LINE = /^(\d{2})-(\d{2})-(\d{2}|\d{4})\s+(\d{1,2}):(\d{2})\s*([AaPp][Mm])?\s+(<DIR>|\d+)\s+(.+)$/;

const UNIX_TYPES: Record<string, ListingEntryType> = { '-': 'file', d: 'dir', l: 'link' };

/**
 * An `ls -l` line with a time instead of a year names a date within the last six months: the
 * latest such date not after the reference (the capture's date, a day of slack for time zones).
 */
function inferYear(month: number, day: number, reference: Date): number {
  const year = reference.getUTCFullYear();
  const candidate = Date.UTC(year, month - 1, day);
  return candidate > reference.getTime() + 86_400_000 ? year - 1 : year;
}

export function parseUnixLine(line: string, reference: Date): ListingEntry | null {
  const m = UNIX_LINE.exec(line);
  if (!m) return null;
  const month = MONTHS[m[8].toLowerCase()];
  const day = Number(m[9]);
  if (month === undefined || day < 1 || day > 31) return null;
  const type = UNIX_TYPES[m[1]] ?? 'other';
  let name = m[11];
  if (name === '') return null;
  let target: string | undefined;
  if (type === 'link') {
    const arrow = name.indexOf(' -> ');
    if (arrow > 0) {
      target = name.slice(arrow + 4);
      name = name.slice(0, arrow);
    }
  }
  let modified: string;
  const yearOrTime = m[10];
  if (yearOrTime.includes(':')) {
    const [hh, mm] = yearOrTime.split(':').map(Number);
    if (hh > 23 || mm > 59) return null;
    modified = `${inferYear(month, day, reference)}-${pad(month)}-${pad(day)}T${pad(hh)}:${pad(mm)}`;
  } else {
    modified = `${yearOrTime}-${pad(month)}-${pad(day)}`;
  }
  const entry: ListingEntry = { name, type, size: m[6] !== undefined ? Number(m[6]) : null, modified };
  if (target !== undefined) entry.target = target;
  return entry;
}

export function parseDosLine(line: string): ListingEntry | null {
  const m = DOS_LINE.exec(line);
  if (!m) return null;
  const month = Number(m[1]);
  const day = Number(m[2]);
  let year = Number(m[3]);
  if (m[3].length === 2) year += year < 70 ? 2000 : 1900;
  let hour = Number(m[4]);
  const minute = Number(m[5]);
  const ampm = m[6]?.toUpperCase();
  if (month < 1 || month > 12 || day < 1 || day > 31 || minute > 59) return null;
  if (ampm) {
    if (hour < 1 || hour > 12) return null;
    hour = (hour % 12) + (ampm === 'PM' ? 12 : 0);
  } else if (hour > 23) {
    return null;
  }
  const dir = m[7] === '<DIR>';
  return {
    name: m[8],
    type: dir ? 'dir' : 'file',
    size: dir ? null : Number(m[7]),
    modified: `${year}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}`,
  };
}

/** RFC 3659 time-val `YYYYMMDDHHMMSS[.sss]` (UTC). */
function mlsdTime(value: string): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\.\d+)?$/.exec(value);
  if (!m) return null;
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}Z`;
}

const MAX_FACTS = 32;

/** `type=file;size=511;modify=20240102030405; hello.txt`: facts, then one space, then the name. */
export function parseMlsdLine(line: string): ListingEntry | null {
  const space = line.indexOf(' ');
  if (space < 0) return null;
  const name = line.slice(space + 1);
  if (name === '') return null;
  const facts: Record<string, string> = {};
  let count = 0;
  for (const part of line.slice(0, space).split(';')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) return null;
    if (++count > MAX_FACTS) break;
    facts[part.slice(0, eq).toLowerCase()] = part.slice(eq + 1);
  }
  if (count === 0) return null;
  const kind = facts.type?.toLowerCase() ?? '';
  let type: ListingEntryType | null = null;
  let target: string | undefined;
  if (kind === 'file') type = 'file';
  else if (kind === 'dir' || kind === 'cdir' || kind === 'pdir') type = 'dir';
  else if (kind.startsWith('os.unix=slink') || kind.startsWith('os.unix=symlink')) {
    type = 'link';
    const colon = facts.type.indexOf(':');
    if (colon >= 0 && colon < facts.type.length - 1) target = facts.type.slice(colon + 1);
  } else if (kind !== '') type = 'other';
  const size = facts.size ?? facts.sizd;
  const entry: ListingEntry = {
    name,
    type,
    size: size !== undefined && /^\d+$/.test(size) ? Number(size) : null,
    modified: facts.modify !== undefined ? mlsdTime(facts.modify) : null,
    facts,
  };
  if (target !== undefined) entry.target = target;
  return entry;
}

/** One line of a listing (without its line ending), in the format its command implies. */
export function parseListingLine(
  command: ListingCommand,
  line: string,
  reference: Date,
): { entry: ListingEntry; format: ListingFormat } | null {
  if (line.trim() === '') return null;
  switch (command) {
    case 'NLST':
      return { entry: { name: line, type: null, size: null, modified: null }, format: 'names' };
    case 'MLSD': {
      const entry = parseMlsdLine(line);
      return entry ? { entry, format: 'mlsd' } : null;
    }
    case 'LIST': {
      const unix = parseUnixLine(line, reference);
      if (unix) return { entry: unix, format: 'unix' };
      const dos = parseDosLine(line);
      return dos ? { entry: dos, format: 'dos' } : null;
    }
  }
}
