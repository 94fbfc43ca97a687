/**
 * Session 46: the drop sweep's residue (scripts/sweep/drop-sweep.mjs), single frames first. Each
 * capture here is a committed recording with whole records left out (never new bytes).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze, analyzeWithKeys, derived, derivedTexts, path, transfer } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit91-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * The end of a data connection lost with a burst: a40-upload-pause without frames 97–99 (the
 * client's FIN, the server's FIN, the last ACK) and a64-ipv6-ptb-1280 server side without 113–119
 * (the download's last segments, the client's ACK and FIN, the server's ACK), each followed by 226.
 * The transfer is not known (data-end-lost.ts); its diagnosis read "stalled" and "path-loss", a
 * cause nothing in the capture shows. A not-known transfer gets no diagnosis, as for a lost reply.
 * (Frames after the cut are renumbered: the 226s are frames 97 and 113 of the derived captures.)
 */
describe('a data connection end lost with a burst, its 226 captured', () => {
  it('a40-upload-pause without 97-99: not known, no stall', async () => {
    const NAME = 'a40-upload-pause-vsftpd-python';
    expect(transfer(await analyze(NAME), '1.1').status).toBe('complete');
    const d = await derived(tmp, NAME, 'without-97-99', (f) => f < 97 || f > 99);
    const t = transfer(d.a, '1.1');
    expect([t.request?.command, t.bytes, t.reply?.code, t.status, t.diagnosis]).toEqual(['STOR', 49_152, 226, 'incomplete', null]);
    expect(t.verdict).toMatchObject({ kind: 'incomplete', why: 'data-end-not-captured', dataEndLost: { reply: 97, lastData: 93 } });
    expect(d.a.sessions[0].diagnosis).toBeNull();
    const { out } = await derivedTexts(d.file, ['explain', 'diagnose']);
    for (const text of Object.values(out)) expect(text).not.toMatch(/stalled|stopped sending/);
  });

  it('a64-ipv6-ptb-1280 server side without 113-119: not known, no path loss', async () => {
    const NAME = 'a64-ipv6-ptb-1280-server-side-vsftpd-curl';
    const d = await derived(tmp, NAME, 'without-113-119', (f) => f < 113 || f > 119);
    const t = transfer(d.a, '1.1');
    expect([t.request?.command, t.reply?.code, t.status, t.diagnosis]).toEqual(['RETR', 226, 'incomplete', null]);
    expect(t.verdict).toMatchObject({ kind: 'incomplete', why: 'data-end-not-captured', dataEndLost: { reply: 113, lastData: 112 } });
    expect(d.a.sessions[0].diagnosis).toBeNull();
    const { out } = await derivedTexts(d.file, ['explain', 'diagnose']);
    for (const text of Object.values(out)) expect(text).not.toMatch(/path-loss|lost on the path/);
  });
});

/**
 * inetutils-ftpd answers busybox's RETR of a missing file with 550 (frame 65); busybox closes the
 * data connection and the control connection without QUIT, and the server says "221 You could at
 * least say goodbye." (frame 68). With the 550 lost, the 221 was taken for the RETR's final reply:
 * "completed: 0 bytes (221)". A 221 with no QUIT waiting is the server closing, never a transfer's
 * reply; the client's FIN acknowledged the lost bytes, so the RETR's reply is in them: not known.
 */
describe("a 221 with no QUIT waiting, after a transfer command's lost reply", () => {
  const NAME = 'put-missing-inetutils-ftpd-busybox';

  it('the 550 lost: not confirmed, the 221 kept as the server closing', async () => {
    const full = transfer(await analyze(NAME), '2.1');
    expect([full.request?.command, full.reply?.code, full.status, full.diagnosis?.cause]).toEqual(['RETR', 550, 'failed', 'server-refused']);
    const d = await derived(tmp, NAME, 'without-65', (f) => f !== 65);
    const t = transfer(d.a, '2.1');
    expect([t.reply, t.bytes, t.status, t.verdict.kind, t.diagnosis]).toEqual([null, 0, 'incomplete', 'incomplete', null]);
    expect(t.replyInGap).toMatchObject({ why: 'capture-gap', later: { command: null, acknowledged: true } });
    const unasked = d.a.sessions[1].commands.find((c) => c.reply?.code === 221);
    expect([unasked?.command, unasked?.reply?.frame, unasked?.reply?.text]).toEqual([null, 67, 'You could at least say goodbye.']);
    const { out } = await derivedTexts(d.file, ['transfers', 'explain']);
    expect(out.transfers).toContain('not confirmed: 0 bytes moved, and its final reply came in the');
    for (const text of Object.values(out)) expect(text).not.toMatch(/completed: 0 bytes/);
  });
});

