/**
 * The header part of the EtherPeek-style dump: every field of the link, IP, TCP and ICMP headers,
 * read from the frame's bytes through the decoders' own field tables (src/decode/fields.ts), so
 * the dump cannot disagree with the decoders about where a field is or how it is scaled. Each
 * line that shows a field keeps the field's tshark name and value, which is what the tests hold
 * against tshark's view of the same frames.
 */
import {
  ETHERTYPE_ERSPAN2,
  ETHERTYPE_ERSPAN3,
  ETHERTYPE_TEB,
  GRE_FIELDS,
  GRE_MIN_HEADER_LENGTH,
  IPPROTO_IPV6,
  UDP_FIELDS,
  UDP_HEADER_LENGTH,
  VXLAN_FIELDS,
  ETHERNET,
  ETHERNET_FIELDS,
  ETHERNET_HEADER_LENGTH,
  ETHERTYPE_QINQ,
  ETHERTYPE_QINQ_OLD,
  ETHERTYPE_VLAN,
  ICMP,
  ICMP_FIELDS,
  ICMP_HEADER_LENGTH,
  IPPROTO_FRAGMENT,
  IPV4_FIELDS,
  IPV4_FLAG_DF,
  IPV4_FLAG_MF,
  IPV4_FLAG_RESERVED,
  IPV4_MIN_HEADER_LENGTH,
  IPV6_EXT_FIELDS,
  IPV6_EXT_MIN_LENGTH,
  IPV6_FIELDS,
  IPV6_FRAGMENT_FIELDS,
  IPV6_HEADER_LENGTH,
  NULL_FAMILY_INET,
  NULL_FAMILY_INET6,
  NULL_FIELDS,
  SLL,
  SLL2,
  SLL2_FIELDS,
  SLL2_HEADER_LENGTH,
  SLL_FIELDS,
  SLL_HEADER_LENGTH,
  TCP,
  TCP_FIELDS,
  TCP_MIN_HEADER_LENGTH,
  TCP_OPTION,
  TCP_OPTION_LENGTH,
  VLAN,
  VLAN_FIELDS,
  VLAN_TAG_LENGTH,
  bitsOf,
  readField,
  type FieldDef,
} from '../decode/fields.js';
import { formatIpv6, ipv4ToString, macToString } from '../decode/addr.js';
import { TCP_ACK, TCP_URG, type ChecksumStatus, type DecodedFrame, type IpHeader, type LinkHeader, type TcpOption, type TunnelLayer } from '../decode/types.js';
import { icmpName, portWithName } from './teach-text.js';

/** One line of a packet's box. */
export interface DumpLine {
  /** 0: a header's title; 1: "Label: value"; 2: a line under the value column (bits, options). */
  level: 0 | 1 | 2;
  label?: string;
  text: string;
  /** What ftpcap computed about the value, printed as "[derived: …]" after it. */
  derived?: string;
  /** The whole line is computed, not captured: printed with a leading "[derived]". */
  derivedLine?: boolean;
  /** The fields this line shows: tshark's name and the value in tshark's units (bytes for lengths). */
  fields?: ShownField[];
}

export interface ShownField {
  tshark: string;
  value: number | string;
}

export function hexValue(v: number, bits: number): string {
  return `0x${v.toString(16).padStart(Math.max(1, Math.ceil(bits / 4)), '0')}`;
}

/**
 * A bit diagram of `count` bits starting `bit` bits below the top of a `width`-bit field: the
 * bits' values where they are, '.' elsewhere, a space every four bits from the left.
 * bitPicture(0x018, 12, 4, 1) = ".... ...1 ....".
 */
export function bitPicture(value: number, width: number, bit: number, count = 1): string {
  let s = '';
  for (let i = 0; i < width; i++) {
    if (i > 0 && i % 4 === 0) s += ' ';
    const pos = width - 1 - i; // bit number, 0 = least significant
    s += pos <= width - 1 - bit && pos > width - 1 - bit - count ? String((value >>> pos) & 1) : '.';
  }
  return s;
}

/** "...1 .... Acknowledgment (ACK)" or "..0. .... (No Urgent)" for one flag bit. */
export function flagBitLine(value: number, width: number, bit: number, name: string): DumpLine {
  const set = ((value >>> (width - 1 - bit)) & 1) === 1;
  return { level: 2, text: `${bitPicture(value, width, bit)} ${set ? name : `(No ${name})`}` };
}

