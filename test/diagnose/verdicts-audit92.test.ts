/**
 * Session 47: the suffix sweep's residue (scripts/sweep/suffix-sweep.mjs): captures that begin late,
 * each a committed recording with its first records left out (never new bytes).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { analyze, derived, derivedTexts, transfer } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit92-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * Client and server on one host (captures on lo and on "any"): every connection has 127.0.0.1 (or ::1)
 * at both ends, so the addresses cannot say which end is the FTP server's. A capture begun after the
 * PASV/227 (and, lftp connecting first, after the data connection's handshake) read the LIST as an
 * active transfer whose data connection was "not in the capture", and its data connection, 330 bytes
 * on the next lines, as another transfer already running. The server's end is the one that sent
 * the data a download or listing asks for (the receiver of an upload's), or the end at port 20.
 */
describe('a capture on loopback begun between the announcement and the transfer command', () => {
  it('a75-lo-healthy from frame 34 (LIST): the LIST takes its data connection, passive, 330 bytes', async () => {
    const NAME = 'a75-lo-healthy-vsftpd-lftp';
    const whole = transfer(await analyze(NAME), '1.1');
    expect([whole.request?.command, whole.mode, whole.bytes, whole.connection?.server]).toEqual(['LIST', 'passive', 330, { ip: '127.0.0.1', port: 50087 }]);
    const d = await derived(tmp, NAME, 'from-34', (f) => f >= 34);
    const s = d.a.sessions[0];
    expect(s.midstream).toBe(true);
    const t = transfer(d.a, '1.1');
    expect([t.request?.command, t.mode, t.bytes, t.reply?.code, t.announcedBeforeCapture, t.announceMaybeBeforeCapture]).toEqual(['LIST', 'passive', 330, 226, true, undefined]);
    expect([t.connection?.initiator, t.connection?.client, t.connection?.server, t.connection?.stream]).toEqual([
      'client',
      { ip: '127.0.0.1', port: 48360 },
      { ip: '127.0.0.1', port: 50087 },
      whole.connection!.stream, // the first data connection of both
    ]);
    expect(t.verdict).toMatchObject({ kind: 'unknown', why: 'midstream' });
    // No second, inferred transfer for the same connection.
    expect(s.transfers.filter((x) => x.inferred !== undefined)).toEqual([]);
    expect(s.transfers.map((x) => [x.id, x.request?.command, x.mode, x.bytes])).toEqual([
      [1, 'LIST', 'passive', 330],
      [2, 'RETR', 'passive', 131_072],
      [3, 'LIST', 'active', 330],
      [4, 'STOR', 'active', 65_536],
    ]);
    const { out } = await derivedTexts(d.file, ['summary', 'explain']);
    expect(out.summary).toContain('1.1 passive LIST 127.0.0.1:50087 ? 330 226 mid-stream');
    expect(out.explain).toContain('Its PASV or EPSV came before the capture began: the data connection is linked to it by hosts and timing.');
    expect(out.explain).not.toContain('the server uses the default data port');
    expect(out.explain).not.toContain('No data connection for it appears in the capture');
  });

  it('a75-lo-stor-denied (pyftpdlib) from frame 18 (RETR): the RETR takes its 511 bytes', async () => {
    const NAME = 'a75-lo-stor-denied-pyftpdlib-python';
    const d = await derived(tmp, NAME, 'from-18', (f) => f >= 18);
    const t = transfer(d.a, '1.1');
    expect([t.request?.command, t.mode, t.bytes, t.reply?.code, t.connection?.server.port, t.verdict.kind]).toEqual(['RETR', 'passive', 511, 226, 50034, 'unknown']);
    expect(d.a.sessions[0].transfers.map((x) => [x.request?.command, x.reply?.code])).toEqual([
      ['RETR', 226],
      ['STOR', 550],
    ]);
  });

  it('a75-lo6-any (::1) from frame 31 (LIST): the server opens it from port 20, active, complete', async () => {
    const NAME = 'a75-lo6-any-vsftpd-lftp';
    const whole = transfer(await analyze(NAME), '1.1');
    const d = await derived(tmp, NAME, 'from-31', (f) => f >= 31);
    const t = transfer(d.a, '1.1');
    expect([t.request?.command, t.mode, t.bytes, t.reply?.code, t.connection?.initiator, t.connection?.client.port]).toEqual([
      'LIST',
      'active',
      330,
      226,
      'server',
      whole.connection!.client.port,
    ]);
    expect(t.connection?.server.port).toBe(20);
    expect([t.status, t.verdict.kind]).toEqual(['complete', 'completed']);
  });
});

