/**
 * The fifty-ninth verdict audit: what the sweeps (scripts/sweep/prefix-sweep.mjs, suffix-sweep.mjs)
 * still found on main, a committed real capture cut short (its first k records: tcpdump -c, a capture
 * stopped by hand) or started late (records k..end, numbered from 1 as such a capture is), each read
 * beside the full capture's verdict. Frames are tshark's (NAME.tshark-*.tsv); a late start's frames
 * are mapped with `at`.
 *
 * - urllib's RETR of a directory refused 550, cut before the CWD into it is answered: "failed,
 *   server-refused" where the full capture falls back to LIST pub. A 550 on a name that may be a
 *   directory, with nothing after it yet deciding, the session still going: in flight (in-flight.ts).
 * - curl's FTPS download cut at the server's FIN on its data connection, the client's FIN 7 ms later:
 *   "stalled" (its zero windows) where the full capture reads it whole. The data's sender of a transfer
 *   no command named (TLS hid them) is the side that sent the bytes (data-sender.ts dataSenderOf).
 * - a capture starting after ftpcopy's PASV: its MLSD, refused 500, took the data connection LIST then
 *   used ("aborted by the server", cause aborted), and LIST read "data not captured". A command the
 *   server refused outright used no data connection (inferred-transfers.ts linkUnannounced).
 * - a capture starting after two sessions' PORTs: session 2's data connection went to session 1's
 *   RETR (9,000 bytes for a 7,000-byte file, "completed"), session 2's read "data not captured". Of
 *   several sessions that could take a data connection announced before the capture, the one whose
 *   final reply came as its data ended takes it.
 * - a capture starting on the last ACK of a data connection whose client port the next one reuses:
 *   the next one's SYN was taken into the tail (src/tcp: a bare SYN on a connection seen mid-stream
 *   with no SYN-ACK starts a new one), and its RETR read "data not captured".
 * - a capture starting at vsftpd's 227 on a lossy control connection seen at the server: lftp's PASV
 *   sent again after it read as a new command and shifted every reply (STOR "failed, server-refused").
 *   A side seen mid-stream starts at what its peer had already acknowledged (src/tcp).
 * - a capture starting after ncftp's PASV: its data connection refused before its RETR, "not in the
 *   capture". Refused just before the command, it is the command's (linkUnannounced).
 * - a capture starting at a hostile server's 230 holding a NUL: "not FTP", every transfer "not in
 *   the capture". A server's first line that starts with a reply code is FTP (control-parser.ts).
 * - a capture starting after a PORT naming the client's second address: "data not captured". A
 *   session the capture began during takes a connection its server opened to another host.
 * - lftp's FXP copy under a budget of one session: the RETR whose other half (the PORT to the other
 *   server) was in a session let go read "not-in-capture"; not followed (not-followed.ts).
 * - vsftpd's PASV port given to the next session after a 425, that session's commands past a command
 *   budget: the 425'd RETR took the other session's data connection ("server-refused"). A 425 before
 *   any data connection ends the announcement's expectation (session-builder.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verdictSentence } from '../../src/render/verdict-words.js';
import { analyzeFiles } from '../../src/analysis/pipeline.js';
import { analyze, derived, derivedTexts, ftpRows, path, transfer, type Derived } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit59-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The fixture's first `k` records, as a capture stopped there. */
const upTo = (name: string, k: number): Promise<Derived> => derived(tmp, name, `to-${k}`, (f) => f <= k);
/** The fixture from full-capture frame `start` on, as a capture started there (frames numbered from 1). */
const from = (name: string, start: number): Promise<Derived> => derived(tmp, name, `from-${start}`, (f) => f >= start);

