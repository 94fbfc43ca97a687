/**
 * Named offsets: one field table per header. The decoders read through these tables and the
 * EtherPeek-style header dump prints them, so the two cannot disagree about where a field is.
 * Minimum header lengths are derived from the tables, never written twice.
 *
 * A field is `size` bytes (1, 2, 4; big-endian) at `offset` from the header start, then
 * optionally `(value & mask) >>> shift`, then `* scale` (e.g. IHL is counted in 32-bit words).
 * Address and byte-string fields (`format` 'mac' | 'ipv4' | 'ipv6' | 'bytes') are not numbers:
 * `readField` is not for them; the decoders format them from `offset`/`size`.
 */

export type FieldFormat = 'dec' | 'hex' | 'mac' | 'ipv4' | 'ipv6' | 'bytes';

export interface FieldDef {
  readonly name: string;
  readonly offset: number;
  readonly size: number;
  readonly mask?: number;
  readonly shift?: number;
  readonly scale?: number;
  /** Bit width after masking (for the dump's bit diagram); defaults to size * 8. */
  readonly bits?: number;
  readonly format: FieldFormat;
  /** tshark's field name, when there is one with the same meaning and units. */
  readonly tshark?: string;
  readonly label: string;
}

type Table = readonly FieldDef[];
type NamesOf<T extends Table> = T[number]['name'];
export type FieldMap<T extends Table> = { readonly [K in NamesOf<T>]: FieldDef };

/**
 * A field with every property present, in one fixed order: readField then sees a single object
 * shape (monomorphic property access), and mask/shift/scale need no undefined checks.
 */
interface NormalField extends FieldDef {
  readonly mask: number;
  readonly shift: number;
  readonly scale: number;
  readonly bits: number;
}

function normalize(f: FieldDef): NormalField {
  return Object.freeze({
    name: f.name,
    offset: f.offset,
    size: f.size,
    mask: f.mask ?? -1, // all bits
    shift: f.shift ?? 0,
    scale: f.scale ?? 1,
    bits: bitsOf(f),
    format: f.format,
    tshark: f.tshark,
    label: f.label,
  });
}

/** Freeze a table, each field in the normal shape (the names and order stay as written). */
function table<const T extends Table>(fields: T): T {
  return Object.freeze(fields.map(normalize)) as unknown as T;
}

/** Index a table by field name (done once at module load; decoders then use constants). */
export function byName<T extends Table>(fields: T): FieldMap<T> {
  const out: Record<string, FieldDef> = {};
  for (const f of fields) out[f.name] = f;
  return Object.freeze(out) as FieldMap<T>;
}

/** A field's width in bits after masking (its whole size unless the table says less). */
export function bitsOf(f: FieldDef): number {
  return f.bits ?? f.size * 8;
}

/** Smallest number of bytes that holds every field of the table. */
export function minLength(table: Table): number {
  let n = 0;
  for (const f of table) n = Math.max(n, f.offset + f.size);
  return n;
}

/** Read a numeric field of a header starting at `base`. The caller has checked the length. */
export function readField(b: Uint8Array, base: number, f: FieldDef): number {
  const n = f as NormalField; // every table below is built by table(), so fields are normal
  const o = base + n.offset;
  let v: number;
  if (n.size === 1) v = b[o];
  else if (n.size === 2) v = (b[o] << 8) | b[o + 1];
  else v = (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];
  return ((v & n.mask) >>> n.shift) * n.scale;
}

/*
 * The same read for a field of a known size, for the per-packet decoders: a few bytecodes each, so
 * the compiler inlines every call and folds the (frozen, constant) field's offset, mask, shift and
 * scale into it; readField's size dispatch is too large to inline at twenty call sites. The caller
 * passes a field of that size (the tshark oracle tests compare every decoded field).
 */
export function read8(b: Uint8Array, base: number, f: FieldDef): number {
  const n = f as NormalField;
  return ((b[base + n.offset] & n.mask) >>> n.shift) * n.scale;
}

export function read16(b: Uint8Array, base: number, f: FieldDef): number {
  const n = f as NormalField;
  const o = base + n.offset;
  return ((((b[o] << 8) | b[o + 1]) & n.mask) >>> n.shift) * n.scale;
}

