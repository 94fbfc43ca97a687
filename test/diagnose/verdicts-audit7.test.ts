/**
 * The seventh verdict audit: artefacts of the capture itself, each on a real recording
 * (fixtures/record.sh, "seventh verdict audit"). Healthy sessions whose capture is partial or
 * doubled must stay healthy: stopped by tcpdump -c while a transfer ran, cut by a 96-byte snaplen,
 * every packet twice (tcpdump -i any on a router), both sides of a DNAT merged into one file.
 * Frame numbers are tshark's (the fixtures' tshark-ftp/-streams views); bytes and digests the facts'.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../support/facts.js';
import { runCli } from '../cli/run-cli.js';
import { analyze, causes, flat, outputs, path, transfers, tsv } from './audit-fixtures.js';

const facts = (name: string): Record<string, any> => JSON.parse(readFileSync(join(FIXTURES, `${name}.facts.json`), 'utf8'));
const row = (name: string, frame: number) => tsv(name, 'ftp').find((r) => Number(r['frame.number']) === frame)!;
/** Words no output may use of a transfer that did not fail (diagnose's "No failed data connections" aside). */
const FAILURE_WORDS = /\b(failed|aborted|reset|stalled|lost on the path|lost segments|sent again|What to change)\b/;
const noFailure = (o: string): void => expect(o.replace('No failed data connections', '')).not.toMatch(FAILURE_WORDS);

describe('1. the capture stopped (tcpdump -c) while a transfer was still running: it ended with the capture, nothing failed', () => {
  it('capture-stopped-vsftpd-lftp: LIST complete (226, 42); RETR mib.bin (55) running when frame 240 ended the capture: incomplete, capture ended, in every output', async () => {
    const name = 'capture-stopped-vsftpd-lftp';
    const f = facts(name);
    // The client saved the whole file: only the capture stopped.
    expect([f.capture.packets, f.capture.packets_requested, f.client.exit_status, f.files[1].op, f.files[1].received_matches]).toEqual([240, 240, 0, 'RETR', true]);
    expect([row(name, 51)['ftp.response.code'], row(name, 55)['ftp.request.arg'], row(name, 56)['ftp.response.code']]).toEqual(['227', 'mib.bin', '150']);
    const a = await analyze(name);
    const [list, retr] = transfers(a);
    expect(list.verdict).toEqual({ kind: 'completed', bytes: 325, expected: null, missingBytes: 0, sentShort: false, evidence: [31, 32, 33, 35, 42] });
    // Still moving at the end (audit 51, in-flight.ts): its last data segment, frame 239.
    expect(retr.verdict).toEqual({ kind: 'incomplete', bytes: 174512, expected: 1048576, why: 'capture-ended', underWay: { step: 'moving', frame: 239 }, evidence: [51, 52, 53, 55] });
    expect(retr.bytes).toBe(f.capture.data_bytes_in_capture - list.bytes);
    expect(causes(a)).toEqual([]);
    const [summary, transfersOut, diagnose, explain, timeline] = await outputs(name, 'summary', 'transfers', 'diagnose', 'explain', 'timeline');
    expect(summary).toContain('1 complete, 1 incomplete');
    expect(summary).toContain('incomplete 174,512/1,048,576');
    const words = 'incomplete: 174,512 of 1,048,576 announced bytes had moved when the capture ended, with no final reply.';
    for (const o of [transfersOut, diagnose, explain]) expect(o).toContain(words);
    expect(diagnose).toContain('Not failures, but not the whole story either');
    expect(explain).toContain('The capture ends before the control connection is closed');
    for (const o of [summary, transfersOut, diagnose, explain, timeline]) noFailure(o);
  });

  it('capture-stopped-stor-pureftpd-curl: STOR half.bin (24) after 229 (18), captured at the server, running at frame 160: incomplete, capture ended, no size to compare', async () => {
    const name = 'capture-stopped-stor-pureftpd-curl';
    const f = facts(name);
    expect([f.capture.packets, f.client.exit_status, f.files[0].op, f.files[0].received_matches]).toEqual([160, 0, 'STOR', true]);
    expect([row(name, 18)['ftp.response.code'], row(name, 24)['ftp.request.command']]).toEqual(['229', 'STOR']);
    const a = await analyze(name);
    const [stor] = transfers(a);
    // An upload's size is the client's to know: nothing in the capture announces it.
    // Still moving at the end (audit 51, in-flight.ts): its last data segment, frame 159.
    expect(stor.verdict).toEqual({ kind: 'incomplete', bytes: 132520, expected: null, why: 'capture-ended', underWay: { step: 'moving', frame: 159 }, evidence: [18, 19, 20, 24] });
    expect(stor.bytes).toBe(f.capture.data_bytes_in_capture);
    expect(causes(a)).toEqual([]);
    const [transfersOut, diagnose, explain] = await outputs(name, 'transfers', 'diagnose', 'explain');
    for (const o of [transfersOut, diagnose, explain]) expect(o).toContain('incomplete: 132,520 bytes had moved when the capture ended, with no final reply.');
    for (const o of [transfersOut, diagnose, explain]) noFailure(o);
  });
});

