/**
 * The twenty-seventh verdict audit, each on a real recording (fixtures/record.sh, "Twenty-seventh
 * verdict audit"): refusals the client recovered from when the recovery is a chain (tnftp's EPSV
 * refused, then PASV refused, then PORT, in one session; lftp's, reconnecting after each refusal),
 * or is followed by an unrelated failure (EPSV refused, PASV accepted, RETR of a missing file: 550);
 * and refusals with no recovery (busybox and curl giving up when all their passive commands are
 * refused), which stay failures. Frames are tshark's (NAME.tshark-ftp.tsv); sizes and sha256 are the
 * recorder's facts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis, Transfer } from '../../src/analysis/model.js';
import { runCli } from '../cli/run-cli.js';
import { analyze, causes, extractedFiles, facts, factSha, flat, ftpRows, ourRows, outputs, path, reportPage, transferRows, transfers } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit27-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Each transfer: its row, then its status, cause, and (fell-back) the fallback's transfer, whether it completed, and the refused steps between. */
const rows = (a: Analysis): unknown[][] =>
  transferRows(a, (t: Transfer) => {
    const v = t.verdict;
    const fb = v.kind === 'fell-back' ? v.fallback : null;
    return [t.status, t.diagnosis?.cause ?? null, fb?.transfer ?? null, fb?.completed ?? null, fb?.announce?.via.map((r) => [r.command, r.frame, r.code, r.replyFrame, r.transfer]) ?? null];
  });

/** Every output: summary, sessions, diagnose, explain, timeline, logs (flattened), the report page, summary --json. */
async function everyOutput(name: string): Promise<string[]> {
  const texts = await outputs(name, 'summary', 'sessions', 'diagnose', 'explain', 'timeline');
  const json = (await runCli(['summary', '--json', path(name)])).stdout;
  return [...texts, flat((await runCli(['logs', path(name)])).stdout), await reportPage(name, tmp), json];
}

describe('1. tnftp (passive auto) -> pyftpdlib refusing EPSV and PASV: one session falls back EPSV, PASV, PORT', () => {
  const name = 'a27-chain-pyftpdlib-tnftp';
  it(`${name}: both refusals fell back to the PORT whose RETR completed (511 bytes, sha256 as sent); no failure anywhere`, async () => {
    const f = facts(name);
    expect([f.server.software, f.client.software, f.server.refused, f.client.got_file]).toEqual(['pyftpdlib', 'tnftp', 'EPSV=502,PASV=502,EPRT=502', 'yes']);
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    // tshark: EPSV 24 → 502 (25); PASV 26 → 502 (27); PORT 28 → 200 (32); RETR 33 → 125 (34), 226 (38).
    expect(rows(a)).toEqual([
      // Before: 1.1 failed (server-refused): "1 failed" in the summary while the file arrived.
      ['1.1', 'EPSV', 25, null, null, null, 0, null, null, 'fell-back', 'fell-back', null, '1.3', true, [['PASV', 26, 502, 27, '1.2']]],
      ['1.2', 'PASV', 27, null, null, null, 0, null, null, 'fell-back', 'fell-back', null, '1.3', true, []],
      ['1.3', 'PORT', 28, 'RETR hello.txt', 33, 1, 511, 226, 38, 'completed', 'complete', null, null, null, null],
    ]);
    expect(transfers(a)[0].verdict.evidence).toEqual([25, 26, 27, 28, 33, 38]);
    expect(causes(a)).toEqual([]);
    expect(await extractedFiles(name, tmp)).toEqual({ 's1-t3-hello.txt': factSha(name, 'hello.txt') });
    const [summary, sessions, diagnose, explain, timeline, logs, report, json] = await everyOutput(name);
    expect(JSON.parse(json).sessions[0].transfers.map((t: any) => [t.status, t.verdict.kind, t.diagnosis?.cause ?? null])).toEqual([
      ['fell-back', 'fell-back', null],
      ['fell-back', 'fell-back', null],
      ['complete', 'completed', null],
    ]);
    expect(summary).toContain('2 refused (the client fell back), 1 complete');
    expect(summary).toContain('1.1 passive - - - - refused, fell back to PORT');
    expect(sessions).toContain('2 refused (the client fell back), 1 complete');
    expect(diagnose).toContain(
      'the server does not implement EPSV (502, frame 25); the client asked with PASV (frame 26, transfer 1.2, refused too: 502, frame 27), then PORT instead (frame 28), and RETR hello.txt (frame 33, transfer 1.3) over it completed (226, frame 38). Nothing to change.',
    );
    expect(explain).toContain('transfer 1 refused, fell back to PORT, which completed: no failure');
    expect(report).toContain('refused, fell back to PORT');
    expect(logs).toMatch(/fell-back\s+to-1\.3/);
    // "No failed data connections": diagnose's heading for none.
    for (const out of [summary, sessions, diagnose, explain, timeline, logs]) expect(out.replace(/No failed data connections/g, '')).not.toMatch(/server-refused|\bfailed\b/);
  });
});

