/**
 * The forty-sixth verdict audit: four readings a previous session left open, on real recordings.
 * 1. A segment download (lftp pget -n 3, aria2c -s 3, curl --retry) one of whose data connections the
 *    router resets (iptables REJECT --reject-with tcp-reset on the server's 40th data packet: the packet
 *    dropped, a RST sent to the server in the client's name). Captured at the client, the forged RST is
 *    not in the capture; what is: the dropped packet's hole, never sent again, and the server's stack
 *    answering the client's ACKs with bare resets (no ACK flag, the client's acknowledgement as their
 *    sequence number: a connection it no longer had), then vsftpd's 426. Before: cause path-loss ("data
 *    was lost on the path … look for a link that drops packets"). After: aborted, the server's end
 *    reset by something other than the client — a device between them, or a firewall on the server's
 *    own host (a31-aria2c-server-cut-vsftpd: the same packets at the client), which this capture
 *    cannot tell apart.
 * 2. inetutils-ftp's LPRT after its PORT failed (fail-active-drop-twisted-ftp: Twisted connects on
 *    PORT, the client's firewall drops its SYNs, 425; inetutils "falls back to LPRT", which Twisted
 *    lacks, 502). Before: LPRT's advice "use another active command (PORT for LPRT)", the command that
 *    had just failed for another reason. After: a retry of that attempt; fix the PORT's failure.
 * 3. a46-rate-pause-cut-vsftpd-curl (fixtures/record.sh, "Forty-sixth verdict audit"): vsftpd
 *    local_max_rate=5000 writes 131072 of a 150000-byte file at once and sleeps; the capture stopped
 *    12.2 s into one download's sleep and 3.7 s into another's. Before: the first "stalled … the server
 *    stopped sending … look at the server process (hung, stopped …)". After: in progress when the
 *    capture ended, the server idle with nothing earlier to measure the silence against: paused or
 *    stopped, no diagnosis. The client's files (saved after the capture) match.
 * 4. A capture of the client's packets only (a22-oneway-server-in-vsftpd-curl): the client's ACKs
 *    count the download it received, as the server's ACKs count an upload in a22-oneway-server-out.
 * Frames, flags and sequence numbers are tshark's (NAME.tshark-*.tsv); sizes and sha256 the recorder's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { serverEndGoneUnseen, serverSideResetUnseen } from '../../src/analysis/verdict.js';
import { analyze, dataStreams, extractedFiles, facts, factSha, flat, ftpRows, jsonVerdicts, nothingFailed, ourRows, outputs, path, reportPage, transferRows, transfers, tsv } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit46-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** tshark's [ip.src, ip.id, ip.ttl, tcp.flags, tcp.seq_raw, tcp.ack_raw, tcp.len] of one frame. */
function frame(name: string, n: number): [string, string, number, string, number, number, number] {
  const r = tsv(name, 'fields').find((x) => Number(x['frame.number']) === n)!;
  return [r['ip.src'], r['ip.id'], Number(r['ip.ttl']), r['tcp.flags'], Number(r['tcp.seq_raw']), Number(r['tcp.ack_raw']), Number(r['tcp.len'])];
}
/** tshark's frames of one TCP port's connection. */
const portFrames = (name: string, port: number): Array<Record<string, string>> =>
  tsv(name, 'fields').filter((r) => Number(r['tcp.srcport']) === port || Number(r['tcp.dstport']) === port);
/** Each transfer's cause (the sessions' own diagnoses left out). */
const transferCauses = (a: Awaited<ReturnType<typeof analyze>>): Array<string | null> => transfers(a).map((t) => t.diagnosis?.cause ?? null);
/** The same words a segment reset at the server's end gives in every output. */
const GONE = /it answered them with a reset \(frame (\d+)\) without ACK and with the client's acknowledgement as its sequence number/;

