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
import type { Endpoint, Session } from './model.js';
import type { TtlTable } from './ttl-table.js';
import { NO_ITEMS } from './session-builder.js';
import { hopsAway } from './diagnose/vantage.js';

/**
 * The other addresses at the client's end of the session's data connections, placed by the capture:
 * `aliases` the client's own host (its network card, zero hops); `unplaced` behind a router from this
 * capture point (or with no link address), where a third host and another address of the client look alike.
 */
export function placeClientEnds(s: Session, table: TtlTable): { aliases: string[]; unplaced: string[] } {
  if (s.transfers.length === 0) return { aliases: NO_ITEMS, unplaced: NO_ITEMS };
  // Each end as its own connection's packets show it; the first over the whole capture for its two addresses when they show none.
  const ownLink = s.controlConnection.marks.clientLink ?? table.linkOf(s.client.ip, s.server.ip);
  const ownHere = ownLink !== null && hopsAway(s.ttl.client) === 0;
  const aliases: string[] = [];
  const unplaced: string[] = [];
  for (const t of s.transfers) {
    const c = t.connection;
    const ip = c?.client.ip;
    if (c === null || ip === undefined || t.fxp !== undefined || ip === s.client.ip || aliases.includes(ip) || unplaced.includes(ip)) continue;
    const link = c.marks.clientLink ?? table.linkOf(ip, c.server.ip);
    const here = link !== null && hopsAway(c.marks.ttl.client ?? table.of(ip, c.server.ip)) === 0;
    if (here && ownHere && link === ownLink) aliases.push(ip);
    else if (!here) unplaced.push(ip);
  }
  // Most sessions have neither: the shared empty list (a list each cost every session 64 bytes).
  return { aliases: aliases.length === 0 ? NO_ITEMS : aliases, unplaced: unplaced.length === 0 ? NO_ITEMS : unplaced };
}

/** Lowest port of the ephemeral ranges clients listen on (Linux 32768–60999, Windows 49152–65535). */
export const EPHEMERAL_MIN = 32768;

/**
 * A data endpoint named by PORT/EPRT that may be the client's own other address as well as a third
 * host: a temporary port (where a client listens; a bounce aims at a service port) at an address
 * this capture point cannot place.
 */
export function clientEndUndecided(s: Session, named: Endpoint): boolean {
  return named.port >= EPHEMERAL_MIN && s.clientEndsUnplaced.includes(named.ip);
}
