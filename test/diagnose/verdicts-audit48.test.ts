/**
 * The forty-eighth verdict audit: loose ends earlier verdicts left open.
 * 1. fail-active-drop-twisted-ftp: inetutils-ftp's PORT (frame 17) is answered 425 once Twisted's SYNs
 *    to it go unanswered (the client's firewall); the client retries the same operation with LPRT
 *    (frame 26, same address and port), which Twisted does not implement (502, frame 28), and gives
 *    up: no transfer command was ever sent. Before this audit every output counted two failed
 *    transfers (the LPRT diagnosed server-refused). One operation failed, once, at PORT: the LPRT is a
 *    refused retry (`retry-refused`, analysis/retry-refused.ts), counted apart as a refused probe the
 *    client got past is (`fell-back`). The same holds for the other fixtures whose client, refused,
 *    asked again another way and was refused again before giving up (tnftp's EPRT then PORT to aioftp;
 *    busybox's and curl's EPSV then PASV): one failure each, the first refusal's.
 * 2. resume-wget-c-pureftpd-wget: the router REJECTs the server's 40th data packet with a tcp-reset
 *    sent to the server. At the client: that packet (IP ID 0x2ba2) never arrives, the client asks for
 *    it again and again (duplicate ACKs with SACK at 90, 92, 94, 103), the server never sends it
 *    again (its end was gone), wget closes after its 3 s read timeout (FIN 105), and the server's
 *    stack answers that FIN with a bare RST whose sequence number is the FIN's acknowledgement (106):
 *    no connection there. pure-ftpd, still alive, writes "150 Logout." (110) once the client closes
 *    the control connection. Before: `path-loss` ("look for a link that drops packets"); the truth is
 *    the server's end reset by something other than the client (cause `aborted`, as for
 *    pget-segment-reset-vsftpd-lftp, recorded the same way).
 * 3. a48-double-150-pyftpdlib-lftp: pyftpdlib subclassed to open each transfer with two single-line
 *    150 replies in two segments (no Debian server does; it is the shape that must not be read as
 *    pure-ftpd's last line on a transfer its client cut). Before this audit the second 150 ended each
 *    transfer's pairing: all four transfers were "incomplete" with their 226s unpaired.
 * Frames, flags and sequence numbers are tshark's (NAME.tshark-*.tsv), sizes and sha256 the recorder's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import type { Analysis, Transfer } from '../../src/analysis/model.js';
import { analyze, extractedFiles, facts, flat, ftpRows, jsonVerdicts, nothingFailed, ourRows, outputs, path, reportPage, transferRows, tsv } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit48-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** tshark's per-frame fields of one frame. */
const field = (name: string, frame: number): Record<string, string> => tsv(name, 'fields').find((r) => r['frame.number'] === String(frame))!;

/** [id, status, verdict, cause, the failed attempt a refused retry names] of every transfer, and each session's diagnosis. */
function verdictsOf(a: Analysis): unknown[][] {
  const retry = (t: Transfer): string | null => (t.verdict.kind === 'retry-refused' ? t.verdict.retryOf.transfer : null);
  return [
    ...a.sessions.flatMap((s) => s.transfers.map((t) => [`${s.id}.${t.id}`, t.status, t.verdict.kind, t.diagnosis?.cause ?? null, retry(t)])),
    ...a.sessions.map((s) => [`session ${s.id}`, s.diagnosis?.cause ?? null]),
  ];
}