describe("1. a data connection the router resets at the server's end, captured at the client: aborted, not path-loss", () => {
  it("pget-segment-reset-vsftpd-lftp: the dropped packet (IP ID 0x4cc1) never sent again; the server's bare RSTs 125-127 answer the client's ACKs 120-124", async () => {
    const name = 'pget-segment-reset-vsftpd-lftp';
    const a = await analyze(name);
    expect(transferRows(a, (t) => [t.diagnosis?.cause ?? null, t.verdict.kind === 'aborted' ? t.verdict.by : null])).toEqual([
      ['1.1', 'PASV', 42, 'RETR r256k.bin', 46, 3, 59368, 426, 128, 'aborted', 'aborted', 'firewall'],
      ['1.2', 'PASV', 425, 'RETR r256k.bin', 429, 6, 262144, 226, 664, 'completed', null, null],
      ['2.1', 'PASV', 333, 'RETR r256k.bin', 339, 5, 87381, 226, 420, 'completed', null, null],
      ['3.1', 'PASV', 157, 'RETR r256k.bin', 163, 4, 174762, 226, 325, 'completed', null, null],
    ]);
    // tshark: the server's packets 118 and 119 carry IP IDs 0x4cc0 and 0x4cc2 and skip 1448 bytes: the
    // packet with 0x4cc1 (sequence 1619008128) was sent and never arrived, and was never sent again.
    expect([frame(name, 118), frame(name, 119)]).toEqual([
      ['198.51.100.20', '0x4cc0', 63, '0x0010', 1619006680, 2818437696, 1448],
      ['198.51.100.20', '0x4cc2', 63, '0x0010', 1619009576, 2818437696, 1448],
    ]);
    const server = portFrames(name, 50078).filter((r) => r['ip.src'] === '198.51.100.20');
    expect(server.filter((r) => Number(r['tcp.seq_raw']) === 1619008128 && Number(r['tcp.len']) > 0)).toEqual([]);
    // The client acknowledges up to the hole (120, 122, 124); each is answered by a RST with no ACK whose
    // sequence number is that acknowledgement, IP ID 0 and the server's TTL: its stack, the connection gone.
    for (const n of [120, 122, 124]) expect(frame(name, n)).toEqual(['192.0.2.10', expect.any(String), 64, '0x0010', 2818437696, 1619008128, 0]);
    for (const n of [125, 126, 127]) expect(frame(name, n)).toEqual(['198.51.100.20', '0x0000', 63, '0x0004', 1619008128, 0, 0]);
    // Nothing from the client closed or reset it before: no FIN or RST of the client's on the connection at all.
    expect(portFrames(name, 50078).filter((r) => r['ip.src'] === '192.0.2.10' && (Number(r['tcp.flags']) & 0x5) !== 0)).toEqual([]);
    const t = transfers(a)[0];
    expect(t.connection!.rst).toEqual({ frame: 125, by: 'server', ttl: 63, noConnection: true });
    expect([serverEndGoneUnseen(t, a.sessions[0])?.reset, serverSideResetUnseen(t)]).toEqual([125, null]);
    expect(t.connection!.undeliveredBytes).toBe(1448);
    const d = t.diagnosis!;
    expect(d.evidence).toEqual([42, 43, 44, 46, 125, 128]);
    expect(d.summary).toContain("1448 bytes of the server's data never reached the client (it received data sent after them and kept acknowledging up to them), and the server never sent them again");
    expect(d.summary).toMatch(GONE);
    expect(d.summary).toContain("something other than the client reset the server's end: a firewall or router between them in the client's name, or a firewall on the server's own host");
    expect(d.summary).toContain('The server replied 426 Failure writing network stream (frame 128). 59368 bytes of 262144 announced had been sent; the client had acknowledged 55024 of them when the reset came.');
    expect(d.advice).toMatch(/^Something other than the client reset the server's end of the data connection/);
    expect(d.advice).not.toMatch(/failing link, a rate limiter|path-MTU/);
    // The client's file is whole (lftp's retry at 429, transfer 1.2).
    expect(facts(name).files[0]).toMatchObject({ size: 262144, received_matches: true });
    expect((await extractedFiles(name, tmp))['s1-t2-r256k.bin']).toBe(factSha(name, 'r256k.bin'));
    // Every output: the cause aborted, never path-loss or "lost on the path".
    expect(await jsonVerdicts(name)).toEqual([['1.1', 'aborted', 'aborted'], ['1.2', 'completed', null], ['2.1', 'completed', null], ['3.1', 'completed', null]]);
    const [summary, diagnose, explain, logs] = await outputs(name, 'summary', 'diagnose', 'explain', 'logs');
    expect(summary).toMatch(/1\.1 passive RETR r256k\.bin \S+ 59368 426 aborted \(firewall\) \[1\]/);
    expect(summary).toContain('[1] 1.1 aborted: stopped part-way');
    expect(diagnose).toContain('Session 1, transfer 1: aborted');
    for (const text of [diagnose, explain]) {
      expect(text).toMatch(/it answered them with a reset \(frame 125\) without ACK/);
      // The dropped packet is a fact of the story ("never reached the client"); path loss is no longer its cause.
      expect(text).not.toMatch(/path-loss|data was lost on the path|Packets were lost between the client and the server/);
    }
    expect(logs).not.toContain('path-loss');
    expect(await reportPage(name, tmp)).not.toContain('path-loss');
  });

  it("a29-aria2c-segment-reset-vsftpd: the first RST (111) carries the client's acknowledgement of frame 89", async () => {
    const name = 'a29-aria2c-segment-reset-vsftpd';
    const a = await analyze(name);
    const t = transfers(a)[0];
    expect([frame(name, 89)[5], frame(name, 111)]).toEqual([2774563745, ['198.51.100.20', '0x0000', 63, '0x0004', 2774563745, 0, 0]]);
    // The dropped packet: IP IDs 0x0903 (100) then 0x0905 (102), sequence 2774572433 never carried.
    expect([frame(name, 100)[1], frame(name, 102)[1], frame(name, 100)[4] + 1448]).toEqual(['0x0903', '0x0905', 2774572433]);
    expect(t.connection!.rst).toEqual({ frame: 111, by: 'server', ttl: 63, noConnection: true });
    expect([t.status, t.verdict.kind, t.diagnosis!.cause, t.diagnosis!.evidence, t.reply?.code, t.reply?.frame]).toEqual(['aborted', 'aborted', 'aborted', [28, 33, 34, 38, 111, 120], 426, 120]);
    expect(t.diagnosis!.summary).toMatch(GONE);
    expect(transferCauses(a)).toEqual(['aborted', null, null, null]);
  });

  it('retry-426-twice-vsftpd-curl: both router resets read alike, cause aborted; the second shown by the RST answering the FIN (192)', async () => {
    const name = 'retry-426-twice-vsftpd-curl';
    const a = await analyze(name);
    const [t1, t2] = transfers(a);
    expect([frame(name, 88)[3], frame(name, 191)[3], frame(name, 192)[3]]).toEqual(['0x0004', '0x0011', '0x0004']);
    expect([serverEndGoneUnseen(t1, a.sessions[0])?.reset, serverSideResetUnseen(t2)]).toEqual([88, 191]);
    expect(transferCauses(a)).toEqual(['aborted', 'aborted', null]);
    expect(t2.diagnosis!.summary).toContain("1448 bytes of the server's data never reached the client");
    expect(t2.diagnosis!.summary).toContain('something other than the client had reset the server\'s end, a firewall\'s REJECT on the path or on the server\'s own host');
    // One stopper for both shapes (session 31): the reset answering the ACKs (88) and the one answering the FIN (192).
    expect([t1.verdict, t2.verdict].map((v) => (v.kind === 'aborted' ? v.by : null))).toEqual(['firewall', 'firewall']);
    const [diagnose] = await outputs(name, 'diagnose');
    expect(diagnose).not.toMatch(/path-loss|lost on the path/);
  });

  it("a31-aria2c-server-cut-vsftpd: the server's own firewall leaves the same packets at the client: the words name both, and so does the verdict's stopper", async () => {
    const name = 'a31-aria2c-server-cut-vsftpd';
    const a = await analyze(name);
    expect(facts(name).network.filter).toMatch(/^server: iptables -A OUTPUT .* -j REJECT --reject-with tcp-reset/);
    const t = a.sessions[2].transfers[0];
    expect(frame(name, 1027)[3]).toBe('0x0004');
    expect(t.connection!.rst).toMatchObject({ frame: 1027, by: 'server', noConnection: true });
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'firewall', cause: 'aborted' });
    expect(t.diagnosis!.summary).toContain('or a firewall on the server\'s own host');
    expect(t.diagnosis!.summary).toContain('so this capture cannot tell which');
  });

  it("a21-retr-rst-early-pyftpdlib-python: the server's own reset, with ACK (0x0014), is no answer to a vanished connection", async () => {
    const name = 'a21-retr-rst-early-pyftpdlib-python';
    const a = await analyze(name);
    const t = transfers(a)[0];
    expect(frame(name, 102)[3]).toBe('0x0014');
    expect(t.connection!.rst).toEqual({ frame: 102, by: 'server', ttl: 63 });
    expect(serverEndGoneUnseen(t, a.sessions[0])).toBeNull();
  });
});

