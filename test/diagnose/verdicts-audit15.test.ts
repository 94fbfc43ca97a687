/**
 * The fifteenth verdict audit, each on a real recording (fixtures/record.sh, "Fifteenth verdict
 * audit"): command-level failures and clients not recorded much. ftplib file management against
 * vsftpd and proftpd (550 to RMD of a non-empty directory, RNFR and DELE of a missing file), uploads
 * refused by vsftpd write_enable=NO, a pure-ftpd quota and dot-file rule, proftpd <Limit STOR> and
 * PathDenyFilter, lftp get -c (REST + RETR) and a REST beyond the end of a file, rclone and wget -r,
 * and ABOR during a listing. Frame numbers are tshark's (NAME.tshark-ftp.tsv,
 * NAME.tshark-data-streams.tsv); sizes and sha256 are the recorder's facts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { leftAfterRefusal } from '../../src/analysis/session-facts.js';
import { runCli } from '../cli/run-cli.js';
import { analyze, causes, dataStreams, extractedFiles, facts, factSha, flat, ftpRows, ourRows, outputs, path, transferRows, tsv } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit15-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** transferRows, then the cause. */
const rows = (a: Analysis) => transferRows(a, (t) => [t.diagnosis?.cause ?? null]);
/** Each data connection tshark ties to a command is the transfer ftpcap ties to it (setup and command frames). */
const sameDataStreams = (name: string, a: Analysis) => {
  for (const [stream, [setup, cmd]] of Object.entries(dataStreams(name))) {
    const t = a.sessions.flatMap((s) => s.transfers).find((x) => String(x.connection?.stream) === stream)!;
    expect([t.announce?.reply?.frame ?? t.announce?.frame, t.request?.frame]).toEqual([setup, cmd]);
  }
};
/** A command of a session: [frame, reply code, reply frame, reply text]. */
const cmd = (a: Analysis, session: number, verb: string, arg: string) => {
  const c = a.sessions[session - 1].commands.find((x) => x.command === verb && x.arg === arg)!;
  return [c.frame, c.reply?.code, c.reply?.frame, c.reply?.text];
};
const ALARM = /stall|incomplete|failed:|aborted|lost segments|refused|mismatch|What to change/i;

describe('1. ftplib file management: command failures are the commands\', the transfers complete', () => {
  const cases = [
    {
      name: 'cmds-vsftpd-python',
      failures: [
        ['RMD', 'work', 47, 550, 48, 'Remove directory operation failed.'],
        ['RNFR', 'missing.txt', 49, 550, 50, 'RNFR command failed.'],
        ['DELE', 'missing.txt', 51, 550, 52, 'Delete operation failed.'],
      ],
    },
    {
      name: 'cmds-proftpd-python',
      failures: [
        ['RMD', 'work', 47, 550, 48, 'work: Directory not empty'],
        ['RNFR', 'missing.txt', 49, 550, 50, 'missing.txt: No such file or directory'],
        ['DELE', 'missing.txt', 51, 550, 52, 'missing.txt: No such file or directory'],
      ],
    },
  ] as const;
  for (const { name, failures } of cases) {
    it(`${name}: MKD…RMD all paired as tshark pairs them; RMD/RNFR/DELE 550 with the server's words; STOR and RETR 259 bytes; no diagnosis`, async () => {
      const a = await analyze(name);
      expect(a.sessions).toHaveLength(1);
      expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
      for (const [verb, arg, frame, code, rframe, text] of failures) expect(cmd(a, 1, verb, arg)).toEqual([frame, code, rframe, text]);
      expect(cmd(a, 1, 'SITE', 'CHMOD 600 renamed.txt').slice(1, 3)).toEqual([200, 44]);
      expect(a.sessions[0].renames).toEqual([{ from: 'notes.txt', to: 'renamed.txt', frame: 41, ok: true }]);
      expect(rows(a)).toEqual([
        ['1.1', 'PASV', 22, 'STOR notes.txt', 26, 1, 259, 226, 33, 'completed', null],
        ['1.2', 'PASV', 56, 'RETR work/renamed.txt', 60, 2, 259, 226, 67, 'completed', null],
      ]);
      sameDataStreams(name, a);
      expect(facts(name).files[0].size).toBe(259);
      expect(causes(a)).toEqual([]);
      expect(await extractedFiles(name, tmp)).toEqual({
        's1-t1-notes.txt': factSha(name, 'work/notes.txt'),
        's1-t2-renamed.txt': factSha(name, 'work/renamed.txt'),
      });
      const [diagnose, transfersOut, explain] = await outputs(name, 'diagnose', 'transfers', 'explain');
      expect(diagnose).toMatch(/No failed data connections in 1 session: 2 transfers \(2 complete\)\./);
      expect(transfersOut).not.toMatch(ALARM);
      expect(explain).not.toMatch(/What to change|data connection failed|firewall/i);
      // The refused commands are told as the commands' replies, in the server's words.
      expect(explain).toContain(`RMD work (frame 47) → 550 ${failures[0][5]} (frame 48)`);
      // ftplib sends no PWD: the directory is known only relative to the login directory (vsftpd's is
      // the home directory, not "/"). Before: ftp://198.51.100.20/work/notes.txt, as if below "/".
      const logs = flat((await runCli(['logs', path(name)])).stdout);
      expect(logs).toContain('STOR ftp://198.51.100.20/./work/notes.txt');
      expect(logs).toContain('RETR ftp://198.51.100.20/./work/renamed.txt');
      expect(a.sessions[0].cwd).toBe('.');
    });
  }
});

