import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CaptureError } from '../../src/capture/types.js';
import { collect, pcapFile, pcapHeader, pcapRecord, type Order } from './build.js';

const REC1 = { sec: 1329843161, sub: 968492, data: [1, 2, 3, 4, 5] };
const REC2 = { sec: 1329843162, sub: 5, data: [0xaa, 0xbb], origlen: 60 };

describe('classic pcap via pcap-parser', () => {
  for (const order of ['le', 'be'] as Order[]) {
    it(`reads microsecond ${order} records with offsets and timestamps`, async () => {
      const c = await collect(pcapFile(order, false, [REC1, REC2], { linktype: 113 }));
      expect(c.error).toBeUndefined();
      expect(c.warnings).toEqual([]);
      expect(c.header).toEqual({
        format: 'pcap',
        byteOrder: order === 'le' ? 'little' : 'big',
        versionMajor: 2,
        versionMinor: 4,
        compressed: false,
        tsUnitsPerSecond: 1e6,
      });
      expect(c.interfaces).toEqual([{ id: 0, linkType: 113, snapLength: 65535, tsUnitsPerSecond: 1e6 }]);
      expect(c.records.map((r) => [r.frame, r.offset, r.tsSec, r.tsNsec, r.capturedLength, r.originalLength])).toEqual([
        [1, 24, 1329843161, 968492000, 5, 5],
        [2, 24 + 16 + 5, 1329843162, 5000, 2, 60],
      ]);
      expect(c.records[0].time).toBe(1329843161.968492);
      expect(c.records[0].linkType).toBe(113);
      expect([...c.records[0].data]).toEqual([1, 2, 3, 4, 5]);
      expect([...c.records[1].data]).toEqual([0xaa, 0xbb]);
      expect(c.result).toEqual({ header: c.header, interfaces: c.interfaces, packets: 2, bytes: 24 + 21 + 18 });
    });

    it(`reads nanosecond ${order} records (magic rewritten for pcap-parser)`, async () => {
      const file = pcapFile(order, true, [{ sec: 1700000000, sub: 123456789, data: [9] }]);
      const before = Buffer.from(file);
      const c = await collect(file);
      expect(c.error).toBeUndefined();
      expect(c.header?.tsUnitsPerSecond).toBe(1e9);
      expect(c.interfaces[0].tsUnitsPerSecond).toBe(1e9);
      expect(c.records.map((r) => [r.tsSec, r.tsNsec])).toEqual([[1700000000, 123456789]]);
      expect(c.records[0].time).toBe(1700000000.123456789);
      // The caller's buffer is not patched in place.
      expect(file.equals(before)).toBe(true);
    });
  }

  it('carries a sub-second field of a second or more into the seconds', async () => {
    const c = await collect(pcapFile('le', false, [{ sec: 10, sub: 2_500_000, data: [1] }]));
    expect([c.records[0].tsSec, c.records[0].tsNsec]).toEqual([12, 500_000_000]);
  });

  it('rejects a non-2.x version itself (pcap-parser would accept 3.4 or 2.x only by accident)', async () => {
    for (const [major, minor] of [
      [3, 4],
      [1, 0],
    ]) {
      const c = await collect(Buffer.concat([pcapHeader('le', false, { major, minor }), pcapRecord('le', REC1)]));
      expect(c.error).toBeInstanceOf(CaptureError);
      expect(c.error?.message).toBe(`unsupported pcap version ${major}.${minor} (expected 2.x)`);
      expect(c.records).toEqual([]);
    }
  });

  it('accepts version 2.3', async () => {
    const c = await collect(Buffer.concat([pcapHeader('be', false, { major: 2, minor: 3 }), pcapRecord('be', REC1)]));
    expect(c.error).toBeUndefined();
    expect(c.records).toHaveLength(1);
  });

  it('warns truncated-record with frame and offset when the file ends mid-record', async () => {
    const full = pcapFile('le', false, [REC1, REC2]);
    const c = await collect(full.subarray(0, full.length - 1));
    expect(c.records.map((r) => r.frame)).toEqual([1]);
    expect(c.warnings).toEqual([
      {
        code: 'truncated-record',
        severity: 'warning',
        recordNeeds: 18,
        left: 17,
        message: 'frame 2 at byte offset 45 is cut short: the record needs 18 bytes, the file ends after 17',
        frame: 2,
        offset: 45,
      },
    ]);
    expect(c.result?.bytes).toBe(45);
  });

  it('warns truncated-record when the file ends inside a record header', async () => {
    const full = pcapFile('be', false, [REC1, REC2]);
    const c = await collect(full.subarray(0, 45 + 7));
    expect(c.warnings).toEqual([
      {
        code: 'truncated-record',
        severity: 'warning',
        headerLeft: 7,
        headerLength: 16,
        message: 'frame 2 at byte offset 45 is cut short: only 7 of 16 record-header bytes',
        frame: 2,
        offset: 45,
      },
    ]);
  });

  it('rejects a file shorter than its 24-byte header', async () => {
    const c = await collect(pcapHeader('le', false).subarray(0, 10));
    expect(c.error).toBeInstanceOf(CaptureError);
    expect(c.error?.message).toBe('truncated pcap file header (10 of 24 bytes)');
  });

  it('stops with caplen-too-large on caplen 0xFFFFFFFF instead of waiting forever', async () => {
    const bad = pcapRecord('le', { sec: 1, sub: 0, data: [1, 2, 3, 4], caplen: 0xffffffff });
    // Plenty of bytes after the bad header: pcap-parser alone would buffer them all, then hang.
    const file = Buffer.concat([pcapFile('le', false, [REC1]), bad, Buffer.alloc(300_000, 7)]);
    const c = await collect(file, 4096);
    expect(c.error).toBeUndefined();
    expect(c.records.map((r) => r.frame)).toEqual([1]);
    expect(c.warnings).toEqual([
      {
        code: 'caplen-too-large',
        severity: 'error',
        caplen: 4294967295,
        limit: 262144,
        snapLength: 65535,
        message:
          'frame 2 at byte offset 45: captured length 4294967295 exceeds the limit 262144 (snaplen 65535); ' +
          'the record header is damaged, reading stops',
        frame: 2,
        offset: 45,
      },
    ]);
    expect(c.result?.packets).toBe(1);
    expect(c.result?.bytes).toBe(45);
  });

  it('ignores records parsed from the same chunk after a too-large caplen', async () => {
    // caplen 300000 fits in the chunk, so pcap-parser would still emit it and go on parsing.
    const bad = pcapRecord('le', { sec: 1, sub: 0, data: Buffer.alloc(300_000), caplen: 300_000 });
    const file = Buffer.concat([pcapFile('le', false, [REC1]), bad, pcapRecord('le', REC2)]);
    const c = await collect(file);
    expect(c.records.map((r) => r.frame)).toEqual([1]);
    expect(c.warnings.map((w) => [w.code, w.frame, w.offset])).toEqual([['caplen-too-large', 2, 45]]);
  });

  it('reports caplen > origlen once and keeps reading', async () => {
    const recs = [
      { sec: 1, sub: 0, data: [1, 2, 3], origlen: 2 },
      { sec: 2, sub: 0, data: [1, 2, 3], origlen: 1 },
    ];
    const c = await collect(pcapFile('le', false, recs));
    expect(c.records).toHaveLength(2);
    expect(c.warnings.map((w) => [w.code, w.frame, w.offset])).toEqual([['caplen-exceeds-origlen', 1, 24]]);
  });

  it('gives identical records when the stream arrives one byte per chunk', async () => {
    for (const nano of [false, true]) {
      const file = pcapFile('be', nano, [REC1, REC2]);
      const whole = await collect(file);
      const bytewise = await collect(file, 1);
      expect(bytewise.records).toEqual(whole.records);
      expect(bytewise.result).toEqual(whole.result);
      expect(bytewise.records).toHaveLength(2);
    }
  });

  it('detects gzip by content and reports compressed', async () => {
    const file = pcapFile('le', true, [REC1, REC2]);
    const plain = await collect(file);
    const c = await collect(gzipSync(file), 3);
    expect(c.error).toBeUndefined();
    expect(c.header?.compressed).toBe(true);
    expect(c.records).toEqual(plain.records);
    expect(c.result?.bytes).toBe(file.length);
  });

  it('warns decompress-error for a cut gzip stream and keeps the packets before the cut', async () => {
    const recs = Array.from({ length: 200 }, (_, i) => ({ sec: i, sub: 0, data: Buffer.alloc(100, i) }));
    const gz = gzipSync(pcapFile('le', false, recs));
    const c = await collect(gz.subarray(0, gz.length - 10));
    expect(c.error).toBeUndefined();
    expect(c.warnings[0].code).toBe('decompress-error');
    expect(c.warnings[0].message).toMatch(/^gzip: unexpected end of file \(after byte offset \d+ of the capture\)$/);
    // gzip's 8-byte trailer and a little of the last deflate block were cut: most packets survive.
    expect(c.records.length).toBeGreaterThan(150);
  });
});

