/**
 * An upload the server called complete (2xx) while its client was already gone (killed mid-upload
 * looks so) says nothing by itself about how big the file was. The client's later binary resume of
 * the same file does: a REST + STOR/APPE from the same client to the same server, logged in as the
 * same user, starting no further into the file than this upload reached, that completed with every
 * byte arriving, ends the file at its offset plus the bytes it moved (bytes the capture lost that the
 * server acknowledged arrived: they count). When that is past what
 * this upload reached, the client held its copy unfinished: the upload was cut short.
 * Decided with the statuses (before the diagnosis, which words it as an abort by the client).
 */
import type { Session, Transfer } from './model.js';
import { streamMode } from './sender-stopped.js';
import { firstAbove, peersKey, sameLogin } from './sorted.js';

/** An upload cut short, as its later resume shows. */
export interface ResumedUpload {
  transfer: Transfer;
  /** The frame that shows the client gone: its control connection's close or reset. */
  gone: number;
  /** The client's FIN on the upload's data connection (the end of what it sent), if captured. */
  fin: number | null;
  /** The resume: its command's frame, and the size of the file it completed. */
  resume: Transfer;
  resumeFrame: number;
  size: number;
}

interface Candidate {
  u: Transfer;
  s: Session;
  frame: number;
}

/** How many resumes past an upload's reply are looked at: the resume is nearly always the next. */
const MAX_SCAN = 64;

/** Keyed by the file's name: a path left short because its session's CWD is not in the capture is matched below (samePath). */
const keyOf = (s: Session, path: string): string => `${peersKey(s)}|${path.slice(path.lastIndexOf('/') + 1)}`;

/**
 * The same file: the same path, or one of them left short because its session lost control bytes
 * (a CWD, or its reply, in bytes the capture lost: "resume.bin" beside "site/resume.bin").
 */
function samePath(a: string, sa: Session, b: string, sb: Session): boolean {
  return a === b || (sa.controlGapBytes > 0 && b.endsWith(`/${a}`)) || (sb.controlGapBytes > 0 && a.endsWith(`/${b}`));
}
const pathOf = (t: Transfer): string | null => (t.request === null ? null : (t.request.path ?? t.request.arg));
const frameOf = (c: Candidate): number => c.frame;

/**
 * A binary upload's resume that completed whole: REST past 0, TYPE I (in TYPE A the wire's bytes
 * are not the file's; or not known, its TYPE in bytes the capture lost), stream mode, a 2xx, every
 * byte of the data connection's arrived: in the capture, or lost by the capture and acknowledged by
 * the server (gapBytes; a kernel's drops).
 */
function wholeResume(u: Transfer): boolean {
  const c = u.connection;
  return (
    u.direction === 'upload' && u.status === 'complete' && u.request !== null && (u.restOffset ?? 0) > 0 &&
    (u.type === 'I' || u.type === null) && streamMode(u) && c !== null && c.undeliveredBytes === 0
  );
}

/**
 * Every upload `gone` marks (the frame that shows its client gone before the server's 2xx, else
 * null) that a later whole resume shows was cut short. Resumes are indexed by client, server and
 * path once: linear in the transfers, with a bounded scan per upload.
 */
export function findResumedUploads(sessions: Session[], gone: (t: Transfer, s: Session) => number | null): ResumedUpload[] {
  const uploads: Array<{ t: Transfer; s: Session; gone: number; path: string }> = [];
  for (const s of sessions) {
    for (const t of s.transfers) {
      const path = pathOf(t);
      // Binary, or not known (its TYPE in bytes the capture lost): the resume's REST counts file bytes.
      if ((t.type !== 'I' && t.type !== null) || path === null) continue;
      const g = gone(t, s);
      if (g !== null) uploads.push({ t, s, gone: g, path });
    }
  }
  if (uploads.length === 0) return [];
  const resumes = new Map<string, Candidate[]>();
  for (const s of sessions) {
    for (const u of s.transfers) {
      const path = pathOf(u);
      if (path === null || !wholeResume(u)) continue;
      const key = keyOf(s, path);
      let list = resumes.get(key);
      if (list === undefined) resumes.set(key, (list = []));
      list.push({ u, s, frame: u.request!.frame });
    }
  }
  for (const list of resumes.values()) list.sort((a, b) => a.frame - b.frame);
  const found: ResumedUpload[] = [];
  for (const { t, s, gone: g, path } of uploads) {
    const list = resumes.get(keyOf(s, path));
    if (list === undefined) continue;
    // Bytes the capture lost that the server acknowledged reached it: the upload reached past them.
    const reach = (t.restOffset ?? 0) + t.bytes + (t.connection?.gapBytes ?? 0);
    const after = t.reply!.frame;
    for (let i = firstAbove(list, after, frameOf), end = Math.min(list.length, i + MAX_SCAN); i < end; i++) {
      const { u, s: us, frame } = list[i];
      if (!samePath(path, s, pathOf(u)!, us)) continue;
      // A resume comes from a session the client opened after this upload began (or this one).
      if (us !== s && (us.start <= t.request!.time || !sameLogin(s, us))) continue;
      if (u.restOffset! > reach) continue;
      const size = u.restOffset! + u.bytes + u.connection!.gapBytes;
      const fin = t.connection?.handshake.find((e) => e.type === 'fin' && e.by === 'client')?.frame ?? null;
      if (size > reach) found.push({ transfer: t, gone: g, fin, resume: u, resumeFrame: frame, size });
      break;
    }
  }
  return found;
}
