/**
 * Decoder contract: a CaptureRecord's bytes in, plain header records out.
 * Field names follow tshark's where one exists so tests can compare them one to one.
 * A checksum is a status, never a reason to drop. Truncated (snaplen) is not malformed.
 */

import type { DecodeProblem } from '../warnings/catalog.js';

export type ChecksumStatus = 'ok' | 'bad' | 'unverifiable';

export interface VlanTag {
  tpid: number; // 0x8100 or 0x88a8
  pcp: number;
  dei: number;
  id: number;
}

export interface LinkHeader {
  kind: 'ethernet' | 'sll' | 'sll2' | 'raw' | 'null' | 'unsupported';
  linkType: number;
  /** Ethernet */
  src?: string; // "aa:bb:cc:dd:ee:ff"
  dst?: string;
  etherType?: number; // after VLAN tags
  vlans?: VlanTag[];
  /** SLL/SLL2 */
  packetType?: number;
  arphrdType?: number;
  addrLength?: number;
  interfaceIndex?: number;
  /** BSD null/loopback: the address family (2 AF_INET; 24, 28, 30 AF_INET6), byte order resolved. */
  family?: number;
  /** Bytes of FCS at the end of the frame, when known to be present. */
  fcsLength?: number;
  headerLength: number;
}

export interface Ipv4Header {
  version: 4;
  headerLength: number; // bytes (IHL*4)
  dsfield: number;
  totalLength: number;
  id: number;
  flags: number; // 3 bits: reserved, DF, MF
  fragOffset: number; // in bytes (tshark's ip.frag_offset is in bytes)
  ttl: number;
  protocol: number;
  checksum: number;
  checksumStatus: ChecksumStatus;
  /** What the checksum should be, when bad. */
  checksumExpected?: number;
  src: string;
  dst: string;
  options: Uint8Array;
}

export interface Ipv6ExtHeader {
  type: number; // next-header value that introduced it (0 hop-by-hop, 43 routing, 44 fragment, 60 dstopts)
  length: number; // bytes
}

export interface Ipv6Header {
  version: 6;
  trafficClass: number;
  flowLabel: number;
  payloadLength: number;
  nextHeader: number; // of the fixed header
  hopLimit: number;
  src: string; // RFC 5952 compressed form, as tshark prints it
  dst: string;
  extensions: Ipv6ExtHeader[];
  /** Upper-layer protocol after the extension chain. */
  protocol: number;
  /** Fragment header, if any. */
  fragment?: { offset: number; more: boolean; id: number };
}

export type IpHeader = Ipv4Header | Ipv6Header;

export type TcpOption =
  | { kind: 0; name: 'eol' }
  | { kind: 1; name: 'nop' }
  | { kind: 2; name: 'mss'; mss: number }
  | { kind: 3; name: 'wscale'; shift: number }
  | { kind: 4; name: 'sack-permitted' }
  | { kind: 5; name: 'sack'; blocks: Array<[number, number]> }
  /** `tsecr` null: the capture's snapshot length cut the option after its TSval. */
  | { kind: 8; name: 'timestamp'; tsval: number; tsecr: number | null }
  | { kind: number; name: 'unknown'; length: number; data: Uint8Array }
  | { kind: number; name: 'malformed'; reason: string };

export interface TcpHeader {
  srcPort: number;
  dstPort: number;
  seq: number; // raw 32-bit
  ack: number; // raw 32-bit
  headerLength: number; // bytes
  /** 12 bits: reserved(3) + NS/AE + CWR ECE URG ACK PSH RST SYN FIN, as tshark's tcp.flags. */
  flags: number;
  window: number; // raw (unscaled)
  checksum: number;
  checksumStatus: ChecksumStatus;
  checksumExpected?: number;
  urgentPointer: number;
  options: TcpOption[];
  /** Payload length on the wire (from IP lengths), may exceed payload.length when truncated. */
  payloadLength: number;
}

export const TCP_FIN = 0x001;
export const TCP_SYN = 0x002;
export const TCP_RST = 0x004;
export const TCP_PSH = 0x008;
export const TCP_ACK = 0x010;
export const TCP_URG = 0x020;
export const TCP_ECE = 0x040;
export const TCP_CWR = 0x080;

/** An ICMP/ICMPv6 destination-unreachable (or time-exceeded) quoting a TCP header. */
export interface IcmpError {
  family: 4 | 6;
  type: number;
  code: number;
  /** Who sent the ICMP message. */
  reporter: string;
  /** The quoted packet's addresses and ports (the original sender is `src`). */
  quoted: { src: string; dst: string; srcPort: number; dstPort: number; seq?: number };
}

/**
 * One tunnel a frame's packet came through, outermost first (see tunnel.ts): the outer IP header
 * and the tunnel's own header. Offsets are into the frame's bytes.
 */
export interface TunnelLayer {
  kind: 'gre' | 'vxlan' | 'ipip';
  /** The outer IP header that carried the tunnel, and where it starts. */
  ip: IpHeader;
  ipOffset: number;
  /** The tunnel's headers (GRE with its optional words and any ERSPAN header; UDP + VXLAN; none for IP-in-IP). */
  offset: number;
  length: number;
  gre?: { flags: number; protocol: number; checksum?: number; key?: number; sequence?: number };
  udp?: { srcPort: number; dstPort: number };
  vxlan?: { flags: number; vni: number };
  /** The inner Ethernet header (VXLAN, GRE transparent bridging, ERSPAN), offsets relative to its start. */
  link?: LinkHeader;
  /** Where the inner IP header starts. */
  innerOffset: number;
}

export interface DecodedFrame {
  frame: number;
  time: number;
  tsSec: number;
  tsNsec: number;
  capturedLength: number;
  originalLength: number;
  link: LinkHeader;
  /**
   * The IP header the analysis reads: the innermost one when the packet came through tunnels,
   * which are then listed in `tunnels`, outermost first (absent without a tunnel).
   */
  ip?: IpHeader;
  tunnels?: TunnelLayer[];
  tcp?: TcpHeader;
  icmp?: IcmpError;
  /** TCP payload bytes actually captured (a view bounded by the IP length: no Ethernet padding). */
  payload: Uint8Array;
  /** True when the frame was cut by the snapshot length before the end of what it carried. */
  truncated: boolean;
  /**
   * Decoding problems as values: a code of the catalog's DECODE_PROBLEMS and its facts; the catalog
   * gives the kind (malformed, fragment, offload) and the sentence (`problemText`). A snapshot-length
   * cut is not a problem: it only sets `truncated`. Empty when clean.
   */
  problems: DecodeProblem[];
  /**
   * IP fragmentation on this frame; absent for an unfragmented packet.
   * 'held': stored for reassembly, nothing above IP is decoded on this frame.
   * 'reassembled': this frame completed a datagram; tcp/icmp/payload come from the reassembled bytes.
   * 'unreassembled': not reassembled (no defragmenter, or the datagram was dropped): a first
   * fragment still yields its TCP header (checksum unverifiable), later fragments yield nothing.
   */
  fragment?: 'held' | 'reassembled' | 'unreassembled';
  /** For 'reassembled': the frames whose fragments made the datagram, in arrival order (the first 1024 of them). */
  fragmentFrames?: number[];
  /** For 'reassembled': how many fragments made it (repeats counted). */
  fragmentCount?: number;
}
