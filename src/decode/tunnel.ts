/**
 * Tunnels: an IP packet whose payload is another IP packet, as remote captures deliver FTP
 * (AWS/Azure traffic mirroring over VXLAN, ERSPAN and GRE from switches, IP-in-IP, 6in4). The
 * frame decoder asks `tunnelInner` whether the payload it just decoded carries an inner packet;
 * if so it decodes that one in place of the outer, and the analysis sees the inner conversation
 * (as Zeek and Suricata do). The outer layers stay on the frame (`DecodedFrame.tunnels`) for the
 * dump. Offsets are into the frame's own bytes: the inner packet is a view, never a copy.
 */

import type { IpHeader, LinkHeader, TunnelLayer } from './types.js';
import type { IpPayloadView } from './ip-payload.js';
import { decodeLink, networkVersion } from './link.js';
import {
  ERSPAN2_HEADER_LENGTH,
  ERSPAN3,
  ERSPAN3_HEADER_LENGTH,
  ERSPAN3_SUBHEADER_LENGTH,
  ETHERTYPE_ERSPAN2,
  ETHERTYPE_ERSPAN3,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  ETHERTYPE_TEB,
  GRE,
  GRE_FLAG_CHECKSUM,
  GRE_FLAG_KEY,
  GRE_FLAG_ROUTING,
  GRE_FLAG_SEQUENCE,
  GRE_MIN_HEADER_LENGTH,
  IPPROTO_GRE,
  IPPROTO_IPIP,
  IPPROTO_IPV6,
  IPPROTO_UDP,
  LINKTYPE_ETHERNET,
  UDP,
  UDP_HEADER_LENGTH,
  UDP_PORT_VXLAN,
  VXLAN,
  VXLAN_HEADER_LENGTH,
  read8,
  read16,
  read32,
} from './fields.js';

/**
 * Tunnels inside tunnels beyond this are not a network anyone mirrors; a hostile capture could
 * nest a packet in itself a thousand times, so decoding stops here and says so.
 */
export const MAX_TUNNEL_DEPTH = 3;

/** Where an inner packet starts, its IP version, and how many bytes it had on the wire. */
export interface TunnelInner {
  layer: TunnelLayer;
  version: 4 | 6;
  offset: number;
  wireAvail: number;
}

export type TunnelResult = TunnelInner | 'none' | 'truncated';

/**
 * Does the unfragmented IP payload in `view` carry an inner IP packet? `outerOffset` is where the
 * outer IP header starts. 'truncated' when the tunnel headers themselves were cut by the snapshot
 * length.
 */
export function tunnelInner(view: IpPayloadView, outer: IpHeader, outerOffset: number): TunnelResult {
  const b = view.bytes;
  const p = view.start;
  const wireEnd = p + view.wireLength;
  switch (view.protocol) {
    case IPPROTO_IPIP:
    case IPPROTO_IPV6:
      return {
        layer: { kind: 'ipip', ip: outer, ipOffset: outerOffset, offset: p, length: 0, innerOffset: p },
        version: view.protocol === IPPROTO_IPIP ? 4 : 6,
        offset: p,
        wireAvail: view.wireLength,
      };
    case IPPROTO_GRE:
      return gre(b, p, view.end, wireEnd, outer, outerOffset);
    case IPPROTO_UDP: {
      if (view.wireLength < UDP_HEADER_LENGTH + VXLAN_HEADER_LENGTH) return 'none';
      if (view.end < p + UDP_HEADER_LENGTH) return 'truncated';
      if (read16(b, p, UDP.dstPort) !== UDP_PORT_VXLAN) return 'none';
      const v = p + UDP_HEADER_LENGTH;
      if (view.end < v + VXLAN_HEADER_LENGTH) return 'truncated';
      const layer: TunnelLayer = {
        kind: 'vxlan',
        ip: outer,
        ipOffset: outerOffset,
        offset: p,
        length: UDP_HEADER_LENGTH + VXLAN_HEADER_LENGTH,
        innerOffset: 0,
        udp: { srcPort: read16(b, p, UDP.srcPort), dstPort: UDP_PORT_VXLAN },
        vxlan: { flags: read8(b, v, VXLAN.flags), vni: read32(b, v, VXLAN.vni) },
      };
      return ethernet(b, v + VXLAN_HEADER_LENGTH, view.end, wireEnd, layer);
    }
    default:
      return 'none';
  }
}

