import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/decode/frame.js';
import { problemText } from '../../src/warnings/catalog.js';
import { decodeLink, linkTypeName, networkVersion } from '../../src/decode/link.js';
import { concat, record, u16 } from './packets.js';
import { ethernetSyn, loop, nullBoth, raw, sll, sll2, synV4, vlans } from './scenarios.js';

const first = (s: { linkType: number; frames: Array<{ data: Uint8Array }> }, i = 0) =>
  decodeFrame(record(s.linkType, s.frames[i].data, i + 1));

describe('link layer', () => {
  it('Ethernet: addresses, type, header length', () => {
    const f = first(ethernetSyn);
    expect(f.link).toEqual({
      kind: 'ethernet',
      linkType: 1,
      dst: '00:11:22:33:44:55',
      src: '66:77:88:99:aa:bb',
      etherType: 0x0800,
      headerLength: 14,
    });
    expect(f.ip?.src).toBe('192.0.2.1');
    expect(f.tcp?.dstPort).toBe(21);
  });

  it('stacked 802.1ad + 802.1Q tags, and a single tag with DEI', () => {
    const a = first(vlans, 0);
    expect(a.link.vlans).toEqual([
      { tpid: 0x88a8, pcp: 5, dei: 0, id: 100 },
      { tpid: 0x8100, pcp: 0, dei: 0, id: 200 },
    ]);
    expect(a.link.etherType).toBe(0x0800);
    expect(a.link.headerLength).toBe(22);
    expect(a.tcp?.srcPort).toBe(40000);
    const b = first(vlans, 1);
    expect(b.link.vlans).toEqual([{ tpid: 0x8100, pcp: 0, dei: 1, id: 7 }]);
    expect(b.link.headerLength).toBe(18);
    expect(b.ip?.dst).toBe('198.51.100.2');
  });

  it('a 0x9100 tag counts as a tag; the tag walk stops at 8 tags', () => {
    const one = decodeLink(1, concat(new Uint8Array(12), u16(0x9100), u16(9), u16(0x86dd)));
    expect(one.vlans).toEqual([{ tpid: 0x9100, pcp: 0, dei: 0, id: 9 }]);
    expect(one.etherType).toBe(0x86dd);
    const many = decodeLink(1, concat(new Uint8Array(12), u16(0x8100), ...Array.from({ length: 10 }, (_, i) => [...u16(i), ...u16(0x8100)])));
    expect(many.vlans).toHaveLength(8);
    expect(many.etherType).toBe(0x8100);
    expect(networkVersion(many, new Uint8Array(0))).toBe(0);
  });

  it('Linux SLL: packet type, ARPHRD, address, protocol', () => {
    const f = first(sll);
    expect(f.link).toMatchObject({ kind: 'sll', packetType: 4, arphrdType: 1, addrLength: 6, src: '02:42:ac:11:00:02', etherType: 0x0800, headerLength: 16 });
    expect(f.tcp?.checksumStatus).toBe('ok');
  });

  it('Linux SLL2: interface index and IPv6', () => {
    const f = first(sll2);
    expect(f.link).toMatchObject({ kind: 'sll2', interfaceIndex: 3, arphrdType: 1, packetType: 0, addrLength: 6, src: '02:42:ac:11:00:03', etherType: 0x86dd, headerLength: 20 });
    expect(f.ip?.version).toBe(6);
    expect(f.tcp?.checksum).toBe(0x0aa9);
    expect(f.tcp?.checksumStatus).toBe('ok');
  });

  it('BSD null: family in either byte order; LOOP in network order', () => {
    expect(first(nullBoth, 0).link).toMatchObject({ kind: 'null', family: 2, headerLength: 4 });
    expect(first(nullBoth, 0).ip?.version).toBe(4);
    expect(first(nullBoth, 1).link.family).toBe(2);
    expect(first(nullBoth, 1).tcp?.srcPort).toBe(40000);
    expect(first(nullBoth, 2).link.family).toBe(30);
    expect(first(nullBoth, 2).ip?.version).toBe(6);
    expect(first(loop).link).toMatchObject({ kind: 'null', linkType: 108, family: 24 });
    expect(first(loop).tcp?.dstPort).toBe(21);
    // An unknown family is not guessed at.
    const other = decodeFrame(record(0, concat([7, 0, 0, 0], synV4())));
    expect(other.link.family).toBe(7);
    expect(other.ip).toBeUndefined();
  });

  it('raw IP (101, 12, 14): the version nibble decides', () => {
    expect(first(raw, 0).ip?.version).toBe(4);
    expect(first(raw, 1).ip?.version).toBe(6);
    for (const lt of [12, 14, 228]) expect(decodeFrame(record(lt, raw.frames[0].data)).tcp?.srcPort).toBe(40000);
    expect(decodeFrame(record(101, new Uint8Array([0x50, 0, 0, 0]))).ip).toBeUndefined();
  });

  it('other link types are unsupported, decoded no further', () => {
    const f = decodeFrame(record(105, synV4()));
    expect(f.link).toEqual({ kind: 'unsupported', linkType: 105, headerLength: 0 });
    expect(f.ip).toBeUndefined();
    expect(f.problems).toEqual([]);
    expect(linkTypeName(105)).toBe('IEEE802_11');
    expect(linkTypeName(9999)).toBe('LINKTYPE_9999');
  });

  it('a frame shorter than its link header: malformed when short on the wire, else truncated', () => {
    const short = new Uint8Array(10);
    const wire = decodeFrame(record(1, short));
    expect(wire.problems.map(problemText)).toEqual(['malformed: ethernet header needs 14 bytes, the frame has 10']);
    expect(wire.truncated).toBe(false);
    const cut = decodeFrame(record(1, short, 1, 60));
    expect(cut.problems).toEqual([]);
    expect(cut.truncated).toBe(true);
    // A VLAN tag cut by the snapshot length.
    const tag = decodeFrame(record(1, concat(new Uint8Array(12), u16(0x8100), [0, 1]), 1, 64));
    expect(tag.link.headerLength).toBe(18);
    expect(tag.truncated).toBe(true);
  });
});
