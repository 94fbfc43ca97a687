/**
 * Damaged packets inside real captures, end to end: one header field of one recorded packet is
 * set to a broken value, located by the decoders' own field tables (src/decode/fields.ts), and the
 * capture is analysed. The decoders' unit tests cover each length rule on tiny arrays; here the
 * point is that a capture holding such a packet is analysed to the end, the packet is named (a
 * warning with frame and byte offset, its problem in `ftpcap dump`), and what it carried shows up
 * as a gap rather than as a guess. Expected values come from tshark's views of the fixtures.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { analyzeStream } from '../../src/analysis/pipeline.js';
import type { Analysis } from '../../src/analysis/model.js';
import { traceConnections, tracePackets } from '../../src/analysis/packet-trace.js';
import { IPV4, IPV6, TCP } from '../../src/decode/fields.js';
import { renderDumpFrame } from '../../src/render/dump.js';
import { setPacketField, snapRecord } from '../support/capture-records.js';
import { FIXTURES_DIR, fixture, type Fixture } from '../support/fuzz/corpus.js';
import { TERMINAL_UNSAFE } from '../support/fuzz/run-case.js';
import { readText } from '../support/read-text.js';
import { tsharkFtp, tsharkRequests } from '../support/tshark-ftp.js';

const ETH = 14;

const analyze = (bytes: Buffer): Promise<Analysis> => analyzeStream(Readable.from([bytes]), { fileName: 'derived', showPasswords: true });

/** tshark's per-frame header fields of a fixture, by frame number. */
function fields(f: Fixture): Map<number, Record<string, string>> {
  const lines = readText(`${FIXTURES_DIR}/${f.name.replace(/\.(pcap|pcapng)(\.gz)?$/, '')}.tshark-fields.tsv`, 'utf8').split('\n').filter(Boolean);
  const head = lines[0].split('\t');
  return new Map(lines.slice(1).map((l) => {
    const v = l.split('\t');
    return [Number(v[0]), Object.fromEntries(head.map((h, i) => [h, v[i] ?? '']))];
  }));
}

/** The dump box of one frame, as `ftpcap dump --frame N` prints it. */
async function dumpOf(bytes: Buffer, a: Analysis, frame: number): Promise<string> {
  const boxes: string[] = [];
  await tracePackets(Readable.from([bytes]), traceConnections(a), {
    fileName: 'derived',
    limits: a.limits,
    keep: (n) => n === frame,
    onKept: (k) => boxes.push(renderDumpFrame(k, a, { showPasswords: true })),
  });
  expect(boxes).toHaveLength(1);
  expect(boxes[0]).not.toMatch(TERMINAL_UNSAFE);
  // The box wraps long values: its lines' contents joined, so a message reads as one text.
  return boxes[0]
    .split('\n')
    .map((l) => l.replace(/^[|│]\s*|\s*[|│]$/g, '').trim())
    .join(' ')
    .replace(/\s+/g, ' ');
}

