/**
 * The forty-fifth verdict audit, on real recordings (fixtures/record.sh, "Forty-fifth verdict
 * audit"): FTP software never recorded before, at the client side.
 * a45-kermit-vsftpd: C-Kermit 10 (Debian ckermit) asks AUTH TLS, TLS-P and SSL before USER (vsftpd
 * without TLS answers each 530), sends REST 0 after login, SIZE before and MDTM after each RETR, and
 * picks TYPE A for *.txt: its upload arrives as CRLF lines, stored so by vsftpd (264 bytes for the 259
 * of the local file). Then a passive get whose data SYNs the server's firewall drops (Kermit gives up
 * before RETR) and an active get whose data SYNs the client's firewall drops (425).
 * a45-erlang-proftpd: Erlang/OTP 25's ftp application: NLST, LIST, a RETR with no TYPE (proftpd's
 * ASCII: 521 bytes on the wire for a 511-byte file), a wrong password (530), an active RETR whose data
 * SYNs the client's firewall drops (proftpd connects from an ephemeral port: 425).
 * a45-ftputil-pureftpd: python3-ftputil runs its transfers in a second session; a file object read for
 * 1000 bytes of big.bin and closed resets the data connection, and pure-ftpd's last line on that
 * RETR is "150 0.002 seconds (measured here), …" — the code of the transfer's start, no 226 or 4xx.
 * Before this audit that line was taken as another preliminary reply and the RETR still waited for
 * its final one: PWD's 257, then CWD's 250 were paired with the RETR, every reply after it with the
 * command before its own, and RETR missing.txt's 550 was told as the server refusing PASV ("could not
 * open a passive data port"; advice: widen pure-ftpd's -p range).
 * Frames, commands and byte counts are tshark's (NAME.tshark-*.tsv), sizes and sha256 the recorder's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { runCli } from '../cli/run-cli.js';
import { analyze, dataStreams, extractedFiles, facts, flat, ftpRows, jsonVerdicts, ourRows, outputs, path, reportPage, transferRows, tsv } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit45-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The recorder's facts of one file, by operation, path and its place among files of that path. */
const file = (name: string, op: string, p: string, nth = 0): Record<string, any> => facts(name).files.filter((x: { op: string; path: string }) => x.op === op && x.path === p)[nth];
/** Each command of a session from `from` on: [frame, verb, its final reply's code and frame (or null)]. */
const pairs = (a: Analysis, id: number, from = 0): unknown[][] =>
  a.sessions
    .find((s) => s.id === id)!
    .commands.filter((c) => c.frame >= from)
    .map((c) => [c.frame, c.command, c.reply?.code ?? null, c.reply?.frame ?? null]);
/** Every transfer's [id, status, verdict, cause], each session's [id, cause]. */
const verdictsOf = (a: Analysis): unknown[][] => [
  ...a.sessions.flatMap((s) => s.transfers.map((t) => [`${s.id}.${t.id}`, t.status, t.verdict.kind, t.diagnosis?.cause ?? null])),
  ...a.sessions.map((s) => [`session ${s.id}`, s.diagnosis?.cause ?? null]),
];
/** Bytes a TCP port sent, from tshark's per-frame view. */
const sentFrom = (name: string, port: string): number => tsv(name, 'fields').filter((r) => r['tcp.srcport'] === port).reduce((n, r) => n + Number(r['tcp.len'] || 0), 0);

