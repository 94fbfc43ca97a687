/**
 * Damaged capture files, derived from the real fixtures by editing record headers (lengths,
 * timestamps, block types), cutting, removing or moving whole records — never by writing packet
 * bytes. Each damage gives one warning (or, when the file header itself is gone, one error line
 * and exit code 2) naming the frame and byte offset, and everything before the damage is analysed
 * exactly as tshark saw it (fixtures/*.tshark-ftp.tsv).
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { analyzeStream } from '../../src/analysis/pipeline.js';
import type { Analysis, Session } from '../../src/analysis/model.js';
import { CaptureError } from '../../src/capture/types.js';
import { runCli } from '../cli/run-cli.js';
import { BLOCK, duplicateRecord, indexCapture, moveRecord, packetRecords, readField, type CaptureIndex } from '../support/capture-records.js';
import { FIXTURES_DIR, fixture } from '../support/fuzz/corpus.js';
import { applyOps, type Op } from '../support/fuzz/mutations.js';
import { tsharkFtp, tsharkReplies, tsharkRequests } from '../support/tshark-ftp.js';

const analyze = (bytes: Buffer): Promise<Analysis> =>
  analyzeStream(Readable.from([bytes]), { fileName: 'derived', showPasswords: true });

const requests = (s: Session | undefined): string[] =>
  (s?.commands ?? []).filter((c) => c.command !== null).map((c) => `${c.frame} ${c.command} ${c.arg}`.trimEnd());
const replies = (s: Session | undefined): string[] =>
  (s?.commands ?? [])
    .flatMap((c) => [...c.preliminary, ...(c.reply ? [c.reply] : [])])
    .sort((x, y) => x.firstFrame - y.firstFrame)
    .map((r) => `${r.code}@${r.firstFrame}`);

/** Frames wholly before byte `at`, and the record `at` falls inside (if any). */
function before(index: CaptureIndex, at: number): { frames: number; cut: (typeof index.records)[number] | undefined } {
  const frames = index.records.filter((r) => r.frame !== null && r.offset + r.length <= at).length;
  return { frames, cut: index.records.find((r) => r.offset < at && at < r.offset + r.length) };
}

/**
 * npm test cuts at every offset of a record's header (a pcap record's 16 bytes, a pcapng block's
 * first 28), two bytes either side of its start and end, and every 16th byte between (the rest of
 * a record reads the same way at any offset); FTPCAP_LONG=all (`npm run test:long`, which .ci/run
 * runs) at every byte.
 */
const EVERY_BYTE = process.env.FTPCAP_LONG === 'all';
function cutHere(index: CaptureIndex, at: number): boolean {
  return EVERY_BYTE || at % 16 === 0 || index.records.some((r) => (at >= r.offset - 2 && at <= r.offset + 30) || Math.abs(at - (r.offset + r.length)) <= 2);
}

/** What the undamaged frames 1..n hold according to tshark. */
function expectSameAsTshark(a: Analysis, capture: string, n: number): void {
  const rows = tsharkFtp(FIXTURES_DIR, capture);
  expect(requests(a.sessions[0])).toEqual(tsharkRequests(rows, n));
  expect(replies(a.sessions[0])).toEqual(tsharkReplies(rows, n));
}

