/**
 * The fifty-sixth verdict audit: a capture that STOPS early (tcpdump -c, a ring buffer, a capture
 * stopped by hand) must not make a false verdict of what it cut. scripts/sweep/prefix-sweep.mjs
 * analysed the first k records of every fixture for every k and compared each transfer and session
 * with the full capture's; each group it left is a case here, derived from a committed real fixture
 * by keeping its first k records (test/support/pcap-edit.ts), with the full capture's verdicts beside
 * it. A prefix numbers its frames as the full capture does. Frames are tshark's (NAME.tshark-*.tsv).
 *
 * - a split download's segment the client closed (axel, aria2c, lftp pget) before the capture shows
 *   the segment after it: read "aborted by the client" with the cause `aborted` and its advice, where
 *   the full capture reads one finished piece. The capture cannot know the piece's range at the cut,
 *   but it knows the client's other session to the server was still under way: splitPending,
 *   incomplete, no diagnosis (split-download.ts findPendingSplits).
 * - lftp's ABOR once a pget piece is in, its answer and the data's end still to come: "aborted by the
 *   client", where the server then sent the rest and 226 (in-flight.ts `aborting`).
 * - aria2c closes a finished segment's control connection before its data connection: cut between
 *   the two, "incomplete, the control connection closed"; the segment is found from that close.
 * - a control connection that turned to TLS just before the cut (AUTH's 234, then the handshake):
 *   the tls-hidden diagnosis, where the full capture shows a CCC, or a key log decrypting it.
 * - a 2xx before its data (pure-ftpd, Twisted), the data not all in and its sender not closed:
 *   "completed", where the rest came later (or never: the path lost it).
 * - urllib's RETR of a directory (550), the CWD into it accepted, its LIST under way or to come:
 *   "failed, server-refused", where the full capture shows it fell back.
 * And from the suffix sweep (scripts/sweep/suffix-sweep.mjs), a capture that starts late: after
 * pure-ftpd's greeting, its fresh TLS data sessions read tls-session-not-reused; after a 227, an empty
 * file's data connection, or Twisted's whose 226 came before its data, read "data not captured".
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verdictSentence } from '../../src/render/verdict-words.js';
import { analyze, derived, derivedTexts, ftpRows, transfer, type Derived } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit56-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The fixture's first `k` records, as a capture stopped there. */
const upTo = (name: string, k: number): Promise<Derived> => derived(tmp, name, `to-${k}`, (f) => f <= k);
/** The fixture from full-capture frame `start` on, as a capture started there (frames numbered from 1). */
const from = (name: string, start: number): Promise<Derived> => derived(tmp, name, `from-${start}`, (f) => f >= start);

/** tshark's FTP rows of a gzipped fixture's control connection: [frame, command or reply code]. */
function ftpRowsGz(name: string, stream: string): Array<[number, string]> {
  const lines = gunzipSync(readFileSync(join(__dirname, '../../fixtures', `${name}.tshark-ftp.tsv.gz`))).toString('latin1').split('\n').slice(1);
  return lines
    .map((l) => l.split('\t'))
    .filter((f) => f[1] === stream && (f[8] || f[10]))
    .map((f) => [Number(f[0]), f[8] || f[10]]);
}

const FAILURE = /aborted|failed|did not complete/i;

