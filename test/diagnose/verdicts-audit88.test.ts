/**
 * Session 43: the control connection cut by a router's idle timeout while a slow RETR ran, captured at
 * the client, at the server and on the router itself (tcpdump -i any): tri-ctrl-idle-cut-*. curl reads
 * 262,144 bytes at 24 kB/s; the router forgets the idle control connection after 3 s and drops what
 * comes on it as INVALID: the server's 226, sent again and again, then the client's FIN when curl gives
 * up ("FTP response timeout", exit 28). The router's capture holds both sides' unacknowledged repeats;
 * the control connection's fact took the client's FIN (looked at first) and the transfer read
 * "completed: 262,144 bytes … (226)" there — the 226 that never reached the client. Found by merging
 * the ctrl-idle-cut client and server captures (mergecap), then recorded for real on the router.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { analyzeFiles } from '../../src/analysis/pipeline.js';
import { analyze, analyzeWithKeys, derived, derivedTexts, flagged, flat, ftpRows, jsonVerdicts, outputs, path, swapped, transfer, tsv, verdicts } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit88-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const BASE = 'tri-ctrl-idle-cut';
const name = (point: string): string => `${BASE}-${point}-vsftpd-curl`;

describe('a control connection cut by an idle timeout, seen at three points', () => {
  it('every point: the data whole, the final reply lost (control-cut), never completed', async () => {
    for (const point of ['client-side', 'server-side', 'router']) {
      const a = await analyze(name(point));
      expect(verdicts(a), point).toEqual([['1.1', 'reply-lost', 'control-cut', null]]);
      expect(transfer(a, '1.1').bytes, point).toBe(262_144);
      expect(await jsonVerdicts(name(point)), point).toEqual([['1.1', 'reply-lost', 'control-cut']]);
    }
  });

  it('the router: the 226 (frame 1127), sent again 8 times, is the cut; not the client FIN given up on later (frame 1136)', async () => {
    const a = await analyze(name('router'));
    const u = a.sessions[0].controlConnection.unacknowledged!;
    expect([u.by, u.frame, u.repeats]).toEqual(['server', 1127, [1128, 1129, 1130, 1131, 1132, 1133, 1134, 1135]]);
    const t = transfer(a, '1.1');
    expect(t.verdict).toMatchObject({ kind: 'reply-lost' });
    const d = t.diagnosis!;
    expect(d.evidence).toEqual([31, 33, 35, 47, 49, 1119, 1127, 1128]);
    expect(flat(d.summary)).toContain('The server\'s final reply, 226 Transfer complete (frame 1127), never reached the client: it was sent again 8 times (frames 1128, 1129, 1130, 1131, 1132, 1133, 1134 and 1135) and never acknowledged');
    for (const text of await outputs(name('router'), 'summary', 'transfers', 'explain')) expect(text).not.toMatch(/completed: 262,144/);
  });

  it('the client side: no 226 arrived; the client FIN repeated is the evidence', async () => {
    const a = await analyze(name('client-side'));
    const u = a.sessions[0].controlConnection.unacknowledged!;
    expect([u.by, u.fin, u.bytes]).toEqual(['client', true, 0]);
    expect(transfer(a, '1.1').reply).toBeNull();
  });
});

/**
 * The drop sweep (scripts/sweep/drop-sweep.mjs) over audits 82–85's captures: a capture that missed
 * netkit ftpd-ssl's greeting, the client's AUTH SSL and the 234 (frames 6–10 of the first session)
 * then holds the server's clear-text 421 after the failed handshake as the server's first line. The
 * session read "turned away (421) … instead of a greeting"; the capture lost what came first.
 */
describe('a refusal after control bytes the capture lost is not the server\'s first word', () => {
  const name = 'a83-ftpdssl-tls-fails-server-side-three-clients';

  it('tshark: 220 at frame 6, AUTH SSL at 8, 234 at 10, the 421 at 13', () => {
    expect(ftpRows(name, '0').filter(([, v]) => /^\d{3}$|^AUTH$/.test(v))).toEqual([[6, '220'], [8, 'AUTH'], [10, '234'], [13, '421']]);
  });

  it('without frames 6-10: not turned away at the greeting (before: turned-away, session-refused)', async () => {
    const full = await analyze(name);
    expect(full.sessions[0].control.kind).toBe('opened');
    const d = await without(name, [6, 7, 8, 9, 10]);
    expect(d.a.sessions[0].controlGapFrame).toBe(d.at(12));
    expect(d.a.sessions[0].control.kind).toBe('opened');
    expect(d.a.sessions[0].diagnosis?.cause).not.toBe('session-refused');
    const { out } = await derivedTexts(d.file, ['sessions', 'diagnose']);
    expect(out.sessions).not.toContain('turned away');
    expect(out.diagnose).not.toContain('instead of a greeting');
  });
});

