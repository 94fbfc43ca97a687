/**
 * IPv6 fixed header and extension-header chain. The walk is bounded twice: at most
 * MAX_EXTENSION_HEADERS headers, and never past the payload length (overrun is malformed) or
 * the captured bytes (truncated).
 */

import type { DecodedFrame, Ipv6ExtHeader, Ipv6Header } from './types.js';
import type { IpPayloadView } from './ip-payload.js';
import { ipv6ToString } from './addr.js';
import { sum16 } from './checksum.js';
import {
  IPPROTO_AH,
  IPPROTO_DSTOPTS,
  IPPROTO_FRAGMENT,
  IPPROTO_HOPOPTS,
  IPPROTO_MOBILITY,
  IPPROTO_ROUTING,
  IPV6,
  IPV6_EXT,
  IPV6_EXT_MIN_LENGTH,
  IPV6_FRAGMENT,
  IPV6_FRAGMENT_HEADER_LENGTH,
  IPV6_HEADER_LENGTH,
  readField,
} from './fields.js';
import { addProblem, pushProblem } from './problems.js';
import { decodeProblem, type DecodeProblem } from '../warnings/catalog.js';

export const MAX_EXTENSION_HEADERS = 16;

const NO_EXTENSIONS: Ipv6ExtHeader[] = [];

export function isExtensionHeader(nh: number): boolean {
  return (
    nh === IPPROTO_HOPOPTS ||
    nh === IPPROTO_ROUTING ||
    nh === IPPROTO_FRAGMENT ||
    nh === IPPROTO_DSTOPTS ||
    nh === IPPROTO_AH ||
    nh === IPPROTO_MOBILITY
  );
}

/** Length in bytes of the extension header of type `nh` whose first byte is at b[p]. */
export function extensionLength(nh: number, b: Uint8Array, p: number): number {
  if (nh === IPPROTO_FRAGMENT) return IPV6_FRAGMENT_HEADER_LENGTH;
  const n = readField(b, p, IPV6_EXT.length);
  return nh === IPPROTO_AH ? (n + 2) * 4 : (n + 1) * 8;
}

/** Result of walking a chain; `status` says why it ended, `problem` what was malformed. */
export type ChainEnd = { protocol: number; offset: number } & (
  | { status: 'ok' | 'truncated' }
  | { status: 'malformed'; problem: DecodeProblem }
);

/**
 * Walk extension headers from b[p] with next-header `nh`, not past `limit` (the IP payload's end)
 * nor `capEnd` (the captured end). Calls `onHeader` for each header found. Shared by the
 * datagram decoder and the ICMPv6 quoted-packet decoder.
 */
export function walkExtensions(
  b: Uint8Array,
  p: number,
  nh: number,
  limit: number,
  capEnd: number,
  onHeader?: (type: number, offset: number, length: number) => void,
): ChainEnd {
  let count = 0;
  while (isExtensionHeader(nh)) {
    if (count >= MAX_EXTENSION_HEADERS) {
      const problem = decodeProblem('ipv6-extension-count', { max: MAX_EXTENSION_HEADERS });
      return { status: 'malformed', problem, protocol: nh, offset: p };
    }
    if (p + IPV6_EXT_MIN_LENGTH > limit) {
      const problem = decodeProblem('ipv6-extension-overrun', { header: nh, length: null });
      return { status: 'malformed', problem, protocol: nh, offset: p };
    }
    if (p + IPV6_EXT_MIN_LENGTH > capEnd) return { status: 'truncated', protocol: nh, offset: p };
    const len = extensionLength(nh, b, p);
    if (p + len > limit) {
      const problem = decodeProblem('ipv6-extension-overrun', { header: nh, length: len });
      return { status: 'malformed', problem, protocol: nh, offset: p };
    }
    if (onHeader !== undefined) onHeader(nh, p, len);
    const isFragment = nh === IPPROTO_FRAGMENT && readField(b, p, IPV6_FRAGMENT.offset) + readField(b, p, IPV6_FRAGMENT.more) > 0;
    nh = readField(b, p, IPV6_EXT.nextHeader);
    p += len;
    count++;
    // What follows a real fragment header is the fragmentable part: only its first fragment
    // starts with headers, and those are walked after reassembly (see frame.ts).
    if (isFragment) break;
  }
  return { status: 'ok', protocol: nh, offset: p };
}