describe('a split download cut before the segment after it: not known yet, not aborted', () => {
  const name = 'a29-axel-split-pureftpd';

  it('the recording: session 3 asks REST 2195456 (1237) and RETR (1239), pure-ftpd says 226 (1615) as it queues the data, axel resets the data connection (2968), session 5 asks the next piece (REST 3018240, 3195; RETR 3197)', async () => {
    expect(ftpRowsGz(name, '3').filter(([f]) => f >= 1237 && f <= 1615)).toEqual([[1237, 'REST'], [1238, '350'], [1239, 'RETR'], [1240, '150'], [1615, '226']]);
    expect(ftpRowsGz(name, '8').filter(([f]) => f >= 3184 && f <= 3198)).toEqual([
      [3184, '230'], [3185, 'TYPE'], [3187, '200'], [3188, 'CWD'], [3189, '250'], [3190, 'PASV'], [3191, '227'], [3195, 'REST'], [3196, '350'], [3197, 'RETR'], [3198, '150'],
    ]);
    const full = transfer(await analyze(name), '3.1');
    expect([full.status, full.diagnosis, full.verdict.kind === 'completed' && full.verdict.segment]).toEqual([
      'complete', null, { start: 2195456, end: 3018240, size: 3293184, next: { session: 5, transfer: 1, frame: 3197 }, closed: 2968, whole: true },
    ]);
  });

  it('cut at 3185 (session 5 logged in, its REST not yet sent): 3.1 incomplete, splitPending (reset 2968, to byte 3,131,680; session 5 under way at 3185), no cause; "aborted by the client", cause aborted, before', async () => {
    const d = await upTo(name, 3185);
    const t = transfer(d.a, '3.1');
    expect([t.status, t.diagnosis, t.bytes, t.restOffset, t.reply?.code, t.reply?.frame, t.connection?.rst?.frame]).toEqual(['incomplete', null, 936224, 2195456, 226, 1615, 2968]);
    expect(t.verdict).toMatchObject({ kind: 'incomplete', why: 'capture-ended', splitPending: { how: 'rst', closed: 2968, reach: 2195456 + 936224, session: 5, frame: 3185 } });
    expect(t.verdict.evidence).toEqual([1233, 1234, 1235, 1239, 1615, 2968, 3185]);
    expect(d.a.sessions.map((s) => s.diagnosis)).toEqual(d.a.sessions.map(() => null));
    const sentence = verdictSentence(t);
    expect(sentence).toMatch(/^incomplete, not known yet: the client reset the data connection \(frame 2968\) with 936,224 of about 1,097,728 bytes/);
    expect(sentence).toContain('(from REST 2,195,456), up to byte 3,131,680 of the file, while its session 5 to the same server was still under way when the capture ended (frame 3185)');
    expect(sentence).toContain('whether this one was such a piece or a download stopped short, the capture ended too soon to show.');
    const { out, json } = await derivedTexts(d.file, ['summary', 'transfers', 'diagnose', 'explain', 'logs']);
    expect(json.find((r) => r[0] === '3.1')).toEqual(['3.1', 'incomplete', null]);
    expect(out.summary).toMatch(/3\.1 passive RETR seg3m\.txt 198\.51\.100\.20:50016 936224 226 incomplete/);
    expect(out.transfers).toContain('incomplete, not known yet: the client reset the data connection (frame 2968)');
    expect(out.diagnose).not.toMatch(/aborted by the client|\baborted\b.*3\.1/);
    expect(out.explain).toContain('incomplete, not known yet: the client reset the data connection (frame 2968)');
    expect(out.explain).not.toContain('transfer 1 aborted');
  });

  it('cut at 1130 (sessions 2 and 3 still logging in, no second download asked yet): 1.1 incomplete, splitPending with session 2 (its PASS, 144); the logins pending', async () => {
    expect(ftpRowsGz(name, '2').filter(([f]) => f <= 1146)).toEqual([[136, '220'], [140, 'USER'], [142, '331'], [144, 'PASS'], [1132, '230'], [1133, 'TYPE'], [1135, '200'], [1136, 'CWD'], [1137, '250'], [1138, 'PASV'], [1139, '227'], [1143, 'REST'], [1144, '350'], [1145, 'RETR'], [1146, '150']]);
    const d = await upTo(name, 1130);
    const t = transfer(d.a, '1.1');
    expect([t.status, t.diagnosis, t.bytes, t.connection?.rst?.by, t.connection?.rst?.frame]).toEqual(['incomplete', null, 1214408, 'client', 1126]);
    expect(t.verdict).toMatchObject({ kind: 'incomplete', why: 'capture-ended', expected: 3293184, splitPending: { how: 'rst', closed: 1126, reach: 1214408, session: 2, frame: 144 } });
    expect(d.a.sessions.map((s) => [s.id, s.login, s.diagnosis])).toEqual([[1, 'logged-in', null], [2, 'pending', null], [3, 'pending', null], [4, 'none', null]]);
    const full = transfer(await analyze(name), '1.1');
    expect([full.status, full.verdict.kind === 'completed' && full.verdict.segment && full.verdict.segment.next]).toEqual(['complete', { session: 2, transfer: 1, frame: 1145 }]);
  });

  it('a29-axel-split-vsftpd cut at 3460: 3.1 closed (3445) short of the segment asked before it (2.1 at 2,195,456), the piece axel asks next (6.1, REST 2126132 at 3483) not yet: incomplete, not aborted', async () => {
    const v = 'a29-axel-split-vsftpd';
    expect(ftpRowsGz(v, '10').filter(([f]) => f >= 3481 && f <= 3483)).toEqual([[3481, 'REST'], [3482, '350'], [3483, 'RETR']]);
    const d = await upTo(v, 3460);
    const t = transfer(d.a, '3.1');
    expect([t.status, t.diagnosis, t.restOffset, t.bytes]).toEqual(['incomplete', null, 1097728, 1051984]);
    expect(t.verdict).toMatchObject({ kind: 'incomplete', splitPending: { how: 'rst', closed: 3445, reach: 1097728 + 1051984 } });
    expect(verdictSentence(t)).not.toMatch(FAILURE);
    const full = transfer(await analyze(v), '3.1');
    expect([full.status, full.verdict.kind === 'completed' && full.verdict.segment && full.verdict.segment.next]).toEqual(['complete', { session: 6, transfer: 1, frame: 3483 }]);
  });
});

