import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/decode/frame.js';
import { problemText } from '../../src/warnings/catalog.js';
import { carriesSack, parseTcpOptions, SACK_EDGES_MAX, sackRightEdges } from '../../src/decode/tcp.js';
import { TCP_ACK, TCP_CWR, TCP_ECE, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG } from '../../src/decode/types.js';
import { ether, ipv4, record, tcp, u32 } from './packets.js';
import { MALFORMED, checksums, ethernetSyn, raw } from './scenarios.js';

const decode = (s: { linkType: number; frames: Array<{ data: Uint8Array; originalLength?: number }> }, i = 0) =>
  decodeFrame(record(s.linkType, s.frames[i].data, i + 1, s.frames[i].originalLength));
const opts = (bytes: number[]) => parseTcpOptions(new Uint8Array(bytes), 0, bytes.length);

describe('TCP header', () => {
  it('decodes every field of a SYN with the usual options (values as tshark shows them)', () => {
    // Options are parsed when first read (TcpSegmentHeader): read them into a plain record to compare.
    const tcp = decode(ethernetSyn).tcp!;
    expect({ ...tcp, options: tcp.options }).toEqual({
      srcPort: 40000,
      dstPort: 21,
      seq: 287454020,
      ack: 0,
      headerLength: 40,
      flags: 0x002,
      window: 64240,
      checksum: 0x7c16,
      checksumStatus: 'ok',
      urgentPointer: 0,
      options: [
        { kind: 2, name: 'mss', mss: 1460 },
        { kind: 4, name: 'sack-permitted' },
        { kind: 8, name: 'timestamp', tsval: 16909060, tsecr: 0 },
        { kind: 1, name: 'nop' },
        { kind: 3, name: 'wscale', shift: 7 },
      ],
      payloadLength: 0,
    });
  });

  it('flags are the 12 bits of tshark tcp.flags, including reserved and AE', () => {
    const all = decodeFrame(record(101, ipv4(tcp([], { flags: 0xfff, urgent: 7 })))).tcp;
    expect(all?.flags).toBe(0xfff);
    expect(all?.urgentPointer).toBe(7);
    expect(TCP_FIN | TCP_SYN | TCP_RST | TCP_PSH | TCP_ACK | TCP_URG | TCP_ECE | TCP_CWR).toBe(0xff);
    expect(decode(checksums).tcp?.flags).toBe(TCP_PSH | TCP_ACK);
  });

  it('payload is the data after the header, and payloadLength comes from the IP length', () => {
    const f = decode(checksums, 0);
    expect(f.tcp).toMatchObject({ seq: 1001, ack: 5001, window: 502, payloadLength: 16 });
    expect(new TextDecoder().decode(f.payload)).toBe('USER anonymous\r\n');
  });

  it('checksum over the IPv4 and IPv6 pseudo-headers; bad gives the expected value', () => {
    expect(decode(checksums, 0).tcp).toMatchObject({ checksum: 0x85eb, checksumStatus: 'ok' });
    const bad = decode(checksums, 1).tcp;
    expect(bad).toMatchObject({ checksum: 0x1234, checksumStatus: 'bad', checksumExpected: 0x85eb });
    expect(decode(raw, 1).tcp).toMatchObject({ checksum: 0x0aa9, checksumStatus: 'ok' });
  });

  it('data offset < 5 is malformed', () => {
    const f = decode(MALFORMED.tcpOffset4);
    expect(f.problems.map(problemText)).toEqual(['malformed: TCP data offset 4 (16 bytes) is below 5']);
    expect(f.tcp).toBeUndefined();
  });

  it('data offset beyond the segment is malformed', () => {
    const f = decode(MALFORMED.tcpOffsetBeyond);
    expect(f.problems.map(problemText)).toEqual(["malformed: TCP header length 32 exceeds the segment's 20 bytes"]);
    expect(f.tcp).toBeUndefined();
  });

  it('a segment shorter than 20 bytes is malformed; cut by snaplen it is truncated', () => {
    const short = decodeFrame(record(1, ether(0x0800, ipv4(new Uint8Array(12)))));
    expect(short.problems.map(problemText)).toEqual(['malformed: TCP segment of 12 bytes is shorter than the 20-byte header']);
    const full = ether(0x0800, ipv4(tcp([])));
    const cut = decodeFrame(record(1, full.subarray(0, 14 + 20 + 10), 1, full.length));
    expect(cut.problems).toEqual([]);
    expect(cut.truncated).toBe(true);
    expect(cut.tcp).toBeUndefined();
  });

  it('options cut by the snapshot length: parsed as far as captured, checksum unverifiable', () => {
    const full = ether(0x0800, ipv4(tcp([], { options: [2, 4, 5, 0xb4, 1, 1, 8, 10, ...u32(1), ...u32(2)] })));
    // 28 of the 36 header bytes: the timestamp option's kind and length are there, its values not.
    const f = decodeFrame(record(1, full.subarray(0, 14 + 20 + 28), 1, full.length));
    expect(f.truncated).toBe(true);
    expect(f.problems).toEqual([]);
    expect(f.tcp?.headerLength).toBe(36);
    expect(f.tcp?.checksumStatus).toBe('unverifiable');
    expect(f.tcp?.options).toEqual([
      { kind: 2, name: 'mss', mss: 1460 },
      { kind: 1, name: 'nop' },
      { kind: 1, name: 'nop' },
    ]);
    expect(f.payload.length).toBe(0);
  });
});

