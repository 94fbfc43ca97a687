/**
 * Small synthetic captures shared by the decoder unit tests. Each was also written out as a pcap
 * and run through scripts/tshark-fields.sh + the oracle comparator by hand (tshark 4.0): the
 * values the tests pin are tshark's.
 */
import {
  concat,
  ether,
  ip4,
  ip6,
  ipv4,
  ipv6,
  mac,
  tcp,
  u16,
  u32,
  type Bytes,
} from './packets.js';

export interface Scenario {
  linkType: number;
  frames: Array<{ data: Bytes; originalLength?: number; time?: number }>;
}

const V4 = { src: ip4('192.0.2.1'), dst: ip4('198.51.100.2') };
const V6 = { src: ip6('2001:db8::1'), dst: ip6('2001:db8::2') };

/** MSS 1460, SACK permitted, timestamps 0x01020304/0, NOP, window scale 7: a Linux SYN's options. */
export const SYN_OPTIONS = [2, 4, 0x05, 0xb4, 4, 2, 8, 10, ...u32(0x01020304), ...u32(0), 1, 3, 3, 7];

export const synV4 = (o: { src?: string; dst?: string } = {}): Bytes =>
  ipv4(
    tcp([], { srcPort: 40000, dstPort: 21, seq: 0x11223344, flags: 0x002, window: 64240, options: SYN_OPTIONS }, {
      src: ip4(o.src ?? '192.0.2.1'),
      dst: ip4(o.dst ?? '198.51.100.2'),
    }),
    { id: 0x4d2e, flags: 2, src: o.src, dst: o.dst },
  );

export const synV6 = (): Bytes =>
  ipv6(tcp([], { srcPort: 40000, dstPort: 21, seq: 0x11223344, flags: 0x002, window: 64800, options: SYN_OPTIONS }, V6), {
    trafficClass: 0x12,
    flowLabel: 0xabcde,
  });

const HELLO = Array.from(new TextEncoder().encode('USER anonymous\r\n'));

/** A PSH/ACK carrying "USER anonymous\r\n", then the same with both checksums broken. */
export const checksums: Scenario = {
  linkType: 1,
  frames: [
    { data: ether(0x0800, ipv4(tcp(HELLO, { seq: 1001, ack: 5001, flags: 0x018, window: 502 }, V4), { id: 1 })) },
    {
      data: ether(
        0x0800,
        ipv4(tcp(HELLO, { seq: 1001, ack: 5001, flags: 0x018, window: 502, checksum: 0x1234 }, V4), { id: 1, checksum: 0xbeef }),
      ),
    },
  ],
};

export const ethernetSyn: Scenario = { linkType: 1, frames: [{ data: ether(0x0800, synV4()) }] };

/** 802.1ad S-tag 100 (pcp 5) over 802.1Q C-tag 200 over IPv4; then one 0x8100 tag (id 7, DEI). */
export const vlans: Scenario = {
  linkType: 1,
  frames: [
    { data: ether(0x88a8, concat(u16((5 << 13) | 100), u16(0x8100), u16(200), u16(0x0800), synV4())) },
    { data: ether(0x8100, concat(u16(0x1000 | 7), u16(0x0800), synV4())) },
  ],
};

/** Linux cooked v1: outgoing (4), ARPHRD_ETHER, 6-byte address. */
export const sll: Scenario = {
  linkType: 113,
  frames: [{ data: concat(u16(4), u16(1), u16(6), mac('02:42:ac:11:00:02'), [0, 0], u16(0x0800), synV4()) }],
};

/** Linux cooked v2 carrying IPv6: interface 3, incoming (0). */
export const sll2: Scenario = {
  linkType: 276,
  frames: [{ data: concat(u16(0x86dd), u16(0), u32(3), u16(1), [0, 6], mac('02:42:ac:11:00:03'), [0, 0], synV6()) }],
};