/** EtherPeek's names: a set flag reads "Ack", a clear one "(No Urgent pointer)". */
const TCP_FLAG_NAMES = ['Accurate ECN', 'Congestion Window Reduced', 'ECN-Echo', 'Urgent pointer', 'Ack', 'Push', 'Reset', 'SYN', 'FIN'];

/** The TCP flags field (12 bits): three reserved bits, then one line per flag. */
export function tcpFlagLines(flags: number): DumpLine[] {
  const width = bitsOf(TCP.flags);
  const reserved = width - TCP_FLAG_NAMES.length;
  const lines: DumpLine[] = [{ level: 2, text: `${bitPicture(flags, width, 0, reserved)} Reserved` }];
  TCP_FLAG_NAMES.forEach((name, i) => lines.push(flagBitLine(flags, width, reserved + i, name)));
  return lines;
}

/** "ACK+PSH" style short list of the set flags, for the Flags line itself. */
function setFlagNames(flags: number): string {
  const short = ['AE', 'CWR', 'ECE', 'URG', 'ACK', 'PSH', 'RST', 'SYN', 'FIN'];
  const out = short.filter((_, i) => ((flags >>> (8 - i)) & 1) === 1);
  return out.length ? out.join(', ') : 'none';
}

/** One line per TCP option, as the decoder parsed them. */
export function tcpOptionLines(options: readonly TcpOption[]): DumpLine[] {
  const seen = new Set<string>();
  const first = (name: string): boolean => !seen.has(name) && (seen.add(name), true);
  return options.map((o): DumpLine => {
    switch (o.name) {
      case 'eol':
        return { level: 2, text: 'End of Option List' };
      case 'nop':
        return { level: 2, text: 'No-Operation' };
      case 'mss': {
        const line: DumpLine = { level: 2, text: `Maximum Segment Size, length ${TCP_OPTION_LENGTH[TCP_OPTION.MSS]}: ${o.mss}` };
        if (first('mss')) line.fields = [{ tshark: 'tcp.options.mss_val', value: o.mss }];
        return line;
      }
      case 'wscale': {
        const line: DumpLine = {
          level: 2,
          text: `Window Scale, length ${TCP_OPTION_LENGTH[TCP_OPTION.WSCALE]}: shift ${o.shift}`,
          derived: `×${2 ** o.shift}`,
        };
        if (first('wscale')) line.fields = [{ tshark: 'tcp.options.wscale.shift', value: o.shift }];
        return line;
      }
      case 'sack-permitted': {
        const line: DumpLine = { level: 2, text: `SACK Permitted, length ${TCP_OPTION_LENGTH[TCP_OPTION.SACK_PERMITTED]}` };
        if (first('sack_perm')) line.fields = [{ tshark: 'tcp.options.sack_perm', value: 'present' }];
        return line;
      }
      case 'sack':
        return {
          level: 2,
          text: `SACK, length ${2 + 8 * o.blocks.length}: ${o.blocks.map(([l, r]) => `${l}-${r}`).join(' ')}`,
        };
      case 'timestamp': {
        const line: DumpLine = { level: 2, text: `Timestamps, length ${TCP_OPTION_LENGTH[TCP_OPTION.TIMESTAMP]}: TSval ${o.tsval}, TSecr ${o.tsecr ?? '(not captured)'}` };
        if (first('ts')) {
          line.fields = [{ tshark: 'tcp.options.timestamp.tsval', value: o.tsval }];
          if (o.tsecr !== null) line.fields.push({ tshark: 'tcp.options.timestamp.tsecr', value: o.tsecr });
        }
        return line;
      }
      case 'unknown':
        return {
          level: 2,
          text: `Option ${o.kind}, length ${o.length}: ${[...o.data].map((b) => b.toString(16).padStart(2, '0')).join('')}`,
        };
      case 'malformed':
        return { level: 2, text: `Malformed option ${o.kind}: ${o.reason}` };
    }
  });
}

// ---- reading a field through its table ----------------------------------------------------------

function bytesText(b: Uint8Array, start: number, n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n && start + i < b.length; i++) out.push(b[start + i].toString(16).padStart(2, '0'));
  return out.join(':');
}