describe("2. inetutils-ftp's LPRT after its PORT failed (Twisted): a retry of that attempt, not a command to replace", () => {
  it('fail-active-drop-twisted-ftp: 1.2 LPRT 502 names PORT (17) and its 425 (25) and gives no "use PORT" advice', async () => {
    const name = 'fail-active-drop-twisted-ftp';
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(ftpRows(name, '0').slice(9, 13)).toEqual([[17, 'PORT'], [25, '425'], [26, 'LPRT'], [28, '502']]);
    const [t1, t2] = transfers(a);
    // Audit 48: the retry is no failure of its own (retry-refused, no diagnosis): the operation failed once, at PORT.
    expect([t1.diagnosis?.cause, t2.diagnosis, t2.status]).toEqual(['active-syn-unanswered', null, 'retry-refused']);
    expect(t2.verdict).toMatchObject({ kind: 'retry-refused', code: 502, reply: 28, retryOf: { transfer: '1.1', command: 'PORT', frame: 17, code: 425, replyFrame: 25 } });
    const [diagnose] = await outputs(name, 'diagnose');
    expect(diagnose).toContain('which the client sent as a retry, another way, of PORT (frame 17, transfer 1.1), whose attempt had already failed (425, frame 25)');
    expect(diagnose).not.toContain('use another active command (PORT for LPRT)');
  });
});

