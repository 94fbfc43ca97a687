import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/decode/frame.js';
import { problemText } from '../../src/warnings/catalog.js';
import { concat, ether, ipv4, record, tcp } from './packets.js';
import { MALFORMED, checksums, ethernetSyn, padded, truncatedFrame } from './scenarios.js';

const decode = (s: { linkType: number; frames: Array<{ data: Uint8Array; originalLength?: number }> }, i = 0) =>
  decodeFrame(record(s.linkType, s.frames[i].data, i + 1, s.frames[i].originalLength));

describe('IPv4', () => {
  it('decodes every field (values as tshark shows them)', () => {
    expect(decode(ethernetSyn).ip).toEqual({
      version: 4,
      headerLength: 20,
      dsfield: 0,
      totalLength: 60,
      id: 0x4d2e,
      flags: 2,
      fragOffset: 0,
      ttl: 64,
      protocol: 6,
      checksum: 0x0157,
      checksumStatus: 'ok',
      src: '192.0.2.1',
      dst: '198.51.100.2',
      options: new Uint8Array(0),
    });
  });

  it('keeps option bytes and verifies the checksum over them', () => {
    const opts = [0x94, 0x04, 0x00, 0x00]; // router alert
    const f = decodeFrame(record(1, ether(0x0800, ipv4(tcp([]), { options: opts, dsfield: 0xb8, ttl: 1 }))));
    expect(f.ip).toMatchObject({ headerLength: 24 });
    expect(Array.from(f.ip?.version === 4 ? f.ip.options : [])).toEqual(opts);
    expect(f.ip).toMatchObject({ dsfield: 0xb8, ttl: 1, checksumStatus: 'ok' });
    expect(f.tcp?.srcPort).toBe(40000);
  });

  it('a bad header checksum is a status with the expected value, never a reason to drop', () => {
    const good = decode(checksums, 0);
    expect(good.ip).toMatchObject({ checksum: 0x8e88, checksumStatus: 'ok' });
    expect(good.ip?.version === 4 && good.ip.checksumExpected).toBe(undefined);
    const bad = decode(checksums, 1);
    expect(bad.ip).toMatchObject({ checksum: 0xbeef, checksumStatus: 'bad', checksumExpected: 0x8e88 });
    expect(bad.tcp?.srcPort).toBe(40000);
    expect(bad.problems).toEqual([]);
  });

  it('IHL < 5 is malformed: header facts kept, nothing above decoded', () => {
    const f = decode(MALFORMED.ihl4);
    expect(f.problems.map(problemText)).toEqual(['malformed: IPv4 header length 16 (IHL 4) is below 20']);
    expect(f.ip).toMatchObject({ headerLength: 16 });
    expect(f.ip?.version === 4 && f.ip.checksumStatus).toBe('unverifiable');
    expect(f.tcp).toBeUndefined();
  });

  it('total length below the header length is malformed', () => {
    const f = decode(MALFORMED.totalBelowHeader);
    expect(f.problems.map(problemText)).toEqual(['malformed: IPv4 total length 16 is less than its header length 20']);
    expect(f.tcp).toBeUndefined();
  });

  it('total length beyond the frame on the wire: malformed, bounded by what was sent (as tshark)', () => {
    const f = decode(MALFORMED.totalBeyondFrame);
    expect(f.problems.map(problemText)).toEqual(['malformed: IPv4 total length 60 exceeds the 40 bytes on the wire']);
    expect(f.ip?.version === 4 && f.ip.totalLength).toBe(60);
    expect(f.truncated).toBe(false);
    expect(f.tcp).toMatchObject({ payloadLength: 0, checksum: 0x236e, checksumStatus: 'ok' });
  });

  it('total length 0 (TSO on the capturing host) uses the frame length, as tshark does', () => {
    const f = decode(MALFORMED.tso);
    expect(f.problems.map(problemText)).toEqual(["offload: IPv4 total length 0, presumed TSO: using the frame's 40 bytes"]);
    expect(f.ip?.version === 4 && f.ip.totalLength).toBe(0);
    expect(f.tcp).toMatchObject({ payloadLength: 0, checksum: 0x2360, checksumStatus: 'ok' });
  });

  it('a snaplen-cut frame decodes as far as its bytes go and says truncated', () => {
    const f = decode(truncatedFrame);
    expect(f.truncated).toBe(true);
    expect(f.problems).toEqual([]);
    expect(f.ip).toMatchObject({ totalLength: 1500, checksum: 0x76b1, checksumStatus: 'ok' });
    expect(f.tcp).toMatchObject({ seq: 7, ack: 9, headerLength: 32, payloadLength: 1448, checksum: 0xcf83, checksumStatus: 'unverifiable' });
    expect(f.payload.length).toBe(96 - 14 - 20 - 32);
    expect(Array.from(f.payload.subarray(0, 4))).toEqual([0, 1, 2, 3]);
  });

  it('a header cut by the snapshot length: ip header only when 20 bytes are there', () => {
    const full = ether(0x0800, ipv4(tcp([]), { options: [1, 1, 1, 1] }));
    const noFixed = decodeFrame(record(1, full.subarray(0, 14 + 12), 1, full.length));
    expect(noFixed.ip).toBeUndefined();
    expect(noFixed.truncated).toBe(true);
    const noOptions = decodeFrame(record(1, full.subarray(0, 14 + 22), 1, full.length));
    expect(noOptions.ip).toMatchObject({ headerLength: 24, checksumStatus: 'unverifiable' });
    expect(noOptions.truncated).toBe(true);
    expect(noOptions.tcp).toBeUndefined();
    // 20 bytes on the wire are not there at all: malformed.
    const tiny = decodeFrame(record(1, ether(0x0800, [0x45, 0, 0, 20])));
    expect(tiny.problems.map(problemText)).toEqual(['malformed: IPv4 header needs 20 bytes, the packet has 4']);
  });

  it('Ethernet padding is not payload', () => {
    const f = decode(padded);
    expect(f.capturedLength).toBe(60);
    expect(f.tcp).toMatchObject({ payloadLength: 0, checksum: 0x2745, checksumStatus: 'ok' });
    expect(f.payload.length).toBe(0);
    expect(f.truncated).toBe(false);
  });

  it('EtherType 0x0800 with a version-6 header is malformed', () => {
    const data = ether(0x0800, concat([0x65], new Uint8Array(39)));
    expect(decodeFrame(record(1, data)).problems.map(problemText)).toEqual(['malformed: IPv4 header with version 6']);
  });
});