export function read32(b: Uint8Array, base: number, f: FieldDef): number {
  const n = f as NormalField;
  const o = base + n.offset;
  return ((((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) & n.mask) >>> n.shift) * n.scale;
}

// ---- Link layer -------------------------------------------------------------------------------

export const ETHERNET_FIELDS = table([
  { name: 'dst', offset: 0, size: 6, format: 'mac', tshark: 'eth.dst', label: 'Destination' },
  { name: 'src', offset: 6, size: 6, format: 'mac', tshark: 'eth.src', label: 'Source' },
  { name: 'type', offset: 12, size: 2, format: 'hex', tshark: 'eth.type', label: 'Type' },
] as const satisfies Table);
export const ETHERNET = byName(ETHERNET_FIELDS);
export const ETHERNET_HEADER_LENGTH = minLength(ETHERNET_FIELDS); // 14

/** One 802.1Q / 802.1ad tag, counted from the tag's TCI (the TPID is the preceding type field). */
export const VLAN_FIELDS = table([
  { name: 'pcp', offset: 0, size: 2, mask: 0xe000, shift: 13, bits: 3, format: 'dec', label: 'Priority' },
  { name: 'dei', offset: 0, size: 2, mask: 0x1000, shift: 12, bits: 1, format: 'dec', label: 'DEI' },
  { name: 'id', offset: 0, size: 2, mask: 0x0fff, bits: 12, format: 'dec', tshark: 'vlan.id', label: 'ID' },
  { name: 'type', offset: 2, size: 2, format: 'hex', tshark: 'vlan.etype', label: 'Type' },
] as const satisfies Table);
export const VLAN = byName(VLAN_FIELDS);
export const VLAN_TAG_LENGTH = minLength(VLAN_FIELDS); // 4

/** Linux cooked capture v1 (LINKTYPE_LINUX_SLL, 113). */
export const SLL_FIELDS = table([
  { name: 'packetType', offset: 0, size: 2, format: 'dec', tshark: 'sll.pkttype', label: 'Packet type' },
  { name: 'arphrdType', offset: 2, size: 2, format: 'dec', tshark: 'sll.hatype', label: 'Link-layer address type' },
  { name: 'addrLength', offset: 4, size: 2, format: 'dec', tshark: 'sll.halen', label: 'Link-layer address length' },
  { name: 'addr', offset: 6, size: 8, format: 'bytes', tshark: 'sll.src.eth', label: 'Source' },
  { name: 'protocol', offset: 14, size: 2, format: 'hex', tshark: 'sll.etype', label: 'Protocol' },
] as const satisfies Table);
export const SLL = byName(SLL_FIELDS);
export const SLL_HEADER_LENGTH = minLength(SLL_FIELDS); // 16

/** Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, 276). */
export const SLL2_FIELDS = table([
  { name: 'protocol', offset: 0, size: 2, format: 'hex', tshark: 'sll.etype', label: 'Protocol' },
  { name: 'reserved', offset: 2, size: 2, format: 'hex', label: 'Reserved' },
  { name: 'interfaceIndex', offset: 4, size: 4, format: 'dec', tshark: 'sll.ifindex', label: 'Interface index' },
  { name: 'arphrdType', offset: 8, size: 2, format: 'dec', tshark: 'sll.hatype', label: 'Link-layer address type' },
  { name: 'packetType', offset: 10, size: 1, format: 'dec', tshark: 'sll.pkttype', label: 'Packet type' },
  { name: 'addrLength', offset: 11, size: 1, format: 'dec', tshark: 'sll.halen', label: 'Link-layer address length' },
  { name: 'addr', offset: 12, size: 8, format: 'bytes', tshark: 'sll.src.eth', label: 'Source' },
] as const satisfies Table);
export const SLL2 = byName(SLL2_FIELDS);
export const SLL2_HEADER_LENGTH = minLength(SLL2_FIELDS); // 20

/** BSD loopback (LINKTYPE_NULL 0: host byte order; LINKTYPE_LOOP 108: network byte order). */
export const NULL_FIELDS = table([
  { name: 'family', offset: 0, size: 4, format: 'dec', tshark: 'null.family', label: 'Family' },
] as const satisfies Table);
export const NULL_HEADER = byName(NULL_FIELDS);
export const NULL_HEADER_LENGTH = minLength(NULL_FIELDS); // 4
/** Address families in the loopback header: AF_INET everywhere; AF_INET6 differs by OS (BSDs, macOS). */
export const NULL_FAMILY_INET = 2;
export const NULL_FAMILY_INET6: readonly number[] = [24, 28, 30];

// ---- IPv4 -------------------------------------------------------------------------------------

export const IPV4_FIELDS = table([
  { name: 'version', offset: 0, size: 1, mask: 0xf0, shift: 4, bits: 4, format: 'dec', tshark: 'ip.version', label: 'Version' },
  { name: 'headerLength', offset: 0, size: 1, mask: 0x0f, scale: 4, bits: 4, format: 'dec', tshark: 'ip.hdr_len', label: 'Header length' },
  { name: 'dsfield', offset: 1, size: 1, format: 'hex', tshark: 'ip.dsfield', label: 'Differentiated services' },
  { name: 'totalLength', offset: 2, size: 2, format: 'dec', tshark: 'ip.len', label: 'Total length' },
  { name: 'id', offset: 4, size: 2, format: 'hex', tshark: 'ip.id', label: 'Identification' },
  { name: 'flags', offset: 6, size: 2, mask: 0xe000, shift: 13, bits: 3, format: 'hex', tshark: 'ip.flags', label: 'Flags' },
  { name: 'fragOffset', offset: 6, size: 2, mask: 0x1fff, scale: 8, bits: 13, format: 'dec', tshark: 'ip.frag_offset', label: 'Fragment offset' },
  { name: 'ttl', offset: 8, size: 1, format: 'dec', tshark: 'ip.ttl', label: 'Time to live' },
  { name: 'protocol', offset: 9, size: 1, format: 'dec', tshark: 'ip.proto', label: 'Protocol' },
  { name: 'checksum', offset: 10, size: 2, format: 'hex', tshark: 'ip.checksum', label: 'Header checksum' },
  { name: 'src', offset: 12, size: 4, format: 'ipv4', tshark: 'ip.src', label: 'Source' },
  { name: 'dst', offset: 16, size: 4, format: 'ipv4', tshark: 'ip.dst', label: 'Destination' },
] as const satisfies Table);
export const IPV4 = byName(IPV4_FIELDS);
export const IPV4_MIN_HEADER_LENGTH = minLength(IPV4_FIELDS); // 20
export const IPV4_FLAG_RESERVED = 0x4;
export const IPV4_FLAG_DF = 0x2;
export const IPV4_FLAG_MF = 0x1;

// ---- IPv6 -------------------------------------------------------------------------------------

export const IPV6_FIELDS = table([
  { name: 'version', offset: 0, size: 4, mask: 0xf0000000, shift: 28, bits: 4, format: 'dec', tshark: 'ipv6.version', label: 'Version' },
  { name: 'trafficClass', offset: 0, size: 4, mask: 0x0ff00000, shift: 20, bits: 8, format: 'hex', tshark: 'ipv6.tclass', label: 'Traffic class' },
  { name: 'flowLabel', offset: 0, size: 4, mask: 0x000fffff, bits: 20, format: 'hex', tshark: 'ipv6.flow', label: 'Flow label' },
  { name: 'payloadLength', offset: 4, size: 2, format: 'dec', tshark: 'ipv6.plen', label: 'Payload length' },
  { name: 'nextHeader', offset: 6, size: 1, format: 'dec', tshark: 'ipv6.nxt', label: 'Next header' },
  { name: 'hopLimit', offset: 7, size: 1, format: 'dec', tshark: 'ipv6.hlim', label: 'Hop limit' },
  { name: 'src', offset: 8, size: 16, format: 'ipv6', tshark: 'ipv6.src', label: 'Source' },
  { name: 'dst', offset: 24, size: 16, format: 'ipv6', tshark: 'ipv6.dst', label: 'Destination' },
] as const satisfies Table);
export const IPV6 = byName(IPV6_FIELDS);
export const IPV6_HEADER_LENGTH = minLength(IPV6_FIELDS); // 40

/** The two bytes every extension header (but the fragment header's length) starts with. */
export const IPV6_EXT_FIELDS = table([
  { name: 'nextHeader', offset: 0, size: 1, format: 'dec', label: 'Next header' },
  { name: 'length', offset: 1, size: 1, format: 'dec', label: 'Length' },
] as const satisfies Table);
export const IPV6_EXT = byName(IPV6_EXT_FIELDS);
export const IPV6_EXT_MIN_LENGTH = 8; // every extension header is a multiple of 8 octets

export const IPV6_FRAGMENT_FIELDS = table([
  { name: 'nextHeader', offset: 0, size: 1, format: 'dec', tshark: 'ipv6.fraghdr.nxt', label: 'Next header' },
  { name: 'reserved', offset: 1, size: 1, format: 'hex', label: 'Reserved' },
  { name: 'offset', offset: 2, size: 2, mask: 0xfff8, bits: 13, format: 'dec', tshark: 'ipv6.fraghdr.offset', label: 'Offset' },
  { name: 'more', offset: 2, size: 2, mask: 0x0001, bits: 1, format: 'dec', tshark: 'ipv6.fraghdr.more', label: 'More fragments' },
  { name: 'id', offset: 4, size: 4, format: 'hex', tshark: 'ipv6.fraghdr.ident', label: 'Identification' },
] as const satisfies Table);
export const IPV6_FRAGMENT = byName(IPV6_FRAGMENT_FIELDS);
export const IPV6_FRAGMENT_HEADER_LENGTH = minLength(IPV6_FRAGMENT_FIELDS); // 8

// ---- TCP --------------------------------------------------------------------------------------

export const TCP_FIELDS = table([
  { name: 'srcPort', offset: 0, size: 2, format: 'dec', tshark: 'tcp.srcport', label: 'Source port' },
  { name: 'dstPort', offset: 2, size: 2, format: 'dec', tshark: 'tcp.dstport', label: 'Destination port' },
  { name: 'seq', offset: 4, size: 4, format: 'dec', tshark: 'tcp.seq_raw', label: 'Sequence number' },
  { name: 'ack', offset: 8, size: 4, format: 'dec', tshark: 'tcp.ack_raw', label: 'Acknowledgment number' },
  { name: 'headerLength', offset: 12, size: 1, mask: 0xf0, shift: 4, scale: 4, bits: 4, format: 'dec', tshark: 'tcp.hdr_len', label: 'Header length' },
  { name: 'flags', offset: 12, size: 2, mask: 0x0fff, bits: 12, format: 'hex', tshark: 'tcp.flags', label: 'Flags' },
  { name: 'window', offset: 14, size: 2, format: 'dec', tshark: 'tcp.window_size_value', label: 'Window' },
  { name: 'checksum', offset: 16, size: 2, format: 'hex', tshark: 'tcp.checksum', label: 'Checksum' },
  { name: 'urgentPointer', offset: 18, size: 2, format: 'dec', tshark: 'tcp.urgent_pointer', label: 'Urgent pointer' },
] as const satisfies Table);
export const TCP = byName(TCP_FIELDS);
export const TCP_MIN_HEADER_LENGTH = minLength(TCP_FIELDS); // 20
export const TCP_MAX_HEADER_LENGTH = 60;

/** TCP option kinds and their fixed lengths (0 = variable). */
export const TCP_OPTION = {
  EOL: 0,
  NOP: 1,
  MSS: 2,
  WSCALE: 3,
  SACK_PERMITTED: 4,
  SACK: 5,
  TIMESTAMP: 8,
} as const;
export const TCP_OPTION_LENGTH: Readonly<Record<number, number>> = {
  [TCP_OPTION.MSS]: 4,
  [TCP_OPTION.WSCALE]: 3,
  [TCP_OPTION.SACK_PERMITTED]: 2,
  [TCP_OPTION.TIMESTAMP]: 10,
};

// ---- ICMP -------------------------------------------------------------------------------------

/** ICMPv4 and ICMPv6 share the first 8 bytes' layout; the invoking packet follows at offset 8. */
export const ICMP_FIELDS = table([
  { name: 'type', offset: 0, size: 1, format: 'dec', tshark: 'icmp.type', label: 'Type' },
  { name: 'code', offset: 1, size: 1, format: 'dec', tshark: 'icmp.code', label: 'Code' },
  { name: 'checksum', offset: 2, size: 2, format: 'hex', tshark: 'icmp.checksum', label: 'Checksum' },
  { name: 'rest', offset: 4, size: 4, format: 'hex', label: 'Rest of header' },
] as const satisfies Table);
export const ICMP = byName(ICMP_FIELDS);
export const ICMP_HEADER_LENGTH = minLength(ICMP_FIELDS); // 8

// ---- Tunnels (see tunnel.ts) --------------------------------------------------------------------

/** GRE (RFC 2784/2890). The optional checksum, key and sequence words follow in that order. */
export const GRE_FIELDS = table([
  { name: 'flags', offset: 0, size: 2, format: 'hex', tshark: 'gre.flags_and_version', label: 'Flags and version' },
  { name: 'version', offset: 0, size: 2, mask: 0x0007, bits: 3, format: 'dec', label: 'Version' },
  { name: 'protocol', offset: 2, size: 2, format: 'hex', tshark: 'gre.proto', label: 'Protocol type' },
] as const satisfies Table);
export const GRE = byName(GRE_FIELDS);
export const GRE_MIN_HEADER_LENGTH = minLength(GRE_FIELDS); // 4
export const GRE_FLAG_CHECKSUM = 0x8000;
export const GRE_FLAG_ROUTING = 0x4000;
export const GRE_FLAG_KEY = 0x2000;
export const GRE_FLAG_SEQUENCE = 0x1000;

export const UDP_FIELDS = table([
  { name: 'srcPort', offset: 0, size: 2, format: 'dec', tshark: 'udp.srcport', label: 'Source port' },
  { name: 'dstPort', offset: 2, size: 2, format: 'dec', tshark: 'udp.dstport', label: 'Destination port' },
  { name: 'length', offset: 4, size: 2, format: 'dec', tshark: 'udp.length', label: 'Length' },
  { name: 'checksum', offset: 6, size: 2, format: 'hex', tshark: 'udp.checksum', label: 'Checksum' },
] as const satisfies Table);
export const UDP = byName(UDP_FIELDS);
export const UDP_HEADER_LENGTH = minLength(UDP_FIELDS); // 8
/** VXLAN's IANA port (RFC 7348), as AWS and Azure traffic mirroring send it. */
export const UDP_PORT_VXLAN = 4789;

export const VXLAN_FIELDS = table([
  { name: 'flags', offset: 0, size: 1, format: 'hex', label: 'Flags' },
  { name: 'vni', offset: 4, size: 4, mask: -256, shift: 8, bits: 24, format: 'dec', tshark: 'vxlan.vni', label: 'VXLAN network identifier' },
] as const satisfies Table);
export const VXLAN = byName(VXLAN_FIELDS);
export const VXLAN_HEADER_LENGTH = minLength(VXLAN_FIELDS); // 8

export const ERSPAN2_HEADER_LENGTH = 8;
/** ERSPAN type III: its O bit (last bit of the 12 bytes) announces an 8-byte platform subheader. */
export const ERSPAN3 = byName(
  table([{ name: 'optional', offset: 11, size: 1, mask: 0x01, bits: 1, format: 'dec', label: 'Optional subheader' }] as const satisfies Table),
);
export const ERSPAN3_HEADER_LENGTH = 12;
export const ERSPAN3_SUBHEADER_LENGTH = 8;

/** All tables, for the header dump. */
export const HEADER_TABLES = {
  ethernet: ETHERNET_FIELDS,
  vlan: VLAN_FIELDS,
  sll: SLL_FIELDS,
  sll2: SLL2_FIELDS,
  null: NULL_FIELDS,
  ipv4: IPV4_FIELDS,
  ipv6: IPV6_FIELDS,
  ipv6Ext: IPV6_EXT_FIELDS,
  ipv6Fragment: IPV6_FRAGMENT_FIELDS,
  tcp: TCP_FIELDS,
  icmp: ICMP_FIELDS,
} as const;

// ---- Protocol numbers ---------------------------------------------------------------------------

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_QINQ = 0x88a8;
export const ETHERTYPE_QINQ_OLD = 0x9100;
/** Transparent Ethernet bridging (Ethernet in GRE, Linux gretap), and ERSPAN types II and III. */
export const ETHERTYPE_TEB = 0x6558;
export const ETHERTYPE_ERSPAN2 = 0x88be;
export const ETHERTYPE_ERSPAN3 = 0x22eb;

export const IPPROTO_HOPOPTS = 0;
export const IPPROTO_ICMP = 1;
export const IPPROTO_IPIP = 4;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPV6 = 41;
export const IPPROTO_GRE = 47;
export const IPPROTO_ROUTING = 43;
export const IPPROTO_FRAGMENT = 44;
export const IPPROTO_ESP = 50;
export const IPPROTO_AH = 51;
export const IPPROTO_ICMPV6 = 58;
export const IPPROTO_NONE = 59;
export const IPPROTO_DSTOPTS = 60;
export const IPPROTO_MOBILITY = 135;

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW_12 = 12; // DLT_RAW on some BSDs
export const LINKTYPE_RAW_14 = 14; // DLT_RAW on OpenBSD
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;
