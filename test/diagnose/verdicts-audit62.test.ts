/**
 * The sixty-second verdict audit, on real recordings (fixtures/record.sh, "Sixty-second verdict audit"):
 * what a server's own time limits end, and announcements a client asks for without meaning to use.
 *
 * a62-notransfer-timeout-proftpd-python: ftplib sends PASV and waits 5 s before connecting and sending
 * RETR; proftpd's TimeoutNoTransfer (3 s) says "421 No transfer timeout" and closes the session first,
 * so the client's SYN meets a closed port (RST) and its RETR a closed control connection. Before this
 * audit the transfer read "failed: the client's data connection was refused (passive mode)"
 * (passive-refused) with the advice to open the passive range on the server's firewall.
 *
 * a62-session-timeout-proftpd-python: proftpd's TimeoutSession (4 s) ends the session in the middle of
 * a slow RETR with "421 Session Timeout"; the data already in the server's socket arrives whole. Before
 * this audit the 421 read "the server is closing the session (service not available)", advice "raise
 * its session limit (proftpd: MaxClients / MaxClientsPerHost)": a connection limit nobody hit.
 *
 * a62-epsv-all-{vsftpd,proftpd,pureftpd,pyftpdlib}-python: EPSV ALL, then EPSV RETRs around a PASV,
 * PORT and EPRT that RFC 2428 says must be refused. vsftpd refuses PASV and PORT (550) but accepts
 * EPRT (200), which the client leaves for EPSV. Before this audit that accepted, unused EPRT ended the
 * fallback chain: the PASV read "failed: the server refused the command", the PORT "refused retry of 1.2".
 * pure-ftpd answers that PASV with a 227 all the same, which the client leaves for PORT 70 µs later without a
 * SYN: until session 39 it read "failed: nobody connected to the passive endpoint the server announced".
 *
 * Also recorded, every verdict true: a62-list-missing-dir-vsftpd-python (vsftpd lists a missing
 * directory as 150, nothing, 226), a62-partial-read-rclone-vsftpd (rclone cat --count / --offset: the
 * client closes the data connection once it has what it asked for: aborted by the client),
 * a62-stor-full-vsftpd-curl (451 Failure writing to local file: aborted by the server),
 * a62-ascii-clients-vsftpd (TYPE A by lftp, curl and wget: every transfer complete, wire bytes above SIZE).
 *
 * Frames are tshark's (NAME.tshark-*.tsv), sizes and sha256 the recorder's (NAME.facts.json).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { analyze, facts, flagged, flat, ftpRows, nothingFailed, ourRows, outputs, path, reportPage, transfer, transferRows, tsv } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit62-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** tshark's frame of the first FTP row of stream 0 with this command or reply code (and argument prefix). */
const frameOf = (name: string, what: string, arg = ''): number => {
  const row = tsv(name, 'ftp').find((r) => (r['ftp.request.command'] === what || r['ftp.response.code'] === what) && (r['ftp.request.arg'] ?? '').startsWith(arg));
  return Number(row!['frame.number']);
};

