/**
 * Link layer: which header the capture's LINKTYPE says is in front, how long it is, and which
 * network protocol follows. Only the link header's own bytes are read here.
 */

import type { LinkHeader, VlanTag } from './types.js';
import { macToString } from './addr.js';
import {
  ETHERNET,
  ETHERNET_HEADER_LENGTH,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  ETHERTYPE_QINQ,
  ETHERTYPE_QINQ_OLD,
  ETHERTYPE_VLAN,
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
  LINKTYPE_RAW_12,
  LINKTYPE_RAW_14,
  NULL_HEADER_LENGTH,
  NULL_FAMILY_INET,
  NULL_FAMILY_INET6,
  SLL,
  SLL2,
  SLL2_HEADER_LENGTH,
  SLL_HEADER_LENGTH,
  VLAN,
  VLAN_TAG_LENGTH,
  read16,
  readField,
} from './fields.js';

/** Stacked tags beyond this are not a real network; stop rather than walk a long run of 0x8100s. */
export const MAX_VLAN_TAGS = 8;

/** BSD address families for IPv4 and IPv6 in a null/loopback header (all BSDs and macOS). */

function isTagType(t: number): boolean {
  return t === ETHERTYPE_VLAN || t === ETHERTYPE_QINQ || t === ETHERTYPE_QINQ_OLD;
}

/**
 * Walk 802.1Q/802.1ad tags starting at `off`, where `type` is the type field just read.
 * Fills `link.vlans`, `link.etherType` and `link.headerLength`. A tag cut by the snapshot length
 * leaves headerLength past the captured bytes (the frame decoder reports that as truncated).
 */
function walkTags(link: LinkHeader, b: Uint8Array, off: number, type: number): void {
  let tags: VlanTag[] | undefined;
  while (isTagType(type)) {
    if (tags !== undefined && tags.length >= MAX_VLAN_TAGS) break;
    if (off + VLAN_TAG_LENGTH > b.length) {
      off += VLAN_TAG_LENGTH;
      break;
    }
    const tag: VlanTag = {
      tpid: type,
      pcp: readField(b, off, VLAN.pcp),
      dei: readField(b, off, VLAN.dei),
      id: readField(b, off, VLAN.id),
    };
    (tags ??= []).push(tag);
    type = readField(b, off, VLAN.type);
    off += VLAN_TAG_LENGTH;
  }
  if (tags !== undefined) link.vlans = tags;
  link.etherType = type;
  link.headerLength = off;
}

/**
 * The analysis pass's Ethernet header (FrameScratch in frame.ts), filled again for every frame. Its
 * addresses are formatted when first read, from the frame's bytes: only a connection's first packet
 * and a new pair of hosts ask for the source, nobody for the destination, and formatting both on
 * every packet was a twentieth of the analysis of a bulk capture (big.pcapng: 30 of 640 ms). Read
 * them during the record's call, as a TCP header's options.
 */
export class EthernetScratch implements LinkHeader {
  readonly kind = 'ethernet';
  readonly linkType = LINKTYPE_ETHERNET;
  headerLength = ETHERNET_HEADER_LENGTH;
  etherType: number | undefined = undefined;
  vlans: VlanTag[] | undefined = undefined;
  #bytes: Uint8Array | null = null;
  #src: string | undefined = undefined;
  #dst: string | undefined = undefined;

  /** A frame's bytes (null: shorter than an Ethernet header, so no addresses). */
  reset(bytes: Uint8Array | null): void {
    this.#bytes = bytes;
    this.#src = this.#dst = undefined;
    this.headerLength = ETHERNET_HEADER_LENGTH;
    this.etherType = this.vlans = undefined;
  }