/**
 * tnftp's EPSV (frame 34) names port 50029; a router resets the SYN (frame 37) and tnftp falls back
 * to EPRT (frame 38, "200 EPRT command successful" at 39), then RETR hello.txt: 511 bytes over the
 * server's connection from port 20, 226. With the EPRT lost, the RETR took the refused EPSV
 * endpoint and read "completed according to the server, but 511 of its bytes are missing: the
 * capture lost them". The 200 with no command waiting names the active command the capture lost:
 * the RETR used that announcement, and the connection beside it most likely carried its data.
 */
describe('an active command lost after a refused passive one, its 200 captured', () => {
  const NAME = 'a87-pasv-router-rst-fallback-vsftpd-tnftp';

  it('without the EPRT (frame 38): the RETR not known (announce-lost), never completed with its bytes missing', async () => {
    const a = await analyze(NAME);
    expect([transfer(a, '1.1').status, transfer(a, '1.1').diagnosis?.cause, transfer(a, '1.2').request?.command, transfer(a, '1.2').bytes]).toEqual(['failed', 'passive-refused', 'RETR', 511]);
    const d = await derived(tmp, NAME, 'without-38', (f) => f !== 38);
    const t = transfer(d.a, '1.1');
    expect([t.request?.command, t.request?.arg, t.reply?.code, t.status, t.diagnosis]).toEqual(['RETR', 'hello.txt', 226, 'incomplete', null]);
    expect(t.verdict).toMatchObject({ kind: 'unknown', why: 'announce-lost', announceLost: { gap: d.at(40), stream: 2, syn: d.at(41) } });
    const { out } = await derivedTexts(d.file, ['transfers', 'diagnose']);
    expect(out.transfers).toContain('(tcp.stream 2, SYN frame 40)');
    for (const text of Object.values(out)) expect(text).not.toMatch(/the capture lost them, not the transfer/);
  });
});

/**
 * busybox uploads with PORT (frame 95, "200 Operation successful" at 96), STOR, 16,384 bytes, then
 * ABOR (frame 127) and, 6 s later, its FIN and QUIT; the server answers 226. Whole: aborted by the
 * client. With the PORT's 200 lost, the gap that held it took the transfer off the running list
 * with its announcement's command, so the ABOR found nothing running: "completed: 16,384 bytes".
 * An announcement's reply in a gap ends the announcement's wait, not the transfer.
 */
describe("a PORT's reply lost before an aborted upload", () => {
  const NAME = 'a84-abor-active-busybox-python';

  it('without frame 96: the PORT answered in the gap, the STOR still aborted by the client at its ABOR', async () => {
    const d = await derived(tmp, NAME, 'without-96', (f) => f !== 96);
    const port = d.a.sessions[1].commands.find((c) => c.command === 'PORT');
    expect(port?.reply).toBeNull();
    expect(port?.noReply).toMatchObject({ why: 'capture-gap', later: { command: 'STOR' } });
    const t = transfer(d.a, '2.1');
    expect([t.request?.command, t.bytes, t.abortFrame, t.reply?.code, t.status, t.verdict.kind, t.diagnosis?.cause]).toEqual(['STOR', 16_384, d.at(127), 226, 'aborted', 'aborted', 'aborted']);
    expect(transfer(await analyze(NAME), '2.1').status).toBe('aborted');
    const { out } = await derivedTexts(d.file, ['transfers']);
    expect(out.transfers).toContain('aborted by the client after 16,384 bytes (226, frame 133).');
  });
});

