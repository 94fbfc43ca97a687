/**
 * Verdicts on recorded captures that lost frames (a kernel's drops): found by `npm run sweep:drop`.
 * The capture lost what would tell the transfer's end, so it must not read failed or aborted, nor be
 * given a cause it cannot show.
 *
 * a61-tiny-quit-early-proftpd-python without frames 97-104: the active STOR of an empty file (frame 95)
 * lost its data connection's SYN-ACK, handshake and close and its 150 and 226 (frames 99, 103), the
 * server's SYN (frame 96) kept. The client's next command (TYPE, frame 105) acknowledged the lost
 * reply. Before: "failed: the server could not reach the client", diagnosed active-syn-unanswered (a
 * client firewall).
 *
 * a61-tiny-quit-early-pyftpdlib-python without frames 33-40: the passive announcement (227, frame 32)
 * lost its STOR (frame 36), its 125 and its whole data connection. Before: "failed: nobody connected to
 * the passive endpoint the server announced".
 *
 * a61-mirror-one-denied-one-dropped-vsftpd-lftp without frames 33-40: the 227 at frame 31 lost its LIST
 * (frame 35), 150, 226 and the data connection's data. Before: diagnosed server-refused, "the client
 * then gave up without sending a transfer command", blaming the 550 to a later MDTM (frame 55).
 *
 * a21-client-rst-now-pyftpdlib-python without frame 26: ftplib resets the data connection the moment
 * it holds all 511 bytes of hello.txt (SIZE said 511), every one acknowledged (frame 25), and
 * pyftpdlib answers 426 (frame 27). With the reset, that read completed (verdict.ts resetAfterWhole);
 * without it, "aborted by the server after 511 of 511 bytes".
 *
 * a37-range-drop-vsftpd-python without frames 43-44: the router drops SYNs to part of the passive
 * range; the client's SYNs to the 227 of frame 38 (50013) go unanswered (frames 40-42), it sends PASV
 * again (43) and lists over the new 227's port (44: 50005). Without those two frames, the LIST read
 * "completed: 0 bytes, all in the capture" over the dead connection to 50013.
 *
 * killed-upload-resumed-vsftpd-lftp without frame 31 (TYPE I): lftp is killed 34,815 bytes into a
 * 196,608-byte STOR, vsftpd answers 226 to the part (frame 86) and a new session resumes it (REST
 * 34815, STOR, frame 125). Without the TYPE the upload was taken for TYPE A (RFC 959's default), and
 * the resume, which counts file bytes, was not weighed: "not known (client gone)" instead of aborted.
 *
 * idle-timeout-pyftpdlib-python: RETR hello.txt (frame 20), 125, the 511 bytes and the data's FIN (frame
 * 24), 226 (frame 25); three seconds later pyftpdlib's idle timeout, "421 Control connection timed out."
 * (frame 29), answers nothing. Without frame 25 that 421 was taken for the RETR's reply: "aborted by the
 * server after 511 of 511 bytes". Without frames 16-18 (the 227, the data connection's SYN and SYN-ACK)
 * the data connection reads as begun before the capture, and the 421 was taken for its end: diagnosed
 * server-refused, "The server answered the command (frame undefined) with 421".
 *
 * a63-passive-toggle-vsftpd-tnftp without frames 40-42 (PASV, 227, the client's SYN): the next RETR took
 * the PORT of frame 32, whose RETR the server had answered 425 after its SYN met a reset: "aborted by
 * the client after 0 of 511 bytes", though the RETR's 150 and 226 came over the lost PASV's connection.
 *
 * abor-list-drain-proftpd-python without frames 81-84 (the data's FIN and the RETR's 226): ftplib's ABOR
 * (frame 86), sent once all 511 stated bytes had come, read "aborted by the client after 511 of 511 bytes".
 *
 * fail-stor-denied-pyftpdlib-python without frame 24 (the RETR's data FIN): the 226, then TYPE, PASV, a STOR
 * refused 550 and QUIT, all within 4 ms: the RETR read "incomplete: the capture ended before the rest of
 * it did", so no transfer had succeeded and the session got a diagnosis of its own.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analysis/pipeline.js';
import type { Analysis } from '../../src/analysis/model.js';
import { filterPcap } from '../support/pcap-edit.js';
import { path } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-lost-control-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The recording without frames first..last: frames after them are numbered that many lower. */
async function without(name: string, first: number, last: number): Promise<Analysis> {
  const file = join(tmp, `${name}-${first}-${last}.pcap`);
  writeFileSync(file, filterPcap(readFileSync(path(name)), (r) => r.frame < first || r.frame > last));
  return analyzeFiles([file], { fileName: file, thread: false });
}