describe("aria2c closes a finished segment's control connection before its data connection", () => {
  const name = 'a29-aria2c-split-vsftpd';

  it('cut at 2915 (the control connection closed by the client at 2912, its data connection FIN at 2913, its reset at 2922): 1.1 a finished segment, closed by its control connection; "incomplete, the control connection closed" before', async () => {
    expect(ftpRowsGz(name, '0').filter(([f]) => f >= 28 && f <= 37)).toEqual([[28, '227'], [34, 'REST'], [35, '350'], [36, 'RETR'], [37, '150']]);
    const d = await upTo(name, 2915);
    const t = transfer(d.a, '1.1');
    expect([t.status, t.diagnosis, t.reply, d.a.sessions[0].closedBy?.frame, d.a.sessions[0].closedBy?.by]).toEqual(['complete', null, null, 2912, 'client']);
    expect(t.verdict).toMatchObject({
      kind: 'completed',
      segment: { start: 0, end: 1048576, size: 3293184, next: { session: 3, transfer: 1, frame: 696 }, closed: 2912, control: true, whole: true },
    });
    expect(verdictSentence(t)).toContain('and the client closed its control connection (frame 2912) once its bytes reached the start of the next segment, transfer 3.1 (REST 1,048,576, frame 696)');
    const { out, json } = await derivedTexts(d.file, ['summary', 'transfers', 'diagnose']);
    expect(json).toEqual([['1.1', 'completed', null], ['2.1', 'completed', null], ['3.1', 'completed', null]]);
    expect(out.summary).toContain('1.1 passive RETR seg3m.txt 198.51.100.20:50009 1107168 - complete (segment)');
    expect(out.diagnose).toBe('No failed data connections in 3 sessions: 3 transfers (3 complete). ');
    // The full capture: the same segment, closed by the client's FIN of the data connection (2913).
    const full = transfer(await analyze(name), '1.1');
    expect(full.verdict.kind === 'completed' && full.verdict.segment).toEqual({ start: 0, end: 1048576, size: 3293184, next: { session: 3, transfer: 1, frame: 696 }, closed: 2913, whole: true });
  });
});

