/**
 * Helper a88: capture artifacts that still gave a false verdict, found by the drop sweep
 * (scripts/sweep/drop-sweep.mjs: frames removed from real captures, a capture that missed packets)
 * and the swap sweep (--opposite: neighbouring frames of the two directions written out of order).
 * Each test derives its capture from a committed fixture by removing or swapping whole records.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { analyzeFiles } from '../../src/analysis/pipeline.js';
import { analyzeWithKeys, derived, derivedTexts, path, swapped, verdicts } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-a88-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function without(name: string, drop: number[]) {
  return derived(tmp, name, `without-${drop.join('-')}`, (f) => !drop.includes(f));
}

const TEXTS = ['summary', 'transfers', 'diagnose', 'explain', 'timeline'];

describe('EPSV refused, then PASV whose 227 the capture lost: the client fell back, no server-refused failure', () => {
  // curl: EPSV (frame 15) answered 502 by Twisted (16), PASV (17), 227 (18), SYNs to the port it named unanswered (19, 21-23).
  const name = 'a82-epsv-drop-twisted-curl';

  it('without the 227 (frame 18): 1.1 fell back to PASV, whose answer the capture lost; 1.2 is the data attempt over it, failed as in the full capture', async () => {
    const d = await without(name, [18]);
    expect(verdicts(d.a)).toEqual([
      ['1.1', 'fell-back', null, null],
      ['1.2', 'failed', 'passive-syn-unanswered', null],
    ]);
    const [t1, t2] = d.a.sessions[0].transfers;
    expect(t1.verdict).toMatchObject({ kind: 'fell-back', code: 502, reply: 16, fallback: { transfer: '1.2', announce: { command: 'PASV', frame: 17 }, answerLost: { gap: d.at(20) } } });
    expect(t2.unansweredAnnounce).toEqual({ command: 'PASV', frame: 17 });
    // The PASV's reply is in the server's bytes the capture lost, which the client acknowledged (frame 20).
    const pasv = d.a.sessions[0].commands.find((c) => c.command === 'PASV')!;
    expect(pasv.noReply).toEqual({ why: 'capture-gap', gap: d.at(20), later: { command: null, frame: d.at(20), acknowledged: true }, evidence: [17, d.at(20)] });
    const { out, json } = await derivedTexts(d.file, TEXTS);
    expect(json).toEqual([
      ['1.1', 'fell-back', null],
      ['1.2', 'failed', 'passive-syn-unanswered'],
    ]);
    for (const [c, text] of Object.entries(out)) expect(text, c).not.toMatch(/server-refused|refused the command/);
    expect(out.transfers).toContain(
      "the client asked with PASV instead (frame 17), whose answer is in the server's bytes the capture lost (before frame 19): the refusal decided nothing, and what the client did over it is transfer 1.2, with its own verdict.",
    );
  });

  it('without the PASV and its 227 (frames 17-18): the client asked again in bytes the capture lost; no failure claimed', async () => {
    const d = await without(name, [17, 18]);
    expect(verdicts(d.a)).toEqual([['1.1', 'fell-back', null, null]]);
    expect(d.a.sessions[0].transfers[0].verdict).toMatchObject({ fallback: { transfer: null, announce: { command: null, frame: null }, answerLost: { gap: d.at(25) } } });
    expect(d.a.sessions[0].diagnosis).toBeNull();
    const { out } = await derivedTexts(d.file, ['transfers', 'diagnose']);
    expect(out.transfers).toContain('the client asked with another command instead, which the capture lost, with its answer (before frame 23)');
    expect(out.diagnose).not.toMatch(/server-refused/);
  });
});

describe('EPSV and PASV refused, then PORT whose 200 and the RETR the capture lost: both refusals fell back, as in the full capture', () => {
  it('a87-pasv-denied-active-drop-proftpd-tnftp without frames 47-48: 1.1 and 1.2 fell back to PORT (frame 46), whose answer is not in the capture; 1.3 failed active-syn-unanswered', async () => {
    const d = await without('a87-pasv-denied-active-drop-proftpd-tnftp', [47, 48]);
    expect(verdicts(d.a)).toEqual([
      ['1.1', 'fell-back', null, null],
      ['1.2', 'fell-back', null, null],
      ['1.3', 'failed', 'active-syn-unanswered', null],
    ]);
    expect(d.a.sessions[0].transfers[0].verdict).toMatchObject({ fallback: { transfer: '1.3', announce: { command: 'PORT', frame: 46, via: [{ command: 'PASV', frame: 44, code: 501, replyFrame: 45, transfer: '1.2' }] } } });
  });
});

describe('EPSV refused, PASV accepted, then control bytes the capture lost: what the client did over the PASV is not known, no server-refused failure', () => {
  it('a82-epsv-drop-server-side-twisted-curl without the PASV command (frame 17): the 227 (frame 18) accepted it; 1.1 fell back, 1.2 left unused', async () => {
    const d = await without('a82-epsv-drop-server-side-twisted-curl', [17]);
    expect(verdicts(d.a)).toEqual([
      ['1.1', 'fell-back', null, null],
      ['1.2', 'unused', null, null],
    ]);
    expect(d.a.sessions[0].transfers[0].verdict).toMatchObject({ fallback: { transfer: '1.2', accepted: { code: 227, frame: d.at(18) }, lostAfter: { gap: d.at(21) } } });
    const { out } = await derivedTexts(d.file, ['transfers', 'diagnose', 'explain']);
    expect(out.transfers).toContain(`the capture lost control bytes after it (before frame ${d.at(21)}), and no transfer command in the capture used it: what the client did over it is not in the capture (transfer 1.2).`);
    for (const [cmd, text] of Object.entries(out)) expect(text, cmd).not.toMatch(/server-refused|refused the command/);
  });
});

describe('EPSV refused, PASV whose 227 the capture lost, then RETR: the RETR used the PASV, not the refused EPSV', () => {
  // BusyBox wget-less ftpget: EPSV (15) answered 500 by pyftpdlib (16), PASV (17), 227 (18), SIZE, RETR missing.txt (24) answered 550 (25).
  const name = 'a27-epsv-missing-pyftpdlib-busybox';

  it('without the 227 (frame 18): 1.1 fell back to PASV; the RETR and its 550 are 1.2, over the PASV, as in the full capture', async () => {
    const d = await without(name, [18]);
    expect(verdicts(d.a)).toEqual([
      ['1.1', 'fell-back', null, null],
      ['1.2', 'failed', 'server-refused', null],
    ]);
    const [t1, t2] = d.a.sessions[0].transfers;
    expect(t1.verdict).toMatchObject({ fallback: { command: 'RETR missing.txt', frame: d.at(24), code: 550, replyFrame: d.at(25), transfer: '1.2', completed: false, announce: { command: 'PASV', frame: 17 } } });
    expect([t2.request?.command, t2.request?.frame, t2.reply?.code, t2.unansweredAnnounce]).toEqual(['RETR', d.at(24), 550, { command: 'PASV', frame: 17 }]);
    expect(t2.connection?.synFrame).toBe(d.at(19));
  });
});

describe('AUTH and its 234 lost by the capture, then the ClientHello: explicit FTPS, not implicit', () => {
  it('a83-ftpssl-healthy-vsftpd without AUTH TLS and its 234 (frames 8-10): TLS after the clear-text 220, explicit; the AUTH named as lost', async () => {
    const d = await without('a83-ftpssl-healthy-vsftpd', [8, 9, 10]);
    const s = d.a.sessions[0];
    expect([s.greeting, s.tlsMode, s.tlsFrame, s.controlGapFrame]).toEqual(['(vsFTPd 3.0.3)', 'explicit', d.at(11), d.at(11)]);
    expect(s.diagnosis?.cause).toBe('tls-hidden');
    const { out } = await derivedTexts(d.file, ['summary', 'diagnose', 'explain']);
    expect(out.summary).not.toMatch(/implicit/);
    expect(out.diagnose).toContain(`Session 1 switched to TLS at frame ${d.at(11)} (its AUTH and 234 are in bytes the capture lost)`);
    expect(out.diagnose).not.toMatch(/implicit|AUTH answered 234/);
  });

  it('a65-ftps-client-killed-retr-vsftpd-curl without AUTH SSL (frame 8) and its 234 (frame 10): explicit, as in the full capture', async () => {
    const d = await without('a65-ftps-client-killed-retr-vsftpd-curl', [8, 10]);
    const s = d.a.sessions[0];
    expect([s.tlsMode, s.tlsFrame]).toEqual(['explicit', d.at(11)]);
  });
});

describe("'no ServerHello' only when the capture lost none of the connection's bytes after the ClientHello: one rule for control and data", () => {
  it('ftps-tls13-proftpd-lftp without frames 142-148: the data connection\'s reset (frame 149) shows 385 client bytes the capture lost after its ClientHello; no tls-handshake-failed', async () => {
    // Stream 3: ClientHello (141), the server's ACK (142), ServerHello (143), the client's Finished and data (145-146), its RST (149) at seq 1101.
    const name = 'ftps-tls13-proftpd-lftp';
    const d = await without(name, [142, 143, 144, 145, 146, 147, 148]);
    const t = d.a.sessions[0].transfers[2];
    const c = t.connection!;
    expect([c.stream, c.tls?.clientHelloFrame, c.tls?.serverHelloFrame, c.gapBytes, c.undeliveredBytes]).toEqual([3, 141, null, 0, 0]);
    expect(c.rst).toMatchObject({ frame: d.at(149), by: 'client', lostBefore: 385 });
    expect(t.diagnosis).toBeNull();
    const { out } = await derivedTexts(d.file, ['summary', 'diagnose', 'explain']);
    for (const [cmd, text] of Object.entries(out)) expect(text, cmd).not.toMatch(/tls-handshake-failed|without a ServerHello/);
  });

  it('ftps-pureftpd-python without frames 67-74, 77, 78: the server\'s reset (frame 79, seq 2036) shows its 2,034 bytes the capture lost (ServerHello among them); no tls-handshake-failed', async () => {
    const d = await without('ftps-pureftpd-python', [67, 68, 69, 70, 71, 72, 73, 74, 77, 78]);
    const t = d.a.sessions[0].transfers[1];
    expect([t.connection?.tls?.clientHelloFrame, t.connection?.tls?.serverHelloFrame, t.connection?.gapBytes]).toEqual([66, null, 0]);
    expect(t.connection?.rst).toMatchObject({ frame: d.at(79), by: 'server', lostBefore: 2034 });
    expect(t.diagnosis).toBeNull();
  });

  it('a65-ftps-client-killed-retr-vsftpd-curl with its key log, without the client\'s RST on the control connection (frame 302): the server\'s alert read after the finished handshake is no failed handshake', async () => {
    const name = 'a65-ftps-client-killed-retr-vsftpd-curl';
    const keyed = (file: string): Promise<Analysis> => analyzeWithKeys(name, file);
    const d = await without(name, [302]);
    const s = (await keyed(d.file)).sessions[0];
    // The server's decode_error alert (frame 303) after the client's reset, which the capture lost: read now, after the handshake.
    expect([s.tlsDetails?.handshakeDone, s.tlsDetails?.alerts.map((x) => [x.frame, x.level, x.description])]).toEqual([true, [[d.at(303), 'fatal', 'decode_error']]]);
    expect(s.diagnosis).toBeNull();
  });
});

describe('the client\'s ABOR lost by the capture (the server acknowledged its bytes): replies and verdicts as with it', () => {
  it('abor-list-drain-proftpd-python without ABOR (frame 56): "226 Abort successful" answers the lost ABOR, the LIST ends with its 426, aborted, never completed', async () => {
    const d = await without('abor-list-drain-proftpd-python', [56]);
    const t = d.a.sessions[0].transfers[0];
    expect([t.request?.command, t.reply?.code, t.reply?.frame, t.status, t.bytes, t.clientBytesLost]).toEqual(['LIST', 426, d.at(68), 'aborted', 32_732, d.at(66)]);
    // The 226 kept as a reply no command in the capture asked for.
    expect(d.a.sessions[0].commands.find((c) => c.reply?.frame === d.at(66))).toMatchObject({ command: null, reply: { code: 226, text: 'Abort successful' } });
    const { out, json } = await derivedTexts(d.file, ['summary', 'transfers', 'diagnose', 'explain']);
    expect(json[0]).toEqual(['1.1', 'aborted', 'aborted']);
    for (const [cmd, text] of Object.entries(out)) expect(text, cmd).not.toMatch(/completed: 32,732/);
  });

  it('abor-list-vsftpd-python without ABOR (frame 55): vsftpd\'s "500 Unknown command." answers the lost line, the LIST its 426', async () => {
    const d = await without('abor-list-vsftpd-python', [55]);
    const t = d.a.sessions[0].transfers[0];
    expect([t.request?.command, t.reply?.code, t.reply?.frame, t.status]).toEqual(['LIST', 426, d.at(58), 'aborted']);
  });

  it('a84-abor-busybox-python without ABOR (frame 124): the STOR\'s 226 (frame 131) to 16,384 bytes is no "completed": the lost bytes may have held the ABOR, and nothing gives the file\'s size', async () => {
    const d = await without('a84-abor-busybox-python', [124]);
    const t = d.a.sessions[1].transfers[0];
    expect([t.request?.command, t.status, t.bytes, t.reply?.code]).toEqual(['STOR', 'complete', 16_384, 226]);
    expect(t.verdict).toMatchObject({ kind: 'unknown', why: 'abort-not-captured', bytes: 16_384, reply: d.at(131) });
    const { out, json } = await derivedTexts(d.file, ['summary', 'transfers', 'explain']);
    expect(json[1]).toEqual(['2.1', 'unknown', null]);
    for (const [cmd, text] of Object.entries(out)) expect(text, cmd).not.toMatch(/completed: 16,384/);
    expect(out.transfers).toContain('its ABOR may have been among them. Nothing in the capture says how big the file was.');
  });

  it('abor-vsftpd-python without ABOR (frame 100): the RETR aborted after 139,688 of 4,194,304 bytes, not "by a firewall\'s reset": the lost bytes may have held the ABOR', async () => {
    const d = await without('abor-vsftpd-python', [100]);
    const t = d.a.sessions[0].transfers[0];
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'client', bytes: 139_688, expected: 4_194_304 });
    const { out } = await derivedTexts(d.file, ['summary', 'transfers', 'diagnose', 'explain', 'timeline']);
    for (const [cmd, text] of Object.entries(out)) expect(text, cmd).not.toMatch(/firewall|completed/);
    expect(out.diagnose).toContain("the client's ABOR may have been among them");
  });
});

describe('a reset captured before the SYN it answered (swap-sweep --opposite): the connection was refused, as in order', () => {
  const swappedAt = (name: string, frame: number): string => swapped(tmp, name, frame);

  it('fail-passive-refused-pureftpd-ncftp, frames 31/32 swapped (the server\'s RST, ack 2190138574, before the client\'s SYN, seq 2190138573): passive-refused', async () => {
    const name = 'fail-passive-refused-pureftpd-ncftp';
    const file = swappedAt(name, 31);
    const a = await analyzeFiles([file], { fileName: file, thread: false });
    const c = a.sessions[0].transfers[0].connection!;
    expect([c.synFrame, c.rst?.frame, c.rst?.by, c.established]).toEqual([32, 31, 'server', false]);
    expect(verdicts(a)).toEqual(verdicts(await analyzeFiles([path(name)], { fileName: name, thread: false })));
    expect(a.sessions[0].transfers[0].diagnosis?.cause).toBe('passive-refused');
  });

  it('fail-active-reject-vsftpd-ftp, frames 36/37 swapped (the client\'s RST before the server\'s SYN from port 20): active-refused', async () => {
    const name = 'fail-active-reject-vsftpd-ftp';
    const file = swappedAt(name, 36);
    const a = await analyzeFiles([file], { fileName: file, thread: false });
    expect(verdicts(a)).toEqual(verdicts(await analyzeFiles([path(name)], { fileName: name, thread: false })));
    expect(a.sessions[0].diagnosis?.cause).toBe('active-refused');
  });
});