/** The field's value as the decoder reads it, and as printed. */
export function fieldValue(b: Uint8Array, base: number, f: FieldDef): { value: number | string; text: string } {
  switch (f.format) {
    case 'mac': {
      const v = macToString(b, base + f.offset);
      return { value: v, text: v };
    }
    case 'ipv4': {
      const v = ipv4ToString(b, base + f.offset);
      return { value: v, text: v };
    }
    case 'ipv6': {
      const v = formatIpv6(b, base + f.offset);
      return { value: v, text: v };
    }
    case 'bytes': {
      const v = bytesText(b, base + f.offset, f.size);
      return { value: v, text: v };
    }
    case 'hex': {
      const v = readField(b, base, f);
      return { value: v, text: hexValue(v, bitsOf(f)) };
    }
    case 'dec': {
      const v = readField(b, base, f);
      const scale = f.scale ?? 1;
      return { value: v, text: scale === 1 ? String(v) : `${v / scale} (${v} bytes)` };
    }
  }
}

function fieldLine(b: Uint8Array, base: number, f: FieldDef, extra?: { text?: string; derived?: string; tshark?: string | null }): DumpLine {
  const { value, text } = fieldValue(b, base, f);
  const line: DumpLine = { level: 1, label: f.label, text: extra?.text !== undefined ? `${text}  ${extra.text}` : text };
  if (extra?.derived !== undefined) line.derived = extra.derived;
  const tshark = extra?.tshark === null ? undefined : (extra?.tshark ?? f.tshark);
  if (tshark !== undefined) line.fields = [{ tshark, value }];
  return line;
}

// ---- names ---------------------------------------------------------------------------------------

const ETHERTYPES: Readonly<Record<number, string>> = {
  0x0800: 'IPv4',
  0x0806: 'ARP',
  0x86dd: 'IPv6',
  0x8100: '802.1Q VLAN tag',
  0x88a8: '802.1ad service VLAN tag',
  0x9100: '802.1Q-in-Q VLAN tag',
};

export function etherTypeName(t: number): string {
  return ETHERTYPES[t] ?? 'unknown';
}

const IP_PROTOCOLS: Readonly<Record<number, string>> = {
  0: 'Hop-by-Hop Options',
  1: 'ICMP - Internet Control Message Protocol',
  6: 'TCP - Transmission Control Protocol',
  17: 'UDP - User Datagram Protocol',
  43: 'Routing header',
  44: 'Fragment header',
  50: 'ESP',
  51: 'AH',
  58: 'ICMPv6',
  59: 'No next header',
  60: 'Destination Options',
};

export function ipProtocolName(p: number): string {
  return IP_PROTOCOLS[p] ?? 'unknown';
}

const SLL_PACKET_TYPES = ['to us', 'broadcast', 'multicast', 'to another host', 'sent by us'];

/** tshark's checksum status values: 0 bad, 1 good, 2 unverified. */
const CHECKSUM_STATUS: Record<ChecksumStatus, number> = { bad: 0, ok: 1, unverifiable: 2 };

function checksumText(status: ChecksumStatus, expected: number | undefined, bits: number, why: string): { text: string; derived?: string } {
  if (status === 'ok') return { text: '(correct)' };
  if (status === 'bad') return { text: '(incorrect)', derived: `should be ${hexValue(expected ?? 0, bits)}` };
  return { text: `(not verified: ${why})` };
}

// ---- headers -------------------------------------------------------------------------------------

/** Link-layer header lines (with 802.1Q / 802.1ad tags). */
export function linkLines(f: DecodedFrame, b: Uint8Array): DumpLine[] {
  return linkHeaderLines(f.link, b, 0);
}

