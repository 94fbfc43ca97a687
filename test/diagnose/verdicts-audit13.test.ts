/**
 * The thirteenth verdict audit, each on a real recording (fixtures/record.sh, "Thirteenth verdict
 * audit"): software not recorded before. GNU inetutils ftpd (a 230 whose PAM message lines repeat
 * "230-", passive ports from the kernel's ephemeral range, active connections from an ephemeral
 * port) and Twisted's FTP server (125 instead of 150, the LIST's 125 and 226 in one segment, a
 * passive port announced twice, "502 Command 'EPSV' not implemented"), with inetutils-ftp and
 * busybox ftpget/ftpput as clients. Frame numbers are tshark's (NAME.tshark-ftp.tsv,
 * NAME.tshark-data-streams.tsv); sizes and sha256 are the recorder's facts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { runCli } from '../cli/run-cli.js';
import { analyze, causes, dataStreams, extractedFiles, facts, factSha, ftpRows, outputs, path, transferRows, tsv } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit13-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** ftpcap's commands and replies of one session in the same shape, each line of a multi-line reply at its own frame. */
const ourRows = (a: Analysis, id: number, multi: Record<number, number[]> = {}): Array<[number, string]> =>
  a.sessions
    .find((s) => s.id === id)!
    .commands.flatMap((c) => {
      const out: Array<[number, string]> = [];
      if (c.command !== null) out.push([c.frame, c.command]);
      for (const p of c.preliminary) out.push([p.frame, String(p.code)]);
      if (c.reply) for (const f of multi[c.reply.frame] ?? [c.reply.frame]) out.push([f, String(c.reply.code)]);
      return out;
    })
    .sort((x, y) => x[0] - y[0]);
const rows = transferRows;
/** extract's saved files: name → sha256. */
const extracted = (name: string): Promise<Record<string, string>> => extractedFiles(name, tmp);
const sha = factSha;
const ALARM = /stall|incomplete|failed:|aborted|lost segments|refused|mismatch|What to change/i;

describe('1. GNU inetutils ftpd with inetutils-ftp: passive LIST, RETR, STOR, then active RETR', () => {
  const name = 'healthy-inetutils-ftpd-ftp';
  it(`${name}: the multi-line 230 is one reply to PASS; four transfers complete with their bytes; no diagnosis`, async () => {
    const f = facts(name);
    expect([f.server.software, f.client.software, f.capture.packets]).toEqual(['inetutils-ftpd', 'inetutils-ftp', 94]);
    const a = await analyze(name);
    expect(a.sessions).toHaveLength(1);
    // tshark shows each line of the 230 (frames 15 and 17: the PAM message, then "230 User … logged in.").
    expect(ourRows(a, 1, { 17: [15, 17] })).toEqual(ftpRows(name, '0'));
    const pass = a.sessions[0].commands.find((c) => c.command === 'PASS')!;
    expect([pass.reply?.code, pass.reply?.firstFrame, pass.reply?.frame]).toEqual([230, 15, 17]);
    expect(pass.reply!.text.split('\n').at(-1)).toBe('User fxa13user logged in.');
    expect(rows(a)).toEqual([
      ['1.1', 'PASV', 25, 'LIST', 29, 1, 276, 226, 37, 'completed'],
      ['1.2', 'PASV', 42, 'RETR hello.txt', 46, 2, 511, 226, 54, 'completed'],
      ['1.3', 'PASV', 57, 'STOR upload.txt', 61, 3, 259, 226, 69, 'completed'],
      ['1.4', 'PORT', 71, 'RETR small.bin', 73, 4, 3000, 226, 88, 'completed'],
    ]);
    for (const [stream, [setup, cmd]] of Object.entries(dataStreams(name))) {
      const t = a.sessions[0].transfers.find((x) => String(x.connection?.stream) === stream)!;
      expect([t.announce?.reply?.frame ?? t.announce?.frame, t.request?.frame]).toEqual([setup, cmd]);
    }
    // The active connection comes from an ephemeral port, not 20.
    expect(a.sessions[0].transfers[3].connection!.server.port).not.toBe(20);
    expect(causes(a)).toEqual([]);
    expect(await extracted(name)).toEqual({
      's1-t1-list.txt': expect.any(String),
      's1-t2-hello.txt': sha(name, 'hello.txt'),
      's1-t3-upload.txt': sha(name, 'upload.txt'),
      's1-t4-small.bin': sha(name, 'small.bin'),
    });
    const [diagnose, transfersOut, explain] = await outputs(name, 'diagnose', 'transfers', 'explain');
    expect(diagnose).toMatch(/No failed data connections in 1 session: 4 transfers \(4 complete\)\./);
    for (const o of [transfersOut, explain]) expect(o).not.toMatch(ALARM);
    expect(explain).toMatch(/It comes from port \d+, not port 20/);
    // The 230 opens with an empty line ("230-"); its inner lines keep their "230-". Before: "PASS **** (frame 13) → 230 (frame 17)".
    expect(pass.reply!.text.split('\n')[0].trim()).toBe('');
    expect(explain).toContain('PASS **** (frame 13) → 230 The programs included with the Debian GNU/Linux system are free softw... (frame 17)');
  });
});