describe('2. tnftp, the same chain, then RETR of a missing file: the 550 is the one failure', () => {
  const name = 'a27-chain-missing-pyftpdlib-tnftp';
  it(`${name}: EPSV and PASV got past (PORT accepted and used); RETR missing.txt's 550 (34) is transfer 1.3's failure alone`, async () => {
    expect(facts(name).client.got_file).toBe('no');
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(rows(a)).toEqual([
      // Before: three failures (1.1 and 1.2 server-refused beside 1.3) for one missing file.
      ['1.1', 'EPSV', 25, null, null, null, 0, null, null, 'fell-back', 'fell-back', null, '1.3', false, [['PASV', 26, 502, 27, '1.2']]],
      ['1.2', 'PASV', 27, null, null, null, 0, null, null, 'fell-back', 'fell-back', null, '1.3', false, []],
      ['1.3', 'PORT', 28, 'RETR missing.txt', 33, 1, 0, 550, 34, 'failed', 'failed', 'server-refused', null, null, null],
    ]);
    // The session's cause is its one failed transfer's.
    expect([a.sessions[0].diagnosis?.cause, transfers(a).map((t) => t.diagnosis?.cause ?? null)]).toEqual(['server-refused', [null, null, 'server-refused']]);
    const [summary, sessions, diagnose, explain, timeline, logs, report, json] = await everyOutput(name);
    expect(JSON.parse(json).sessions[0].transfers.map((t: any) => [t.status, t.verdict.kind, t.verdict.fallback?.completed ?? null, t.diagnosis?.cause ?? null])).toEqual([
      ['fell-back', 'fell-back', false, null],
      ['fell-back', 'fell-back', false, null],
      ['failed', 'failed', null, 'server-refused'],
    ]);
    expect(summary).toContain('2 refused (the client fell back), 1 failed');
    expect(sessions).toContain('2 refused (the client fell back), 1 failed');
    expect(diagnose).toContain('Session 1, transfer 3: server-refused');
    expect(diagnose).toMatch(/550 No such file or directory at frame 34: the file does not exist on the server/);
    expect(diagnose).not.toMatch(/Session 1, transfer [12]: server-refused/);
    expect(diagnose).toContain(
      'RETR missing.txt (frame 33, transfer 1.3) over it was then refused for its own reason (550, frame 34): that refusal is transfer 1.3\'s failure, not this one\'s.',
    );
    expect(diagnose).toContain('1 of 3 transfers diagnosed (2 refused (the client fell back), 1 failed)');
    expect(explain).toContain('transfer 1 refused, fell back to PORT, which got past it (transfer 1.3 failed for its own reason): no failure');
    expect(explain).toContain('transfer 3 failed: the server refused the command');
    expect(timeline).toContain('Transfer 3 failed');
    expect(timeline).not.toMatch(/Transfer [12] failed/);
    expect(logs).toMatch(/fell-back\s+to-1\.3/);
    expect(report).toContain('2 refused (the client fell back), 1 failed');
  });
});