describe('sniffing', () => {
  it('rejects an empty input', async () => {
    const c = await collect(Buffer.alloc(0));
    expect(c.error).toBeInstanceOf(CaptureError);
    expect(c.error?.message).toBe('empty file');
  });

  it('rejects unknown magic, naming it', async () => {
    const c = await collect(Buffer.from('GET / HTTP/1.1\r\n'));
    expect(c.error).toBeInstanceOf(CaptureError);
    expect(c.error?.message).toBe('not a capture file (magic 0x47455420)');
  });

  it('rejects unknown magic inside gzip', async () => {
    const c = await collect(gzipSync(Buffer.from('hello world')));
    expect(c.error?.message).toBe('not a capture file (magic 0x68656c6c, after gunzip)');
  });

  it('rejects gzip of nothing', async () => {
    const c = await collect(gzipSync(Buffer.alloc(0)));
    expect(c.error?.message).toBe('empty file (after gunzip)');
  });

  it('rejects a gzip header followed by garbage', async () => {
    const c = await collect(Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]));
    expect(c.error).toBeInstanceOf(CaptureError);
    expect(c.error?.message).toMatch(/^gzip: /);
  });

  it('rejects input of fewer than four bytes that is no capture', async () => {
    const c = await collect(Buffer.from([0xd4, 0xc3]));
    expect(c.error?.message).toBe('not a capture file (magic 0xd4c3)');
  });

  it('turns a stream error before any byte into a CaptureError', async () => {
    const { Readable } = await import('node:stream');
    const failing = new Readable({
      read() {
        this.destroy(new Error('EIO: i/o error, read'));
      },
    });
    const c = await collect(failing);
    expect(c.error).toBeInstanceOf(CaptureError);
    expect(c.error?.message).toBe('read error: EIO: i/o error, read');
  });
});