describe("lftp's ABOR once a pget piece is in: its answer still to come is no abort yet", () => {
  const name = 'pget-segment-reset-vsftpd-lftp';

  it('the recording: REST 87382 (161), RETR (163), 150 (164), ABOR (276), and vsftpd sent the rest and 226 (325), then 225 to the ABOR (326): complete in full, the ABOR a late one', async () => {
    expect(ftpRows(name, '2').filter(([f]) => f >= 161 && f <= 326 && f !== 274 && f !== 275)).toEqual([[161, 'REST'], [162, '350'], [163, 'RETR'], [164, '150'], [276, 'ABOR'], [325, '226'], [326, '225']]);
    const full = transfer(await analyze(name), '3.1');
    expect([full.status, full.verdict.kind, full.diagnosis, full.abortFrame, full.lateAbortFrame, full.bytes]).toEqual(['complete', 'completed', null, null, 276, 174762]);
  });

  it('cut at 300 (ABOR sent, no answer, the data still coming): 3.1 incomplete, under way aborting at 276, no cause; "aborted by the client", cause aborted, before', async () => {
    const d = await upTo(name, 300);
    const t = transfer(d.a, '3.1');
    expect([t.status, t.diagnosis, t.abortFrame, t.reply, t.bytes, t.connection?.close]).toEqual(['incomplete', null, 276, null, 161562, null]);
    expect(t.verdict).toEqual({ kind: 'incomplete', bytes: 161562, expected: 174762, why: 'capture-ended', underWay: { step: 'aborting', frame: 276 }, evidence: [157, 158, 159, 163, 276] });
    expect(verdictSentence(t)).toBe(
      'incomplete: the client sent ABOR (frame 276) with 161,562 of 174,762 announced bytes in, its data still coming, and the capture ended before the server answered: ' +
        'whether the ABOR cut the transfer short or came as it finished is not in the capture.',
    );
    const { out, json } = await derivedTexts(d.file, ['summary', 'transfers', 'diagnose', 'explain']);
    expect(json.find((r) => r[0] === '3.1')).toEqual(['3.1', 'incomplete', null]);
    expect(out.summary).toContain('3.1 passive RETR r256k.bin 198.51.100.20:50039 161562 - incomplete 161,562/174,762');
    expect(out.transfers).toContain('ABOR frame 276, unanswered when the capture ended');
    expect(out.transfers).not.toContain('aborted by the client');
    expect(out.explain).toContain("The client asks the server to abort it: ABOR (frame 276), while its data is still coming; the capture ends before the server's answer.");
    expect(out.explain).not.toContain('The client aborts it');
    expect(out.diagnose).not.toContain('aborted by the client');
  });

  it('cut at 326 (the 226 and 225 in): complete, as in full', async () => {
    const t = transfer((await upTo(name, 326)).a, '3.1');
    expect([t.status, t.verdict.kind, t.diagnosis, t.lateAbortFrame]).toEqual(['complete', 'completed', null, 276]);
  });
});

describe('a control connection turned to TLS just before the cut: no tls-hidden diagnosis yet', () => {
  const name = 'ccc-proftpd-python';

  it('the recording: AUTH (8), 234 (10) at 0.114 s, the handshake, CCC in TLS, clear text again from TYPE (31): no diagnosis in full', async () => {
    expect(ftpRows(name, '0').filter(([f]) => f >= 8 && f <= 34)).toEqual([[8, 'AUTH'], [10, '234'], [31, 'TYPE'], [32, '200'], [33, 'PASV'], [34, '227']]);
    expect((await analyze(name)).sessions[0].diagnosis).toBeNull();
  });

  it('cut at 20 (the handshake just done) and at 30 (CCC answered in TLS): no session diagnosis; tls-hidden before', async () => {
    for (const k of [20, 30]) {
      const d = await upTo(name, k);
      expect([k, d.a.sessions[0].tlsFrame, d.a.sessions[0].diagnosis]).toEqual([k, 10, null]);
      const { out } = await derivedTexts(d.file, ['diagnose']);
      expect(out.diagnose).not.toMatch(/tls-hidden|control channel is encrypted/);
    }
  });

  it('a capture whose TLS hid the rest for longer than a retransmission timeout keeps its tls-hidden diagnosis (ftps-large-vsftpd-curl)', async () => {
    expect((await analyze('ftps-large-vsftpd-curl')).sessions.map((s) => s.diagnosis?.cause)).toEqual(['tls-hidden']);
  });
});