/**
 * The drop sweep again: pyftpdlib's 426 "Transfer aborted via ABOR." to an upload whose ABOR the capture
 * lost (frame 108 of a84-abor-pyftpdlib-python). The server acknowledged the six bytes in the 426's own
 * segment, so the capture shows that client bytes came before that reply; it read "aborted by the
 * server" and advised "The server dropped the transfer: check its log and disk space".
 */
describe('an error reply after client bytes the capture lost names no stopper', () => {
  const name = 'a84-abor-pyftpdlib-python';

  it('tshark: STOR at 81, ABOR at 108, the 426 at 110 (and the 226 ending the ABOR at 114)', () => {
    expect(ftpRows(name, '2').filter(([f]) => f >= 81)).toEqual([[81, 'STOR'], [82, '150'], [108, 'ABOR'], [110, '426'], [114, '226'], [116, 'QUIT'], [117, '221']]);
  });

  it('the full capture: aborted by the client (its ABOR); without frame 108: aborted, by nobody the capture can name', async () => {
    const full = await analyze(name);
    expect(transfer(full, '2.1').verdict).toMatchObject({ kind: 'aborted', by: 'client', bytes: 16_384 });
    const d = await without(name, [108]);
    const t = transfer(d.a, '2.1');
    expect(t.clientBytesLost).toBe(d.at(110));
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: null, bytes: 16_384 });
    const text = flat(t.diagnosis!.summary + ' ' + t.diagnosis!.advice);
    expect(text).toContain(`the server had them: it acknowledged them by frame ${d.at(110)}); the client's ABOR may have been among them`);
    expect(text).not.toContain('The server dropped the transfer');
    const { out } = await derivedTexts(d.file, ['transfers']);
    expect(out.transfers).toMatch(/STOR a84-up\.bin — aborted ┌/);
    expect(out.transfers).not.toContain('aborted by the server');
  });
});

/**
 * The swap sweep (scripts/sweep/swap-sweep.mjs --opposite) over audit 83's captures: the client's
 * ClientHello written before the 234 that began TLS (two NIC queues or `-i any` can write neighbouring
 * packets of the two directions in the other order; the ClientHello's segment acknowledges the 234).
 * TLS began at the ClientHello for both directions, the 234 was read as TLS bytes, and a healthy
 * session read "tls-handshake-failed: the connection closed after the ClientHello"; with the key log,
 * nothing after it was decrypted.
 */
describe("the ClientHello captured before the 234 it acknowledged", () => {
  const summary = (a: Analysis): unknown[] => a.sessions.map((s) => [s.id, s.diagnosis?.cause ?? null, s.tlsMode ?? null, s.user, s.transfers.map((t) => `${t.status}/${t.verdict.kind}`)]);

  it('without keys (ftp-ssl -> vsftpd): the same story as in order, tls-hidden, no handshake failure', async () => {
    const name = 'a83-ftpssl-healthy-vsftpd';
    expect(ftpRows(name, '0').slice(1, 3)).toEqual([[8, 'AUTH'], [10, '234']]);
    const full = await analyze(name);
    const a = await analyzeFiles([swappedAt(name, 10)], { fileName: name, thread: false });
    expect(a.sessions[0].diagnosis?.cause).toBe('tls-hidden');
    expect(summary(a)).toEqual(summary(full));
  });

  it('the 234 lost altogether: the server\'s records after the lost stretch are TLS from the ClientHello on, never read as lines', async () => {
    // The client's side turns to TLS at its ClientHello (it acknowledged server bytes not yet come);
    // the server's next bytes follow a gap where the 234 was, and start TLS there.
    const name = 'a83-ftpssl-healthy-vsftpd';
    const d = await without(name, [10]);
    const s = d.a.sessions[0];
    expect([s.tlsMode, s.tlsFrame, s.opaqueBytes]).toEqual(['explicit', d.at(11), { client: 1651, server: 3108 }]);
    expect(s.commands.map((c) => c.command)).toEqual([null, 'AUTH']);
    // The handshake is read from the ServerHello after the lost stretch (before: "the connection closed
    // after the ClientHello without a ServerHello", tls-handshake-failed, for a session that went on).
    expect(s.tlsDetails?.serverHelloFrame).toBe(d.at(14)); // after the HelloRetryRequest (frame 12)
    expect(s.diagnosis?.cause).toBe('tls-hidden');
    expect(flat(s.diagnosis!.summary)).toContain(`switched to TLS at frame ${d.at(11)} (AUTH TLS; its 234 is not in the capture)`);
  });

  it('with the key log (curl -> vsftpd): every command and reply decrypted, both transfers completed, as in order', async () => {
    const name = 'ftps-ciphers-vsftpd-curl';
    const withKeys = (file: string): Promise<Analysis> => analyzeWithKeys(name, file);
    const full = await withKeys(path(name));
    const a = await withKeys(swappedAt(name, 10));
    expect(summary(a)).toEqual(summary(full));
    expect(a.sessions.flatMap((s) => s.transfers.map((t) => [t.request?.arg, t.bytes, t.reply?.code]))).toEqual([['hello.txt', 511, 226], ['small.bin', 3000, 226]]);
    expect(a.sessions[0].commands.map((c) => [c.command, c.reply?.code ?? null])).toEqual(full.sessions[0].commands.map((c) => [c.command, c.reply?.code ?? null]));
  });
});