describe('2. a 96-byte snaplen: 30 payload bytes per packet, every line longer than that cut', () => {
  const name = 'snaplen-vsftpd-lftp';
  it('reads each cut line as far as tshark does, pairs every reply, and takes the cut 227 (35, 53) to the next data connection its hosts open (36, 54)', async () => {
    const f = facts(name);
    expect([f.capture.snaplen, f.capture.packets, f.client.exit_status, f.files.map((x: any) => x.received_matches)]).toEqual([96, 82, 0, [true, true]]);
    // tshark shows the same cut lines: the 227's tuple is gone, so it links no data connection.
    expect([35, 40, 53].map((n) => row(name, n)['ftp.response.arg'])).toEqual(['Entering Passive Mode (198', 'Opening BINARY mode data c', 'Entering Passive Mode (198']);
    expect(tsv(name, 'data-streams')).toEqual([]);
    const a = await analyze(name);
    const s = a.sessions[0];
    // Before: the cut lines were dropped, replies paired with the wrong commands: "PASV (frame 34) with 500
    // Unknown SITE command at frame 77", RETR and STOR "active", "incomplete", "never answered".
    const pairs = [
      [8, 'FEAT', 211, 18],
      [20, 'USER', 331, 21],
      [22, 'PASS', 230, 24],
      [25, 'PWD', 257, 27],
      [28, 'TYPE', 200, 29],
      [30, 'SIZE', 213, 31],
      [32, 'MDTM', 213, 33],
      [34, 'PASV', 227, 35],
      [39, 'RETR', 226, 50],
      [52, 'PASV', 227, 53],
      [57, 'STOR', 226, 72],
      [74, 'SITE', 500, 75],
      [76, 'SITE', 500, 77],
      [78, 'QUIT', 221, 79],
    ];
    // tshark's rows: each command, and each reply's (last) line.
    for (const [cmd, verb, code, reply] of pairs) expect([row(name, cmd as number)['ftp.request.command'], row(name, reply as number)['ftp.response.code']]).toEqual([verb, String(code)]);
    expect(s.commands.filter((c) => c.command !== null).map((c) => [c.frame, c.command, c.reply?.code, c.reply?.frame])).toEqual(pairs);
    expect(s.commands.filter((c) => c.noReply !== undefined)).toEqual([]);
    expect([39, 57].map((n) => s.commands.find((c) => c.frame === n)!.preliminary.map((r) => [r.code, r.frame, r.malformed]))).toEqual([
      [[150, 40, 'cut short by a capture gap']],
      [[150, 58, undefined]],
    ]);
    const [retr, stor] = transfers(a);
    expect(transfers(a)).toHaveLength(2);
    for (const [t, cut, stream] of [[retr, 35, 1], [stor, 53, 2]] as const) {
      expect([t.mode, t.announce?.frame, t.announce?.cut, t.announce?.endpoint, t.connection?.stream, t.connection?.match]).toEqual(['passive', cut, true, null, stream, 'hosts']);
      expect(t.announce!.tuple.reason).toBe('the capture cut the line short before its tuple');
    }
    // Every byte crossed (226, the receiver acknowledged it); what the snaplen cut is counted as crossed
    // and not captured (payloadCut), not lost (missingBytes): the audit-73 reading.
    expect(retr.verdict).toEqual({ kind: 'completed', bytes: 3000, expected: 3000, missingBytes: 0, payloadCut: 2910, sentShort: false, evidence: [35, 36, 37, 39, 50] });
    expect(stor.verdict).toEqual({ kind: 'completed', bytes: 6000, expected: null, missingBytes: 0, payloadCut: 5850, sentShort: false, evidence: [53, 54, 55, 57, 72] });
    expect([retr.bytes, stor.bytes]).toEqual(f.files.map((x: any) => x.size));
    expect([retr.connection!.cutBytes, stor.connection!.cutBytes, retr.connection!.gapBytes, stor.connection!.gapBytes]).toEqual([2910, 5850, 0, 0]);
    expect(retr.connection!.undeliveredBytes + stor.connection!.undeliveredBytes).toBe(0);
    expect(causes(a)).toEqual([]);
  });

  it('says so in every output: complete with the bytes not captured, no failure, extract saves what it has and says what is missing', async () => {
    const [summary, transfersOut, diagnose, explain] = await outputs(name, 'summary', 'transfers', 'diagnose', 'explain');
    const dir = mkdtempSync(join(tmpdir(), 'ftpcap-audit7-'));
    const extracted = await runCli(['extract', '--no-color', path(name), '-o', dir]);
    rmSync(dir, { recursive: true, force: true });
    const extract = flat(extracted.stdout + extracted.stderr);
    expect(summary).toContain('2 complete');
    expect(summary).toContain('complete, 2,910 B not captured');
    expect(summary).toContain('complete, 5,850 B not captured');
    const words = "completed: 3,000 bytes, each segment in the capture, 2,910 of their bytes cut by the capture's snapshot length (not captured) (226, frame 50).";
    expect(flat(transfersOut)).toContain(words);
    for (const o of [transfersOut, diagnose, explain]) expect(o).not.toContain('the capture lost them');
    expect(explain).toContain('PASV (frame 34): the announcement cannot be decoded (the capture cut the line short before its tuple)');
    expect(explain).toContain('SYN (frame 36), SYN+ACK (frame 37), ACK (frame 38)');
    expect(diagnose).toContain('No failed data connections in 1 session: 2 transfers (2 complete).');
    expect(extract).toContain('1.1: 2910 bytes missing from the capture (30-1448, 1478-2896, 2926-3000), left out');
    expect(extract).toMatch(/1\.1 down small\.bin 90 \S+ I truncated/);
    for (const o of [summary, transfersOut, diagnose, explain]) {
      expect(o).not.toMatch(/incomplete|never answered|\bactive\b(?! mode)|not-in-capture|server-refused|Unknown SITE command at frame 77/);
      noFailure(o);
    }
  });
});