describe('forty-fifth audit: C-Kermit -> vsftpd', () => {
  const name = 'a45-kermit-vsftpd';

  it('the recording: what Kermit saved and what vsftpd stored (its TYPE A upload with CRLF line ends)', () => {
    const f = facts(name);
    expect([f.server.software, f.client.software, f.client.version]).toEqual(['vsftpd', 'c-kermit', '402~beta08-1']);
    expect(f.client.kermit_messages).toBe(
      'session 1: WARNING! 10 bare linefeeds received in ASCII mode|File might not have transferred correctly. || session 2: ftp: connect: Connection timed out || session 3: ',
    );
    expect([file(name, 'RETR', 'hello.txt').received.size, file(name, 'RETR', 'hello.txt').received_matches]).toEqual([511, true]);
    expect([file(name, 'STOR', 'up-kermit.txt').size, file(name, 'STOR', 'up-kermit.txt').received.size, file(name, 'STOR', 'up-kermit.txt').received_matches]).toEqual([259, 264, false]);
    expect(f.upload.server_file_is_local_with_crlf).toBe('yes');
    expect([file(name, 'RETR', 'small.bin').received_matches, file(name, 'RETR', 'passive.bin').received, file(name, 'RETR', 'active.bin').received]).toEqual([true, null, null]);
  });

  it("every command and reply as tshark reads them; Kermit's probes answered in order", async () => {
    const a = await analyze(name);
    expect(a.sessions.map((s) => s.stream)).toEqual([0, 6, 8]);
    for (const s of a.sessions) expect(ourRows(a, s.id)).toEqual(ftpRows(name, String(s.stream)));
    expect(pairs(a, 1).slice(1, 11)).toEqual([
      [8, 'AUTH', 530, 10],
      [11, 'AUTH', 530, 12],
      [13, 'AUTH', 530, 14],
      [15, 'USER', 331, 16],
      [17, 'PASS', 230, 19],
      [20, 'REST', 350, 22],
      [23, 'SYST', 215, 24],
      [25, 'TYPE', 200, 26],
      [27, 'MODE', 200, 28],
      [29, 'STRU', 200, 30],
    ]);
    // SIZE missing.txt refused, then PASV, the data connection opened, RETR refused.
    expect(pairs(a, 1, 95).slice(0, 4)).toEqual([
      [95, 'SIZE', 550, 96],
      [97, 'PASV', 227, 98],
      [102, 'RETR', 550, 103],
      [104, 'SIZE', 213, 105],
    ]);
    // The TLS Kermit asked for and was refused, in each session: the last AUTH's 530, no failure.
    expect(a.sessions.map((s) => s.tlsRefusal)).toEqual([
      { command: 13, mechanism: 'SSL', code: 530, reply: 14, gaveUp: false },
      { command: 144, mechanism: 'SSL', code: 530, reply: 145, gaveUp: false },
      { command: 202, mechanism: 'SSL', code: 530, reply: 203, gaveUp: false },
    ]);
  });

  it('the transfers: bytes as on the wire, each data stream as tshark links it, the failures with their causes', async () => {
    const a = await analyze(name);
    expect(transferRows(a, (t) => [t.type, t.diagnosis?.cause ?? null])).toEqual([
      ['1.1', 'PASV', 48, 'LIST', 52, 1, 260, 226, 56, 'completed', 'A', null],
      ['1.2', 'PASV', 66, 'RETR hello.txt', 70, 2, 511, 226, 77, 'completed', 'A', null],
      ['1.3', 'PASV', 82, 'STOR up-kermit.txt', 86, 3, 264, 226, 93, 'completed', 'A', null],
      ['1.4', 'PASV', 98, 'RETR missing.txt', 102, 4, 0, 550, 103, 'failed', 'A', 'server-refused'],
      ['1.5', 'PASV', 110, 'RETR small.bin', 114, 5, 3000, 226, 125, 'completed', 'I', null],
      ['2.1', 'PASV', 178, null, null, 7, 0, null, null, 'failed', null, 'passive-syn-unanswered'],
      ['3.1', 'PORT', 235, 'RETR active.bin', 237, 9, 0, 425, 244, 'failed', 'I', 'active-syn-unanswered'],
    ]);
    // tshark links the data streams that carried data (not missing.txt's, stream 4, nor the two never opened).
    const streams = dataStreams(name);
    expect(Object.keys(streams)).toEqual(['1', '2', '3', '5']);
    for (const t of a.sessions[0].transfers.filter((x) => x.bytes > 0)) expect([t.announce!.frame, t.request!.frame]).toEqual(streams[String(t.connection!.stream)]);
    // The bytes each data connection carried, as tshark counts them.
    const [list, hello, up, , small] = a.sessions[0].transfers;
    expect([list.bytes, hello.bytes, up.bytes, small.bytes]).toEqual([
      sentFrom(name, String(list.connection!.server.port)),
      sentFrom(name, String(hello.connection!.server.port)),
      sentFrom(name, String(up.connection!.client.port)),
      sentFrom(name, String(small.connection!.server.port)),
    ]);
    // extract saves what crossed: the upload as vsftpd stored it (CRLF), the downloads as Kermit saved them.
    const saved = await extractedFiles(name, tmp);
    expect([saved['s1-t2-hello.txt'], saved['s1-t3-up-kermit.txt'], saved['s1-t5-small.bin']]).toEqual([
      file(name, 'RETR', 'hello.txt').received.sha256,
      file(name, 'STOR', 'up-kermit.txt').received.sha256,
      file(name, 'RETR', 'small.bin').received.sha256,
    ]);
    // Session 2: six SYNs to the passive port, none answered (tshark), then QUIT; session 3: five from port 20.
    const syns = (port: string): number[] => tsv(name, 'fields').filter((r) => r['tcp.dstport'] === port && r['tcp.flags'] === '0x0002').map((r) => Number(r['frame.number']));
    expect(syns(String(a.sessions[1].transfers[0].connection!.server.port))).toEqual([179, 181, 182, 183, 184, 185]);
    expect(syns(String(a.sessions[2].transfers[0].connection!.client.port))).toEqual([238, 240, 241, 242, 243]);
    // The port session 2 could not reach lies among the passive ports that opened in session 1.
    const opened = a.sessions[0].transfers.map((t) => t.connection!.server.port);
    const port = a.sessions[1].transfers[0].connection!.server.port;
    expect([port, Math.min(...opened) < port && port < Math.max(...opened)]).toEqual([50014, true]);
  });

  it('every output tells the same verdicts and causes; the AUTH refusals are no failure', async () => {
    const a = await analyze(name);
    expect(verdictsOf(a)).toEqual([
      ['1.1', 'complete', 'completed', null],
      ['1.2', 'complete', 'completed', null],
      ['1.3', 'complete', 'completed', null],
      ['1.4', 'failed', 'failed', 'server-refused'],
      ['1.5', 'complete', 'completed', null],
      ['2.1', 'failed', 'failed', 'passive-syn-unanswered'],
      ['3.1', 'failed', 'failed', 'active-syn-unanswered'],
      ['session 1', null],
      ['session 2', 'passive-syn-unanswered'],
      ['session 3', 'active-syn-unanswered'],
    ]);
    expect(await jsonVerdicts(name)).toEqual(verdictsOf(a).slice(0, 7).map(([id, , kind, cause]) => [id, kind, cause]));
    const [summary, transfers, diagnose, explain, logs] = await outputs(name, 'summary', 'transfers', 'diagnose', 'explain', 'logs');
    expect(summary).toContain('1.4 server-refused: the server refused the command');
    expect(summary).toContain("2.1 passive-syn-unanswered: the client could not reach the server's passive port");
    expect(summary).toContain('3.1 active-syn-unanswered: the server could not reach the client (active mode)');
    expect(summary).toContain(
      'session 1: The server refused TLS: it answered AUTH SSL (frame 13) with 530 Please login with USER and PASS. (frame 14); the client went on in clear text (no failure',
    );
    expect(transfers).toContain('verdict failed: the server could not reach the client (active mode) (425, frame 244).');
    expect(diagnose).toContain('The client sent SYN from 192.0.2.10:50370 to 198.51.100.20:50014 at frames 179, 181, 182, 183, 184 and 185');
    expect(diagnose).toContain('The client gave up and sent QUIT 7.2 s after the first SYN (frame 186)');
    expect(diagnose).toContain('port 50014 lies among ports that had opened, so it is no part of a range left closed');
    expect(diagnose).toContain('The server sent SYN from 198.51.100.20:20 to 192.0.2.10:36255 at frames 238, 240, 241, 242 and 243');
    expect(diagnose).toContain("by a firewall on the client host or its segment. 5.0 s after the first SYN the server replied 425 Failed to establish connection (frame 244)");
    expect(diagnose).toContain('3 of 7 transfers diagnosed (4 complete, 3 failed).');
    expect(explain).toContain('Verdict: transfer 3 completed: 264 bytes, all in the capture (226, frame 93).');
    expect(explain).toContain('the client asked for TLS and the server refused it (530, frame 14): the session went on in clear text.');
    expect(logs).toMatch(/RETR missing\.txt failed - server-refused/);
    expect(logs).toMatch(/passive - - failed - passive-syn-unanswered/);
    expect(logs).toMatch(/active RETR active\.bin failed - active-syn-unanswered/);
    const html = await reportPage(name, tmp);
    for (const cause of ['server-refused', 'passive-syn-unanswered', 'active-syn-unanswered']) expect(html).toContain(cause);
  });
});

