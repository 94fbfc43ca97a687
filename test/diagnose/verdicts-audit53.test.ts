/**
 * The fifty-third verdict audit: what audit 52's drop sweep (scripts/sweep/drop-sweep.mjs) left open
 * when a capture misses packets. Each case removes whole records from a committed real fixture
 * (test/support/pcap-edit.ts), as a kernel's or a SPAN port's drops would, and compares the verdicts
 * with the full capture's. Frames are tshark's (NAME.tshark-*.tsv) in the full capture; the derived
 * capture numbers its frames again, one less for each removed frame before (`at`).
 *
 * The largest group: a lost transfer command. Its 150 and 226 then came with nothing waiting, and
 * the announcement's transfer read "unused" (with the server's next refusal as its cause), "failed"
 * or "aborted", though the server's replies and the data connection to the announced endpoint say a
 * transfer ran. Now the transfer is inferred (inferred: command-lost) with what the capture proves.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { runCli } from '../cli/run-cli.js';
import { analyze, derived, derivedTexts, extractedFiles, factSha, ftpRows, path, tsv, type Derived } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit53-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The fixture without the records `drop` (full-capture frame numbers), as a capture that missed them. */
const without = (name: string, drop: number[]): Promise<Derived> => derived(tmp, name, `without-${drop.join('-')}`, (f) => !drop.includes(f));

/** Each transfer: [id, status, verdict, cause]. */
const rows = (a: Analysis): unknown[][] =>
  a.sessions.flatMap((s) => s.transfers.map((t) => [`${s.id}.${t.id}`, t.status, t.verdict.kind, t.diagnosis?.cause ?? null]));
/** Each session: [id, cause, control verdict]. */
const sessionRows = (a: Analysis): unknown[][] => a.sessions.map((s) => [s.id, s.diagnosis?.cause ?? null, s.control.kind]);

/** Outputs of the derived capture, flattened; summary --json's per-transfer [id, verdict, why, cause] last. */
const texts = (file: string, ...commands: string[]): Promise<{ out: Record<string, string>; json: unknown[][] }> =>
  derivedTexts(file, commands, (s, t) => [`${s.id}.${t.id}`, t.verdict.kind, t.verdict.why ?? null, t.diagnosis?.cause ?? null]);

const field = (name: string, frame: number): Record<string, string> => tsv(name, 'fields').find((r) => Number(r['frame.number']) === frame)!;
/** Words that call a transfer failed or aborted. */
const FAILED = /\b(failed|aborted|cut short|server-refused|refused the command)\b/i;