describe("urllib's RETR of a directory, cut before the CWD into it is answered", () => {
  const name = 'a18-vsftpd-urllib';

  it('the recording: PASV (50, 227 at 51), RETR pub (55) refused 550 (56), TYPE A (58), PWD (60), CWD pub (62) accepted (63); the full capture falls back', async () => {
    expect(ftpRows(name, '2').filter(([f]) => f >= 50 && f <= 63)).toEqual([
      [50, 'PASV'], [51, '227'], [55, 'RETR'], [56, '550'], [58, 'TYPE'], [59, '200'], [60, 'PWD'], [61, '257'], [62, 'CWD'], [63, '250'],
    ]);
    const full = transfer(await analyze(name), '2.1');
    expect([full.status, full.diagnosis, full.verdict.kind]).toEqual(['fell-back', null, 'fell-back']);
  });

  it('cut at 58 (TYPE A sent, no CWD yet): 2.1 incomplete, the session under way at 58, no cause; "failed, server-refused" before', async () => {
    const d = await upTo(name, 58);
    const t = transfer(d.a, '2.1');
    expect([t.status, t.diagnosis, t.reply?.code, t.reply?.frame, d.a.sessions[1].diagnosis]).toEqual(['incomplete', null, 550, 56, null]);
    expect(t.verdict).toEqual({ kind: 'incomplete', bytes: 0, expected: null, why: 'capture-ended', underWay: { step: 'waiting', frame: 58 }, evidence: [51, 52, 53, 55, 56] });
    expect(verdictSentence(t)).toBe(
      'incomplete: the server answered RETR with 550 (frame 56); the session was still going when the capture ended (frame 58): whether the client got past the refusal another way is not in the capture.',
    );
    const { out, json } = await derivedTexts(d.file, ['summary', 'diagnose']);
    expect(json).toEqual([['1.1', 'completed', null], ['2.1', 'incomplete', null]]);
    expect(out.diagnose).not.toContain('server-refused');
  });

  it('cut at 56 (the 550 the last packet) and 62 (CWD pub unanswered): incomplete too; at 63 (CWD accepted) it falls back, as in audit 56', async () => {
    for (const [k, step] of [[56, 56], [62, 62]]) {
      const t = transfer((await upTo(name, k)).a, '2.1');
      expect([k, t.status, t.diagnosis, t.verdict.kind === 'incomplete' && t.verdict.underWay]).toEqual([k, 'incomplete', null, { step: 'waiting', frame: step }]);
    }
    const at63 = transfer((await upTo(name, 63)).a, '2.1');
    expect([at63.status, at63.diagnosis, at63.verdict.kind === 'fell-back' && at63.verdict.fallback.directory]).toEqual(['fell-back', null, { arg: 'pub', code: 250, replyFrame: 63 }]);
  });
});

describe("curl's FTPS download cut between the server's FIN on the data connection and the client's", () => {
  const name = 'ftps-large-vsftpd-curl';

  it('cut at 3564 (the server\'s FIN, the client\'s at 3565 7 ms later): 1.1 hidden by TLS, incomplete, no cause; "stalled" (its zero windows 161…260) before; 3565 on: complete', async () => {
    const d = await upTo(name, 3564);
    const t = transfer(d.a, '1.1');
    const c = t.connection!;
    expect([t.inferred, t.direction, t.bytes, c.bytesToClient > c.bytesToServer, c.handshake.filter((e) => e.type === 'fin').map((e) => [e.by, e.frame])]).toEqual([
      'tls-hidden', null, 4202198, true, [['server', 3564]],
    ]);
    expect(c.zeroWindowFrames.slice(0, 5)).toEqual([161, 203, 218, 250, 260]);
    expect([t.status, t.diagnosis]).toEqual(['incomplete', null]);
    expect(t.verdict).toEqual({ kind: 'unknown', why: 'tls-hidden', bytes: 4202198, cause: null, evidence: [29, 30] });
    expect(d.a.sessions[0].diagnosis?.cause).toBe('tls-hidden');
    const next = transfer((await upTo(name, 3565)).a, '1.1');
    expect([next.status, next.diagnosis]).toEqual(['complete', null]);
  });
});

