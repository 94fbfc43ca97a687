/**
 * Session 49: verdicts of captures that lost packets (scripts/sweep/drop-sweep.mjs), each a
 * committed recording with some of its records left out (never new bytes). Each describe says what
 * the capture lacks, what was read, and why that was wrong.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze, derived, derivedTexts, transfer } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit94-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('a reply captured before its command, the command\'s first copy lost (a gap in the client\'s bytes just before it)', () => {
  // vsftpd and lftp over a lossy control connection, captured at the server: lftp's PASV (frame 65)
  // answered at 66, both sent again (67, 69). Without 61–65 the capture lost the 213 replies to SIZE
  // and MDTM, the MDTM itself and the PASV's first copy: the server's 227 (66) acknowledges the PASV
  // the capture only holds as the retransmission at 67, after the MDTM's bytes it lost. The 227 was
  // held for those bytes, but the gap before them let it go on at once, answering nothing: the PASV
  // then took the RETR's 226, each reply after it the command before, and the STOR took the 500 of the
  // SITE UTIME after it: "failed, server-refused", a transfer that moved its 259 bytes and got 226.
  const NAME = 'ctrl-lossy-server-side-vsftpd-lftp';

  it('each command keeps its own reply: the PASV the 227 before it, the STOR its 226', async () => {
    const whole = await analyze(NAME);
    expect(whole.sessions[0].transfers.map((t) => [t.request?.command, t.request?.frame, t.reply?.code, t.reply?.frame, t.verdict.kind])).toEqual([
      ['LIST', 44, 226, 50, 'completed'],
      ['RETR', 73, 226, 81, 'completed'],
      ['STOR', 91, 226, 99, 'completed'],
    ]);
    const d = await derived(tmp, NAME, 'without-61-65', (f) => f < 61 || f > 65);
    const s = d.a.sessions[0];
    const replyOf = (command: string, frame: number): [number | undefined, number | undefined] => {
      const c = s.commands.find((x) => x.command === command && x.frame === d.at(frame));
      return [c?.reply?.code, c?.reply?.frame];
    };
    // The PASV as captured (its retransmission) takes the 227 captured before it.
    expect(replyOf('PASV', 67)).toEqual([227, d.at(66)]);
    expect(replyOf('RETR', 73)).toEqual([226, d.at(81)]);
    expect(replyOf('PASV', 83)).toEqual([227, d.at(84)]);
    expect(replyOf('STOR', 91)).toEqual([226, d.at(99)]);
    expect(replyOf('SITE', 101)).toEqual([500, d.at(102)]);
    expect(replyOf('QUIT', 109)).toEqual([221, d.at(110)]);
    expect(s.transfers.map((t) => [t.request?.command, t.connection?.server.port, t.bytes, t.reply?.code, t.verdict.kind, t.diagnosis?.cause ?? null])).toEqual([
      ['LIST', 50033, 260, 226, 'completed', null],
      ['RETR', 50094, 511, 226, 'completed', null],
      ['STOR', 50049, 259, 226, 'completed', null],
    ]);
    const { out, json } = await derivedTexts(d.file, ['summary', 'explain']);
    expect(json).toEqual([
      ['1.1', 'completed', null],
      ['1.2', 'completed', null],
      ['1.3', 'completed', null],
    ]);
    expect(out.summary).toContain('1 192.0.2.10:44254 198.51.100.20:21 fxa9user no 0.000 15 3 complete');
    expect(out.summary).toContain('1.3 passive STOR upload-lftp.… 198.51.100.20:50049 259 226 complete');
    expect(out.explain).not.toMatch(/refused/i);
  });
});

describe('a CWD the capture lost between a refused RETR and the next PASV, its 250 left with nothing waiting', () => {
  // Python's urllib asks for "pub" as a file (RETR pub, 550 at frame 56) over a data connection it
  // opened first (52-54) and closes at once (FIN, 57); then CWD pub (62, answered 250 at 63), and lists
  // pub over a new PASV. Without frame 62 the 250 answers nothing in the capture. It was read as the
  // end of a transfer whose command (and 1xx) were lost: the refused RETR's data connection — open,
  // empty, the client's FIN before the lost command was even sent — went to an inferred "command-lost"
  // transfer, and the RETR lost its fallback. A 250 alone answers CWD, DELE or RNTO as well: it says a
  // transfer ended only after the server closed that data connection (a 226 says so by itself).
  const NAME = 'a18-vsftpd-urllib';

  it('no transfer is inferred for the lone 250; the RETR keeps its data connection', async () => {
    const whole = await analyze(NAME);
    const w = transfer(whole, '2.1');
    expect([w.request?.command, w.request?.arg, w.reply?.code, w.connection?.client.port, w.status]).toEqual(['RETR', 'pub', 550, 55334, 'fell-back']);
    const d = await derived(tmp, NAME, 'without-62', (f) => f !== 62);
    const s = d.a.sessions.find((x) => x.id === 2)!;
    const orphan = s.commands.find((c) => c.command === null && c.reply?.frame === d.at(63));
    expect(orphan?.reply?.code).toBe(250);
    expect(s.transfers.map((t) => [t.request?.command ?? null, t.inferred ?? null, t.connection?.client.port ?? null, t.reply?.code ?? null, t.status])).toEqual([
      ['RETR', null, 55334, 550, 'failed'],
      ['LIST', null, 57792, 226, 'complete'],
    ]);
    const { json } = await derivedTexts(d.file, []);
    expect(json.filter((r) => String(r[0]).startsWith('2.'))).toEqual([
      ['2.1', 'failed', 'server-refused'],
      ['2.2', 'completed', null],
    ]);
  });
});
