/**
 * The representation type a transfer's data was sent in. RFC 959 §3.1.1.1 makes ASCII (TYPE A)
 * the default: a session that never sends `TYPE` transfers files as ASCII, with CRLF line ends.
 * The type itself is the model's (`transfer.type`: the TYPE in force, which the analysis may
 * already give as `A` by default); what the model does not say is whether it was sent or is the
 * default, which the manifest's note tells the reader — read here from the session's commands.
 * A session whose start is not in the capture may have sent a TYPE before it: its type, when the
 * model does not know it, stays unknown.
 */
import type { Session, Transfer } from '../analysis/model.js';

export interface EffectiveType {
  /** The type's first letter, upper case: `A`, `I`, `E`, `L`… */
  type: string;
  /** No `TYPE` was accepted before the transfer: FTP's default applies. */
  defaulted: boolean;
}

/** Whether an accepted TYPE command came before the transfer's command in its session. */
function typeSent(s: Pick<Session, 'commands'>, t: Pick<Transfer, 'request'>): boolean {
  const before = t.request?.frame ?? Infinity;
  return s.commands.some((c) => c.command === 'TYPE' && c.frame < before && c.reply !== null && c.reply.code >= 200 && c.reply.code < 300);
}

/** The type in force for the transfer, or null when it cannot be known (the session began before the capture). */
export function effectiveType(s: Pick<Session, 'commands' | 'midstream'>, t: Pick<Transfer, 'type' | 'request'>): EffectiveType | null {
  const defaulted = !typeSent(s, t);
  const named = (t.type ?? '').trim().toUpperCase().split(/\s+/)[0];
  if (named) return { type: named, defaulted: defaulted && !s.midstream && named === 'A' };
  return defaulted && !s.midstream ? { type: 'A', defaulted: true } : null;
}

/**
 * Whether the data is text, decided on its first bytes from the transfer alone: a listing (always
 * ASCII), a file of TYPE A, or one of no known type — FTP's default is ASCII.
 */
export function isTextTransfer(t: Pick<Transfer, 'type' | 'direction'>): boolean {
  if (t.direction === 'listing') return true;
  const named = (t.type ?? '').trim().toUpperCase().split(/\s+/)[0];
  return named === '' || named === 'A';
}