describe('forty-fifth audit: Erlang/OTP ftp -> proftpd', () => {
  const name = 'a45-erlang-proftpd';

  it('the recording: what Erlang returned and saved', () => {
    const f = facts(name);
    expect([f.server.software, f.client.software]).toEqual(['proftpd', 'erlang-ftp']);
    expect(f.client.results).toContain('get missing.txt: {error,epath}');
    expect(f.client.results).toContain('session 2: user: {error,euser}');
    expect(f.client.results).toContain('session 3: type binary: ok|get active.bin: {error,epath}');
    expect([file(name, 'RETR', 'hello.txt').size, file(name, 'RETR', 'hello.txt').received.size]).toEqual([511, 521]);
    expect([file(name, 'STOR', 'up-erlang.bin').received.size, file(name, 'STOR', 'up-erlang.bin').received_matches]).toEqual([65536, true]);
  });

  it('the transfers, the refused login and the refused file; each as tshark reads it', async () => {
    const a = await analyze(name);
    expect(a.sessions.map((s) => s.stream)).toEqual([0, 7, 8]);
    for (const s of a.sessions) expect(ourRows(a, s.id)).toEqual(ftpRows(name, String(s.stream)));
    expect(transferRows(a, (t) => [t.type, t.verdict.kind === 'completed' ? t.verdict.expected : null, t.diagnosis?.cause ?? null])).toEqual([
      ['1.1', 'PASV', 16, 'NLST', 20, 1, 36, 226, 25, 'completed', 'A', null, null],
      ['1.2', 'PASV', 28, 'LIST', 32, 2, 264, 226, 37, 'completed', 'A', null, null],
      // proftpd's ASCII: the 150 announces the file's 511 bytes, 521 cross (a CR before each of 10 LFs).
      ['1.3', 'PASV', 40, 'RETR hello.txt', 44, 3, 521, 226, 51, 'completed', 'A', 511, null],
      ['1.4', 'PASV', 56, 'RETR small.bin', 60, 4, 3000, 226, 71, 'completed', 'I', 3000, null],
      ['1.5', 'PASV', 74, 'STOR up-erlang.bin', 78, 5, 65536, 226, 166, 'completed', 'I', null, null],
      ['1.6', 'PASV', 169, 'RETR missing.txt', 173, 6, 0, 550, 175, 'failed', 'I', null, 'server-refused'],
      ['3.1', 'PORT', 207, 'RETR active.bin', 209, 9, 0, 425, 217, 'failed', 'I', null, 'active-syn-unanswered'],
    ]);
    const streams = dataStreams(name);
    expect(Object.keys(streams)).toEqual(['1', '2', '3', '4', '5']);
    for (const t of a.sessions[0].transfers.filter((x) => x.bytes > 0)) expect([t.announce!.frame, t.request!.frame]).toEqual(streams[String(t.connection!.stream)]);
    const saved = await extractedFiles(name, tmp);
    expect([saved['s1-t3-hello.txt'], saved['s1-t4-small.bin'], saved['s1-t5-up-erlang.bin']]).toEqual([
      file(name, 'RETR', 'hello.txt').received.sha256,
      file(name, 'RETR', 'small.bin').received.sha256,
      file(name, 'STOR', 'up-erlang.bin').received.sha256,
    ]);
    expect(a.sessions[1].transfers).toEqual([]);
    expect(a.sessions[1].diagnosis).toMatchObject({ cause: 'login-failed', evidence: [184, 187, 189, 190] });
    // Erlang ends its sessions without QUIT: its FIN after the last reply, no failure.
    expect(a.sessions.map((s) => s.commands.some((c) => c.command === 'QUIT'))).toEqual([false, false, false]);
    expect(a.sessions.map((s) => s.control)).toMatchObject([{ kind: 'opened', closedBy: 'client', how: 'fin' }, { kind: 'opened', closedBy: 'client', how: 'fin' }, { kind: 'opened', closedBy: 'client', how: 'fin' }]);
  });

  it('every output tells the same verdicts and causes', async () => {
    const a = await analyze(name);
    expect(verdictsOf(a)).toEqual([
      ['1.1', 'complete', 'completed', null],
      ['1.2', 'complete', 'completed', null],
      ['1.3', 'complete', 'completed', null],
      ['1.4', 'complete', 'completed', null],
      ['1.5', 'complete', 'completed', null],
      ['1.6', 'failed', 'failed', 'server-refused'],
      ['3.1', 'failed', 'failed', 'active-syn-unanswered'],
      ['session 1', null],
      ['session 2', 'login-failed'],
      ['session 3', 'active-syn-unanswered'],
    ]);
    expect(await jsonVerdicts(name)).toEqual(verdictsOf(a).slice(0, 7).map(([id, , kind, cause]) => [id, kind, cause]));
    const [summary, diagnose, logs] = await outputs(name, 'summary', 'diagnose', 'logs');
    expect(summary).toContain('session 2: The server refused the login of fxa45user: it answered PASS (frame 187) with 530 Login incorrect. (frame 189); no listing or transfer could follow. [login-failed]');
    expect(diagnose).toContain('The server answered RETR (frame 173) with 550 missing.txt: No such file or directory at frame 175: the file does not exist on the server.');
    // proftpd connects from an ephemeral port (tshark's SYNs), not from 20: the diagnosis says so.
    const syns = tsv(name, 'fields').filter((r) => r['tcp.dstport'] === '48511' && r['tcp.flags'] === '0x0002');
    expect(syns.map((r) => [Number(r['frame.number']), r['ip.src'], r['tcp.srcport']])).toEqual([210, 212, 213, 214, 215, 216].map((f) => [f, '198.51.100.20', '39659']));
    expect(diagnose).toContain('The server sent SYN from 198.51.100.20:39659 to 192.0.2.10:48511 at frames 210, 212, 213, 214, 215 and 216');
    expect(diagnose).toContain('The server connected from port 39659, not from port 20');
    expect(diagnose).toContain('7.1 s after the first SYN the server replied 425 Unable to build data connection: Connection timed out (frame 217)');
    expect(logs).toMatch(/RETR missing\.txt failed - server-refused/);
    expect(logs).toMatch(/active RETR active\.bin failed - active-syn-unanswered/);
  });
});