// ---------------------------------------------------------------------------------------------------
// proftpd TimeoutNoTransfer: the session ended before the client used its passive port
// ---------------------------------------------------------------------------------------------------
describe('sixty-second audit: a passive port tried after the server had ended the session', () => {
  const name = 'a62-notransfer-timeout-proftpd-python';

  it("the recorder's facts and tshark: 227, the server's 421 and FIN, then the client's SYN (reset) and RETR", async () => {
    const f = facts(name);
    expect([f.server.software, f.server.config, f.client.software]).toEqual(['proftpd', 'TimeoutNoTransfer 3', 'python3-ftplib']);
    expect(f.client.output).toContain("data connect: ConnectionRefusedError(111, 'Connection refused')");
    expect(f.files.map((x: { op: string; path: string; received?: unknown }) => [x.op, x.path, x.received ?? null])).toEqual([['RETR', 'hello.txt', null]]);
    expect(ftpRows(name, '0')).toEqual([[6, '220'], [8, 'USER'], [10, '331'], [11, 'PASS'], [12, '230'], [13, 'TYPE'], [14, '200'], [15, 'PASV'], [16, '227'], [18, '421'], [24, 'RETR']]);
    expect(tsv(name, 'ftp').find((r) => r['frame.number'] === '18')!['ftp.response.arg']).toBe('No transfer timeout (3 seconds): closing control connection');
    // The server's FIN on the control connection (port 21) at 20; the data SYN to 50082 at 22, its RST at 23.
    expect(flagged(name, '0x0011', '21')).toEqual([20]);
    expect([flagged(name, '0x0002', '50082'), flagged(name, '0x0014', '50082')]).toEqual([[22], [23]]);
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
  });

  it('failed because the session had ended first (session-ended-first), not a refused data connection: in every output', async () => {
    const a = await analyze(name);
    expect(transferRows(a)).toEqual([['1.1', 'PASV', 16, 'RETR hello.txt', 24, 1, 0, null, null, 'failed']]);
    const t = transfer(a, '1.1');
    expect(t.verdict).toMatchObject({ kind: 'failed', cause: 'session-ended-first' });
    expect([t.diagnosis!.cause, t.diagnosis!.evidence]).toEqual(['session-ended-first', [16, 18, 20, 22, 23, 24]]);
    const said = flat(t.diagnosis!.summary);
    expect(said).toContain('it said, unasked, 421 No transfer timeout (3 seconds): closing control connection (frame 18), and closed the control connection (frame 20)');
    expect(said).toContain('at frame 22, 5.0 s after the 227 and after that close: it was answered by a reset (RST) from the server at frame 23');
    expect(said).toContain('The client sent RETR (frame 24) after the session had ended');
    expect(t.diagnosis!.advice).toContain('a no-transfer timeout (proftpd: TimeoutStalled / TimeoutNoTransfer)');
    const [diagnose, transfers, explain, summary] = await outputs(name, 'diagnose', 'transfers', 'explain', 'summary');
    for (const text of [diagnose, transfers, explain, summary]) {
      expect(text).not.toMatch(/passive-refused|data connection was refused|passive port range on the server's firewall/);
    }
    expect(flat(transfers)).toContain('failed: the server had ended the session before the client connected to the passive port it announced');
    expect(summary).toContain('1.1 session-ended-first');
    const json = JSON.parse((await runCli(['transfers', '--json', path(name)])).stdout).transfers[0];
    expect([json.verdict.kind, json.verdict.cause, json.diagnosis.cause]).toEqual(['failed', 'session-ended-first', 'session-ended-first']);
    const eve = (await runCli(['logs', '--format', 'eve', path(name)])).stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.ftpcap?.transfer !== undefined);
    expect(new Set(eve.map((e) => `${e.ftpcap.verdict} ${e.ftpcap.cause}`))).toEqual(new Set(['failed session-ended-first']));
    expect(await reportPage(name, tmp)).not.toContain('passive-refused');
  });
});

