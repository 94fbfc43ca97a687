/**
 * The forty-seventh verdict audit, on a45-ftputil-pureftpd (python3-ftputil against pure-ftpd,
 * recorded by the forty-fifth audit; fixtures/record.sh, "Forty-fifth verdict audit").
 * 1. How each control connection ended: the client closed it with a FIN (frames 263, 262), pure-ftpd
 *    then wrote an unasked "Logout." (frames 268, 265) to a socket closed for reading, and the client's
 *    stack reset (frames 269, 266). Before this audit `control.how` said 'rst' (the connection's last
 *    state) while `closedBy.how` said 'fin' and the evidence cited the FIN; the report said "closed by
 *    client (reset)" and explain "reset … instead of closing it with a FIN". Now the model says it
 *    once: closed by the client with a FIN, then reset by the client after the server wrote.
 * 2. pure-ftpd's 150 for a download of more than 4096 bytes ends "4096.0 kbytes to download" (the
 *    bytes left, /1024, printf %.1f): never exact, so not `expectedSize`, but the aborted RETR big.bin
 *    (108,064 bytes sent) now says "of about 4,194,304 bytes" with the range the rounding allows.
 * 3. a47-sitecopy-vsftpd (recorded here; fixtures/record.sh, "Forty-seventh verdict audit"): Debian's
 *    sitecopy --update of three files into a writable folder (MKD, three passive STORs), then of two
 *    into a chmod 555 folder: vsftpd answers each STOR 553 after its data connection opened.
 * Frames, flags and byte counts are tshark's (NAME.tshark-*.tsv), sizes the recorder's (facts.json).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kbytesFrom150 } from '../../src/analysis/paths.js';
import { runCli } from '../cli/run-cli.js';
import { analyze, dataStreams, extractedFiles, facts, flat, ftpRows, outputs, ourRows, path, reportPage, transferRows, tsv } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit47-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const name = 'a45-ftputil-pureftpd';
/** tshark's frames of one TCP port pair with these flags (tcp.flags as tshark writes it). */
const framesWith = (src: string, dst: string, flags: string): number[] =>
  tsv(name, 'fields')
    .filter((r) => r['tcp.srcport'] === src && r['tcp.dstport'] === dst && r['tcp.flags'] === flags)
    .map((r) => Number(r['frame.number']));

describe('forty-seventh audit: a control connection closed with a FIN, then reset (ftputil -> pure-ftpd)', () => {
  it('the wire: the client FIN, the server\'s "Logout." after it, the client\'s RST, on both sessions', () => {
    // Session 1 is the client's port 38498, session 2 its port 38514.
    expect([framesWith('38498', '21', '0x0011'), framesWith('38514', '21', '0x0011')]).toEqual([[263], [262]]);
    expect([framesWith('38498', '21', '0x0004'), framesWith('38514', '21', '0x0004')]).toEqual([[269], [266]]);
    expect(ftpRows(name, '0').slice(-1)).toEqual([[268, '250']]);
    expect(ftpRows(name, '2').slice(-1)).toEqual([[265, '550']]);
    expect([framesWith('21', '38498', '0x0011'), framesWith('21', '38514', '0x0011')]).toEqual([[], []]);
  });

  it('the model states it once: closed by the client with a FIN, then reset by the client when the server wrote', async () => {
    const a = await analyze(name);
    const syn = (port: string): number => framesWith(port, '21', '0x0002')[0]!;
    const synAck = (port: string): number => framesWith('21', port, '0x0012')[0]!;
    expect(a.sessions.map((s) => [s.closedBy?.by, s.closedBy?.frame, s.closedBy?.how, s.close])).toEqual([
      ['client', 263, 'fin', 'rst'],
      ['client', 262, 'fin', 'rst'],
    ]);
    expect(a.sessions.map((s) => s.control)).toEqual([
      { kind: 'opened', closedBy: 'client', how: 'fin', reset: { by: 'client', frame: 269, answered: 268 }, evidence: [syn('38498'), synAck('38498'), 263, 269] },
      { kind: 'opened', closedBy: 'client', how: 'fin', reset: { by: 'client', frame: 266, answered: 265 }, evidence: [syn('38514'), synAck('38514'), 262, 266] },
    ]);
    // The unasked lines the reset answered are the server's "Logout." after the client's FIN.
    expect(a.sessions.map((s) => s.commands.filter((c) => c.command === null && c.reply!.frame > s.closedBy!.frame).map((c) => [c.reply!.frame, c.reply!.text]))).toEqual([
      [[268, 'Logout.']],
      [[265, 'Logout.']],
    ]);
  });

  it('every output words it the same: JSON, explain, report', async () => {
    const j = JSON.parse((await runCli(['sessions', '--json', path(name)])).stdout);
    expect(j.sessions.map((s: any) => [s.control.closedBy, s.control.how, s.control.reset, s.closedBy.how, s.closedBy.frame])).toEqual([
      ['client', 'fin', { by: 'client', frame: 269, answered: 268 }, 'fin', 263],
      ['client', 'fin', { by: 'client', frame: 266, answered: 265 }, 'fin', 262],
    ]);
    const [explain] = await outputs(name, 'explain');
    for (const [fin, line, rst] of [
      [263, 268, 269],
      [262, 265, 266],
    ]) {
      expect(explain).toContain(
        `the client closed the control connection (FIN, frame ${fin}) without a QUIT answered by 221 first; the client then reset it (RST, frame ${rst}), ` +
          `when the server wrote after that close (frame ${line}), instead of a FIN each way (step 10).`,
      );
      expect(explain).toContain(`The client closes the control connection: FIN (frame ${fin}); the client resets the control connection: RST (frame ${rst}).`);
      expect(explain).not.toContain(`reset the control connection (RST, frame ${rst}) without a QUIT`);
    }
    const page = flat(await reportPage(name, tmp));
    expect(page.match(/opened, closed by client, then reset by client/g)?.length).toBeGreaterThan(0);
    expect(page).not.toContain('closed by client (reset)');
  });
});