describe('3. lftp -> pyftpdlib refusing EPSV and PASV: lftp reconnects after each refusal, then PORT', () => {
  const name = 'a27-chain-pyftpdlib-lftp';
  it(`${name}: three sessions; the EPSV (1.1) and PASV (2.1) refusals fell back to session 3's PORT, whose RETR completed`, async () => {
    const f = facts(name);
    expect([f.client.software, f.client.got_file]).toEqual(['lftp', 'yes']);
    const a = await analyze(name);
    for (const [id, stream] of [[1, '0'], [2, '1'], [3, '2']] as const) {
      // lftp's Telnet IP/DM before closing (sessions 1 and 2) is no FTP command of tshark's either way.
      expect(ourRows(a, id).filter(([, c]) => /^[A-Z0-9]+$/.test(c))).toEqual(ftpRows(name, stream).filter(([, c]) => /^[A-Z0-9]+$/.test(c)));
    }
    expect(rows(a)).toEqual([
      // Before: 1.1 and 2.1 failed (server-refused): "2 failed" beside the file that arrived.
      ['1.1', 'EPSV', 33, null, null, null, 0, null, null, 'fell-back', 'fell-back', null, '3.1', true, [['PASV', 63, 502, 64, '2.1']]],
      ['2.1', 'PASV', 64, null, null, null, 0, null, null, 'fell-back', 'fell-back', null, '3.1', true, []],
      ['3.1', 'PORT', 94, 'RETR hello.txt', 99, 3, 511, 226, 106, 'completed', 'complete', null, null, null, null],
    ]);
    expect(causes(a)).toEqual([]);
    expect(await extractedFiles(name, tmp)).toEqual({ 's3-t1-hello.txt': factSha(name, 'hello.txt') });
    const [summary, , diagnose] = await everyOutput(name);
    expect(summary).not.toMatch(/\bfailed\b|server-refused/);
    expect(diagnose).toContain('the client asked with PASV (frame 63, transfer 2.1, refused too: 502, frame 64), then PORT instead (frame 94)');
  });

  it('a27-chain-missing-pyftpdlib-lftp: the same chain, then RETR missing.txt (107) → 550 (108): one failure, 3.1', async () => {
    const name = 'a27-chain-missing-pyftpdlib-lftp';
    const a = await analyze(name);
    expect(rows(a)).toEqual([
      ['1.1', 'EPSV', 33, null, null, null, 0, null, null, 'fell-back', 'fell-back', null, '3.1', false, [['PASV', 67, 502, 68, '2.1']]],
      ['2.1', 'PASV', 68, null, null, null, 0, null, null, 'fell-back', 'fell-back', null, '3.1', false, []],
      ['3.1', 'PORT', 102, 'RETR missing.txt', 107, 3, 0, 550, 108, 'failed', 'failed', 'server-refused', null, null, null],
    ]);
    const [summary] = await outputs(name, 'summary');
    expect(summary).toContain('[1] 3.1 server-refused');
    expect(summary).not.toMatch(/\[2\]/);
  });

  it('a27-chain-vsftpd-lftp: vsftpd (pasv_enable=NO) refuses PASV (550); lftp reconnects with PORT and RETR completes', async () => {
    const name = 'a27-chain-vsftpd-lftp';
    const a = await analyze(name);
    expect(rows(a)).toEqual([
      ['1.1', 'PASV', 35, null, null, null, 0, null, null, 'fell-back', 'fell-back', null, '2.1', true, []],
      ['2.1', 'PORT', 67, 'RETR hello.txt', 69, 2, 511, 226, 79, 'completed', 'complete', null, null, null, null],
    ]);
    expect(causes(a)).toEqual([]);
    const [diagnose] = await outputs(name, 'diagnose');
    expect(diagnose).toContain('the server refuses PASV (550, frame 35); the client asked with PORT instead (frame 67), and RETR hello.txt (frame 69, transfer 2.1) over it completed (226, frame 79)');
  });
});