describe('1. a refused retry of an attempt that had already failed is no failure of its own', () => {
  const name = 'fail-active-drop-twisted-ftp';

  it('tshark: PORT 17, the server\'s SYNs 18, 20-24 to 45623 unanswered, 425 at 25; LPRT 26 for the same address and port, 502 at 28; no transfer command', async () => {
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(ftpRows(name, '0').slice(9)).toEqual([[17, 'PORT'], [25, '425'], [26, 'LPRT'], [28, '502'], [29, 'QUIT'], [30, '221']]);
    const lprt = tsv(name, 'ftp').find((r) => r['frame.number'] === '26')!;
    // LPRT 4,4,192,0,2,10,2,178,55: address family 4, the same 192.0.2.10, port 178×256+55 = 45623 as the PORT.
    expect(lprt['ftp.request.arg']).toBe('4,4,192,0,2,10,2,178,55');
    const syns = tsv(name, 'fields').filter((r) => r['tcp.dstport'] === '45623').map((r) => [Number(r['frame.number']), r['tcp.flags']]);
    expect(syns).toEqual([18, 20, 21, 22, 23, 24].map((f) => [f, '0x0002']));
    expect(tsv(name, 'ftp').some((r) => ['RETR', 'LIST', 'STOR', 'NLST'].includes(r['ftp.request.command']))).toBe(false);
    expect(facts(name).client.messages).toContain("425 Can't open data connection.|502 Command 'LPRT' not implemented");
  });

  it('the model: 1.1 failed (active-syn-unanswered), 1.2 retry-refused naming PORT, its 425 and no diagnosis; the session: one attempt', async () => {
    const a = await analyze(name);
    expect(verdictsOf(a)).toEqual([
      ['1.1', 'failed', 'failed', 'active-syn-unanswered', null],
      ['1.2', 'retry-refused', 'retry-refused', null, '1.1'],
      ['session 1', 'active-syn-unanswered'],
    ]);
    const t2 = a.sessions[0].transfers[1];
    expect(t2.verdict).toEqual({
      kind: 'retry-refused',
      code: 502,
      reply: 28,
      lacking: true,
      retryOf: { transfer: '1.1', command: 'PORT', frame: 17, code: 425, replyFrame: 25, refused: false, request: null, via: [] },
      evidence: [17, 25, 26, 28],
    });
    // Before: "No transfer of session 1 succeeded (2 attempted: 1× active-syn-unanswered, 1× server-refused)".
    expect(a.sessions[0].diagnosis!.summary).toBe('No transfer of session 1 succeeded (1 attempted: 1× active-syn-unanswered): the server could not reach the client (active mode).');
    // The failed PORT's later attempt is that retry, told as no failure.
    expect(a.sessions[0].transfers[0].laterAttempt).toMatchObject({ session: 1, transfer: 2, frame: 26, request: null, outcome: 'retry-refused' });
  });

  it('every output counts one failure and words the retry the same way', async () => {
    const [summary, transfers, diagnose, explain, sessions, timeline, logs] = await outputs(name, 'summary', 'transfers', 'diagnose', 'explain', 'sessions', 'timeline', 'logs');
    for (const o of [summary, sessions]) expect(o).toContain('1 failed, 1 refused (a retry of a failed attempt)');
    expect(summary).toContain('1.2 active - 192.0.2.10:45623 - - refused retry of 1.1');
    expect(summary).not.toMatch(/server-refused|2 failed/);
    expect(transfers).toContain('verdict refused, and no failure of its own: the server does not implement LPRT (502, frame 28), which the client sent as a retry, another way, of PORT (frame 17, transfer 1.1), whose attempt had already failed (425, frame 25).');
    expect(diagnose).toContain('1 of 2 transfers diagnosed (1 failed, 1 refused (a retry of a failed attempt)).');
    expect(diagnose).toContain('Not failures, but not the whole story either: Session 1, transfer 2 (active, no transfer command): refused, and no failure of its own');
    expect(diagnose).toContain('its data connection announced at frame 26 (transfer 1.2), sending no command either, which the server refused: a retry of this attempt, no failure of its own.');
    expect(diagnose).not.toMatch(/Session 1, transfer 2: |server-refused/);
    expect(explain).toContain('transfer 2 refused retry of 1.1, whose attempt had already failed: no failure of its own.');
    expect(explain).toContain("that failure is transfer 1.1's, counted once.");
    expect(timeline).not.toMatch(/server-refused/);
    // Zeek's ftpcap_data.log: the retry's row names the attempt it retried, and no cause.
    expect(logs).toMatch(/C1Lo4YlXRQFHfY5Izg 1 2 active - - retry-refused retry-of-1\.1 -/);
    expect(logs).toMatch(/C1Lo4YlXRQFHfY5Izg 1 1 active - - failed - active-syn-unanswered/);
    const eve = (await runCli(['logs', '--format', 'eve', path(name)])).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(eve.filter((e) => e.ftpcap?.transfer !== undefined).map((e) => [e.ftp?.command ?? e.event_type, e.ftpcap.verdict, e.ftpcap.cause])).toEqual([
      ['PORT', 'failed', 'active-syn-unanswered'],
      ['LPRT', 'retry-refused', null],
    ]);
    const json = JSON.parse((await runCli(['transfers', '--json', path(name)])).stdout);
    expect(json.transfers.map((t: any) => [t.id, t.status, t.verdict.kind, t.diagnosis?.cause ?? null])).toEqual([
      [1, 'failed', 'failed', 'active-syn-unanswered'],
      [2, 'retry-refused', 'retry-refused', null],
    ]);
    expect(await jsonVerdicts(name)).toEqual([
      ['1.1', 'failed', 'active-syn-unanswered'],
      ['1.2', 'retry-refused', null],
    ]);
    const page = await reportPage(name, tmp);
    expect(page).toContain('refused retry of 1.1');
    expect(page).not.toContain('server-refused');
  });

  it('the same for every client that was refused, asked again another way, was refused again and gave up: one failure, the first refusal\'s', async () => {
    // tnftp -> aioftp: EPRT 77 → 502 at 78, PORT 79 → 502 at 80, QUIT.
    const aio = await analyze('a18-aioftp-tnftp');
    expect(ftpRows('a18-aioftp-tnftp', '0').filter(([f]) => f >= 77 && f <= 81)).toEqual([[77, 'EPRT'], [78, '502'], [79, 'PORT'], [80, '502'], [81, 'QUIT']]);
    expect(verdictsOf(aio).slice(3)).toEqual([
      ['1.4', 'failed', 'failed', 'server-refused', null],
      ['1.5', 'retry-refused', 'retry-refused', null, '1.4'],
      ['2.1', 'failed', 'failed', 'passive-syn-unanswered', null],
      ['session 1', null],
      ['session 2', 'passive-syn-unanswered'],
    ]);
    // The failure's own diagnosis already names both refusals: no active mode at all.
    expect(aio.sessions[0].transfers[3].diagnosis!.summary).toContain('the server does not implement EPRT, nor PORT (502, frame 80): it has no active mode');
    // busybox -> pyftpdlib without passive mode (502 to both), curl -> vsftpd pasv_enable=NO (550 to both).
    for (const [name, frames, code] of [
      ['a27-passive-refused-pyftpdlib-busybox', [15, 16, 17, 18], 502],
      ['a27-passive-refused-vsftpd-curl', [17, 18, 19, 20], 550],
    ] as const) {
      const rows = ftpRows(name, '0').filter(([f]) => (frames as readonly number[]).includes(f));
      expect(rows).toEqual([[frames[0], 'EPSV'], [frames[1], String(code)], [frames[2], 'PASV'], [frames[3], String(code)]]);
      const a = await analyze(name);
      expect(verdictsOf(a)).toEqual([
        ['1.1', 'failed', 'failed', 'server-refused', null],
        ['1.2', 'retry-refused', 'retry-refused', null, '1.1'],
        ['session 1', 'server-refused'],
      ]);
      expect(a.sessions[0].transfers[1].verdict).toMatchObject({ code, reply: frames[3], retryOf: { command: 'EPSV', frame: frames[0], code, replyFrame: frames[1], refused: true } });
      const [summary, diagnose] = await outputs(name, 'summary', 'diagnose');
      expect(summary).toContain('1 failed, 1 refused (a retry of a failed attempt)');
      expect(diagnose).toContain(`of EPSV (frame ${frames[0]}, transfer 1.1), which the server had already refused (${code}, frame ${frames[1]})`);
    }
  });

  it('a refused announcement the client got past stays fell-back, not a refused retry (tnftp\'s EPSV, PASV, then PORT and its transfer)', async () => {
    const a = await analyze('a18-active-drop-gridftp-tnftp');
    expect(transferRows(a).map((r) => r[9])).not.toContain('retry-refused');
    const fb = await analyze('fallback-eprt-denied-proftpd-curl');
    expect(fb.sessions.flatMap((s) => s.transfers).map((t) => t.verdict.kind)).not.toContain('retry-refused');
  });
});