describe("3. a capture that ends during vsftpd's rate-limit sleep: in progress, not stalled", () => {
  const name = 'a46-rate-pause-cut-vsftpd-curl';

  it("rows, bytes and the recorder's facts: 131072 of 150000 bytes each, both files whole after the capture", async () => {
    const a = await analyze(name);
    const f = facts(name);
    expect([f.server.software, f.client.software, f.client.version, f.capture.stopped_early]).toEqual(['vsftpd', 'curl', '7.88.1', true]);
    expect(f.server.config).toBe('vsftpd local_max_rate=5000 (bytes/s, each direction)');
    for (const s of a.sessions) expect(ourRows(a, s.id)).toEqual(ftpRows(name, String(s.stream)));
    expect(transferRows(a, (t) => [t.expectedSize, t.diagnosis ?? null])).toEqual([
      ['1.1', 'EPSV', 18, 'RETR first.bin', 26, 1, 131072, null, null, 'incomplete', 150000, null],
      ['2.1', 'EPSV', 308, 'RETR second.bin', 316, 3, 131072, null, null, 'incomplete', 150000, null],
      ['3.1', 'EPSV', 599, 'LIST', 605, 5, 395, 226, 612, 'completed', null, null],
    ]);
    const streams = dataStreams(name);
    expect([streams['1'], streams['3'], streams['5']]).toEqual([[18, 22], [308, 312], [599, 603]]);
    const bytes = tsv(name, 'streams').map((r) => [r.stream, Number(r.bytes_dst_to_src)]);
    expect(bytes.filter(([s]) => ['1', '3', '5'].includes(String(s)))).toEqual([['1', 131072], ['3', 131072], ['5', 395]]);
    expect(f.files.map((x: { path: string; size: number; received: { size: number }; received_matches: boolean }) => [x.path, x.size, x.received.size, x.received_matches])).toEqual([
      ['first.bin', 150000, 150000, true],
      ['second.bin', 150000, 150000, true],
    ]);
  });

  it('1.1: last data at frame 289 (0.303 s), every byte acknowledged with the window open (290), 12.2 s to the end: idle, not stalled', async () => {
    const a = await analyze(name);
    const t = transfers(a)[0];
    const c = t.connection!;
    // tshark: 289 is the server's last segment (512 bytes, PSH), 290 the client's ACK of everything (131073 = ISN+1+131072).
    expect(frame(name, 289)).toEqual(['198.51.100.20', expect.any(String), 63, '0x0018', expect.any(Number), expect.any(Number), 512]);
    expect(frame(name, 290)[0]).toBe('192.0.2.10');
    expect(frame(name, 290)[5] - frame(name, 289)[4]).toBe(512);
    expect(portFrames(name, c.server.port).filter((r) => Number(r['frame.number']) > 290)).toEqual([]);
    // Its data came in one burst: the longest pause after which data moved again was 0.3 ms (254 to 256).
    expect([c.lastData?.frame, c.drained.toClient?.frame, c.windowShut.toClient, c.longestSilence?.fromFrame, c.longestSilence?.toFrame]).toEqual([289, 290, null, 254, 256]);
    expect(c.longestSilence!.seconds).toBeLessThan(0.001);
    expect(a.capture.last! - c.lastData!.time).toBeCloseTo(12.21, 2);
    expect(t.verdict).toEqual({
      kind: 'incomplete',
      bytes: 131072,
      expected: 150000,
      why: 'capture-ended',
      idle: { sender: 'server', seconds: expect.closeTo(12.21, 2), lastData: 289, drained: 290 },
      evidence: [18, 19, 20, 26, 289, 290],
    });
  });

  it('2.1: 3.7 s into its sleep at the capture\'s end (last data 581, its ACK 582): in progress, nothing said of a silence', async () => {
    const a = await analyze(name);
    const t = transfers(a)[1];
    expect([t.connection!.lastData?.frame, t.connection!.drained.toClient?.frame]).toEqual([581, 582]);
    expect(a.capture.last! - t.connection!.lastData!.time).toBeCloseTo(3.687, 3);
    expect(t.verdict).toMatchObject({ kind: 'incomplete', why: 'capture-ended', bytes: 131072, expected: 150000 });
    expect('idle' in t.verdict).toBe(false);
  });

  it('every output: no stall, no diagnosis, the idle server worded once from the verdict', async () => {
    await nothingFailed(name, tmp);
    const [summary, diagnose, transfersOut, explain] = await outputs(name, 'summary', 'diagnose', 'transfers', 'explain');
    const idle =
      "the server had sent nothing for the last 12 s (since frame 289), every byte acknowledged with the client's window open (frame 290), and its data had never paused before: paused (a rate limiter writes a burst and then sleeps) or stopped, the capture ended before it showed which.";
    for (const text of [diagnose, transfersOut, explain]) expect(flat(text)).toContain(idle);
    for (const text of [summary, diagnose, transfersOut, explain]) expect(text).not.toMatch(/stalled|stopped sending|hung/);
    expect(summary).toMatch(/1\.1 passive RETR first\.bin \S+ 131072 - incomplete 131,072\/150,000 2\.1/);
    expect(diagnose).toContain('No failed data connections in 3 sessions: 3 transfers (2 incomplete, 1 complete).');
    const json = JSON.parse((await runCli(['transfers', '--json', path(name)])).stdout);
    expect(json.transfers[0].verdict.idle).toEqual({ sender: 'server', seconds: expect.closeTo(12.21, 2), lastData: 289, drained: 290 });
    expect(json.transfers[0].diagnosis).toBeNull();
  });

  it('a40-stalled-beside-slow-vsftpd keeps its stall: the SIGSTOPped server had a rhythm (pauses up to 1.0 s) and was silent 15.7 s', async () => {
    const a = await analyze('a40-stalled-beside-slow-vsftpd');
    expect(a.sessions.map((s) => s.transfers[0].diagnosis?.cause ?? null)).toEqual(['stalled', 'stalled', null]);
    expect('idle' in a.sessions[0].transfers[0].verdict).toBe(false);
  });
});