describe('2. busybox ftpget to inetutils ftpd whose firewall drops the passive SYNs', () => {
  const name = 'fail-passive-drop-inetutils-ftpd-busybox';
  it(`${name}: passive-syn-unanswered; the client CLOSED the control connection at frame 29 (a FIN; its RST at 31 answered the 221)`, async () => {
    const a = await analyze(name);
    const s = a.sessions[0];
    expect(ourRows(a, 1, { 15: [13, 15] })).toEqual(ftpRows(name, '0'));
    expect(rows(a)).toEqual([['1.1', 'EPSV', 21, null, null, 1, 0, null, null, 'failed']]);
    expect(s.transfers[0].diagnosis?.cause).toBe('passive-syn-unanswered');
    expect([s.closedBy?.by, s.closedBy?.frame, s.closedBy?.how, s.close]).toEqual(['client', 29, 'fin', 'rst']);
    // Before: "The client gave up and reset the control connection 7.1 s after the first SYN (frame 29)".
    const [diagnose] = await outputs(name, 'diagnose');
    for (const o of [diagnose]) {
      expect(o).toMatch(/The client gave up and closed the control connection 7\.1 s after the first SYN \(frame 29\)/);
      expect(o).not.toMatch(/reset the control connection 7\.1 s/);
    }
  });
});

describe('3. busybox ftpput, then ftpget of a missing file, to inetutils ftpd', () => {
  const name = 'put-missing-inetutils-ftpd-busybox';
  it(`${name}: STOR complete (259 bytes, sha256 as sent); RETR refused 550; SIZE's "not a plain file" is no diagnosis`, async () => {
    const a = await analyze(name);
    expect(a.sessions).toHaveLength(2);
    expect(rows(a)).toEqual([
      ['1.1', 'EPSV', 21, 'STOR upload.txt', 25, 1, 259, 226, 33, 'completed'],
      ['2.1', 'EPSV', 58, 'RETR missing.txt', 64, 3, 0, 550, 65, 'failed'],
    ]);
    expect(dataStreams(name)).toEqual({ '1': [21, 25] });
    expect(a.sessions[0].diagnosis).toBeNull();
    expect(a.sessions[1].transfers[0].diagnosis?.cause).toBe('server-refused');
    // The refused RETR's data connection opened and carried nothing: saved empty, its verdict failed (manifest).
    // The refused RETR's data connection opened and carried nothing: no empty file under its name (it was saved, empty, before).
    expect(await extracted(name)).toEqual({ 's1-t1-upload.txt': sha(name, 'upload.txt') });
    const manifest = JSON.parse(readFileSync(join(tmp, name, 'manifest.json'), 'utf8'));
    expect(manifest.skipped.map((k: any) => [k.session, k.transfer, k.command, k.originalName, k.reason])).toEqual([
      [2, 1, 'RETR', 'missing.txt', 'the server refused it (550, frame 65): its data connection opened, but no data moved'],
    ]);
    const [diagnose] = await outputs(name, 'diagnose');
    expect(diagnose).toMatch(/550 missing\.txt: No such file or directory at frame 65: the file does not exist on the server/);
    expect(diagnose).toMatch(/1 of 2 transfers diagnosed \(1 complete, 1 failed\)\./);
  });
});

