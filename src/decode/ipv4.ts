/**
 * IPv4 header: check lengths once (IHL, total length, captured bytes), then read through the
 * field table. The payload handed on is bounded by the total length, so Ethernet padding is
 * never taken for data.
 */

import type { DecodedFrame, Ipv4Header } from './types.js';
import type { IpPayloadView } from './ip-payload.js';
import { ipv4ToString } from './addr.js';
import { checksumExpected, sum16 } from './checksum.js';
import { IPV4, IPV4_FLAG_MF, IPV4_MIN_HEADER_LENGTH, read8, read16 } from './fields.js';
import { addProblem } from './problems.js';

const NO_OPTIONS = new Uint8Array(0);

/** An IPv4 header with every field present (one shape), to be filled by decodeIpv4. */
export function newIpv4Header(): Ipv4Header {
  return {
    version: 4,
    headerLength: 0,
    dsfield: 0,
    totalLength: 0,
    id: 0,
    flags: 0,
    fragOffset: 0,
    ttl: 0,
    protocol: 0,
    checksum: 0,
    checksumStatus: 'unverifiable',
    checksumExpected: undefined,
    src: '',
    dst: '',
    options: NO_OPTIONS,
  };
}

/**
 * Decode the IPv4 header at b[off]. `wireAvail` is how many bytes the frame had on the wire from
 * `off` on (captured or not). Returns undefined only when the fixed header is not there to read.
 * Fills `out` when a payload can be decoded (out.protocol >= 0). `reuse`: a header to fill
 * instead of a new one (every field is replaced).
 */
export function decodeIpv4(
  b: Uint8Array,
  off: number,
  wireAvail: number,
  frame: DecodedFrame,
  out: IpPayloadView,
  reuse?: Ipv4Header,
): Ipv4Header | undefined {
  const captured = b.length - off;
  if (captured < IPV4_MIN_HEADER_LENGTH) {
    if (wireAvail < IPV4_MIN_HEADER_LENGTH) {
      addProblem(frame, 'ip-header-short', { ip: 4, needs: IPV4_MIN_HEADER_LENGTH, has: wireAvail });
    } else {
      frame.truncated = true;
    }
    return undefined;
  }
  const version = read8(b, off, IPV4.version);
  if (version !== 4) {
    addProblem(frame, 'ip-version', { ip: 4, version });
    return undefined;
  }
  const headerLength = read8(b, off, IPV4.headerLength);
  let totalLength = read16(b, off, IPV4.totalLength);
  const flags = read16(b, off, IPV4.flags);
  const fragOffset = read16(b, off, IPV4.fragOffset);
  const checksum = read16(b, off, IPV4.checksum);
  const ip = reuse ?? newIpv4Header();
  ip.headerLength = headerLength;
  ip.dsfield = read8(b, off, IPV4.dsfield);
  ip.totalLength = totalLength;
  ip.id = read16(b, off, IPV4.id);
  ip.flags = flags;
  ip.fragOffset = fragOffset;
  ip.ttl = read8(b, off, IPV4.ttl);
  ip.protocol = read8(b, off, IPV4.protocol);
  ip.checksum = checksum;
  ip.checksumStatus = 'unverifiable';
  ip.checksumExpected = undefined;
  ip.src = ipv4ToString(b, off + IPV4.src.offset);
  ip.dst = ipv4ToString(b, off + IPV4.dst.offset);
  ip.options = NO_OPTIONS;
  if (headerLength < IPV4_MIN_HEADER_LENGTH) {
    addProblem(frame, 'ipv4-header-length', { headerLength });
    return ip;
  }
  if (totalLength === 0 && wireAvail >= headerLength) {
    // Captured on the sending host before TCP segmentation offload filled it in (as tshark assumes).
    totalLength = wireAvail;
    addProblem(frame, 'ip-length-zero', { ip: 4, wire: wireAvail });
  } else if (totalLength < headerLength) {
    addProblem(frame, 'ipv4-total-below-header', { totalLength, headerLength });
    return ip;
  }
  if (captured < headerLength) {
    frame.truncated = true;
    ip.options = b.subarray(off + IPV4_MIN_HEADER_LENGTH, b.length);
    return ip;
  }
  if (headerLength > IPV4_MIN_HEADER_LENGTH) ip.options = b.subarray(off + IPV4_MIN_HEADER_LENGTH, off + headerLength);

  const expected = checksumExpected(sum16(b, off, off + headerLength), checksum);
  if (expected === undefined) ip.checksumStatus = 'ok';
  else {
    ip.checksumStatus = 'bad';
    ip.checksumExpected = expected;
  }

  if (totalLength > wireAvail) {
    // The packet on the wire was shorter than its header says: what was sent is all there is
    // (as tshark does). Not a snapshot cut, so not `truncated`.
    addProblem(frame, 'ip-length-beyond-wire', { ip: 4, length: totalLength, wire: wireAvail });
    totalLength = wireAvail;
  }
  const ipEnd = off + totalLength;
  out.bytes = b;
  out.start = off + headerLength;
  out.end = Math.min(ipEnd, b.length);
  out.wireLength = totalLength - headerLength;
  out.protocol = ip.protocol;
  out.addressSum = sum16(b, off + IPV4.src.offset, off + IPV4.dst.offset + IPV4.dst.size);
  if (out.end < ipEnd) frame.truncated = true;
  const more = (flags & IPV4_FLAG_MF) !== 0;
  if (more || fragOffset > 0) {
    out.fragment = fragOffset === 0 ? 'first' : 'later';
    out.fragmentOffset = fragOffset;
    out.moreFragments = more;
    out.fragmentId = ip.id;
  }
  return ip;
}