/**
 * A session the capture began during, whose first transfer command has no PORT/PASV before it in the
 * capture and no data connection in it: active-vsftpd-ftp from its LIST (frame 35) without the data
 * connection and 150 (36-44). RFC 959's default port is one possibility; a PORT or PASV before the
 * capture the other. Every output said "active", and explain "the server uses the default data port".
 */
describe('a transfer command with no announcement in a capture begun during its session', () => {
  it('its mode is unknown in every output, and explain does not claim the default port', async () => {
    const NAME = 'active-vsftpd-ftp';
    expect(transfer(await analyze(NAME), '1.1').announceMaybeBeforeCapture).toBeUndefined();
    const d = await derived(tmp, NAME, 'from-35-without-36-44', (f) => f >= 35 && (f < 36 || f > 44));
    const t = transfer(d.a, '1.1');
    expect([t.request?.command, t.reply?.code, t.connection, t.announceMaybeBeforeCapture, t.verdict.kind]).toEqual(['LIST', 226, null, true, 'not-captured']);
    // The next transfers' PORTs are in the capture: theirs are known.
    expect(d.a.sessions[0].transfers.slice(1).map((x) => [x.mode, x.announceMaybeBeforeCapture])).toEqual([
      ['active', undefined],
      ['active', undefined],
    ]);
    const { out } = await derivedTexts(d.file, ['summary', 'transfers', 'explain', 'diagnose']);
    expect(out.summary).toContain('1.1 unknown LIST . - - 226 complete (replies; data not captured)');
    expect(out.summary).toContain('1.2 active RETR hello.txt 192.0.2.10:51395 511 226 complete');
    expect(out.transfers).toContain('Transfer 1.1: unknown, LIST . —');
    expect(out.transfers).toContain('none in the capture, which began during the session (one before it, or the default port)');
    expect(out.explain).toContain('Transfer 1: LIST . - a directory listing in a mode the capture does not show.');
    expect(out.explain).toContain('Its mode is not known.');
    expect(out.explain).not.toContain('the server uses the default data port');
    for (const text of Object.values(out)) expect(text).not.toContain('(RFC 959 default data port)');
  });

  it("the logs leave its mode unset: Zeek's column '-', EVE's null", async () => {
    const d = await derived(tmp, 'active-vsftpd-ftp', 'from-35-without-36-44', (f) => f >= 35 && (f < 36 || f > 44));
    const zeek = (await runCli(['logs', d.file])).stdout;
    const data = zeek.split('#path\tftpcap_data')[1].split('\n');
    const fields = data.find((l) => l.startsWith('#fields'))!.split('\t').slice(1);
    const rows = data.filter((l) => l !== '' && !l.startsWith('#')).map((l) => Object.fromEntries(l.split('\t').map((v, i) => [fields[i], v])));
    expect(rows.map((r) => [r.ftpcap_transfer, r.ftpcap_mode, r['id.orig_h']])).toEqual([
      ['1', '-', '-'],
      ['2', 'active', '198.51.100.20'],
      ['3', 'active', '198.51.100.20'],
    ]);
    const eve = (await runCli(['logs', '--format', 'eve', d.file])).stdout
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l))
      .filter((e) => e.ftpcap?.transfer !== undefined);
    expect(eve.map((e) => [e.ftpcap.transfer, e.ftpcap.mode])).toContainEqual([1, null]);
    expect(eve.map((e) => [e.ftpcap.transfer, e.ftpcap.mode])).toContainEqual([2, 'active']);
  });
});

/**
 * lftp asks busybox ftpd for AUTH TLS (530), logs in in clear text, and still sends PROT P (500
 * Unknown command, frames 122-123 of a84-range-killed). The whole capture words the AUTH's refusal
 * and gives the PROT's no cause (checkProtRefused). A capture begun after the AUTH read the PROT's
 * refusal as "the server refused PROT P (encrypted data connections)": PROT sent over a control
 * connection in clear text means nothing (RFC 4217), whatever came before the capture.
 */
describe('PROT P refused over a control connection in clear text, the AUTH before the capture', () => {
  it('a84-range-killed from frame 121: no prot-refused cause', async () => {
    const NAME = 'a84-range-killed-busybox-curl-lftp';
    const protOf = (sessions: readonly { commands: { command: string | null; frame: number; reply: { code: number } | null }[] }[]) =>
      sessions.findIndex((s) => s.commands.some((c) => c.command === 'PROT'));
    const whole = await analyze(NAME);
    const w = whole.sessions[protOf(whole.sessions)];
    expect([w.tlsRefusal?.code, w.diagnosis]).toEqual([530, null]);
    const d = await derived(tmp, NAME, 'from-121', (f) => f >= 121);
    const s = d.a.sessions[protOf(d.a.sessions)];
    const prot = s.commands.find((c) => c.command === 'PROT')!;
    expect([s.midstream, s.tls, s.tlsRefusal, prot.frame, prot.reply?.code, prot.reply?.frame]).toEqual([true, false, null, d.at(122), 500, d.at(123)]);
    expect(s.diagnosis).toBeNull();
    const { out } = await derivedTexts(d.file, ['diagnose', 'explain']);
    for (const text of Object.values(out)) expect(text).not.toContain('refused PROT P');
  });
});