/**
 * The drop sweep over the FTPS fixtures: a capture that lost the server's ServerHello (frame 14 of
 * a65-ftps-abor-retr-vsftpd-python, TLS 1.3 after a HelloRetryRequest) read "tls-handshake-failed: the
 * connection closed after the ClientHello without a ServerHello", though both sides' records went on
 * for 200 frames. A ServerHello the capture may have lost is no handshake that failed.
 */
describe('a ServerHello the capture lost is not a failed handshake', () => {
  const name = 'a65-ftps-abor-retr-vsftpd-python';

  it('with the key log: the full capture decrypted, no diagnosis; without frame 14: tls-hidden (what the capture cannot show), not tls-handshake-failed', async () => {
    const keyed = (file: string): Promise<Analysis> => analyzeWithKeys(name, file);
    const full = await keyed(path(name));
    expect([full.sessions[0].tlsDetails?.serverHelloFrame, full.sessions[0].tlsDetails?.decryption]).toEqual([14, 'decrypted']);
    const d = await without(name, [14]);
    const a = await keyed(d.file);
    const s = a.sessions[0];
    expect([s.tlsDetails?.serverHelloFrame, s.controlGapFrame]).toEqual([null, d.at(16)]);
    expect(s.diagnosis?.cause).toBe('tls-hidden');
    expect(a.sessions.flatMap((x) => x.transfers).every((t) => t.diagnosis?.cause !== 'tls-handshake-failed')).toBe(true);
  });
});

function without(name: string, drop: number[]) {
  return derived(tmp, name, `without-${drop.join('-')}`, (f) => !drop.includes(f));
}

const swappedAt = (name: string, frame: number): string => swapped(tmp, name, frame);

/**
 * swap-sweep --opposite over audit 86: aria2c's resume (REST 75296, then RETR) with the RETR written
 * before the 350 it acknowledges (two NIC queues). The offset was kept for the next transfer command,
 * so the RETR asked for all 150,000 bytes: "aborted by the client after 74,704 of 150,000 bytes" for a
 * resume that completed. A REST's 350 that comes after the transfer command restarts that command.
 */
describe('a REST answered after the RETR it restarts', () => {
  const name = 'a86-cut-aria2c-vsftpd';
  it('tshark: REST at 183, 350 at 184, RETR at 185 (stream 4)', () => {
    expect(ftpRows(name, '4').filter(([f]) => f >= 183 && f <= 186)).toEqual([[183, 'REST'], [184, '350'], [185, 'RETR'], [186, '150']]);
  });

  it('RETR captured before the 350: the resume from 75,296 completed, as in order', async () => {
    const a = await analyzeFiles([swappedAt(name, 184)], { fileName: name, thread: false });
    const t = a.sessions[2].transfers[0];
    expect([t.request?.frame, t.request?.arg, t.restOffset, t.expectedSize, t.bytes, t.reply?.code, t.status, t.verdict.kind]).toEqual([184, 'a86-c.bin', 75296, 150000, 74704, 226, 'complete', 'completed']);
    expect(t.diagnosis).toBeNull();
    expect(verdicts(a)).toEqual(verdicts(await analyze(name)));
  });
});

/**
 * The same sweep over audit 87: zftp's PASV refused (501), then PORT, with the PORT written before the
 * 501 it acknowledges. The PORT reached the session before the refusal, and the fallback chain,
 * comparing the PORT's frame with the 501's, saw no announcement after the refused PASV: "failed,
 * server-refused" for a probe the client got past. The control parser now gives a command on only
 * once the server bytes its segment acknowledged have come (heldRequests), and the chain compares
 * when each announcement was asked.
 */
