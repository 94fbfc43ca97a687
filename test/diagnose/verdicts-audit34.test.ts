/**
 * The thirty-fourth verdict audit, each on a real recording (fixtures/record.sh, "Thirty-fourth
 * verdict audit"): FTP software not recorded before. wput creates the directories it uploads into,
 * is killed mid-upload (the server still says 226: its client was gone) and resumes with SIZE and
 * REST, then has an upload refused (553 Could not create file); zsh's zftp module lists, fetches,
 * uploads, asks for a missing file, then has its passive data blocked before it sends any RETR;
 * netkit ftp-ssl meets netkit ftpd-ssl whose TLS handshake fails after its 234. Frames are
 * tshark's (NAME.tshark-ftp.tsv); sizes and sha256 are the recorder's facts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { runCli } from '../cli/run-cli.js';
import { analyze, extractedFiles, facts, factSha, flat, ftpRows, jsonVerdicts, outputs, ourRows, path, transferRows, verdicts } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit34-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function sameAsTshark(a: Analysis, name: string): void {
  for (const s of a.sessions) expect(ourRows(a, s.id)).toEqual(ftpRows(name, String(s.stream)));
}
describe('1. wput: directories it creates, an upload killed and resumed, an upload refused', () => {
  const name = 'a34-wput-vsftpd';
  it(`${name}: commands and transfers as tshark shows them`, async () => {
    const a = await analyze(name);
    sameAsTshark(a, name);
    // wput's order: AUTH TLS (vsftpd without TLS answers 530), CWD the target, MKD each missing level, SIZE, PASV, STOR.
    expect(ftpRows(name, '0').slice(1, 15).map(([f, c]) => `${f} ${c}`)).toEqual(
      ['8 AUTH', '10 530', '11 USER', '12 331', '13 PASS', '15 230', '16 CWD', '18 550', '19 CWD', '20 550', '21 MKD', '22 257', '23 CWD', '24 250'],
    );
    expect(transferRows(a)).toEqual([
      ['1.1', 'PASV', 34, 'STOR upload.txt', 38, 1, 264, 226, 45, 'completed'],
      ['1.2', 'PASV', 52, 'STOR photo.bin', 56, 2, 3000, 226, 65, 'completed'],
      ['2.1', 'PASV', 95, 'STOR resume.bin', 99, 4, 21504, 226, 145, 'aborted'],
      ['3.1', 'PASV', 168, 'STOR resume.bin', 174, 6, 142848, 226, 362, 'completed'],
      ['4.1', 'PASV', 390, 'STOR denied.txt', 394, 8, 0, 553, 395, 'failed'],
    ]);
    const f = facts(name).files;
    // TYPE A: wput sent upload.txt's 259 bytes with CRLF line ends (264 on the wire and on the server).
    expect([f[0].size, f[0].received.size]).toEqual([259, 264]);
    expect(f[1].received_matches).toBe(true);
    // The resume: REST 20992 (512 before the server's 21504) plus 142848 bytes is the whole 163840-byte
    // file; the facts hold the part from the REST offset, and say the whole file matched.
    expect([f[2].size, 20992 + 142848]).toEqual([142848, 163840]);
    expect(f[2].received_matches).toBe(true);
    expect(f[2].note).toMatch(/REST 20992 .*the server's whole file matches the client's: yes/);
    expect(f[3].received).toBeNull();
  });

  it('the killed upload is cut short, as its resume shows; the refusal names the folder', async () => {
    const a = await analyze(name);
    // Before: 2.1 had no later attempt (only failed/aborted/incomplete got one), so no output tied
    // the resume in session 3 to it; 4.1's 553 "Could not create file" read as "the file name is not allowed".
    // Then (session 28): "unknown (client gone)", with the resume beside it as a fact: yet the resume
    // (REST 20992 + 142848 bytes, completed whole) shows the file was 163,840 bytes, of which 2.1
    // had delivered 21,504: the client held its copy unfinished.
    expect(verdicts(a)).toEqual([
      ['1.1', 'completed', null, null],
      ['1.2', 'completed', null, null],
      ['2.1', 'aborted', 'aborted', '3.1 REST 20992 completed'],
      ['3.1', 'completed', null, null],
      ['4.1', 'failed', 'server-refused', null],
    ]);
    const t = a.sessions[1].transfers[0];
    // The recorder's own file: the resume's part from REST 20992 is facts' 142848 bytes, the whole file matched.
    const size = 20992 + facts(name).files[2].size;
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'client', bytes: 21504, expected: size, resumed: { reply: 145, gone: 142, size, from: 20992, frame: 174 } });
    expect(t.verdict.evidence).toEqual([95, 96, 97, 99, 141, 142, 145]);
    expect(t.diagnosis!.evidence).toEqual([95, 96, 97, 99, 141, 142, 145, 174]);
    expect(await jsonVerdicts(name)).toEqual(verdicts(a).map((r) => r.slice(0, 3)));
    const [summary, diagnose, explain] = await outputs(name, 'summary', 'diagnose', 'explain');
    expect(summary).toMatch(/2\.1 passive STOR resume\.bin \S+ 21504 226 aborted \(client\)/);
    expect(diagnose).toMatch(
      /The server answered 226 Transfer complete \(frame 145\) to 21504 bytes, but the client was gone: it sent no command after the upload, and its control connection was closed at frame 142, before that reply\. The client later resumed the file from offset 20992 \(REST, then STOR at frame 174\), and that resume completed it at 163840 bytes: this upload had stopped 142336 bytes short of the end/,
    );
    expect(diagnose).toMatch(/nothing between the hosts cut the upload/);
    expect(diagnose).toMatch(/Later: Tried again in session 3 .*STOR resume\.bin from offset 20,992 \(REST: a resume\), frame 174 \(transfer 3\.1\), which completed/);
    expect(explain).toMatch(/aborted by the client after 21,504 of 163,840 bytes: the server said 226 \(frame 145\), but the client was gone \(its control connection closed before that reply, frame 142\), and its later resume from offset 20,992 \(frame 174\) completed the file at 163,840 bytes/);
    expect(explain).toMatch(/STOR resume\.bin from offset 20,992 \(REST: a resume\), frame 174 \(transfer 3\.1\), which completed/);
    expect(diagnose).toMatch(/553 Could not create file at frame 395: the server could not create the file: most often the folder is not writable by the user/);
    expect(diagnose).not.toMatch(/the file name is not allowed/);
    expect(diagnose).toMatch(/2 of 5 transfers diagnosed \(3 complete, 1 aborted, 1 failed\)/);
    // The refused AUTH TLS is no failure: wput went on in clear text.
    expect(summary).toMatch(/the client went on in clear text \(no failure/);
  });

  it('extract: the uploads as they crossed the wire; the resume is whole, not short of a SIZE', async () => {
    const files = Object.values(await extractedFiles(name, tmp));
    expect(files).toContain(factSha(name, 'site/2024/photo.bin'));
    expect(files).toContain(facts(name).files[0].received.sha256);
    // The resume's bytes from REST 20992 on are the file's from there on.
    expect(files).toContain(factSha(name, 'site/resume.bin'));
    // Before: session 3's SIZE (213 21504, the server's partial copy) was taken for the upload's size:
    // extract called the resume "unverified: 142848 bytes on the wire, but the server announced 21504".
    const a = await analyze(name);
    expect(a.sessions.map((s) => s.transfers.map((t) => t.expectedSize))).toEqual([[null, null], [null], [null], [null]]);
    const m = JSON.parse(readFileSync(join(tmp, name, 'manifest.json'), 'utf8'));
    expect(m.objects.map((o: any) => [o.savedName, o.verdict])).toEqual([
      ['s1-t1-upload.txt', 'complete'],
      ['s1-t2-photo.bin', 'complete'],
      ['s2-t1-resume.bin', 'aborted'],
      ['s3-t1-resume.bin', 'complete'],
    ]);
  });
});

describe('2. zsh zftp: its own order, a missing file, then its passive data blocked before RETR', () => {
  const name = 'a34-zftp-vsftpd';
  it(`${name}: commands and transfers as tshark shows them`, async () => {
    const a = await analyze(name);
    sameAsTshark(a, name);
    // zftp asks SYST and PWD after the login; "zftp binary" sends TYPE I only before the next transfer.
    expect(ftpRows(name, '0').slice(5, 13).map(([f, c]) => `${f} ${c}`)).toEqual(['14 SYST', '16 215', '17 PWD', '18 257', '19 PASV', '20 227', '24 LIST', '25 150']);
    expect(transferRows(a)).toEqual([
      ['1.1', 'PASV', 20, 'LIST', 24, 1, 260, 226, 31, 'completed'],
      ['1.2', 'PASV', 36, 'RETR hello.txt', 40, 2, 511, 226, 47, 'completed'],
      ['1.3', 'PASV', 50, 'STOR upload-zftp.txt', 54, 3, 259, 226, 61, 'completed'],
      ['1.4', 'PASV', 64, 'RETR missing.txt', 68, 4, 0, 550, 69, 'failed'],
      ['2.1', 'PASV', 97, null, null, 6, 0, null, null, 'failed'],
    ]);
    const f = facts(name).files;
    expect([f[1].received_matches, f[2].received_matches]).toEqual([true, true]);
    expect(f[4].received).toBeNull();
  });

  it('the missing file is a refusal, the blocked data connection the server side firewall; the rest healthy', async () => {
    const a = await analyze(name);
    expect(verdicts(a)).toEqual([
      ['1.1', 'completed', null, null],
      ['1.2', 'completed', null, null],
      ['1.3', 'completed', null, null],
      ['1.4', 'failed', 'server-refused', null],
      ['2.1', 'failed', 'passive-syn-unanswered', null],
    ]);
    expect(await jsonVerdicts(name)).toEqual(verdicts(a).map((r) => r.slice(0, 3)));
    const [diagnose] = await outputs(name, 'diagnose');
    expect(diagnose).toMatch(/550 Failed to open file at frame 69/);
    expect(diagnose).toMatch(/SYN from 192\.0\.2\.10:50282 to 198\.51\.100\.20:50096 at frames 98, 100, 101, 102, 103 and 104/);
    expect(diagnose).toMatch(/The client gave up and sent QUIT 7\.1 s after the first SYN \(frame 105\)/);
    expect(diagnose).not.toMatch(/could not create the file/);
  });
});

describe('3. netkit ftp-ssl -> netkit ftpd-ssl: the server\'s TLS handshake fails after 234', () => {
  const name = 'a34-ftpssl-netkit-ftpd-tls';
  it(`${name}: the handshake failure, and no output calls the clear text after it CCC`, async () => {
    const a = await analyze(name);
    sameAsTshark(a, name);
    expect(ftpRows(name, '0')).toEqual([[6, '220'], [8, 'AUTH'], [10, '234'], [14, '421']]);
    const s = a.sessions[0];
    expect([s.tlsFrame, s.tlsEndFrame, s.tlsEndAfter, s.diagnosis?.cause]).toEqual([10, 14, 'handshake-failed', 'tls-handshake-failed']);
    expect(s.transfers).toEqual([]);
    const [diagnose, explain] = await outputs(name, 'diagnose', 'explain');
    expect(diagnose).toMatch(/a fatal handshake_failure alert from the TLS server at frame 12/);
    // Before: explain told "the login and the commands after it are encrypted ... until the client clears the command channel (CCC)".
    expect(explain).toMatch(/The TLS handshake that followed failed \(a fatal handshake_failure alert from the TLS server \(frame 12\)\), so nothing of the login went encrypted/);
    for (const text of [explain, flat((await runCli(['report', path(name), '-o', join(tmp, `${name}.html`)])).stdout)]) expect(text).not.toMatch(/CCC/);
  });
});

describe('4. gftp-text -> pure-ftpd: a session per transfer, a resumed download, a refused upload', () => {
  const name = 'a34-gftp-pureftpd';
  it(`${name}: commands and transfers as tshark shows them`, async () => {
    const a = await analyze(name);
    sameAsTshark(a, name);
    // gftp: FEAT, TYPE I, CWD, PWD, PRET <command> (pure-ftpd advertises it), EPSV, then the command.
    expect(ftpRows(name, '8').filter(([, c]) => /^[A-Z]+$/.test(c)).map(([f, c]) => `${f} ${c}`)).toEqual(
      ['156 USER', '159 PASS', '162 FEAT', '165 TYPE', '167 CWD', '169 PWD', '171 PRET', '173 EPSV', '178 REST', '180 RETR'],
    );
    expect(transferRows(a, (t) => [t.restOffset])).toEqual([
      ['1.1', 'EPSV', 22, 'MLSD', 26, 1, 782, 226, 31, 'completed', null],
      ['2.1', 'EPSV', 59, 'RETR /hello.txt', 63, 3, 511, 226, 68, 'completed', null],
      ['3.1', 'EPSV', 95, 'STOR /upload.txt', 99, 5, 259, 226, 106, 'completed', null],
      ['4.1', 'EPSV', 138, 'MLSD', 142, 7, 898, 226, 147, 'completed', null],
      ['5.1', 'EPSV', 174, 'RETR /small.bin', 180, 9, 2000, 226, 189, 'completed', 1000],
      ['6.1', 'EPSV', 222, 'MLSD', 226, 11, 217, 226, 231, 'completed', null],
      ['7.1', 'EPSV', 258, 'STOR /ro/denied.txt', 262, 13, 0, 553, 263, 'failed', null],
    ]);
    const f = facts(name).files;
    // The resume: the facts hold small.bin from offset 1000 (the local file held the first 1000 bytes).
    expect([f[3].size, f[3].received_matches]).toEqual([2000, true]);
    expect(f[3].note).toMatch(/the client's whole file matches the server's: yes/);
    expect([f[1].received_matches, f[2].received_matches, f[4].received]).toEqual([true, true, null]);
  });

  it('only the refused upload is diagnosed, as the permission it is; the resumed download is healthy', async () => {
    const a = await analyze(name);
    expect(verdicts(a).filter((r) => r[1] !== 'completed' || r[2] !== null)).toEqual([['7.1', 'failed', 'server-refused', null]]);
    expect(await jsonVerdicts(name)).toEqual(verdicts(a).map((r) => r.slice(0, 3)));
    const [diagnose, explain] = await outputs(name, 'diagnose', 'explain');
    expect(diagnose).toMatch(/553 Can't open that file: Permission denied at frame 263: the server denies the user access to the file/);
    expect(diagnose).toMatch(/1 of 7 transfers diagnosed \(6 complete, 1 failed\)/);
    expect(explain).toMatch(/Verdict: transfer 1 completed: 2,000 bytes/);
  });
});