describe("a capture starting after ftpcopy's PASV: MLSD refused 500, then LIST over the same data connection", () => {
  const name = 'a39-ftpcopy-vsftpd';

  it('the recording: PASV (71), 227 (72), the data connection (SYN 73, SYN-ACK 74), MLSD (76) refused 500 (77), LIST (78), 150 (79), its 64 bytes (80), 226 (85)', () => {
    expect(ftpRows(name, '0').filter(([f]) => f >= 71 && f <= 85)).toEqual([[71, 'PASV'], [72, '227'], [76, 'MLSD'], [77, '500'], [78, 'LIST'], [79, '150'], [85, '226']]);
  });

  it('from 74: MLSD fell back to LIST, LIST completed over that connection (64 bytes); MLSD "aborted by the server, cause aborted" and LIST "data not captured" before', async () => {
    const d = await from(name, 74);
    const mlsd = transfer(d.a, '1.1');
    const list = transfer(d.a, '1.2');
    expect([mlsd.request?.command, mlsd.connection, mlsd.status, mlsd.diagnosis]).toEqual(['MLSD', null, 'fell-back', null]);
    expect(mlsd.verdict).toMatchObject({ kind: 'fell-back', code: 500, reply: d.at(77), fallback: { command: 'LIST', frame: d.at(78), transfer: '1.2', completed: true } });
    expect([list.request?.command, list.status, list.diagnosis, list.bytes, list.connection?.synAckFrames, list.announcedBeforeCapture]).toEqual(['LIST', 'complete', null, 64, [d.at(74)], true]);
    expect(list.verdict).toMatchObject({ kind: 'completed', bytes: 64, evidence: [d.at(74), d.at(78), d.at(85)] });
    const { json } = await derivedTexts(d.file, ['summary']);
    expect(json.slice(0, 2)).toEqual([['1.1', 'fell-back', null], ['1.2', 'completed', null]]);
  });
});

describe('a capture starting after two sessions asked for their files over PORT', () => {
  const name = 'active-two-sessions-vsftpd-python';

  it('the recording: session 1 PORT (32), session 2 PORT (35), RETR left.bin (37), RETR right.bin (38); session 2\'s 150 (42) and 226 (57) around the first data connection (SYN 39), session 1\'s 150 (63) and 226 (77) around the second (SYN 60)', () => {
    expect([...ftpRows(name, '0'), ...ftpRows(name, '1')].filter(([f]) => f >= 32 && f <= 77).sort((a, b) => a[0] - b[0])).toEqual([
      [32, 'PORT'], [33, '200'], [35, 'PORT'], [36, '200'], [37, 'RETR'], [38, 'RETR'], [42, '150'], [57, '226'], [63, '150'], [77, '226'],
    ]);
  });

  it('from 37: session 1 takes the second data connection (7,000 bytes), session 2 the first (9,000); session 1 took 9,000 bytes of a 7,000-byte file and session 2 read "data not captured" before', async () => {
    const d = await from(name, 37);
    const [left, right] = [transfer(d.a, '1.1'), transfer(d.a, '2.1')];
    expect([left.request?.arg, left.status, left.diagnosis, left.bytes, left.connection?.synFrames]).toEqual(['left.bin', 'complete', null, 7000, [d.at(60)]]);
    expect([right.request?.arg, right.status, right.diagnosis, right.bytes, right.connection?.synFrames]).toEqual(['right.bin', 'complete', null, 9000, [d.at(39)]]);
    expect(left.verdict).toMatchObject({ kind: 'completed', bytes: 7000, expected: 7000 });
    expect(right.verdict).toMatchObject({ kind: 'completed', bytes: 9000, expected: 9000 });
    const full = await analyze(name);
    expect([transfer(full, '1.1').bytes, transfer(full, '2.1').bytes]).toEqual([7000, 9000]);
  });
});

