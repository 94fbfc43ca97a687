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