describe('a command captured before the reply it acknowledged', () => {
  const name = 'a87-pasv-denied-active-reject-proftpd-zftp';
  it('tshark: PASV at 19, its 501 at 20, PORT at 21 (acknowledging the 501), 200 at 22, RETR at 23, 425 at 26', () => {
    expect(ftpRows(name, '0').filter(([f]) => f >= 19 && f <= 26)).toEqual([[19, 'PASV'], [20, '501'], [21, 'PORT'], [22, '200'], [23, 'RETR'], [26, '425']]);
  });

  it('PORT before the 501: the PASV fell back, the RETR over the PORT failed at its data connection (active-refused), as in order', async () => {
    const a = await analyzeFiles([swappedAt(name, 20)], { fileName: name, thread: false });
    const s = a.sessions[0];
    expect(s.commands.slice(6, 10).map((c) => [c.frame, c.command, c.reply?.code, c.reply?.frame])).toEqual([
      [19, 'PASV', 501, 21],
      [20, 'PORT', 200, 22],
      [23, 'RETR', 425, 26],
      [27, 'QUIT', 221, 28],
    ]);
    expect(s.transfers.map((t) => [t.id, t.announce?.command, t.verdict.kind, t.diagnosis?.cause ?? null])).toEqual([
      [1, 'PASV', 'fell-back', null],
      [2, 'PORT', 'failed', 'active-refused'],
    ]);
    expect(verdicts(a)).toEqual(verdicts(await analyze(name)));
  });
});

/**
 * swap-sweep --opposite over every fixture: the client's ACK ending a data connection's handshake
 * written before the SYN-ACK it acknowledged. The SYN-ACK then read as one sent again and the
 * connection was never established: yafc's RETR of a missing file (550), its data connection reset by
 * netkit ftpd afterwards, read "the client's data connection was refused" (passive-refused) instead of
 * the server's refusal of the file. A SYN-ACK the initiator had already acknowledged completes the
 * handshake there; the round trip toward the client measured from it is none (a capture at the client).
 */
describe("a handshake's ACK captured before its SYN-ACK", () => {
  it('tshark: yafc stream 4: SYN 64, SYN-ACK 65, ACK 66; RETR 67 answered 550 at 68', () => {
    expect([flagged('a23-netkit-ftpd-yafc', '0x0002', '34473'), flagged('a23-netkit-ftpd-yafc', '0x0012', '34473'), flagged('a23-netkit-ftpd-yafc', '0x0010', '34473')[0]]).toEqual([[64], [65], 66]);
    expect(ftpRows('a23-netkit-ftpd-yafc', '0').filter(([f]) => f >= 67 && f <= 68)).toEqual([[67, 'RETR'], [68, '550']]);
  });

  it('the 550 stays the failure (server-refused), the connection established at its SYN-ACK (frame 66)', async () => {
    const name = 'a23-netkit-ftpd-yafc';
    const a = await analyzeFiles([swappedAt(name, 65)], { fileName: name, thread: false });
    const t = a.sessions[0].transfers[3];
    expect([t.request?.frame, t.connection?.synFrames, t.connection?.synAckFrames, t.connection?.established, t.connection?.establishedFrame]).toEqual([67, [64], [66], true, 66]);
    expect([t.verdict.kind, t.diagnosis?.cause]).toEqual(['failed', 'server-refused']);
    expect(verdicts(a)).toEqual(verdicts(await analyze(name)));
  });

  it("pyftpdlib's drained upload reset by the client stays completed (every byte acknowledged before the reset)", async () => {
    const name = 'a25-stor-drained-rst-pyftpdlib-python';
    const a = await analyzeFiles([swappedAt(name, 18)], { fileName: name, thread: false });
    const t = a.sessions[0].transfers[0];
    expect([t.request?.command, t.bytes, t.reply?.code, t.status, t.verdict.kind, t.diagnosis]).toEqual(['STOR', 98304, 226, 'complete', 'completed', null]);
    expect(verdicts(a)).toEqual(verdicts(await analyze(name)));
  });
});

/**
 * Recorded this session (fixtures/record.sh sc_tri_data_drop_client_side_vsftpd_wget): for 4 s the
 * router drops the server's data past 40 kB of each data connection; wget's read timeout (2 s) closes
 * the data connection and the session, its stack resets the server's data sent again after that, and
 * it resumes with REST. At the server and at the router the transfer read "aborted: the client reset
 * the data connection … look at the client side": the reset only answered data for a socket closed
 * whole (no ACK) after the client's own FIN, and that FIN came after the server had been sending its
 * data again for 1.8 s with the client's acknowledgement stuck: the data had stopped arriving.
 */