describe('2. vsftpd write_enable=NO and deny_file', () => {
  const name = 'write-disabled-vsftpd-python';
  it(`${name}: STOR and RETR keys.secret refused 550 (data connections opened empty), RETR hello.txt complete`, async () => {
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(rows(a)).toEqual([
      ['1.1', 'PASV', 18, 'STOR upload.txt', 22, 1, 0, 550, 23, 'failed', 'server-refused'],
      ['1.2', 'PASV', 33, 'RETR keys.secret', 37, 2, 0, 550, 38, 'failed', 'server-refused'],
      ['1.3', 'PASV', 45, 'RETR hello.txt', 49, 3, 511, 226, 56, 'completed', null],
    ]);
    sameDataStreams(name, a);
    expect(cmd(a, 1, 'MKD', 'newdir').slice(1)).toEqual([550, 26, 'Permission denied.']);
    expect(cmd(a, 1, 'DELE', 'small.bin').slice(1)).toEqual([550, 28, 'Permission denied.']);
    const d = a.sessions[0].transfers[0].diagnosis!;
    expect(d.summary).toMatch(/550 Permission denied at frame 23: the server denies the user access to the file/);
    expect(d.summary).toMatch(/The data connection had opened, but nothing moved on it/);
    expect(`${d.summary} ${d.advice}`).not.toMatch(/firewall|NAT|network/i);
    // Before: "The user may not read or write that file on the server: check the file's and its folder's permissions…".
    expect(d.advice).toMatch(/^The user may not write there: .*\(vsftpd: write_enable; anon_upload_enable for anonymous users\)/);
    expect(a.sessions[0].transfers[1].diagnosis!.advice).toMatch(/^The user may not read or write that file on the server/);
    expect(await extractedFiles(name, tmp)).toEqual({ 's1-t3-hello.txt': factSha(name, 'hello.txt') });
    const [diagnose] = await outputs(name, 'diagnose');
    expect(diagnose).toMatch(/2 of 3 transfers diagnosed \(2 failed, 1 complete\)\./);
  });
});