// ---------------------------------------------------------------------------------------------------
// proftpd TimeoutSession: a 421 in the middle of a RETR names a time limit, not a connection limit
// ---------------------------------------------------------------------------------------------------
describe("sixty-second audit: the server's session time limit in the middle of a download", () => {
  const name = 'a62-session-timeout-proftpd-python';

  it("the recorder's facts: the whole file arrived, the server said 421 Session Timeout instead of 226", async () => {
    const f = facts(name);
    expect([f.server.config, f.files[0].size, f.files[0].received.size, f.files[0].received_matches]).toEqual(['TimeoutSession 4', 262144, 262144, true]);
    expect(f.client.output).toContain("reply: error error_temp('421 Session Timeout (4 seconds): closing control connection')");
    expect(ftpRows(name, '0').slice(-6)).toEqual([[15, 'PASV'], [16, '227'], [20, 'RETR'], [21, '150'], [195, '421'], [357, 'QUIT']]);
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
  });

  it("the 421 is the server's session time limit (proftpd: TimeoutSession), not too many sessions", async () => {
    const a = await analyze(name);
    expect(transferRows(a)).toEqual([['1.1', 'PASV', 16, 'RETR a62-slow.bin', 20, 1, 262144, 421, 195, 'aborted']]);
    const t = transfer(a, '1.1');
    // Every stated byte, then the server's FIN (frame 353: tcp.flags 0x019 from port 50054), before the 421: nothing was cut.
    expect(tsv(name, 'fields').find((r) => r['frame.number'] === '353')).toMatchObject({ 'tcp.srcport': '50054', 'tcp.flags': '0x0019' });
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'server', bytes: 262144, expected: 262144, cause: 'unconfirmed', unconfirmed: { fin: 353 } });
    expect(flat(t.diagnosis!.summary)).toMatch(/^Session 1, transfer 1 \(RETR a62-slow.bin, passive mode\) was ended without a confirmation: /);
    expect(flat(t.diagnosis!.summary)).toContain(
      "The server replied 421 Session Timeout (4 seconds): closing control connection (frame 195): the server is ending the session on its limit for a session's length, whatever it was doing",
    );
    expect(t.diagnosis!.advice).toBe(
      'The server ends a session after a fixed time (proftpd: TimeoutSession), even in the middle of a transfer: raise that limit on the server, or do the work in shorter sessions. Nothing between the hosts and no connection limit ended it.',
    );
    const [diagnose, explain] = await outputs(name, 'diagnose', 'explain');
    for (const text of [diagnose, explain]) expect(text).not.toMatch(/MaxClients|session limit|service not available|too many sessions|cut short/);
    expect(flat(explain)).toContain("aborted by the server after the data had arrived whole: every byte (262,144 of 262,144, then the sender's FIN, frame 353), but its answer was 421 (frame 195), no confirmation.");
  });
});