describe('TCP options', () => {
  it('EOL ends the list; NOP is one byte', () => {
    expect(opts([1, 0, 2, 4, 0, 1])).toEqual([{ kind: 1, name: 'nop' }, { kind: 0, name: 'eol' }]);
  });

  it('SACK blocks and unknown kinds (kept with their length and bytes)', () => {
    expect(opts([5, 18, ...u32(100), ...u32(200), ...u32(300), ...u32(400)])).toEqual([
      { kind: 5, name: 'sack', blocks: [[100, 200], [300, 400]] },
    ]);
    const unknown = opts([30, 4, 0xaa, 0xbb, 1]);
    expect(unknown[0]).toMatchObject({ kind: 30, name: 'unknown', length: 4 });
    expect(Array.from((unknown[0] as { data: Uint8Array }).data)).toEqual([0xaa, 0xbb]);
    expect(unknown[1]).toEqual({ kind: 1, name: 'nop' });
  });

  it('carriesSack reads the option kinds from the bytes: timestamps alone no, a SACK block after them yes, a cut option list no', () => {
    const ts = [1, 1, 8, 10, ...u32(7), ...u32(9)];
    const sack = [1, 1, 5, 10, ...u32(100), ...u32(200)];
    const header = (options: number[]) => decodeFrame(record(101, ipv4(tcp([], { flags: TCP_ACK, options })))).tcp!;
    expect(carriesSack(header(ts))).toBe(false);
    expect(carriesSack(header([...ts, ...sack]))).toBe(true);
    // A length byte of 0 ends the scan, as it ends the parsed list.
    expect(carriesSack(header([8, 0, 0, 0, ...sack]))).toBe(false);
    expect(header([...ts, ...sack]).options.map((o) => o.name)).toEqual(['nop', 'nop', 'timestamp', 'nop', 'nop', 'sack']);
  });

  it('sackRightEdges reads the blocks\' right edges from the bytes, as the parsed list has them, and skips a SACK of the wrong length', () => {
    const ts = [1, 1, 8, 10, ...u32(7), ...u32(9)];
    const header = (options: number[]) => decodeFrame(record(101, ipv4(tcp([], { flags: TCP_ACK, options })))).tcp!;
    const edges = (options: number[]): number[] => {
      const out = new Float64Array(SACK_EDGES_MAX);
      return [...out.subarray(0, sackRightEdges(header(options), out))];
    };
    // Two blocks, the second right edge past 2^31 (read unsigned).
    const two = [1, 1, 5, 18, ...u32(100), ...u32(200), ...u32(3_000_000_000), ...u32(4_000_000_000)];
    expect(edges([...ts, ...two])).toEqual([200, 4_000_000_000]);
    expect(edges([...ts, ...two])).toEqual(header([...ts, ...two]).options.flatMap((o) => (o.name === 'sack' ? o.blocks.map((b) => b[1]) : [])));
    // Once the list is parsed, from the list: the same.
    const parsed = header([...ts, ...two]);
    void parsed.options;
    const out = new Float64Array(SACK_EDGES_MAX);
    expect([...out.subarray(0, sackRightEdges(parsed, out))]).toEqual([200, 4_000_000_000]);
    // Length 2 + 4 (not 2 + 8n): malformed, no edge; none at all without SACK.
    expect(edges([1, 1, 5, 6, ...u32(100), 1, 1])).toEqual([]);
    expect(edges(ts)).toEqual([]);
  });

  it('length 0 or 1: one malformed entry, then stop (no endless loop)', () => {
    expect(decode(MALFORMED.optLen0).tcp?.options).toEqual([
      { kind: 1, name: 'nop' },
      { kind: 3, name: 'malformed', reason: 'option 3 has length 0 (minimum 2)' },
    ]);
    expect(decode(MALFORMED.optLen1).tcp?.options).toEqual([
      { kind: 2, name: 'malformed', reason: 'option 2 has length 1 (minimum 2)' },
    ]);
  });

  it('an option running past the header: malformed entry, then stop', () => {
    expect(decode(MALFORMED.optOverrun).tcp?.options).toEqual([
      { kind: 1, name: 'nop' },
      { kind: 1, name: 'nop' },
      { kind: 8, name: 'malformed', reason: 'option 8 of length 10 runs past the header by 4 bytes' },
    ]);
    expect(opts([2])).toEqual([{ kind: 2, name: 'malformed', reason: 'option 2 has no length byte' }]);
  });

  it('a known option with the wrong length is malformed but parsing goes on', () => {
    expect(decode(MALFORMED.optWrongLength).tcp?.options).toEqual([
      { kind: 2, name: 'malformed', reason: 'option 2 has length 3 (should be 4)' },
      { kind: 1, name: 'nop' },
      { kind: 1, name: 'nop' },
      { kind: 1, name: 'nop' },
      { kind: 1, name: 'nop' },
      { kind: 0, name: 'eol' },
    ]);
    expect(opts([5, 11, ...new Array(9).fill(0)])).toEqual([{ kind: 5, name: 'malformed', reason: 'SACK option length 11 is not 2 + 8n' }]);
  });
});