/** The lines of one link header starting at b[base] (base > 0: an Ethernet frame inside a tunnel). */
function linkHeaderLines(link: LinkHeader, b: Uint8Array, base: number): DumpLine[] {
  const out: DumpLine[] = [];
  const vlanTags = (start: number, firstType: number): void => {
    let off = start;
    let tpid = firstType;
    let reported = false;
    for (const tag of link.vlans ?? []) {
      void tag;
      if (off + VLAN_TAG_LENGTH > b.length) break;
      const q = tpid !== ETHERTYPE_QINQ;
      out.push({ level: 0, text: `${etherTypeName(tpid)} (TPID ${hexValue(tpid, 16)})` });
      for (const fd of VLAN_FIELDS) {
        // tshark's vlan.* fields belong to the first 802.1Q tag; an 802.1ad tag is another protocol.
        const tshark = q && !reported ? undefined : null;
        const extra = fd.name === 'type' ? { text: etherTypeName(readField(b, off, fd)), tshark } : { tshark };
        out.push(fieldLine(b, off, fd, extra));
      }
      if (q) reported = true;
      tpid = readField(b, off, VLAN.type);
      off += VLAN_TAG_LENGTH;
    }
  };
  switch (link.kind) {
    case 'ethernet': {
      out.push({ level: 0, text: base > 0 ? 'Ethernet II Header (inside the tunnel)' : 'Ethernet II Header' });
      for (const fd of ETHERNET_FIELDS) {
        out.push(fieldLine(b, base, fd, fd.name === 'type' ? { text: etherTypeName(readField(b, base, fd)) } : undefined));
      }
      const t = readField(b, base, ETHERNET.type);
      if (t === ETHERTYPE_VLAN || t === ETHERTYPE_QINQ || t === ETHERTYPE_QINQ_OLD) vlanTags(base + ETHERNET_HEADER_LENGTH, t);
      break;
    }
    case 'sll':
    case 'sll2': {
      const [fields, protocol, headerLength] = link.kind === 'sll' ? [SLL_FIELDS, SLL.protocol, SLL_HEADER_LENGTH] : [SLL2_FIELDS, SLL2.protocol, SLL2_HEADER_LENGTH];
      out.push({ level: 0, text: `Linux cooked capture ${link.kind === 'sll' ? 'v1 (SLL)' : 'v2 (SLL2)'}` });
      for (const fd of fields) {
        if (fd.name === 'addr') {
          const n = Math.min(link.addrLength ?? 0, fd.size);
          const start = fd.offset;
          const text = n === 6 ? macToString(b, start) : bytesText(b, start, n) || '(none)';
          out.push({ level: 1, label: fd.label, text });
          continue;
        }
        const v = readField(b, 0, fd);
        let extra: { text?: string } | undefined;
        if (fd.name === 'protocol') extra = { text: etherTypeName(v) };
        else if (fd.name === 'packetType') extra = { text: SLL_PACKET_TYPES[v] ?? 'unknown' };
        else if (fd.name === 'arphrdType') extra = { text: v === 1 ? 'Ethernet' : v === 772 ? 'loopback' : 'other' };
        out.push(fieldLine(b, 0, fd, extra));
      }
      const t = readField(b, 0, protocol);
      if (t === ETHERTYPE_VLAN || t === ETHERTYPE_QINQ || t === ETHERTYPE_QINQ_OLD) vlanTags(headerLength, t);
      break;
    }
    case 'null': {
      out.push({ level: 0, text: 'BSD loopback header' });
      out.push({
        level: 1,
        label: NULL_FIELDS[0].label,
        text: `${link.family ?? '?'}  ${link.family === NULL_FAMILY_INET ? 'IPv4' : NULL_FAMILY_INET6.includes(link.family ?? -1) ? 'IPv6' : 'unknown'}`,
        fields: [{ tshark: 'null.family', value: link.family ?? '' }],
      });
      break;
    }
    case 'raw':
      out.push({ level: 0, text: 'Raw IP (no link-layer header)' });
      break;
    case 'unsupported':
      out.push({ level: 0, text: `Link type ${link.linkType}: not decoded by ftpcap` });
      break;
  }
  if (base === 0 && link.fcsLength !== undefined && link.fcsLength > 0 && b.length >= link.fcsLength) {
    out.push({ level: 1, label: 'Frame check sequence', text: `0x${bytesText(b, b.length - link.fcsLength, link.fcsLength).replace(/:/g, '')}` });
  }
  return out;
}

