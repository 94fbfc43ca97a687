/**
 * FXP asked for, seen in the announcements: a PORT/EPRT naming another session's passive endpoint —
 * announced in that session's 227/229 by its server, both sessions driven by one client — is a
 * server-to-server copy on purpose, whether or not a data connection followed (a server that
 * refuses a PORT to a foreign address stops it before any). Each such pair is marked `fxp` on both
 * transfers, unless the data linker already paired them through their connection.
 */
import type { Session, Transfer } from './model.js';

const key = (e: { ip: string; port: number }): string => `${e.ip}|${e.port}`;

export function pairFxpAnnouncements(sessions: Session[]): void {
  const passive = new Map<string, Array<{ s: Session; t: Transfer }>>();
  for (const s of sessions) {
    for (const t of s.transfers) {
      const e = t.announce?.endpoint;
      if (t.mode !== 'passive' || !e || t.fxp !== undefined) continue;
      const list = passive.get(key(e));
      if (list) list.push({ s, t });
      else passive.set(key(e), [{ s, t }]);
    }
  }
  if (passive.size === 0) return;
  for (const s of sessions) {
    for (const t of s.transfers) {
      const e = t.announce?.endpoint;
      if (t.mode !== 'active' || !e || t.fxp !== undefined || e.ip === s.client.ip) continue;
      const other = passive.get(key(e))?.find((x) => x.s !== s && x.t.fxp === undefined && x.s.server.ip === e.ip && x.s.client.ip === s.client.ip);
      if (!other) continue;
      t.fxp = { session: other.s.id, transfer: other.t.id };
      other.t.fxp = { session: s.id, transfer: t.id };
    }
  }
}

/**
 * The passive half of an FXP copy whose PORT/EPRT the other server refused: nobody was told to
 * connect to its endpoint, so it could never run. Decided once for the status (verdict.ts) and read by
 * the fxp-refused check.
 */
export function fxpPortRefused(t: Transfer, sessions: readonly Session[]): boolean {
  if (t.fxp === undefined || t.mode !== 'passive' || t.connection) return false;
  const other = sessions.find((o) => o.id === t.fxp!.session)?.transfers.find((o) => o.id === t.fxp!.transfer);
  const code = other?.announce?.reply?.code;
  return other !== undefined && other.mode === 'active' && code !== undefined && code >= 400;
}
