import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/decode/frame.js';
import { compareRow, ourFields, parseTsv, type OracleMismatch } from './tshark-oracle.js';
import { record } from './packets.js';
import { MALFORMED, checksums, icmpV4 } from './scenarios.js';

// tshark 4.0's row for scenarios.checksums frame 2 (bad IP and TCP checksums), trimmed to a few columns.
const TSV = [
  'frame.number\tip.len\tip.checksum\tip.checksum.status\tip.checksum_calculated\tip.frag_offset\ttcp.flags\ttcp.checksum.status\ttcp.checksum_calculated\ttcp.options.sack_perm\ticmp.type',
  '2\t56\t0xbeef\t0\t0x8e88\t0\t0x0018\t0\t0x85eb\t\t',
  '',
].join('\n');

describe('tshark oracle comparator', () => {
  it('parses the TSV and agrees with our decode of the same frame', () => {
    const rows = parseTsv(TSV);
    expect(rows).toHaveLength(1);
    expect(rows[0]['ip.checksum_calculated']).toBe('0x8e88');
    const ours = ourFields(decodeFrame(record(1, checksums.frames[1].data, 2)));
    const out: OracleMismatch[] = [];
    expect(compareRow(ours, rows[0], 2, out)).toBe(10);
    expect(out).toEqual([]);
  });

  it('reports every differing field with both values', () => {
    const rows = parseTsv(TSV.replace('0x8e88', '0x8e89').replace('\t0x0018\t', '\t0x0010\t'));
    const ours = ourFields(decodeFrame(record(1, checksums.frames[1].data, 2)));
    const out: OracleMismatch[] = [];
    compareRow(ours, rows[0], 2, out);
    expect(out).toEqual([
      { frame: 2, field: 'ip.checksum_calculated', ours: '0x8e88', tshark: '0x8e89' },
      { frame: 2, field: 'tcp.flags', ours: '0x0018', tshark: '0x0010' },
    ]);
  });

  it('inside an ICMP error, tcp.* are the quoted ports', () => {
    const ours = ourFields(decodeFrame(record(1, icmpV4.frames[0].data)));
    expect(ours['tcp.srcport']).toBe('40000');
    expect(ours['icmp.type']).toBe('3');
    expect(ours['ip.src']).toBe('203.0.113.9');
  });
});

describe('differences explained by design', () => {
  it('a bogus TCP data offset: tshark still prints tcp.*, we decode no TCP header', () => {
    const ours = ourFields(decodeFrame(record(1, MALFORMED.tcpOffset4.frames[0].data)));
    // tshark 4.0's values for that frame.
    const theirs = { 'tcp.srcport': '40000', 'tcp.hdr_len': '16', 'ip.src': '192.0.2.1' };
    const out: OracleMismatch[] = [];
    const explained: Array<OracleMismatch & { reason: string }> = [];
    compareRow(ours, theirs, 1, out, explained);
    expect(out).toEqual([]);
    expect(explained.map((e) => e.field)).toEqual(['tcp.srcport', 'tcp.hdr_len']);
  });

  it('is no excuse on a clean frame', () => {
    const ours = ourFields(decodeFrame(record(1, checksums.frames[0].data)));
    const out: OracleMismatch[] = [];
    const explained: Array<OracleMismatch & { reason: string }> = [];
    compareRow(ours, { 'tcp.srcport': '1' }, 1, out, explained);
    expect(out).toEqual([{ frame: 1, field: 'tcp.srcport', ours: '40000', tshark: '1' }]);
    expect(explained).toEqual([]);
  });
});