describe('4. busybox ftpget -> pyftpdlib refusing EPSV (500): PASV, then RETR of a missing file', () => {
  const name = 'a27-epsv-missing-pyftpdlib-busybox';
  it(`${name}: the EPSV refusal (16) got past (PASV 227 at 18, data connection opened); the RETR's 550 (25) is the failure`, async () => {
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(rows(a)).toEqual([
      // Before: 1.1 failed (server-refused) beside 1.2: two failures for one missing file.
      ['1.1', 'EPSV', 16, null, null, null, 0, null, null, 'fell-back', 'fell-back', null, '1.2', false, []],
      ['1.2', 'PASV', 18, 'RETR missing.txt', 24, 1, 0, 550, 25, 'failed', 'failed', 'server-refused', null, null, null],
    ]);
    const [summary, sessions, diagnose, explain] = await everyOutput(name);
    for (const out of [summary, sessions]) expect(out).toContain('1 refused (the client fell back), 1 failed');
    expect(diagnose).toContain('the server does not recognise EPSV (500, frame 16); the client asked with PASV instead (frame 17), which the server accepted');
    expect(explain).toContain('which got past it (transfer 1.2 failed for its own reason): no failure');
  });
});

// Audit 48: the first refusal is the operation's failure; the client's retry another way, refused too,
// is retry-refused (no failure of its own): one operation, one failure (before: two failed).
describe('5. no recovery: the client gave up, and the first refusal is the failure', () => {
  it('a27-passive-refused-pyftpdlib-busybox: EPSV (16) and PASV (18) both 502, busybox quits: one failed, server-refused; the PASV a refused retry', async () => {
    const name = 'a27-passive-refused-pyftpdlib-busybox';
    expect(facts(name).client.got_file).toBe('no');
    const a = await analyze(name);
    expect(rows(a)).toEqual([
      ['1.1', 'EPSV', 16, null, null, null, 0, null, null, 'failed', 'failed', 'server-refused', null, null, null],
      ['1.2', 'PASV', 18, null, null, null, 0, null, null, 'retry-refused', 'retry-refused', null, null, null, null],
    ]);
    const [summary] = await outputs(name, 'summary');
    expect(summary).not.toContain('fell back');
  });

  it('a27-passive-refused-vsftpd-curl: vsftpd (pasv_enable=NO) answers EPSV (18) and PASV (20) 550; curl quits: one failed, the PASV a refused retry', async () => {
    const name = 'a27-passive-refused-vsftpd-curl';
    const a = await analyze(name);
    expect(rows(a)).toEqual([
      ['1.1', 'EPSV', 18, null, null, null, 0, null, null, 'failed', 'failed', 'server-refused', null, null, null],
      ['1.2', 'PASV', 20, null, null, null, 0, null, null, 'retry-refused', 'retry-refused', null, null, null, null],
    ]);
  });

  it('a18-aioftp-tnftp: EPRT and PORT both 502, then QUIT; the next session asks with EPSV but sends no transfer command: EPRT stays failed, PORT its refused retry', async () => {
    const a = await analyze('a18-aioftp-tnftp');
    expect(a.sessions[0].transfers.slice(3).map((t) => [t.announce?.command, t.verdict.kind, t.diagnosis?.cause])).toEqual([
      ['EPRT', 'failed', 'server-refused'],
      ['PORT', 'retry-refused', undefined],
    ]);
  });

  it('fxp-refused-vsftpd-pyftpdlib-lftp: a refused PORT naming the other server (FXP) is the copy\'s failure, never a fallback', async () => {
    const a = await analyze('fxp-refused-vsftpd-pyftpdlib-lftp');
    const [retr] = a.sessions[0].transfers;
    expect([retr.status, retr.verdict.kind, retr.diagnosis?.cause, retr.diagnosis?.evidence]).toEqual(['failed', 'failed', 'fxp-refused', [61, 62, 66, 67]]);
    for (const t of transfers(a)) expect(t.verdict.kind).not.toBe('fell-back');
  });
});
