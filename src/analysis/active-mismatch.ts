/**
 * PORT/EPRT naming another host than the client: a NAT that did not rewrite it, or an FTP
 * bounce. A client behind NAT announces its own (usually private) address and a port from its
 * ephemeral range; a bounce names somebody else's service port. Read here once: the diagnosis
 * (diagnose/checks/address.ts) words it, and the fallback reading (fallback.ts) keeps a refused
 * bounce from passing as a probe the client got past.
 */
import { addressClass } from './diagnose/facts.js';
import type { Session, Transfer } from './model.js';
import { EPHEMERAL_MIN } from './own-addresses.js';
import { parseIpv6Text } from '../ftp/ip-text.js';
import { familyCrossing } from './nat64.js';
import { transferById } from './lookup.js';

export type ActiveMismatch = 'bounce' | 'nat' | null;

export function activeMismatch(t: Transfer, s: Session, peer?: Session): ActiveMismatch {
  const announced = t.announce?.endpoint;
  // FXP: the third party is the other server, whose own 227 named that endpoint: on purpose.
  if (t.mode !== 'active' || !announced || t.fxp !== undefined) return null;
  // An IPv6 EPRT across a NAT64 translator (nat64.ts): another family, neither a NAT's leftover nor a bounce.
  if (familyCrossing(t, s) !== null) return null;
  // Seen on both sides of the NAT: what counts is the address the server sees, the outside one.
  const nat = s.natPeer;
  if (nat) {
    // The inside view holds the PORT as the client wrote it, before any helper: whether the NAT
    // rewrote it is in the outside view's copy of the same announcement (its transfer of the same number).
    const same = nat.side === 'inside' && peer !== undefined ? transferById(peer, t.id) : undefined;
    const outside = same !== undefined && same.mode === 'active' && same.announce?.command === t.announce!.command ? same.announce.endpoint : undefined;
    if (outside !== undefined && outside !== null && announced.ip === nat.inside.ip) return outside.ip === nat.outside.ip ? null : 'nat';
    return announced.ip === nat.outside.ip ? null : announced.ip === nat.inside.ip ? 'nat' : 'bounce';
  }
  if (announced.ip === s.client.ip) return behindNatUnrewritten(t, s) || refusedAsForeign(t) ? 'nat' : null;
  // Another address of the client's own host (own-addresses.ts): the data went to the client.
  if (s.clientAliases.includes(announced.ip)) return null;
  // An IPv6 temporary port on the client's own /64: a second or temporary (privacy) address of the
  // client's host, or a neighbour's on its link — never a NAT's outside address (NAT66 and NPTv6 map
  // one prefix to another). Neither a NAT's leftover nor, by what the capture shows, a third host.
  if (announced.port >= EPHEMERAL_MIN && sameSlash64(announced.ip, s.client.ip)) return null;
  const cls = addressClass(announced.ip);
  if (cls !== 'public') return 'nat';
  const c = t.connection;
  if (c && c.match === 'exact' && c.established) return 'bounce';
  return announced.port < EPHEMERAL_MIN ? 'bounce' : 'nat';
}

/**
 * Seen from the client: PORT names the client's own private address, the server is public, and
 * the server's connection never reached the client. Only a NAT joins those two networks, and one
 * that rewrote PORT (an FTP helper) would have forwarded the connection too.
 */
function behindNatUnrewritten(t: Transfer, s: Session): boolean {
  if (t.connection || t.status !== 'failed' || !t.request) return false;
  const inside = addressClass(s.client.ip);
  return (inside === 'private' || inside === 'cgnat') && addressClass(s.server.ip) === 'public';
}

/**
 * PORT names the client's own address as this capture sees it, and the server refuses it as
 * foreign ("500 Illegal PORT command", vsftpd and proftpd): the server sees the client under
 * another address — a NAT between them that did not rewrite PORT.
 */
export function refusedAsForeign(t: Transfer): boolean {
  const r = t.announce?.reply;
  return r !== null && r !== undefined && r.code >= 500 && /illegal|foreign|not allowed|address/i.test(r.text);
}

/** Two IPv6 addresses in the same /64 (the subnet size of IPv6 links); false for anything else. */
function sameSlash64(a: string, b: string): boolean {
  if (!a.includes(':') || !b.includes(':')) return false;
  const x = parseIpv6Text(a);
  const y = parseIpv6Text(b);
  return x !== null && y !== null && x.slice(0, 8).every((v, i) => v === y[i]);
}