describe('2. resume-wget-c-pureftpd-wget: the server\'s end reset by the router, not loss on the path', () => {
  const name = 'resume-wget-c-pureftpd-wget';

  it('tshark: the 40th data packet (IP ID 0x2ba2) never arrives and is never sent again; the client SACKs the hole; the server\'s bare RST answers wget\'s FIN', () => {
    const f = facts(name);
    expect(f.network.filter).toContain('--connbytes 40:40 --connbytes-dir reply --connbytes-mode packets -m quota --quota 1500 -j REJECT --reject-with tcp-reset');
    expect(f.client.partial_bytes).toBe(55024);
    // Frames 88 and 89: IP IDs 0x2ba1, then 0x2ba3; 88 ends at 2823504942, 89 starts 1448 bytes later.
    const [f88, f89] = [field(name, 88), field(name, 89)];
    expect([f88['ip.id'], f89['ip.id']]).toEqual(['0x2ba1', '0x2ba3']);
    expect([Number(f88['tcp.seq_raw']) + Number(f88['tcp.len']), Number(f89['tcp.seq_raw'])]).toEqual([2823504942, 2823504942 + 1448]);
    // No segment from the server ever carries 2823504942 (a live sender would send it again).
    const fromServer = tsv(name, 'fields').filter((r) => r['tcp.srcport'] === '50077' && Number(r['tcp.len']) > 0);
    expect(fromServer.some((r) => r['tcp.seq_raw'] === '2823504942')).toBe(false);
    expect(Math.max(...fromServer.map((r) => Number(r['frame.number'])))).toBe(102);
    // The client's duplicate ACKs of the hole, with SACK (a 44-byte TCP header), then its FIN.
    const dup = tsv(name, 'fields').filter((r) => r['tcp.srcport'] === '52772' && r['tcp.ack_raw'] === '2823504942');
    expect(dup.map((r) => [Number(r['frame.number']), r['tcp.flags'], r['tcp.hdr_len']])).toEqual([
      [90, '0x0010', '44'],
      [92, '0x0010', '44'],
      [94, '0x0010', '44'],
      [103, '0x0010', '44'],
      [105, '0x0011', '44'],
    ]);
    // The server's RST: no ACK flag, its sequence number the FIN's acknowledgement: no connection there.
    const rst = field(name, 106);
    expect([rst['ip.src'], rst['tcp.flags'], rst['tcp.seq_raw'], rst['ip.ttl']]).toEqual(['198.51.100.20', '0x0004', '2823504942', '63']);
    const last = tsv(name, 'ftp').find((r) => r['frame.number'] === '110')!;
    expect([last['ip.src'], last['ftp.response.code'], last['ftp.response.arg']]).toEqual(['198.51.100.20', '150', 'Logout.']);
  });

  it('aborted by a reset the client never sent (cause aborted, evidence with the FIN, the RST and the server\'s later line), never path-loss', async () => {
    const a = await analyze(name);
    const t = a.sessions[0].transfers[0];
    expect(t.connection!.rst).toEqual({ frame: 106, by: 'server', ttl: 63, noConnection: true });
    expect([t.status, t.verdict.kind, t.diagnosis!.cause, t.diagnosis!.evidence, t.reply, t.closingLine?.frame]).toEqual(['aborted', 'aborted', 'aborted', [24, 25, 26, 28, 105, 106, 110], null, 110]);
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'firewall', bytes: 70952, expected: 131072, cause: 'aborted' });
    const d = t.diagnosis!;
    expect(d.summary).toContain(
      "The client closed the data connection (FIN, frame 105) 3.0 s after the last data, and the server's end of it was already gone: it answered with a reset (frame 106) without ACK and with the client's acknowledgement as its sequence number",
    );
    expect(d.summary).toContain('A host whose end still lived would have acknowledged that FIN.');
    expect(d.summary).toContain('its process was still there (it wrote 150 Logout on the control connection at frame 110), so something other than the client reset the server\'s end');
    expect(d.summary).toContain("1448 bytes of the server's data never reached the client (it received data sent after them and kept acknowledging up to them), and the server never sent them again");
    expect(d.advice).toMatch(/^Something other than the client reset the server's end of the data connection/);
    const [summary, diagnose, explain, logs] = await outputs(name, 'summary', 'diagnose', 'explain', 'logs');
    for (const o of [summary, diagnose, explain, logs]) expect(o).not.toMatch(/path-loss|data was lost on the path/);
    expect(summary).toContain('1.1 aborted: stopped part-way');
    expect(logs).toMatch(/RETR r128k\.bin aborted by-firewall aborted/);
    expect(diagnose).toContain('Later: Tried again in session 2');
  });
});

