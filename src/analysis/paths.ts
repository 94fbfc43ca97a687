import { posix } from 'node:path';

/** Resolve a path named by CWD/RETR/… against the tracked working directory. */
export function resolveFtpPath(cwd: string | null, arg: string): string | null {
  if (arg === '') return null;
  if (arg.startsWith('/')) return posix.normalize(arg);
  if (cwd === null) return arg;
  return posix.normalize(posix.join(cwd, arg));
}

/** The directory named by a 257 reply: the first quoted string, with "" meaning a literal quote (RFC 959). */
export function pathFrom257(text: string): string | null {
  const start = text.indexOf('"');
  if (start < 0) return null;
  let out = '';
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      if (text[i + 1] === '"') {
        out += '"';
        i++;
        continue;
      }
      return out;
    }
    out += c;
  }
  return null;
}

/**
 * The name a server chose for a STOU upload, from its 150 reply: RFC 1123 §4.1.2.9's "150 FILE: name"
 * (vsftpd, proftpd and pure-ftpd all answer so). Null when the reply names none.
 */
export function nameFrom150(text: string): string | null {
  const m = /^FILE:\s*(\S.*?)\s*$/i.exec(text.split('\n')[0]);
  return m ? m[1] : null;
}

/** "(1234 bytes)" in a 150 reply, as vsftpd/proftpd/most servers send it. */
export function sizeFrom150(text: string): number | null {
  const m = /\((\d+) bytes?\)/i.exec(text);
  return m ? Number(m[1]) : null;
}

/**
 * pure-ftpd's "N.N kbytes to download", the last line of a download's 150 (sent when more than 4096
 * bytes are left): the bytes left to send after any REST, divided by 1024 and printed with one
 * decimal (printf's %.1f). It names a range of about 102 bytes, never an exact size: `low` and
 * `high` bound it, both included (a size exactly half a tenth away rounds either way). Null when absent.
 */
export function kbytesFrom150(text: string): { kbytes: number; low: number; high: number } | null {
  const m = /^(\d{1,12})\.(\d) kbytes to download$/m.exec(text);
  if (!m) return null;
  const tenths = Number(m[1]) * 10 + Number(m[2]);
  // In tenths of a KiB, ±0.05 KiB is ±512 bytes per ten: integer arithmetic, no rounding error.
  const low = Math.max(4097, Math.ceil((tenths * 1024 - 512) / 10));
  const high = Math.floor((tenths * 1024 + 512) / 10);
  return low <= high ? { kbytes: tenths / 10, low, high } : null;
}