describe('a capture starting after a 227 whose data connection reuses the last one\'s client port (python binding 40000 each time)', () => {
  const name = 'pasv-one-port-vsftpd-python';

  it('from 32 (the last ACK of the first data connection, 40000 → 50000, then the second\'s SYN at 37 on the same ports): RETR second.bin completed over its own connection; the SYN was taken into the first\'s tail before ("data not captured")', async () => {
    expect(ftpRows(name, '0').filter(([f]) => f >= 35 && f <= 41)).toEqual([[35, 'PASV'], [36, '227'], [40, 'RETR'], [41, '150']]);
    const d = await from(name, 32);
    const t = d.a.sessions[0].transfers.find((x) => x.request?.arg === 'second.bin')!;
    expect([t.status, t.diagnosis, t.bytes, t.connection?.synFrames, t.connection?.midstream]).toEqual(['complete', null, 6000, [d.at(37)], false]);
    expect(t.verdict).toMatchObject({ kind: 'completed', bytes: 6000, expected: 6000, evidence: [d.at(36), d.at(37), d.at(38), d.at(40), d.at(55)] });
  });
});

describe("a capture starting between lftp's PASV sent twice (a lossy control connection, seen at the server) and vsftpd's 227", () => {
  const name = 'ctrl-lossy-server-side-vsftpd-lftp';

  it('from 66 (the 227; lftp\'s PASV sent again at 67, already acknowledged by the 227): the STOR (91) completed, its 226 (99) its own; the PASV sent again read as a new command shifted every reply, STOR "failed, server-refused" (the SITE\'s 500, 102) before', async () => {
    expect(ftpRows(name, '0').filter(([f]) => f >= 83 && f <= 102)).toEqual([[83, 'PASV'], [84, '227'], [91, 'STOR'], [93, '150'], [99, '226'], [101, 'SITE'], [102, '500']]);
    const d = await from(name, 66);
    const stor = d.a.sessions[0].transfers.find((x) => x.request?.command === 'STOR')!;
    expect([stor.status, stor.diagnosis, stor.reply?.code, stor.reply?.frame, stor.bytes]).toEqual(['complete', null, 226, d.at(99), 259]);
    expect(d.a.sessions[0].commands.slice(0, 3).map((c) => [c.command, c.reply?.code])).toEqual([[null, 227], ['RETR', 226], ['PASV', 227]]);
  });
});

describe("a capture starting after ncftp's third PASV: its data connection refused before its RETR", () => {
  const name = 'fail-passive-refused-pureftpd-ncftp';

  it('from 39 (the SYN to the 227\'s port, reset at 40, RETR at 41): failed, passive-refused, evidence 39, 40, 41; "incomplete, not-in-capture" before', async () => {
    const d = await from(name, 39);
    const t = d.a.sessions[0].transfers[0];
    expect([t.request?.command, t.status, t.diagnosis?.cause, t.connection?.synFrames, t.connection?.rst?.frame]).toEqual(['RETR', 'failed', 'passive-refused', [d.at(39)], d.at(40)]);
    expect(t.diagnosis?.evidence).toEqual([d.at(39), d.at(40), d.at(41)]);
    const full = (await analyze(name)).sessions[0].transfers.find((x) => x.request?.frame === 41)!;
    expect([full.status, full.diagnosis?.cause]).toEqual(['failed', 'passive-refused']);
  });
});

describe("a capture starting at a hostile server's 230 with a NUL in its text", () => {
  const name = 'hostile-server-python';

  it('from 72 (PASS; the 230 at 73 reads "230 café \\0 logged in"): FTP, its RETR (83) and LIST (98) completed; the session "not FTP" and both "not-in-capture" before', async () => {
    const d = await from(name, 72);
    const s = d.a.sessions[0];
    expect([s.diagnosis, s.login, s.commands[0].command, s.commands[0].reply?.code]).toEqual([null, 'logged-in', 'PASS', 230]);
    expect(s.transfers.filter((t) => t.request !== null).map((t) => [t.request!.command, t.status, t.diagnosis, t.request!.frame])).toEqual([
      ['RETR', 'complete', null, d.at(83)],
      ['LIST', 'complete', null, d.at(98)],
    ]);
  });
});