/** IPv4 or IPv6 header lines (with IPv6 extension headers). `off` is where the header starts. */
export function ipLines(ip: IpHeader, b: Uint8Array, off: number): DumpLine[] {
  const out: DumpLine[] = [];
  if (ip.version === 4) {
    out.push({ level: 0, text: 'IP Header - Internet Protocol Datagram' });
    for (const fd of IPV4_FIELDS) {
      if (off + fd.offset + fd.size > b.length) break;
      switch (fd.name) {
        case 'dsfield': {
          const v = readField(b, off, fd);
          out.push(fieldLine(b, off, fd, { derived: `DSCP ${v >> 2}, ECN ${v & 3}` }));
          break;
        }
        case 'id': {
          out.push(fieldLine(b, off, fd, { text: `(${readField(b, off, fd)})` }));
          break;
        }
        case 'flags': {
          const v = readField(b, off, fd);
          out.push(fieldLine(b, off, fd));
          const w = bitsOf(fd);
          out.push({ level: 2, text: `${bitPicture(v, w, 0)} ${(v & IPV4_FLAG_RESERVED) !== 0 ? 'Reserved bit set' : '(Reserved bit clear)'}` });
          out.push({ level: 2, text: `${bitPicture(v, w, 1)} ${(v & IPV4_FLAG_DF) !== 0 ? "Don't fragment" : 'May fragment'}` });
          out.push({ level: 2, text: `${bitPicture(v, w, 2)} ${(v & IPV4_FLAG_MF) !== 0 ? 'More fragments' : 'Last fragment'}` });
          break;
        }
        case 'protocol':
          out.push(fieldLine(b, off, fd, { text: ipProtocolName(readField(b, off, fd)) }));
          break;
        case 'checksum': {
          const c = checksumText(ip.checksumStatus, ip.checksumExpected, 16, 'header cut by the snapshot length');
          const line = fieldLine(b, off, fd, { text: c.text, derived: c.derived });
          line.fields!.push({ tshark: 'ip.checksum.status', value: CHECKSUM_STATUS[ip.checksumStatus] });
          if (ip.checksumStatus === 'bad') line.fields!.push({ tshark: 'ip.checksum_calculated', value: ip.checksumExpected ?? 0 });
          out.push(line);
          break;
        }
        default:
          out.push(fieldLine(b, off, fd));
      }
    }
    const hl = ip.headerLength;
    const options = hl - IPV4_MIN_HEADER_LENGTH;
    out.push({ level: 1, label: 'Options', text: options > 0 ? `${options} bytes` : 'No IP Options' });
    return out;
  }
  out.push({ level: 0, text: 'IPv6 Header - Internet Protocol version 6' });
  for (const fd of IPV6_FIELDS) {
    if (off + fd.offset + fd.size > b.length) break;
    if (fd.name === 'nextHeader') out.push(fieldLine(b, off, fd, { text: ipProtocolName(readField(b, off, fd)) }));
    else if (fd.name === 'trafficClass') {
      const v = readField(b, off, fd);
      out.push(fieldLine(b, off, fd, { derived: `DSCP ${v >> 2}, ECN ${v & 3}` }));
    } else out.push(fieldLine(b, off, fd));
  }
  let p = off + IPV6_HEADER_LENGTH;
  for (const ext of ip.extensions) {
    if (p + IPV6_EXT_MIN_LENGTH > b.length) break;
    out.push({ level: 0, text: `IPv6 extension header: ${ipProtocolName(ext.type)} (${ext.length} bytes)` });
    const fields = ext.type === IPPROTO_FRAGMENT ? IPV6_FRAGMENT_FIELDS : IPV6_EXT_FIELDS;
    for (const fd of fields) {
      out.push(fieldLine(b, p, fd, fd.name === 'nextHeader' ? { text: ipProtocolName(readField(b, p, fd)) } : undefined));
    }
    p += ext.length;
  }
  return out;
}

/** Where `f.ip` (the innermost IP header, through any tunnel) starts in the frame's own bytes. */
export function ipOffset(f: DecodedFrame): number {
  return f.tunnels === undefined ? f.link.headerLength : f.tunnels[f.tunnels.length - 1].innerOffset;
}

/**
 * A tunnel's lines: its own header (GRE with the optional words its flags announce, or UDP and
 * VXLAN), then the Ethernet header inside it, if any. The outer IP header is shown before it.
 */