/**
 * The client sends TYPE, PASV and RETR with no login; vsftpd answers each 530 "Please login with USER
 * and PASS" (a85-no-login). The whole capture reads not-logged-in: no login was sent. A capture begun
 * at the greeting (its handshake lost) holds the session's start all the same; one begun after it
 * holds no login, and no refusal of one: "the server refused the login" (login-failed) claimed a
 * refusal nothing shows. Both read not-logged-in, the second saying that a login before the
 * capture, if any, is not in it.
 */
describe('commands refused for want of a login in a capture without the handshake', () => {
  const NAME = 'a85-no-login-vsftpd-python';

  it('from the greeting (frame 6): the session start is in the capture, no login was sent', async () => {
    expect(transfer(await analyze(NAME), '1.1').diagnosis?.cause).toBe('not-logged-in');
    const d = await derived(tmp, NAME, 'from-6', (f) => f >= 6);
    const t = transfer(d.a, '1.1');
    expect([d.a.sessions[0].midstream, t.request?.command, t.reply?.code, t.diagnosis?.cause, t.diagnosis?.evidence]).toEqual([
      true,
      'RETR',
      530,
      'not-logged-in',
      [d.at(11), d.at(12), d.at(13)],
    ]);
    expect(t.diagnosis?.summary).toContain('the client had sent no login before it (no USER or PASS)');
  });

  it('after the greeting (frame 8): not logged in, a login before the capture not in it', async () => {
    const d = await derived(tmp, NAME, 'from-8', (f) => f >= 8);
    const t = transfer(d.a, '1.1');
    expect([t.request?.command, t.reply?.code, t.diagnosis?.cause]).toEqual(['RETR', 530, 'not-logged-in']);
    expect(t.diagnosis?.summary).toContain('the session was not logged in, and the capture holds no login (USER and PASS)');
    expect(t.diagnosis?.advice).toContain('Whether one was sent and refused before the capture began is not in it');
    const { out } = await derivedTexts(d.file, ['diagnose', 'explain']);
    for (const text of Object.values(out)) expect(text).not.toMatch(/refused the login|login-failed/);
  });

  it("a45-kermit-login: the login's own 530 in the capture (its PASS before it) still reads login-failed", async () => {
    // C-Kermit sends PASS wrongpass (frame 15), pure-ftpd answers "530 Login authentication failed"
    // (17), then PASV, PORT and SIZE are each answered "530 You aren't logged in".
    const NAME = 'a45-kermit-login-pureftpd';
    expect(transfer(await analyze(NAME), '1.1').diagnosis?.cause).toBe('login-failed');
    const from17 = await derived(tmp, NAME, 'from-17', (f) => f >= 17);
    expect(from17.a.sessions[0].commands[0]).toMatchObject({ command: null, reply: { code: 530, frame: 1 } });
    expect(from17.a.sessions[0].transfers.map((t) => t.diagnosis?.cause)).toEqual(['login-failed', 'login-failed', 'login-failed']);
    // From the TYPE after it: nothing in the capture says a login was tried.
    const from18 = await derived(tmp, NAME, 'from-18', (f) => f >= 18);
    expect(from18.a.sessions[0].transfers.map((t) => t.diagnosis?.cause)).toEqual(['not-logged-in', 'not-logged-in', 'not-logged-in']);
  });
});

/**
 * ftpcopy asks vsftpd for MLSD over its PASV (frames 71-75), is answered 500 (77), and falls back to
 * LIST over the same PASV and data connection (78; 150 at 79, 64 bytes, 226 at 85). The drop sweep
 * lost the LIST: its 150, its data and its 226 went to the refused MLSD, which then read "aborted by
 * the server after 64 bytes". A command refused outright used no data connection: the unasked 150
 * and 226 after the refusal are a lost command's (inferred: command-lost) over the announcement the
 * refusal left standing, and the MLSD fell back to it, as in the whole capture.
 */
