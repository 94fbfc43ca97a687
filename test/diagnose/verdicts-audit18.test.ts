/**
 * The eighteenth verdict audit, on real recordings (fixtures/record.sh, "Eighteenth verdict audit"):
 * FTP software never recorded before. Servers: netkit's BSD ftpd (Debian ftpd-ssl in plain mode: a
 * 230 whose lines repeat "230-", 500 to FEAT, passive ports from the kernel's ephemeral range), aioftp
 * (empty 200 texts, "229 listen socket already exists", one passive port for every transfer, 502 to
 * EPRT and to PORT) and the Globus GridFTP server ("200 PORT Command successful." answering EPRT, "150
 * Beginning transfer."), each with tnftp. Clients against vsftpd: yafc (AUTH GSSAPI first, MLSD
 * refused then LIST, PASV before TYPE I), netkit's ftp (active by default), gftp-text (a new session
 * per command, no QUIT) and Python's urllib.request (CWD . first, RETR of a directory then CWD and
 * LIST, no QUIT). Each capture holds a healthy session and one whose data connection a firewall drops.
 * Frame numbers are tshark's (NAME.tshark-ftp.tsv, NAME.tshark-data-streams.tsv); sizes and sha256
 * are the recorder's facts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { analyze, dataStreams, extractedFiles, facts, factSha, ftpRows, ourRows, outputs, transferRows as rows } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit18-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const extracted = (name: string): Promise<Record<string, string>> => extractedFiles(name, tmp);
const sha = factSha;
const ALARM = /stall|incomplete|failed:|aborted|lost segments|refused|mismatch|What to change/i;

/** Every session's commands and replies are tshark's, frame for frame (tshark's control streams in order). */
function sameAsTshark(a: Analysis, name: string, streams: string[]): void {
  expect(a.sessions.map((s) => s.id)).toEqual(streams.map((_, i) => i + 1));
  streams.forEach((stream, i) => expect(ourRows(a, i + 1)).toEqual(ftpRows(name, stream)));
}

/** Each data stream tshark links to a command is the transfer ftpcap links to it (setup frame, command frame). */
function sameDataStreams(a: Analysis, name: string, commandFrame: Record<string, number> = {}): void {
  const all = a.sessions.flatMap((s) => s.transfers);
  // tshark links no EPRT (a row with no setup command): those are checked in the rows.
  for (const [stream, [setup, cmd]] of Object.entries(dataStreams(name)).filter(([, [, c]]) => !Number.isNaN(c) && c > 0)) {
    const t = all.find((x) => String(x.connection?.stream) === stream)!;
    // tshark's setup frame: the 227/229 of a passive connection, the PORT itself of an active one.
    expect([t.mode === 'active' ? t.announce?.frame : t.announce?.reply?.frame, t.request?.frame]).toEqual([setup, commandFrame[stream] ?? cmd]);
  }
}

/** The transfers' causes (a session whose every transfer failed repeats its commonest one: not counted here). */
const transferCauses = (a: Analysis): string[] => a.sessions.flatMap((s) => s.transfers.map((t) => t.diagnosis?.cause)).filter((c) => c !== undefined).map(String);

/** The healthy session's outputs: no alarm in the diagnosis of any output for its transfers. */
async function healthyElsewhere(name: string, ...failed: string[]): Promise<string[]> {
  const [diagnose, explain, timeline, report] = await outputs(name, 'diagnose', 'explain', 'timeline', 'report');
  // Only the failed transfers are diagnosed.
  expect(diagnose.match(/Session \d+, transfer \d+: [a-z-]+/g)).toEqual(failed);
  return [diagnose, explain, timeline, report];
}