describe('a transfer command the capture lost: the server\'s replies and the data connection say a transfer ran', () => {
  it('STOR lost (tnftp → aioftp): its 150 and 226 came unasked; the upload is inferred, complete, with no cause — not "unused: the server refused the command"', async () => {
    // Before: transfer 1.3 "unused" with server-refused — the 502 to the later SIZE read as its refusal.
    const name = 'a18-aioftp-tnftp';
    expect(ftpRows(name, '0').filter(([f]) => f >= 61 && f <= 76)).toEqual([[61, 'EPSV'], [62, '229'], [66, 'STOR'], [67, '150'], [73, '226'], [75, 'SIZE'], [76, '502']]);
    // The server acknowledged the 16 bytes of "STOR upload.txt\r\n" the capture lost (its 150's ack).
    expect([field(name, 66)['tcp.len'], Number(field(name, 67)['tcp.ack_raw']) - Number(field(name, 66)['tcp.seq_raw'])]).toEqual(['17', 17]);
    const full = await analyze(name);
    expect(rows(full)[2]).toEqual(['1.3', 'complete', 'completed', null]);
    const d = await without(name, [66]);
    // Every other transfer and every session as in the full capture.
    expect(rows(d.a).filter((r) => r[0] !== '1.3')).toEqual(rows(full).filter((r) => r[0] !== '1.3'));
    expect(sessionRows(d.a)).toEqual(sessionRows(full));
    const s = d.a.sessions[0];
    const t = s.transfers[2];
    expect(t.inferred).toBe('command-lost');
    expect([t.request, t.announce?.command, t.announce?.frame, t.preliminary?.code, t.preliminary?.frame, t.reply?.code, t.reply?.frame]).toEqual([null, 'EPSV', 62, 150, d.at(67), 226, d.at(73)]);
    expect([t.direction, t.bytes, t.connection?.stream, t.connection?.bytesToServer, t.status, t.diagnosis]).toEqual(['upload', 259, 3, 259, 'complete', null]);
    expect(t.verdict).toEqual({ kind: 'unknown', why: 'command-lost', bytes: 259, expected: null, preliminary: d.at(67), reply: d.at(73), whole: true, evidence: [62, 63, 64, d.at(67), d.at(73)] });
    // The unasked replies stay unasked lines of the session (no command is made up for them).
    expect(s.commands.filter((c) => c.command === null).map((c) => [c.reply?.code, c.reply?.frame])).toEqual([[220, 6], [150, d.at(67)], [226, d.at(73)]]);
    const { out, json } = await texts(d.file, 'summary', 'transfers', 'diagnose', 'explain', 'timeline');
    expect(json[2]).toEqual(['1.3', 'unknown', 'command-lost', null]);
    expect(out.summary).toContain('1.3 passive - 198.51.100.20:50000 259 226 complete (command not captured)');
    expect(out.transfers).toContain('Transfer 1.3: passive, command not seen — complete (command not captured)');
    expect(out.transfers).toContain('requested not in the capture: the capture lost its transfer command, which the server answered');
    expect(out.transfers).toContain(
      'completed: the capture lost the transfer command, but the server answered it with 150 (frame 66) and 226 (frame 72), and its data connection to the announced endpoint (tcp.stream 3) carried 259 bytes, whole. Which command it was, and the file it named, are not in the capture.',
    );
    expect(out.explain).toContain('Transfer 3: a data connection announced in passive mode, used by a transfer command the capture lost (the server answered it: 150, frame 66; 226, frame 72)');
    // Told once, at its announcement: not again as an inferred connection, nor its replies as unasked lines.
    expect(out.explain).not.toMatch(/Transfer 3, inferred|unasked: 150 data transfer started/);
    expect(out.timeline).toContain('its transfer command is not in the capture (the capture lost it; the server answered it)');
    // diagnose tells it among what is not a failure, with the same sentence, and gives it no cause.
    expect(out.diagnose).toContain('Not failures, but not the whole story either:');
    expect(out.diagnose).toContain('Session 1, transfer 3 (passive, its command lost by the capture): completed: the capture lost the transfer command, but the server answered it with 150 (frame 66) and 226 (frame 72)');
    expect(out.diagnose).not.toMatch(/Session 1, transfer 3: /);
    for (const text of Object.values(out)) expect(text).not.toMatch(/transfer 1?\.?3 .{0,80}(unused|server-refused|was not used)/i);
  });

  it('the same upload\'s bytes are saved by extract: the file the client sent, byte for byte', async () => {
    const name = 'a18-aioftp-tnftp';
    const d = await without(name, [66]);
    const dir = mkdtempSync(join(tmp, 'x-'));
    const r = await runCli(['extract', '-o', join(dir, 'out'), d.file]);
    expect(r.code, r.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, 'out', 'manifest.json'), 'utf8'));
    const entry = (manifest.objects ?? manifest.files ?? []).find((o: any) => o.transfer === '1.3' || (o.session === 1 && o.transfer === 3));
    expect(entry, JSON.stringify(manifest).slice(0, 400)).toBeDefined();
    expect([entry.size ?? entry.bytes, entry.sha256]).toEqual([259, factSha(name, 'upload.txt')]);
    expect(JSON.stringify(entry)).toContain('the capture lost the transfer command');
    // The full capture's extract saved the same bytes under the file's name.
    expect(Object.values(await extractedFiles(name, dir))).toContain(factSha(name, 'upload.txt'));
  });

  it('RETR lost with its 150, the data SYN, SYN-ACK and first segment (GridFTP, active): the 226 and the data say a transfer ran — not "failed"', async () => {
    // Before: transfer 1.4 "failed" (no cause): a data connection whose opening the capture lacked, no command.
    const name = 'a18-gridftp-tnftp';
    expect(ftpRows(name, '0').filter(([f]) => f >= 71 && f <= 89)).toEqual([[71, 'EPRT'], [72, '200'], [73, 'RETR'], [77, '150'], [87, '226'], [89, 'MDTM']]);
    expect([74, 75, 76, 78].map((f) => [field(name, f)['tcp.flags'], field(name, f)['tcp.len']])).toEqual([
      ['0x0002', '0'],
      ['0x0012', '0'],
      ['0x0010', '0'],
      ['0x0010', '1448'],
    ]);
    const drop = [73, 74, 75, 76, 77, 78];
    const full = await analyze(name);
    expect(rows(full)[3]).toEqual(['1.4', 'complete', 'completed', null]);
    const d = await without(name, drop);
    expect(rows(d.a).filter((r) => r[0] !== '1.4')).toEqual(rows(full).filter((r) => r[0] !== '1.4'));
    expect(sessionRows(d.a)).toEqual(sessionRows(full));
    const t = d.a.sessions[0].transfers[3];
    expect([t.inferred, t.request, t.announce?.command, t.preliminary, t.reply?.code, t.reply?.frame]).toEqual(['command-lost', null, 'EPRT', null, 226, d.at(87)]);
    // 1,552 of the 3,000 bytes: the capture lost the opening (and the first 1,448 bytes with it), so nothing says it was whole.
    expect([t.connection?.midstream, t.connection?.stream, t.bytes, t.direction, t.status, t.diagnosis]).toEqual([true, 4, 1552, 'download', 'incomplete', null]);
    expect(t.verdict).toMatchObject({ kind: 'unknown', why: 'command-lost', bytes: 1552, preliminary: null, reply: d.at(87), whole: false });
    const { out, json } = await texts(d.file, 'summary', 'transfers', 'diagnose', 'explain');
    expect(json[3]).toEqual(['1.4', 'unknown', 'command-lost', null]);
    expect(out.transfers).toContain(
      'not known: the capture lost the transfer command, but the server answered it with 226 (frame 81), and its data connection to the announced endpoint (tcp.stream 4) carried 1,552 bytes after its opening, which the capture lost with whatever it carried. Which command it was, and the file it named, are not in the capture, nor whether the data was all there was to send.',
    );
    expect(out.summary).toContain('1.4 active - 192.0.2.10:60929 1552 226 unknown (command not captured)');
    for (const text of Object.values(out)) expect(text).not.toMatch(/transfer 1?\.?4\b.{0,60}\bfailed\b/i);
  });

  it('RETR lost, then the client\'s reset and the server\'s 426 (pyftpdlib): not "aborted" — the 426 answers a command the capture does not hold', async () => {
    // Before: "aborted" with cause aborted. In the full capture the SIZE's 511 and the client's ACK
    // of all 511 bytes before its reset make it completed; without the RETR, which file the 426
    // answered is not in the capture: not known, never failed.
    const name = 'a21-client-rst-now-pyftpdlib-python';
    expect(ftpRows(name, '0').filter(([f]) => f >= 15 && f <= 27)).toEqual([[15, 'SIZE'], [16, '213'], [17, 'PASV'], [18, '227'], [22, 'RETR'], [23, '150'], [27, '426']]);
    const full = await analyze(name);
    expect(rows(full)[0]).toEqual(['1.1', 'complete', 'completed', null]);
    const d = await without(name, [22]);
    expect(rows(d.a)).toEqual([['1.1', 'incomplete', 'unknown', null], ...rows(full).slice(1)]);
    expect(sessionRows(d.a)).toEqual(sessionRows(full));
    const t = d.a.sessions[0].transfers[0];
    expect([t.inferred, t.preliminary?.frame, t.reply?.code, t.reply?.frame, t.bytes, t.connection?.rst?.by, t.connection?.rst?.frame]).toEqual(['command-lost', d.at(23), 426, d.at(27), 511, 'client', d.at(26)]);
    expect(t.verdict).toMatchObject({ kind: 'unknown', why: 'command-lost', whole: false, preliminary: d.at(23), reply: d.at(27) });
    const { out } = await texts(d.file, 'summary', 'transfers', 'diagnose', 'explain', 'logs');
    expect(out.diagnose).toContain(
      'Session 1, transfer 1 (passive, its command lost by the capture): not known: the capture lost the transfer command, but the server answered it with 150 (frame 22) and 426 (frame 26), and its data connection to the announced endpoint (tcp.stream 1) carried 511 bytes.',
    );
    expect(out.summary).toContain('1.1 passive - 198.51.100.20:50094 511 426 unknown (command not captured)');
    for (const text of Object.values(out)) expect(text.replace(/426 Transfer aborted/g, '')).not.toMatch(/transfer 1?\.?1\b.{0,60}\b(aborted|failed|cut short)\b/i);
  });

  it('RETR lost after a refused EPRT (curl → proftpd): the refusal still fell back to the PORT the lost command used', async () => {
    // Before: the EPRT's 501 "failed: server-refused" — the fallback needed a transfer command over the PORT.
    const name = 'fallback-eprt-denied-proftpd-curl';
    expect(ftpRows(name, '0').filter(([f]) => f >= 17 && f <= 35)).toEqual([[17, 'EPRT'], [18, '501'], [19, 'PORT'], [20, '200'], [21, 'TYPE'], [22, '200'], [23, 'SIZE'], [24, '213'], [25, 'RETR'], [29, '150'], [35, '226']]);
    expect([26, 27].map((f) => field(name, f)['tcp.flags'])).toEqual(['0x0002', '0x0012']);
    const full = await analyze(name);
    expect(rows(full)).toEqual([['1.1', 'fell-back', 'fell-back', null], ['1.2', 'complete', 'completed', null]]);
    const d = await without(name, [25, 26, 27]);
    expect(sessionRows(d.a)).toEqual(sessionRows(full));
    // The data connection's opening is lost too: the RETR's own verdict is not known, the EPRT's fell back.
    expect(rows(d.a)).toEqual([['1.1', 'fell-back', 'fell-back', null], ['1.2', 'incomplete', 'unknown', null]]);
    const fb = d.a.sessions[0].transfers[0].verdict;
    expect(fb).toMatchObject({ kind: 'fell-back', code: 501, fallback: { command: 'a transfer command the capture lost', frame: d.at(29), code: 226, replyFrame: d.at(35), transfer: '1.2', completed: true } });
    const { out } = await texts(d.file, 'summary', 'transfers', 'diagnose');
    expect(out.transfers).toContain('the client asked with PORT instead (frame 19), and a transfer command the capture lost (frame 26, transfer 1.2) over it completed (226, frame 32)');
    for (const text of Object.values(out)) expect(text.replace(/No failed data connections/g, '')).not.toMatch(FAILED);
  });
});

