/**
 * A transfer that did not complete, and what the client did next about it: the later transfer in
 * the capture that tried the same thing again (lftp's and curl's retries, wget -c resuming, a
 * script falling back from active to passive mode), and whether that attempt completed. A fact
 * beside the verdict, never a cause: the failed attempt keeps its own status and diagnosis, and
 * the later one is judged on its own.
 */
import type { Session, Transfer } from './model.js';

/** Verdicts of an attempt that did not get its data across. */
const UNFINISHED = new Set(['failed', 'aborted', 'incomplete']);

/** The last frame of the transfer's story: its final reply, else the last frame its verdict cites. */
function endFrame(t: Transfer): number {
  const frames = [t.reply?.frame, t.abortFrame, t.request?.frame, t.announce?.reply?.frame, t.announce?.frame, ...t.verdict.evidence];
  return Math.max(0, ...frames.filter((f): f is number => typeof f === 'number'));
}

/** Where an attempt begins: its command, or (when it never sent one) its PASV/PORT. */
const startFrame = (t: Transfer): number | null => t.request?.frame ?? t.announce?.frame ?? null;
const samePeers = (a: Session, b: Session): boolean => a.client.ip === b.client.ip && a.server.ip === b.server.ip && a.server.port === b.server.port;
const pathOf = (t: Transfer): string | null => (t.request === null ? null : (t.request.path ?? t.request.arg));

/**
 * The later attempt of an unfinished transfer `t` of session `s`, among the transfers of `s` and of
 * the sessions the same client address opened to the same server endpoint after `t` began, whose
 * command came after `t` ended:
 * when `t` named a path, the first one naming the same path in the same direction and starting at
 * or before where `t` stopped (its REST offset, if any, no further than `t`'s offset plus the bytes
 * `t` moved: a resume, not another segment of the file); when `t` never sent its command (the data
 * connection failed first), the client's next transfer with that server, whatever it named, or its
 * next attempt that named nothing either and did not get through (the same failure again).
 */
export function laterAttempt(t: Transfer, s: Session, sessions: Session[]): Transfer['laterAttempt'] {
  if (!UNFINISHED.has(t.verdict.kind) || t.inferred !== undefined || t.fxp !== undefined) return undefined;
  const after = endFrame(t);
  const path = pathOf(t);
  const reach = (t.restOffset ?? 0) + t.bytes;
  let best: { u: Transfer; s: Session; start: number } | null = null;
  // Another session is a new attempt only when the client opened it after this attempt began: a
  // session already running beside it (two sessions of one script) fetching the same file is not a retry.
  const began = t.request?.time ?? t.announce?.time ?? null;
  for (const s2 of sessions) {
    if (!samePeers(s, s2) || (s2 !== s && (began === null || s2.start <= began))) continue;
    for (const u of s2.transfers) {
      const start = startFrame(u);
      if (u === t || start === null || start <= after || u.fxp !== undefined || u.inferred !== undefined) continue;
      if (path !== null && (pathOf(u) !== path || u.direction !== t.direction || (u.restOffset ?? 0) > reach)) continue;
      // Without a path, an attempt that named nothing either counts only when it too did not get through.
      if (path === null && u.request === null && !UNFINISHED.has(u.verdict.kind)) continue;
      if (best === null || start < best.start) best = { u, s: s2, start };
    }
  }
  if (best === null) return undefined;
  const { u, s: us } = best;
  return {
    session: us.id,
    transfer: u.id,
    frame: best.start,
    request: u.request === null ? null : `${u.request.command} ${u.request.arg}`.trim(),
    rest: u.restOffset,
    samePath: path !== null,
    sameSession: us.id === s.id,
    outcome: u.verdict.kind,
  };
}