describe('3. pure-ftpd quota (1 file) and -x', () => {
  const name = 'quota-pureftpd-python';
  it(`${name}: 552 quota exceeded, 553 prohibited name (advice not vsftpd's alone); the others complete`, async () => {
    const a = await analyze(name);
    expect(rows(a)).toEqual([
      ['1.1', 'PASV', 18, 'STOR first.txt', 22, 1, 259, 226, 29, 'completed', null],
      ['1.2', 'PASV', 34, 'STOR second.bin', 38, 2, 0, 552, 39, 'failed', 'server-refused'],
      ['1.3', 'PASV', 45, 'STOR .hidden', 49, 3, 0, 553, 50, 'failed', 'server-refused'],
      ['1.4', 'PASV', 56, 'RETR hello.txt', 60, 4, 511, 226, 66, 'completed', null],
    ]);
    sameDataStreams(name, a);
    const [quota, name553] = a.sessions[0].transfers.slice(1, 3).map((t) => t.diagnosis!);
    expect(quota.summary).toMatch(/552 Quota exceeded: \[second\.bin\] won't be saved at frame 39: the storage allocation is exceeded/);
    expect(name553.summary).toMatch(/553 Prohibited file name: \.hidden at frame 50: the file name is not allowed/);
    // Before: "…or allow it and grant write access on the server (vsftpd write_enable, chroot settings)."
    // Audit 28: the identified server's setting only (pure-ftpd's -x), no other product's.
    expect(name553.advice).toMatch(/a name filter \(pure-ftpd: -x \/ -X \(ProhibitDotFilesWrite/);
    expect(name553.advice).not.toMatch(/vsftpd|proftpd/);
    // pure-ftpd left an empty second.bin behind its 552: nothing was received (facts), nothing moved.
    expect(facts(name).files[1].received).toBeNull();
    expect(await extractedFiles(name, tmp)).toEqual({ 's1-t1-first.txt': factSha(name, 'first.txt'), 's1-t4-hello.txt': factSha(name, 'hello.txt') });
  });
});

describe('4. proftpd <Limit STOR>, PathDenyFilter; lftp get -c; REST beyond the end', () => {
  const name = 'limits-resume-proftpd-lftp';
  it(`${name}: two STORs refused with their reasons; REST 1200 + RETR completes with 1800 bytes; 554 after REST 100000 names the offset`, async () => {
    const a = await analyze(name);
    expect(a.sessions).toHaveLength(2);
    expect(rows(a)).toEqual([
      ['1.1', 'PASV', 56, 'STOR pub/upload.txt', 60, 1, 0, 550, 62, 'failed', 'server-refused'],
      ['1.2', 'PASV', 64, 'STOR tool.exe', 68, 2, 0, 550, 70, 'failed', 'server-refused'],
      ['1.3', 'PASV', 76, 'RETR small.bin', 82, 3, 1800, 226, 91, 'completed', null],
      ['2.1', 'PASV', 115, 'RETR hello.txt', 121, 5, 0, 554, 123, 'failed', 'server-refused'],
    ]);
    // tshark ties the one data stream that carried bytes to the first command after the 227: the REST
    // (frame 80) that precedes the RETR (frame 82).
    expect(dataStreams(name)).toEqual({ '3': [76, 80] });
    const [t1, t2, t3] = a.sessions[0].transfers;
    // proftpd's 150 after REST 1200 says "(1800 bytes)", what is left of the 3000-byte file SIZE
    // named: the file's size stays SIZE's (the rest is what this transfer should carry).
    expect([t3.restOffset, t3.expectedSize, t3.bytes]).toEqual([1200, 3000, facts(name).files[2].size]);
    expect(cmd(a, 1, 'REST', '1200').slice(0, 3)).toEqual([80, 350, 81]);
    expect(t1.diagnosis!.summary).toMatch(/550 pub\/upload\.txt: Operation not permitted at frame 62: the server denies the user access to the file/);
    expect(t1.diagnosis!.advice).toMatch(/\(proftpd: <Limit WRITE> or <Limit STOR>; AllowOverwrite\)/);
    // Before: "550 tool.exe: Forbidden filename at frame 70: the file is unavailable: not found, or no permission" and "Check the path on the client…".
    expect(t2.diagnosis!.summary).toMatch(/550 tool\.exe: Forbidden filename at frame 70: the file name is not allowed/);
    expect(t2.diagnosis!.advice).toMatch(/PathDenyFilter/);
    // Before: "554 REST: invalid hello.txt argument at frame 123: the server refused it", no word of the REST.
    const rest = a.sessions[1].transfers[0].diagnosis!;
    expect(rest.summary).toMatch(/554 REST: invalid hello\.txt argument at frame 123: the server rejects the restart offset \(REST\) for this file/);
    expect(rest.summary).toMatch(/The client had asked to start at byte 100000 \(REST 100000, frame 119\)/);
    expect(rest.evidence).toContain(119);
    expect(rest.advice).toMatch(/from its start/);
    expect(await extractedFiles(name, tmp)).toEqual({ 's1-t3-small.bin': factSha(name, 'small.bin') });
    const [diagnose, explain] = await outputs(name, 'diagnose', 'explain');
    for (const o of [diagnose, explain]) expect(o).toMatch(/REST 100000, frame 119/);
  });
});

describe('5. rclone copy --transfers 3 and wget -r: many sessions and transfers, all healthy', () => {
  const name = 'rclone-wget-vsftpd';
  it(`${name}: 4 sessions, 22 transfers complete, every file's sha256 as sent; no diagnosis anywhere`, async () => {
    const a = await analyze(name);
    expect(a.sessions.map((s) => s.transfers.length)).toEqual([14, 3, 1, 4]);
    for (const s of a.sessions) expect(ourRows(a, s.id)).toEqual(ftpRows(name, String(s.stream)));
    const r = rows(a);
    expect(r.every((x) => x[9] === 'completed' && x[7] === 226 && x[10] === null)).toBe(true);
    expect(r.filter((x) => String(x[3]).startsWith('STOR') || String(x[3]).startsWith('RETR')).map((x) => [x[3], x[6]])).toEqual([
      ['STOR batch/part1.bin', 7000],
      ['STOR batch/part4.bin', 10000],
      ['STOR batch/part5.bin', 11000],
      ['STOR batch/part2.bin', 8000],
      ['STOR batch/part3.bin', 9000],
      ['RETR top.txt', 9],
      ['RETR deep.bin', 5000],
    ]);
    sameDataStreams(name, a);
    expect(causes(a)).toEqual([]);
    const saved = await extractedFiles(name, tmp);
    for (const [file, path] of [
      ['s1-t5-part1.bin', 'batch/part1.bin'],
      ['s1-t8-part4.bin', 'batch/part4.bin'],
      ['s1-t11-part5.bin', 'batch/part5.bin'],
      ['s1-t13-part2.bin', 'batch/part2.bin'],
      ['s1-t14-part3.bin', 'batch/part3.bin'],
      ['s4-t2-top.txt', 'tree/top.txt'],
      ['s4-t4-deep.bin', 'tree/sub/deep.bin'],
    ])
      expect(saved[file]).toBe(factSha(name, path));
    const [diagnose, transfersOut, explain, timeline] = await outputs(name, 'diagnose', 'transfers', 'explain', 'timeline');
    expect(diagnose).toMatch(/No failed data connections in 4 sessions: 22 transfers \(22 complete\)\./);
    for (const o of [transfersOut, explain, timeline]) expect(o).not.toMatch(ALARM);
  });
});

describe('6. ABOR during a listing', () => {
  it('abor-list-vsftpd-python: "500 Unknown command." answers the ABOR line, 426 ends the LIST; aborted by the client', async () => {
    const name = 'abor-list-vsftpd-python';
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    // Before: LIST took the 500 (frame 56) and ABOR the 426 (frame 58): the transfer's reply read "500".
    expect(cmd(a, 1, 'LIST', 'many').slice(0, 3)).toEqual([22, 426, 58]);
    expect(cmd(a, 1, 'ABOR', '').slice(0, 3)).toEqual([55, 500, 56]);
    expect(rows(a)).toEqual([
      ['1.1', 'PASV', 18, 'LIST many', 22, 1, 28792, 426, 58, 'aborted', 'aborted'],
      ['1.2', 'PASV', 63, 'RETR hello.txt', 67, 2, 511, 226, 74, 'completed', null],
    ]);
    sameDataStreams(name, a);
    const t = a.sessions[0].transfers[0];
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'client' });
    expect(t.abortFrame).toBe(55);
    expect(t.diagnosis!.summary).toMatch(/The server did not take it as ABOR: it answered 500 Unknown command\.? \(frame 56\)/);
    expect(t.diagnosis!.summary).toMatch(/The server replied 426 Failure writing network stream/);
    const [summary, diagnose] = await outputs(name, 'summary', 'diagnose');
    expect(summary).toMatch(/1\.1 passive LIST many \S+ 28792 426 aborted \(client\)/);
    expect(diagnose).not.toMatch(/firewall|refused the command/i);
  });

  it('abor-nlst-proftpd-python: proftpd answers neither ABOR nor NLST in the capture; aborted by the client, no failure', async () => {
    const name = 'abor-nlst-proftpd-python';
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(rows(a)).toEqual([['1.1', 'PASV', 18, 'NLST many', 22, 1, 30536, null, null, 'aborted', 'aborted']]);
    const t = a.sessions[0].transfers[0];
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'client' });
    expect([t.abortFrame, t.connection?.rst?.frame, t.connection?.rst?.by]).toEqual([52, 71, 'client']);
    const [explain] = await outputs(name, 'explain');
    expect(explain).toContain('ABOR (frame 52) → no reply in the capture');
    expect(explain).not.toMatch(/firewall/i);
  });
});

