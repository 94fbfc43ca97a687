/**
 * Did a TLS side end its records with close_notify? Read with keys (the decrypted alert), and
 * without them from what TLS shows in clear: in TLS ≤ 1.2 an alert record keeps its content type
 * (21); in TLS 1.3 every protected record says application data (23), but a close_notify is short —
 * 2 bytes of alert, 1 of inner content type and a 16-byte AEAD tag make 19 — so a short last record
 * is probably one, and a long one, or a record the side never finished, is not.
 */
import type { TlsFacts, TlsRecordsEnd } from './types.js';

/** The longest protected record still taken for an alert: 19 bytes, plus room for some padding. */
export const SHORT_RECORD = 40;

export type TlsClosing =
  /** It sent one: `read` (decrypted), `alert-record` (TLS ≤ 1.2 without keys: an alert record, type 21 in clear). */
  | { kind: 'close-notify'; frame: number; seen: 'read' | 'alert-record' }
  /** TLS 1.3 without keys: its last record is short (`length` bytes), as a close_notify is — likely, not read. */
  | { kind: 'close-notify'; frame: number; seen: 'short-record'; length: number }
  /**
   * It did not: its records ended on data (`last`) or in the middle of one (`cut`). `certain`:
   * read, shown in clear, or cut; otherwise likely (TLS 1.3 without keys: a close_notify padded
   * past SHORT_RECORD would look like data).
   */
  | { kind: 'none'; last: TlsRecordsEnd['last']; cut: TlsRecordsEnd['cut']; certain: boolean }
  /** Nothing tells: no record from that side, or only records of the handshake. */
  | { kind: 'unknown' };

export function tlsClosing(tls: TlsFacts, side: 'client' | 'server'): TlsClosing {
  const end = tls.ending[side];
  const last = end?.last ?? null;
  const cut = end?.cut ?? null;
  const read = tls.closeNotify[side];
  if (tls.decryption === 'decrypted') {
    return read !== null ? { kind: 'close-notify', frame: read, seen: 'read' } : { kind: 'none', last, cut, certain: true };
  }
  if (tls.version !== null && tls.version !== 'TLS 1.3') {
    // An alert record from that side: its content is encrypted, a close_notify as a rule.
    const alert = read ?? tls.alerts.find((a) => a.by === side)?.frame;
    return alert !== undefined ? { kind: 'close-notify', frame: alert, seen: 'alert-record' } : { kind: 'none', last, cut, certain: true };
  }
  if (tls.version === null) return { kind: 'unknown' };
  if (cut !== null && (last === null || last.protected)) return { kind: 'none', last, cut, certain: true };
  if (last === null || !last.protected) return { kind: 'unknown' };
  if (last.length <= SHORT_RECORD) return { kind: 'close-notify', frame: last.frame, seen: 'short-record', length: last.length };
  return { kind: 'none', last, cut: null, certain: false };
}
