/**
 * The forty-ninth verdict audit, on real recordings (fixtures/record.sh, "Forty-ninth verdict
 * audit"): FTP servers never recorded before.
 * BusyBox's own ftpd (1.35.0, Debian's busybox source built with its ftpd and tcpsvd applets, which
 * Debian's packages leave out), under tcpsvd, with four clients. Its quirks on the wire: every
 * success "NNN Operation successful", every error "NNN Error" (the greeting too), "227 PASV ok (…)",
 * "229 EPSV ok (|||p|)"; PORT connects from an ephemeral port; a passive listener whose RETR was
 * refused (550) keeps the client's connection unaccepted, reset at the next PASV/PORT; no ABOR
 * ("500 Unknown command"), and while it sends a file it reads no command; an active data
 * connection that cannot be opened ends the process with no reply (lftp, the kernel's SYN retries
 * shorter than ftpd's alarm) or with "421 Timeout" (python, ftpd -t 20).
 * Found and fixed here:
 * 1. a49-busybox-ftpd-python: ftplib closes the data socket (a reset, frame 288), BusyBox answers its
 *    failed write 451 (frame 289), then ftplib's ABOR (frame 290) comes: it was taken as housekeeping
 *    after a finished transfer (`lateAbortFrame`; explain: "as the transfer finishes: housekeeping, the
 *    data was already whole, nothing is aborted", beside the verdict "aborted by the client after
 *    147,688 of 4,194,304 bytes"). Now verdict.ts makes it the transfer's abort (`abortFrame`), and
 *    the diagnosis tells the steps in order, with the ABOR's 500.
 * 2. A 451 after the client's own reset was worded "the server hit a local error": now "its own error
 *    writing to the data connection the client had reset, not a second cause".
 * 3. a49-busybox-ftpd-curl session 6: curl's EPSV data connection timed out (6 s, SYNs dropped), curl
 *    sent PASV and closed the session 0 ms after the 227: passive-unreached advised "The client
 *    declined to connect … check its passive-mode settings (… curl --ftp-skip-pasv-ip)". Now it says
 *    the client gave up right after its previous data connection failed, and points at that failure.
 * owftpd (owfs 3.2p4, the one other FTP daemon of bookworm not recorded before; uftpd is not in
 * bookworm) fails its own invariant() on every new session and exits before the greeting: recorded as
 * met (session-refused, then control-refused).
 * Frames, commands and byte counts are tshark's (NAME.tshark-*.tsv), sizes and sha256 the recorder's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { runCli } from '../cli/run-cli.js';
import { analyze, dataStreams, extractedFiles, facts, ftpRows, jsonVerdicts, ourRows, outputs, path, reportPage, transferRows, tsv } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit49-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The recorder's facts of one file, by operation and path. */
const file = (name: string, op: string, p: string): Record<string, any> => facts(name).files.find((x: { op: string; path: string }) => x.op === op && x.path === p);
/** Every transfer's [id, status, verdict, cause], each session's [id, cause]. */
const verdictsOf = (a: Analysis): unknown[][] => [
  ...a.sessions.flatMap((s) => s.transfers.map((t) => [`${s.id}.${t.id}`, t.status, t.verdict.kind, t.diagnosis?.cause ?? null])),
  ...a.sessions.map((s) => [`session ${s.id}`, s.diagnosis?.cause ?? null]),
];
/** tshark's frames from one TCP port to another with these flags (tcp.flags as tshark writes it). */
const framesWith = (name: string, src: string, dst: string, flags: string): number[] =>
  tsv(name, 'fields')
    .filter((r) => r['tcp.srcport'] === src && r['tcp.dstport'] === dst && r['tcp.flags'] === flags)
    .map((r) => Number(r['frame.number']));
/** Each command of a session from `from` on: [frame, verb, its final reply's code and frame (or null)]. */
const pairs = (a: Analysis, id: number, from = 0): unknown[][] =>
  a.sessions
    .find((s) => s.id === id)!
    .commands.filter((c) => c.command !== null && c.frame >= from)
    .map((c) => [c.frame, c.command, c.reply?.code ?? null, c.reply?.frame ?? null]);