describe('a damaged packet in a real capture (fail-login-vsftpd-curl.pcap, frame 8: USER ftpuser)', () => {
  const f = fixture('fail-login-vsftpd-curl.pcap');
  const tf = fields(f);
  const USER = 8;
  const rec = USER - 1;
  const offset = f.index.records[rec].offset;
  const ipLen = Number(tf.get(USER)!['ip.hdr_len']);
  const tcpLen = Number(tf.get(USER)!['tcp.len']);
  const all = tsharkRequests(tsharkFtp(FIXTURES_DIR, f.name));
  const withoutUser = all.filter((r) => !r.startsWith(`${USER} `));

  it('the fixture is what the cases below assume (tshark)', () => {
    expect(tf.get(USER)!['eth.type']).toBe('0x0800');
    expect([ipLen, Number(tf.get(USER)!['tcp.hdr_len']), tcpLen]).toEqual([20, 32, 14]);
    expect(all).toEqual(['8 USER ftpuser', '11 PASS wrong-password']);
  });

  const malformed: Array<[string, Buffer, RegExp]> = [
    ['IPv4 header length below 20 (IHL 4)', setPacketField(f.bytes, f.index, rec, ETH, IPV4.headerLength, 16), /IPv4 header length 16 \(IHL 4\) is below 20/],
    ['IPv4 total length less than its header', setPacketField(f.bytes, f.index, rec, ETH, IPV4.totalLength, 12), /IPv4 total length 12 is less than its header length 20/],
    ['TCP data offset below 5', setPacketField(f.bytes, f.index, rec, ETH + ipLen, TCP.headerLength, 16), /TCP data offset 4 \(16 bytes\) is below 5/],
    ['TCP data offset beyond the segment', setPacketField(f.bytes, f.index, rec, ETH + ipLen, TCP.headerLength, 60), /TCP header length 60 exceeds the segment's 46 bytes/],
  ];
  it.each(malformed)('%s: analysed to the end, the frame named, its bytes a gap', async (_what, bytes, problem) => {
    const a = await analyze(bytes);
    expect(a.capture.packets).toBe(16);
    const w = a.capture.warnings.filter((x) => x.code === 'malformed-packets');
    expect(w.map((x) => [x.frame, x.offset])).toEqual([[USER, offset]]);
    expect(w[0].message).toMatch(problem);
    expect(w[0].message).toContain(`1 frame(s) with malformed headers`);
    const s = a.sessions[0];
    expect(s.commands.filter((c) => c.command !== null).map((c) => `${c.frame} ${c.command} ${c.arg}`)).toEqual(withoutUser);
    expect(s.controlGapBytes).toBe(tcpLen);
    expect(await dumpOf(bytes, a, USER)).toMatch(new RegExp(`Problem: malformed: ${problem.source}`));
  });

  it('IPv4 total length bigger than the frame: malformed, decoded with the bytes there were', async () => {
    const bytes = setPacketField(f.bytes, f.index, rec, ETH, IPV4.totalLength, 1500);
    const a = await analyze(bytes);
    const w = a.capture.warnings.filter((x) => x.code === 'malformed-packets');
    expect(w.map((x) => [x.frame, x.offset])).toEqual([[USER, offset]]);
    expect(w[0].message).toMatch(/IPv4 total length 1500 exceeds the 66 bytes on the wire/);
    // What was on the wire is all there is: the command is still read.
    expect(a.sessions[0].commands.filter((c) => c.command !== null).map((c) => `${c.frame} ${c.command} ${c.arg}`)).toEqual(all);
    expect(a.sessions[0].controlGapBytes).toBe(0);
  });

  it('IPv4 total length smaller than the frame: the rest is padding, the bytes it cut off are a gap', async () => {
    // Header 20 + TCP 32 + 4 bytes of "USER ftpuser\r\n": 10 bytes are no longer part of the packet.
    const bytes = setPacketField(f.bytes, f.index, rec, ETH, IPV4.totalLength, 20 + 32 + 4);
    const a = await analyze(bytes);
    expect(a.capture.warnings.filter((x) => x.code === 'malformed-packets')).toEqual([]);
    const s = a.sessions[0];
    expect(s.controlGapBytes).toBe(10);
    expect(s.commands.filter((c) => c.command === 'USER' && c.arg === 'ftpuser')).toEqual([]);
    expect(s.commands.some((c) => c.command === 'PASS' && c.reply?.code === 530)).toBe(true);
  });

  it('cut by the snapshot length inside the TCP payload: truncated (not malformed), the missing bytes a cut, not a lost stretch', async () => {
    // Ethernet 14 + IPv4 20 + TCP 32 + 6 of the 14 payload bytes.
    const bytes = snapRecord(f.bytes, f.index, rec, ETH + 20 + 32 + 6);
    const a = await analyze(bytes);
    expect(a.capture.warnings.map((x) => [x.code, x.frame, x.offset])).toEqual([['truncated-packets', USER, offset]]);
    expect(a.capture.warnings[0].message).toContain('72 of 80 bytes captured');
    // The 8 bytes cut crossed the capture point (the segment is there): no stretch of the conversation lost.
    expect(a.sessions[0].controlGapBytes).toBe(0);
    expect(await dumpOf(bytes, a, USER)).not.toMatch(/Problem/);
  });

  const SYN = 3;
  it.each([
    ['0', 0, /option 2 has length 0 \(minimum 2\)/],
    ['1', 1, /option 2 has length 1 \(minimum 2\)/],
    ['running past the header', 40, /option 2 of length 40 runs past the header by \d+ bytes/],
  ])('a bogus TCP option length (%s) on the SYN: the connection opens as recorded, the dump shows the option as malformed', async (_what, len, reason) => {
    expect(tf.get(SYN)!['tcp.flags']).toBe('0x0002');
    expect(tf.get(SYN)!['tcp.options.mss_val']).toBe('1460');
    // The SYN's first option is its MSS (kind 2, length 4) right after the 20-byte fixed header.
    const at = f.index.records[SYN - 1].dataOffset! + ETH + 20 + 20;
    expect([f.bytes[at], f.bytes[at + 1]]).toEqual([2, 4]);
    const bytes = Buffer.from(f.bytes);
    bytes[at + 1] = len;
    const a = await analyze(bytes);
    expect(a.capture.packets).toBe(16);
    expect(a.sessions[0].midstream).toBe(false);
    expect(a.sessions[0].commands.filter((c) => c.command !== null).map((c) => `${c.frame} ${c.command} ${c.arg}`)).toEqual(all);
    expect(await dumpOf(bytes, a, SYN)).toMatch(reason);
  });
});

describe('an IPv6 extension header chain (ipv6-epsv-proftpd-lftp.pcapng)', () => {
  const f = fixture('ipv6-epsv-proftpd-lftp.pcapng');
  const rows = tsharkFtp(FIXTURES_DIR, f.name);
  const greeting = rows.find((r) => r.code === 220)!.frame;

  it('next header set to hop-by-hop on the greeting: the TCP header read as a chain of extension headers is named malformed', async () => {
    const rec = f.index.records.findIndex((r) => r.frame === greeting);
    // The server sends from port 21 = 0x0015: read as an extension header, that is "next header
    // 0 (hop-by-hop again), length (21 + 1) * 8 = 176 bytes", more than the segment holds.
    const bytes = setPacketField(f.bytes, f.index, rec, ETH, IPV6.nextHeader, 0);
    const a = await analyze(bytes);
    expect(a.capture.packets).toBe(f.index.frames);
    const w = a.capture.warnings.filter((x) => x.code === 'malformed-packets');
    expect(w.map((x) => [x.frame, x.offset])).toEqual([[greeting, f.index.records[rec].offset]]);
    expect(w[0].message).toMatch(/IPv6 extension header 0 of 176 bytes overruns the payload length/);
    const s = a.sessions[0];
    expect(s.greeting).toBeNull();
    expect(s.controlGapBytes).toBeGreaterThan(0);
    // Every request tshark saw is still read.
    expect(s.commands.filter((c) => c.command !== null).map((c) => `${c.frame} ${c.command} ${c.arg}`.trimEnd())).toEqual(tsharkRequests(rows));
  });
});