describe('a capture starting after a PORT naming the client\'s second address', () => {
  const name = 'multihomed-port-vsftpd-python';

  it('from 18 (PORT 192,0,2,11 at 17; vsftpd connects from 40003 to 192.0.2.11 at 22): RETR hello.txt completed over that connection; "data not captured" before', async () => {
    const d = await from(name, 18);
    const t = d.a.sessions[0].transfers[0];
    expect([t.request?.arg, t.mode, t.status, t.diagnosis, t.bytes, t.connection?.synFrames]).toEqual(['hello.txt', 'active', 'complete', null, 511, [d.at(22)]]);
    expect(t.verdict).toMatchObject({ kind: 'completed', bytes: 511, evidence: [d.at(19), d.at(22), d.at(23), d.at(31)] });
  });
});

describe("lftp's FXP copy refused, under a budget of one session", () => {
  const name = 'fxp-refused-vsftpd-pyftpdlib-lftp';

  it('the one session kept, RETR (217) after PASV (227 at 216), nothing connected, no reply: not followed (the client\'s sessions to pyftpdlib let go), no cause; "not-in-capture" before', async () => {
    const a = await analyzeFiles([path(name)], { fileName: name, thread: false, maxSessions: 1 });
    expect(a.sessions.length).toBe(1);
    const s = a.sessions[0];
    const t = s.transfers[0];
    expect([t.request?.frame, t.announce?.reply?.frame, t.connection, t.reply, t.status, t.diagnosis]).toEqual([217, 216, null, null, 'incomplete', null]);
    // Session 2 (to pyftpdlib, from the full capture's frame 64 on), whose PORT 218 the server refused, let go.
    expect(s.otherServersNotKept?.from).toBeLessThan(66);
    expect(s.otherServersNotKept!.to).toBeGreaterThan(216);
    expect(t.verdict).toMatchObject({ kind: 'incomplete', why: 'not-followed', otherServersFrom: s.otherServersNotKept!.from });
    expect(verdictSentence(t)).toMatch(/^not followed to its end: nothing connected to the endpoint its PASV announced and the server never answered, while the analysis did not keep the client's sessions to another server \(from frame \d+: /);
    const full = (await analyze(name)).sessions[5].transfers[0];
    expect([full.request?.frame, full.status, full.diagnosis?.cause]).toEqual([217, 'failed', 'fxp-refused']);
  });
});

describe('vsftpd gives a PASV port to the next session after a 425, under a command budget of 20', () => {
  const name = 'pasv-port-reused-vsftpd-python';

  it('session 2\'s RETR (34) answered 425 (36) before any connection; session 1\'s PASV (40) and RETR (45), whose data connection (stream 2) took the same port, past the budget: 2.1 stays passive-unreached, not given stream 2 ("server-refused" before)', async () => {
    expect(ftpRows(name, '1').filter(([f]) => f >= 32 && f <= 36)).toEqual([[32, 'PASV'], [33, '227'], [34, 'RETR'], [36, '425']]);
    const a = await analyzeFiles([path(name)], { fileName: name, thread: false, maxCommandsTotal: 20 });
    expect(a.sessions[0].commandsNotKept).toEqual({ count: 4, from: 37 });
    const t = a.sessions[1].transfers[0];
    expect([t.request?.frame, t.reply?.code, t.connection, t.status, t.diagnosis?.cause, t.diagnosis?.evidence]).toEqual([34, 425, null, 'failed', 'passive-unreached', [33, 34, 36, 57]]);
    const full = (await analyze(name)).sessions[1].transfers[0];
    expect([full.connection, full.diagnosis?.cause, full.diagnosis?.evidence]).toEqual([null, 'passive-unreached', [33, 34, 36, 57]]);
  });
});