/** Every cause each output names for the fixture agrees with the model: summary --json's verdicts. */
async function jsonAgrees(name: string, a: Analysis): Promise<void> {
  expect(await jsonVerdicts(name)).toEqual(a.sessions.flatMap((s) => s.transfers.map((t) => [`${s.id}.${t.id}`, t.verdict.kind, t.diagnosis?.cause ?? null])));
}

describe('forty-ninth audit: lftp -> BusyBox ftpd', () => {
  const name = 'a49-busybox-ftpd-lftp';

  it('the recording: BusyBox ftpd under tcpsvd, what lftp saved, and the connect that ended the second ftpd', () => {
    const f = facts(name);
    expect([f.server.software, f.client.software]).toEqual(['busybox-ftpd', 'lftp']);
    expect(f.server.version).toMatch(/^BusyBox v1\.35\.0 \(Debian busybox source 1:1\.35\.0-4\+deb12u1, /);
    for (const p of ['hello.txt', 'small.bin']) expect([p, file(name, 'RETR', p).received_matches]).toEqual([p, true]);
    expect([file(name, 'STOR', 'upload.txt').size, file(name, 'STOR', 'upload.txt').received_matches]).toEqual([259, true]);
    expect([file(name, 'RETR', 'missing.txt').received, file(name, 'RETR', 'active.bin').received]).toEqual([null, null]);
    // ftpd's own log: its connect failed and it exited (tcpsvd: exit 1), writing nothing to the client.
    expect(f.server.log).toContain("ftpd[21740]: RETR active.bin|ftpd[21740]: can't connect to remote host (192.0.2.10): Connection timed out|tcpsvd: end 21740 exit 1");
    expect(f.client.messages).toContain('session 2: **** Peer closed connection|get: active.bin: Fatal error: max-retries exceeded');
  });

  it("every command and reply as tshark reads them; BusyBox's reply texts", async () => {
    const a = await analyze(name);
    expect(a.sessions.map((s) => s.stream)).toEqual([0, 6]);
    for (const s of a.sessions) expect(ourRows(a, s.id)).toEqual(ftpRows(name, String(s.stream)));
    const s1 = a.sessions[0];
    expect(s1.greeting).toMatch(/^(220 )?Operation successful$/);
    // FEAT before login refused 530, then lftp's SITE UTIME probes 500: none of them a transfer.
    expect(pairs(a, 1).slice(0, 4)).toEqual([
      [8, 'FEAT', 530, 10],
      [11, 'USER', 331, 12],
      [13, 'PASS', 230, 14],
      [15, 'FEAT', 211, 18],
    ]);
    expect(pairs(a, 1, 80).slice(0, 2)).toEqual([
      [80, 'SITE', 500, 81],
      [82, 'SITE', 500, 83],
    ]);
    // Session 2: RETR active.bin never answered.
    expect(pairs(a, 2, 149)).toEqual([
      [149, 'PORT', 200, 150],
      [151, 'RETR', null, null],
    ]);
  });

  it('the transfers: bytes, data streams as tshark links them, the refusal and the failed active connection', async () => {
    const a = await analyze(name);
    expect(transferRows(a, (t) => [t.diagnosis?.cause ?? null])).toEqual([
      ['1.1', 'PASV', 23, 'LIST', 27, 1, 345, 226, 42, 'completed', null],
      ['1.2', 'PASV', 53, 'RETR hello.txt', 57, 2, 511, 226, 62, 'completed', null],
      ['1.3', 'PASV', 67, 'STOR upload.txt', 71, 3, 259, 226, 78, 'completed', null],
      ['1.4', 'PASV', 89, 'RETR missing.txt', 93, 4, 0, 550, 94, 'failed', 'server-refused'],
      ['1.5', 'PORT', 100, 'RETR small.bin', 103, 5, 3000, 226, 115, 'completed', null],
      ['2.1', 'PORT', 149, 'RETR active.bin', 151, 7, 0, null, null, 'failed', 'active-syn-unanswered'],
    ]);
    // tshark links the three passive data streams that carried data (not the active one, stream 5).
    const streams = dataStreams(name);
    expect(Object.keys(streams)).toEqual(['1', '2', '3']);
    for (const t of a.sessions[0].transfers.slice(0, 3)) expect([t.announce!.frame, t.request!.frame]).toEqual(streams[String(t.connection!.stream)]);
    // BusyBox connects from an ephemeral port in active mode, not 20.
    expect(a.sessions[0].transfers[4].connection!.server.port).toBe(40584);
    // The missing file's data connection: opened by lftp, never accepted by ftpd (no byte, no 150),
    // lftp's FIN after the 550, the kernel's reset when the next PORT closed the listener.
    expect([framesWith(name, '36298', '45177', '0x0002'), framesWith(name, '36298', '45177', '0x0011'), framesWith(name, '45177', '36298', '0x0014')]).toEqual([[90], [95], [101]]);
    expect(a.sessions[0].transfers[3].diagnosis!.evidence).toEqual([89, 90, 91, 93, 94, 101]);
    // Session 2: six SYNs from the server (tshark), then ftpd's process exits: the server's FIN, no reply.
    expect(framesWith(name, '60756', '43007', '0x0002')).toEqual([152, 154, 155, 156, 157, 158]);
    expect(framesWith(name, '21', '50038', '0x0011')).toEqual([159]);
    expect([a.sessions[1].closedBy?.by, a.sessions[1].closedBy?.frame, a.sessions[1].closedBy?.how]).toEqual(['server', 159, 'fin']);
    const saved = await extractedFiles(name, tmp);
    expect([saved['s1-t2-hello.txt'], saved['s1-t3-upload.txt'], saved['s1-t5-small.bin']]).toEqual([
      file(name, 'RETR', 'hello.txt').received.sha256,
      file(name, 'STOR', 'upload.txt').received.sha256,
      file(name, 'RETR', 'small.bin').received.sha256,
    ]);
  });

  it('every output tells the same verdicts and causes', async () => {
    const a = await analyze(name);
    expect(verdictsOf(a)).toEqual([
      ['1.1', 'complete', 'completed', null],
      ['1.2', 'complete', 'completed', null],
      ['1.3', 'complete', 'completed', null],
      ['1.4', 'failed', 'failed', 'server-refused'],
      ['1.5', 'complete', 'completed', null],
      ['2.1', 'failed', 'failed', 'active-syn-unanswered'],
      ['session 1', null],
      ['session 2', 'active-syn-unanswered'],
    ]);
    await jsonAgrees(name, a);
    const [summary, transfers, diagnose, explain, logs] = await outputs(name, 'summary', 'transfers', 'diagnose', 'explain', 'logs');
    expect(summary).toContain('1.4 server-refused: the server refused the command');
    expect(summary).toContain('2.1 active-syn-unanswered: the server could not reach the client (active mode)');
    expect(transfers).toContain('verdict failed: the server refused the command (550, frame 94).');
    expect(transfers).toContain('verdict failed: the server could not reach the client (active mode).');
    expect(diagnose).toContain('The server sent SYN from 198.51.100.20:60756 to 192.0.2.10:43007 at frames 152, 154, 155, 156, 157 and 158');
    expect(diagnose).toContain('The server gave up and closed the control connection 7.2 s after the first SYN (frame 159)');
    expect(diagnose).toContain('The server connected from port 60756, not from port 20');
    expect(diagnose).toContain('2 of 6 transfers diagnosed (4 complete, 2 failed).');
    expect(explain).toContain('The client closes the data connection: FIN (frame 95); the server resets the data connection: RST (frame 101).');
    expect(explain).toContain('Verdict: transfer 1 failed: the server could not reach the client (active mode).');
    expect(logs).toMatch(/RETR missing\.txt failed - server-refused/);
    expect(logs).toMatch(/active RETR active\.bin failed - active-syn-unanswered/);
    const html = await reportPage(name, tmp);
    for (const cause of ['server-refused', 'active-syn-unanswered']) expect(html).toContain(cause);
  });
});

describe('forty-ninth audit: curl -> BusyBox ftpd', () => {
  const name = 'a49-busybox-ftpd-curl';

  it('the recording: what each curl returned and saved', () => {
    const f = facts(name);
    expect([f.server.software, f.client.software, f.client.version]).toEqual(['busybox-ftpd', 'curl', '7.88.1']);
    expect(f.client.results).toBe(
      'list: 0|hello.txt: 0|upload: 0|missing.txt: 78 curl: (78) The file does not exist|range: 0 |passive.bin: 28 curl: (28) Connection time-out',
    );
    expect([file(name, 'RETR', 'hello.txt').received_matches, file(name, 'STOR', 'up-curl.bin').received_matches]).toEqual([true, true]);
    // The range: curl saved big.bin's first 100000 bytes, as asked.
    expect([file(name, 'RETR', 'big.bin').size, file(name, 'RETR', 'big.bin').received.size]).toEqual([4194304, 100000]);
    expect(file(name, 'RETR', 'big.bin').note).toContain('(yes: they match');
    expect(file(name, 'RETR', 'passive.bin').received).toBeNull();
  });

  it('the range: ABOR, the reset, the RETR\'s 451 and the ABOR\'s 500, each reply paired with its own command', async () => {
    const a = await analyze(name);
    expect(a.sessions.map((s) => s.stream)).toEqual([0, 2, 4, 6, 8, 10]);
    for (const s of a.sessions) expect(ourRows(a, s.id)).toEqual(ftpRows(name, String(s.stream)));
    // tshark shows the lines in order; the pairing is ftpcap's: RETR's 451, ABOR's 500, QUIT's 221.
    expect(pairs(a, 5, 231)).toEqual([
      [231, 'RETR', 451, 654],
      [652, 'ABOR', 500, 656],
      [655, 'QUIT', 221, 658],
    ]);
    expect(framesWith(name, '40524', '38245', '0x0014')).toEqual([653]);
    const t = a.sessions[4].transfers[0];
    expect([t.abortFrame, t.lateAbortFrame, t.bytes, t.expectedSize, t.verdict.kind]).toEqual([652, undefined, 513568, 4194304, 'aborted']);
    expect(t.verdict.kind === 'aborted' && t.verdict.by).toBe('client');
    // The bytes the server sent, as tshark counts them.
    expect(tsv(name, 'fields').filter((r) => r['tcp.srcport'] === '38245').reduce((n, r) => n + Number(r['tcp.len'] || 0), 0)).toBe(513568);
  });

  it('the transfers, and the PASV curl gave up on at once after its EPSV data connection timed out', async () => {
    const a = await analyze(name);
    expect(transferRows(a, (t) => [t.diagnosis?.cause ?? null])).toEqual([
      ['1.1', 'EPSV', 16, 'LIST', 22, 1, 346, 226, 37, 'completed', null],
      ['2.1', 'EPSV', 59, 'RETR hello.txt', 67, 3, 511, 226, 72, 'completed', null],
      ['3.1', 'EPSV', 94, 'STOR up-curl.bin', 100, 5, 65536, 226, 173, 'completed', null],
      // SIZE missing.txt 550: curl never sends RETR; the EPSV data connection it opened is unused.
      ['4.1', 'EPSV', 193, null, null, 7, 0, null, null, 'unused', 'server-refused'],
      ['5.1', 'EPSV', 223, 'RETR big.bin', 231, 9, 513568, 451, 654, 'aborted', 'aborted'],
      ['6.1', 'EPSV', 673, null, null, 11, 0, null, null, 'failed', 'passive-syn-unanswered'],
      ['6.2', 'PASV', 682, null, null, null, 0, null, null, 'failed', 'passive-unreached'],
    ]);
    // Session 6: six SYNs to the EPSV port, unanswered; PASV 6 s after the first; the client's FIN 0.4 ms after the 227; no SYN to 33435.
    expect(framesWith(name, '37084', '33545', '0x0002')).toEqual([674, 676, 677, 678, 679, 680]);
    expect(framesWith(name, '59612', '21', '0x0011')).toEqual([684]);
    expect(tsv(name, 'fields').filter((r) => r['tcp.dstport'] === '33435')).toEqual([]);
    const [d61, d62] = a.sessions[5].transfers.map((t) => t.diagnosis!);
    expect(d62.evidence).toEqual([674, 682, 684]);
    expect(d62.summary).toContain(
      "That end came 0 ms after the announcement, too soon to have waited for a connection, and right after its previous data connection (transfer 6.1, to 198.51.100.20:33545) had failed: the client gave up on the transfer instead of trying this endpoint",
    );
    expect(d62.advice).toBe('The client gave up once its data connection to 198.51.100.20:33545 had failed (transfer 6.1): fix that failure; this endpoint was never tried.');
    expect(`${d62.summary} ${d62.advice}`).not.toMatch(/declined|ftp-skip-pasv-ip/);
    expect(d61.summary).toContain('The client gave up and sent PASV 6.0 s after the first SYN (frame 681)');
  });

  it('every output tells the same verdicts and causes', async () => {
    const a = await analyze(name);
    expect(verdictsOf(a)).toEqual([
      ['1.1', 'complete', 'completed', null],
      ['2.1', 'complete', 'completed', null],
      ['3.1', 'complete', 'completed', null],
      ['4.1', 'unused', 'unused', 'server-refused'],
      ['5.1', 'aborted', 'aborted', 'aborted'],
      ['6.1', 'failed', 'failed', 'passive-syn-unanswered'],
      ['6.2', 'failed', 'failed', 'passive-unreached'],
      ['session 1', null],
      ['session 2', null],
      ['session 3', null],
      ['session 4', 'server-refused'],
      ['session 5', null],
      ['session 6', 'passive-syn-unanswered'],
    ]);
    await jsonAgrees(name, a);
    const [summary, diagnose, explain, logs] = await outputs(name, 'summary', 'diagnose', 'explain', 'logs');
    expect(summary).toContain('5.1 aborted: stopped part-way');
    expect(summary).toContain("6.1 passive-syn-unanswered: the client could not reach the server's passive port");
    expect(diagnose).toContain(
      'The client sent ABOR at frame 652. The server did not take it as ABOR: it answered 500 Unknown command (frame 656). The client reset the data connection at frame 653. ' +
        'The server replied 451 Error (frame 654): its own error writing to the data connection the client had reset, not a second cause. 513568 bytes of 4194304 announced had been sent',
    );
    expect(diagnose).toContain('4 of 7 transfers diagnosed (3 complete, 1 unused, 1 aborted, 2 failed).');
    expect(explain).toContain('Verdict: transfer 1 aborted by the client after 513,568 of 4,194,304 bytes (451, frame 654).');
    expect(logs).toMatch(/passive RETR big\.bin aborted by-client aborted/);
    expect(logs).toMatch(/passive - - failed - passive-unreached/);
    const html = await reportPage(name, tmp);
    for (const cause of ['passive-syn-unanswered', 'passive-unreached', 'aborted']) expect(html).toContain(cause);
  });
});

describe('forty-ninth audit: python3 ftplib -> BusyBox ftpd', () => {
  const name = 'a49-busybox-ftpd-python';

  it('the recording: what ftplib returned (each reply a command late after the abort)', () => {
    const f = facts(name);
    expect([f.server.software, f.client.software]).toEqual(['busybox-ftpd', 'python3-ftplib']);
    expect(f.client.results).toContain('big.bin: read 100864 then closed the data connection|abort -> error_proto 451 Error|NOOP -> error_perm 500 Unknown command|QUIT -> 200 Operation successful');
    expect(f.client.results).toContain('session 2: RETR active.bin -> error_temp 421 Timeout');
    expect([file(name, 'STOR', 'up-python.bin').size, file(name, 'STOR', 'up-python.bin').received_matches]).toEqual([65536, true]);
    expect(file(name, 'RETR', 'big.bin').received.size).toBe(100000);
  });

  it('the late ABOR is the client\'s abort: the model, then every output', async () => {
    const a = await analyze(name);
    for (const s of a.sessions) expect(ourRows(a, s.id)).toEqual(ftpRows(name, String(s.stream)));
    // The client's reset (288), the 451 for the RETR (289), then ABOR, NOOP, QUIT, each answered in turn.
    expect(framesWith(name, '49900', '33045', '0x0014')).toEqual([288]);
    expect(pairs(a, 1, 157)).toEqual([
      [157, 'RETR', 451, 289],
      [290, 'ABOR', 500, 293],
      [291, 'NOOP', 200, 295],
      [294, 'QUIT', 221, 296],
    ]);
    const t = a.sessions[0].transfers[4];
    expect([t.abortFrame, t.lateAbortFrame, t.status, t.verdict.kind === 'aborted' && t.verdict.by]).toEqual([290, undefined, 'aborted', 'client']);
    expect(t.verdict.evidence).toEqual([153, 154, 155, 157, 288, 289, 290]);
    expect(t.diagnosis!.evidence).toEqual([153, 154, 155, 157, 288, 289, 290, 293]);
    expect(t.diagnosis!.summary).toContain(
      'The client reset the data connection at frame 288. The server replied 451 Error (frame 289): its own error writing to the data connection the client had reset, not a second cause. ' +
        'The client then sent ABOR at frame 290, after that reply. The server did not take it as ABOR: it answered 500 Unknown command (frame 293). 147688 bytes of 4194304 announced had been sent',
    );
    const [transfers, explain, timeline] = await outputs(name, 'transfers', 'explain', 'timeline');
    expect(explain).toContain('h. The client aborts it: ABOR (frame 290) → 500 Unknown command (frame 293). i. Verdict: transfer 5 aborted by the client after 147,688 of 4,194,304 bytes (451, frame 289).');
    // Told once, in its transfer's step: the other commands after it are the NOOP alone.
    expect(explain).toContain('Other commands: NOOP (frame 291) → 200 Operation successful (frame 295).');
    for (const text of [transfers, explain, timeline]) expect(text).not.toMatch(/housekeeping|late ABOR|nothing (is|was) aborted/);
    expect(transfers).toContain('aborted ABOR at frame 290');
  });

  it('the transfers, and the active data connection that outlasted ftpd\'s alarm (421 Timeout)', async () => {
    const a = await analyze(name);
    expect(transferRows(a, (t) => [t.diagnosis?.cause ?? null])).toEqual([
      ['1.1', 'PASV', 18, 'LIST', 22, 1, 345, 226, 39, 'completed', null],
      ['1.2', 'PASV', 44, 'RETR hello.txt', 48, 2, 511, 226, 55, 'completed', null],
      ['1.3', 'PASV', 60, 'STOR up-python.bin', 64, 3, 65536, 226, 137, 'completed', null],
      ['1.4', 'PASV', 142, 'RETR missing.txt', 146, 4, 0, 550, 147, 'failed', 'server-refused'],
      ['1.5', 'PASV', 153, 'RETR big.bin', 157, 5, 147688, 451, 289, 'aborted', 'aborted'],
      ['2.1', 'PORT', 313, 'RETR active.bin', 315, 7, 0, 421, 326, 'failed', 'active-syn-unanswered'],
    ]);
    expect(framesWith(name, '48798', '38845', '0x0002')).toEqual([316, 318, 319, 320, 321, 322, 323, 324, 325]);
    expect(verdictsOf(a)).toEqual([
      ['1.1', 'complete', 'completed', null],
      ['1.2', 'complete', 'completed', null],
      ['1.3', 'complete', 'completed', null],
      ['1.4', 'failed', 'failed', 'server-refused'],
      ['1.5', 'aborted', 'aborted', 'aborted'],
      ['2.1', 'failed', 'failed', 'active-syn-unanswered'],
      ['session 1', null],
      ['session 2', 'active-syn-unanswered'],
    ]);
    await jsonAgrees(name, a);
    const [summary, diagnose, logs] = await outputs(name, 'summary', 'diagnose', 'logs');
    expect(summary).toContain('1.5 aborted: stopped part-way');
    expect(diagnose).toContain('20 s after the first SYN the server replied 421 Timeout (frame 326)');
    expect(diagnose).toContain('3 of 6 transfers diagnosed (3 complete, 2 failed, 1 aborted).');
    expect(logs).toMatch(/passive RETR big\.bin aborted by-client aborted/);
    expect(logs).toMatch(/active RETR active\.bin failed - active-syn-unanswered/);
    const html = await reportPage(name, tmp);
    for (const cause of ['server-refused', 'aborted', 'active-syn-unanswered']) expect(html).toContain(cause);
  });
});

describe('forty-ninth audit: busybox ftpput/ftpget -> BusyBox ftpd', () => {
  const name = 'a49-busybox-ftpd-busybox';

  it('two healthy sessions and a refused RETR; every output agrees', async () => {
    const f = facts(name);
    expect(f.client.results).toBe('ftpput: 0|ftpget hello.txt: 0|ftpget missing.txt: 1 ftpget: unexpected server response to RETR: 550 Error');
    const a = await analyze(name);
    for (const s of a.sessions) expect(ourRows(a, s.id)).toEqual(ftpRows(name, String(s.stream)));
    expect(transferRows(a, (t) => [t.diagnosis?.cause ?? null])).toEqual([
      ['1.1', 'EPSV', 16, 'STOR up-busybox.txt', 20, 1, 259, 226, 27, 'completed', null],
      ['2.1', 'EPSV', 47, 'RETR hello.txt', 53, 3, 511, 226, 58, 'completed', null],
      ['3.1', 'EPSV', 81, 'RETR missing.txt', 87, 5, 0, 550, 88, 'failed', 'server-refused'],
    ]);
    // ftpget asked SIZE first (550), then RETR anyway (550), and closed without QUIT.
    expect(pairs(a, 3, 85)).toEqual([
      [85, 'SIZE', 550, 86],
      [87, 'RETR', 550, 88],
    ]);
    await jsonAgrees(name, a);
    const saved = await extractedFiles(name, tmp);
    expect([saved['s1-t1-up-busybox.txt'], saved['s2-t1-hello.txt']]).toEqual([file(name, 'STOR', 'up-busybox.txt').received.sha256, file(name, 'RETR', 'hello.txt').received.sha256]);
    const [summary, logs] = await outputs(name, 'summary', 'logs');
    expect(summary).toContain('3.1 server-refused: the server refused the command');
    expect(logs).toMatch(/RETR missing\.txt failed - server-refused/);
  });
});

describe('forty-ninth audit: owftpd exits before its greeting', () => {
  const name = 'a49-owftpd-crash-curl';

  it('the recording: owftpd asserts on the first session; the second client is refused', () => {
    const f = facts(name);
    expect(f.server.software).toBe('owftpd');
    expect(f.server.log).toContain('ftp_session.c:159: : invariant(f)');
    expect(f.client.results).toBe('session 1: curl: 56 curl: (56) response reading failed (errno: 115) || session 2 (lftp): ls: Fatal error: max-retries exceeded (Connection refused)|');
    // tshark: the server's FIN 6 ms after the handshake, nothing said; then a SYN answered with RST.
    expect([framesWith(name, '21', '54082', '0x0011'), framesWith(name, '54084', '21', '0x0002'), framesWith(name, '21', '54084', '0x0014')]).toEqual([[6], [9], [10]]);
    expect(tsv(name, 'ftp')).toEqual([]);
  });

  it('session-refused, then control-refused, in every output', async () => {
    const a = await analyze(name);
    expect(a.sessions.map((s) => [s.id, s.control.kind, s.diagnosis?.cause, s.diagnosis?.evidence, s.transfers.length])).toEqual([
      [1, 'hung-up', 'session-refused', [3, 4, 6], 0],
      [2, 'refused', 'control-refused', [9, 10], 0],
    ]);
    const [summary, diagnose, explain] = await outputs(name, 'summary', 'diagnose', 'explain');
    expect(summary).toContain('none: closed by the server before greeting');
    expect(summary).toContain('none: control refused');
    expect(diagnose).toContain('accepted the TCP connection from 192.0.2.10:54082 (SYN frame 3, SYN-ACK frame 4) and closed it (frame 6) 6 ms later, before any greeting');
    expect(diagnose).toContain('the server host 198.51.100.20 itself answered with a reset (RST) at frame 10');
    expect(explain).toMatch(/session-refused|before any greeting/);
    const json = JSON.parse((await runCli(['summary', '--json', path(name)])).stdout);
    expect(json.sessions.map((s: any) => s.diagnosis?.cause)).toEqual(['session-refused', 'control-refused']);
  });
});
