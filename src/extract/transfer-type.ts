/**
 * The representation type a transfer's data was sent in. RFC 959 §3.1.1.1 makes ASCII (TYPE A)
 * the default: a session that never sends `TYPE` transfers files as ASCII, with CRLF line ends.
 * The analysis model records only the `TYPE` that was sent (`transfer.type`, null when none); this
 * is the one place extraction decides what applies.
 */
import type { Transfer } from '../analysis/model.js';

export interface EffectiveType {
  /** The type's first letter, upper case: `A`, `I`, `E`, `L`… */
  type: string;
  /** No `TYPE` was accepted before the transfer: FTP's default applies. */
  defaulted: boolean;
}

export function effectiveType(t: Pick<Transfer, 'type'>): EffectiveType {
  const sent = (t.type ?? '').trim().toUpperCase().split(/\s+/)[0];
  return sent ? { type: sent, defaulted: false } : { type: 'A', defaulted: true };
}

/** Whether the data is text: a listing (always ASCII), or a file sent as TYPE A, named or by default. */
export function isTextTransfer(t: Pick<Transfer, 'type' | 'direction'>): boolean {
  return t.direction === 'listing' || effectiveType(t).type === 'A';
}
