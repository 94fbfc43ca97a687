/**
 * ICMP errors that quote a TCP segment: ICMPv4 destination unreachable (3) / time exceeded (11),
 * ICMPv6 destination unreachable (1) / time exceeded (3). The quoted IP header and the first
 * 8 bytes of TCP (ports and sequence number) say which connection the error is about.
 * Anything else leaves `icmp` undefined.
 */

import type { IcmpError } from './types.js';
import type { IpPayloadView } from './ip-payload.js';
import { ipv4ToString, ipv6ToString } from './addr.js';
import { walkExtensions } from './ipv6.js';
import {
  ICMP,
  ICMP_HEADER_LENGTH,
  IPPROTO_TCP,
  IPV4,
  IPV4_MIN_HEADER_LENGTH,
  IPV6,
  IPV6_HEADER_LENGTH,
  TCP,
  readField,
} from './fields.js';

export const ICMP_DEST_UNREACHABLE = 3;
export const ICMP_TIME_EXCEEDED = 11;
export const ICMPV6_DEST_UNREACHABLE = 1;
export const ICMPV6_TIME_EXCEEDED = 3;

/** Ports need 4 quoted TCP bytes, the sequence number 8. */
const QUOTED_PORTS = 4;
const QUOTED_SEQ = 8;

function quotedTcp(
  b: Uint8Array,
  t: number,
  end: number,
  err: IcmpError,
): IcmpError | undefined {
  if (t + QUOTED_PORTS > end) return undefined;
  err.quoted.srcPort = readField(b, t, TCP.srcPort);
  err.quoted.dstPort = readField(b, t, TCP.dstPort);
  if (t + QUOTED_SEQ <= end) err.quoted.seq = readField(b, t, TCP.seq);
  return err;
}

/** Decode an ICMP/ICMPv6 error in ip.bytes[ip.start, ip.end); `reporter` is the outer source. */
export function decodeIcmpError(family: 4 | 6, ip: IpPayloadView, reporter: string): IcmpError | undefined {
  const b = ip.bytes;
  const s = ip.start;
  const end = ip.end;
  if (end - s < ICMP_HEADER_LENGTH) return undefined;
  const type = readField(b, s, ICMP.type);
  const code = readField(b, s, ICMP.code);
  const q = s + ICMP_HEADER_LENGTH;
  if (family === 4) {
    if (type !== ICMP_DEST_UNREACHABLE && type !== ICMP_TIME_EXCEEDED) return undefined;
    if (q + IPV4_MIN_HEADER_LENGTH > end) return undefined;
    if (readField(b, q, IPV4.version) !== 4) return undefined;
    const ihl = readField(b, q, IPV4.headerLength);
    if (ihl < IPV4_MIN_HEADER_LENGTH || readField(b, q, IPV4.protocol) !== IPPROTO_TCP) return undefined;
    if (readField(b, q, IPV4.fragOffset) !== 0) return undefined; // a later fragment quotes no TCP header
    const err: IcmpError = {
      family: 4,
      type,
      code,
      reporter,
      quoted: { src: ipv4ToString(b, q + IPV4.src.offset), dst: ipv4ToString(b, q + IPV4.dst.offset), srcPort: 0, dstPort: 0 },
    };
    return quotedTcp(b, q + ihl, end, err);
  }
  if (type !== ICMPV6_DEST_UNREACHABLE && type !== ICMPV6_TIME_EXCEEDED) return undefined;
  if (q + IPV6_HEADER_LENGTH > end) return undefined;
  if (readField(b, q, IPV6.version) !== 6) return undefined;
  // The quoted packet was cut by the ICMPv6 size limit, so its payload length says nothing
  // about what is here: walk the chain only within the captured quote.
  const chain = walkExtensions(b, q + IPV6_HEADER_LENGTH, readField(b, q, IPV6.nextHeader), end, end);
  if (chain.status !== 'ok' || chain.protocol !== IPPROTO_TCP) return undefined;
  const err: IcmpError = {
    family: 6,
    type,
    code,
    reporter,
    quoted: { src: ipv6ToString(b, q + IPV6.src.offset), dst: ipv6ToString(b, q + IPV6.dst.offset), srcPort: 0, dstPort: 0 },
  };
  return quotedTcp(b, chain.offset, end, err);
}