describe('7. pure-ftpd size quota, nearly used: the 64 KiB STOR goes over it after its data moved', () => {
  const name = 'quota-size-pureftpd-curl';
  it(`${name}: 552 after all 65536 bytes moved: aborted by the server, its reason said; the first STOR healthy`, async () => {
    const f = facts(name);
    const a = await analyze(name);
    expect(a.sessions).toHaveLength(2);
    for (const s of a.sessions) expect(ourRows(a, s.id)).toEqual(ftpRows(name, String(s.stream)));
    expect(rows(a)).toEqual([
      ['1.1', 'PASV', 18, 'STOR small-up.txt', 24, 1, 259, 226, 31, 'completed', null],
      ['2.1', 'PASV', 53, 'STOR upload64k.bin', 59, 3, 65536, 552, 132, 'aborted', 'aborted'],
    ]);
    // tshark ties each data stream to the first command after the 227: curl's TYPE I (frames 22, 57).
    expect(dataStreams(name)).toEqual({ '1': [18, 22], '3': [53, 57] });
    // Every data byte on the wire is one of the two uploads'; the second's whole file moved, the server kept nothing.
    expect(f.capture.data_bytes_in_capture).toBe(259 + 65536);
    expect([f.files[1].size, f.files[1].received]).toEqual([65536, null]);
    const t = a.sessions[1].transfers[0];
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'server', bytes: 65536 });
    // Before: "The server replied 552 Transfer aborted (quota) (frame 132)." with no word of what 552 means.
    expect(t.diagnosis!.summary).toMatch(/The server replied 552 Transfer aborted \(quota\) \(frame 132\): the storage allocation is exceeded\. 65536 bytes had been transferred/);
    expect(t.diagnosis!.advice).toBe('The file exceeds a storage allocation on the server: raise the quota or store less.');
    const [diagnose, summary] = await outputs(name, 'diagnose', 'summary');
    for (const o of [diagnose, summary]) expect(o).not.toMatch(/firewall|NAT\b|path-MTU/i);
    expect(await extractedFiles(name, tmp)).toMatchObject({ 's1-t1-small-up.txt': factSha(name, 'small-up.txt') });
  });
});

