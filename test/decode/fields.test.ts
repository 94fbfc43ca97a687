import { describe, expect, it } from 'vitest';
import {
  ETHERNET_HEADER_LENGTH,
  HEADER_TABLES,
  IPV4,
  IPV4_MIN_HEADER_LENGTH,
  IPV6,
  IPV6_FRAGMENT,
  IPV6_FRAGMENT_HEADER_LENGTH,
  IPV6_HEADER_LENGTH,
  NULL_HEADER_LENGTH,
  SLL2_HEADER_LENGTH,
  SLL_HEADER_LENGTH,
  TCP,
  TCP_MIN_HEADER_LENGTH,
  VLAN_TAG_LENGTH,
  readField,
} from '../../src/decode/fields.js';

describe('field tables', () => {
  it('derive the standard minimum header lengths', () => {
    expect([ETHERNET_HEADER_LENGTH, VLAN_TAG_LENGTH, SLL_HEADER_LENGTH, SLL2_HEADER_LENGTH, NULL_HEADER_LENGTH]).toEqual([14, 4, 16, 20, 4]);
    expect([IPV4_MIN_HEADER_LENGTH, IPV6_HEADER_LENGTH, IPV6_FRAGMENT_HEADER_LENGTH, TCP_MIN_HEADER_LENGTH]).toEqual([20, 40, 8, 20]);
  });

  it('give every field a label and a unique name per table', () => {
    for (const [table, fields] of Object.entries(HEADER_TABLES)) {
      const names = fields.map((f) => f.name);
      expect(new Set(names).size, table).toBe(names.length);
      for (const f of fields) expect(f.label.length, `${table}.${f.name}`).toBeGreaterThan(0);
    }
  });

  it('read masked, shifted and scaled fields', () => {
    const ip = new Uint8Array([0x46, 0, 0, 0, 0, 0, 0x20 | 0x1f, 0xff]);
    expect(readField(ip, 0, IPV4.version)).toBe(4);
    expect(readField(ip, 0, IPV4.headerLength)).toBe(24);
    expect(readField(ip, 0, IPV4.flags)).toBe(1); // MF
    expect(readField(ip, 0, IPV4.fragOffset)).toBe(0x1fff * 8);
    const v6 = new Uint8Array([0x6f, 0xfa, 0xbc, 0xde]);
    expect(readField(v6, 0, IPV6.version)).toBe(6);
    expect(readField(v6, 0, IPV6.trafficClass)).toBe(0xff);
    expect(readField(v6, 0, IPV6.flowLabel)).toBe(0xabcde);
    const frag = new Uint8Array([6, 0, 0x01, 0x09, 0xff, 0xff, 0xff, 0xfe]);
    expect(readField(frag, 0, IPV6_FRAGMENT.offset)).toBe(0x108);
    expect(readField(frag, 0, IPV6_FRAGMENT.more)).toBe(1);
    expect(readField(frag, 0, IPV6_FRAGMENT.id)).toBe(0xfffffffe);
    const t = new Uint8Array([0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0x5f, 0xff]);
    expect(readField(t, 0, TCP.seq)).toBe(0xffffffff);
    expect(readField(t, 0, TCP.headerLength)).toBe(20);
    expect(readField(t, 0, TCP.flags)).toBe(0xfff);
  });
});