describe('a resumed upload\'s data the capture lost: its server acknowledged it, the resume still completed the file', () => {
  it('wput killed mid-upload, then its resume (REST 20992) with one segment missing from the capture: the first upload stays aborted by the client', async () => {
    // Before: "unknown (client gone)" — a resume counted only when the capture held every byte, so a
    // segment the kernel dropped (the server acknowledged it) undid the proof that the first upload was cut short.
    const name = 'a34-wput-vsftpd';
    expect([field(name, 178)['tcp.srcport'], field(name, 178)['tcp.len'], field(name, 179)['tcp.seq_raw'], field(name, 180)['tcp.ack_raw']]).toEqual(['45226', '1024', '3472335026', '3472336474']);
    const full = await analyze(name);
    const d = await without(name, [178]);
    expect(rows(d.a)).toEqual(rows(full));
    expect(sessionRows(d.a)).toEqual(sessionRows(full));
    const first = d.a.sessions[1].transfers[0];
    const resume = d.a.sessions[2].transfers[0];
    expect([resume.restOffset, resume.bytes, resume.connection?.gapBytes, resume.connection?.undeliveredBytes]).toEqual([20992, 141824, 1024, 0]);
    const fv = full.sessions[1].transfers[0].verdict;
    expect(first.verdict).toMatchObject({ kind: 'aborted', by: 'client', bytes: 21504, resumed: { size: 20992 + 142848, from: 20992, frame: d.at(174) } });
    expect((first.verdict as { resumed: { size: number } }).resumed.size).toBe((fv as { resumed: { size: number } }).resumed.size);
    const { json } = await texts(d.file, 'summary');
    expect(json.map((r) => [r[0], r[1], r[3]])).toEqual(rows(full).map((r) => [r[0], r[2], r[3]]));
  });
});

