/**
 * An announcement that cannot cross a NAT64 translator (analysis/nat64.ts reads it): the 227 naming
 * the server's IPv4 address to an IPv6 client, an EPRT naming the client's IPv6 address to an IPv4
 * server. Before the address-mismatch checks: the address was not left unrewritten by a NAT that
 * could have rewritten it, it is of the other family.
 */
import { noDataConnectionWords } from '../../data-unseen.js';
import { announceWords, ep, evidenceFrames, replyWords } from '../facts.js';
import { diagnosis } from '../build.js';
import type { Diagnosis, TransferContext } from '../types.js';
import { familyCrossing } from '../../nat64.js';

export function checkNat64Passive(ctx: TransferContext): Diagnosis | null {
  const { transfer: t, session: s } = ctx;
  if (t.status === 'complete') return null;
  const x = familyCrossing(t, s);
  if (x?.kind !== 'passive-ipv4') return null;
  const details = [
    `${announceWords(t)}: the server's own IPv4 address. The control connection runs over IPv6 to ${s.server.ip}, ` +
      `an address that embeds ${x.ipv4} in its last 32 bits (an RFC 6052 /96 prefix): the server is IPv4-only and ` +
      'reached through a NAT64 translator, which passed the 227 unchanged (no FTP ALG). A 227 can name only an IPv4 ' +
      `address; an IPv6-only client reaches ${x.ipv4} only as ${s.server.ip}, through the translator`,
  ];
  const c = t.connection;
  if (!c) details.push(`No data connection is in the capture: the client did not connect to ${x.ipv4} (an IPv6-only host has no route to it) nor to the translated address`);
  else if (c.match === 'exact') details.push(`The client connected to ${ep(c.server)} (SYN frame ${c.synFrame})${c.established ? '' : ', without success'}`);
  else details.push(`The client connected to ${ep(c.server)} instead (SYN frame ${c.synFrame})${c.established ? '' : ', without success'}`);
  if (t.reply && t.reply.code >= 400) details.push(`The server replied ${replyWords(t.reply)} (frame ${t.reply.frame})`);
  return diagnosis(ctx, 'nat64-passive-ipv4', details, evidenceFrames(t));
}

export function checkNat64Active(ctx: TransferContext): Diagnosis | null {
  const { transfer: t, session: s } = ctx;
  if (t.status === 'complete') return null;
  const x = familyCrossing(t, s);
  if (x === null || (x.kind !== 'active-ipv6-at-ipv4-server' && x.kind !== 'active-refused-by-ipv4-server')) return null;
  const a = t.announce!;
  const details =
    x.kind === 'active-ipv6-at-ipv4-server'
      ? [
          `${announceWords(t)}: an IPv6 address, on a control connection that reaches the server over IPv4 from ${s.client.ip}. ` +
            'Only an address-family translator (NAT64) turns an IPv6 client into an IPv4 one: it translated the packets but not ' +
            'the address inside EPRT (no FTP ALG), and an IPv4 server cannot connect to an IPv6 address',
        ]
      : [
          `${announceWords(t)}: the client's IPv6 address. ` +
            (x.ipv4 !== null
              ? `The server's address ${s.server.ip} embeds ${x.ipv4} (an RFC 6052 /96 prefix): an IPv4-only server reached through a NAT64 translator`
              : 'The server refused it for its address family: it sees the session over IPv4, through an address-family translator (NAT64)') +
            ', which passed the EPRT unchanged (no FTP ALG); an IPv4 server cannot connect to an IPv6 address, and PORT cannot name one',
        ];
  if (a.reply && a.reply.code >= 400) details.push(`The server refused it: ${replyWords(a.reply)} (frame ${a.reply.frame})`);
  const c = t.connection;
  details.push(...noDataConnectionWords(s, t));
  return diagnosis(ctx, 'nat64-active', details, evidenceFrames(t, [a.reply?.frame]));
}