describe('3. tcpdump -i any on the router: every packet twice (arriving, then leaving one hop older)', () => {
  it('dup-any-router-vsftpd-lftp: LIST, RETR, STOR complete with exact bytes; each data packet\'s copy set aside, no retransmission, no loss', async () => {
    const name = 'dup-any-router-vsftpd-lftp';
    const f = facts(name);
    expect([f.capture.every_packet_twice, f.capture.linktype, f.client.exit_status]).toEqual([true, 'LINUX_SLL', 0]);
    // tshark calls the copies retransmissions and duplicate ACKs (86 frames) and counts their bytes twice.
    expect(f.capture.duplicates).toBe(86);
    const streams = tsv(name, 'streams');
    const a = await analyze(name);
    const ts = transfers(a);
    expect(ts.map((t) => [t.request?.command, t.bytes, t.verdict.kind])).toEqual([
      ['LIST', 260, 'completed'],
      ['RETR', 3000, 'completed'],
      ['STOR', 259, 'completed'],
    ]);
    for (const t of ts) {
      const r = streams.find((x) => Number(x.stream) === t.connection!.stream)!;
      expect([t.connection!.retransmissions, t.connection!.captureCopies, t.bytes * 2]).toEqual([0, Number(r.frames) / 2 - 1, Number(r.bytes_src_to_dst) + Number(r.bytes_dst_to_src)]);
    }
    expect(ts.map((t) => t.verdict.kind === 'completed' && t.verdict.missingBytes)).toEqual([0, 0, 0]);
    expect([ts[1].bytes, ts[2].bytes]).toEqual([f.files[1].size, f.files[2].size]);
    expect(a.sessions).toHaveLength(1);
    expect(causes(a)).toEqual([]);
    const [transfersOut, explain, timeline] = await outputs(name, 'transfers', 'explain', 'timeline');
    // Before: "data connection 1 lost segments on the way: 3 were sent again", "SYN (retransmitted)".
    for (const o of [transfersOut, explain, timeline]) expect(o).not.toMatch(/retransmi|sent again|lost segments/);
    expect(transfersOut).toContain('7 packets captured twice (the same packet seen again), counted once');
    // Said once for the whole capture too (the control connection's copies included; the first copy is
    // the handshake ACK's, frame 6: a repeated SYN or SYN+ACK is told apart by the handshake's own rule).
    const twice = a.capture.warnings.filter((w) => w.code === 'captured-twice');
    const dataCopies = ts.reduce((n, t) => n + t.connection!.captureCopies, 0);
    expect(twice.map((w) => [w.frame, (w as { count?: number }).count])).toEqual([[6, 82]]);
    expect(dataCopies).toBeLessThan(82);
    const [summary] = await outputs(name, 'summary');
    expect(summary).toContain("frame 6: 82 packet(s) captured twice (the same packet seen again within 2 s, as tcpdump -i any on a router, a mirror of two ports, or two ends' captures merged record them)");
  });
});

