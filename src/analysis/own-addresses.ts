/**
 * Other addresses of the FTP client's own host. A PORT or EPRT may name any address of the client,
 * not only the one its control connection comes from: a host with two addresses (ftplib's
 * `sendport`, a multi-homed workstation) — no third host, no bounce. The capture proves it only
 * where it was taken on the client's own segment: the data connection's client end reaches the
 * capture point with zero hops, from the same link-layer address as the client's control packets
 * (the same network card). Behind a router every far host arrives with the router's link address
 * and one hop or more, so nothing is concluded there: such a PORT names a third host as far as the
 * capture shows (bounce-allowed-*).
 */
import type { Session } from './model.js';
import type { TtlTable } from './ttl-table.js';
import { hopsAway } from './diagnose/vantage.js';

/** The addresses of the session's data connections that the capture shows to be the client's own host. */
export function clientAliases(s: Session, table: TtlTable): string[] {
  const ownTtl = table.of(s.client.ip, s.server.ip);
  const ownLink = table.linkOf(s.client.ip, s.server.ip);
  if (ownLink === null || hopsAway(ownTtl) !== 0) return [];
  const out: string[] = [];
  for (const t of s.transfers) {
    const c = t.connection;
    if (c === null || t.fxp !== undefined || c.client.ip === s.client.ip || out.includes(c.client.ip)) continue;
    const ttl = table.of(c.client.ip, c.server.ip);
    if (hopsAway(ttl) === 0 && table.linkOf(c.client.ip, c.server.ip) === ownLink) out.push(c.client.ip);
  }
  return out;
}