describe('a capture cut at every byte offset', () => {
  it('fail-login-vsftpd-curl.pcap (1415 bytes): every whole record read, the cut one named, results as tshark saw them', async () => {
    const f = fixture('fail-login-vsftpd-curl.pcap');
    const rows = tsharkFtp(FIXTURES_DIR, f.name);
    let analysed = 0;
    let cuts = 0;
    for (let at = 0; at <= f.bytes.length; at++) {
      if (!cutHere(f.index, at)) continue;
      if (at >= 24) cuts++;
      const bytes = f.bytes.subarray(0, at);
      if (at < 24) {
        const err = await analyze(bytes).catch((e: unknown) => e);
        expect(err, `cut at ${at}`).toBeInstanceOf(CaptureError);
        if (at >= 4) expect((err as Error).message).toBe(`truncated pcap file header (${at} of 24 bytes)`);
        continue;
      }
      const a = await analyze(bytes);
      const { frames, cut } = before(f.index, at);
      expect(a.capture.packets, `cut at ${at}`).toBe(frames);
      const truncated = a.capture.warnings.filter((w) => w.code === 'truncated-record');
      if (cut === undefined) expect(truncated).toEqual([]);
      else {
        expect(truncated, `cut at ${at}`).toHaveLength(1);
        expect(truncated[0]).toMatchObject({ frame: frames + 1, offset: cut.offset });
        expect(truncated[0].message).toContain(`frame ${frames + 1} at byte offset ${cut.offset}`);
      }
      expect(requests(a.sessions[0]), `cut at ${at}`).toEqual(tsharkRequests(rows, frames));
      expect(replies(a.sessions[0]), `cut at ${at}`).toEqual(tsharkReplies(rows, frames));
      analysed++;
    }
    expect(analysed).toBe(cuts);
    if (EVERY_BYTE) expect(analysed).toBe(f.bytes.length + 1 - 24);
  });

  it('passive-proftpd-curl.pcapng: every offset of the first 2 KiB and around every block boundary', async () => {
    const f = fixture('passive-proftpd-curl.pcapng');
    const rows = tsharkFtp(FIXTURES_DIR, f.name);
    const shb = f.index.records[0].length;
    const offsets = new Set<number>();
    for (let at = 0; at < 2048; at++) if (cutHere(f.index, at)) offsets.add(at);
    for (const r of f.index.records) for (const d of [-1, 0, 1, 4, 8, 12, 27, 28, 29]) offsets.add(r.offset + d);
    offsets.add(f.bytes.length);
    for (const at of [...offsets].filter((x) => x >= 0 && x <= f.bytes.length).sort((x, y) => x - y)) {
      const bytes = f.bytes.subarray(0, at);
      if (at < shb) {
        await expect(analyze(bytes), `cut at ${at}`).rejects.toBeInstanceOf(CaptureError);
        continue;
      }
      const a = await analyze(bytes);
      const { frames, cut } = before(f.index, at);
      expect(a.capture.packets, `cut at ${at}`).toBe(frames);
      const truncated = a.capture.warnings.filter((w) => w.code === 'truncated-record');
      if (cut === undefined) expect(truncated).toEqual([]);
      else expect(truncated.map((w) => [w.frame, w.offset]), `cut at ${at}`).toEqual([[frames + 1, cut.offset]]);
      expect(requests(a.sessions[0]), `cut at ${at}`).toEqual(tsharkRequests(rows, frames));
      expect(replies(a.sessions[0]), `cut at ${at}`).toEqual(tsharkReplies(rows, frames));
    }
  });
});

describe('damaged file headers: one line, exit code 2', () => {
  const pcap = fixture('fail-login-vsftpd-curl.pcap');
  const ng = fixture('passive-proftpd-curl.pcapng');
  const cases: Array<[string, Buffer, string]> = [
    ['bad magic', applyOps(pcap.bytes, [{ op: 'header', field: 'magic', value: 0xdeadbeef }]), 'offset 0: not a capture file (magic 0xdeadbeef)'],
    ['pcap version 3.4', applyOps(pcap.bytes, [{ op: 'header', field: 'version-major', value: 3 }]), 'offset 0: unsupported pcap version 3.4 (expected 2.x)'],
    ['pcap version 1.4', applyOps(pcap.bytes, [{ op: 'header', field: 'version-major', value: 1 }]), 'offset 0: unsupported pcap version 1.4 (expected 2.x)'],
    ['pcapng version 2.0', applyOps(ng.bytes, [{ op: 'header', field: 'version-major', value: 2 }]), 'offset 0: bad pcapng section header: unsupported pcapng version 2.0 (expected 1.x)'],
    ['pcap file header cut', pcap.bytes.subarray(0, 20), 'offset 0: truncated pcap file header (20 of 24 bytes)'],
    ['empty input', Buffer.alloc(0), 'empty file'],
  ];
  it.each(cases)('%s', async (_what, bytes, message) => {
    const r = await runCli(['summary', '-'], { stdin: bytes });
    expect(r).toEqual({ code: 2, stdout: '', stderr: `ftpcap: -: ${message}\n` });
  });
});

