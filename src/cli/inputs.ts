/**
 * Where a capture argument is read from. A regular file is read by name (on a reading thread when
 * large, and twice by the teaching commands); standard input (`-`), a named pipe, `/dev/stdin`,
 * process substitution (`<(…)`) or a character device can be read only once, as a stream — a
 * command that needs two passes (or a worker thread) spools it first to a private temporary file.
 * An argument whose bytes are not valid UTF-8 reaches Node already decoded (each bad byte as
 * U+FFFD), naming no file: its bytes are read back from /proc/self/cmdline and the file opened by
 * them, then read through /proc/self/fd/N.
 */
import { closeSync, constants, createReadStream, createWriteStream, openSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { lineText } from '../analysis/text.js';

export interface Input {
  /** What fs calls use: the argument, /proc/self/fd/N for a name that is not UTF-8, or a spool file. */
  path: string;
  /** The name errors and the output show (the argument; a name that is not UTF-8 with \xNN for its bad bytes). */
  label: string;
  /** `file`: a regular file, readable again by `path`; `stream`: standard input or a pipe-like file, readable once. */
  kind: 'file' | 'stream' | 'stdin' | 'missing';
}

/**
 * The arguments whose bytes Node could not decode as UTF-8, by their decoded form, with their real
 * bytes (from /proc/self/cmdline: its last entries are the arguments). Empty when all are valid, or
 * where /proc is not available.
 */
export function rawArguments(args: readonly string[], cmdline = '/proc/self/cmdline'): Map<string, Buffer> {
  const raw = new Map<string, Buffer>();
  if (!args.some((a) => a.includes('\ufffd'))) return raw;
  let entries: Buffer[];
  try {
    const bytes = readFileSync(cmdline);
    entries = [];
    let start = 0;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) {
        entries.push(bytes.subarray(start, i));
        start = i + 1;
      }
    }
    if (start < bytes.length) entries.push(bytes.subarray(start));
  } catch {
    return raw;
  }
  if (entries.length < args.length) return raw;
  const tail = entries.slice(entries.length - args.length);
  args.forEach((a, i) => {
    const bytes = tail[i];
    if (a.includes('\ufffd') && bytes.toString('utf8') === a && !bytes.equals(Buffer.from(a, 'utf8')) && !raw.has(a)) raw.set(a, Buffer.from(bytes));
  });
  return raw;
}

/** How a name that is not valid UTF-8 is shown: its valid parts as they are, bad bytes as \xNN. */
export function showBytes(name: Buffer): string {
  return lineText(name.toString('latin1'));
}

/** Descriptors opened for names that are not UTF-8: kept open for the whole run, closed at exit. */
const heldOpen: number[] = [];

/**
 * Classify one capture argument. Never throws: a file that cannot be read comes back as `missing`
 * (the caller's usual error names it), except a name that is not UTF-8 and whose bytes cannot be
 * recovered, which is said so.
 */
export function resolveInput(arg: string, raw: ReadonlyMap<string, Buffer> = new Map()): Input {
  if (arg === '-') return { path: arg, label: arg, kind: 'stdin' };
  const bytes = raw.get(arg);
  let path = arg;
  let label = arg;
  if (bytes !== undefined) {
    label = showBytes(bytes);
    try {
      const fd = openSync(bytes, constants.O_RDONLY);
      heldOpen.push(fd);
      path = `/proc/self/fd/${fd}`;
    } catch {
      return { path: arg, label, kind: 'missing' };
    }
  }
  let st;
  try {
    st = statSync(path);
  } catch {
    return { path, label, kind: 'missing' };
  }
  if (st.isFile() || st.isDirectory()) return { path, label, kind: st.isFile() ? 'file' : 'missing' };
  return { path, label, kind: 'stream' };
}

/** The error for an argument that is not valid UTF-8 and names no file Node can open. */
export function undecodableName(arg: string, raw: ReadonlyMap<string, Buffer>): string | null {
  if (!arg.includes('\ufffd') || raw.has(arg)) return null;
  return `${arg}: cannot read: the file name is not valid UTF-8 and its bytes could not be recovered (no /proc/self/cmdline); rename the file`;
}

export function openStream(input: Input, stdin: Readable | NodeJS.ReadableStream): Readable | NodeJS.ReadableStream {
  return input.kind === 'stdin' ? stdin : createReadStream(input.path, { highWaterMark: 1 << 20 });
}

export interface Spool {
  path: string;
  /** Remove the file (idempotent; also done at process exit if forgotten). */
  remove(): void;
}

const spools = new Set<string>();
let exitHook = false;

function removeSpool(path: string): void {
  if (!spools.delete(path)) return;
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/**
 * Copy a stream into a new private file in the temporary directory (mode 0600, created
 * exclusively, never following a link), so that it can be read twice or by another thread.
 */
export async function spool(stream: Readable | NodeJS.ReadableStream): Promise<Spool> {
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const p of [...spools]) removeSpool(p);
      for (const fd of heldOpen.splice(0)) {
        try {
          closeSync(fd);
        } catch {
          // closing only
        }
      }
    });
  }
  const path = join(tmpdir(), `ftpcap-spool-${process.pid}-${spoolSuffix()}`);
  const fd = openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | (constants.O_NOFOLLOW ?? 0), 0o600);
  spools.add(path);
  try {
    await pipeline(stream, createWriteStream('', { fd, autoClose: true }));
  } catch (err) {
    removeSpool(path);
    throw err;
  }
  return { path, remove: () => removeSpool(path) };
}

/** 16 random hex digits for a spool file's name; node:crypto is loaded only when one is made (start-up). */
function spoolSuffix(): string {
  const { randomBytes } = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return randomBytes(8).toString('hex');
}