// ---------------------------------------------------------------------------------------------------
// EPSV ALL
// ---------------------------------------------------------------------------------------------------
describe('sixty-second audit: EPSV ALL, then a PASV, PORT and EPRT the client never meant to use', () => {
  it("a62-epsv-all-vsftpd-python: vsftpd refuses PASV and PORT (550) and accepts EPRT, left for EPSV: the refusals fell back to EPSV, the EPRT unused, nothing failed", async () => {
    const name = 'a62-epsv-all-vsftpd-python';
    const f = facts(name);
    expect(f.client.output).toContain('PASV -> refused 550 Permission denied.');
    expect(f.files.map((x: { received_matches: boolean }) => x.received_matches)).toEqual([true, true]);
    const [all, pasv, port, eprt, epsv, retr] = [frameOf(name, 'EPSV', 'ALL'), frameOf(name, 'PASV'), frameOf(name, 'PORT'), frameOf(name, 'EPRT'), 39, frameOf(name, 'RETR', 'small')];
    expect([all, pasv, port, eprt, retr]).toEqual([17, 33, 35, 37, 44]);
    expect(tsv(name, 'ftp').filter((r) => ['34', '36', '38', '40'].includes(r['frame.number'])).map((r) => r['ftp.response.code'])).toEqual(['550', '550', '200', '229']);
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(transferRows(a).map((r) => [r[0], r[1], r[3], r[7], r[9]])).toEqual([
      ['1.1', 'EPSV', 'RETR hello.txt', 226, 'completed'],
      ['1.2', 'PASV', null, null, 'fell-back'],
      ['1.3', 'PORT', null, null, 'fell-back'],
      ['1.4', 'EPRT', null, null, 'unused'],
      ['1.5', 'EPSV', 'RETR small.bin', 226, 'completed'],
    ]);
    for (const id of ['1.2', '1.3']) {
      const t = transfer(a, id);
      expect(t.verdict).toMatchObject({ kind: 'fell-back', code: 550, fallback: { command: 'RETR small.bin', frame: retr, completed: true, announce: { command: 'EPSV', frame: epsv } } });
      expect(t.diagnosis).toBeNull();
    }
    const [summary, diagnose] = await outputs(name, 'summary', 'diagnose');
    expect(summary).not.toMatch(/failed|retry of/);
    expect(diagnose).toContain('No failed data connections in 1 session: 5 transfers (2 complete, 2 refused (the client fell back), 1 unused)');
  });

  it('a62-epsv-all-pureftpd-python: pure-ftpd answers the PASV with a 227 despite EPSV ALL; the client sends PORT 70 µs later without a SYN to it, from a capture on its own segment: unused, not "nobody connected"', async () => {
    const name = 'a62-epsv-all-pureftpd-python';
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect([frameOf(name, 'PASV'), frameOf(name, 'PORT')]).toEqual([31, 33]);
    // The 227 (frame 32) and the PORT that left it (frame 33): far less than a SYN's first retransmission timeout apart.
    const pasv = transfer(a, '1.2').announce!;
    const port = transfer(a, '1.3').announce!;
    expect([pasv.reply!.code, pasv.reply!.frame, port.frame]).toEqual([227, 32, 33]);
    expect(port.time - pasv.reply!.time).toBeLessThan(0.001);
    // No connection to the announced port in the capture, while both EPSV data connections to that address opened.
    expect(tsv(name, 'streams').map((r) => r.dstport)).toEqual(['21', '50089', '50080']);
    expect(transferRows(a).map((r) => [r[0], r[1], r[3], r[5], r[9]])).toEqual([
      ['1.1', 'EPSV', 'RETR hello.txt', 1, 'completed'],
      ['1.2', 'PASV', null, null, 'unused'],
      ['1.3', 'PORT', null, null, 'fell-back'],
      ['1.4', 'EPRT', null, null, 'fell-back'],
      ['1.5', 'EPSV', 'RETR small.bin', 2, 'completed'],
    ]);
    expect(a.sessions[0].transfers.map((t) => t.diagnosis)).toEqual([null, null, null, null, null]);
    const [summary, diagnose] = await outputs(name, 'summary', 'diagnose');
    expect(summary).not.toMatch(/failed/);
    expect(diagnose).toContain('No failed data connections in 1 session: 5 transfers (2 complete, 1 unused, 2 refused (the client fell back))');
  });

  for (const server of ['proftpd', 'pyftpdlib']) {
    it(`a62-epsv-all-${server}-python: PASV, PORT and EPRT refused after EPSV ALL, each fell back to EPSV; nothing failed in any output`, async () => {
      const name = `a62-epsv-all-${server}-python`;
      const a = await analyze(name);
      expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
      expect(transferRows(a).map((r) => r[9])).toEqual(['completed', 'fell-back', 'fell-back', 'fell-back', 'completed']);
      expect(a.sessions[0].transfers.map((t) => t.diagnosis)).toEqual([null, null, null, null, null]);
      const [summary, diagnose] = await outputs(name, 'summary', 'diagnose');
      expect(summary).not.toMatch(/failed/);
      expect(diagnose).toContain('No failed data connections in 1 session: 5 transfers (2 complete, 3 refused (the client fell back))');
    });
  }
});