describe('a gap inside TLS that ends off a record boundary: the clear text after CCC is still read', () => {
  it('the server\'s close_notify after CCC not captured (proftpd ← ftplib): its next reply, in clear, is read — not every command unanswered and both transfers not-in-capture', async () => {
    // Before: after the lost 24 bytes the server's next chunk ("200 Type set to I") began with no
    // record header, so the record walk stopped for good and every reply after CCC was read as TLS:
    // TYPE, PASV, STOR, RETR and QUIT unanswered, session 1 not-in-capture.
    const name = 'ccc-proftpd-python';
    expect([29, 30, 31, 32].map((f) => [field(name, f)['tcp.srcport'], field(name, f)['tcp.len']])).toEqual([
      ['50430', '24'],
      ['21', '24'],
      ['50430', '8'],
      ['21', '19'],
    ]);
    expect(ftpRows(name, '0').slice(2, 5)).toEqual([[10, '234'], [31, 'TYPE'], [32, '200']]);
    const full = await analyze(name);
    for (const drop of [[30], [29]]) {
      const d = await without(name, drop);
      expect(rows(d.a)).toEqual(rows(full));
      expect(rows(d.a)).toEqual([['1.1', 'complete', 'completed', null], ['1.2', 'complete', 'completed', null]]);
      expect(sessionRows(d.a)).toEqual(sessionRows(full));
      const s = d.a.sessions[0];
      // TLS began at the 234 and ended at the first clear line (the client's TYPE I, frame 31), as in the full capture.
      expect([s.tls, s.tlsFrame, s.tlsEndFrame, s.controlGapBytes]).toEqual([true, 10, d.at(31), 24]);
      expect(s.commands.filter((c) => c.command !== null).map((c) => [c.command, c.frame, c.reply?.code, c.reply?.frame])).toEqual([
        ['AUTH', 8, 234, 10],
        ['TYPE', d.at(31), 200, d.at(32)],
        ['PASV', d.at(33), 227, d.at(34)],
        ['STOR', d.at(38), 226, d.at(45)],
        ['TYPE', d.at(47), 200, d.at(48)],
        ['PASV', d.at(49), 227, d.at(50)],
        ['RETR', d.at(54), 226, d.at(61)],
        ['QUIT', d.at(63), 221, d.at(64)],
      ]);
      const { out, json } = await texts(d.file, 'summary', 'transfers', 'diagnose', 'explain');
      expect(json).toEqual(rows(full).map((r) => [r[0], r[2], null, r[3]]));
      for (const text of Object.values(out)) expect(text).not.toMatch(/not-in-capture|not in the capture: the data connection|never answered/);
    }
  });
});