describe('1. tnftp to netkit ftpd (Debian ftpd-ssl, plain): healthy passive and active, then the passive SYNs dropped', () => {
  const name = 'a18-netkit-ftpd-tnftp';
  it(`${name}: four transfers complete; the multi-line 230 is one reply; the dropped passive SYNs are passive-syn-unanswered`, async () => {
    const f = facts(name);
    expect([f.server.software, f.client.software, f.capture.packets]).toEqual(['netkit-ftpd', 'tnftp', 142]);
    const a = await analyze(name);
    sameAsTshark(a, name, ['0', '5']);
    const pass = a.sessions[0].commands.find((c) => c.command === 'PASS')!;
    expect([pass.reply?.code, pass.reply?.firstFrame, pass.reply?.frame]).toEqual([230, 13, 15]);
    expect(a.sessions[0].commands.find((c) => c.command === 'FEAT')?.reply?.code).toBe(500);
    expect(rows(a)).toEqual([
      ['1.1', 'EPSV', 27, 'LIST .', 31, 1, 264, 226, 36, 'completed'],
      ['1.2', 'EPSV', 46, 'RETR hello.txt', 50, 2, 511, 226, 58, 'completed'],
      ['1.3', 'EPSV', 63, 'STOR upload.txt', 67, 3, 259, 226, 75, 'completed'],
      ['1.4', 'EPRT', 79, 'RETR small.bin', 81, 4, 3000, 226, 96, 'completed'],
      ['2.1', 'EPSV', 129, null, null, 6, 0, null, null, 'failed'],
    ]);
    sameDataStreams(a, name);
    // The active connection comes from port 20 (netkit ftpd binds it, as vsftpd does).
    expect(a.sessions[0].transfers[3].connection!.server.port).toBe(20);
    expect(transferCauses(a)).toEqual(['passive-syn-unanswered']);
    expect(await extracted(name)).toEqual({
      's1-t1-list.txt': expect.any(String),
      's1-t2-hello.txt': sha(name, 'hello.txt'),
      's1-t3-upload.txt': sha(name, 'upload.txt'),
      's1-t4-small.bin': sha(name, 'small.bin'),
    });
    const [diagnose] = await healthyElsewhere(
      name,
      'Session 2, transfer 1: passive-syn-unanswered',
    );
    expect(diagnose).toMatch(/The client sent SYN from 192\.0\.2\.10:\d+ to 198\.51\.100\.20:59345 at frames 130, 132, 133, 134, 135 and 136/);
    expect(diagnose).toMatch(/The client gave up and sent QUIT 7\.1 s after the first SYN \(frame 137\)/);
    expect(diagnose).toMatch(/1 of 5 transfers diagnosed \(4 complete, 1 failed\)\./);
  });
});

describe('2. tnftp to aioftp: healthy passive on one port, EPRT and PORT both 502, then the passive SYNs dropped', () => {
  const name = 'a18-aioftp-tnftp';
  it(`${name}: three transfers complete on port 50000; EPRT and PORT refused as not implemented: passive mode is the advice, not the other active command`, async () => {
    const f = facts(name);
    expect([f.server.software, f.client.software, f.capture.packets]).toEqual(['aioftp', 'tnftp', 118]);
    const a = await analyze(name);
    sameAsTshark(a, name, ['0', '4']);
    // "200" with no text at all (TYPE), "229 listen socket already exists (|||50000|)".
    const type = a.sessions[0].commands.find((c) => c.command === 'TYPE')!;
    expect([type.reply?.code, type.reply?.text.trim()]).toEqual([200, '']);
    expect(rows(a, (t) => [t.diagnosis?.cause ?? null])).toEqual([
      ['1.1', 'EPSV', 22, 'LIST .', 26, 1, 202, 226, 39, 'completed', null],
      ['1.2', 'EPSV', 46, 'RETR hello.txt', 50, 2, 511, 226, 57, 'completed', null],
      ['1.3', 'EPSV', 62, 'STOR upload.txt', 66, 3, 259, 226, 73, 'completed', null],
      ['1.4', 'EPRT', 77, null, null, null, 0, null, null, 'failed', 'server-refused'],
      // Audit 48: tnftp's PORT retried the refused EPRT, refused too: one failed operation, EPRT's.
      ['1.5', 'PORT', 79, null, null, null, 0, null, null, 'retry-refused', null],
      ['2.1', 'EPSV', 105, null, null, 5, 0, null, null, 'failed', 'passive-syn-unanswered'],
    ]);
    expect(a.sessions.flatMap((s) => s.transfers).filter((t) => t.mode === 'passive').map((t) => t.connection!.server.port)).toEqual([50000, 50000, 50000, 50000]);
    sameDataStreams(a, name);
    expect(await extracted(name)).toEqual({
      's1-t1-list.txt': expect.any(String),
      's1-t2-hello.txt': sha(name, 'hello.txt'),
      's1-t3-upload.txt': sha(name, 'upload.txt'),
    });
    const [diagnose, explain] = await healthyElsewhere(
      name,
      'Session 1, transfer 4: server-refused',
      'Session 2, transfer 1: passive-syn-unanswered',
    );
    // Before: "use another active command (PORT for EPRT)" and, for PORT, "(EPRT for PORT)": each the one just refused.
    for (const o of [diagnose, explain]) {
      expect(o).toMatch(/502 'eprt' not implemented at frame 78: the server does not implement EPRT, nor PORT \(502, frame 80\): it has no active mode/);
      expect(o).toMatch(/The server implements neither EPRT nor PORT: use passive mode on the client\./);
      expect(o).toMatch(/the server does not implement PORT \(502, frame 80\), which the client sent as a retry, another way, of EPRT \(frame 77, transfer 1\.4\), which the server had already refused \(502, frame 78\)/);
      expect(o).not.toMatch(/use another active command/);
    }
  });
});