/**
 * lftp resumes a67-resume.bin (120,000 bytes) from proftpd with REST 47784; proftpd's 150 counts the
 * 72,216 bytes left to send, 47,784 come before lftp times out again (aborted, stalled). proftpd
 * is known by the session's greeting (frame 121): without it the 150's count was taken for the whole
 * file, the resume owed 24,432 bytes and read "completed: 47,784 bytes". The other sessions to the
 * same server (1 and 3) greet as ProFTPD: its 150 counted what was left (settleRestCounts).
 */
describe("a resume's 150 in a session whose greeting the capture lost", () => {
  const NAME = 'a67-lftp-timeout-resume-proftpd';

  it('without the 220 (frame 121): 47,784 of 72,216 bytes, aborted and stalled as whole', async () => {
    const full = transfer(await analyze(NAME), '2.1');
    const d = await derived(tmp, NAME, 'without-121', (f) => f !== 121);
    const t = transfer(d.a, '2.1');
    expect(d.a.sessions[1].greeting).toBeNull();
    expect(t.restCountUnsure).toBe(72_216);
    expect([t.restOffset, t.expectedSize, t.bytes, t.status, t.diagnosis?.cause]).toEqual([47_784, 120_000, 47_784, 'aborted', 'stalled']);
    expect([t.expectedSize, t.status, t.diagnosis?.cause]).toEqual([full.expectedSize, full.status, full.diagnosis?.cause]);
    const { out } = await derivedTexts(d.file, ['transfers']);
    expect(out.transfers).toContain('47,784 of 72,216 bytes');
    expect(out.transfers).not.toContain('completed: 47,784 bytes');
  });
});

/**
 * vsftpd reads curl's rate-limited upload: curl's last segment (frame 162) carries its last 832
 * bytes and its FIN; vsftpd acknowledges them (24002, frame 164), closes 3.7 s later (165) and says
 * 226. Without frame 162 the upload's data ends in 833 bytes the capture lost, which the server
 * acknowledged, with no FIN from the client: the server's close read as giving up on a silent
 * client, "aborted by the server after 23,168 bytes". The client's FIN may be the last of those
 * bytes (DataConnection.endLost): the server's close after them is the ordinary one.
 */
describe("an upload whose last segment, with the client's FIN, the capture lost", () => {
  const NAME = 'a40-server-rate-vsftpd-curl';

  it('without frame 162: completed with 833 bytes missing from the capture, no abort', async () => {
    expect(transfer(await analyze(NAME), '2.1').status).toBe('complete');
    const d = await derived(tmp, NAME, 'without-162', (f) => f !== 162);
    const t = transfer(d.a, '2.1');
    expect(t.connection?.endLost).toEqual({ client: d.at(164) });
    expect(t.connection?.finUnseen).toBeUndefined();
    expect([t.request?.command, t.bytes, t.connection?.gapBytes, t.reply?.code, t.status, t.verdict.kind, t.diagnosis]).toEqual(['STOR', 23_168, 833, 226, 'complete', 'completed', null]);
    const { out } = await derivedTexts(d.file, ['transfers', 'explain', 'diagnose']);
    for (const text of Object.values(out)) expect(text).not.toMatch(/aborted by the server/);
  });

  it("a sender that never answered the receiver's FIN: its lost last segment is no close (a60-retr-blackhole without frame 76)", async () => {
    // pyftpdlib's download dies on a path that drops it; the client acknowledges frame 76, then gives up after 4 s (FIN, frame 82) unanswered.
    const d = await derived(tmp, 'a60-retr-blackhole-pyftpdlib-python', 'without-76', (f) => f !== 76);
    const t = transfer(d.a, '1.1');
    expect(t.connection?.endLost).toEqual({ server: d.at(77) });
    expect(t.connection?.finAcked.client).toBe(false);
    expect(t.status).toBe('aborted');
  });
});

/**
 * pyftpdlib answers a QUIT sent during a STOR with "221 Goodbye." and finishes the upload (226).
 * Without the QUIT (frame 285), the server's 221 shows it had client bytes the capture lost; they
 * read as a possible ABOR, and the upload "not known: its ABOR may be in them". A 221 answers the
 * first of those bytes: a QUIT, after which nothing more comes. Completed, as whole.
 */