describe("forty-seventh audit: pure-ftpd's rounded size in a download's 150 (ftputil -> pure-ftpd)", () => {
  it('kbytesFrom150 reads the line as pure-ftpd prints it, and its range holds every size that prints so', () => {
    expect(kbytesFrom150('Accepted data connection\n4096.0 kbytes to download')).toEqual({ kbytes: 4096, low: 4194253, high: 4194355 });
    expect(kbytesFrom150('Accepted data connection')).toBeNull();
    expect(kbytesFrom150('Accepted data connection\n4096.0 kbytes to download now')).toBeNull();
    // pure-ftpd prints it only when more than 4096 bytes are left: the range starts there.
    expect(kbytesFrom150('4.0 kbytes to download')).toEqual({ kbytes: 4, low: 4097, high: 4147 });
    // printf's %.1f of size/1024 (JavaScript's toFixed rounds a tie up, glibc to even: the range holds both).
    const outside: string[] = [];
    for (let size = 4097; size < 300_000; size += 7) {
      const r = kbytesFrom150(`${(size / 1024).toFixed(1)} kbytes to download`)!;
      if (!(size >= r.low && size <= r.high && r.high - r.low <= 103)) outside.push(`${size}: ${r.low}…${r.high}`);
    }
    expect(outside).toEqual([]);
  });

  it('the aborted RETR big.bin: 108,064 bytes of about 4,194,304, in the model and in every output', async () => {
    const a = await analyze(name);
    const t = a.sessions[1]!.transfers[3]!;
    const sent = tsv(name, 'fields')
      .filter((r) => r['tcp.srcport'] === '50051')
      .reduce((n, r) => n + Number(r['tcp.len'] || 0), 0);
    const size = facts(name).files.find((x: { path: string }) => x.path === 'big.bin').size;
    expect([t.request?.command, t.request?.arg, t.bytes, sent, size]).toEqual(['RETR', 'big.bin', 108064, 108064, 4194304]);
    // tshark's 150 row is frame 147 (its first line); the reply's last line is the size.
    expect(ftpRows(name, '2').filter(([f]) => f > 146 && f < 150)).toEqual([[147, '150']]);
    expect([t.preliminary?.frame, t.preliminary?.text]).toEqual([147, 'Accepted data connection\n4096.0 kbytes to download']);
    expect(t.expectedSize).toBeNull();
    expect(t.announcedKbytes).toEqual({ kbytes: 4096, low: 4194253, high: 4194355, frame: 147 });
    expect(size).toBeGreaterThanOrEqual(t.announcedKbytes!.low);
    expect(size).toBeLessThanOrEqual(t.announcedKbytes!.high);
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'client', bytes: 108064, expected: null, about: t.announcedKbytes, cause: 'aborted' });
    // hello.txt (511 bytes): no kbytes line, nothing read.
    expect(a.sessions[1]!.transfers[0]!.request?.arg).toBe('hello.txt');
    expect(a.sessions[1]!.transfers[0]!.announcedKbytes).toBeUndefined();

    const [summary, transfers, diagnose, explain, logs] = await outputs(name, 'summary', 'transfers', 'diagnose', 'explain', 'logs');
    const words = 'aborted by the client after 108,064 of about 4,194,304 bytes (the 150 at frame 147 announced 4096.0 kbytes, rounded: 4,194,253 to 4,194,355 bytes).';
    expect(transfers).toContain(`verdict ${words}`);
    expect(explain).toContain(`Verdict: transfer 4 ${words}`);
    expect(flat(await reportPage(name, tmp))).toContain(words);
    expect(diagnose).toContain(
      'The client reset the data connection at frame 245. 108064 bytes of about 4194304 announced (the 150 at frame 147 said 4096.0 kbytes, rounded: 4194253 to 4194355 bytes) had been sent; ' +
        // The client's RST,ACK (frame 245) acknowledges byte 108064: its TCP had every byte (audit 61; before, the last plain ACK's 75296).
        "the client's reset acknowledged every one of them: its TCP had them all, and its process closed the connection without reading them to the end.",
    );
    expect(summary).toContain('2.4 aborted: stopped part-way');
    expect(logs).toMatch(/RETR big\.bin aborted by-client aborted/);
    const j = JSON.parse((await runCli(['summary', '--json', path(name)])).stdout);
    expect(j.sessions[1].transfers[3]).toMatchObject({ announcedKbytes: { kbytes: 4096, low: 4194253, high: 4194355, frame: 147 }, verdict: { kind: 'aborted', about: { frame: 147 } } });
  });
});