describe('a split download\'s segment whose setup the capture lost: its REST or CWD is told by what remains', () => {
  /** Each transfer's [id, path, REST offset, verdict, its segment's start and end]. */
  const segments = (a: Analysis): unknown[][] =>
    a.sessions.flatMap((s) =>
      s.transfers.map((t) => {
        const seg = t.verdict.kind === 'completed' ? t.verdict.segment : undefined;
        return [`${s.id}.${t.id}`, t.restOffset, t.verdict.kind, seg ? [seg.start, seg.end, seg.size] : null];
      }),
    );

  it('axel\'s REST 1097728 not captured (vsftpd): the server\'s 350 "Restart position accepted (1097728)" says the offset — the segment stays complete, not aborted', async () => {
    // Before: transfer 3.1 aborted (cause aborted): its offset unknown, it was no segment of the split.
    const name = 'a29-axel-split-vsftpd';
    expect(ftpRows(name, '2').filter(([f]) => f >= 906 && f <= 922)).toEqual([[906, 'CWD'], [907, '250'], [908, 'PASV'], [909, '227'], [914, 'REST'], [915, '350'], [921, 'RETR'], [922, '150']]);
    expect(tsv(name, 'ftp').find((r) => r['frame.number'] === '915')!['ftp.response.arg']).toBe('Restart position accepted (1097728).');
    const full = await analyze(name);
    const d = await without(name, [914]);
    expect(rows(d.a)).toEqual(rows(full));
    expect(sessionRows(d.a)).toEqual(sessionRows(full));
    expect(segments(d.a)).toEqual(segments(full));
    const s3 = d.a.sessions[2];
    expect(s3.commands.find((c) => c.command === null && c.reply?.code === 350)?.reply?.frame).toBe(d.at(915));
    expect(s3.transfers[0]).toMatchObject({ restOffset: 1097728, status: 'complete', verdict: { kind: 'completed', segment: { start: 1097728, end: 2126132, size: 3293184 } } });
    const { out } = await texts(d.file, 'summary', 'diagnose');
    for (const text of Object.values(out)) expect(text).not.toMatch(/transfer 3\.?1\b.{0,40}(aborted|cut short)/i);
  });

  it('axel\'s first "CWD /" not captured (pure-ftpd): "seg3m.txt" is the same file as the other sessions\' "/seg3m.txt" — every segment stays complete', async () => {
    // Before: all seven segments aborted — the first session's path stayed relative, so no two
    // downloads of "/seg3m.txt" began at the offset where another ended.
    const name = 'a29-axel-split-pureftpd';
    expect(ftpRows(name, '0').filter(([f]) => f >= 17 && f <= 30)).toEqual([[17, 'CWD'], [18, '250'], [19, 'REST'], [20, '350'], [21, 'REST'], [22, '350'], [23, 'SIZE'], [24, '213'], [25, 'PASV'], [26, '227'], [30, 'RETR']]);
    const full = await analyze(name);
    const d = await without(name, [17]);
    expect(rows(d.a)).toEqual(rows(full));
    expect(sessionRows(d.a)).toEqual(sessionRows(full));
    expect(segments(d.a)).toEqual(segments(full));
    expect(d.a.sessions.map((s) => s.transfers[0].request?.path)).toEqual(['seg3m.txt', ...full.sessions.slice(1).map(() => '/seg3m.txt')]);
    expect(d.a.sessions[0].transfers[0].verdict).toMatchObject({ kind: 'completed', segment: { start: 0, end: 1097728, size: 3293184 } });
  });
});

