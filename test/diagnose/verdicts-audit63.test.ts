/**
 * The sixty-third verdict audit, on real recordings (fixtures/record.sh, "Sixty-third verdict audit"):
 * ncftp against vsftpd, a recursive listing aborted after a zero window, active then passive in one
 * tnftp session, and vsftpd's per-address session limit met by lftp pget and by TCP port checks.
 *
 * a63-probe-maxperip-vsftpd: a port check (connect, close at once) while vsftpd (max_per_ip=1) is
 * free, and one during an ftplib download. vsftpd's 220 to the first and its 421 to the second both
 * come after the probe's FIN. Before this audit the first read `opened` (closed by the client) and the
 * second "turned away (421)" with a session-refused diagnosis advising fewer sessions: one behaviour
 * of the client read two ways, and a refusal nobody waited for called a refused session.
 *
 * a63-pget-maxperip-vsftpd-lftp: after lftp reset its data connection (frame 180) the server's segments
 * kept coming, 1448 bytes each; the timeline called each "Data ×1 (0 bytes)" (no new byte of the
 * stream), now "(1448 bytes, none new)".
 *
 * Also recorded, every verdict true: a63-ncftp-resume-put-vsftpd (ncftpget -z: REST 1000, 2000 bytes,
 * complete; ncftpput -S .part: STOR, RNFR/RNTO), a63-abor-list-r-vsftpd-python (LIST -R: zero window,
 * ABOR, the client's reset; vsftpd's 426 then 225: aborted by the client), a63-passive-toggle-vsftpd-tnftp
 * (PORT refused by the client's firewall: 425, active-refused; passive RETRs after it complete),
 * a63-pget-maxperip-vsftpd-lftp (the three extra sessions turned away by 421; the one RETR aborted by
 * the client at its piece's end), a63-killed-upload-ncftp-resume-vsftpd (see its test: what a capture
 * cannot tell about ncftp re-sending the file from byte 0 after REST).
 *
 * Frames are tshark's (NAME.tshark-*.tsv), sizes and sha256 the recorder's (NAME.facts.json).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { analyze, facts, flagged, flat, ftpRows, jsonVerdicts, ourRows, outputs, path, reportPage, transfer, transferRows, tsv } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit63-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------------
// Port checks against a per-address session limit
// ---------------------------------------------------------------------------------------------------
describe("sixty-third audit: a port check's connection, answered after the client's close", () => {
  const name = 'a63-probe-maxperip-vsftpd';

  it("the recorder's facts and tshark: each probe's FIN before the server's first word (220, then 421)", async () => {
    const f = facts(name);
    expect([f.server.config, f.client.software]).toEqual(['max_per_ip=1 (one session per client address), local_max_rate=65536', 'python3-ftplib']);
    expect(f.client.output).toBe(
      'before the session probe: connected and closed at once|during the download probe: connected and closed at once|RETR -> 226 Transfer complete.|221 Goodbye.',
    );
    expect([f.files[0].size, f.files[0].received.size, f.files[0].received_matches]).toEqual([131072, 131072, true]);
    expect(ftpRows(name, '0')).toEqual([[7, '220']]);
    expect(ftpRows(name, '3')).toEqual([[159, '421']]);
    // The probes' ports: 52802 (its FIN at 6, the 220 at 7, the client's reset at 8), 52834 (FIN 149, 421 at 159, reset 160).
    expect([flagged(name, '0x0011', '52802'), flagged(name, '0x0004', '52802')]).toEqual([[6], [8]]);
    expect([flagged(name, '0x0011', '52834'), flagged(name, '0x0004', '52834')]).toEqual([[149], [160]]);
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(ourRows(a, 3)).toEqual(ftpRows(name, '3'));
  });

  it('both probes read alike: opened and closed by the client, no session refused, nothing diagnosed; the RETR completed', async () => {
    const a = await analyze(name);
    const [p1, , p2] = a.sessions;
    expect(p1.control).toEqual({ kind: 'opened', closedBy: 'client', how: 'fin', reset: { by: 'client', frame: 8, answered: 7 }, evidence: [3, 4, 6, 8] });
    expect(p2.control).toEqual({ kind: 'opened', closedBy: 'client', how: 'fin', reset: { by: 'client', frame: 160, answered: 159 }, evidence: [146, 147, 149, 160] });
    expect(a.sessions.map((s) => s.diagnosis)).toEqual([null, null, null]);
    expect(transferRows(a)).toEqual([['2.1', 'PASV', 24, 'RETR a63-slow.bin', 28, 2, 131072, 226, 153, 'completed']]);
    const [summary, sessions, diagnose, explain] = await outputs(name, 'summary', 'sessions', 'diagnose', 'explain');
    for (const text of [summary, sessions, diagnose, explain]) expect(text).not.toMatch(/turned away|session-refused|refused the session/);
    expect(explain).toContain(
      '421 There are too many connections from your internet address. (frame 159), after the client had already closed its side of the control connection (FIN, frame 149)',
    );
    const json = JSON.parse((await runCli(['sessions', '--json', path(name)])).stdout).sessions;
    expect(json.map((s: any) => [s.control.kind, s.control.closedBy, s.diagnosis])).toEqual([
      ['opened', 'client', null],
      ['opened', 'server', null],
      ['opened', 'client', null],
    ]);
    const eve = (await runCli(['logs', '--format', 'eve', path(name)])).stdout;
    expect(eve).not.toMatch(/turned-away|session-refused/);
    expect(await reportPage(name, tmp)).not.toMatch(/turned away|session-refused/);
  });
});

describe('sixty-third audit: lftp pget -n 3 against one session per address', () => {
  const name = 'a63-pget-maxperip-vsftpd-lftp';

  it("the recorder's facts: lftp gave up (max-retries exceeded, 421); its saved file is not the original", () => {
    const f = facts(name);
    expect(f.client.exit_status).toBe(1);
    expect(f.client.output).toContain('pget: a63-pget.bin: Fatal error: max-retries exceeded (421 There are too many connections from your internet address.)');
    // lftp preallocated the file: it saved 196608 bytes, of which the first 65536 (its first piece) are the original's.
    expect(f.client.saved).toBe('196608 bytes, sha256 19a74bceeb251b24301d52fd0000daf2cc65690e94c64f340201eb2533c89a52');
    expect([f.files[0].size, f.files[0].received.size, f.files[0].received_matches]).toEqual([196608, 65536, false]);
    expect(['1', '2', '4'].map((s) => ftpRows(name, s))).toEqual([[[54, '421']], [[170, '421']], [[274, '421']]]);
    // tshark shows lftp's IAC IP / IAC DM (116, 117) as garbage requests: left out.
    expect(ftpRows(name, '0').filter(([, c]) => /^[A-Z0-9]+$/.test(c)).slice(-4)).toEqual([[45, 'RETR'], [46, '150'], [118, 'ABOR'], [279, '226']]);
  });

  it('the extra sessions turned away by the connection limit; the one RETR aborted by the client (its ABOR), whatever the late 226 says', async () => {
    const a = await analyze(name);
    expect(a.sessions.map((s) => [s.id, s.control.kind, s.diagnosis?.cause ?? null, s.diagnosis?.evidence ?? null])).toEqual([
      [1, 'opened', null, null],
      [2, 'turned-away', 'session-refused', [32, 33, 54, 66]],
      [3, 'turned-away', 'session-refused', [35, 36, 170, 172]],
      [4, 'turned-away', 'session-refused', [271, 272, 274, 276]],
    ]);
    expect(transferRows(a)).toEqual([['1.1', 'PASV', 41, 'RETR a63-pget.bin', 45, 3, 132520, 226, 279, 'aborted']]);
    expect(transfer(a, '1.1').verdict).toMatchObject({ kind: 'aborted', by: 'client', bytes: 132520, expected: 196608, evidence: [41, 42, 43, 45, 118, 180, 279] });
    expect(await jsonVerdicts(name)).toEqual([['1.1', 'aborted', 'aborted']]);
  });

  it("the timeline calls the server's segments after the client's reset what they carried, none of it new, not '0 bytes'", async () => {
    // tshark: frame 179 the last byte counted (131073 + 1448 = 132521), the client's RST at 180, then 1448 bytes at 181, 183, 185 with a RST after each.
    const rows = tsv(name, 'fields').filter((r) => ['179', '180', '181', '183'].includes(r['frame.number']));
    expect(rows.map((r) => [r['frame.number'], r['tcp.flags'], r['tcp.len']])).toEqual([
      ['179', '0x0010', '1448'],
      ['180', '0x0004', '0'],
      ['181', '0x0010', '1448'],
      ['183', '0x0010', '1448'],
    ]);
    const [timeline] = await outputs(name, 'timeline');
    expect(timeline).toContain('0.713849 179 57254 <------------ Data ×1 (1448 bytes) -------------- 50086');
    expect(timeline).toContain('0.713873 181 57254 <------- Data ×1 (1448 bytes, none new) --------- 50086');
    expect(timeline).not.toMatch(/Data( \+ ACK)? ×\d+ \(0 bytes/);
  });
});

// ---------------------------------------------------------------------------------------------------
// Verdicts that were already true
// ---------------------------------------------------------------------------------------------------
describe('sixty-third audit: recordings whose verdicts were true', () => {
  it('a63-ncftp-resume-put-vsftpd: ncftpget -z resumes with REST 1000 (2000 bytes, complete); ncftpput -S .part stores and renames', async () => {
    const name = 'a63-ncftp-resume-put-vsftpd';
    const f = facts(name);
    // The RETR's fact is its attempt's: small.bin from byte 1000; the saved file is the whole original.
    expect(f.client.saved).toBe(
      '3000 bytes, sha256 25158aeafdc15cf1a74658bd02a41c7ad277f1a01da5f92341f4481c083dec55 (small.bin: 3000 bytes, sha256 25158aeafdc15cf1a74658bd02a41c7ad277f1a01da5f92341f4481c083dec55)',
    );
    expect(f.files.map((x: any) => [x.op, x.path, x.size, x.received.size, x.received_matches])).toEqual([
      ['RETR', 'small.bin', 2000, 2000, true],
      ['STOR', 'a63-up.txt.part', 259, 259, true],
    ]);
    expect(ftpRows(name, '2').filter(([, c]) => ['STOR', 'RNFR', 'RNTO'].includes(c))).toEqual([[118, 'STOR'], [127, 'RNFR'], [129, 'RNTO']]);
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(transferRows(a, (t) => [t.restOffset ?? null])).toEqual([
      ['1.1', 'PASV', 50, 'RETR small.bin', 56, 1, 2000, 226, 65, 'completed', 1000],
      ['2.1', 'PASV', 114, 'STOR a63-up.txt.part', 118, 3, 259, 226, 125, 'completed', null],
    ]);
    expect(transfer(a, '1.1').verdict).toMatchObject({ kind: 'completed', bytes: 2000, expected: 2000 });
    expect(a.sessions.map((s) => s.diagnosis)).toEqual([null, null]);
  });

  it('a63-abor-list-r-vsftpd-python: LIST -R stopped by the client (zero window, ABOR, its reset): aborted by the client; the RETR after it complete', async () => {
    const name = 'a63-abor-list-r-vsftpd-python';
    const f = facts(name);
    expect(f.client.output).toBe(
      'read before ABOR 8727|ABOR sent, data not read|data connection closed|reply 426 Failure writing network stream.|reply 225 No transfer to ABOR.|RETR -> 226 Transfer complete.|QUIT -> 221 Goodbye.',
    );
    // ftplib's IAC IP / IAC DM: tshark's garbage request at 58 (urgent), then the last IAC byte and ABOR at 59.
    expect(ftpRows(name, '0').filter(([fr]) => fr >= 59 && fr <= 67).map(([fr, c]) => [fr, c.replace(/^[^A-Z0-9]+/, '')])).toEqual([[59, 'ABOR'], [65, '426'], [67, '225']]);
    const a = await analyze(name);
    expect(transferRows(a)).toEqual([
      ['1.1', 'PASV', 16, 'LIST -R tree', 20, 1, 11031, 426, 65, 'aborted'],
      ['1.2', 'PASV', 73, 'RETR hello.txt', 77, 2, 511, 226, 84, 'completed'],
    ]);
    const t = transfer(a, '1.1');
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'client', bytes: 11031 });
    expect([t.diagnosis!.cause, t.diagnosis!.evidence]).toEqual(['aborted', [16, 17, 18, 20, 52, 59, 64, 65]]);
    expect(flat(t.diagnosis!.summary)).toContain('Before that the client had advertised a zero window at frame 52: it had stopped reading.');
  });

  it('a63-passive-toggle-vsftpd-tnftp: the PORT refused by the client firewall (425, active-refused), then passive RETRs complete', async () => {
    const name = 'a63-passive-toggle-vsftpd-tnftp';
    const f = facts(name);
    expect([f.client.active_attempt_saved, f.files.map((x: any) => [x.path, x.received.size, x.received_matches])]).toEqual([
      'nothing',
      [
        ['hello.txt', 511, true],
        ['small.bin', 3000, true],
      ],
    ]);
    expect([flagged(name, '0x0002', '43649'), flagged(name, '0x0014', '43649')]).toEqual([[35], [36]]);
    const a = await analyze(name);
    expect(transferRows(a)).toEqual([
      ['1.1', 'PORT', 32, 'RETR hello.txt', 34, 1, 0, 425, 37, 'failed'],
      ['1.2', 'PASV', 41, 'RETR hello.txt', 45, 2, 511, 226, 52, 'completed'],
      ['1.3', 'PASV', 59, 'RETR small.bin', 63, 3, 3000, 226, 74, 'completed'],
    ]);
    const t = transfer(a, '1.1');
    expect([t.diagnosis!.cause, t.diagnosis!.evidence]).toEqual(['active-refused', [32, 33, 34, 35, 36, 37]]);
    expect(t.laterAttempt).toMatchObject({ session: 1, transfer: 2, frame: 45, outcome: 'completed' });
    expect(t.diagnosis!.advice).toContain('Use passive mode on the client');
  });

  it("a63-killed-upload-ncftp-resume-vsftpd: the killed client's upload unknown (client gone); the resume moved every byte it sent (what it sent after REST is not in the model)", async () => {
    const name = 'a63-killed-upload-ncftp-resume-vsftpd';
    const f = facts(name);
    expect(f.resume.commands).toBe('51 STOR a63-resume.bin|215 SIZE a63-resume.bin|224 REST 74912|226 STOR a63-resume.bin');
    // The server's file: the first 74912 bytes, then the client's whole file again (ncftp sent it from byte 0 after REST 74912).
    expect([f.upload.original_size, f.upload.server_size, f.server.whole_file_matches, f.files]).toEqual([98304, 74912 + 98304, 'no', []]);
    const a = await analyze(name);
    expect(transferRows(a, (t) => [t.restOffset ?? null])).toEqual([
      ['1.1', 'PASV', 47, 'STOR a63-resume.bin', 51, 1, 98304, 226, 243, 'unknown', null],
      ['2.1', 'PASV', 220, 'STOR a63-resume.bin', 226, 3, 98304, 226, 378, 'completed', 74912],
    ]);
    expect(transfer(a, '1.1').verdict).toMatchObject({ kind: 'unknown', why: 'client-gone', reply: 243, gone: 135 });
  });
});