describe('forty-seventh audit: sitecopy -> vsftpd (an update into a writable folder, then into a read-only one)', () => {
  const site = 'a47-sitecopy-vsftpd';
  const file = (p: string): Record<string, any> => facts(site).files.find((x: { path: string }) => x.path === p);

  it('the recording: sitecopy uploaded three files, then was refused 553 for each of two', () => {
    const f = facts(site);
    expect([f.server.software, f.client.software, f.client.version, f.client.exit_statuses]).toEqual(['vsftpd', 'sitecopy', '1:0.16.6-10+b1', 'session 1: 0; session 2: 1']);
    expect(f.client.messages).toContain('Uploading ro-b.bin: [] failed: 553 Could not create file.');
    expect(f.client.messages).toContain('Uploading ro-a.txt: [] failed: 553 Could not create file.');
    for (const p of ['site/up-a.txt', 'site/up-b.bin', 'site/sub/up-c.txt']) expect([p, file(p).received_matches]).toEqual([p, true]);
    expect([file('site/up-a.txt').size, file('site/up-b.bin').size, file('site/sub/up-c.txt').size]).toEqual([259, 65536, 28]);
    expect([file('ro/ro-a.txt').received, file('ro/ro-b.bin').received]).toEqual([null, null]);
  });

  it('commands, replies and transfers as tshark has them; the verdicts', async () => {
    const a = await analyze(site);
    for (const s of a.sessions) expect(ourRows(a, s.id)).toEqual(ftpRows(site, String(s.stream)));
    const streams = dataStreams(site);
    const bytes = (port: string): number => tsv(site, 'fields').filter((r) => r['tcp.dstport'] === port).reduce((n, r) => n + Number(r['tcp.len'] || 0), 0);
    expect([bytes('50100'), bytes('50012'), bytes('50046'), bytes('50094'), bytes('50092')]).toEqual([28, 65536, 259, 0, 0]);
    expect(transferRows(a, (t) => [t.diagnosis?.cause ?? null])).toEqual([
      ['1.1', 'PASV', 20, 'STOR site/sub/up-c.txt', 24, 1, 28, 226, 31, 'completed', null],
      ['1.2', 'PASV', 34, 'STOR site/up-b.bin', 38, 2, 65536, 226, 117, 'completed', null],
      ['1.3', 'PASV', 120, 'STOR site/up-a.txt', 124, 3, 259, 226, 131, 'completed', null],
      ['2.1', 'PASV', 153, 'STOR ro/ro-a.txt', 157, 5, 0, 553, 158, 'failed', 'server-refused'],
      ['2.2', 'PASV', 161, 'STOR ro/ro-b.bin', 165, 6, 0, 553, 166, 'failed', 'server-refused'],
    ]);
    // tshark ties each data stream that carried bytes to its PASV's 227 and its STOR.
    expect([streams['1'], streams['2'], streams['3']]).toEqual([
      [20, 24],
      [34, 38],
      [120, 124],
    ]);
    expect(a.sessions.map((s) => [s.diagnosis?.cause ?? null, s.control])).toEqual([
      [null, { kind: 'opened', closedBy: 'client', how: 'fin', evidence: [3, 4, 135] }],
      ['server-refused', { kind: 'opened', closedBy: 'server', how: 'fin', evidence: [138, 139, 169] }],
    ]);
    expect(a.sessions[1]!.transfers.map((t) => t.diagnosis?.evidence)).toEqual([
      [153, 154, 155, 157, 158, 160],
      [161, 162, 163, 165, 166, 172],
    ]);
  });

  it('every output: the healthy uploads undiagnosed, each refused STOR the same server-refused', async () => {
    const [summary, transfers, diagnose, explain, logs] = await outputs(site, 'summary', 'transfers', 'diagnose', 'explain', 'logs');
    expect(summary).toContain('1 192.0.2.10:');
    expect(summary).toMatch(/│?\s*3 complete\s/);
    expect(summary).toContain('[1] 2.1 server-refused: the server refused the command');
    expect(summary).toContain('[2] 2.2 server-refused: the server refused the command');
    expect(summary).not.toContain('[3]');
    expect(transfers).toContain('reply 553 Could not create file. (frame 158) verdict failed: the server refused the command (553, frame 158).');
    expect(diagnose).toContain('The server answered STOR (frame 157) with 553 Could not create file at frame 158: the server could not create the file: most often the folder is not writable by the user.');
    expect(diagnose).toContain('2 of 5 transfers diagnosed (3 complete, 2 failed).');
    expect(diagnose).not.toMatch(/Session 1, transfer/);
    expect(explain).toContain('Verdict: transfer 2 completed: 65,536 bytes, all in the capture (226, frame 117).');
    expect(explain).toContain('Compared with the textbook: everything happened as described.');
    expect(explain).toContain('Verdict: transfer 1 failed: the server refused the command (553, frame 158).');
    expect(logs).toMatch(/STOR site\/up-b\.bin completed/);
    expect(logs).toMatch(/STOR ro\/ro-b\.bin failed - server-refused/);
    expect(logs).toMatch(/STOR ro\/ro-a\.txt failed - server-refused/);
    const j = JSON.parse((await runCli(['summary', '--json', path(site)])).stdout);
    expect(j.sessions.flatMap((s: any) => s.transfers.map((t: any) => [`${s.id}.${t.id}`, t.status, t.verdict.kind, t.diagnosis?.cause ?? null]))).toEqual([
      ['1.1', 'complete', 'completed', null],
      ['1.2', 'complete', 'completed', null],
      ['1.3', 'complete', 'completed', null],
      ['2.1', 'failed', 'failed', 'server-refused'],
      ['2.2', 'failed', 'failed', 'server-refused'],
    ]);
    const page = flat(await reportPage(site, tmp));
    expect(page).toContain('failed: the server refused the command (553, frame 166).');
  });

  it('extract saves each upload as the server stored it', async () => {
    const saved = Object.values(await extractedFiles(site, tmp));
    for (const p of ['site/up-a.txt', 'site/up-b.bin', 'site/sub/up-c.txt']) expect(saved).toContain(file(p).received.sha256);
    expect(saved).toHaveLength(3);
  });
});
