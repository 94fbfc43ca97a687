/**
 * The fourteenth verdict audit, each on a real recording (fixtures/record.sh, "Fourteenth verdict
 * audit"): failures that begin in the middle of a long session (a firewall rule inserted between
 * two transfers of one ftplib session, passive and active), servers' own timeouts (proftpd's
 * TimeoutStalled and TimeoutIdle), pure-ftpd's forced passive address (-P) nobody owns, and heavy
 * loss on the data connection only with curl giving up mid-transfer. Frame numbers are tshark's
 * (NAME.tshark-ftp.tsv); sizes and sha256 are the recorder's facts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { analyze, causes, extractedFiles, facts, factSha, ftpRows, ourRows, outputs, transferRows, tsv } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit14-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** transferRows, then the stopped by (aborted). */
const rows = (a: Analysis) => transferRows(a, (t) => [t.verdict.kind === 'aborted' ? t.verdict.by : null]);
const size = (name: string, file: string): number => facts(name).files.find((x: { path: string }) => x.path === file).size;

describe('1. five passive RETRs in one ftplib session to vsftpd; the server firewall drops passive SYNs after the third', () => {
  const name = 'midsession-pasv-drop-vsftpd-python';
  it(`${name}: three complete, two failed (passive-syn-unanswered), told as a failure that began mid-capture`, async () => {
    const f = facts(name);
    expect([f.server.software, f.client.software, f.mode]).toEqual(['vsftpd', 'python3-ftplib', 'passive']);
    expect(f.files.map((x: { received?: unknown }) => x.received !== undefined && x.received !== null)).toEqual([true, true, true, false, false]);
    const a = await analyze(name);
    expect(a.sessions).toHaveLength(1);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(rows(a)).toEqual([
      ['1.1', 'PASV', 18, 'RETR part1.bin', 22, 1, size(name, 'part1.bin'), 226, 31, 'completed', null],
      ['1.2', 'PASV', 36, 'RETR part2.bin', 40, 2, size(name, 'part2.bin'), 226, 49, 'completed', null],
      ['1.3', 'PASV', 54, 'RETR part3.bin', 58, 3, size(name, 'part3.bin'), 226, 67, 'completed', null],
      // ftplib connects before RETR: the two failed attempts never sent it.
      ['1.4', 'PASV', 72, null, null, 4, 0, null, null, 'failed', null],
      ['1.5', 'PASV', 82, null, null, 5, 0, null, null, 'failed', null],
    ]);
    expect(causes(a)).toEqual(['passive-syn-unanswered', 'passive-syn-unanswered']);
    const [t4, t5] = a.sessions[0].transfers.slice(3);
    expect(t4.connection!.synFrames).toEqual([73, 75, 76, 77]);
    expect(t5.connection!.synFrames).toEqual([83, 85, 86, 87]);
    // 50099 and 50082 lie above the ports that opened (50070…50079): a range left closed stays a
    // possible reading, beside the change mid-capture (every success came before the first failure).
    expect(t4.diagnosis!.summary).toMatch(/227 198\.51\.100\.20:50099/);
    expect(t4.diagnosis!.summary).toMatch(/3 passive data connections from 192\.0\.2\.10 to 198\.51\.100\.20 opened earlier in this capture, the last for transfer 1\.3 \(SYN frame 55\), and none after: either port 50099 was never open, or the failure began mid-capture, between frame 55 and frame 73/);
    expect(t5.diagnosis!.summary).toMatch(/either port 50082 was never open, or the failure began mid-capture, between frame 55 and frame 83, when something changed/);
    expect(t5.diagnosis!.advice).toMatch(/Data connections worked until frame 55 and failed from frame 83 on/);
    expect(t5.diagnosis!.evidence).toEqual([19, 37, 55, 82, 83, 85, 86, 87]);
    expect(await extractedFiles(name, tmp)).toEqual({
      's1-t1-part1.bin': factSha(name, 'part1.bin'),
      's1-t2-part2.bin': factSha(name, 'part2.bin'),
      's1-t3-part3.bin': factSha(name, 'part3.bin'),
    });
    const [summary, diagnose, explain] = await outputs(name, 'summary', 'diagnose', 'explain');
    expect(summary).toMatch(/3 complete, 2 failed/);
    expect(diagnose).toMatch(/2 of 5 transfers diagnosed \(3 complete, 2 failed\)/);
    for (const o of [diagnose, explain]) expect(o).not.toMatch(/Session 1, transfer [123]:/);
  });
});