describe('4. Twisted FTP server with inetutils-ftp: 125 instead of 150, one passive port twice', () => {
  const name = 'healthy-twisted-ftp';
  it(`${name}: 125 is the opening reply; LIST's 125 and 226 in one segment; four transfers complete; no diagnosis`, async () => {
    const f = facts(name);
    expect([f.server.software, f.client.software, f.capture.packets]).toEqual(['twisted-ftp', 'inetutils-ftp', 86]);
    const a = await analyze(name);
    // tshark dissects only the first reply of frame 25 (125); its 226 follows in the same segment.
    expect(ourRows(a, 1).filter(([f, x]) => !(f === 25 && x === '226'))).toEqual(ftpRows(name, '0'));
    expect(a.sessions[0].transfers[0].reply?.frame).toBe(25);
    expect(rows(a)).toEqual([
      ['1.1', 'PASV', 20, 'LIST', 24, 1, 292, 226, 25, 'completed'],
      ['1.2', 'PASV', 34, 'RETR hello.txt', 38, 2, 511, 226, 46, 'completed'],
      ['1.3', 'PASV', 49, 'STOR upload.txt', 53, 3, 259, 226, 61, 'completed'],
      ['1.4', 'PORT', 63, 'RETR small.bin', 68, 4, 3000, 226, 80, 'completed'],
    ]);
    expect(a.sessions[0].transfers.map((t) => [t.preliminary?.code, t.preliminary?.frame])).toEqual([
      [125, 25],
      [125, 39],
      [125, 54],
      [125, 69],
    ]);
    // 1.1 and 1.3 use the same passive port 50000.
    expect(a.sessions[0].transfers.map((t) => t.connection!.server.port)).toEqual([50000, 50001, 50000, expect.any(Number)]);
    expect(causes(a)).toEqual([]);
    expect(await extracted(name)).toEqual({
      's1-t1-list.txt': expect.any(String),
      's1-t2-hello.txt': sha(name, 'hello.txt'),
      's1-t3-upload.txt': sha(name, 'upload.txt'),
      's1-t4-small.bin': sha(name, 'small.bin'),
    });
    const [diagnose, transfersOut, explain] = await outputs(name, 'diagnose', 'transfers', 'explain');
    expect(diagnose).toMatch(/No failed data connections in 1 session: 4 transfers \(4 complete\)\./);
    for (const o of [transfersOut, explain]) expect(o).not.toMatch(ALARM);
  });
});

describe('5. busybox ftpget to Twisted: "502 Command \'EPSV\' not implemented", then PASV', () => {
  const name = 'missing-twisted-busybox';
  it(`${name}: the refused EPSV is no failure in either session; the RETR of a missing file (550) is session 1's one failure`, async () => {
    const a = await analyze(name);
    expect(rows(a)).toEqual([
      // Audit 27: the client got past the refused EPSV (PASV accepted, RETR sent over it): the 550 is
      // RETR's own failure, not the EPSV's. Before: 1.1 'failed' (server-refused) beside 1.2.
      ['1.1', 'EPSV', 16, null, null, null, 0, null, null, 'fell-back'],
      ['1.2', 'PASV', 18, 'RETR missing.txt', 24, 1, 0, 550, 25, 'failed'],
      // Session 2's client asked again with PASV and got its file: the refused EPSV is no failure.
      ['2.1', 'EPSV', 45, null, null, null, 0, null, null, 'fell-back'],
      ['2.2', 'PASV', 47, 'RETR hello.txt', 53, 3, 511, 226, 61, 'completed'],
    ]);
    expect(a.sessions[0].transfers.map((t) => t.diagnosis?.cause ?? null)).toEqual([null, 'server-refused']);
    const fb = a.sessions[0].transfers[0].verdict;
    expect(fb.kind === 'fell-back' && fb.fallback.command !== null && !('underWay' in fb.fallback) && [fb.code, fb.reply, fb.fallback.transfer, fb.fallback.completed, fb.fallback.code, fb.fallback.replyFrame]).toEqual([502, 16, '1.2', false, 550, 25]);
    expect(await extracted(name)).toEqual({ 's2-t2-hello.txt': sha(name, 'hello.txt') });
    const [diagnose] = await outputs(name, 'diagnose');
    expect(diagnose).toContain('Session 1, transfer 2: server-refused');
    expect(diagnose).not.toMatch(/Session 1, transfer 1: server-refused|will not open a passive data port|allow EPSV on the server/);
    expect(diagnose).toMatch(/the server does not implement EPSV \(502, frame 16\); the client asked with PASV instead \(frame 17\), which the server accepted, and RETR missing.txt \(frame 24, transfer 1.2\) over it was then refused for its own reason \(550, frame 25\)/);
  });
});

