/**
 * Causes that show in captures damaged or filtered in the field, derived from the real fixtures by
 * removing whole records: a capture cut while a transfer stalled, a capture that dropped segments,
 * a capture filtered to port 21, a capture that missed the server's SYNs.
 */
import { mkdtempSync, readFileSync, writeFileSync, createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeStream } from '../../src/analysis/pipeline.js';
import type { Analysis } from '../../src/analysis/model.js';
import { filterPcap, tcpPorts } from '../support/pcap-edit.js';
import { readView } from './tshark-evidence.js';

const FIXTURES = resolve(__dirname, '../../fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-derived-'));

async function analyzeBytes(name: string, bytes: Buffer): Promise<Analysis> {
  const path = join(tmp, `${name}.pcap`);
  writeFileSync(path, bytes);
  return analyzeStream(createReadStream(path), { fileName: path });
}

const num = (v: string): number => Number(v);

describe('causes seen in damaged or filtered captures', () => {
  it('a capture cut while a rate-limited reader\'s window is shut for no longer than its own rhythm: in progress, not stalled', async () => {
    // Before (audit 40): "stalled: the receiving side (client) advertised a zero window at frames 88, 90, 105, …:
    // it stopped reading" for lftp reading at net:limit-rate 20000, whose window shut and reopened every ~0.45 s,
    // cut 0.72 s into one more such shut. The real stalls beside slow transfers: a40-stalled-beside-slow-vsftpd.
    const name = 'abort-vsftpd-lftp';
    const view = readView(FIXTURES, name);
    // Cut the capture before the client's reset of the data connection.
    const rst = view.fields.find((r) => num(r['tcp.flags']) & 0x004 && r['tcp.dstport'] !== '21' && r['tcp.srcport'] !== '21')!;
    const cut = num(rst['frame.number']);
    const a = await analyzeBytes('stalled', filterPcap(readFileSync(join(FIXTURES, `${name}.pcap`)), (r) => r.frame < cut));
    const t = a.sessions[0].transfers[0];
    expect(t.status).toBe('incomplete');
    expect(t.diagnosis).toBeNull();
    expect(t.verdict).toMatchObject({ kind: 'incomplete', why: 'capture-ended' });
    const dataPort = t.connection!.client.port;
    const zero = view.fields.filter(
      (r) => r['tcp.window_size_value'] === '0' && num(r['tcp.srcport']) === dataPort && num(r['frame.number']) < cut,
    );
    // The client's zero window from frame 133 (139 repeats it) still held at the capture's end (frame 140), 0.72 s later; each before it reopened within 0.45 s.
    expect(t.connection!.windowShut).toEqual({ toServer: null, toClient: { frame: 133, time: expect.any(Number) } });
    expect(zero.map((r) => num(r['frame.number']))).toEqual([88, 90, 105, 107, 119, 121, 133, 139]);
    expect(a.capture.last! - t.connection!.windowShut.toClient!.time).toBeCloseTo(0.72, 2);
    expect(t.connection!.longestShut.toClient).toBeGreaterThan(0.36);
    expect(t.connection!.longestShut.toClient).toBeLessThan(1);
  });

  it('segments the capture dropped, though the receiver acknowledged them: completed, with the bytes the capture lacks', async () => {
    const name = 'large-lossy-vsftpd-lftp';
    const view = readView(FIXTURES, name);
    const transfers = (await analyzeStream(createReadStream(join(FIXTURES, `${name}.pcap.gz`)), { fileName: name })).sessions[0].transfers;
    const retr = transfers.find((t) => t.request?.command === 'RETR')!;
    const c = retr.connection!;
    // Three full-sized data segments from the middle of the download, as tshark numbers them.
    const segments = view.fields.filter(
      (r) => num(r['tcp.srcport']) === c.server.port && num(r['tcp.dstport']) === c.client.port && num(r['tcp.len']) > 1000,
    );
    const dropped = new Set(segments.slice(1000, 1003).map((r) => num(r['frame.number'])));
    const droppedBytes = segments.slice(1000, 1003).reduce((n, r) => n + num(r['tcp.len']), 0);
    const a = await analyzeBytes('gap', filterPcap(readFileSync(join(FIXTURES, `${name}.pcap.gz`)), (r) => !dropped.has(r.frame)));
    const t = a.sessions[0].transfers.find((x) => x.request?.command === 'RETR')!;
    expect(t.status).toBe('complete'); // the server said 226: the transfer itself was fine
    // Not a failure: no diagnosis, and the verdict says what the capture lacks.
    expect(t.diagnosis).toBeNull();
    expect(t.verdict).toMatchObject({ kind: 'completed', missingBytes: t.connection!.gapBytes });
    // A segment lost here may have been retransmitted later and captured: only what never came back is a gap.
    expect(t.connection!.gapBytes).toBeGreaterThan(0);
    expect(t.connection!.gapBytes).toBeLessThanOrEqual(droppedBytes);
    expect(t.bytes + t.connection!.gapBytes).toBe(retr.bytes);
  });

  it('a capture filtered to port 21 still shows the transfers, completed by the replies, their data not captured', async () => {
    const name = 'passive-vsftpd-lftp';
    const a = await analyzeBytes(
      'port21',
      filterPcap(readFileSync(join(FIXTURES, `${name}.pcap`)), (r) => tcpPorts(r)?.includes(21) ?? false),
    );
    const ts = a.sessions[0].transfers;
    // The replies prove success; only the capture lacks the data connections: no diagnosis.
    expect(ts.map((t) => [t.request?.command, t.status, t.diagnosis?.cause ?? null, t.verdict.kind])).toEqual([
      ['LIST', 'complete', null, 'not-captured'],
      ['RETR', 'complete', null, 'not-captured'],
      ['STOR', 'complete', null, 'not-captured'],
    ]);
    expect(ts.every((t) => t.verdict.kind === 'not-captured' && t.verdict.replies === 'completed')).toBe(true);
    expect(a.sessions[0].diagnosis).toBeNull();
  });

  it('the server replies 425 after trying, and none of its SYNs is in the client-side capture', async () => {
    const name = 'fail-active-drop-vsftpd-ftp';
    const view = readView(FIXTURES, name);
    const syns = new Set(
      view.fields.filter((r) => r['tcp.srcport'] === '20' && num(r['tcp.flags']) & 0x002).map((r) => num(r['frame.number'])),
    );
    expect(syns.size).toBeGreaterThan(1);
    const a = await analyzeBytes('nosyn', filterPcap(readFileSync(join(FIXTURES, `${name}.pcap`)), (r) => !syns.has(r.frame)));
    const t = a.sessions[0].transfers[0];
    // Seen at the client, the server's SYNs never arrived though it tried for 5 s before its 425:
    // they were lost on the way (as behind a NAT that did not rewrite PORT).
    expect([t.status, t.diagnosis?.cause]).toEqual(['failed', 'active-syn-unanswered']);
    expect(t.diagnosis!.summary).toMatch(/replied 425 .* 5\.0 s after RETR .* None of its SYNs reached the client's side/);
  });
});