describe('2. five active RETRs in one ftplib session to vsftpd; the client firewall drops the server data SYNs after the second', () => {
  const name = 'midsession-port-drop-vsftpd-python';
  it(`${name}: two complete, three failed with 425 (active-syn-unanswered), the change mid-capture said`, async () => {
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(rows(a)).toEqual([
      ['1.1', 'PORT', 17, 'RETR part1.bin', 19, 1, size(name, 'part1.bin'), 226, 31, 'completed', null],
      ['1.2', 'PORT', 35, 'RETR part2.bin', 37, 2, size(name, 'part2.bin'), 226, 49, 'completed', null],
      ['1.3', 'PORT', 53, 'RETR part3.bin', 55, 3, 0, 425, 62, 'failed', null],
      ['1.4', 'PORT', 66, 'RETR part4.bin', 68, 4, 0, 425, 75, 'failed', null],
      ['1.5', 'PORT', 79, 'RETR part5.bin', 81, 5, 0, 425, 88, 'failed', null],
    ]);
    expect(causes(a)).toEqual(['active-syn-unanswered', 'active-syn-unanswered', 'active-syn-unanswered']);
    const t3 = a.sessions[0].transfers[2];
    expect(t3.connection!.synFrames).toEqual([56, 58, 59, 60, 61]);
    expect(t3.diagnosis!.summary).toMatch(
      /2 active data connections from 198\.51\.100\.20 to 192\.0\.2\.10 opened earlier in this capture, the last for transfer 1\.2 \(SYN frame 38\), and none after: the failure began mid-capture, between frame 38 and frame 56/,
    );
    expect(t3.diagnosis!.evidence).toEqual([38, 53, 54, 55, 56, 58, 59, 60, 61, 62]);
    expect(await extractedFiles(name, tmp)).toEqual({
      's1-t1-part1.bin': factSha(name, 'part1.bin'),
      's1-t2-part2.bin': factSha(name, 'part2.bin'),
    });
    const [summary, diagnose] = await outputs(name, 'summary', 'diagnose');
    expect(summary).toMatch(/2 complete, 3 failed/);
    expect(diagnose).not.toMatch(/Session 1, transfer [12]:/);
  });
});