describe("forty-fifth audit: python3-ftputil -> pure-ftpd (a RETR ended by pure-ftpd's \"150 … seconds\" line)", () => {
  const name = 'a45-ftputil-pureftpd';

  it('the recording: ftputil read 1000 bytes of big.bin and closed it; its next commands were answered in order', () => {
    const f = facts(name);
    expect([f.server.software, f.client.software]).toEqual(['pure-ftpd', 'python3-ftputil']);
    expect(f.client.results).toContain('open big.bin: read 1000 then closed');
    // What it saved: big.bin's first 1000 bytes of its 4194304.
    const big = file(name, 'RETR', 'big.bin');
    expect([big.size, big.received.size, big.received_matches, big.note.endsWith("big.bin's first 1000 bytes: yes")]).toEqual([4194304, 1000, false, true]);
    expect(f.client.results).toContain("download missing.txt: FTPIOError 550 Can't open missing.txt: No such file or directory");
    // tshark: the client's reset of the data connection, then pure-ftpd's last line on the RETR under 150.
    const rows = tsv(name, 'ftp').filter((r) => r['tcp.stream'] === '2' && ['246', '248', '249', '259', '260'].includes(r['frame.number']));
    expect(rows.map((r) => [r['frame.number'], r['ftp.request.command'] || r['ftp.response.code'], r['ftp.response.arg']])).toEqual([
      ['246', '150', '0.002 seconds (measured here), 58.77 Mbytes per second'],
      ['248', 'PWD', ''],
      ['249', '257', '"/" is your current location'],
      ['259', 'RETR', ''],
      ['260', '550', "Can't open missing.txt: No such file or directory"],
    ]);
  });

  it("the replies after the RETR's closing 150 answer the commands sent after it", async () => {
    const a = await analyze(name);
    expect(a.sessions.map((s) => s.stream)).toEqual([0, 2]);
    for (const s of a.sessions) expect(ourRows(a, s.id)).toEqual(ftpRows(name, String(s.stream)));
    expect(pairs(a, 2, 146)).toEqual([
      [146, 'RETR', null, null],
      [248, 'PWD', 257, 249],
      [250, 'CWD', 250, 251],
      [252, 'TYPE', 200, 253],
      [254, 'PASV', 227, 255],
      [259, 'RETR', 550, 260],
      // pure-ftpd's "Logout." after the client's FIN, under the code of its last reply: nothing asked for it.
      [265, null, 550, 265],
    ]);
    const retr = a.sessions[1].commands.find((c) => c.frame === 146)!;
    expect(retr.preliminary.map((p) => [p.code, p.frame])).toEqual([
      [150, 147],
      [150, 246],
    ]);
  });

  it('RETR big.bin: aborted by the client (its reset), no final reply; RETR missing.txt: the 550 answers the RETR', async () => {
    const a = await analyze(name);
    const client = String(a.sessions[1].transfers[3].connection!.client.port);
    const rst = tsv(name, 'fields').find((r) => r['frame.number'] === '245')!;
    expect([rst['tcp.srcport'], rst['tcp.flags']]).toEqual([client, '0x0014']);
    expect(transferRows(a, (t) => [t.diagnosis?.cause ?? null, t.closingLine ? [t.closingLine.code, t.closingLine.frame] : null])).toEqual([
      ['1.1', 'PASV', 24, 'LIST', 28, 1, 284, 226, 35, 'completed', null, null],
      ['1.2', 'PASV', 100, 'LIST', 104, 5, 362, 226, 109, 'completed', null, null],
      ['2.1', 'PASV', 59, 'RETR hello.txt', 63, 3, 511, 226, 70, 'completed', null, null],
      ['2.2', 'PASV', 79, 'STOR up-ftputil.txt', 83, 4, 259, 226, 90, 'completed', null, null],
      ['2.3', 'PASV', 122, 'STOR up-ftputil.txt', 126, 6, 259, 226, 133, 'completed', null, null],
      ['2.4', 'PASV', 142, 'RETR big.bin', 146, 7, sentFrom(name, '50051'), null, null, 'aborted', 'aborted', [150, 246]],
      ['2.5', 'PASV', 255, 'RETR missing.txt', 259, 8, 0, 550, 260, 'failed', 'server-refused', null],
    ]);
    expect(sentFrom(name, '50051')).toBe(108064);
    // pure-ftpd's rounded "4096.0 kbytes to download" (frame 147): its range, never an exact `expected` (verdicts-audit47).
    expect(a.sessions[1].transfers[3].verdict).toEqual({
      kind: 'aborted',
      by: 'client',
      bytes: 108064,
      expected: null,
      about: { kbytes: 4096, low: 4194253, high: 4194355, frame: 147 },
      cause: 'aborted',
      evidence: [142, 143, 144, 146, 245],
    });
    const streams = dataStreams(name);
    // tshark links the data streams that carried data or a reply it pairs (not missing.txt's, stream 8).
    expect(Object.keys(streams)).toEqual(['1', '3', '4', '5', '6', '7']);
    for (const t of a.sessions.flatMap((s) => s.transfers).filter((x) => streams[String(x.connection!.stream)])) {
      expect([t.announce!.frame, t.request!.frame]).toEqual(streams[String(t.connection!.stream)]);
    }
    const saved = await extractedFiles(name, tmp);
    expect([saved['s2-t1-hello.txt'], saved['s2-t3-up-ftputil.txt']]).toEqual([file(name, 'RETR', 'hello.txt').received.sha256, file(name, 'STOR', 'up-ftputil.txt').received.sha256]);
    expect(a.sessions.map((s) => s.diagnosis)).toEqual([null, null]);
  });

  it('every output: the RETR aborted by the client, the missing file refused at its RETR, never a refused PASV', async () => {
    const a = await analyze(name);
    expect(verdictsOf(a)).toEqual([
      ['1.1', 'complete', 'completed', null],
      ['1.2', 'complete', 'completed', null],
      ['2.1', 'complete', 'completed', null],
      ['2.2', 'complete', 'completed', null],
      ['2.3', 'complete', 'completed', null],
      ['2.4', 'aborted', 'aborted', 'aborted'],
      ['2.5', 'failed', 'failed', 'server-refused'],
      ['session 1', null],
      ['session 2', null],
    ]);
    expect(await jsonVerdicts(name)).toEqual(verdictsOf(a).slice(0, 7).map(([id, , kind, cause]) => [id, kind, cause]));
    const [summary, transfers, diagnose, explain, timeline, logs] = await outputs(name, 'summary', 'transfers', 'diagnose', 'explain', 'timeline', 'logs');
    for (const text of [summary, transfers, diagnose, explain]) expect(text).not.toMatch(/answered PASV|passive data port|PassivePortRange/);
    expect(summary).toContain('2.4 aborted: stopped part-way');
    expect(summary).toContain('2.5 server-refused: the server refused the command');
    expect(transfers).toContain(
      "reply none: the server's last line was 150 0.002 seconds (measured here), 58.77 Mbytes per s… (frame 246), under the code of the transfer's start verdict aborted by the client after 108,064 of about 4,194,304 bytes (the 150 at frame 147 announced 4096.0 kbytes, rounded: 4,194,253 to 4,194,355 bytes).",
    );
    expect(diagnose).toContain('The client reset the data connection at frame 245. 108064 bytes of about 4194304 announced (the 150 at frame 147 said 4096.0 kbytes, rounded: 4194253 to 4194355 bytes) had been sent; the client\'s reset acknowledged every one of them: its TCP had them all, and its process closed the connection without reading them to the end.');
    expect(diagnose).not.toContain('The server replied 250');
    expect(diagnose).toContain("The server answered RETR (frame 259) with 550 Can't open missing.txt: No such file or directory at frame 260: the file does not exist on the server.");
    expect(explain).toContain(
      "150 0.002 seconds (measured here), 58.77 Mbytes per second (frame 246): the server's last line on the transfer, under the code of its start: no final reply (226, or an error) followed.",
    );
    expect(explain).toContain('PWD (frame 248) → 257 "/" is your current location (frame 249)');
    expect(timeline).toContain('246 38514 < 150 0.002 seconds (measured here), 58.77 M... - 21 0.268028 248 38514 ---------------------- PWD');
    expect(logs).toMatch(/RETR big\.bin aborted by-client aborted/);
    expect(logs).toMatch(/RETR missing\.txt failed - server-refused/);
    const j = JSON.parse((await runCli(['summary', '--json', path(name)])).stdout);
    expect(j.sessions[1].transfers[3]).toMatchObject({ status: 'aborted', reply: null, closingLine: { code: 150, frame: 246 }, verdict: { kind: 'aborted', by: 'client' } });
    expect(j.sessions[1].transfers[4]).toMatchObject({ status: 'failed', reply: { code: 550, frame: 260 }, diagnosis: { cause: 'server-refused' } });
  });
});

