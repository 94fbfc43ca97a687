/**
 * A 227 (or LPRT's 228) naming another address than the server's own in this capture: what it
 * means is decided here, once, for every output. Captured at the server, a data connection that
 * arrived at the server's own address on the announced port shows that the announced address leads
 * to this server — the address clients reach it by, as vsftpd's pasv_address or proftpd's
 * MasqueradeAddress name it behind DNAT or port forwarding: correct configuration, not a departure.
 * (From there a client that ignored the address and used the control connection's looks the same;
 * either way the data connection arrived.) Anywhere else the other address is a departure.
 */
import type { PassiveAddress, Session, Transfer, Vantage } from './model.js';
import { familyCrossing } from './nat64.js';

export function readPassiveAddress(s: Session, t: Transfer, vantage: Vantage): PassiveAddress | null {
  const announced = t.announce?.endpoint;
  if (t.mode !== 'passive' || !announced || announced.ip === s.server.ip || t.fxp !== undefined) return null;
  const c = t.connection;
  const arrived =
    vantage.point === 'server-side' &&
    c !== null &&
    c.established &&
    c.addressMismatch !== undefined &&
    c.server.ip === s.server.ip &&
    c.server.port === announced.port &&
    c.client.ip === s.client.ip;
  if (arrived) return { announced: announced.ip, reading: 'public' };
  // The server's own IPv4 address, told to an IPv6 client through a NAT64 translator: a departure with a known reason.
  return { announced: announced.ip, reading: familyCrossing(t, s)?.kind === 'passive-ipv4' ? 'nat64' : 'departure' };
}