describe('8. ABOR during a LIST, RFC 959-style (IP, Synch, ABOR in band), the client draining', () => {
  const name = 'abor-list-drain-proftpd-python';
  it(`${name}: proftpd answers the ABOR (226, frame 66) before the LIST (426, frames 67-68): each reply its own command's; an idle ABOR later`, async () => {
    const a = await analyze(name);
    // tshark reads the Telnet IP (frame 54: IAC IP IAC) and the urgent DM (frame 55) as commands;
    // ftpcap strips Telnet controls, its ABOR is frame 56.
    const tshark = ftpRows(name, '0');
    expect(tshark.filter(([f]) => f === 54 || f === 55).map(([, c]) => /^[A-Z]+$/.test(c))).toEqual([false, false]);
    expect(ourRows(a, 1)).toEqual(tshark.filter(([f]) => f !== 54 && f !== 55));
    // Before: the 226 took the LIST out of the queue with the ABOR; the 426 was left unsolicited and the LIST had no reply.
    expect(cmd(a, 1, 'LIST', 'many').slice(0, 3)).toEqual([22, 426, 68]);
    expect(a.sessions[0].commands.filter((c) => c.command === 'ABOR').map((c) => [c.frame, c.reply?.code, c.reply?.frame])).toEqual([
      [56, 226, 66],
      [86, 226, 87],
    ]);
    expect(a.sessions[0].commands.some((c) => c.command === null && c.reply?.code === 426)).toBe(false);
    expect(rows(a)).toEqual([
      ['1.1', 'PASV', 18, 'LIST many', 22, 1, 32732, 426, 68, 'aborted', 'aborted'],
      ['1.2', 'PASV', 73, 'RETR hello.txt', 77, 2, 511, 226, 84, 'completed', null],
    ]);
    sameDataStreams(name, a);
    const [t1, t2] = a.sessions[0].transfers;
    expect(t1.verdict).toMatchObject({ kind: 'aborted', by: 'client' });
    // The ABOR after the RETR's 226 aborted nothing.
    expect([t2.verdict.kind, t2.abortFrame, t2.lateAbortFrame]).toEqual(['completed', null, 86]);
    expect(await extractedFiles(name, tmp)).toMatchObject({ 's1-t2-hello.txt': factSha(name, 'hello.txt') });
    const [summary] = await outputs(name, 'summary');
    expect(summary).toMatch(/1\.1 passive LIST many \S+ 32732 426 aborted \(client\)/);
  });
});

