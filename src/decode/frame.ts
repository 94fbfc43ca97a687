/**
 * One capture record in, one DecodedFrame out: link → IP (v4/v6, with optional fragment
 * reassembly; through tunnels to the innermost IP) → TCP or ICMP error. Each header has its own module; this file only sequences
 * them and decides what a fragment means for the layers above.
 */

import type { CaptureRecord } from '../capture/types.js';
import type { DecodedFrame, IpHeader, Ipv4Header, LinkHeader, TunnelLayer } from './types.js';
import { decodeLink, EthernetScratch, networkVersion } from './link.js';
import { decodeIpv4, newIpv4Header } from './ipv4.js';
import { decodeIpv6, isExtensionHeader, walkExtensions } from './ipv6.js';
import { decodeTcp, TcpSegmentHeader } from './tcp.js';
import { decodeIcmpError } from './icmp.js';
import { MAX_TUNNEL_DEPTH, tunnelInner } from './tunnel.js';
import { newIpPayloadView, resetIpPayloadView, type IpPayloadView } from './ip-payload.js';
import type { Ipv4Defragmenter } from './ipv4-defrag.js';
import { IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP } from './fields.js';
import { NO_PROBLEMS, addProblem, pushProblem } from './problems.js';

const EMPTY = new Uint8Array(0);
/** Reused for every frame: decoding is synchronous and the view never escapes. */
const scratch: IpPayloadView = newIpPayloadView();

/**
 * The objects of one decoded frame — the frame, its Ethernet, IPv4 and TCP headers — filled
 * again for each frame by a caller that keeps none of them past its own call: the analysis pass,
 * which reads every packet once and holds only what it derives (its records' bytes are views of
 * the reading ring, valid for that call only anyway). A bulk transfer then costs no header objects
 * per packet. Other link types, IPv6 and ICMP are decoded into new objects as usual.
 */
export interface FrameScratch {
  frame: DecodedFrame;
  ethernet: EthernetScratch;
  ipv4: Ipv4Header;
  tcp: TcpSegmentHeader;
}

export function newFrameScratch(): FrameScratch {
  const ethernet = new EthernetScratch();
  return { frame: newFrame(ethernet), ethernet, ipv4: newIpv4Header(), tcp: new TcpSegmentHeader() };
}

/** A frame with every field present from the start: one shape for every frame (one hidden class). */
function newFrame(link: LinkHeader): DecodedFrame {
  return {
    frame: 0,
    time: 0,
    tsSec: 0,
    tsNsec: 0,
    capturedLength: 0,
    originalLength: 0,
    link,
    ip: undefined,
    tunnels: undefined,
    tcp: undefined,
    icmp: undefined,
    fragment: undefined,
    fragmentFrames: undefined,
    fragmentCount: undefined,
    payload: EMPTY,
    truncated: false,
    problems: NO_PROBLEMS,
  };
}

/** Decode one record; with `reuse`, into its objects (see FrameScratch). */
export function decodeFrame(record: CaptureRecord, defrag?: Ipv4Defragmenter, reuse?: FrameScratch): DecodedFrame {
  const b = record.data;
  const link = decodeLink(record.linkType, b, reuse?.ethernet);
  const frame = reuse?.frame ?? newFrame(link);
  frame.frame = record.frame;
  frame.time = record.time;
  frame.tsSec = record.tsSec;
  frame.tsNsec = record.tsNsec;
  frame.capturedLength = record.capturedLength;
  frame.originalLength = record.originalLength;
  frame.link = link;
  frame.ip = frame.tunnels = frame.tcp = frame.icmp = frame.fragment = frame.fragmentFrames = frame.fragmentCount = undefined;
  frame.payload = EMPTY;
  frame.truncated = false;
  frame.problems = NO_PROBLEMS;
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
  resetIpPayloadView(view, b, record.wordSum ?? -1);
  const wireAvail = Math.max(record.originalLength, b.length) - off;
  let ip: IpHeader | undefined =
    version === 4 ? decodeIpv4(b, off, wireAvail, frame, view, reuse?.ipv4) : decodeIpv6(b, off, wireAvail, frame, view);
  frame.ip = ip;
  if (ip === undefined || view.protocol < 0) return frame;
  if (view.fragment === 'none') ip = decapsulate(frame, ip, off, view);
  if (view.protocol < 0) return frame;

  let checksumVerifiable = true;
  if (view.fragment !== 'none') {
    if (!handleFragment(frame, ip, view, defrag)) return frame;
    checksumVerifiable = frame.fragment === 'reassembled';
  }
  decodeTransport(frame, ip, view, checksumVerifiable, reuse?.tcp);
  return frame;
}