describe('6. inetutils-ftp (active) to Twisted, the client\'s firewall dropping the server\'s SYNs: Twisted connects on PORT', () => {
  const name = 'fail-active-drop-twisted-ftp';
  it(`${name}: the 425 answers PORT after the server's SYNs (the server's word, not the client giving up); LPRT's 502 is a command Twisted lacks`, async () => {
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(rows(a)).toEqual([
      ['1.1', 'PORT', 17, null, null, 1, 0, null, null, 'failed'],
      // Audit 48: LPRT retried the failed PORT; refused, it is no failure of its own.
      ['1.2', 'LPRT', 26, null, null, null, 0, null, null, 'retry-refused'],
    ]);
    const [t1, t2] = a.sessions[0].transfers;
    expect([t1.announce?.reply?.code, t1.announce?.reply?.frame, t1.connection?.synFrames]).toEqual([425, 25, [18, 20, 21, 22, 23, 24]]);
    expect([t1.diagnosis?.cause, t2.diagnosis]).toEqual(['active-syn-unanswered', null]);
    expect(t1.diagnosis!.evidence).toEqual([17, 18, 20, 21, 22, 23, 24, 25]);
    // Before: "The client gave up and sent LPRT 7.1 s after the first SYN (frame 26)".
    expect(t1.diagnosis!.summary).toMatch(/7\.1 s after the first SYN the server answered PORT with 425 Can't open data connection \(frame 25\)/);
    expect(t1.diagnosis!.summary).not.toMatch(/client gave up/);
    // Before: "…at frame 28: the server will not connect to the address the client announced" and port_promiscuous advice;
    // audit 46: a diagnosis of its own pointing at PORT's; audit 48: no diagnosis, its verdict names the failed PORT.
    expect(t2.verdict).toMatchObject({ kind: 'retry-refused', code: 502, reply: 28, lacking: true });
    // Before: "the server refused PORT (425, frame 25)" in explain's title and transfers' "requested" cell.
    const [explain, transfersOut] = await outputs(name, 'explain', 'transfers');
    expect(explain).toContain('the server could not connect to it and answered PORT (425, frame 25), so no transfer command used it');
    expect(transfersOut).toContain('none: the server could not connect and answered PORT (425, frame 25)');
    for (const o of [explain, transfersOut]) expect(o).not.toMatch(/refused PORT|port_promiscuous/);
  });
});

describe('7. inetutils-ftp (active) to inetutils ftpd, the client\'s firewall dropping the server\'s SYNs: ftpd connects on RETR', () => {
  const name = 'fail-active-drop-inetutils-ftpd-ftp';
  it(`${name}: PORT 200, RETR, six SYNs from an ephemeral port, 425 to RETR; active-syn-unanswered`, async () => {
    const a = await analyze(name);
    expect(ourRows(a, 1, { 17: [15, 17] })).toEqual(ftpRows(name, '0'));
    expect(rows(a)).toEqual([['1.1', 'PORT', 22, 'RETR hello.txt', 24, 1, 0, 425, 32, 'failed']]);
    const t = a.sessions[0].transfers[0];
    expect(t.connection?.synFrames).toEqual([25, 27, 28, 29, 30, 31]);
    expect(causes(a)).toEqual(['active-syn-unanswered', 'active-syn-unanswered']);
    expect(t.diagnosis!.evidence).toEqual([22, 23, 24, 25, 27, 28, 29, 30, 31, 32]);
    expect(t.diagnosis!.summary).toMatch(/7\.1 s after the first SYN the server replied 425 Can't build data connection: Connection timed out \(frame 32\)/);
  });
});

describe('8. inetutils-ftp -6 to inetutils ftpd over IPv6: EPSV LIST and RETR, then EPRT RETR', () => {
  const name = 'ipv6-inetutils-ftpd-ftp';
  it(`${name}: three transfers complete with their bytes and sha256; no diagnosis`, async () => {
    expect(facts(name).family).toBe('ipv6');
    const a = await analyze(name);
    expect(ourRows(a, 1, { 17: [15, 17] })).toEqual(ftpRows(name, '0'));
    expect(rows(a)).toEqual([
      ['1.1', 'EPSV', 25, 'LIST', 29, 1, 276, 226, 37, 'completed'],
      ['1.2', 'EPSV', 42, 'RETR hello.txt', 46, 2, 511, 226, 54, 'completed'],
      ['1.3', 'EPRT', 56, 'RETR small.bin', 58, 3, 3000, 226, 73, 'completed'],
    ]);
    expect(dataStreams(name)).toEqual({ '1': [25, 29], '2': [42, 46] });
    expect(causes(a)).toEqual([]);
    expect(await extracted(name)).toEqual({
      's1-t1-list.txt': expect.any(String),
      's1-t2-hello.txt': sha(name, 'hello.txt'),
      's1-t3-small.bin': sha(name, 'small.bin'),
    });
    const [diagnose, transfersOut, explain] = await outputs(name, 'diagnose', 'transfers', 'explain');
    expect(diagnose).toMatch(/No failed data connections in 1 session: 3 transfers \(3 complete\)\./);
    for (const o of [transfersOut, explain]) expect(o).not.toMatch(ALARM);
  });
});