describe('a refused command\'s fallback whose final reply the capture lost', () => {
  it('MLSD refused (500), then LIST, whose 226 is in bytes the capture lost (aioftp → vsftpd): MLSD still fell back — not "failed: server-refused"', async () => {
    // Before: transfer 1.1 failed with server-refused and session 1 diagnosed: the fallback had to
    // have completed with a 2xx in the capture; the LIST's 150, and the client's ACK of the lost 226
    // before its next command (MLST), show the server took it.
    const name = 'a18-vsftpd-aioftp';
    expect(ftpRows(name, '0').filter(([f]) => f >= 22 && f <= 39)).toEqual([[22, 'MLSD'], [23, '500'], [24, 'TYPE'], [25, '200'], [26, 'EPSV'], [28, '229'], [32, 'LIST'], [33, '150'], [39, '226']]);
    expect([field(name, 39)['tcp.len'], field(name, 40)['tcp.ack_raw']]).toEqual(['24', String(Number(field(name, 39)['tcp.seq_raw']) + 24)]);
    const full = await analyze(name);
    expect(rows(full).slice(0, 2)).toEqual([['1.1', 'fell-back', 'fell-back', null], ['1.2', 'complete', 'completed', null]]);
    const d = await without(name, [39]);
    expect(rows(d.a)).toEqual([rows(full)[0], ['1.2', 'incomplete', 'incomplete', null], ...rows(full).slice(2)]);
    expect(sessionRows(d.a)).toEqual(sessionRows(full));
    const [mlsd, list] = d.a.sessions[0].transfers;
    expect(list.verdict).toMatchObject({ kind: 'incomplete', why: 'reply-not-captured', replyInGap: { gap: d.at(40) } });
    expect(mlsd.verdict).toMatchObject({ kind: 'fell-back', code: 500, reply: 23, fallback: { command: 'LIST', frame: 32, code: 150, replyFrame: 33, transfer: '1.2', completed: true, replyInGap: { gap: d.at(40) } } });
    const { out } = await texts(d.file, 'summary', 'transfers', 'diagnose', 'explain');
    expect(out.transfers).toContain(
      "refused, and no failure: the server does not recognise MLSD (500, frame 23); the client fell back to LIST (frame 32, transfer 1.2), which the server took (150, frame 33); its final reply is in the server's bytes the capture lost (before frame 39). Nothing to change.",
    );
    for (const text of Object.values(out)) expect(text).not.toMatch(/server-refused|Session 1, transfer 1 \(MLSD, passive mode\) failed/);
  });
});