describe('damaged records of classic pcap (fail-login-vsftpd-curl.pcap)', () => {
  const f = fixture('fail-login-vsftpd-curl.pcap');
  // Frame 8 carries USER (tshark: 8 USER ftpuser); record index = frame - 1.
  const USER = 7;
  const offset = f.index.records[USER].offset;

  it.each([
    ['0xFFFFFFFF', 0xffffffff],
    ['snap length + 1 (262145)', 262_145],
  ])('captured length %s: caplen-too-large names frame 8 and its offset; frames 1-7 analysed as tshark saw them', async (_what, value) => {
    expect(f.index.snapLength).toBe(262_144);
    const a = await analyze(applyOps(f.bytes, [{ op: 'field', record: USER, field: 'caplen', value }]));
    expect(a.capture.packets).toBe(7);
    expect(a.capture.warnings).toEqual([
      {
        code: 'caplen-too-large',
        severity: 'error',
        caplen: value,
        limit: 262144,
        snapLength: 262144,
        frame: 8,
        offset,
        message: `frame 8 at byte offset ${offset}: captured length ${value} exceeds the limit 262144 (snaplen 262144); the record header is damaged, reading stops`,
      },
    ]);
    expectSameAsTshark(a, f.name, 7);
  });

  it('captured length beyond the end of the file: truncated-record at frame 8', async () => {
    const a = await analyze(applyOps(f.bytes, [{ op: 'field', record: USER, field: 'caplen', value: 100_000 }]));
    expect(a.capture.packets).toBe(7);
    // 100000 is also more than the 80 bytes the frame had on the wire: said once, before the cut.
    expect(a.capture.warnings.map((w) => [w.code, w.frame, w.offset])).toEqual([
      ['caplen-exceeds-origlen', 8, offset],
      ['truncated-record', 8, offset],
    ]);
    expect(a.capture.warnings[1].message).toBe(`frame 8 at byte offset ${offset} is cut short: the record needs 100016 bytes, the file ends after ${f.bytes.length - offset}`);
    expectSameAsTshark(a, f.name, 7);
  });

  it('captured > original length on two frames: reported once (frame 8), every frame still read', async () => {
    const a = await analyze(
      applyOps(f.bytes, [
        { op: 'field', record: USER, field: 'origlen', value: 10 },
        { op: 'field', record: USER + 3, field: 'origlen', value: 10 },
      ]),
    );
    expect(a.capture.packets).toBe(16);
    expect(a.capture.warnings.map((w) => [w.code, w.frame, w.offset])).toEqual([['caplen-exceeds-origlen', 8, offset]]);
    expectSameAsTshark(a, f.name, 16);
  });

  it('a zero-length packet (its record keeps 0 bytes): counted, named, its bytes a gap of the control connection', async () => {
    const a = await analyze(applyOps(f.bytes, [{ op: 'snap', record: USER, keep: 0 }]));
    expect(a.capture.packets).toBe(16);
    expect(a.capture.warnings.map((w) => [w.code, w.frame, w.offset])).toEqual([['truncated-packets', 8, offset]]);
    const s = a.sessions[0];
    // tshark: frame 8 has tcp.len 14 ("USER ftpuser\r\n"); it is missing, the rest is as tshark saw it.
    expect(s.controlGapBytes).toBe(14);
    expect(requests(s)).toEqual(tsharkRequests(tsharkFtp(FIXTURES_DIR, f.name)).filter((r) => !r.startsWith('8 ')));
  });

  it('timestamps going backwards: one warning naming the first frame that goes back; all frames analysed in file order', async () => {
    const ts = readField(f.bytes, f.index.records[10], 'ts-high')!;
    const a = await analyze(applyOps(f.bytes, [{ op: 'field', record: 10, field: 'ts-high', value: ts - 100 }]));
    expect(a.capture.packets).toBe(16);
    expect(a.capture.warnings.map((w) => [w.code, w.frame, w.offset])).toEqual([['time-backwards', 11, f.index.records[10].offset]]);
    expectSameAsTshark(a, f.name, 16);
  });

  it('a record duplicated and two swapped: every frame read, no damage warning (pcap has no sequence to check)', async () => {
    const a = await analyze(applyOps(f.bytes, [{ op: 'duplicate', record: 3 }, { op: 'swap', a: 1, b: 2 }]));
    expect(a.capture.packets).toBe(17);
    expect(a.capture.warnings.filter((w) => w.code !== 'time-backwards')).toEqual([]);
  });
});