/** BSD loopback, family in either byte order (LINKTYPE_NULL), IPv4 and IPv6 (Darwin 30). */
export const nullBoth: Scenario = {
  linkType: 0,
  frames: [
    { data: concat([2, 0, 0, 0], synV4()) }, // little-endian host
    { data: concat([0, 0, 0, 2], synV4()) }, // big-endian host
    { data: concat([30, 0, 0, 0], synV6()) },
  ],
};

/** OpenBSD loopback (LINKTYPE_LOOP): family in network order; 24 = AF_INET6. */
export const loop: Scenario = { linkType: 108, frames: [{ data: concat([0, 0, 0, 24], synV6()) }] };

/** Raw IP: the version nibble decides. */
export const raw: Scenario = { linkType: 101, frames: [{ data: synV4() }, { data: synV6() }] };

/** A 96-byte snapshot of a 1514-byte data segment. */
const BIG = Array.from({ length: 1448 }, (_, i) => i & 0xff);
export const truncatedFrame: Scenario = {
  linkType: 1,
  frames: (() => {
    const full = ether(0x0800, ipv4(tcp(BIG, { seq: 7, ack: 9, flags: 0x010, options: [1, 1, 8, 10, ...u32(5), ...u32(6)] }, V4)));
    return [{ data: full.subarray(0, 96), originalLength: full.length }];
  })(),
};

/** A bare ACK padded by the sender's NIC to the 60-byte Ethernet minimum. */
export const padded: Scenario = {
  linkType: 1,
  frames: [{ data: concat(ether(0x0800, ipv4(tcp([], { flags: 0x010, seq: 1, ack: 2 }, V4))), [0, 0, 0, 0, 0, 0]) }],
};

/** IPv4 datagram carrying TCP + 100 data bytes, split 48/48/24 (offsets 0, 48, 96). */
const FRAG_DATA = Array.from({ length: 100 }, (_, i) => (i * 7) & 0xff);
export const fragSegment = tcp(FRAG_DATA, { srcPort: 20, dstPort: 50000, seq: 42, ack: 43, flags: 0x018 }, V4);
const frag4 = (off: number, len: number, more: boolean): Bytes =>
  ether(0x0800, ipv4(fragSegment.subarray(off, off + len), { id: 0x0abc, flags: more ? 1 : 0, fragOffset: off }));
export const fragInOrder: Scenario = {
  linkType: 1,
  frames: [{ data: frag4(0, 48, true) }, { data: frag4(48, 48, true) }, { data: frag4(96, 24, false) }],
};
export const fragOutOfOrder: Scenario = {
  linkType: 1,
  frames: [{ data: frag4(96, 24, false) }, { data: frag4(0, 48, true) }, { data: frag4(48, 48, true) }],
};

/** IPv6: TCP + 100 bytes in two fragments (fragment header id 0x01020304). */
const fragSegment6 = tcp(FRAG_DATA, { srcPort: 20, dstPort: 50000, seq: 42, ack: 43, flags: 0x018 }, V6);
const frag6 = (off: number, len: number, more: boolean): Bytes =>
  ether(
    0x86dd,
    ipv6(concat([6, 0], u16(off | (more ? 1 : 0)), u32(0x01020304), fragSegment6.subarray(off, off + len)), { nextHeader: 44 }),
  );
export const frag6OutOfOrder: Scenario = {
  linkType: 1,
  frames: [{ data: frag6(64, 56, false) }, { data: frag6(0, 64, true) }],
};

/** ICMP port unreachable from a router quoting our SYN (its IP header + first 8 TCP bytes). */
export const icmpV4: Scenario = {
  linkType: 1,
  frames: [
    {
      data: (() => {
        const quoted = synV4().subarray(0, 28);
        const body = concat([3, 1, 0, 0], [0, 0, 0, 0], quoted);
        return ether(0x0800, ipv4(body, { proto: 1, src: '203.0.113.9', dst: '192.0.2.1' }));
      })(),
    },
  ],
};