export function tunnelLines(t: TunnelLayer, b: Uint8Array): DumpLine[] {
  const out: DumpLine[] = [];
  const p = t.offset;
  if (t.kind === 'ipip') {
    out.push({ level: 0, text: `IP-in-IP: the ${t.ip.protocol === IPPROTO_IPV6 ? 'IPv6' : 'IPv4'} packet below is the outer one's payload` });
  } else if (t.kind === 'gre' && t.gre !== undefined) {
    const g = t.gre;
    out.push({ level: 0, text: 'GRE - Generic Routing Encapsulation' });
    for (const fd of GRE_FIELDS) {
      if (fd.name === 'protocol') out.push(fieldLine(b, p, fd, { text: g.protocol === ETHERTYPE_TEB ? 'Transparent Ethernet bridging' : g.protocol === ETHERTYPE_ERSPAN2 || g.protocol === ETHERTYPE_ERSPAN3 ? 'ERSPAN' : etherTypeName(g.protocol) }));
      else out.push(fieldLine(b, p, fd, fd.name === 'flags' ? { text: [g.checksum !== undefined ? 'checksum' : '', g.key !== undefined ? 'key' : '', g.sequence !== undefined ? 'sequence number' : ''].filter((x) => x !== '').join(', ') || 'no optional fields' } : undefined));
    }
    if (g.checksum !== undefined) out.push({ level: 1, label: 'Checksum', text: `${hexValue(g.checksum, 16)}  (not verified)`, fields: [{ tshark: 'gre.checksum', value: g.checksum }] });
    if (g.key !== undefined) out.push({ level: 1, label: 'Key', text: `${hexValue(g.key, 32)} (${g.key})`, fields: [{ tshark: 'gre.key', value: g.key }] });
    if (g.sequence !== undefined) out.push({ level: 1, label: 'Sequence number', text: String(g.sequence), fields: [{ tshark: 'gre.sequence_number', value: g.sequence }] });
    const erspan = t.length - (GRE_MIN_HEADER_LENGTH + 4 * [g.checksum, g.key, g.sequence].filter((x) => x !== undefined).length);
    if (erspan > 0) out.push({ level: 0, text: `ERSPAN header: ${erspan} bytes (not decoded further)` });
  } else if (t.kind === 'vxlan' && t.vxlan !== undefined) {
    out.push({ level: 0, text: 'UDP - User Datagram Protocol' });
    for (const fd of UDP_FIELDS) out.push(fieldLine(b, p, fd, fd.name === 'checksum' ? { text: '(not verified)' } : fd.name === 'dstPort' ? { text: 'VXLAN' } : undefined));
    out.push({ level: 0, text: 'VXLAN - Virtual eXtensible Local Area Network' });
    for (const fd of VXLAN_FIELDS) out.push(fieldLine(b, p + UDP_HEADER_LENGTH, fd));
  }
  if (t.link !== undefined) out.push(...linkHeaderLines(t.link, b, t.innerOffset - t.link.headerLength));
  return out;
}

/** Where the IP payload (TCP, ICMP) starts in the frame's own bytes. */
export function ipPayloadOffset(f: DecodedFrame): number {
  const ip = f.ip!;
  const off = ipOffset(f);
  if (ip.version === 4) return off + ip.headerLength;
  return off + IPV6_HEADER_LENGTH + ip.extensions.reduce((n, e) => n + e.length, 0);
}

export interface TcpContext {
  /** Service names or roles for the ports, e.g. "announced by PORT in frame 33". */
  portNote?(port: number): string | undefined;
  relSeq?: number;
  relAck?: number | null;
  windowShift?: number | null;
  /** The sender is a host whose every checksum is bad: it offloads them to its network card. */
  offload?: boolean;
}