describe('damaged blocks of pcapng (passive-proftpd-curl.pcapng)', () => {
  const f = fixture('passive-proftpd-curl.pcapng');
  const rows = tsharkFtp(FIXTURES_DIR, f.name);
  const packets = packetRecords(f.index);
  // The first block carrying a request (tshark's first request row).
  const k = rows.find((r) => r.command !== '')!.frame;
  const rec = f.index.records.indexOf(packets[k - 1]);
  const at = packets[k - 1].offset;
  const len = packets[k - 1].length;

  const damaged = async (ops: Op[]): Promise<Analysis> => {
    const a = await analyze(applyOps(f.bytes, ops));
    expect(a.capture.packets).toBe(k - 1);
    expect(requests(a.sessions[0])).toEqual(tsharkRequests(rows, k - 1));
    expect(replies(a.sessions[0])).toEqual(tsharkReplies(rows, k - 1));
    return a;
  };

  it('a block length that is not a multiple of 4', async () => {
    const a = await damaged([{ op: 'field', record: rec, field: 'block-length', value: len + 1 }]);
    expect(a.capture.warnings).toEqual([
      {
        code: 'bad-block-length',
        severity: 'error',
        detail: `block total length ${len + 1} is not a multiple of 4 of at least 12`,
        packetBlock: false,
        frame: k,
        offset: at,
        message: `block at byte offset ${at} (after frame ${k - 1}): block total length ${len + 1} is not a multiple of 4 of at least 12`,
      },
    ]);
  });

  it('a trailing block length that does not match the leading one', async () => {
    const a = await damaged([{ op: 'field', record: rec, field: 'trailing-length', value: len + 4 }]);
    expect(a.capture.warnings).toEqual([
      {
        code: 'bad-block-length',
        severity: 'error',
        detail: `trailing block length ${len + 4} differs from leading ${len}`,
        packetBlock: true,
        frame: k,
        offset: at,
        message: `frame ${k} at byte offset ${at}: trailing block length ${len + 4} differs from leading ${len}`,
      },
    ]);
  });

  it('a huge block length', async () => {
    const a = await damaged([{ op: 'field', record: rec, field: 'block-length', value: 0x7ffffffc }]);
    expect(a.capture.warnings.map((w) => [w.code, w.frame, w.offset])).toEqual([['block-too-large', k, at]]);
  });

  it('a captured length of 0xFFFFFFFF', async () => {
    const a = await damaged([{ op: 'field', record: rec, field: 'caplen', value: 0xffffffff }]);
    expect(a.capture.warnings).toEqual([
      {
        code: 'caplen-too-large',
        severity: 'error',
        detail: `captured length 4294967295 does not fit the block (room for ${len - 32})`,
        packetBlock: true,
        frame: k,
        offset: at,
        message: `frame ${k} at byte offset ${at}: captured length 4294967295 does not fit the block (room for ${len - 32})`,
      },
    ]);
  });

  it('a missing interface description: unknown-interface on frame 1, at the offset where it now lies', async () => {
    const idb = f.index.records.findIndex((r) => r.type === BLOCK.IDB);
    const edited = applyOps(f.bytes, [{ op: 'remove', record: idb }]);
    const a = await analyze(edited);
    expect(a.capture.packets).toBe(0);
    const first = indexCapture(edited)!.records.find((r) => r.frame === 1)!;
    expect(a.capture.warnings.map((w) => [w.code, w.frame, w.offset])).toEqual([['unknown-interface', 1, first.offset]]);
    expect(a.sessions).toEqual([]);
  });

  it('a block of unknown type is skipped: the analysis is that of the undamaged file', async () => {
    const idb = f.index.records.findIndex((r) => r.type === BLOCK.IDB);
    // A copy of the interface description, retyped: an unknown block between it and the packets.
    const edited = applyOps(f.bytes, [{ op: 'duplicate', record: idb }, { op: 'field', record: idb + 1, field: 'type', value: 0x0badf00d }]);
    expect(indexCapture(edited)!.records[idb + 1].type).toBe(0x0badf00d);
    const a = await analyze(edited);
    const whole = await analyze(f.bytes);
    expect(a.capture.warnings).toEqual([]);
    expect(a.capture.packets).toBe(whole.capture.packets);
    expect(a.sessions).toEqual(whole.sessions);
  });

  it('a later section of an unsupported version: unsupported-version names where it starts; what came before is analysed', async () => {
    // A copy of the section header moved before frame k, its version set to 2.0.
    const dup = duplicateRecord(f.bytes, f.index, 0);
    const moved = moveRecord(dup, indexCapture(dup)!, 1, rec);
    const shb2 = indexCapture(moved)!.records[rec];
    expect(shb2.type).toBe(BLOCK.SHB);
    const edited = Buffer.from(moved);
    if (shb2.littleEndian) edited.writeUInt16LE(2, shb2.offset + 12);
    else edited.writeUInt16BE(2, shb2.offset + 12);
    const a = await analyze(edited);
    expect(a.capture.packets).toBe(k - 1);
    expect(a.capture.warnings.map((w) => [w.code, w.frame, w.offset])).toEqual([['unsupported-version', k, shb2.offset]]);
    expect(requests(a.sessions[0])).toEqual(tsharkRequests(rows, k - 1));
  });
});