describe('9. curl and the commands around its transfers (proftpd)', () => {
  const name = 'curl-cmds-proftpd';
  it(`${name}: CWD and RNFR refused with no transfer after them, MKD via --ftp-create-dirs, a post-quote DELE refused; two transfers complete; each path resolved where it was sent`, async () => {
    const f = facts(name);
    expect(f.session1).toMatch(/CWD missing refused \(550\); curl quits \(exit 9\) with no PASV or RETR/);
    expect(f.session3).toMatch(/pre-quote RNFR refused \(550\); curl quits \(exit 21\)/);
    const a = await analyze(name);
    expect(a.sessions).toHaveLength(4);
    for (const s of a.sessions) expect(ourRows(a, s.id)).toEqual(ftpRows(name, String(s.stream)));
    expect(cmd(a, 1, 'CWD', 'missing')).toEqual([17, 550, 18, 'missing: No such file or directory']);
    expect(cmd(a, 3, 'RNFR', 'missing.txt')).toEqual([85, 550, 86, 'missing.txt: No such file or directory']);
    expect(cmd(a, 4, 'DELE', 'new/sub/upload.txt')).toEqual([126, 550, 127, 'new/sub/upload.txt: No such file or directory']);
    expect(a.sessions.map((s) => s.transfers.length)).toEqual([0, 1, 0, 1]);
    expect(rows(a)).toEqual([
      ['2.1', 'PASV', 51, 'STOR upload.txt', 57, 2, 259, 226, 64, 'completed', null],
      ['4.1', 'PASV', 109, 'RETR upload.txt', 117, 5, 259, 226, 124, 'completed', null],
    ]);
    expect(dataStreams(name)).toEqual({ '2': [51, 55], '5': [109, 113] });
    expect(a.sessions.flatMap((s) => s.transfers).map((t) => t.request?.path)).toEqual(['/new/sub/upload.txt', '/new/sub/upload.txt']);
    // A command's path, resolved against the directory when it was sent: the DELE's is below new/sub (proftpd: no such file).
    const del = a.sessions[3].commands.find((c) => c.command === 'DELE')!;
    expect(del.path).toBe('/new/sub/new/sub/upload.txt');
    expect(a.sessions[1].commands.filter((c) => c.command === 'MKD').map((c) => [c.path, c.reply?.code])).toEqual([
      ['/new', 257],
      ['/new/sub', 257],
    ]);
    expect(causes(a)).toEqual([]);
    const saved = await extractedFiles(name, tmp);
    expect(saved).toEqual({ 's2-t1-upload.txt': factSha(name, 'new/sub/upload.txt'), 's4-t1-upload.txt': factSha(name, 'new/sub/upload.txt') });
    const [diagnose, transfersOut, explain] = await outputs(name, 'diagnose', 'transfers', 'explain');
    const logs = flat((await runCli(['logs', path(name)])).stdout);
    expect(diagnose).toMatch(/No failed data connections in 4 sessions: 2 transfers \(2 complete\)\./);
    // The refusal each client left after (curl quits on a CWD or pre-quote it cannot make): told, not diagnosed.
    const left = a.sessions.map((s) => leftAfterRefusal(s));
    expect(left.map((l) => l && [l.command.frame, l.by])).toEqual([[17, 'quit'], null, [85, 'close'], [126, 'quit']]);
    expect(diagnose).toContain(
      'Session 1: The server refused CWD missing (550 missing: No such file or directory, frame 18) and the client logged out right after it: the session asked for no transfer.',
    );
    expect(diagnose).toContain(
      'Session 3: The server refused RNFR missing.txt (550 missing.txt: No such file or directory, frame 86) and the client closed the control connection right after it: the session asked for no transfer.',
    );
    expect(diagnose).toContain('Session 4: The server refused DELE new/sub/upload.txt (550 new/sub/upload.txt: No such file or directory, frame 127) and the client logged out right after it.');
    expect(explain).toContain(
      '- the server refused CWD missing (550 missing: No such file or directory, frame 18) and the client logged out right after it, so no listing or transfer was asked for',
    );
    expect(transfersOut).not.toMatch(ALARM);
    // Before: the DELE's URL was ftp://198.51.100.20/./new/sub/upload.txt (the directory it was sent in dropped), beside the RETR's /new/sub/upload.txt.
    expect(logs).toContain('DELE ftp://198.51.100.20/new/sub/new/sub/upload.txt - - 550 new/sub/upload.txt: No such file or directory');
    expect(logs).toContain('RETR ftp://198.51.100.20/new/sub/upload.txt - 259 226 Transfer complete');
  });
});

describe('a refusal the client left after, already cited by a transfer diagnosis', () => {
  it("fail-retr-missing-vsftpd-curl: curl's SIZE missing.txt refused (550, frame 23), then QUIT: told once, in the unused transfer's diagnosis", async () => {
    const name = 'fail-retr-missing-vsftpd-curl';
    const a = await analyze(name);
    const size = a.sessions[0].commands.find((c) => c.command === 'SIZE')!;
    expect([size.frame, size.reply?.code, size.reply?.frame]).toEqual([22, 550, 23]);
    expect(a.sessions[0].transfers[0].diagnosis!.evidence).toContain(23);
    expect(leftAfterRefusal(a.sessions[0])).toBeNull();
    const [diagnose] = await outputs(name, 'diagnose');
    expect(diagnose).not.toMatch(/right after it/);
  });
});