describe('a final reply the capture lost in a capture of the control connection alone', () => {
  it('the LIST\'s 226 (and its 150) not captured (lftp → vsftpd, port 21 only): not confirmed — neither "not in the capture" as a failure nor "the server gave up waiting"', async () => {
    // Before: without 30, incomplete with not-in-capture ("the server opened it … but no such
    // connection is in the capture"); without 29 and 30, failed with no-attempt (the server's close
    // read as giving up on a data connection that never came). The client's ACK (frame 31, ack
    // 4104931430) of the lost bytes before TYPE I (frame 32) shows both replies came.
    const name = 'control-only-vsftpd-lftp';
    expect(ftpRows(name, '0').filter(([f]) => f >= 26 && f <= 33)).toEqual([[26, 'PASV'], [27, '227'], [28, 'LIST'], [29, '150'], [30, '226'], [32, 'TYPE'], [33, '200']]);
    expect([field(name, 30)['tcp.seq_raw'], field(name, 30)['tcp.len'], field(name, 31)['tcp.ack_raw']]).toEqual(['4104931406', '24', '4104931430']);
    const full = await analyze(name);
    expect(rows(full)[0]).toEqual(['1.1', 'complete', 'not-captured', null]);
    for (const drop of [[30], [29, 30]]) {
      const d = await without(name, drop);
      expect(rows(d.a).slice(1)).toEqual(rows(full).slice(1));
      expect(sessionRows(d.a)).toEqual(sessionRows(full));
      const t = d.a.sessions[0].transfers[0];
      expect([t.request?.command, t.reply, t.replyInGap?.later]).toEqual(['LIST', null, { command: 'TYPE', frame: d.at(32) }]);
      expect([t.status, t.diagnosis]).toEqual(['incomplete', null]);
      expect(t.verdict.kind).toBe(drop.length === 1 ? 'not-captured' : 'incomplete');
      const { out } = await texts(d.file, 'summary', 'transfers', 'diagnose');
      for (const text of Object.values(out)) expect(text).not.toMatch(/not-in-capture|no-attempt|gave up waiting/);
    }
  });
});

