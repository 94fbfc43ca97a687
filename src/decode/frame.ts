/**
 * One capture record in, one DecodedFrame out: link → IP (v4/v6, with optional fragment
 * reassembly) → TCP or ICMP error. Each header has its own module; this file only sequences
 * them and decides what a fragment means for the layers above.
 */

import type { CaptureRecord } from '../capture/types.js';
import type { DecodedFrame, IpHeader } from './types.js';
import { decodeLink, networkVersion } from './link.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6, isExtensionHeader, walkExtensions } from './ipv6.js';
import { decodeTcp } from './tcp.js';
import { decodeIcmpError } from './icmp.js';
import { newIpPayloadView, resetIpPayloadView, type IpPayloadView } from './ip-payload.js';
import type { Ipv4Defragmenter } from './ipv4-defrag.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP } from './fields.js';
import { NO_PROBLEMS, addProblem, pushProblem } from './problems.js';

const EMPTY = new Uint8Array(0);
/** Reused for every frame: decoding is synchronous and the view never escapes. */
const scratch: IpPayloadView = newIpPayloadView();

export function decodeFrame(record: CaptureRecord, defrag?: Ipv4Defragmenter): DecodedFrame {
  const b = record.data;
  const link = decodeLink(record.linkType, b);
  const frame: DecodedFrame = {
    frame: record.frame,
    time: record.time,
    tsSec: record.tsSec,
    tsNsec: record.tsNsec,
    capturedLength: record.capturedLength,
    originalLength: record.originalLength,
    link,
    // Every field present from the start: one shape for every frame (no property added later
    // grows the object out of line, and the code reading frames sees a single hidden class).
    ip: undefined,
    tcp: undefined,
    icmp: undefined,
    fragment: undefined,
    payload: EMPTY,
    truncated: false,
    problems: NO_PROBLEMS,
  };
  if (link.kind === 'unsupported') return frame;
  const off = link.headerLength;
  if (b.length < off) {
    // The link header itself was cut (or the frame is shorter than one on the wire).
    if (record.originalLength < off) addProblem(frame, 'link-header-short', { link: link.kind, needs: off, has: record.originalLength });
    else frame.truncated = true;
    return frame;
  }
  const version = networkVersion(link, b);
  if (version === 0) return frame;

  const view = scratch;
  resetIpPayloadView(view, b);
  const wireAvail = Math.max(record.originalLength, b.length) - off;
  const ip: IpHeader | undefined =
    version === 4 ? decodeIpv4(b, off, wireAvail, frame, view) : decodeIpv6(b, off, wireAvail, frame, view);
  frame.ip = ip;
  if (ip === undefined || view.protocol < 0) return frame;

  let checksumVerifiable = true;
  if (view.fragment !== 'none') {
    if (!handleFragment(frame, ip, view, defrag)) return frame;
    checksumVerifiable = frame.fragment === 'reassembled';
  }
  decodeTransport(frame, ip, view, checksumVerifiable);
  return frame;
}

/**
 * Decide what a fragment yields. Returns true when `view` now holds transport bytes to decode:
 * a completed datagram, or (without reassembly) a first fragment's own bytes.
 */
function handleFragment(frame: DecodedFrame, ip: IpHeader, view: IpPayloadView, defrag?: Ipv4Defragmenter): boolean {
  if (defrag === undefined) {
    frame.fragment = 'unreassembled';
    return view.fragment === 'first';
  }
  const key =
    ip.version === 4
      ? `4 ${ip.src} ${ip.dst} ${ip.protocol} ${view.fragmentId}`
      : `6 ${ip.src} ${ip.dst} ${view.fragmentId}`;
  const complete = view.end - view.start === view.wireLength;
  const r = defrag.add(key, view.fragmentOffset, view.moreFragments, view.bytes.subarray(view.start, view.end), frame.time, frame.frame, complete);
  if (r.state === 'held') {
    frame.fragment = 'held';
    if (r.overlap) addProblem(frame, 'fragment-overlap', { reassembled: false });
    return false;
  }
  if (r.state === 'dropped') {
    frame.fragment = 'unreassembled';
    addProblem(frame, 'fragment-dropped', { reason: r.reason });
    return false;
  }
  frame.fragment = 'reassembled';
  if (r.overlap) addProblem(frame, 'fragment-overlap', { reassembled: true });
  view.bytes = r.payload;
  view.start = 0;
  view.end = r.payload.length;
  view.wireLength = r.payload.length;
  return true;
}

function decodeTransport(frame: DecodedFrame, ip: IpHeader, view: IpPayloadView, checksumVerifiable: boolean): void {
  let protocol = view.protocol;
  if (ip.version === 6 && view.fragment !== 'none' && isExtensionHeader(protocol)) {
    // Headers inside the fragmentable part (e.g. destination options after a fragment header).
    const limit = view.start + view.wireLength;
    const chain = walkExtensions(view.bytes, view.start, protocol, limit, view.end);
    if (chain.status === 'malformed') {
      pushProblem(frame, chain.problem);
      return;
    }
    if (chain.status === 'truncated') {
      frame.truncated = true;
      return;
    }
    protocol = chain.protocol;
    view.wireLength = limit - chain.offset;
    view.start = chain.offset;
  }
  if (protocol === IPPROTO_TCP) {
    frame.tcp = decodeTcp(view, frame, checksumVerifiable);
  } else if (protocol === IPPROTO_ICMP && ip.version === 4) {
    frame.icmp = decodeIcmpError(4, view, ip.src);
  } else if (protocol === IPPROTO_ICMPV6 && ip.version === 6) {
    frame.icmp = decodeIcmpError(6, view, ip.src);
  }
}
