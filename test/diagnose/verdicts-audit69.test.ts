/**
 * The sixty-ninth verdict audit, on real recordings (fixtures/record.sh, "Sixty-ninth audit"): files
 * that change while they are sent, and sessions racing on one file. Each change is made by a timer in
 * the server's namespace at a known moment of a transfer slowed by the server's rate limit.
 *
 * a69-replace-delete-pureftpd-curl, session 3: pure-ftpd (-T 8) sends its first 49152 bytes of
 * a69-cut.bin at once and sleeps for its bandwidth limit; the file is truncated in place (60000 ->
 * 10000 bytes) meanwhile; 12 s later its next read fails: its FIN (frame 251, in sequence right after
 * the last data, frame 248) and "451 Error during read from data connection" (frame 252); curl exit 18.
 * Every byte was acknowledged, the client's window never shut. Before this audit diagnose called it
 * "stalled" ("The receiver stopped reading (zero window) or the path went silent: check the receiving
 * side's disk … and any firewall") while transfers said "aborted (server)".
 *
 * a69-growing-log-proftpd-lftp (and -server-side), session 1: a log a writer appends to while proftpd
 * sends it at 8 KiB/s: SIZE and the 150 say 24000, proftpd reads to the end it finds and sends 36000,
 * 226 (lftp exit 0, the saved file the log as it ended). Before, every output said only "completed:
 * 36,000 bytes, all in the capture", silent on the 24,000 announced, while the shrinking case
 * (session 2, copytruncate: 16384 of 60000, 226, lftp "file size decreased during transfer") named the
 * file's change: now both name it (the verdict's sentLong beside sentShort).
 *
 * a69-size-then-changed-pyftpdlib-python: SIZE a69-tmp.bin 213 3000 (frame 16), the file deleted on the
 * server, then RETR answered "550 No such file or directory." (frame 33). Before, the advice was "check
 * the path on the client"; the session's own SIZE shows the path was right and the file went.
 *
 * Also recorded, every verdict true: pure-ftpd sending a file replaced by rename or deleted during its
 * RETR (the opened file, whole, 226), pyftpdlib sending a file another session is still uploading
 * (65536 bytes as it stood, SIZE 65536, 226; both capture points), vsftpd's download lock making a STOR
 * over a file being read wait for the RETR (both complete; both capture points), vsftpd sending the
 * size it found at open of a file that grew (120000, 226).
 *
 * Frames are tshark's (NAME.tshark-*.tsv), sizes and sha256 the recorder's (NAME.facts.json).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { analyze, facts, flat, ftpRows, jsonVerdicts, nothingFailed, outputs, path, transfer, verdicts } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit69-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('sixty-ninth audit: a server that pauses, then fails reading a file truncated meanwhile', () => {
  const name = 'a69-replace-delete-pureftpd-curl';

  it("the recorder's facts: curl exit 18 on the truncated file, the replaced and deleted files whole as opened", () => {
    const f = facts(name);
    expect(f.client.truncated).toBe('curl: (18) transfer closed with 10848 bytes remaining to read curl rc 18 ');
    expect([f.client.replaced, f.client.deleted, f.client.again]).toEqual(['curl rc 0 ', 'curl rc 0 ', 'curl rc 0 ']);
    expect(f.files.map((x: any) => [x.path, x.size, x.received.size, x.received_matches])).toEqual([
      ['a69-report.csv', 40000, 40000, true],
      ['a69-gone.bin', 40000, 40000, true],
      ['a69-cut.bin', 60000, 49152, false],
      ['a69-report.csv', 30000, 30000, true],
    ]);
    expect(f.file.cut.at_end).toMatch(/^10000 bytes/);
    expect(ftpRows(name, '4').filter(([fr]) => fr >= 190)).toEqual([[190, 'SIZE'], [191, '213'], [192, 'RETR'], [193, '150'], [252, '451']]);
  });

  it('aborted by the server, not stalled: its own 12 s pause, its FIN in sequence, its 451; every output agrees', async () => {
    const a = await analyze(name);
    expect(verdicts(a)).toEqual([
      ['1.1', 'completed', null, null],
      ['2.1', 'completed', null, null],
      ['3.1', 'aborted', 'aborted', null],
      ['4.1', 'completed', null, null],
    ]);
    const t = transfer(a, '3.1');
    expect(t.verdict).toEqual({ kind: 'aborted', by: 'server', bytes: 49152, expected: 60000, cause: 'aborted', evidence: [184, 185, 186, 192, 252] });
    expect(t.diagnosis!.evidence).toEqual([184, 185, 186, 192, 248, 251, 252]);
    expect(await jsonVerdicts(name)).toEqual([['1.1', 'completed', null], ['2.1', 'completed', null], ['3.1', 'aborted', 'aborted'], ['4.1', 'completed', null]]);
    const [diagnose, transfers, explain] = (await outputs(name, 'diagnose', 'transfers', 'explain')).map(flat);
    expect(diagnose).toContain('Session 3, transfer 1: aborted');
    expect(diagnose).toContain(
      "The server closed the data connection itself (FIN, frame 251) after 49152 of the 60000 bytes it announced, with no reset and nothing missing from the capture: it stopped sending on its own " +
        "(before that FIN it had sent nothing for 12 s after frame 248, every byte acknowledged and the client's window open: the pause was its own, not the client's or the network's).",
    );
    expect(diagnose).toContain('The server stopped sending on its own and then reported a failure');
    for (const text of [diagnose, explain]) {
      expect(text).not.toMatch(/stalled|zero window\) or the path went silent|firewall that drops idle/);
    }
    expect(transfers).toContain('RETR a69-cut.bin — aborted (server)');
  });
});

describe('sixty-ninth audit: a download that carried more than its announced size', () => {
  for (const name of ['a69-growing-log-proftpd-lftp', 'a69-growing-log-server-side-proftpd-lftp']) {
    it(`${name}: the grown log is completed with its 36000 bytes against the 24000 announced, the rotated one with 16384 of 60000`, async () => {
      const f = facts(name);
      expect(f.client.rot_log).toBe('get: a69-rot.log: file size decreased during transfer');
      expect([f.file.app_log.at_start, f.client.saved.app_log, f.file.app_log.at_end].map((x: string) => x.split(' ')[0])).toEqual(['24000', '36000', '36000']);
      expect(f.files.map((x: any) => [x.path, x.size, x.received.size, x.received_matches])).toEqual([
        ['a69-app.log', 36000, 36000, true],
        ['a69-rot.log', 16384, 16384, true],
      ]);
      // The saved rotated log is the first 16384 bytes of the 60000-byte log before its rotation.
      expect(f.file.rot_log.at_start).toMatch(/^60000 bytes/);
      const a = await analyze(name);
      expect(transfer(a, '1.1').verdict).toMatchObject({ kind: 'completed', bytes: 36000, expected: 24000, missingBytes: 0, sentShort: false, sentLong: true });
      // tshark's frames: the 213 that answers SIZE, and the 226.
      const rows = ftpRows(name, '0');
      const sized = rows[rows.findIndex(([, c]) => c === 'SIZE') + 1];
      const done = rows.find(([, c]) => c === '226')![0];
      expect(sized[1]).toBe('213');
      expect(transfer(a, '1.1').sizeStated).toEqual({ frame: sized[0], size: 24000 });
      expect(transfer(a, '2.1').verdict).toMatchObject({ kind: 'completed', bytes: 16384, expected: 60000, missingBytes: 0, sentShort: true });
      expect('sentLong' in transfer(a, '2.1').verdict).toBe(false);
      expect(verdicts(a)).toEqual([['1.1', 'completed', null, null], ['2.1', 'completed', null, null]]);
      const [summary, diagnose] = (await outputs(name, 'summary', 'diagnose')).map(flat);
      expect(summary).toContain('complete, 36,000 B (24,000 B announced)');
      expect(summary).toContain('complete, 16,384 of 60,000 B announced');
      expect(diagnose).toContain(
        `Session 1, transfer 1 (RETR a69-app.log): completed: 36,000 bytes, all in the capture (226, frame ${done}), more than the 24,000 announced: ` +
          'the server sent them and closed the data connection itself, so the file on the server grew or was replaced after its size was announced (or its size was announced wrong); nothing was lost.',
      );
      expect(diagnose).toContain('No failed data connections in 2 sessions: 2 transfers (2 complete).');
      const out = join(tmp, name);
      await runCli(['extract', path(name), '-o', out]);
      const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
      expect(manifest.objects[0].notes).toContain(
        'the capture holds every byte the server sent: it sent more than it announced (the file grew on the server while it was sent, or its size was announced wrong)',
      );
    });
  }

  it('an ASCII-mode or TLS download is not read so (no sentLong on the FTPS fixture whose TLS records outnumber the size)', async () => {
    const a = await analyze('ftps-ccc-dnat-helper-proftpd-curl');
    expect(transfer(a, '1.1').verdict).toMatchObject({ kind: 'completed', bytes: 2482, expected: 511 });
    expect('sentLong' in transfer(a, '1.1').verdict).toBe(false);
  });
});

describe('sixty-ninth audit: a file deleted, and one replaced, between SIZE and RETR', () => {
  const name = 'a69-size-then-changed-pyftpdlib-python';

  it("the 550 after the session's own SIZE says the file went, not a wrong path; the replaced file is completed with more than SIZE said", async () => {
    const f = facts(name);
    expect(f.client.output).toContain("a69-tmp.bin RETR: error_perm('550 No such file or directory.')");
    expect(f.client.output).toContain('after: SIZE a69-swap.bin 5000');
    expect(ftpRows(name, '0').filter(([fr]) => [15, 16, 32, 33].includes(fr))).toEqual([[15, 'SIZE'], [16, '213'], [32, 'RETR'], [33, '550']]);
    const a = await analyze(name);
    expect(verdicts(a)).toEqual([['1.1', 'failed', 'server-refused', null], ['1.2', 'completed', null, null]]);
    expect(transfer(a, '1.1').sizeStated).toEqual({ frame: 16, size: 3000 });
    expect(transfer(a, '1.1').diagnosis!.evidence).toEqual([16, 28, 29, 30, 32, 33]);
    expect(transfer(a, '1.2').verdict).toMatchObject({ kind: 'completed', bytes: 5000, expected: 3000, sentLong: true });
    const [diagnose, explain] = (await outputs(name, 'diagnose', 'explain')).map(flat);
    for (const text of [diagnose, explain]) {
      expect(text).toContain(
        'Earlier in this session the server had answered SIZE for the same path with 213 3000 (frame 16): the file was there then, and was deleted, renamed or moved on the server before the RETR.',
      );
      expect(text).toContain('The file existed when the client asked its size and was gone when it asked for the file');
      expect(text).not.toContain('check the path on the client');
    }
  });
});

describe('sixty-ninth audit: races every output calls completed', () => {
  it('a download of a file still being uploaded, a STOR over a file being read, a file that grew after vsftpd opened it: nothing failed', async () => {
    const during = facts('a69-get-while-put-pyftpdlib-wget');
    expect(during.client.during).toContain('==> SIZE a69-export.bin ... 65536');
    expect(during.files.map((x: any) => [x.op, x.size, x.received_matches])).toEqual([['STOR', 96000, true], ['RETR', 65536, true], ['RETR', 96000, true]]);
    const read = facts('a69-stor-over-read-vsftpd-python');
    expect(read.client.saved.reader_matches_start).toBe('yes');
    expect(read.file.at_end).toMatch(/^50000 bytes/);
    const grow = facts('a69-grow-vsftpd-ncftp');
    expect([grow.client.saved.first, grow.file.at_start].map((x: string) => x.split(',')[1])).toEqual([grow.file.at_start.split(',')[1], grow.file.at_start.split(',')[1]]);
    for (const name of [
      'a69-get-while-put-pyftpdlib-wget',
      'a69-get-while-put-server-side-pyftpdlib-wget',
      'a69-stor-over-read-vsftpd-python',
      'a69-stor-over-read-server-side-vsftpd-python',
      'a69-grow-vsftpd-ncftp',
    ]) {
      await nothingFailed(name, tmp);
    }
  });
});
