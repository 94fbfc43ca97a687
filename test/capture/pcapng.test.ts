import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CaptureError } from '../../src/capture/types.js';
import { block, collect, epb, idb, opb, shb, spb, type Order } from './build.js';

const SHB_LEN = 28;
const IDB_LEN = 20;
const ETH = Buffer.alloc(60, 0x11);
/** 2012-02-21 16:52:41.968492 in microseconds. */
const TS_US = 1329843161968492n;

const timeline = (c: Awaited<ReturnType<typeof collect>>) =>
  c.records.map((r) => [r.frame, r.offset, r.interfaceId, r.tsSec, r.tsNsec, r.capturedLength, r.originalLength]);

describe('pcapng reader', () => {
  for (const order of ['le', 'be'] as Order[]) {
    it(`reads a ${order} section: SHB, IDB, EPBs`, async () => {
      const file = Buffer.concat([
        shb(order),
        idb(order, 1, 65535, { name: 'eth0' }),
        epb(order, 0, TS_US, [1, 2, 3, 4, 5], { origlen: 1514 }),
        epb(order, 0, TS_US + 1_000_001n, ETH),
      ]);
      const c = await collect(file);
      expect(c.error).toBeUndefined();
      expect(c.warnings).toEqual([]);
      expect(c.header).toEqual({
        format: 'pcapng',
        byteOrder: order === 'le' ? 'little' : 'big',
        versionMajor: 1,
        versionMinor: 0,
        compressed: false,
      });
      expect(c.interfaces).toEqual([{ id: 0, linkType: 1, snapLength: 65535, name: 'eth0', tsUnitsPerSecond: 1e6 }]);
      const idbLen = IDB_LEN + 8 + 4; // + if_name option (4 + "eth0") + end of options
      const epb1 = SHB_LEN + idbLen;
      const epb2 = epb1 + 28 + 8 + 4; // 5 data bytes padded to 8
      expect(timeline(c)).toEqual([
        [1, epb1, 0, 1329843161, 968492000, 5, 1514],
        [2, epb2, 0, 1329843162, 968493000, 60, 60],
      ]);
      expect(c.records[0].time).toBe(1329843161.968492);
      expect([...c.records[0].data]).toEqual([1, 2, 3, 4, 5]);
      expect(c.result?.packets).toBe(2);
      expect(c.result?.bytes).toBe(file.length);
    });
  }

  it('applies each interface its own if_tsresol and if_tsoffset (values checked with tshark 4.0)', async () => {
    const file = Buffer.concat([
      shb('be'),
      idb('be', 1, 0, { tsresol: 9 }),
      idb('be', 101, 0, { tsresol: 0x94, tsoffset: 0n }), // 2^20 units per second
      idb('be', 1, 0, { tsresol: 0x80 | 30 }), // 2^30
      idb('be', 1, 0, { tsresol: 3, tsoffset: 1000n }), // ms, +1000 s
      epb('be', 0, 1700000000123456789n, ETH),
      epb('be', 1, (1700000000n << 20n) + 123456n, ETH),
      epb('be', 2, (1700000000n << 30n) + 999999999n, ETH),
      epb('be', 3, 1700000000123n, ETH),
    ]);
    const c = await collect(file);
    expect(c.error).toBeUndefined();
    expect(c.interfaces.map((i) => [i.id, i.linkType, i.tsUnitsPerSecond])).toEqual([
      [0, 1, 1e9],
      [1, 101, 2 ** 20],
      [2, 1, 2 ** 30],
      [3, 1, 1e3],
    ]);
    expect(c.records.map((r) => [r.interfaceId, r.linkType, r.tsSec, r.tsNsec])).toEqual([
      [0, 1, 1700000000, 123456789],
      [1, 101, 1700000000, 117736816], // tshark: 1700000000.117736816
      [2, 1, 1700000000, 931322573], // tshark: 1700000000.931322573
      [3, 1, 1700001000, 123000000],
    ]);
  });

  it('numbers interfaces globally across sections, each with its own byte order', async () => {
    const file = Buffer.concat([
      shb('le'),
      idb('le', 1, 65535),
      epb('le', 0, TS_US, [1]),
      shb('be'),
      idb('be', 113, 65535),
      idb('be', 101, 65535),
      epb('be', 1, TS_US, [2]),
      epb('be', 0, TS_US, [3]),
    ]);
    const c = await collect(file);
    expect(c.error).toBeUndefined();
    expect(c.header?.byteOrder).toBe('little');
    expect(c.interfaces.map((i) => [i.id, i.linkType])).toEqual([
      [0, 1],
      [1, 113],
      [2, 101],
    ]);
    expect(c.records.map((r) => [r.frame, r.interfaceId, r.linkType, r.data[0]])).toEqual([
      [1, 0, 1, 1],
      [2, 2, 101, 2],
      [3, 1, 113, 3],
    ]);
  });

  it('reads SPB (interface 0, caplen = min(origlen, snaplen, room)) and OPB', async () => {
    const file = Buffer.concat([
      shb('le'),
      idb('le', 1, 4),
      spb('le', 10, [1, 2, 3, 4]),
      spb('le', 3, [5, 6, 7]), // padded to 4 bytes of room
      opb('le', 0, TS_US, [8, 9], 70),
    ]);
    const c = await collect(file);
    expect(c.error).toBeUndefined();
    expect(c.warnings).toEqual([]);
    const spb1 = SHB_LEN + IDB_LEN;
    expect(timeline(c)).toEqual([
      [1, spb1, 0, 0, 0, 4, 10], // tshark: cap_len 4, len 10
      [2, spb1 + 20, 0, 0, 0, 3, 3], // tshark: cap_len 3, len 3
      [3, spb1 + 40, 0, 1329843161, 968492000, 2, 70],
    ]);
    expect([...c.records[1].data]).toEqual([5, 6, 7]);
  });

  it('skips NRB/ISB/DSB/unknown blocks but counts custom and journal blocks as Wireshark frames', async () => {
    const file = Buffer.concat([
      shb('le'),
      idb('le', 1, 0),
      epb('le', 0, 1n, ETH),
      block(0x0bad, Buffer.alloc(8), 'le'),
      block(0x40000bad, Buffer.alloc(8), 'le'),
      block(9, Buffer.from('__REALTIME_TIMESTAMP=1700000000000000\nMESSAGE=hello world\n'), 'le'),
      block(4, Buffer.alloc(4), 'le'),
      block(5, Buffer.alloc(12), 'le'),
      block(0xa, Buffer.alloc(12), 'le'),
      block(0x77, Buffer.alloc(12), 'le'),
      epb('le', 0, 2n, ETH),
    ]);
    const c = await collect(file);
    expect(c.warnings).toEqual([]);
    // tshark numbers this file 1 (EPB), 2–3 (custom), 4 (journal), 5 (EPB).
    expect(c.records.map((r) => [r.frame, r.tsSec, r.tsNsec])).toEqual([
      [1, 0, 1000],
      [5, 0, 2000],
    ]);
    expect(c.records[1].offset).toBe(file.length - 92);
    expect(c.result?.packets).toBe(2);
  });

  it('stops on a trailing length that differs from the leading one', async () => {
    const good = Buffer.concat([shb('le'), idb('le', 1, 0), epb('le', 0, 1n, [1, 2, 3, 4])]);
    const bad = block(6, Buffer.alloc(24), 'le', { trailing: 40 });
    const c = await collect(Buffer.concat([good, bad, epb('le', 0, 2n, [5])]));
    expect(c.records.map((r) => r.frame)).toEqual([1]);
    expect(c.warnings).toEqual([
      {
        code: 'bad-block-length',
        severity: 'error',
        detail: 'trailing block length 40 differs from leading 36',
        packetBlock: true,
        message: `frame 2 at byte offset ${good.length}: trailing block length 40 differs from leading 36`,
        frame: 2,
        offset: good.length,
      },
    ]);
    expect(c.result?.bytes).toBe(good.length);
  });

  it('stops on a block length that is not a multiple of 4', async () => {
    const good = Buffer.concat([shb('be'), idb('be', 1, 0)]);
    const c = await collect(Buffer.concat([good, block(6, Buffer.alloc(24), 'be', { leading: 37 })]));
    expect(c.warnings).toEqual([
      {
        code: 'bad-block-length',
        severity: 'error',
        detail: 'block total length 37 is not a multiple of 4 of at least 12',
        packetBlock: false,
        message: `block at byte offset 48 (after frame 0): block total length 37 is not a multiple of 4 of at least 12`,
        frame: 1,
        offset: 48,
      },
    ]);
  });

  it('stops on a huge block length without buffering or waiting', async () => {
    const good = Buffer.concat([shb('le'), idb('le', 1, 0), epb('le', 0, 1n, [1])]);
    const bad = block(6, Buffer.alloc(24), 'le', { leading: 0xfffffff0 });
    const c = await collect(Buffer.concat([good, bad, Buffer.alloc(100_000)]), 1000);
    expect(c.records).toHaveLength(1);
    expect(c.warnings.map((w) => [w.code, w.frame, w.offset])).toEqual([['block-too-large', 2, good.length]]);
  });

  it('stops on a packet for an interface its section does not have', async () => {
    // The second section has one interface; id 1 refers to nothing there (the first section's
    // interface must not be borrowed).
    const file = Buffer.concat([
      shb('le'),
      idb('le', 1, 0),
      shb('le'),
      idb('le', 1, 0),
      epb('le', 0, 1n, [1]),
      epb('le', 1, 2n, [2]),
    ]);
    const c = await collect(file);
    expect(c.records.map((r) => [r.frame, r.interfaceId])).toEqual([[1, 1]]);
    const offset = 2 * (SHB_LEN + IDB_LEN) + 36;
    expect(c.warnings).toEqual([
      {
        code: 'unknown-interface',
        severity: 'error',
        detail: 'packet refers to interface 1, but its section has 1',
        packetBlock: true,
        message: `frame 2 at byte offset ${offset}: packet refers to interface 1, but its section has 1`,
        frame: 2,
        offset,
      },
    ]);
  });

  it('stops on an SPB before any interface', async () => {
    const c = await collect(Buffer.concat([shb('le'), spb('le', 1, [1])]));
    expect(c.warnings.map((w) => [w.code, w.frame, w.offset])).toEqual([['unknown-interface', 1, SHB_LEN]]);
  });

  it('stops on a captured length larger than the block', async () => {
    const head = Buffer.concat([shb('le'), idb('le', 1, 0)]);
    const c = await collect(Buffer.concat([head, epb('le', 0, 1n, [1, 2, 3, 4], { caplen: 5 })]));
    expect(c.warnings).toEqual([
      {
        code: 'caplen-too-large',
        severity: 'error',
        detail: 'captured length 5 does not fit the block (room for 4)',
        packetBlock: true,
        message: `frame 1 at byte offset ${head.length}: captured length 5 does not fit the block (room for 4)`,
        frame: 1,
        offset: head.length,
      },
    ]);
  });

  it('warns truncated-record naming the packet frame when the file ends inside an EPB', async () => {
    const head = Buffer.concat([shb('be'), idb('be', 1, 0), epb('be', 0, 1n, [1])]);
    const cut = epb('be', 0, 2n, ETH).subarray(0, 50);
    const c = await collect(Buffer.concat([head, cut]), 7);
    expect(c.records).toHaveLength(1);
    expect(c.warnings).toEqual([
      {
        code: 'truncated-record',
        severity: 'warning',
        detail: 'the file ends inside a block: 50 of 92 bytes present',
        packetBlock: true,
        message: `frame 2 at byte offset ${head.length}: the file ends inside a block: 50 of 92 bytes present`,
        frame: 2,
        offset: head.length,
      },
    ]);
  });

  it('rejects a first section header with a bad byte-order magic or version', async () => {
    const badBom = shb('le');
    badBom.writeUInt32LE(0x12345678, 8);
    const c1 = await collect(badBom);
    expect(c1.error).toBeInstanceOf(CaptureError);
    expect(c1.error?.message).toBe('bad pcapng section header: section header has no valid byte-order magic (0x12345678)');
    const c2 = await collect(shb('be', 2, 0));
    expect(c2.error?.message).toBe('bad pcapng section header: unsupported pcapng version 2.0 (expected 1.x)');
    const c3 = await collect(shb('le').subarray(0, 20));
    expect(c3.error?.message).toBe('truncated pcapng section header (20 bytes)');
  });

  it('warns and stops on a later section with an unsupported version', async () => {
    const first = Buffer.concat([shb('le'), idb('le', 1, 0), epb('le', 0, 1n, [1])]);
    const c = await collect(Buffer.concat([first, shb('le', 2, 0), idb('le', 1, 0)]));
    expect(c.records).toHaveLength(1);
    expect(c.warnings.map((w) => [w.code, w.offset])).toEqual([['unsupported-version', first.length]]);
  });

  it('gives identical records one byte per chunk, and through gzip', async () => {
    const file = Buffer.concat([
      shb('be'),
      idb('be', 1, 65535, { tsresol: 9, name: 'x' }),
      epb('be', 0, 1700000000123456789n, ETH),
      block(5, Buffer.alloc(12), 'be'),
      spb('be', 60, ETH),
      shb('le'),
      idb('le', 1, 65535),
      opb('le', 0, TS_US, [1, 2, 3]),
    ]);
    const whole = await collect(file);
    expect(whole.records).toHaveLength(3);
    const bytewise = await collect(file, 1);
    expect(bytewise.records).toEqual(whole.records);
    expect(bytewise.interfaces).toEqual(whole.interfaces);
    expect(bytewise.result).toEqual(whole.result);
    const zipped = await collect(gzipSync(file), 5);
    expect(zipped.header?.compressed).toBe(true);
    expect(zipped.records).toEqual(whole.records);
  });
});