describe("a 2xx that came before its data: no proof yet while the data is owed", () => {
  it('a40-client-rate-pureftpd-wget cut at 63: pure-ftpd\'s 226 (33) before wget, reading at a limited rate, had 7,300 of the 30,000 bytes SIZE stated (213 at 22): incomplete, arriving (last data 56); "completed" before', async () => {
    const name = 'a40-client-rate-pureftpd-wget';
    expect(ftpRows(name, '0').filter(([f]) => f >= 21 && f <= 157)).toEqual([[21, 'SIZE'], [22, '213'], [23, 'PASV'], [24, '227'], [28, 'RETR'], [29, '150'], [33, '226'], [157, '226']]);
    const d = await upTo(name, 63);
    const t = transfer(d.a, '1.1');
    expect([t.status, t.diagnosis, t.bytes, t.expectedSize, t.reply?.frame, t.connection?.close]).toEqual(['incomplete', null, 7300, 30000, 33, null]);
    expect(t.verdict).toMatchObject({ kind: 'incomplete', why: 'capture-ended', arriving: { reply: 33, lastData: 56 } });
    expect(verdictSentence(t)).toBe(
      'incomplete: 7,300 of 30,000 announced bytes had arrived when the capture ended; the server had already replied 226 (frame 33), as it does once its data is queued, ' +
        'and its data was still arriving (frame 56): the capture ended before the rest of it did.',
    );
    const { json } = await derivedTexts(d.file, ['summary']);
    expect(json).toEqual([['1.1', 'incomplete', null]]);
    const full = transfer(await analyze(name), '1.1');
    expect([full.status, full.verdict.kind, full.bytes]).toEqual(['complete', 'completed', 30000]);
  });

  it('a41-frag-blackhole-vsftpd-python cut at 57: vsftpd\'s 226 (50) while none of the 40,000 bytes came whole (every first fragment, 40-57, its rest dropped): incomplete, nothing arrived; "completed" before', async () => {
    const name = 'a41-frag-blackhole-vsftpd-python';
    expect(ftpRows(name, '0').filter(([f]) => f >= 34 && f <= 50)).toEqual([[34, '227'], [38, 'RETR'], [39, '150'], [50, '226']]);
    const d = await upTo(name, 57);
    const t = transfer(d.a, '1.2');
    expect([t.status, t.diagnosis, t.bytes, t.expectedSize, t.reply?.frame, t.connection?.close]).toEqual(['incomplete', null, 0, 40000, 50, null]);
    expect(t.verdict).toEqual({ kind: 'incomplete', bytes: 0, expected: 40000, why: 'capture-ended', arriving: { reply: 50, lastData: null }, evidence: [34, 35, 36, 38, 50] });
    expect(verdictSentence(t)).toBe(
      'incomplete: 0 of 40,000 announced bytes had arrived when the capture ended; the server had already replied 226 (frame 50), as it does once its data is queued, ' +
        'and none of its data was in the capture yet, its sender not closed: the capture ended before it came.',
    );
    const { out, json } = await derivedTexts(d.file, ['summary', 'diagnose']);
    expect(json).toEqual([['1.1', 'completed', null], ['1.2', 'incomplete', null]]);
    expect(out.diagnose).toContain('No failed data connections in 1 session: 2 transfers (1 complete, 1 incomplete).');
    // The full capture: the client gave up at 58 (its FIN, eight seconds on): aborted, path-loss.
    const full = transfer(await analyze(name), '1.2');
    expect([full.status, full.diagnosis?.cause]).toEqual(['aborted', 'path-loss']);
  });

  it('healthy-twisted-ftp cut at 25: Twisted\'s 125 and 226 in one segment (25) before the listing\'s 292 bytes (26): incomplete, nothing arrived yet; "completed" with 0 bytes before', async () => {
    const name = 'healthy-twisted-ftp';
    const d = await upTo(name, 25);
    const t = transfer(d.a, '1.1');
    expect([t.request?.command, t.status, t.diagnosis, t.bytes, t.preliminary?.frame, t.reply?.code, t.reply?.frame]).toEqual(['LIST', 'incomplete', null, 0, 25, 226, 25]);
    expect(t.verdict).toMatchObject({ kind: 'incomplete', arriving: { reply: 25, lastData: null } });
    const at26 = transfer((await upTo(name, 30)).a, '1.1');
    expect([at26.status, at26.verdict.kind, at26.bytes]).toEqual(['complete', 'completed', 292]);
  });
});

