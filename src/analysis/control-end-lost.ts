/**
 * A control connection whose reset shows packets of its sender's that the capture lost just before
 * it: bytes (RstSeen.lostBefore), or the FIN its sender had sent first (finLost: Linux resets from
 * after its FIN). Packets of the session's end are missing (the capture's drops, or the path's before
 * a capture at the far end); what else is missing then — the server's reply, its data — is not known,
 * so a transfer left without a final reply is read neither failed nor given a cause (verdict.ts,
 * diagnose/index.ts): decided here once.
 */
import type { Session, Transfer } from './model.js';
import type { ControlEndLost } from './verdict-types.js';

export function controlEndLost(s: Session): ControlEndLost | null {
  const r = s.controlConnection.rst;
  if (r === null || (r.lostBefore === undefined && r.finLost !== true)) return null;
  return { reset: r.frame, by: r.by, fin: r.finLost === true, bytes: r.lostBefore ?? 0 };
}

/** A transfer asked for before that reset, with no final reply: how it ended is not in the capture. */
export function unfinishedAtLostEnd(t: Transfer, s: Session): ControlEndLost | null {
  if (t.request === null || t.reply !== null) return null;
  const lost = controlEndLost(s);
  return lost !== null && lost.reset > t.request.frame ? lost : null;
}