describe('4. client-side and server-side captures of one DNAT merged into one file', () => {
  it('merged-dnat-helper-vsftpd-lftp: each transfer twice (client view 1.x, server view 2.x), every one complete with the same bytes, nothing diagnosed', async () => {
    const name = 'merged-dnat-helper-vsftpd-lftp';
    const f = facts(name);
    expect([f.capture.packets, f.capture.packets_client_side + f.capture.packets_server_side, f.client.exit_status]).toEqual([168, 168, 0]);
    const a = await analyze(name);
    expect(a.sessions.map((s) => [s.client.ip, s.client.port === a.sessions[0].client.port, s.server.ip])).toEqual([
      ['192.0.2.10', true, '203.0.113.21'],
      ['192.0.2.10', true, '198.51.100.20'],
    ]);
    const ts = transfers(a);
    expect(ts.map((t) => [t.session, t.request?.command, t.request?.frame, t.bytes, t.verdict.kind])).toEqual([
      [1, 'LIST', 65, 260, 'completed'],
      [1, 'RETR', 105, 511, 'completed'],
      [1, 'STOR', 133, 259, 'completed'],
      [2, 'LIST', 66, 260, 'completed'],
      [2, 'RETR', 106, 511, 'completed'],
      [2, 'STOR', 134, 259, 'completed'],
    ]);
    expect(causes(a)).toEqual([]);
  });

  it('merged-dnat-nohelper-vsftpd-lftp: the client-side views (1, 3) show the 227 naming the inside address and the SYNs there unanswered; the server-side views (2, 4) are placed there and cite those SYNs', async () => {
    const name = 'merged-dnat-nohelper-vsftpd-lftp';
    expect(facts(name).client.exit_status).toBe(1);
    const a = await analyze(name);
    const ts = transfers(a);
    expect(ts.map((t) => [t.session, t.status])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'failed'],
      [4, 'failed'],
    ]);
    expect([ts[0].diagnosis?.cause, ts[2].diagnosis?.cause]).toEqual(['passive-address-mismatch', 'passive-address-mismatch']);
    expect(ts[0].connection?.synFrames.length).toBe(5);
    // The server-side views (2, 4): each view reads its own TTLs (per pair of addresses: the client's
    // packets are seen with 64 at its side, 63 at the server's), so these are the server's side; and the
    // client's SYNs to the announced endpoint, in the client-side view's session, are cited, not denied.
    // Before: "taken on the client's side and holds no SYN to 198.51.100.20:50062: the client never tried".
    expect(a.sessions.map((s) => [s.id, s.ttl.client, s.ttl.server, s.vantage?.point])).toEqual([
      [1, 64, 63, 'client-side'],
      [2, 63, 64, 'server-side'],
      [3, 64, 63, 'client-side'],
      [4, 63, 64, 'server-side'],
    ]);
    for (const [i, other] of [[1, 0], [3, 2]] as const) {
      const d = ts[i].diagnosis!;
      const syn = ts[other].connection!.synFrame!;
      expect([d.cause, d.evidence.includes(syn)]).toEqual(['passive-unreached', true]);
      expect(d.summary).toContain(`The capture holds the client's SYN to 198.51.100.20:${ts[i].announce!.endpoint!.port} (frame ${syn}, session ${ts[other].session}, transfer 1: the same exchange seen at another capture point)`);
      expect(d.summary).toContain('The client did try');
      expect(d.summary).not.toMatch(/never tried|client's side/);
    }
  });
});