describe("4. a capture of the client's packets only: its ACKs count the download, as the server's count an upload", () => {
  it('a22-oneway-server-in-vsftpd-curl: LIST ≤394 and RETR ≤65537 acknowledged (the server\'s FIN perhaps among them), at the client\'s FIN+ACKs 14 and 40', async () => {
    const name = 'a22-oneway-server-in-vsftpd-curl';
    const a = await analyze(name);
    // tshark: only the client's packets; 14 and 40 are its FIN+ACKs on the LIST's and RETR's data connections.
    expect(new Set(tsv(name, 'fields').map((r) => r['ip.src']).filter((x) => x !== ''))).toEqual(new Set(['192.0.2.10']));
    const [f14, f40] = [frame(name, 14), frame(name, 40)];
    expect([f14[3], f40[3]]).toEqual(['0x0011', '0x0011']);
    const isnAck = (port: number): number => Number(portFrames(name, port).find((r) => r['tcp.flags'] === '0x0010')!['tcp.ack_raw']);
    const [list, retr] = transfers(a);
    // The server's ISN + 1 is the client's first ACK (its SYN-ACK is not in the capture).
    expect([f14[5] - isnAck(list.connection!.server.port), f40[5] - isnAck(retr.connection!.server.port)]).toEqual([394, 65537]);
    expect(transfers(a).map((t) => [t.request?.command, t.direction, t.bytes, t.acknowledged ?? null, t.verdict.kind])).toEqual([
      ['LIST', 'listing', 0, { by: 'client', bytes: 394, frame: 14, upTo: true }, 'unknown'],
      ['RETR', 'download', 0, { by: 'client', bytes: 65537, frame: 40, upTo: true }, 'unknown'],
      ['STOR', 'upload', 65536, null, 'unknown'],
    ]);
    // The recorder's file: 65536 bytes, which with the server's FIN is the 65537 acknowledged.
    expect(facts(name).files.find((x: { path: string }) => x.path === 'w64k.bin').size).toBe(65536);
    const [summary, transfersOut, explain, timeline] = await outputs(name, 'summary', 'transfers', 'explain', 'timeline');
    const words = "the client acknowledged up to 65,537 bytes of the server's data (frame 40), the server's FIN perhaps among them; the data itself is not in the capture";
    for (const text of [transfersOut, explain]) expect(text).toContain(words);
    expect(summary).toMatch(/1\.2 passive RETR w64k\.bin - ≤65537 acked - unknown \(one side\)/);
    expect(timeline).toContain('FIN+ACK (up to 65537 bytes acknowledged)');
    expect(timeline).toContain('FIN+ACK (up to 394 bytes acknowledged)');
    const json = JSON.parse((await runCli(['transfers', '--json', path(name)])).stdout);
    expect(json.transfers.map((t: { acknowledged?: unknown }) => t.acknowledged ?? null)).toEqual([
      { by: 'client', bytes: 394, frame: 14, upTo: true },
      { by: 'client', bytes: 65537, frame: 40, upTo: true },
      null,
    ]);
    const eve = (await runCli(['logs', '--format', 'eve', path(name)])).stdout;
    expect(eve).toContain('"acknowledged_bytes":65537');
  });

  it('a22-oneway-server-out-vsftpd-curl: the server-side upload count is unchanged, now with its receiver named', async () => {
    const a = await analyze('a22-oneway-server-out-vsftpd-curl');
    expect(transfers(a).map((t) => t.acknowledged ?? null)).toEqual([null, null, { by: 'server', bytes: 65536, frame: 84, upTo: false }]);
    const [transfersOut] = await outputs('a22-oneway-server-out-vsftpd-curl', 'transfers');
    expect(transfersOut).toContain('the server acknowledged 65,536 bytes of the upload (frame 84); the data itself is not in the capture');
  });
});
