/**
 * The sixtieth verdict audit: what the drop sweep (scripts/sweep/drop-sweep.mjs) left, when one lost
 * packet was the only proof a verdict read:
 * - an FXP copy (lftp driving pyftpdlib and vsftpd) whose capture missed the 227 that named the
 *   passive server's endpoint. The client copied that endpoint into its PORT to the other server,
 *   which connected to it: the copy is the same FXP copy, not an FTP bounce;
 * - lftp's housekeeping ABOR after a pget segment that ran to the end of the file, the server's FIN
 *   on the data connection lost: every byte of the stated size, 226, then "225 No transfer to ABOR";
 * - python's ftplib (and lftp) sending ABOR after a RETR whose data had ended, the 226 before it lost:
 *   its final reply is in the bytes lost, not known; the ABOR aborted nothing, and an earlier attempt
 *   it retried says its end is not known, not that it "did not finish either";
 * - lftp resuming a download a black hole stopped, over a new session, the client's FIN on the old
 *   data connection lost: a later attempt, not a split download's finished piece;
 * - lftp's download through a black hole, captured at the client, its 150 (the only statement of the
 *   size) lost: the 226 came, the server's FIN never did, and lftp gave up after 4 s of silence —
 *   stalled, not "completed";
 * - recorded for this audit (a60-retr-blackhole-pyftpdlib-python): the same stall where nothing in the
 *   session states the size at all — pyftpdlib's 150 names none and Python's ftplib asks no SIZE;
 * - a lossy control connection captured at the server, the capture missing the client's TYPE I that
 *   the server answered: the client's retransmission comes after the 200, and every reply must stay
 *   its own command's.
 * Frames are tshark's (NAME.tshark-*.tsv) in the full capture; the derived capture numbers its
 * frames again, one less for each removed frame before (`at`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze, derived, derivedTexts, extractedFiles, facts, flat, ftpRows, jsonVerdicts, outputs, transfer, tsv } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit60-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('FXP copy whose 227 the capture missed', () => {
  const name = 'fxp-vsftpd-pyftpdlib-lftp';

  it('the PORT to pyftpdlib names the endpoint vsftpd announced in frame 61; its data connection runs between the two servers', async () => {
    expect(ftpRows(name, '1').filter(([f]) => f >= 60 && f <= 79)).toEqual([[60, 'PASV'], [61, '227'], [62, 'RETR'], [72, '150'], [79, '226']]);
    expect(ftpRows(name, '0').filter(([f]) => f >= 63 && f <= 80)).toEqual([[63, 'TYPE'], [64, '200'], [66, 'PORT'], [70, '200'], [71, 'STOR'], [76, '125'], [80, '226']]);
    // The whole capture: the pair as the linker finds it through both announcements.
    const a = await analyze(name);
    expect(transfer(a, '1.1').fxp).toEqual({ session: 2, transfer: 1 });
    expect(transfer(a, '2.1').fxp).toEqual({ session: 1, transfer: 1 });
  });

  it('without the 227 (frame 61): RETR and STOR stay one FXP copy of 511 bytes, both completed, no "bounce" in any output', async () => {
    // Before: 1.1 completed with cause "bounce" (the PORT named "a third host"), 2.1 "complete (replies;
    // data not captured)" with no data connection.
    const d = await derived(tmp, name, 'without-61', (f) => f !== 61);
    const port = transfer(d.a, '1.1');
    const pasv = transfer(d.a, '2.1');
    expect(pasv.announce).toBeNull();
    expect(pasv.unansweredAnnounce).toEqual({ command: 'PASV', frame: 60 });
    expect([port.fxp, pasv.fxp]).toEqual([{ session: 2, transfer: 1 }, { session: 1, transfer: 1 }]);
    for (const t of [port, pasv]) {
      expect([t.status, t.verdict.kind, t.diagnosis]).toEqual(['complete', 'completed', null]);
      expect(t.bytes).toBe(511);
      expect(t.connection).toMatchObject({ synFrame: d.at(67), established: true, match: 'exact' });
    }
    // Each sees the connection from its own side: pyftpdlib (PORT) connects, vsftpd (PASV) accepts.
    expect([port.connection!.server, port.connection!.client]).toEqual([{ ip: '203.0.113.30', port: 56589 }, { ip: '198.51.100.20', port: 50007 }]);
    expect([pasv.connection!.client, pasv.connection!.server]).toEqual([{ ip: '203.0.113.30', port: 56589 }, { ip: '198.51.100.20', port: 50007 }]);
    expect([port.request?.command, pasv.request?.command, port.reply?.frame, pasv.reply?.frame]).toEqual(['STOR', 'RETR', d.at(80), d.at(79)]);
    const { out, json } = await derivedTexts(d.file, ['summary', 'transfers', 'diagnose', 'explain', 'logs', 'report']);
    expect(json).toEqual([
      ['1.1', 'completed', null],
      ['2.1', 'completed', null],
    ]);
    for (const [command, text] of Object.entries(out)) expect(text, command).not.toMatch(/bounce/i);
  });

  it('without the PASV (frame 60, with the 213 before it): its 227, which acknowledged the PASV the capture lost, still names the endpoint in time for the FXP connection', async () => {
    // The 227 waits for the client bytes it acknowledged (control-parser heldReplies); they were lost,
    // and the data connection opens 5 frames later: the 227 must be read before that SYN (reply-holds.ts).
    const d = await derived(tmp, name, 'without-59-60', (f) => f !== 59 && f !== 60);
    const [port, pasv] = [transfer(d.a, '1.1'), transfer(d.a, '2.1')];
    expect(pasv.announce).toMatchObject({ frame: d.at(61), endpoint: { ip: '198.51.100.20', port: 50007 } });
    expect([port.fxp, pasv.fxp]).toEqual([{ session: 2, transfer: 1 }, { session: 1, transfer: 1 }]);
    expect([port.diagnosis, pasv.diagnosis, port.verdict.kind, pasv.verdict.kind, pasv.bytes]).toEqual([null, null, 'completed', 'completed', 511]);
  });
});

describe("lftp pget's last segment, ABOR sent as it finished, the server's data FIN lost", () => {
  const name = 'pget3-ipv6-epsv-vsftpd-lftp';

  it('without frame 209 (the FIN after the last of the 30000 bytes): RETR six.bin from REST 60000 completed, the ABOR a late one — not "aborted (client)"', async () => {
    // Before: 2.1 aborted by the client, cause "aborted": the ABOR (frame 208) came before the 226 and
    // the data's end was read from the server's FIN only.
    // (206, 207: the telnet IAC IP and IAC DM before the ABOR, which tshark shows as commands.)
    expect(ftpRows(name, '1').filter(([f]) => f >= 158 && f <= 213 && f !== 206 && f !== 207)).toEqual([
      [158, 'EPSV'], [159, '229'], [163, 'REST'], [164, '350'], [165, 'RETR'], [166, '150'], [208, 'ABOR'], [212, '226'], [213, '225'],
    ]);
    const whole = transfer(await analyze(name), '2.1');
    expect([whole.verdict.kind, whole.lateAbortFrame, whole.bytes]).toEqual(['completed', 208, 30000]);
    const d = await derived(tmp, name, 'without-209', (f) => f !== 209);
    const t = transfer(d.a, '2.1');
    expect([t.restOffset, t.expectedSize, t.bytes, t.reply?.code, t.reply?.frame]).toEqual([60000, 90000, 30000, 226, d.at(212)]);
    expect(t.connection!.handshake.some((e) => e.type === 'fin' && e.by === 'server')).toBe(false);
    expect([t.status, t.verdict.kind, t.diagnosis, t.abortFrame, t.lateAbortFrame]).toEqual(['complete', 'completed', null, null, d.at(208)]);
    expect(d.a.sessions.map((s) => s.diagnosis?.cause ?? null)).toEqual(d.a.sessions.map(() => null));
    const { out, json } = await derivedTexts(d.file, ['summary', 'transfers', 'diagnose', 'explain']);
    expect(json.find(([id]) => id === '2.1')).toEqual(['2.1', 'completed', null]);
    expect(out.transfers).toContain(`no-op ABOR frame ${d.at(208)}; the data still came whole and the server said 226: nothing was aborted`);
    for (const [command, text] of Object.entries(out)) expect(text.replace(/nothing (was|is) aborted/g, ''), command).not.toMatch(/\baborted\b/i);
  });
});

describe("python's ftplib: ABOR after a RETR whose data had ended, the 226 before it lost", () => {
  const name = 'abor-list-drain-proftpd-python';

  it('without frame 84 (226 Transfer complete): RETR hello.txt not confirmed, its reply in the bytes lost before the ABOR — not "aborted (client)"', async () => {
    // Before: 1.2 aborted by the client, cause "aborted": the ABOR (frame 86) came before any final
    // reply the capture kept, and an ABOR sent while a transfer runs proves no reply was lost.
    expect(ftpRows(name, '0').filter(([f]) => f >= 77 && f <= 89)).toEqual([[77, 'RETR'], [78, '150'], [84, '226'], [86, 'ABOR'], [87, '226'], [88, 'QUIT'], [89, '221']]);
    const whole = transfer(await analyze(name), '1.2');
    expect([whole.verdict.kind, whole.lateAbortFrame, whole.reply?.frame]).toEqual(['completed', 86, 84]);
    const d = await derived(tmp, name, 'without-84', (f) => f !== 84);
    const t = transfer(d.a, '1.2');
    // The server's FIN on the data connection (frame 81) came before the ABOR.
    expect(t.connection!.handshake.find((e) => e.type === 'fin' && e.by === 'server')?.frame).toBe(d.at(81));
    expect([t.bytes, t.expectedSize, t.reply, t.abortFrame, t.lateAbortFrame]).toEqual([511, 511, null, null, d.at(86)]);
    expect(t.replyInGap).toEqual({ why: 'capture-gap', gap: d.at(85), later: { command: 'ABOR', frame: d.at(86) }, evidence: [77, d.at(85), d.at(86)] });
    expect([t.status, t.verdict.kind, 'why' in t.verdict ? t.verdict.why : null, t.diagnosis]).toEqual(['incomplete', 'incomplete', 'reply-not-captured', null]);
    // The ABOR's own 226 answers the ABOR.
    expect(d.a.sessions[0].commands.find((c) => c.command === 'ABOR' && c.frame === d.at(86))?.reply?.frame).toBe(d.at(87));
    // 1.1, the LIST the first ABOR stopped, stays aborted.
    expect(transfer(d.a, '1.1').verdict.kind).toBe('aborted');
    const { out, json } = await derivedTexts(d.file, ['transfers', 'summary']);
    expect(json).toEqual([
      ['1.1', 'aborted', 'aborted'],
      ['1.2', 'incomplete', null],
    ]);
    expect(out.transfers).toContain(`its final reply came in the server's bytes the capture lost (before frame ${d.at(85)}): the client had them when it sent ABOR (frame ${d.at(86)})`);
  });
});

describe('lftp resuming a download a black hole stopped, captured at the server, the client\'s data FIN lost', () => {
  const name = 'a58-active-retr-blackhole-vsftpd-lftp-server-side';

  it('without frame 130 (the client\'s FIN on the first data connection): 1.1 stays aborted (path loss), resumed by 2.1 with REST 56472 — not a split piece "completed"', async () => {
    // Before: 1.1 "completed" as the first piece of a split download ending at 56472, 2.1's REST: without
    // the client's FIN, the data connection seemed to run on past session 2's start (frame 132), though
    // the client had closed session 1's control connection (frame 131) before.
    expect(ftpRows(name, '0').filter(([f]) => f >= 37 && f <= 39)).toEqual([[37, 'PORT'], [38, '200'], [39, 'RETR']]);
    expect(ftpRows(name, '2').filter(([f]) => f >= 164 && f <= 166)).toEqual([[164, 'REST'], [165, '350'], [166, 'RETR']]);
    const d = await derived(tmp, name, 'without-130', (f) => f !== 130);
    const t = transfer(d.a, '1.1');
    expect(d.a.sessions[0].closedBy).toMatchObject({ by: 'client', frame: d.at(131), how: 'fin' });
    expect(d.a.sessions[1].controlConnection.synFrames).toEqual([d.at(132)]);
    expect(t.segment).toBeUndefined();
    expect([t.status, t.verdict.kind, t.diagnosis?.cause, t.bytes]).toEqual(['aborted', 'aborted', 'path-loss', 89240]);
    expect(t.laterAttempt).toMatchObject({ session: 2, transfer: 1, frame: d.at(166), rest: 56472, outcome: 'aborted' });
    expect(d.a.sessions.flatMap((s) => s.transfers.map((x) => [`${s.id}.${x.id}`, x.verdict.kind, x.diagnosis?.cause ?? null]))).toEqual([
      ['1.1', 'aborted', 'path-loss'],
      ['2.1', 'aborted', 'path-loss'],
      ['3.1', 'aborted', 'path-loss'],
      ['4.1', 'aborted', 'path-loss'],
      ['5.1', 'completed', null],
      ['5.2', 'completed', null],
    ]);
  });
});

describe('lftp retrying a segment a middlebox reset, the retry\'s 226 lost before its housekeeping ABOR', () => {
  const name = 'pget-segment-reset-vsftpd-lftp';

  it('without frame 664: 1.2 not confirmed (reply in the bytes lost before the ABOR); 1.1, still aborted, names it as a retry whose end is not known', async () => {
    expect(ftpRows(name, '0').filter(([f]) => f >= 429 && f <= 669 && f !== 665 && f !== 666)).toEqual([[429, 'RETR'], [430, '150'], [664, '226'], [668, 'ABOR'], [669, '225']]);
    const whole = await analyze(name);
    expect(transfer(whole, '1.1').laterAttempt).toMatchObject({ session: 1, transfer: 2, outcome: 'completed' });
    expect(transfer(whole, '1.1').laterAttempt?.unfinished).toBeUndefined();
    const d = await derived(tmp, name, 'without-664', (f) => f !== 664);
    const retry = transfer(d.a, '1.2');
    expect([retry.status, retry.verdict.kind, 'why' in retry.verdict ? retry.verdict.why : null, retry.bytes, retry.lateAbortFrame]).toEqual([
      'incomplete', 'incomplete', 'reply-not-captured', 262144, d.at(668),
    ]);
    const first = transfer(d.a, '1.1');
    expect([first.verdict.kind, first.diagnosis?.cause]).toEqual(['aborted', 'aborted']);
    expect(first.laterAttempt).toMatchObject({ session: 1, transfer: 2, frame: 429, outcome: 'incomplete', unfinished: 'reply-not-captured' });
    const { out } = await derivedTexts(d.file, ['diagnose', 'explain']);
    for (const [command, text] of Object.entries(out)) {
      expect(text, command).toContain('(transfer 1.2), which ended with a final reply the capture lost: whether it completed is not known.');
      expect(text, command).not.toContain('did not finish either');
    }
  });
});

describe("lftp over a lossy control connection, captured at vsftpd, the capture missing a command the client sent again", () => {
  const name = 'ctrl-lossy-server-side-vsftpd-lftp';

  it('without frame 55 (TYPE I; sent again at 57, after the 200 at 56 that answers it): each reply stays its command\'s, LIST, RETR and STOR completed', async () => {
    // Before: the 200 came first and answered nothing, TYPE took SIZE's 213, … STOR the SITE's
    // "500 Unknown SITE command" (frame 102): STOR failed, server-refused.
    expect(ftpRows(name, '0').filter(([f]) => f >= 55 && f <= 102)).toEqual([
      [55, 'TYPE'], [56, '200'], [60, 'SIZE'], [62, '213'], [63, 'MDTM'], [64, '213'], [65, 'PASV'], [66, '227'], [73, 'RETR'], [75, '150'], [81, '226'],
      [83, 'PASV'], [84, '227'], [91, 'STOR'], [93, '150'], [99, '226'], [101, 'SITE'], [102, '500'],
    ]);
    // Frame 57 is the client's TYPE I again: the same 8 bytes from the same sequence number.
    const f55 = tsv(name, 'fields').find((r) => r['frame.number'] === '55')!;
    const f57 = tsv(name, 'fields').find((r) => r['frame.number'] === '57')!;
    expect([f57['tcp.seq_raw'], f57['tcp.len']]).toEqual([f55['tcp.seq_raw'], f55['tcp.len']]);
    const d = await derived(tmp, name, 'without-55', (f) => f !== 55);
    const commands = d.a.sessions[0].commands.filter((c) => c.command !== null && c.frame >= d.at(57)).map((c) => [c.command, c.frame, c.reply?.code, c.reply?.frame]);
    expect(commands.slice(0, 4)).toEqual([
      ['TYPE', d.at(57), 200, d.at(56)],
      ['SIZE', d.at(60), 213, d.at(62)],
      ['MDTM', d.at(63), 213, d.at(64)],
      ['PASV', d.at(65), 227, d.at(66)],
    ]);
    expect(d.a.sessions[0].transfers.map((t) => [t.request?.command, t.reply?.code, t.reply?.frame, t.verdict.kind, t.diagnosis?.cause ?? null])).toEqual([
      ['LIST', 226, 50, 'completed', null],
      ['RETR', 226, d.at(81), 'completed', null],
      ['STOR', 226, d.at(99), 'completed', null],
    ]);
  });
});

describe('lftp downloading through a black hole, captured at the client, the 150 stating the size lost', () => {
  const name = 'a58-active-retr-blackhole-vsftpd-lftp';

  it('without frame 338 (150 … (262144 bytes)): RETR from REST 169416 stays aborted, stalled — the 226 came, the server\'s FIN never did', async () => {
    // Before: 4.1 "completed": the receiver's giving up after the 226 was measured against the size
    // the 150 stated, and without it nothing said the data was short.
    expect(ftpRows(name, '6').filter(([f]) => f >= 332 && f <= 395)).toEqual([[332, 'REST'], [333, '350'], [334, 'RETR'], [338, '150'], [395, '226']]);
    const whole = transfer(await analyze(name), '4.1');
    expect([whole.verdict.kind, whole.diagnosis?.cause]).toEqual(['aborted', 'stalled']);
    const d = await derived(tmp, name, 'without-338', (f) => f !== 338);
    const t = transfer(d.a, '4.1');
    expect([t.restOffset, t.expectedSize, t.bytes, t.reply?.code, t.reply?.frame]).toEqual([169416, null, 56472, 226, d.at(395)]);
    expect(t.connection!.handshake.some((e) => e.type === 'fin' && e.by === 'server')).toBe(false);
    expect([t.status, t.verdict.kind, 'by' in t.verdict ? t.verdict.by : null, t.diagnosis?.cause]).toEqual(['aborted', 'aborted', 'client', 'stalled']);
    expect(t.laterAttempt).toMatchObject({ session: 5, transfer: 1, rest: 225888, outcome: 'completed' });
    const { out, json } = await derivedTexts(d.file, ['diagnose', 'summary']);
    expect(json.find(([id]) => id === '4.1')).toEqual(['4.1', 'aborted', 'stalled']);
    expect(out.diagnose).toContain(`The client then closed the data connection (FIN, frame ${d.at(402)}) having acknowledged 56472 bytes, with no FIN from the server to end the data (no size in the capture): it gave up on the transfer.`);
  });
});

describe('recorded: ftplib downloading from pyftpdlib through a black hole, no size stated anywhere', () => {
  const name = 'a60-retr-blackhole-pyftpdlib-python';

  it('RETR a60-down.bin: 56472 of 262144 bytes arrived, 226, no FIN from the server; the client gave up after 4 s — aborted (stalled), not completed', async () => {
    // Before: 1.1 "complete": with no size stated, the 226 read as the transfer's success.
    expect(ftpRows(name, '0').filter(([f]) => f >= 13 && f <= 96)).toEqual([
      [13, 'TYPE'], [14, '200'], [15, 'PASV'], [16, '227'], [20, 'RETR'], [21, '150'], [79, '226'], [83, 'TYPE'], [84, '200'], [86, 'PASV'], [87, '227'], [91, 'RETR'], [92, '125'], [96, '226'],
    ]);
    const f = facts(name);
    const down = f.files.find((x: { path: string }) => x.path === 'a60-down.bin');
    expect([down.size, down.received.size]).toEqual([262144, 56472]);
    expect(f.client.output).toContain('no data for 4 s after 56472 bytes: giving up');
    const a = await analyze(name);
    const t = transfer(a, '1.1');
    expect([t.expectedSize, t.bytes, t.preliminary?.text, t.reply?.code, t.reply?.frame]).toEqual([null, 56472, 'File status okay. About to open data connection.', 226, 79]);
    expect(t.connection!.handshake.map((e) => `${e.type} ${e.frame} ${e.by}`)).toEqual(['syn 17 client', 'syn-ack 18 server', 'established 19 client', 'fin 82 client']);
    expect([t.status, t.verdict.kind, 'by' in t.verdict ? t.verdict.by : null, t.diagnosis?.cause, t.diagnosis?.evidence]).toEqual(['aborted', 'aborted', 'client', 'stalled', [16, 17, 18, 20, 76, 79, 82]]);
    const healthy = transfer(a, '1.2');
    expect([healthy.verdict.kind, healthy.diagnosis, healthy.bytes]).toEqual(['completed', null, 511]);
    expect(await jsonVerdicts(name)).toEqual([
      ['1.1', 'aborted', 'stalled'],
      ['1.2', 'completed', null],
    ]);
    const [diagnose, summary] = await outputs(name, 'diagnose', 'summary');
    expect(flat(diagnose)).toContain('The client then closed the data connection (FIN, frame 82) having acknowledged 56472 bytes, with no FIN from the server to end the data (no size in the capture): it gave up on the transfer.');
    expect(flat(summary)).toContain('1.1 passive RETR a60-down.bin 198.51.100.20:50013 56472 226 aborted (client)');
    // What the client kept is what the capture carried: the extracted piece's sha256 is the client's file's.
    const saved = await extractedFiles(name, join(tmp, 'extract-a60'));
    expect(Object.entries(saved).find(([file]) => file.endsWith('a60-down.bin'))?.[1]).toBe(down.received.sha256);
  });

  it('without frame 40 (a data segment the capture missed, which the client acknowledged): still cut short by the client, not completed', async () => {
    // The giving up is read from the wait and the missing FIN alone (silence-ended.ts
    // receiverClosedAfterSilence), whatever the capture lost of the data before it.
    const d = await derived(tmp, name, 'without-40', (f) => f !== 40);
    const t = transfer(d.a, '1.1');
    expect(t.connection!.gapBytes).toBe(1448);
    expect([t.status, t.verdict.kind, 'by' in t.verdict ? t.verdict.by : null]).toEqual(['aborted', 'aborted', 'client']);
  });
});