/** TCP header lines read from b[base…]. */
export function tcpLines(f: DecodedFrame, b: Uint8Array, base: number, ctx: TcpContext = {}): DumpLine[] {
  const tcp = f.tcp!;
  const out: DumpLine[] = [{ level: 0, text: 'TCP - Transport Control Protocol' }];
  for (const fd of TCP_FIELDS) {
    const v = readField(b, base, fd);
    switch (fd.name) {
      case 'srcPort':
      case 'dstPort': {
        const named = portWithName(v);
        out.push(fieldLine(b, base, fd, { text: named === String(v) ? undefined : named.slice(String(v).length + 1), derived: ctx.portNote?.(v) }));
        break;
      }
      case 'seq':
        out.push(fieldLine(b, base, fd, { derived: ctx.relSeq !== undefined ? `relative ${ctx.relSeq}` : undefined }));
        break;
      case 'ack':
        out.push(
          fieldLine(b, base, fd, {
            text: (tcp.flags & TCP_ACK) === 0 ? '(not used: ACK flag clear)' : undefined,
            derived: ctx.relAck !== undefined && ctx.relAck !== null ? `relative ${ctx.relAck}` : undefined,
          }),
        );
        break;
      case 'headerLength':
        out.push(fieldLine(b, base, fd));
        break;
      case 'flags':
        out.push(fieldLine(b, base, fd, { text: setFlagNames(v) }));
        out.push(...tcpFlagLines(v));
        break;
      case 'window': {
        const shift = ctx.windowShift;
        out.push(fieldLine(b, base, fd, { derived: shift !== undefined && shift !== null && shift > 0 ? `×${2 ** shift} = ${v * 2 ** shift} bytes` : undefined }));
        break;
      }
      case 'checksum': {
        const c = checksumText(tcp.checksumStatus, tcp.checksumExpected, 16, f.truncated ? 'segment cut by the snapshot length' : 'a fragment of a datagram not reassembled');
        const text = tcp.checksumStatus === 'bad' && ctx.offload ? '(incorrect: the sender offloads checksums to its network card)' : c.text;
        const line = fieldLine(b, base, fd, { text, derived: c.derived });
        line.fields!.push({ tshark: 'tcp.checksum.status', value: CHECKSUM_STATUS[tcp.checksumStatus] });
        if (tcp.checksumStatus === 'bad') line.fields!.push({ tshark: 'tcp.checksum_calculated', value: tcp.checksumExpected ?? 0 });
        out.push(line);
        break;
      }
      case 'urgentPointer':
        out.push(fieldLine(b, base, fd, { text: (tcp.flags & TCP_URG) === 0 ? '(not used: URG flag clear)' : undefined }));
        break;
    }
  }
  if (tcp.options.length === 0) out.push({ level: 1, label: 'Options', text: 'No TCP Options' });
  else {
    out.push({ level: 1, label: 'Options', text: `${tcp.headerLength - TCP_MIN_HEADER_LENGTH} bytes` });
    out.push(...tcpOptionLines(tcp.options));
  }
  out.push({ level: 1, label: 'Payload length', text: `${tcp.payloadLength} bytes`, derived: 'IP length minus headers', fields: [{ tshark: 'tcp.len', value: tcp.payloadLength }] });
  return out;
}

/** ICMP / ICMPv6 header lines, with the quoted segment an error carries. */
export function icmpLines(f: DecodedFrame, b: Uint8Array, base: number): DumpLine[] {
  const family = f.ip!.version;
  const prefix = family === 4 ? 'icmp' : 'icmpv6';
  const out: DumpLine[] = [{ level: 0, text: family === 4 ? 'ICMP - Internet Control Message Protocol' : 'ICMPv6 - Internet Control Message Protocol for IPv6' }];
  if (base + ICMP_HEADER_LENGTH > b.length) return out;
  const type = readField(b, base, ICMP.type);
  const code = readField(b, base, ICMP.code);
  for (const fd of ICMP_FIELDS) {
    if (fd.name === 'type') out.push(fieldLine(b, base, fd, { tshark: `${prefix}.type` }));
    else if (fd.name === 'code') out.push(fieldLine(b, base, fd, { tshark: `${prefix}.code`, text: icmpName(family, type, code) }));
    else if (fd.name === 'checksum') out.push(fieldLine(b, base, fd, { text: '(not verified)' }));
    else out.push(fieldLine(b, base, fd));
  }
  const q = f.icmp?.quoted;
  if (q !== undefined) {
    out.push({ level: 1, label: 'Quoted packet', text: 'the start of the packet that could not be delivered' });
    out.push({ level: 2, text: `from ${q.src} port ${q.srcPort}`, fields: [{ tshark: 'tcp.srcport', value: q.srcPort }] });
    out.push({ level: 2, text: `to ${q.dst} port ${q.dstPort}`, fields: [{ tshark: 'tcp.dstport', value: q.dstPort }] });
    if (q.seq !== undefined) out.push({ level: 2, text: `TCP sequence number ${q.seq}`, fields: [{ tshark: 'tcp.seq_raw', value: q.seq }] });
  }
  return out;
}