describe('3. ftplib stops reading mid-RETR; proftpd TimeoutStalled 3 ends the session', () => {
  const name = 'stalled-proftpd-python';
  it(`${name}: aborted by the server after the client's zero window; stalled`, async () => {
    expect(facts(name).server.config).toBe('TimeoutStalled 3');
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(rows(a)).toEqual([['1.1', 'PASV', 18, 'RETR half.bin', 22, 1, 227336, null, null, 'aborted', 'server']]);
    expect(causes(a)).toEqual(['stalled', 'stalled']);
    const d = a.sessions[0].transfers[0].diagnosis!;
    expect(d.summary).toMatch(/advertised a zero window at frame 67: it stopped reading/);
    // proftpd's TimeoutStalled ended the session (its FIN on the control connection, frame 75), not a firewall.
    expect(d.summary).toMatch(/After the client's zero window the server closed the control connection \(FIN, frame 75\) with no reply to RETR/);
    expect(d.evidence).toEqual(expect.arrayContaining([67, 75]));
    expect(d.advice).toMatch(/lengthen the server's stall timeout \(proftpd: TimeoutStalled \/ TimeoutNoTransfer\)\./);
    expect(d.advice).not.toMatch(/firewall/);
  });
});

describe('4. proftpd TimeoutIdle 3 closes an idle session with 421 after a completed RETR', () => {
  const name = 'idle-timeout-proftpd-python';
  it(`${name}: the RETR completes, no diagnosis; the 421 is the server's idle timeout`, async () => {
    const a = await analyze(name);
    expect(rows(a)).toEqual([['1.1', 'PASV', 18, 'RETR hello.txt', 22, 1, 511, 226, 29, 'completed', null]]);
    expect(causes(a)).toEqual([]);
    expect(await extractedFiles(name, tmp)).toEqual({ 's1-t1-hello.txt': factSha(name, 'hello.txt') });
    const [diagnose, summary] = await outputs(name, 'diagnose', 'summary');
    expect(diagnose).toMatch(/The server closed the control connection for idleness \(421, frame 31/);
    expect(summary).toMatch(/1 complete/);
    expect(diagnose).not.toMatch(/Session 1, transfer 1:/);
  });
});

describe('5. pure-ftpd -P 203.0.113.99: the 227 names an address nobody owns', () => {
  const name = 'forced-pasv-address-pureftpd-lftp';
  it(`${name}: passive-address-mismatch, ICMP host unreachable, advice naming pure-ftpd -P`, async () => {
    const a = await analyze(name);
    // lftp gives up with telnet IAC IP / DM bytes (frames 43, 44), which tshark lists as requests with
    // no verb; the commands with a verb agree.
    const cmds = (r: Array<[number, string]>) => r.filter(([, x]) => /^[A-Z]{3,4}$/.test(x));
    expect(cmds(ourRows(a, 1))).toEqual(cmds(ftpRows(name, '0')));
    expect(rows(a)).toEqual([['1.1', 'PASV', 34, null, null, 1, 0, null, null, 'failed', null]]);
    expect(causes(a)).toEqual(['passive-address-mismatch', 'passive-address-mismatch']);
    const d = a.sessions[0].transfers[0].diagnosis!;
    expect(d.summary).toMatch(/227 203\.0\.113\.99:50047/);
    expect(d.summary).toMatch(/ICMP type 3 code 1 from 192\.0\.2\.1, frame 40/);
    expect(d.advice).toMatch(/\(pure-ftpd: -P \(ForcePassiveIP\)\)/);
    // Audit 23: only the identified server's setting: no vsftpd or proftpd words for pure-ftpd.
    expect(d.advice).not.toMatch(/vsftpd|proftpd/);
  });
});

describe('6. 60 % loss on the data connection only; curl gives up below its speed limit', () => {
  const name = 'data-loss-abort-vsftpd-curl';
  it(`${name}: aborted by the client (its FIN short of the 4 MiB), the path blamed, not the capture`, async () => {
    const f = facts(name);
    expect(f.client.exit_status).toBe(28);
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(rows(a)).toEqual([['1.1', 'PASV', 18, 'RETR big.bin', 30, 1, 14480, null, null, 'aborted', 'client']]);
    expect(causes(a)).toEqual(['path-loss', 'path-loss']);
    const d = a.sessions[0].transfers[0].diagnosis!;
    expect(d.summary).toMatch(/so the path lost them \(not the capture\)/);
    // tshark's data stream: the client's FIN at frame 56, after the last data (frame 54), no reset.
    expect(d.summary).toMatch(/The client then closed the data connection \(FIN, frame 56\) with no final reply/);
    expect(d.evidence).toContain(56);
    // The client acknowledged 4 full segments (4 × 1448) first: no path-MTU black hole.
    expect(d.advice).toMatch(/The client had acknowledged 5792 bytes first, so full-sized segments got through: this is no path-MTU black hole/);
    const [summary] = await outputs(name, 'summary');
    expect(summary).toMatch(/aborted \(client\)/);
  });
});