/**
 * Decode the IPv6 header at b[off]; `wireAvail` is how many bytes the frame had on the wire
 * from `off`. Fills `out` when a payload can be decoded (out.protocol >= 0).
 */
export function decodeIpv6(
  b: Uint8Array,
  off: number,
  wireAvail: number,
  frame: DecodedFrame,
  out: IpPayloadView,
): Ipv6Header | undefined {
  if (b.length - off < IPV6_HEADER_LENGTH) {
    if (wireAvail < IPV6_HEADER_LENGTH) {
      addProblem(frame, 'ip-header-short', { ip: 6, needs: IPV6_HEADER_LENGTH, has: wireAvail });
    } else {
      frame.truncated = true;
    }
    return undefined;
  }
  const version = readField(b, off, IPV6.version);
  if (version !== 6) {
    addProblem(frame, 'ip-version', { ip: 6, version });
    return undefined;
  }
  const nextHeader = readField(b, off, IPV6.nextHeader);
  const ip: Ipv6Header = {
    version: 6,
    trafficClass: readField(b, off, IPV6.trafficClass),
    flowLabel: readField(b, off, IPV6.flowLabel),
    payloadLength: readField(b, off, IPV6.payloadLength),
    nextHeader,
    hopLimit: readField(b, off, IPV6.hopLimit),
    src: ipv6ToString(b, off + IPV6.src.offset),
    dst: ipv6ToString(b, off + IPV6.dst.offset),
    extensions: NO_EXTENSIONS,
    protocol: nextHeader,
  };
  let payloadLength = ip.payloadLength;
  const wirePayload = wireAvail - IPV6_HEADER_LENGTH;
  if (payloadLength === 0 && nextHeader !== 59 && wirePayload > 0) {
    // Jumbogram or TSO on the sending host: the frame's length is the best bound there is.
    payloadLength = wirePayload;
    addProblem(frame, 'ip-length-zero', { ip: 6, wire: wirePayload });
  } else if (payloadLength > wirePayload) {
    // Shorter on the wire than the header says: bound by what was sent (as tshark does).
    addProblem(frame, 'ip-length-beyond-wire', { ip: 6, length: payloadLength, wire: Math.max(wirePayload, 0) });
    payloadLength = Math.max(wirePayload, 0);
  }
  const start = off + IPV6_HEADER_LENGTH;
  const limit = start + payloadLength;
  const capEnd = Math.min(limit, b.length);
  if (capEnd < limit) frame.truncated = true;

  let payloadStart = start;
  if (isExtensionHeader(nextHeader)) {
    let extensions: Ipv6ExtHeader[] | undefined;
    let fragAt = -1;
    const end = walkExtensions(b, start, nextHeader, limit, capEnd, (type, p, length) => {
      (extensions ??= []).push({ type, length });
      if (type === IPPROTO_FRAGMENT) fragAt = p;
    });
    if (extensions !== undefined) ip.extensions = extensions;
    ip.protocol = end.protocol;
    if (fragAt >= 0) {
      ip.fragment = {
        offset: readField(b, fragAt, IPV6_FRAGMENT.offset),
        more: readField(b, fragAt, IPV6_FRAGMENT.more) === 1,
        id: readField(b, fragAt, IPV6_FRAGMENT.id),
      };
    }
    if (end.status === 'malformed') {
      pushProblem(frame, end.problem);
      return ip;
    }
    if (end.status === 'truncated') {
      frame.truncated = true;
      return ip;
    }
    payloadStart = end.offset;
  }
  out.bytes = b;
  out.start = payloadStart;
  out.end = capEnd;
  out.wireLength = limit - payloadStart;
  out.protocol = ip.protocol;
  out.addressSum = sum16(b, off + IPV6.src.offset, off + IPV6.dst.offset + IPV6.dst.size);
  const frag = ip.fragment;
  if (frag !== undefined && (frag.more || frag.offset > 0)) {
    out.fragment = frag.offset === 0 ? 'first' : 'later';
    out.fragmentOffset = frag.offset;
    out.moreFragments = frag.more;
    out.fragmentId = frag.id;
  }
  return ip;
}