describe("urllib's RETR of a directory, cut on its way to the listing", () => {
  const name = 'a18-vsftpd-urllib';

  it('the recording: RETR pub (55) refused 550 (56), TYPE A, PWD, CWD pub (62) accepted 250 (63), CWD back, PASV, LIST pub (72), 150 (73), 226 (80): fell back in full', async () => {
    expect(ftpRows(name, '2').filter(([f]) => f >= 55 && f <= 80)).toEqual([
      [55, 'RETR'], [56, '550'], [58, 'TYPE'], [59, '200'], [60, 'PWD'], [61, '257'], [62, 'CWD'], [63, '250'], [64, 'CWD'], [65, '250'], [66, 'PASV'], [68, '227'], [72, 'LIST'], [73, '150'], [80, '226'],
    ]);
    const full = transfer(await analyze(name), '2.1');
    expect([full.status, full.diagnosis, full.verdict.kind === 'fell-back' && full.verdict.fallback.directory]).toEqual(['fell-back', null, { arg: 'pub', code: 250, replyFrame: 63 }]);
  });

  it('cut at 65 (the CWD into pub accepted, no LIST yet): fell back, the listing to come; "failed, server-refused" before', async () => {
    const d = await upTo(name, 65);
    const t = transfer(d.a, '2.1');
    expect([t.status, t.diagnosis, d.a.sessions[1].diagnosis]).toEqual(['fell-back', null, null]);
    expect(t.verdict.kind === 'fell-back' && t.verdict.fallback).toEqual({
      command: null, frame: null, transfer: null, completed: false, directory: { arg: 'pub', code: 250, replyFrame: 63 }, underWay: 65,
    });
    expect(verdictSentence(t)).toBe(
      'refused, and no failure so far: pub is a directory, not a file (550, frame 56); the client changed into it (CWD pub, 250, frame 63), ' +
        'and the capture ended while the client was still going (frame 65), before it listed it: how that went is not in the capture.',
    );
    const { out, json } = await derivedTexts(d.file, ['summary', 'explain', 'diagnose']);
    expect(json).toEqual([['1.1', 'completed', null], ['2.1', 'fell-back', null]]);
    expect(out.summary).toContain('2.1 passive RETR pub 198.51.100.20:50003 0 550 refused (a directory), its listing to come');
    expect(out.explain).toContain('transfer 1 refused (a directory), its listing to come, which was still under way when the capture ended (frame 65): no failure');
    expect(out.diagnose).not.toContain('server-refused');
  });

  it('cut at 75 (LIST pub under way): fell back to LIST pub, transfer 2.2 under way; cut at 60 (before the CWD): not known yet (audit 59: a 550 on a name that may be a directory, nothing after it deciding, is in flight)', async () => {
    const t = transfer((await upTo(name, 75)).a, '2.1');
    expect([t.status, t.diagnosis]).toEqual(['fell-back', null]);
    expect(t.verdict.kind === 'fell-back' && t.verdict.fallback).toMatchObject({ command: 'LIST pub', frame: 72, transfer: '2.2', directory: { arg: 'pub', code: 250, replyFrame: 63 } });
    expect(verdictSentence(t)).toContain('the client changed into it (CWD pub, 250, frame 63) and listed it with LIST pub (frame 72, transfer 2.2), and the capture ended while that was still under way');
    const at60 = transfer((await upTo(name, 60)).a, '2.1');
    expect([at60.status, at60.diagnosis]).toEqual(['incomplete', null]);
  });
});


describe('a capture that starts after pure-ftpd\'s greeting: which server it was is not in it', () => {
  const name = 'ftps-pureftpd-python';

  it('the recording: 220 Pure-FTPd (6), AUTH TLS (8), 234 (10); four data connections, each a new TLS session (pure-ftpd needs no reuse): no tls-session-not-reused in full', async () => {
    expect(ftpRows(name, '0').slice(0, 3)).toEqual([[6, '220'], [8, 'AUTH'], [10, '234']]);
    const a = await analyze(name);
    expect(a.sessions[0].greeting).toMatch(/Pure-FTPd/);
    expect([a.sessions[0].diagnosis?.cause, ...a.sessions[0].transfers.map((t) => [t.status, t.diagnosis])]).toEqual([
      'tls-hidden', ['complete', null], ['incomplete', null], ['incomplete', null], ['complete', null],
    ]);
  });

  it('from frame 10 on (the greeting and AUTH before it): no transfer nor the session gets tls-session-not-reused; before, 1.1 and 1.4 read it, the session too', async () => {
    const d = await from(name, 10);
    const s = d.a.sessions[0];
    expect([s.midstream, s.greeting, s.diagnosis?.cause]).toEqual([true, null, 'tls-hidden']);
    expect(s.transfers.map((t) => [t.id, t.inferred, t.connection?.synFrame, t.verdict.kind, t.diagnosis?.cause ?? null])).toEqual([
      [1, 'tls-hidden', d.at(32), 'unknown', null],
      [2, 'tls-hidden', d.at(61), 'unknown', null],
      [3, 'tls-hidden', d.at(85), 'unknown', null],
      [4, 'tls-hidden', d.at(112), 'unknown', null],
    ]);
    const { out } = await derivedTexts(d.file, ['diagnose', 'summary']);
    expect(out.diagnose).not.toMatch(/tls-session-not-reused|did not resume|session reuse/);
    expect(out.summary).not.toMatch(/TLS session not resumed/);
  });

  it('the implicit FTPS capture whose data sessions vsftpd refused (require_ssl_reuse), held from its SYN: tls-session-not-reused as before', async () => {
    const a = await analyze('ftps-implicit-reuse-required-vsftpd-python');
    expect([a.sessions[0].midstream, a.sessions[0].diagnosis?.cause, a.sessions[0].transfers[0].diagnosis?.cause]).toEqual([false, 'tls-session-not-reused', 'tls-session-not-reused']);
  });
});