describe('a capture that lost a burst of control bytes', () => {
  it('an active STOR whose 150 and 226 were lost with its data connection past the SYN is not known, not failed, and gets no diagnosis', async () => {
    const a = await without('a61-tiny-quit-early-proftpd-python', 97, 104);
    const t = a.sessions[0].transfers[5];
    expect([t.mode, t.request?.command, t.request?.arg, t.request?.frame, t.connection?.synFrames, t.connection?.synAckFrames.length]).toEqual([
      'active', 'STOR', 'up-active-a61-empty.bin', 95, [96], 0,
    ]);
    expect([t.status, t.verdict.kind, 'why' in t.verdict ? t.verdict.why : null, t.reply]).toEqual(['incomplete', 'incomplete', 'reply-not-captured', null]);
    // The reply is in the bytes lost before the client's TYPE (frame 105 of the full capture).
    expect(t.replyInGap?.later).toEqual({ command: 'TYPE', frame: 105 - 8 });
    expect(t.diagnosis ?? null).toBeNull();
    // The session's other transfers keep their verdicts: 5 completed before, the RETR after completed.
    expect(a.sessions[0].transfers.map((x) => x.status)).toEqual(['complete', 'complete', 'complete', 'complete', 'complete', 'incomplete', 'complete', 'complete', 'complete']);
  });

  it('a passive announcement whose command and data connection were lost is unused, not failed', async () => {
    const a = await without('a61-tiny-quit-early-pyftpdlib-python', 33, 40);
    const t = a.sessions[0].transfers[1];
    expect([t.mode, t.request, t.announce?.frame, t.announce?.endpoint, t.connection]).toEqual(['passive', null, 32, { ip: '198.51.100.20', port: 50050 }, null]);
    // The client's bytes the capture lost are told by its next command's segment (TYPE I, frame 43 of the full capture).
    expect(t.announce?.clientBytesLostAt).toBe(43 - 8);
    expect([t.status, t.verdict.kind]).toEqual(['unused', 'unused']);
    expect(t.diagnosis ?? null).toBeNull();
  });

  it('a passive announcement whose LIST was lost is not blamed on a later refused MDTM', async () => {
    const a = await without('a61-mirror-one-denied-one-dropped-vsftpd-lftp', 33, 40);
    const s = a.sessions[0];
    const t = s.transfers[0];
    expect([t.request, t.announce?.frame, t.announce?.clientBytesLostAt, t.status]).toEqual([null, 31, 44 - 8, 'unused']);
    // The 550 the old diagnosis blamed: MDTM sub, answered at frame 55 of the full capture.
    const mdtm = s.commands.find((c) => c.command === 'MDTM' && c.arg === 'sub');
    expect([mdtm?.frame, mdtm?.reply?.code, mdtm?.reply?.frame]).toEqual([54 - 8, 550, 55 - 8]);
    expect(t.diagnosis ?? null).toBeNull();
  });

  it('a download whose client acknowledged every stated byte, answered 426, its data connection\'s end lost, is not known, not aborted', async () => {
    const a = await without('a21-client-rst-now-pyftpdlib-python', 26, 26);
    const t = a.sessions[0].transfers[0];
    expect([t.request?.command, t.request?.arg, t.bytes, t.reply?.code, t.reply?.frame, t.connection?.close, t.connection?.rst]).toEqual(['RETR', 'hello.txt', 511, 426, 27 - 1, null, null]);
    expect([t.status, t.verdict.kind, 'why' in t.verdict ? t.verdict.why : null, t.verdict.kind === 'incomplete' ? [t.verdict.expected, t.verdict.endLost] : null]).toEqual([
      'incomplete', 'incomplete', 'end-not-captured', [511, { reply: 26 }],
    ]);
    expect(t.diagnosis ?? null).toBeNull();
    // With its reset (frame 26) the 426 answers it: completed, as before.
    const whole = await analyzeFiles([path('a21-client-rst-now-pyftpdlib-python')], { fileName: 'whole', thread: false });
    expect([whole.sessions[0].transfers[0].status, whole.sessions[0].transfers[0].connection?.rst?.frame]).toEqual(['complete', 26]);
  });

  it('a command after an announcement whose data connection had gone unanswered, the client\'s next PASV lost, did not use that announcement', async () => {
    const a = await without('a37-range-drop-vsftpd-python', 43, 44);
    const [dead, list] = [a.sessions[0].transfers[2], a.sessions[0].transfers[3]];
    expect([dead.announce?.frame, dead.announce?.endpoint?.port, dead.request, dead.connection?.synFrames, dead.status, dead.diagnosis?.cause]).toEqual([
      38, 50013, null, [40, 41, 42], 'failed', 'passive-syn-unanswered',
    ]);
    // The LIST (frame 49 of the full capture) and its 226 (56): over an announcement the capture lost.
    expect([list.request?.command, list.request?.frame, list.announce, list.reply?.code, list.reply?.frame, list.verdict.kind, 'why' in list.verdict ? list.verdict.why : null]).toEqual([
      'LIST', 49 - 2, null, 226, 56 - 2, 'unknown', 'announce-lost',
    ]);
  });

  it('an upload whose TYPE the capture lost is of a type not known, and its later resume still shows it cut short', async () => {
    const a = await without('killed-upload-resumed-vsftpd-lftp', 31, 31);
    const t = a.sessions[0].transfers[0];
    expect([t.request?.command, t.request?.arg, t.type, t.bytes, t.reply?.code, t.reply?.frame]).toEqual(['STOR', 'resume.bin', null, 34815, 226, 86 - 1]);
    expect([t.status, t.verdict.kind, t.verdict.kind === 'aborted' ? [t.verdict.by, t.verdict.resumed?.from, t.verdict.resumed?.size, t.verdict.resumed?.frame] : null, t.diagnosis?.cause]).toEqual([
      'aborted', 'aborted', ['client', 34815, 196608, 125 - 1], 'aborted',
    ]);
  });

  it("a 421 after the server's bytes the capture lost (its 226) need not answer the waiting RETR: not confirmed, not aborted", async () => {
    const a = await without('idle-timeout-pyftpdlib-python', 25, 25);
    const s = a.sessions[0];
    const t = s.transfers[0];
    expect([t.request?.command, t.request?.frame, t.bytes, t.reply, t.connection?.handshake.find((e) => e.type === 'fin')?.frame]).toEqual(['RETR', 20, 511, null, 24]);
    expect([t.status, t.verdict.kind, 'why' in t.verdict ? t.verdict.why : null, t.diagnosis]).toEqual(['incomplete', 'incomplete', 'reply-not-captured', null]);
    // The 421 (frame 29 of the full capture) answers nothing: a server's word as it closes an idle session.
    expect(t.replyInGap?.later).toEqual({ command: null, frame: 29 - 1, closing: true });
    expect(s.commands.filter((c) => c.command === null).map((c) => [c.reply?.code, c.reply?.frame])).toEqual([[220, 6], [421, 29 - 1]]);
  });

  it('a data connection whose SYN the capture lost is no transfer ended by the 421 that came seconds after its FIN', async () => {
    const a = await without('idle-timeout-pyftpdlib-python', 16, 18);
    const [mid, retr] = a.sessions[0].transfers;
    expect([mid.inferred, mid.connection?.stream, mid.bytes, mid.reply, mid.verdict.kind, mid.diagnosis]).toEqual(['midstream', 1, 511, null, 'unknown', null]);
    expect([retr.request?.command, retr.request?.frame, retr.reply?.code, retr.reply?.frame]).toEqual(['RETR', 20 - 3, 226, 25 - 3]);
  });

  it('a RETR after a PORT the server had answered 425 for does not reuse it when the next PASV was lost: not known, not aborted', async () => {
    // tnftp: PORT (frame 32), RETR (34) answered 425 (37) after the server's SYN (35) met the client's reset (36);
    // then PASV (40), 227 (41) and the client's SYN (42), lost here, and RETR (45) with 150, data and 226 (52).
    const a = await without('a63-passive-toggle-vsftpd-tnftp', 40, 42);
    const [first, second] = a.sessions[0].transfers;
    expect([first.request?.frame, first.reply?.code, first.reply?.frame, first.connection?.synFrames, first.status]).toEqual([34, 425, 37, [35], 'failed']);
    expect([second.request?.command, second.request?.frame, second.announce, second.reply?.code, second.reply?.frame, second.status]).toEqual([
      'RETR', 45 - 3, null, 226, 52 - 3, 'incomplete',
    ]);
    expect([second.verdict.kind, 'why' in second.verdict ? second.verdict.why : null, second.diagnosis]).toEqual(['unknown', 'announce-lost', null]);
  });

  it('a STOR after a PASV whose connection the server reset as it refused the last STOR does not reuse it when the next PASV was lost', async () => {
    // lftp put -c: PASV (227, frame 54), its connection (55-57), REST 40000, STOR (60): the server resets the
    // connection (61) and answers 451 (62). Then PASV and 227 (63-64), lost here, REST 0 and STOR (70) over a new connection.
    const a = await without('a64-stor-restart-off-proftpd-lftp', 63, 64);
    const [refused, full] = a.sessions[0].transfers;
    expect([refused.request?.frame, refused.reply?.code, refused.connection?.rst?.frame, refused.status]).toEqual([60, 451, 61, 'failed']);
    expect([full.request?.command, full.request?.frame, full.announce, full.reply?.code, full.status, full.verdict.kind, 'why' in full.verdict ? full.verdict.why : null]).toEqual([
      'STOR', 70 - 2, null, 226, 'incomplete', 'unknown', 'announce-lost',
    ]);
  });

  it("an ABOR sent once every stated byte had come, the data's FIN and the 226 lost before it, is housekeeping after a final reply in the lost bytes: not confirmed, not aborted", async () => {
    // proftpd: RETR hello.txt (frame 77), 150 (78, 511 bytes), the data, its FIN and 226 (81-84, lost here), then
    // ftplib's ABOR (86) answered 226 Abort successful (87).
    const a = await without('abor-list-drain-proftpd-python', 81, 84);
    const t = a.sessions[0].transfers[1];
    expect([t.request?.command, t.request?.frame, t.expectedSize, t.bytes, t.reply, t.abortFrame, t.lateAbortFrame]).toEqual(['RETR', 77, 511, 511, null, null, 86 - 4]);
    expect([t.status, t.verdict.kind, 'why' in t.verdict ? t.verdict.why : null, t.replyInGap?.later, t.diagnosis]).toEqual([
      'incomplete', 'incomplete', 'reply-not-captured', { command: 'ABOR', frame: 86 - 4 }, null,
    ]);
  });

  it("a download whose client went on to its next commands after the 226, no data after it, was not still arriving when the capture ended, however short the capture", async () => {
    // ftplib: RETR hello.txt (frame 20), 125, 511 bytes (22), the server's FIN (24, lost here), 226 (25), the
    // client's FIN (26), then TYPE I, PASV and STOR (36, refused 550) and QUIT: the whole capture lasts 4 ms.
    const a = await without('fail-stor-denied-pyftpdlib-python', 24, 24);
    const [retr, stor] = a.sessions[0].transfers;
    expect([retr.request?.frame, retr.bytes, retr.reply?.code, retr.reply?.frame, retr.status, retr.verdict.kind, retr.diagnosis]).toEqual([20, 511, 226, 25 - 1, 'complete', 'completed', null]);
    expect([stor.request?.command, stor.reply?.code, stor.status, stor.diagnosis?.cause]).toEqual(['STOR', 550, 'failed', 'server-refused']);
    // One failure among transfers that did not all fail: no session diagnosis.
    expect(a.sessions[0].diagnosis).toBeNull();
  });

  it('the whole recordings keep their verdicts: every transfer of each first session completed', async () => {
    for (const name of ['a61-tiny-quit-early-proftpd-python', 'a61-tiny-quit-early-pyftpdlib-python']) {
      const a = await analyzeFiles([path(name)], { fileName: name, thread: false });
      expect(a.sessions[0].transfers.every((t) => t.status === 'complete' && t.diagnosis === null)).toBe(true);
      expect(a.sessions[0].transfers.every((t) => t.announce?.clientBytesLostAt === undefined)).toBe(true);
    }
  });
});