/** GRE (RFC 2784/2890): checksum, key and sequence number present when their flag is. */
function gre(b: Uint8Array, p: number, end: number, wireEnd: number, outer: IpHeader, outerOffset: number): TunnelResult {
  if (wireEnd - p < GRE_MIN_HEADER_LENGTH) return 'none';
  if (end - p < GRE_MIN_HEADER_LENGTH) return 'truncated';
  const flags = read16(b, p, GRE.flags);
  const protocol = read16(b, p, GRE.protocol);
  // Version 1 is PPTP's enhanced GRE (PPP inside); source routing (RFC 1701) is obsolete: neither decoded.
  if (read16(b, p, GRE.version) !== 0 || (flags & GRE_FLAG_ROUTING) !== 0) return 'none';
  let q = p + GRE_MIN_HEADER_LENGTH;
  const layer: TunnelLayer = { kind: 'gre', ip: outer, ipOffset: outerOffset, offset: p, length: 0, innerOffset: 0, gre: { flags, protocol } };
  const g = layer.gre!;
  for (const flag of [GRE_FLAG_CHECKSUM, GRE_FLAG_KEY, GRE_FLAG_SEQUENCE]) {
    if ((flags & flag) === 0) continue;
    if (q + 4 > wireEnd) return 'none';
    if (q + 4 > end) return 'truncated';
    if (flag === GRE_FLAG_CHECKSUM) g.checksum = (b[q] << 8) | b[q + 1];
    else if (flag === GRE_FLAG_KEY) g.key = ((b[q] << 24) | (b[q + 1] << 16) | (b[q + 2] << 8) | b[q + 3]) >>> 0;
    else g.sequence = ((b[q] << 24) | (b[q + 1] << 16) | (b[q + 2] << 8) | b[q + 3]) >>> 0;
    q += 4;
  }
  layer.length = q - p;
  switch (protocol) {
    case ETHERTYPE_IPV4:
    case ETHERTYPE_IPV6:
      layer.innerOffset = q;
      return { layer, version: protocol === ETHERTYPE_IPV4 ? 4 : 6, offset: q, wireAvail: wireEnd - q };
    case ETHERTYPE_TEB:
      return ethernet(b, q, end, wireEnd, layer);
    case ETHERTYPE_ERSPAN2:
      // ERSPAN type II: its 8-byte header, then the mirrored Ethernet frame.
      if (q + ERSPAN2_HEADER_LENGTH > wireEnd) return 'none';
      layer.length += ERSPAN2_HEADER_LENGTH;
      return ethernet(b, q + ERSPAN2_HEADER_LENGTH, end, wireEnd, layer);
    case ETHERTYPE_ERSPAN3: {
      // ERSPAN type III: 12 bytes, and 8 more of platform-specific subheader when its O bit is set.
      if (q + ERSPAN3_HEADER_LENGTH > wireEnd) return 'none';
      if (q + ERSPAN3_HEADER_LENGTH > end) return 'truncated';
      const n = ERSPAN3_HEADER_LENGTH + (read8(b, q, ERSPAN3.optional) !== 0 ? ERSPAN3_SUBHEADER_LENGTH : 0);
      layer.length += n;
      return ethernet(b, q + n, end, wireEnd, layer);
    }
    default:
      return 'none';
  }
}

/** An Ethernet frame inside the tunnel (VXLAN, GRE transparent bridging, ERSPAN): IP behind it, or nothing. */
function ethernet(b: Uint8Array, p: number, end: number, wireEnd: number, layer: TunnelLayer): TunnelResult {
  if (p > end) return 'truncated';
  const link: LinkHeader = decodeLink(LINKTYPE_ETHERNET, b.subarray(p, end));
  if (p + link.headerLength > wireEnd) return 'none';
  if (p + link.headerLength > end) return 'truncated';
  const version = networkVersion(link, b);
  if (version === 0) return 'none'; // ARP and the like: nothing for the analysis
  layer.link = link;
  layer.innerOffset = p + link.headerLength;
  return { layer, version, offset: layer.innerOffset, wireAvail: wireEnd - layer.innerOffset };
}