/**
 * Follow tunnels (GRE, VXLAN, IP-in-IP) to the innermost IP packet, which becomes `frame.ip` with
 * `view` over its payload; the outer layers go to `frame.tunnels`. A fragmented outer packet is
 * left as it is (its inner packet is split across frames). Returns the IP header now in `frame.ip`;
 * `view.protocol` is -1 when nothing above it is to be decoded.
 */
function decapsulate(frame: DecodedFrame, ip: IpHeader, off: number, view: IpPayloadView): IpHeader {
  let tunnels: TunnelLayer[] | undefined;
  for (;;) {
    const t = tunnelInner(view, ip, off);
    if (t === 'none') break;
    if (t === 'truncated') {
      frame.truncated = true;
      view.protocol = -1;
      break;
    }
    if ((tunnels?.length ?? 0) >= MAX_TUNNEL_DEPTH) {
      addProblem(frame, 'tunnel-depth', { max: MAX_TUNNEL_DEPTH });
      view.protocol = -1;
      break;
    }
    // The inner packet ends where the outer payload's captured bytes do (no trailing padding).
    const inner = view.bytes.subarray(0, view.end);
    resetIpPayloadView(view, inner);
    const next = t.version === 4 ? decodeIpv4(inner, t.offset, t.wireAvail, frame, view) : decodeIpv6(inner, t.offset, t.wireAvail, frame, view);
    if (next === undefined) {
      view.protocol = -1;
      break;
    }
    (tunnels ??= []).push(t.layer);
    frame.tunnels = tunnels;
    frame.ip = ip = next;
    off = t.offset;
    if (view.protocol < 0 || view.fragment !== 'none') break;
  }
  return ip;
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
  const key = ip.version === 4 ? `4 ${ip.src} ${ip.dst} ${ip.protocol} ${view.fragmentId}` : `6 ${ip.src} ${ip.dst} ${view.fragmentId}`;
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
  frame.fragmentFrames = r.frames;
  frame.fragmentCount = r.fragments;
  if (r.overlap) addProblem(frame, 'fragment-overlap', { reassembled: true });
  view.bytes = r.payload;
  view.bytesSum = -1;
  view.start = 0;
  view.end = r.payload.length;
  view.wireLength = r.payload.length;
  return true;
}

function decodeTransport(frame: DecodedFrame, ip: IpHeader, view: IpPayloadView, checksumVerifiable: boolean, tcp?: TcpSegmentHeader): void {
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
    frame.tcp = decodeTcp(view, frame, checksumVerifiable, tcp);
  } else if (protocol === IPPROTO_ICMP && ip.version === 4) {
    frame.icmp = decodeIcmpError(4, view, ip.src);
  } else if (protocol === IPPROTO_ICMPV6 && ip.version === 6) {
    frame.icmp = decodeIcmpError(6, view, ip.src);
  }
}

/**
 * The addresses of an IPv4 TCP datagram from its reassembly key (handleFragment's), or null for
 * another protocol or IPv6 (whose key does not name the protocol after its extension headers).
 */
export function tcpDatagramOfKey(key: string): { src: string; dst: string } | null {
  const [version, src, dst, protocol] = key.split(' ');
  return version === '4' && protocol === '6' ? { src, dst } : null;
}