describe('a capture that starts after the 227: a data connection that carried nothing, or whose 226 came first', () => {
  it('empty-vsftpd-python from frame 20 (the SYN-ACK of RETR empty.bin\'s data connection; its PASV, 227 and SYN before): completed, 0 bytes; "complete (replies; data not captured)" before', async () => {
    const name = 'empty-vsftpd-python';
    expect(ftpRows(name, '0').filter(([f]) => f >= 17 && f <= 27)).toEqual([[17, 'PASV'], [18, '227'], [22, 'RETR'], [23, '150'], [27, '226']]);
    const d = await from(name, 20);
    const t = transfer(d.a, '1.1');
    expect([t.request?.command, t.announcedBeforeCapture, t.status, t.verdict.kind, t.bytes, t.diagnosis]).toEqual(['RETR', true, 'complete', 'completed', 0, null]);
    expect(t.verdict.evidence).toEqual([20, 22, 27].map(d.at));
    expect(d.a.sessions[0].transfers.map((x) => [x.id, x.verdict.kind])).toEqual([[1, 'completed'], [2, 'completed'], [3, 'completed']]);
    const { out } = await derivedTexts(d.file, ['summary', 'transfers']);
    expect(out.summary).not.toMatch(/not captured/);
    expect(out.transfers).toContain(`completed: 0 bytes, all in the capture (226, frame ${d.at(27)}).`);
  });

  it('healthy-twisted-ftp from frame 24 (LIST; its 227 and the data SYN before): its data connection, seen mid-stream, is its own although Twisted\'s 226 (25) came before its data (26): mid-stream, not "data not captured"', async () => {
    const name = 'healthy-twisted-ftp';
    const d = await from(name, 24);
    const t = transfer(d.a, '1.1');
    expect([t.request?.command, t.status, t.connection?.midstream, t.bytes, t.reply?.frame]).toEqual(['LIST', 'complete', true, 292, d.at(25)]);
    expect(t.verdict).toEqual({ kind: 'unknown', why: 'midstream', bytes: 292, command: d.at(24), evidence: [24, 25].map(d.at) });
  });
});

describe('a refused login the capture ended on', () => {
  const name = 'relogin-vsftpd-python';

  it('the recording: PASS wrongpass (11) refused 530 (13), USER (14) 0.5 ms later, PASS (17), 230 (19): logged in, no diagnosis in full', async () => {
    expect(ftpRows(name, '0').slice(0, 8)).toEqual([[6, '220'], [8, 'USER'], [10, '331'], [11, 'PASS'], [13, '530'], [14, 'USER'], [16, '331'], [17, 'PASS']]);
    const a = await analyze(name);
    expect([a.sessions[0].login, a.sessions[0].diagnosis]).toEqual(['logged-in', null]);
  });

  it('cut at 13 (the 530 the last packet, the session open): the login pending, no login-failed; cut at 14 (the client\'s next USER): pending too; login-failed before', async () => {
    for (const k of [13, 14]) {
      const d = await upTo(name, k);
      const s = d.a.sessions[0];
      expect([k, s.control.kind, s.login, s.loginRefusal, s.diagnosis]).toEqual([k, 'opened', 'pending', null, null]);
    }
    const { out } = await derivedTexts((await upTo(name, 13)).file, ['summary', 'diagnose', 'explain']);
    expect(out.summary).toContain('fxa10user ?');
    expect(out.diagnose).not.toMatch(/login-failed|refused the login/);
    expect(out.explain).toContain('PASS **** (frame 11) → 530 Login incorrect. (frame 13)');
  });
});