/** ICMPv6 destination unreachable (code 4, port) quoting the whole IPv6 SYN. */
export const icmpV6: Scenario = {
  linkType: 1,
  frames: [
    {
      data: (() => {
        const body = concat([1, 4, 0, 0], [0, 0, 0, 0], synV6());
        return ether(0x86dd, ipv6(body, { nextHeader: 58, src: '2001:db8:ffff::9', dst: '2001:db8::1' }));
      })(),
    },
  ],
};

export const ALL: Record<string, Scenario> = {
  checksums,
  ethernetSyn,
  vlans,
  sll,
  sll2,
  nullBoth,
  loop,
  raw,
  truncatedFrame,
  padded,
  fragInOrder,
  fragOutOfOrder,
  frag6OutOfOrder,
  icmpV4,
  icmpV6,
};

// ---- Malformed input: tshark marks these as bogus/malformed too; the fields it still prints
// differ from ours by design (we decode nothing above a header that breaks its length rules).

const ethV4 = (payload: ArrayLike<number>, o: Parameters<typeof ipv4>[1] = {}): Bytes => ether(0x0800, ipv4(payload, o));
const okTcp = (o: Parameters<typeof tcp>[1] = {}): Bytes => tcp([], o, V4);

export const MALFORMED: Record<string, Scenario> = {
  ihl4: { linkType: 1, frames: [{ data: ethV4(okTcp(), { ihl: 4 }) }] },
  totalBelowHeader: { linkType: 1, frames: [{ data: ethV4(okTcp(), { totalLength: 16 }) }] },
  totalBeyondFrame: { linkType: 1, frames: [{ data: ethV4(okTcp(), { totalLength: 60 }) }] },
  tso: { linkType: 1, frames: [{ data: ethV4(okTcp({ flags: 0x010 }), { totalLength: 0 }) }] },
  tcpOffset4: { linkType: 1, frames: [{ data: ethV4(okTcp({ dataOffset: 4 })) }] },
  tcpOffsetBeyond: { linkType: 1, frames: [{ data: ethV4(okTcp({ dataOffset: 8 })) }] },
  optLen0: { linkType: 1, frames: [{ data: ethV4(okTcp({ options: [1, 3, 0, 0] })) }] },
  optLen1: { linkType: 1, frames: [{ data: ethV4(okTcp({ options: [2, 1, 0, 0] })) }] },
  optOverrun: { linkType: 1, frames: [{ data: ethV4(okTcp({ options: [1, 1, 8, 10, 0, 0, 0, 0] })) }] },
  optWrongLength: { linkType: 1, frames: [{ data: ethV4(okTcp({ options: [2, 3, 5, 1, 1, 1, 1, 0] })) }] },
  ipv6ExtOverrun: {
    linkType: 1,
    // Destination options claiming 3 * 8 + 8 = 32 bytes in a 16-byte payload.
    frames: [{ data: ether(0x86dd, ipv6(concat([6, 3, 1, 4, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 0, 0]), { nextHeader: 60 })) }],
  },
  ipv6ExtLoop: {
    linkType: 1,
    // 17 hop-by-hop/dest-opts headers chained to each other.
    frames: [
      {
        data: ether(
          0x86dd,
          ipv6(concat(...Array.from({ length: 17 }, (_, i) => [i === 16 ? 59 : 60, 0, 1, 4, 0, 0, 0, 0])), { nextHeader: 60 }),
        ),
      },
    ],
  },
  ipv6ExtTruncated: {
    linkType: 1,
    frames: (() => {
      const d = ether(0x86dd, ipv6(concat([6, 0, 1, 4, 0, 0, 0, 0], okTcp()), { nextHeader: 60 }));
      return [{ data: d.subarray(0, 14 + 40 + 4), originalLength: d.length }];
    })(),
  },
  shortEthernet: { linkType: 1, frames: [{ data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) }] },
};