describe('data dropped by a router mid-transfer, the client giving up after waiting', () => {
  const point = (p: string): string => `tri-data-drop-${p}-vsftpd-wget`;
  it('tshark, server side: the client acknowledged 37649 (frame 88), the server sent 37649 again from frame 99, the client FIN at 102 and its RST (no ACK) at 260', () => {
    // The view holds raw sequence numbers: the client's FIN acknowledges what frame 88 did, the server's frame 99 resends from there.
    const rows = tsv(point('server-side'), 'fields').filter((r) => ['88', '99', '102', '260'].includes(r['frame.number']));
    const ackOf88 = rows[0]['tcp.ack_raw'];
    expect(rows.map((r) => [r['frame.number'], r['tcp.srcport'], r['tcp.flags'], r['tcp.ack_raw'] === ackOf88 || r['tcp.seq_raw'] === ackOf88])).toEqual([
      ['88', '37928', '0x0010', true],
      ['99', '50031', '0x0010', true],
      ['102', '37928', '0x0011', true],
      ['260', '37928', '0x0004', false],
    ]);
  });

  it('server side and router: path-loss with the bytes lost, never "look at the client side"; the client side: stalled; the resume completed at every point', async () => {
    for (const [p, cause] of [['client-side', 'stalled'], ['server-side', 'path-loss'], ['router', 'path-loss']] as const) {
      const a = await analyze(point(p));
      // wget resumed in a new session (its read timeout closed the first).
      const [first, resume] = [a.sessions[0].transfers[0], a.sessions[1].transfers[0]];
      expect([p, first.verdict.kind, first.diagnosis?.cause, resume.restOffset, resume.verdict.kind]).toEqual([p, 'aborted', cause, 37648, 'completed']);
      expect(first.diagnosis!.advice).not.toMatch(/look at the client side/);
      if (p !== 'client-side') expect(first.verdict.kind === 'aborted' && first.verdict.lost).toEqual({ sent: 71440, acknowledged: 37648 });
    }
  });

  it("the session says its transfer's cause (before: no session diagnosis, the reset read as the client's choice); a client that closed mid-transfer while data still arrived stays its choice", async () => {
    for (const [p, cause] of [['client-side', 'stalled'], ['server-side', 'path-loss'], ['router', 'path-loss']] as const) {
      expect([p, (await analyze(point(p))).sessions[0].diagnosis?.cause]).toEqual([p, cause]);
    }
    // a38-ascii-cut session 3: the client closed past 120,000 wire bytes, its stack reset the data still coming: stopped by the client.
    const cut = await analyze('a38-ascii-cut-vsftpd-python');
    expect([cut.sessions[2].transfers[0].verdict.kind, cut.sessions[2].diagnosis]).toEqual(['aborted', null]);
  });

  it('a killed server that still acknowledged data until its close stays aborted by the server (not path loss)', async () => {
    const a = await analyze('tri-stor-server-killed-client-side-vsftpd-curl');
    expect(a.sessions[0].transfers[0].diagnosis?.cause).toBe('aborted');
  });
});

/**
 * The same sweep: curl's PASV written before the EPSV refusal (550) it acknowledged. The refused PASV
 * is curl's retry of the refused EPSV (retry-refused: one operation, one failure), but by frames it
 * was asked before that refusal came, so it read a second failure of its own (server-refused).
 * A command sent with none waiting for its reply (Command.sentWaiting), after the command the refusal
 * answered, was asked after that refusal.
 */
describe('a retry written before the refusal it acknowledged', () => {
  const name = 'a27-passive-refused-vsftpd-curl';
  it('tshark: EPSV 17, 550 18, PASV 19, 550 20', () => {
    expect(ftpRows(name, '0').filter(([f]) => f >= 17 && f <= 20)).toEqual([[17, 'EPSV'], [18, '550'], [19, 'PASV'], [20, '550']]);
  });

  it('PASV before the EPSV refusal: still the refused retry of the failed EPSV, as in order', async () => {
    const a = await analyzeFiles([swappedAt(name, 18)], { fileName: name, thread: false });
    const s = a.sessions[0];
    expect(s.commands.slice(4, 6).map((c) => [c.frame, c.command, c.reply?.frame, c.sentWaiting ?? 0])).toEqual([[17, 'EPSV', 19, 0], [18, 'PASV', 20, 0]]);
    expect(s.transfers.map((t) => [t.announce?.command, t.status, t.diagnosis?.cause ?? null])).toEqual([['EPSV', 'failed', 'server-refused'], ['PASV', 'retry-refused', null]]);
    expect(verdicts(a)).toEqual(verdicts(await analyze(name)));
  });
});