describe('a lost transfer command that the client then aborted', () => {
  it('STOR lost, then ABOR (ftplib → vsftpd): the 226 "ABOR successful" is the ABOR\'s, not the upload\'s — not complete', async () => {
    // The first cut of the inference read the ABOR's 226 as the upload's final reply and called it
    // complete (the full capture: aborted). An ABOR sent in the window ends it: the replies after it are not the transfer's.
    const name = 'abor-stor-vsftpd-python';
    // (tshark also shows the Telnet IP/DM bytes ftplib sends before ABOR, frames 105-106, as lines: left out.)
    expect(ftpRows(name, '0').filter(([f, c]) => f >= 17 && /^[A-Z0-9]+$/.test(c))).toEqual([[17, 'PASV'], [18, '227'], [22, 'STOR'], [23, '150'], [108, 'ABOR'], [110, '426'], [112, '226'], [117, 'QUIT'], [118, '221']]);
    const full = await analyze(name);
    expect(rows(full)).toEqual([['1.1', 'aborted', 'aborted', 'aborted']]);
    const d = await without(name, [22]);
    const t = d.a.sessions[0].transfers[0];
    expect([t.inferred, t.request, t.preliminary?.frame, t.reply, t.abortFrame, t.bytes, t.direction]).toEqual(['command-lost', null, d.at(23), null, d.at(108), 65536, 'upload']);
    expect(rows(d.a)).toEqual([['1.1', 'incomplete', 'unknown', null]]);
    expect(t.verdict).toMatchObject({ kind: 'unknown', why: 'command-lost', whole: false, reply: null });
    expect(t.verdict.evidence).toContain(d.at(108));
    const { out } = await texts(d.file, 'summary', 'transfers');
    expect(out.transfers).toContain('carried 65,536 bytes; the client sent ABOR (frame 107) while it ran.');
    expect(out.summary).toContain('unknown (command not captured)');
    expect(out.summary).not.toContain('complete (command not captured)');
  });

  it('RETR lost, then lftp\'s housekeeping ABOR after the 226 (pget → vsftpd): a late ABOR, the transfer complete', async () => {
    // lftp sends ABOR once a segment's 226 came ("225 No transfer to ABOR"): it ends nothing.
    const name = 'pget-segment-reset-vsftpd-lftp';
    expect(ftpRows(name, '0').filter(([f, c]) => f >= 424 && f <= 669 && /^[A-Z0-9]+$/.test(c))).toEqual([[424, 'PASV'], [425, '227'], [429, 'RETR'], [430, '150'], [664, '226'], [668, 'ABOR'], [669, '225']]);
    const full = await analyze(name);
    const d = await without(name, [429]);
    expect(sessionRows(d.a)).toEqual(sessionRows(full));
    const t = d.a.sessions[0].transfers[1];
    expect([t.inferred, t.preliminary?.frame, t.reply?.code, t.reply?.frame, t.abortFrame, t.lateAbortFrame, t.status, t.bytes]).toEqual(['command-lost', d.at(430), 226, d.at(664), null, d.at(668), 'complete', 262144]);
    expect(rows(d.a).filter((r) => r[0] !== '1.2')).toEqual(rows(full).filter((r) => r[0] !== '1.2'));
  });
});