describe('a refused MLSD whose fallback LIST the capture lost', () => {
  it('a39-ftpcopy without frame 78: the MLSD fell back; the lost command takes the 150, 64 bytes and 226', async () => {
    const NAME = 'a39-ftpcopy-vsftpd';
    const whole = await analyze(NAME);
    expect([transfer(whole, '1.4').request?.command, transfer(whole, '1.4').verdict.kind, transfer(whole, '1.5').request?.command, transfer(whole, '1.5').bytes]).toEqual([
      'MLSD',
      'fell-back',
      'LIST',
      64,
    ]);
    const d = await derived(tmp, NAME, 'without-78', (f) => f !== 78);
    const mlsd = transfer(d.a, '1.4');
    expect([mlsd.request?.command, mlsd.reply?.code, mlsd.connection, mlsd.bytes]).toEqual(['MLSD', 500, null, 0]);
    expect(mlsd.verdict).toMatchObject({ kind: 'fell-back', fallback: { commandLost: true, transfer: '1.7', code: 226, replyFrame: d.at(85) } });
    const lost = transfer(d.a, '1.7');
    expect([lost.request, lost.inferred, lost.announce?.frame, lost.preliminary?.frame, lost.reply?.frame, lost.bytes, lost.direction]).toEqual([
      null,
      'command-lost',
      72,
      d.at(79),
      d.at(85),
      64,
      'download',
    ]);
    expect(lost.connection?.stream).toBe(transfer(whole, '1.5').connection?.stream);
    expect(lost.verdict).toMatchObject({ kind: 'unknown', why: 'command-lost', whole: true });
    for (const t of d.a.sessions[0].transfers) expect([t.id, t.status]).not.toEqual([t.id, 'aborted']);
  });
});

/**
 * Python's ftplib, reading hello.txt (511 bytes, SIZE 213 511), resets the data connection the
 * moment it has every byte (a21-client-rst-now: SO_LINGER 0); pyftpdlib, meeting the reset before
 * its own close, answers 426. The whole capture reads it completed (resetAfterWhole). With the data
 * connection's SYN and SYN-ACK lost (frames 19-20), it read "aborted by the server": a connection
 * seen without its handshake was never taken for whole. One whose first packet came after the 227
 * opened during the capture, so no byte came before it: 511 bytes of 511, all acknowledged, then the
 * client's reset. Its handshake lost, it reads not known (mid-stream), not aborted.
 */
describe("a receiver's reset after every stated byte, the data connection's handshake lost", () => {
  it('a21-client-rst-now without 19-20: not aborted', async () => {
    const NAME = 'a21-client-rst-now-pyftpdlib-python';
    expect(transfer(await analyze(NAME), '1.1').verdict.kind).toBe('completed');
    const d = await derived(tmp, NAME, 'without-19-20', (f) => f < 19 || f > 20);
    const t = transfer(d.a, '1.1');
    expect([t.request?.command, t.bytes, t.expectedSize, t.reply?.code, t.connection?.midstream, t.connection?.rst?.by, t.diagnosis]).toEqual([
      'RETR',
      511,
      511,
      426,
      true,
      'client',
      null,
    ]);
    expect([t.status, t.verdict]).toEqual(['complete', { kind: 'unknown', why: 'midstream', bytes: 511, command: d.at(22), handshakeLost: true, evidence: [d.at(18), d.at(22), d.at(26), d.at(27)] }]);
  });
});

/**
 * a61-quit-mid-proftpd, taken on the client's side (TTL 64 from the client, 63 from the server): the
 * client reads a 256 KiB RETR whole (its last ACK, frame 259) and sends QUIT meanwhile. Without the
 * burst of frames 259-264 (that ACK, the client's FIN, the 226, the 221, the server's FIN) the
 * server's last 25,192 bytes, sent again (RTO), stood unacknowledged: "data was lost on the path".
 * The capture holds those bytes arriving at the client's side: sent again and never acknowledged is
 * a loss on the path only where the capture cannot see the data arrive (pathLoss, dataVantage).
 */
describe('unacknowledged data that the capture shows arriving at the receiver', () => {
  it('a61-quit-mid-proftpd without 259-264: not known, no path loss', async () => {
    const NAME = 'a61-quit-mid-proftpd-python';
    const whole = await analyze(NAME);
    expect([whole.sessions[0].vantage?.point, transfer(whole, '1.1').verdict.kind]).toEqual(['client-side', 'completed']);
    const d = await derived(tmp, NAME, 'without-259-264', (f) => f < 259 || f > 264);
    const t = transfer(d.a, '1.1');
    expect([t.request?.command, t.bytes, t.expectedSize, t.reply, t.diagnosis]).toEqual(['RETR', 262_144, 262_144, null, null]);
    expect(t.verdict.kind).toBe('incomplete');
    expect(t.verdict).not.toHaveProperty('lost');
    expect(d.a.sessions[0].diagnosis).toBeNull();
    const { out } = await derivedTexts(d.file, ['explain', 'diagnose']);
    for (const text of Object.values(out)) expect(text).not.toMatch(/lost on the path|path-loss/);
  });
});