describe('a QUIT during an upload, lost, its 221 captured', () => {
  it('a61-quit-mid-pyftpdlib without frame 285: completed', async () => {
    const NAME = 'a61-quit-mid-pyftpdlib-python';
    expect(transfer(await analyze(NAME), '2.1').verdict.kind).toBe('completed');
    const d = await derived(tmp, NAME, 'without-285', (f) => f !== 285);
    const t = transfer(d.a, '2.1');
    expect([t.request?.command, t.clientBytesLost, t.reply?.code, t.status, t.verdict.kind]).toEqual(['STOR', undefined, 226, 'complete', 'completed']);
    expect(d.a.sessions[1].commands.find((c) => c.reply?.code === 221)?.command).toBeNull();
  });
});

/**
 * lftp copies a68-slow.bin from vsftpd to pyftpdlib (FXP): PASV to vsftpd (frame 30), its 227 (31)
 * naming 198.51.100.20:50034, PORT with that endpoint to pyftpdlib (32), STOR, RETR, 226 on both.
 * Without the 227, the PORT naming vsftpd's address read as an FTP bounce on a completed copy. The
 * PASV sent before the PORT, unanswered in the capture, to the server the PORT names, by the same
 * client: the PORT names what its reply gave (fxp.ts passiveReplyLost). A healthy copy, no diagnosis.
 */
describe("an FXP copy whose source's 227 the capture lost", () => {
  const NAME = 'a68-fxp-abort-oob-vsftpd-pyftpdlib-python';

  it('without frame 31: paired as FXP, no bounce', async () => {
    const full = await analyze(NAME);
    expect(transfer(full, '2.1').fxp).toEqual({ session: 1, transfer: 1 });
    const d = await derived(tmp, NAME, 'without-31', (f) => f !== 31);
    const put = transfer(d.a, '2.1');
    const get = transfer(d.a, '1.1');
    expect([get.announce, get.request?.command, put.announce?.endpoint]).toEqual([null, 'RETR', { ip: '198.51.100.20', port: 50034 }]);
    expect([put.fxp, get.fxp]).toEqual([{ session: 1, transfer: 1 }, { session: 2, transfer: 1 }]);
    expect([put.status, put.diagnosis, get.diagnosis]).toEqual(['complete', null, null]);
    const { out } = await derivedTexts(d.file, ['diagnose', 'explain', 'transfers']);
    for (const text of Object.values(out)) expect(text).not.toMatch(/bounce/i);
  });
});

/**
 * ncftpput is killed mid-upload: the client's FIN ends the data connection (the server had
 * advertised zero windows on the way, then read it all), vsftpd answers 226 (frame 243) and meets
 * the client's reset. Whole: not known (client gone). Without the 226 the upload read "stalled:
 * the server advertised a zero window, it stopped reading", though the data connection ended with
 * the client's FIN, every byte acknowledged: what is missing is the final reply, not data.
 */
describe('an upload whose data ended whole, its final reply lost', () => {
  const NAME = 'a63-killed-upload-ncftp-resume-vsftpd';

  it('without the 226 (frame 243): no stall diagnosis', async () => {
    const d = await derived(tmp, NAME, 'without-243', (f) => f !== 243);
    const t = transfer(d.a, '1.1');
    expect([t.request?.command, t.bytes, t.reply, t.connection?.zeroWindowFrames.length, t.diagnosis]).toEqual(['STOR', 98_304, null, 12, null]);
    expect(d.a.sessions[0].diagnosis).toBeNull();
    const { out } = await derivedTexts(d.file, ['diagnose', 'explain']);
    for (const text of Object.values(out)) expect(text).not.toMatch(/stalled|stopped reading/);
  });
});

/**
 * pure-ftpd (its greeting names it, frame 6) takes FTPS data connections that begin new TLS
 * sessions: the four probable transfers of ftps-pureftpd-python are no failure. Without the
 * greeting the server was not named, and the fresh data sessions read "tls-session-not-reused"
 * (vsftpd's and proftpd's default refusal) on all four. A greeting the capture lost leaves the
 * server's need for reuse unknown, as one before a capture's start does (hidden-tls.ts).
 */