  get src(): string | undefined {
    if (this.#src === undefined && this.#bytes !== null) this.#src = macToString(this.#bytes, ETHERNET.src.offset);
    return this.#src;
  }

  get dst(): string | undefined {
    if (this.#dst === undefined && this.#bytes !== null) this.#dst = macToString(this.#bytes, ETHERNET.dst.offset);
    return this.#dst;
  }
}

/**
 * The link header of one frame. `headerLength` may exceed `b.length` when the frame is cut.
 * `ethernet`: the analysis pass's header to fill instead of a new one, for an Ethernet frame.
 */
export function decodeLink(linkType: number, b: Uint8Array, ethernet?: EthernetScratch): LinkHeader {
  switch (linkType) {
    case LINKTYPE_ETHERNET: {
      const short = b.length < ETHERNET_HEADER_LENGTH;
      if (ethernet !== undefined) {
        ethernet.reset(short ? null : b);
        if (!short) walkTags(ethernet, b, ETHERNET_HEADER_LENGTH, read16(b, 0, ETHERNET.type));
        return ethernet;
      }
      const link: LinkHeader = { kind: 'ethernet', linkType: LINKTYPE_ETHERNET, headerLength: ETHERNET_HEADER_LENGTH, src: undefined, dst: undefined, etherType: undefined, vlans: undefined };
      if (short) return link;
      link.dst = macToString(b, ETHERNET.dst.offset);
      link.src = macToString(b, ETHERNET.src.offset);
      walkTags(link, b, ETHERNET_HEADER_LENGTH, read16(b, 0, ETHERNET.type));
      return link;
    }
    case LINKTYPE_LINUX_SLL: {
      const link: LinkHeader = { kind: 'sll', linkType, headerLength: SLL_HEADER_LENGTH };
      if (b.length < SLL_HEADER_LENGTH) return link;
      link.packetType = readField(b, 0, SLL.packetType);
      link.arphrdType = readField(b, 0, SLL.arphrdType);
      link.addrLength = readField(b, 0, SLL.addrLength);
      if (link.addrLength === 6) link.src = macToString(b, SLL.addr.offset);
      walkTags(link, b, SLL_HEADER_LENGTH, readField(b, 0, SLL.protocol));
      return link;
    }
    case LINKTYPE_LINUX_SLL2: {
      const link: LinkHeader = { kind: 'sll2', linkType, headerLength: SLL2_HEADER_LENGTH };
      if (b.length < SLL2_HEADER_LENGTH) return link;
      link.interfaceIndex = readField(b, 0, SLL2.interfaceIndex);
      link.arphrdType = readField(b, 0, SLL2.arphrdType);
      link.packetType = readField(b, 0, SLL2.packetType);
      link.addrLength = readField(b, 0, SLL2.addrLength);
      if (link.addrLength === 6) link.src = macToString(b, SLL2.addr.offset);
      walkTags(link, b, SLL2_HEADER_LENGTH, readField(b, 0, SLL2.protocol));
      return link;
    }
    case LINKTYPE_RAW_12:
    case LINKTYPE_RAW_14:
    case LINKTYPE_RAW:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
      return { kind: 'raw', linkType, headerLength: 0 };
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP: {
      const link: LinkHeader = { kind: 'null', linkType, headerLength: NULL_HEADER_LENGTH };
      if (b.length < NULL_HEADER_LENGTH) return link;
      const be = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
      if (linkType === LINKTYPE_LOOP) {
        link.family = be;
      } else {
        // Host byte order of the capturing machine, which the file does not record: a family is
        // small, so whichever reading keeps the upper 16 bits clear is the right one.
        const le = ((b[3] << 24) | (b[2] << 16) | (b[1] << 8) | b[0]) >>> 0;
        link.family = (le & 0xffff0000) === 0 ? le : be;
      }
      return link;
    }
    default:
      return { kind: 'unsupported', linkType, headerLength: 0 };
  }
}

/** 4 or 6 when an IP header follows the link header, else 0. */
export function networkVersion(link: LinkHeader, b: Uint8Array): 0 | 4 | 6 {
  switch (link.kind) {
    case 'ethernet':
    case 'sll':
    case 'sll2':
      return link.etherType === ETHERTYPE_IPV4 ? 4 : link.etherType === ETHERTYPE_IPV6 ? 6 : 0;
    case 'null':
      if (link.family === NULL_FAMILY_INET) return 4;
      return link.family !== undefined && NULL_FAMILY_INET6.includes(link.family) ? 6 : 0;
    case 'raw': {
      if (link.linkType === LINKTYPE_IPV4) return 4;
      if (link.linkType === LINKTYPE_IPV6) return 6;
      if (b.length < 1) return 0;
      const v = b[0] >> 4; // the version nibble decides
      return v === 4 ? 4 : v === 6 ? 6 : 0;
    }
    default:
      return 0;
  }
}

const LINKTYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'NULL (BSD loopback)',
  1: 'ETHERNET',
  12: 'RAW (IP)',
  14: 'RAW (IP)',
  101: 'RAW (IP)',
  105: 'IEEE802_11',
  108: 'LOOP (OpenBSD loopback)',
  113: 'LINUX_SLL',
  127: 'IEEE802_11_RADIOTAP',
  228: 'IPV4',
  229: 'IPV6',
  276: 'LINUX_SLL2',
};

/** A short name for a LINKTYPE_* value, for reports ("LINKTYPE_123" when unknown). */
export function linkTypeName(linkType: number): string {
  return LINKTYPE_NAMES[linkType] ?? `LINKTYPE_${linkType}`;
}