describe('3. tnftp to the Globus GridFTP server: healthy passive and active, then the passive SYNs dropped', () => {
  const name = 'a18-gridftp-tnftp';
  it(`${name}: EPRT answered "200 PORT Command successful."; four transfers complete; passive-syn-unanswered`, async () => {
    const f = facts(name);
    expect([f.server.software, f.client.software, f.capture.packets]).toEqual(['globus-gridftp-server', 'tnftp', 128]);
    const a = await analyze(name);
    sameAsTshark(a, name, ['0', '5']);
    expect(rows(a)).toEqual([
      ['1.1', 'EPSV', 22, 'LIST .', 26, 1, 413, 226, 31, 'completed'],
      ['1.2', 'EPSV', 40, 'RETR hello.txt', 44, 2, 511, 226, 49, 'completed'],
      ['1.3', 'EPSV', 56, 'STOR upload.txt', 60, 3, 259, 226, 67, 'completed'],
      ['1.4', 'EPRT', 71, 'RETR small.bin', 73, 4, 3000, 226, 87, 'completed'],
      ['2.1', 'EPSV', 115, null, null, 6, 0, null, null, 'failed'],
    ]);
    const eprt = a.sessions[0].transfers[3].announce!;
    expect([eprt.reply?.code, eprt.reply?.text]).toEqual([200, 'PORT Command successful.']);
    // GridFTP connects from an ephemeral port, not 20.
    expect(a.sessions[0].transfers[3].connection!.server.port).not.toBe(20);
    sameDataStreams(a, name);
    expect(transferCauses(a)).toEqual(['passive-syn-unanswered']);
    expect(await extracted(name)).toEqual({
      's1-t1-list.txt': expect.any(String),
      's1-t2-hello.txt': sha(name, 'hello.txt'),
      's1-t3-upload.txt': sha(name, 'upload.txt'),
      's1-t4-small.bin': sha(name, 'small.bin'),
    });
    const [diagnose] = await healthyElsewhere(
      name,
      'Session 2, transfer 1: passive-syn-unanswered',
    );
    expect(diagnose).toMatch(/port 50050 lies among ports that had opened, so it is no part of a range left closed/);
  });
});