describe("an FTPS session whose greeting the capture lost", () => {
  const NAME = 'ftps-pureftpd-python';

  it('without frame 6: no session-reuse cause', async () => {
    const d = await derived(tmp, NAME, 'without-6', (f) => f !== 6);
    expect([d.a.sessions[0].greeting, d.a.sessions[0].controlGapBytes > 0]).toEqual([null, true]);
    expect(d.a.sessions[0].diagnosis?.cause).not.toBe('tls-session-not-reused');
    for (const t of d.a.sessions[0].transfers) expect([t.inferred, t.diagnosis]).toEqual(['tls-hidden', null]);
    const { out } = await derivedTexts(d.file, ['diagnose', 'transfers']);
    for (const text of Object.values(out)) expect(text).not.toMatch(/did not resume the control connection's TLS session|began new TLS sessions/);
  });
});

/**
 * FTPS with a key log: proftpd sends hello.txt (511 of 511 bytes, its FIN), resets the data
 * connection on the client's late close_notify, says 226 (frame 67); the client's ACK (68) and QUIT
 * (69) follow, then "221 Goodbye." (70). Without 67-69 the 221 met the RETR still waiting: first it
 * read as the RETR's success, then (no QUIT waiting, so not the RETR's) the reset read "aborted by
 * the server". The 221 answers a QUIT the capture lost, which a client sends once its transfer has
 * ended: the RETR's reply is in the server's bytes lost before it. Not known.
 */
describe('a 221 to a lost QUIT after a transfer whose final reply was lost', () => {
  it('a65-ftps-refused-proftpd without 67-69: not known, never aborted', async () => {
    const NAME = 'a65-ftps-refused-proftpd-python';
    const d = await derived(tmp, NAME, 'without-67-69', (f) => f < 67 || f > 69);
    const a = await analyzeWithKeys(NAME, d.file);
    const t = transfer(a, '1.3');
    expect([t.request?.command, t.bytes, t.expectedSize, t.reply, t.status, t.diagnosis]).toEqual(['RETR', 511, 511, null, 'incomplete', null]);
    expect(t.replyInGap).toMatchObject({ why: 'capture-gap', later: { command: null, frame: d.at(70) } });
    expect(transfer(await analyzeWithKeys(NAME, path(NAME)), '1.3').status).toBe('complete');
  });
});

/**
 * The same FXP copy captured at the client: the data connection runs between the servers, out of
 * sight. Without 43-48 (vsftpd's 226 and 225, the QUIT) its session ends with "221 Goodbye." and the
 * server's close, the RETR unanswered: it read "no-attempt: the server closed the control connection
 * without a word, and no connection attempt is in the capture", though vsftpd's 150 said its data
 * connection was open and the other half's STOR completed. Not known, no cause.
 */
describe('an FXP half captured at the client, its final reply lost', () => {
  it('a68-fxp-abort-oob client side without 43-48: no no-attempt cause', async () => {
    const d = await derived(tmp, 'a68-fxp-abort-oob-client-side-vsftpd-pyftpdlib-python', 'without-43-48', (f) => f < 43 || f > 48);
    const t = transfer(d.a, '1.1');
    expect([t.request?.command, t.preliminary?.code, t.connection, t.fxp, t.status, t.diagnosis]).toEqual(['RETR', 150, null, { session: 2, transfer: 1 }, 'incomplete', null]);
    expect(d.a.sessions[0].diagnosis).toBeNull();
  });
});

/**
 * A data connection that failed before the transfer command went, and the client's next
 * announcement lost with it: curl's EPSV port is reset (frame 20), it falls back to PASV (21, its 227
 * at 22) and RETRs over that; a37-range-drop's PASV endpoint gets unanswered SYNs (40–42), the client
 * asks again (43, 44) and LISTs. Without those frames the command took the failed endpoint and read
 * "completed according to the server, but its bytes are missing: the capture lost them" — over a
 * connection the capture shows never opened. The announcement it used is in the lost bytes: not known.
 */
describe("a failed data connection's re-announcement lost", () => {
  it('fallback-epsv-pasv without the PASV and its 227: not known (announce-lost)', async () => {
    const d = await derived(tmp, 'fallback-epsv-pasv-pureftpd-curl', 'without-21-22', (f) => f < 21 || f > 22);
    const t = transfer(d.a, '1.1');
    expect([t.announce?.command, t.connection?.established, t.request?.command, t.reply?.code, t.status]).toEqual(['EPSV', false, 'RETR', 226, 'incomplete']);
    expect(t.verdict).toMatchObject({ kind: 'unknown', why: 'announce-lost', announceLost: { stream: 2 } });
  });

  it('a37-range-drop without 41-44: the LIST not known, never completed over an unanswered SYN', async () => {
    const d = await derived(tmp, 'a37-range-drop-vsftpd-python', 'without-41-44', (f) => f < 41 || f > 44);
    const t = transfer(d.a, '1.3');
    expect([t.connection?.established, t.request?.command, t.reply?.code, t.status]).toEqual([false, 'LIST', 226, 'incomplete']);
    expect(t.verdict).toMatchObject({ kind: 'unknown', why: 'announce-lost' });
  });
});

/**
 * Under TLS with a key log, proftpd answers RETR missing.bin with 550 (frame 45); the client's TYPE I
 * (46) draws "200 Type set to I" (47). Without 45 and 46 the 200 met the RETR waiting alone and read
 * as its success: "completed: 0 bytes". A 2xx no transfer command ends with, after server bytes the
 * capture lost, answers a command lost too; the RETR's reply is in the gap. Not known.
 */
describe('a 200 after a lost transfer reply and a lost command, under TLS', () => {
  it('a65-ftps-refused-proftpd without 45-46: the RETR not confirmed, never completed', async () => {
    const NAME = 'a65-ftps-refused-proftpd-python';
    const d = await derived(tmp, NAME, 'without-45-46', (f) => f < 45 || f > 46);
    const a = await analyzeWithKeys(NAME, d.file);
    const t = transfer(a, '1.2');
    expect([t.request?.command, t.request?.arg, t.reply, t.status, t.verdict.kind]).toEqual(['RETR', 'missing.bin', null, 'incomplete', 'incomplete']);
    expect(t.replyInGap).toMatchObject({ why: 'capture-gap', later: { command: null, frame: d.at(47) } });
    expect(a.sessions[0].commands.find((c) => c.reply?.frame === d.at(47))?.command).toBeNull();
  });
});

/**
 * proftpd refuses an APPE (frame 171) with 451 after its data connection opened (to 50037), resets
 * that connection (172), and the client's next PASV (174, its 227 at 175) names 50070, over which
 * its STOU sends 1,200 bytes. Without 171-175 the STOU took the 50037 endpoint, whose connection
 * opened and carried nothing, and read "completed: 0 bytes". An announcement whose connection carried
 * nothing, control bytes lost before the command: the command used one in them. Not known.
 */
describe('a transfer command bound to an idle data connection, its own announcement lost', () => {
  it('a35-params-proftpd without 171-175: the STOU not known (announce-lost), never an empty completed upload', async () => {
    const d = await derived(tmp, 'a35-params-proftpd-python', 'without-171-175', (f) => f < 171 || f > 175);
    const t = transfer(d.a, '1.8');
    expect([t.request?.command, t.connection?.established, t.bytes, t.reply?.code, t.status]).toEqual(['STOU', true, 0, 226, 'incomplete']);
    expect(t.verdict).toMatchObject({ kind: 'unknown', why: 'announce-lost' });
  });
});

/**
 * vsftpd takes a QUIT sent during a STOR (frame 310) and answers it after the upload: "226 Transfer
 * complete." (538), "221 Goodbye." (539). Without the QUIT the 226 showed client bytes the capture
 * lost, read as a possible ABOR: "not known: its ABOR may be in them". The next reply after the
 * transfer's own is the 221: the lost bytes held the QUIT alone. Completed, as whole.
 */
describe("a QUIT during an upload, lost, answered after the transfer's 226", () => {
  it('a61-quit-mid-vsftpd without frame 310: completed', async () => {
    const NAME = 'a61-quit-mid-vsftpd-python';
    expect(transfer(await analyze(NAME), '2.1').verdict.kind).toBe('completed');
    const d = await derived(tmp, NAME, 'without-310', (f) => f !== 310);
    const t = transfer(d.a, '2.1');
    expect([t.request?.command, t.bytes, t.clientBytesLost, t.reply?.code, t.status, t.verdict.kind]).toEqual(['STOR', 262_144, undefined, 226, 'complete', 'completed']);
  });
});

/**
 * pure-ftpd answers a QUIT sent during a RETR (frame 97) with "426 ABORT" for the transfer (130) and
 * "226-Transfer aborted" for the QUIT (145). Without the 426 the 226 read as the RETR's success:
 * "completed: 262,144 bytes". A 2xx saying the transfer was aborted, with a QUIT waiting behind the
 * running transfer, is the QUIT's; the transfer's own reply is in the bytes lost before it.
 */
describe("pure-ftpd's reply to a QUIT during a transfer, the transfer's 426 lost", () => {
  it('a61-quit-mid-pureftpd without frame 130: not confirmed, never completed', async () => {
    const NAME = 'a61-quit-mid-pureftpd-python';
    const whole = await analyze(NAME);
    expect([transfer(whole, '1.1').reply?.code, whole.sessions[0].commands.find((c) => c.command === 'QUIT')?.reply?.text.split('\n')[0]]).toEqual([426, 'Transfer aborted']);
    const d = await derived(tmp, NAME, 'without-130', (f) => f !== 130);
    const t = transfer(d.a, '1.1');
    expect([t.request?.command, t.reply, t.status, t.verdict.kind]).toEqual(['RETR', null, 'incomplete', 'incomplete']);
    expect(t.replyInGap).toMatchObject({ later: { command: 'QUIT', frame: d.at(145), quitAborted: true } });
    expect(d.a.sessions[0].commands.find((c) => c.command === 'QUIT')?.reply?.frame).toBe(d.at(145));
    const { out } = await derivedTexts(d.file, ['transfers']);
    expect(out.transfers).not.toMatch(/completed: 262,144 bytes/);
  });
});

/**
 * The FXP copy's source half at the client: RETR, lftp's ABOR (39), vsftpd's "226 Transfer complete"
 * (43), then "225 No transfer to ABOR." (45). Without the 226 the 225 shows the transfer had ended
 * before the ABOR (its reply in the lost bytes), but with no data connection in this capture the
 * RETR read "aborted by the client". The 225 stands in for the data, as it does beside a 226: not
 * known, never aborted.
 */
describe("an FXP half's final reply lost before the 225 to its ABOR", () => {
  it('a68-fxp-abort-oob client side without frame 43: not confirmed', async () => {
    const NAME = 'a68-fxp-abort-oob-client-side-vsftpd-pyftpdlib-python';
    expect(transfer(await analyze(NAME), '1.1').status).toBe('complete');
    const d = await derived(tmp, NAME, 'without-43', (f) => f !== 43);
    const t = transfer(d.a, '1.1');
    expect([t.connection, t.reply, t.abortFrame, t.lateAbortFrame, t.status]).toEqual([null, null, null, 39, 'incomplete']);
    expect(t.replyInGap).toMatchObject({ later: { command: 'ABOR', noTransfer: true } });
  });
});

/**
 * A capture begun mid-session: the client's TYPE I (frame 1), vsftpd's 200 (3), PASV (5), 227 (6),
 * then three transfers. Without frame 3 (the first server bytes, whose loss no gap shows: the stream
 * starts after them) the 227 answered TYPE, every reply after it shifted by one, and all three
 * transfers read "incomplete", the last "server-refused". A 227 answers only a PASV: the commands
 * waiting before it had their replies where the capture does not reach.
 */
describe('a passive reply while commands wait before its PASV', () => {
  it('a54-late-login without frame 3: the pairing holds, as whole', async () => {
    const NAME = 'a54-late-login-vsftpd-python';
    const d = await derived(tmp, NAME, 'without-3', (f) => f !== 3);
    const type = d.a.sessions[0].commands.find((c) => c.command === 'TYPE');
    expect([type?.reply, type?.noReply?.why]).toEqual([null, 'capture-gap']);
    expect(d.a.sessions[0].commands.find((c) => c.command === 'PASV')?.reply?.code).toBe(227);
    const statuses = (a: typeof d.a) => a.sessions[0].transfers.map((t) => [t.request?.command, t.status, t.diagnosis?.cause ?? null]);
    expect(statuses(d.a)).toEqual(statuses(await analyze(NAME)));
    expect(statuses(d.a)).toEqual([['RETR', 'complete', null], ['STOR', 'complete', null], ['RETR', 'failed', 'server-refused']]);
  });
});
