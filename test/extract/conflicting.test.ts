/**
 * Issue 12 #11: retransmitted bytes whose content differs from the first copy. Derived from the
 * lossy recording (a real 4 MiB download with real retransmissions): the payload of one
 * retransmission that repeats an earlier data segment exactly is altered, as a device tampering
 * with the stream would (TCP checksum fixed up too). That is the only byte changed; every other
 * record is as recorded. The first copy wins, the file comes back as the original, and both the
 * warning and the extracted object's verdict say so.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/extract/manifest.js';
import { runCli } from '../cli/run-cli.js';
import { splitPcap } from '../support/pcap-edit.js';
import { readView } from '../diagnose/tshark-evidence.js';

const FIXTURES = resolve(__dirname, '../../fixtures');
const LARGE = 'large-lossy-vsftpd-lftp';
const facts = JSON.parse(readFileSync(join(FIXTURES, `${LARGE}.facts.json`), 'utf8')) as { files: Array<{ op: string; sha256: string }> };
const RETR_SHA = facts.files.find((f) => f.op === 'RETR')!.sha256;
const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-conflict-'));

/** One's-complement TCP checksum over the IPv4 pseudo-header and segment. */
function tcpChecksum(ip: Buffer, tcp: Buffer): number {
  let sum = 0;
  const add = (b: Buffer): void => {
    for (let i = 0; i + 1 < b.length; i += 2) sum += b.readUInt16BE(i);
    if (b.length % 2) sum += b[b.length - 1] << 8;
  };
  add(ip.subarray(12, 20));
  sum += 6 + tcp.length;
  add(tcp);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** The first retransmission from the server that repeats an earlier data segment exactly: its frame. */
function exactRepeat(): number {
  const rows = readView(FIXTURES, LARGE).fields;
  const seen = new Set<string>();
  for (const r of rows) {
    if (r['ip.src'] !== '198.51.100.20' || r['tcp.srcport'] === '21' || Number(r['tcp.len']) === 0) continue;
    const key = `${r['tcp.srcport']}:${r['tcp.seq_raw']}:${r['tcp.len']}`;
    if (seen.has(key)) return Number(r['frame.number']);
    seen.add(key);
  }
  throw new Error('no exact retransmission in the recording');
}

describe('a retransmission carrying other bytes than the first copy', () => {
  it('is warned about with its frames and the policy, the object is "conflicting", the first copy is saved', async () => {
    const frame = exactRepeat();
    const file = gunzipSync(readFileSync(join(FIXTURES, `${LARGE}.pcap.gz`)));
    const { records } = splitPcap(file);
    const d = records[frame - 1].data;
    const ihl = (d[14] & 0x0f) * 4;
    const tcpStart = 14 + ihl;
    const payload = tcpStart + (d[tcpStart + 12] >> 4) * 4;
    for (let i = payload; i < d.length; i++) d[i] ^= 0x5a; // the tampering (splitPcap's views write through)
    d.writeUInt16BE(0, tcpStart + 16);
    d.writeUInt16BE(tcpChecksum(d.subarray(14, tcpStart), d.subarray(tcpStart, 14 + d.readUInt16BE(16))), tcpStart + 16);
    const path = join(tmp, 'tampered-retransmission.pcap');
    writeFileSync(path, file);

    // Bytes are compared where they are read (extract, listings, control connections): summary
    // only counts a file's bytes, and stays silent rather than guess.
    const out = join(tmp, 'out');
    const r = await runCli(['extract', path, '-o', out, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`frame ${frame}: 1 retransmitted segment\\(s\\) in 1 data connection\\(s\\) repeated bytes with different content .*the first copy is kept.*\\[conflicting-retransmissions\\]`));
    const m = JSON.parse(r.stdout) as Manifest;
    const retr = m.objects.find((o) => o.command === 'RETR')!;
    expect(retr.verdict).toBe('conflicting');
    expect(retr.notes.join(' ')).toMatch(new RegExp(`first: frame ${frame}, against frame \\d+\\); the first copy was saved`));
    expect(retr.sha256).toBe(RETR_SHA);
    expect(createHash('sha256').update(readFileSync(join(out, retr.savedName))).digest('hex')).toBe(RETR_SHA);
    // The upload in the same capture was not touched.
    expect(m.objects.find((o) => o.command === 'STOR')!.verdict).toBe('complete');
  });
});