describe('4. yafc to vsftpd: MLSD refused then LIST; PASV before TYPE I; then the passive SYNs dropped twice', () => {
  const name = 'a18-vsftpd-yafc';
  it(`${name}: MLSD's 500 is followed by a completed LIST: nothing to change; RETR is linked past TYPE I (tshark links TYPE I)`, async () => {
    const f = facts(name);
    expect([f.server.software, f.client.software, f.capture.packets]).toEqual(['vsftpd', 'yafc', 115]);
    const a = await analyze(name);
    sameAsTshark(a, name, ['0', '5']);
    // yafc's first command is AUTH GSSAPI (530 from vsftpd), before USER: no login failure, no TLS.
    expect(a.sessions[0].commands.filter((c) => c.command !== null).map((c) => `${c.command} ${c.arg}`.trim()).slice(0, 3)).toEqual(['AUTH GSSAPI', 'USER fxa18user', 'PASS ****']);
    expect([a.sessions[0].tls, a.sessions[0].loggedIn, a.sessions[0].diagnosis]).toEqual([false, true, null]);
    expect(rows(a, (t) => [t.diagnosis?.cause ?? null])).toEqual([
      ['1.1', 'PASV', 20, 'MLSD', 24, 1, 0, 500, 25, 'fell-back', null],
      ['1.2', 'PASV', 28, 'LIST', 32, 2, 260, 226, 39, 'completed', null],
      ['1.3', 'PASV', 42, 'RETR /var/tmp/ftpcap-audit18/home/fxa18user/hello.txt', 48, 3, 511, 226, 55, 'completed', null],
      ['1.4', 'PASV', 58, 'STOR upload.txt', 62, 4, 259, 226, 69, 'completed', null],
      ['2.1', 'PASV', 93, null, null, 6, 0, null, null, 'failed', 'passive-syn-unanswered'],
      ['2.2', 'PASV', 102, null, null, 7, 0, null, null, 'failed', 'passive-syn-unanswered'],
    ]);
    // tshark names the first command after the 227 (TYPE I, frame 46); the transfer's command is RETR (frame 48).
    expect(dataStreams(name)['3']).toEqual([42, 46]);
    sameDataStreams(a, name, { '3': 48 });
    expect(await extracted(name)).toEqual({
      's1-t2-list.txt': expect.any(String),
      's1-t3-hello.txt': sha(name, 'hello.txt'),
      's1-t4-upload.txt': sha(name, 'upload.txt'),
    });
    const [diagnose, explain] = await healthyElsewhere(
      name,
      'Session 2, transfer 1: passive-syn-unanswered',
      'Session 2, transfer 2: passive-syn-unanswered',
    );
    // Before: "The server rejects the command as sent: check the client (a non-standard command, ...)";
    // then (audit 18) a server-refused diagnosis saying "nothing to change" under a "failed" status.
    // Now (audit 23) a refused probe the client recovered from: no failure, no diagnosis (fell-back).
    for (const o of [diagnose, explain]) {
      expect(o.replace(/\s+/g, ' ')).toMatch(/refused, and no failure: the server does not recognise MLSD \(500, frame 25\); the client fell back to LIST \(frame 32, transfer 1\.2\), which completed \(226, frame 39\)\. Nothing to change\./);
      expect(o).not.toMatch(/check the client \(a non-standard command/);
    }
    expect(diagnose).toMatch(/The client gave up and sent PASV 7\.1 s after the first SYN \(frame 101\)/);
  });
});

describe('5. netkit ftp (Debian ftp-ssl) to vsftpd: healthy active, then the server data SYNs dropped by the client firewall', () => {
  const name = 'a18-vsftpd-netkit-ftp';
  it(`${name}: three active transfers complete; RETR small.bin: active-syn-unanswered, 425 at frame 95`, async () => {
    const f = facts(name);
    expect([f.server.software, f.client.software, f.capture.packets]).toEqual(['vsftpd', 'netkit-ftp', 101]);
    const a = await analyze(name);
    sameAsTshark(a, name, ['0', '4']);
    expect(rows(a)).toEqual([
      ['1.1', 'PORT', 21, 'LIST', 23, 1, 260, 226, 33, 'completed'],
      ['1.2', 'PORT', 37, 'RETR hello.txt', 39, 2, 511, 226, 49, 'completed'],
      ['1.3', 'PORT', 51, 'STOR upload.txt', 53, 3, 259, 226, 63, 'completed'],
      ['2.1', 'PORT', 86, 'RETR small.bin', 88, 5, 0, 425, 95, 'failed'],
    ]);
    sameDataStreams(a, name);
    expect(transferCauses(a)).toEqual(['active-syn-unanswered']);
    expect(await extracted(name)).toEqual({
      's1-t1-list.txt': expect.any(String),
      's1-t2-hello.txt': sha(name, 'hello.txt'),
      's1-t3-upload.txt': sha(name, 'upload.txt'),
    });
    const [diagnose] = await healthyElsewhere(
      name,
      'Session 2, transfer 1: active-syn-unanswered',
    );
    expect(diagnose).toMatch(/The server sent SYN from 198\.51\.100\.20:20 to 192\.0\.2\.10:43021 at frames 89, 91, 92, 93 and 94/);
    expect(diagnose).toMatch(/dropped there — by a firewall on the client host or its segment/);
  });
});

describe('6. gftp-text to vsftpd: one session per command, closed without QUIT; then the passive SYNs dropped', () => {
  const name = 'a18-vsftpd-gftp';
  it(`${name}: four sessions; LIST, RETR, STOR complete; the fourth session passive-syn-unanswered; the multi-line 211 is one reply`, async () => {
    const f = facts(name);
    expect([f.server.software, f.client.software, f.capture.packets]).toEqual(['vsftpd', 'gftp-text', 190]);
    const a = await analyze(name);
    sameAsTshark(a, name, ['0', '2', '4', '6']);
    const feat = a.sessions[0].commands.find((c) => c.command === 'FEAT')!;
    expect([feat.reply?.code, feat.reply?.firstFrame, feat.reply?.frame]).toEqual([211, 16, 24]);
    expect(rows(a)).toEqual([
      ['1.1', 'EPSV', 33, 'LIST -al', 37, 1, 379, 226, 44, 'completed'],
      ['2.1', 'EPSV', 81, 'RETR /var/tmp/ftpcap-audit18/home/fxa18user/hello.txt', 85, 3, 511, 226, 92, 'completed'],
      ['3.1', 'EPSV', 126, 'STOR /var/tmp/ftpcap-audit18/home/fxa18user/upload.txt', 130, 5, 259, 226, 137, 'completed'],
      ['4.1', 'EPSV', 180, null, null, 7, 0, null, null, 'failed'],
    ]);
    // No QUIT: each session ends with the client's FIN, no diagnosis for it.
    expect(a.sessions.map((s) => [s.commands.some((c) => c.command === 'QUIT'), s.closedBy?.by, s.diagnosis?.cause ?? null])).toEqual([
      [false, 'client', null],
      [false, 'client', null],
      [false, 'client', null],
      // Its only transfer failed: the session says so, with the same cause.
      [false, 'client', 'passive-syn-unanswered'],
    ]);
    sameDataStreams(a, name);
    expect(transferCauses(a)).toEqual(['passive-syn-unanswered']);
    expect(await extracted(name)).toEqual({
      's1-t1-list.txt': expect.any(String),
      's2-t1-hello.txt': sha(name, 'hello.txt'),
      's3-t1-upload.txt': sha(name, 'upload.txt'),
    });
    const [diagnose] = await healthyElsewhere(
      name,
      'Session 4, transfer 1: passive-syn-unanswered',
    );
    expect(diagnose).toMatch(/The client gave up and closed the control connection 7\.1 s after the first SYN \(frame 188\)/);
  });
});

describe('7. urllib.request to vsftpd: a file, a directory (RETR 550, CWD, LIST), a missing file, then the passive SYNs dropped', () => {
  const name = 'a18-vsftpd-urllib';
  it(`${name}: RETR of a directory then its LIST: nothing to change; RETR of a missing file: the path; passive-syn-unanswered`, async () => {
    const f = facts(name);
    expect([f.server.software, f.client.software, f.capture.packets]).toEqual(['vsftpd', 'python3-urllib', 145]);
    const a = await analyze(name);
    sameAsTshark(a, name, ['0', '2', '5', '7']);
    expect(rows(a, (t) => [t.diagnosis?.cause ?? null])).toEqual([
      ['1.1', 'PASV', 20, 'RETR hello.txt', 24, 1, 511, 226, 32, 'completed', null],
      ['2.1', 'PASV', 51, 'RETR pub', 55, 3, 0, 550, 56, 'fell-back', null],
      ['2.2', 'PASV', 68, 'LIST pub', 72, 4, 64, 226, 80, 'completed', null],
      ['3.1', 'PASV', 99, 'RETR missing.txt', 103, 6, 0, 550, 104, 'failed', 'server-refused'],
      ['4.1', 'PASV', 135, null, null, 8, 0, null, null, 'failed', 'passive-syn-unanswered'],
    ]);
    sameDataStreams(a, name);
    expect(await extracted(name)).toEqual({
      's1-t1-hello.txt': sha(name, 'hello.txt'),
      's2-t2-list-pub.txt': f.files.find((x: { op: string }) => x.op === 'LIST').received.sha256,
    });
    const [diagnose, explain] = await healthyElsewhere(
      name,
      'Session 3, transfer 1: server-refused',
      'Session 4, transfer 1: passive-syn-unanswered',
    );
    // Before: "the file is unavailable: not found, or no permission" and "Check the path on the client" for pub, a directory.
    for (const o of [diagnose, explain]) {
      // A RETR of a directory the client then listed: refused, no failure (audit 23's fell-back).
      expect(o.replace(/\s+/g, ' ')).toMatch(
        /refused, and no failure: pub is a directory, not a file \(550, frame 56\); the client changed into it \(CWD pub, 250, frame 63\) and listed it instead with LIST pub \(frame 72, transfer 2\.2\), which completed \(226, frame 80\)\. Nothing to change\./,
      );
      // The missing file is still the path's fault.
      expect(o).toMatch(/550 Failed to open file at frame 104: the file is unavailable: not found, or no permission/);
    }
    expect(diagnose).toMatch(/The client gave up and closed the control connection 7\.2 s after the first SYN \(frame 143\)/);
  });
});

describe('healthy transfers of the eighteenth audit get no words of failure in transfers or sessions', () => {
  for (const name of ['a18-netkit-ftpd-tnftp', 'a18-gridftp-tnftp', 'a18-vsftpd-netkit-ftp']) {
    it(`${name}: session 1 is healthy in the JSON and its rows carry no alarm`, async () => {
      const a = await analyze(name);
      expect(a.sessions[0].transfers.every((t) => t.verdict.kind === 'completed' && t.diagnosis === null)).toBe(true);
      expect(a.sessions[0].diagnosis).toBeNull();
      const [sessions] = await outputs(name, 'sessions');
      expect(sessions.split(' 2 ')[0]).not.toMatch(ALARM);
    });
  }
});

describe('8. ftplib to pyftpdlib with reply shapes of other servers: 227 without parentheses, 150 without size, 250 instead of 226', () => {
  const name = 'a18-quirky-replies-pyftpdlib-python';
  it(`${name}: four transfers complete on 250; the 227s are read without parentheses; the dropped passive SYNs are passive-syn-unanswered`, async () => {
    const f = facts(name);
    expect([f.server.software, f.client.software, f.capture.packets]).toEqual(['pyftpdlib', 'python3-ftplib', 111]);
    const a = await analyze(name);
    sameAsTshark(a, name, ['0', '5']);
    expect(a.sessions[0].transfers[0].announce!.reply!.text).toBe('Entering Passive Mode 198,51,100,20,195,133');
    expect(rows(a, (t) => [t.announce?.endpoint ? `${t.announce.endpoint.ip}:${t.announce.endpoint.port}` : null])).toEqual([
      ['1.1', 'PASV', 16, 'LIST', 20, 1, 264, 250, 25, 'completed', '198.51.100.20:50053'],
      ['1.2', 'PASV', 32, 'RETR hello.txt', 36, 2, 511, 250, 41, 'completed', '198.51.100.20:50045'],
      ['1.3', 'PASV', 48, 'STOR upload.txt', 52, 3, 259, 250, 59, 'completed', '198.51.100.20:50093'],
      ['1.4', 'PORT', 63, 'RETR small.bin', 68, 4, 3000, 250, 77, 'completed', '192.0.2.10:45609'],
      ['2.1', 'PASV', 99, null, null, 6, 0, null, null, 'failed', '198.51.100.20:50060'],
    ]);
    // The 150 carries no size: nothing is expected of the byte count but what the data connection carried.
    expect(a.sessions[0].transfers.map((t) => t.expectedSize)).toEqual([null, null, null, null]);
    sameDataStreams(a, name);
    expect(transferCauses(a)).toEqual(['passive-syn-unanswered']);
    expect(await extracted(name)).toEqual({
      's1-t1-list.txt': expect.any(String),
      's1-t2-hello.txt': sha(name, 'hello.txt'),
      's1-t3-upload.txt': sha(name, 'upload.txt'),
      's1-t4-small.bin': sha(name, 'small.bin'),
    });
    const [diagnose, explain] = await healthyElsewhere(name, 'Session 2, transfer 1: passive-syn-unanswered');
    expect(explain).toMatch(/Verdict: transfer 1 completed: 264 bytes, all in the capture \(250, frame 25\)/);
    expect(diagnose).toMatch(/The client gave up and sent QUIT 5\.0 s after the first SYN \(frame 106\)/);
  });
});

describe('9-10. tnftp in active mode to netkit ftpd and to GridFTP, the client firewall dropping the server data SYNs', () => {
  const cases = [
    // netkit ftpd connects from port 20 and answers 425; GridFTP from an ephemeral port, and answers a multi-line 500.
    { name: 'a18-active-drop-netkit-ftpd-tnftp', software: 'netkit-ftpd', packets: 42, row: ['1.1', 'EPRT', 26, 'RETR hello.txt', 28, 1, 0, 425, 36, 'failed'], from: 20, syns: '29, 31, 32, 33, 34 and 35', reply: /7\.2 s after the first SYN the server replied 425 Can't build data connection: Connection timed out \(frame 36\)/ },
    { name: 'a18-active-drop-gridftp-tnftp', software: 'globus-gridftp-server', packets: 37, row: ['1.1', 'EPRT', 21, 'RETR hello.txt', 23, 1, 0, 500, 31, 'failed'], from: 57502, syns: '24, 26, 27, 28, 29 and 30', reply: /7\.1 s after the first SYN the server replied 500 Command failed\. : callback failed \(frame 31\)/ },
  ];
  for (const c of cases) {
    it(`${c.name}: active-syn-unanswered, dropped on the client's side; the server's failure reply is its answer to RETR`, async () => {
      const f = facts(c.name);
      expect([f.server.software, f.client.software, f.capture.packets]).toEqual([c.software, 'tnftp', c.packets]);
      const a = await analyze(c.name);
      sameAsTshark(a, c.name, ['0']);
      expect(rows(a)).toEqual([c.row]);
      const t = a.sessions[0].transfers[0];
      expect([t.connection?.server.port, t.connection?.established, t.diagnosis?.cause]).toEqual([c.from, false, 'active-syn-unanswered']);
      const [diagnose, explain] = await healthyElsewhere(c.name, 'Session 1, transfer 1: active-syn-unanswered');
      for (const o of [diagnose, explain]) {
        expect(o).toContain(`at frames ${c.syns}`);
        expect(o).toMatch(c.reply);
        expect(o).toMatch(/dropped there — by a firewall on the client host or its segment/);
        // A 500 after the server's own connection attempt is no "command not understood".
        expect(o).not.toMatch(/did not understand/);
      }
    });
  }
});

describe('11. aioftp client to vsftpd: MLSD refused twice (each time LIST after), MLST refused, RETR and STOR; then the passive SYNs dropped', () => {
  const name = 'a18-vsftpd-aioftp';
  it(`${name}: both MLSD probes say nothing to change, each naming its own LIST; passive port 50034 used twice; passive-syn-unanswered`, async () => {
    const f = facts(name);
    expect([f.server.software, f.client.software, f.capture.packets]).toEqual(['vsftpd', 'aioftp-client', 140]);
    const a = await analyze(name);
    sameAsTshark(a, name, ['0', '7']);
    expect(rows(a, (t) => [t.diagnosis?.cause ?? null])).toEqual([
      ['1.1', 'EPSV', 18, 'MLSD', 22, 1, 0, 500, 23, 'fell-back', null],
      ['1.2', 'EPSV', 28, 'LIST', 32, 2, 260, 226, 39, 'completed', null],
      ['1.3', 'EPSV', 49, 'MLSD .', 54, 3, 0, 500, 55, 'fell-back', null],
      ['1.4', 'EPSV', 60, 'LIST .', 64, 4, 260, 226, 71, 'completed', null],
      ['1.5', 'EPSV', 76, 'RETR hello.txt', 80, 5, 511, 226, 87, 'completed', null],
      ['1.6', 'EPSV', 92, 'STOR upload.txt', 96, 6, 259, 226, 103, 'completed', null],
      ['2.1', 'EPSV', 127, null, null, 8, 0, null, null, 'failed', 'passive-syn-unanswered'],
    ]);
    sameDataStreams(a, name);
    // MLST is no transfer: refused, it is a command's answer, not a transfer's.
    expect(a.sessions[0].commands.find((c) => c.command === 'MLST')?.reply?.code).toBe(500);
    expect(await extracted(name)).toEqual({
      's1-t2-list.txt': expect.any(String),
      's1-t4-list.txt': expect.any(String),
      's1-t5-hello.txt': sha(name, 'hello.txt'),
      's1-t6-upload.txt': sha(name, 'upload.txt'),
    });
    const [diagnose] = await healthyElsewhere(
      name,
      'Session 2, transfer 1: passive-syn-unanswered',
    );
    const flat = diagnose.replace(/\s+/g, ' ');
    expect(flat).toMatch(/does not recognise MLSD \(500, frame 23\); the client fell back to LIST \(frame 32, transfer 1\.2\), which completed \(226, frame 39\)/);
    expect(flat).toMatch(/does not recognise MLSD \(500, frame 55\); the client fell back to LIST \(frame 64, transfer 1\.4\), which completed \(226, frame 71\)/);
  });
});

describe('12. Perl Net::FTP to vsftpd, active: FEAT, HELP ALLO and ALLO between PORT and STOR; then the server data SYNs dropped', () => {
  const name = 'a18-vsftpd-perl';
  it(`${name}: NLST, RETR, STOR complete (STOR linked to its PORT across three other commands); RETR small.bin active-syn-unanswered`, async () => {
    const f = facts(name);
    expect([f.server.software, f.client.software, f.capture.packets]).toEqual(['vsftpd', 'perl-net-ftp', 114]);
    const a = await analyze(name);
    sameAsTshark(a, name, ['0', '4']);
    expect(rows(a, (t) => [t.connection?.server.port ?? null])).toEqual([
      ['1.1', 'PORT', 17, 'NLST', 19, 1, 36, 226, 29, 'completed', 20],
      ['1.2', 'PORT', 31, 'RETR hello.txt', 33, 2, 511, 226, 43, 'completed', 20],
      ['1.3', 'PORT', 45, 'STOR upload.txt', 68, 3, 259, 226, 78, 'completed', 20],
      ['2.1', 'PORT', 99, 'RETR small.bin', 101, 5, 0, 425, 108, 'failed', 20],
    ]);
    // tshark names the first command after the PORT (FEAT, frame 47); the transfer's command is STOR (frame 68).
    expect(dataStreams(name)['3']).toEqual([45, 47]);
    sameDataStreams(a, name, { '3': 68 });
    expect(transferCauses(a)).toEqual(['active-syn-unanswered']);
    expect(await extracted(name)).toEqual({
      's1-t1-nlst.txt': expect.any(String),
      's1-t2-hello.txt': sha(name, 'hello.txt'),
      's1-t3-upload.txt': sha(name, 'upload.txt'),
    });
    const [diagnose, explain] = await healthyElsewhere(name, 'Session 2, transfer 1: active-syn-unanswered');
    expect(explain).toMatch(/Meanwhile: FEAT \(frame 47\) → 211 Features: \(frame 56\); HELP ALLO \(frame 58\) → 214 The following commands are recognized\. \(frame 64\); ALLO 259 \(frame 66\) → 202 ALLO command ignored\. \(frame 67\)/);
    expect(diagnose).toMatch(/the server replied 425 Failed to establish connection \(frame 108\)/);
  });
});