describe('3. a48-double-150-pyftpdlib-lftp: two single-line 150 replies at a transfer\'s start are preliminary, the 226 still the transfer\'s', () => {
  const name = 'a48-double-150-pyftpdlib-lftp';

  it('the recording: each transfer\'s 150s in two segments, then its data and 226; the STOR\'s client FIN before its second 150', async () => {
    const f = facts(name);
    expect([f.server.software, f.client.software, f.client.version]).toEqual(['pyftpdlib', 'lftp', '4.9.2']);
    expect(f.server.double150.split('|').filter(Boolean)).toHaveLength(4);
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    const replies = tsv(name, 'ftp').filter((r) => ['150', '226'].includes(r['ftp.response.code'])).map((r) => [Number(r['frame.number']), r['ftp.response.code'], r['ftp.response.arg']]);
    expect(replies).toEqual([
      [32, '150', 'File status okay.'],
      [34, '150', 'Opening data connection.'],
      [41, '226', 'Transfer complete.'],
      [55, '150', 'File status okay.'],
      [57, '150', 'Opening data connection.'],
      [62, '226', 'Transfer complete.'],
      [72, '150', 'File status okay.'],
      [78, '150', 'Opening data connection.'],
      [82, '226', 'Transfer complete.'],
      [96, '150', 'File status okay.'],
      [98, '150', 'Opening data connection.'],
      [107, '226', 'Transfer complete.'],
    ]);
    // The STOR's data (73) and the client's FIN (75) came before the second 150 (78): an upload's normal end.
    expect([field(name, 73)['tcp.len'], field(name, 75)['tcp.flags'], field(name, 75)['ip.src']]).toEqual(['259', '0x0011', '192.0.2.10']);
  });

  it('four transfers complete with their 226s, both 150s preliminary, nothing diagnosed in any output; extract gives the files', async () => {
    const a = await analyze(name);
    expect(transferRows(a, (t) => [t.preliminary?.frame ?? null, a.sessions[0].commands.find((c) => c.frame === t.request!.frame)!.preliminary.map((p) => p.frame), t.closingLine ?? null])).toEqual([
      ['1.1', 'PASV', 27, 'LIST', 31, 1, 264, 226, 41, 'completed', 32, [32, 34], null],
      ['1.2', 'PASV', 50, 'RETR hello.txt', 54, 2, 511, 226, 62, 'completed', 55, [55, 57], null],
      ['1.3', 'PASV', 67, 'STOR upload.txt', 71, 3, 259, 226, 82, 'completed', 72, [72, 78], null],
      ['1.4', 'PORT', 90, 'RETR small.bin', 95, 4, 3000, 226, 107, 'completed', 96, [96, 98], null],
    ]);
    await nothingFailed(name, tmp);
    const saved = await extractedFiles(name, tmp);
    const sha = (op: string, p: string): string => facts(name).files.find((x: any) => x.op === op && x.path === p).received.sha256;
    expect([saved['s1-t2-hello.txt'], saved['s1-t3-upload.txt'], saved['s1-t4-small.bin']]).toEqual([sha('RETR', 'hello.txt'), sha('STOR', 'upload.txt'), sha('RETR', 'small.bin')]);
    const [summary] = await outputs(name, 'summary');
    expect(flat(summary)).toContain('4 complete');
  });
});