describe('forty-fifth audit: C-Kermit -> pure-ftpd after a refused login (PASV, PORT, SIZE each 530)', () => {
  const name = 'a45-kermit-login-pureftpd';

  it('the recording: the login failed, Kermit went on, nothing was transferred', () => {
    const f = facts(name);
    expect([f.server.software, f.client.software]).toEqual(['pure-ftpd', 'c-kermit']);
    expect(f.client.kermit_messages).toBe(
      'session 1: TLS rejected as an authentication type|FTP login failed.|open status 0|Passive mode refused|ftp: bind: Address already in use|ftp: bind: Address already in use',
    );
    expect(f.files.map((x: { path: string; received: unknown }) => [x.path, x.received])).toEqual([
      ['hello.txt', null],
      ['secret.bin', null],
      ['ro/denied.txt', null],
    ]);
  });

  it("session 1's refused PASV and PORTs are the failed login's, not a fallback to session 2's PASV nor a refused passive port", async () => {
    const a = await analyze(name);
    for (const s of a.sessions) expect(ourRows(a, s.id)).toEqual(ftpRows(name, String(s.stream)));
    expect(pairs(a, 1, 15)).toEqual([
      [15, 'PASS', 530, 17],
      [18, 'TYPE', 200, 20],
      [21, 'PASV', 530, 22],
      [23, 'PORT', 530, 24],
      [25, 'SIZE', 530, 26],
      [27, 'PORT', 530, 28],
      [29, 'QUIT', 221, 30],
    ]);
    // tshark: every one of those 530s says why.
    const texts = tsv(name, 'ftp').filter((r) => ['22', '24', '26', '28'].includes(r['frame.number'])).map((r) => r['ftp.response.arg']);
    expect(texts).toEqual(Array(4).fill("You aren't logged in"));
    expect(a.sessions[0]).toMatchObject({ loggedIn: false, login: 'failed', loginRefusal: { command: 15, verb: 'PASS', code: 530, reply: 17 } });
    // Before this audit: 1.1-1.3 'fell-back' (a chain of refused probes recovered by session 2's PASV), no diagnosis.
    expect(transferRows(a, (t) => [t.status, t.diagnosis?.cause ?? null, t.diagnosis?.evidence ?? null])).toEqual([
      ['1.1', 'PASV', 22, null, null, null, 0, null, null, 'failed', 'failed', 'login-failed', [15, 17, 21, 22]],
      ['1.2', 'PORT', 23, null, null, null, 0, null, null, 'failed', 'failed', 'login-failed', [15, 17, 23, 24]],
      ['1.3', 'PORT', 27, null, null, null, 0, null, null, 'failed', 'failed', 'login-failed', [15, 17, 27, 28]],
      ['2.1', 'PASV', 67, 'RETR secret.bin', 71, 2, 0, 550, 72, 'failed', 'failed', 'server-refused', [67, 68, 69, 71, 72, 76]],
      ['2.2', 'PASV', 77, 'STOR ro/denied.txt', 81, 3, 0, 553, 82, 'failed', 'failed', 'server-refused', [77, 78, 79, 81, 82, 85]],
    ]);
    expect(a.sessions.map((s) => s.diagnosis?.cause ?? null)).toEqual(['login-failed', 'server-refused']);
  });

  it('every output: login-failed for session 1 and its three refused announcements, no fallback, no passive-range advice', async () => {
    const a = await analyze(name);
    expect(await jsonVerdicts(name)).toEqual(a.sessions.flatMap((s) => s.transfers.map((t) => [`${s.id}.${t.id}`, t.verdict.kind, t.diagnosis?.cause ?? null])));
    expect((await jsonVerdicts(name)).map((x) => x[2])).toEqual(['login-failed', 'login-failed', 'login-failed', 'server-refused', 'server-refused']);
    const [summary, transfers, diagnose, explain] = await outputs(name, 'summary', 'transfers', 'diagnose', 'explain');
    for (const text of [summary, transfers, diagnose, explain]) {
      expect(text).not.toMatch(/fell back|refused, and no failure|passive data port|PassivePortRange|will not connect to the address/);
    }
    expect(summary).toContain('1.1 login-failed: the server refused the login');
    expect(summary).toContain('1.3 login-failed: the server refused the login');
    expect(diagnose).toContain(
      "The server answered PASV (frame 21) with 530 You aren't logged in at frame 22: the session was not logged in: the server had refused its login (PASS, frame 15, answered 530 Login authentication failed at frame 17), and refuses every command but a login until one succeeds. No data connection was attempted.",
    );
    expect(diagnose).toContain("The server answered PORT (frame 27) with 530 You aren't logged in at frame 28: the session was not logged in");
    expect(diagnose).toContain('The server answered RETR (frame 71) with 550 Can\'t open secret.bin: Permission denied at frame 72: the server denies the user access to the file.');
    expect(transfers).toContain('verdict failed: the server refused the login (user name or password, or an account not allowed to use FTP).');
    expect(explain).toContain('Verdict: transfer 1 failed: the server refused the login');
  });
});