// ---------------------------------------------------------------------------------------------------
// Recorded, and true before this audit
// ---------------------------------------------------------------------------------------------------
describe('sixty-second audit: the recordings whose verdicts were already true', () => {
  it('a62-list-missing-dir-vsftpd-python: vsftpd answers a listing of a missing directory with 150, no data and 226: completed as the server said, empty', async () => {
    const name = 'a62-list-missing-dir-vsftpd-python';
    const f = facts(name);
    expect(f.files.map((x: { op: string; path: string; received: { size: number } }) => [x.op, x.path, x.received.size])).toEqual([
      // ftplib's retrlines drops the CR of each line: 63 bytes saved of the 64 on the wire.
      ['LIST', 'missing', 0], ['LIST', 'locked', 63], ['NLST', 'missing', 0], ['LIST', 'pub', 63], ['RETR', 'hello.txt', 511],
    ]);
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(transferRows(a)).toEqual([
      ['1.1', 'PASV', 18, 'LIST missing', 22, 1, 0, 226, 27, 'completed'],
      ['1.2', 'PASV', 32, 'LIST locked', 36, 2, 64, 226, 40, 'completed'],
      ['1.3', 'PASV', 48, 'NLST missing', 52, 3, 0, 226, 54, 'completed'],
      ['1.4', 'PASV', 62, 'LIST pub', 66, 4, 64, 226, 73, 'completed'],
      ['1.5', 'PASV', 78, 'RETR hello.txt', 82, 5, 511, 226, 89, 'completed'],
    ]);
    await nothingFailed(name, tmp);
  });

  it('a62-partial-read-rclone-vsftpd: rclone read 10000 bytes, then 5000 after REST 300000, and reset each data connection: aborted by the client, not the network', async () => {
    const name = 'a62-partial-read-rclone-vsftpd';
    const f = facts(name);
    // The whole file as the original, the range each run saved as received: the file's own bytes there (client.*_matches).
    expect(f.files.map((x: { size: number; received: { size: number } }) => [x.size, x.received.size])).toEqual([[1048576, 10000], [1048576, 5000]]);
    expect([f.client.head_matches, f.client.middle_matches]).toEqual([true, true]);
    const a = await analyze(name);
    const cut = a.sessions.flatMap((s) => s.transfers).filter((t) => t.request?.command === 'RETR');
    expect(cut.map((t) => [t.request!.frame, t.reply!.code, t.connection!.rst!.by, t.verdict.kind, (t.verdict as { by: string }).by])).toEqual([
      [frameOf(name, 'RETR'), 426, 'client', 'aborted', 'client'],
      [Number(tsv(name, 'ftp').filter((r) => r['ftp.request.command'] === 'RETR')[1]['frame.number']), 426, 'client', 'aborted', 'client'],
    ]);
    expect(cut[1].restOffset).toBe(300000);
  });

  it('a62-stor-full-vsftpd-curl: 451 Failure writing to local file after 65536 bytes kept: aborted by the server, advice its disk', async () => {
    const name = 'a62-stor-full-vsftpd-curl';
    const f = facts(name);
    expect([f.files[0].size, f.files[0].received.size, f.files[1].received_matches]).toEqual([200000, 65536, true]);
    const a = await analyze(name);
    const t = transfer(a, '1.1');
    expect([t.request!.frame, t.reply!.code, t.reply!.frame]).toEqual([frameOf(name, 'STOR'), 451, frameOf(name, '451')]);
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'server' });
    expect(t.diagnosis!.advice).toContain('disk');
    expect(transfer(a, '2.1').verdict.kind).toBe('completed');
  });

  it('a62-ascii-clients-vsftpd: TYPE A downloads (521 wire bytes for 511 on disk) and uploads complete, with no diagnosis', async () => {
    const name = 'a62-ascii-clients-vsftpd';
    const a = await analyze(name);
    expect(transferRows(a).map((r) => [r[0], r[3], r[6], r[9]])).toEqual([
      ['1.1', 'RETR hello.txt', 521, 'completed'],
      ['1.2', 'STOR lftp-up.txt', 264, 'completed'],
      ['2.1', 'RETR hello.txt', 521, 'completed'],
      ['3.1', 'STOR curl-up.txt', 264, 'completed'],
      ['4.1', 'RETR hello.txt', 521, 'completed'],
    ]);
    await nothingFailed(name, tmp);
  });
});
