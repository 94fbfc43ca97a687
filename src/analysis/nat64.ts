/**
 * FTP through a NAT64 translator (RFC 6146): an IPv6 client reaches an IPv4 server at an IPv6
 * address that embeds the server's IPv4 address (RFC 6052; a /96 prefix, the well-known
 * 64:ff9b::/96 or a network's own). Without an FTP ALG (RFC 6384; tayga and most NAT64 have none)
 * the addresses inside FTP cross it untranslated: a 227 names the server's IPv4 address, which an
 * IPv6-only client reaches only through the translator, and an EPRT names the client's IPv6
 * address, which the IPv4 server cannot use. Read here once, from the facts of the session (the
 * control connection's family and address, what the announcement names, the server's reply),
 * never from known addresses; the diagnosis (diagnose/checks/nat64.ts) words it.
 */
import { formatIpv4, parseIpv6Text } from '../ftp/ip-text.js';
import type { Session, Transfer } from './model.js';

/**
 * The IPv4 address an IPv6 address embeds in the /96 form of RFC 6052: bits 64-95 zero (the "u"
 * octet and the rest of a /96 prefix's suffix) and the last 32 bits a unicast IPv4 address. An
 * ordinary host address (…::20, …::1) ends in 0.0.0.x and is not read as one.
 */
export function embeddedIpv4(ip: string): string | null {
  if (!ip.includes(':')) return null;
  const b = parseIpv6Text(ip);
  if (b === null || b[8] !== 0 || b[9] !== 0 || b[10] !== 0 || b[11] !== 0) return null;
  // ::a.b.c.d and ::ffff:a.b.c.d are IPv4-compatible/mapped forms, not a translator's prefix.
  if (b.slice(0, 8).every((x) => x === 0)) return null;
  const [a] = b.slice(12);
  if (a === 0 || a === 127 || a >= 224) return null;
  return formatIpv4(b.slice(12));
}

const isIpv6 = (ip: string): boolean => ip.includes(':');

/** EPRT refusals that say the server cannot use the address family (522 is RFC 2428's "network protocol not supported"). */
const FAMILY_REFUSAL = /protocol|family|ipv6/i;

export type FamilyCrossing =
  /** A 227 on an IPv6 control connection names the IPv4 address the server's NAT64 address embeds. */
  | { kind: 'passive-ipv4'; ipv4: string }
  /** An EPRT naming an IPv6 address on an IPv4 control connection: the client is IPv6, translated on the way. */
  | { kind: 'active-ipv6-at-ipv4-server' }
  /** An EPRT naming the client's IPv6 address, refused by a server that speaks IPv4 behind the translator. */
  | { kind: 'active-refused-by-ipv4-server'; ipv4: string | null }
  /** EPSV, the one passive command that crosses the translator, refused by the IPv4 server behind it. */
  | { kind: 'epsv-refused'; ipv4: string };

/** How this transfer's announcement met an address-family translator, or null (none seen). */
export function familyCrossing(t: Transfer, s: Session): FamilyCrossing | null {
  const a = t.announce;
  if (a === null || t.fxp !== undefined) return null;
  const server4 = embeddedIpv4(s.server.ip);
  const refused = a.reply !== null && a.reply.code >= 400 ? a.reply : null;
  if (t.mode === 'passive') {
    if (!isIpv6(s.server.ip) || server4 === null) return null;
    if (a.endpoint && !isIpv6(a.endpoint.ip) && a.endpoint.ip === server4 && (a.command === 'PASV' || a.command === 'LPSV')) {
      return { kind: 'passive-ipv4', ipv4: server4 };
    }
    if (a.command === 'EPSV' && refused !== null && a.refused) return { kind: 'epsv-refused', ipv4: server4 };
    return null;
  }
  if (t.mode !== 'active' || a.command !== 'EPRT' || !a.endpoint || !isIpv6(a.endpoint.ip)) return null;
  // Seen on the IPv4 side: an IPv6 address reached this server over IPv4; only a translator joins the two.
  if (!isIpv6(s.server.ip)) return { kind: 'active-ipv6-at-ipv4-server' };
  // Seen on the IPv6 side: an IPv6 server does not refuse an IPv6 EPRT for its family; one behind a
  // translator (its address embeds an IPv4 address) does, or says so (522, "protocol not supported").
  if (refused !== null && (server4 !== null || refused.code === 522 || FAMILY_REFUSAL.test(refused.text))) {
    return { kind: 'active-refused-by-ipv4-server', ipv4: server4 };
  }
  return null;
}
