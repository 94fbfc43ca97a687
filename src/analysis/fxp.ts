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
 * The passive halves of FXP copies whose PORT the other server refused: their announced endpoint
 * was never given to anyone who would connect (checks/address.ts words why).
 */
export function refusedFxpHalves(sessions: Session[]): Transfer[] {
  // Both halves of a pair are marked: the marked ones, by session and id, are all there is to look up.
  const paired = new Map<string, Transfer>();
  for (const s of sessions) for (const t of s.transfers) if (t.fxp !== undefined) paired.set(`${s.id}.${t.id}`, t);
  const out: Transfer[] = [];
  for (const t of paired.values()) {
    if (t.mode !== 'passive' || t.connection) continue;
    const port = paired.get(`${t.fxp!.session}.${t.fxp!.transfer}`);
    const refusal = port?.mode === 'active' ? port.announce?.reply : undefined;
    if (refusal && refusal.code >= 400) out.push(t);
  }
  return out;
}
