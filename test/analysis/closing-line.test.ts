/**
 * A repeated 1xx on a running transfer (session-builder.ts): pure-ftpd's last line on a transfer its
 * client cut ("150 0.002 seconds (measured here), …", the code of the start, no 226 after it) ends
 * the transfer's pairing; the same code while the data connection is open, or after the data's
 * sender closed it normally, is one more preliminary reply (a48-double-150-pyftpdlib-lftp: two 150
 * lines, then 226); 110/111/112 markers never end it. Lines in, through the real control parser and
 * session builder, with the data connection's state as the data connections would report it at
 * the repeated line (its frame is 6 below).
 */
import { describe, expect, it } from 'vitest';
import { FtpControlParser } from '../../src/ftp/control-parser.js';
import { newSession, SessionBuilder } from '../../src/analysis/session-builder.js';
import type { DataEnds } from '../../src/analysis/data-connections.js';
import type { Session, Transfer } from '../../src/analysis/model.js';
import { chunk } from '../ftp/chunks.js';

type Ends = { rst?: boolean; finClient?: boolean; finServer?: boolean } | null;

/** `verb` over PASV, then `first`, `second` (frame 6), then 226, then PWD and its 257. The data connection's state is `ends` from frame 6 on. */
function run(verb: string, first: string, second: string, ends: Ends): Session {
  const s = newSession(0, { ip: '192.0.2.10', port: 40000 }, { ip: '198.51.100.20', port: 21 }, 0, 0, false);
  let frame = 0;
  const state: DataEnds | null = ends === null ? null : { rst: ends.rst ?? false, fin: { client: ends.finClient ?? false, server: ends.finServer ?? false }, unanswered: false };
  const builder = new SessionBuilder(s, {
    showPasswords: false,
    maxPendingCommands: 256,
    maxCommands: 1000,
    maxOpenAnnouncements: 100,
    onAnnounce: () => undefined,
    onForget: () => undefined,
    dataEnds: (_t: Transfer) => (frame >= 6 ? state : null),
    dataBytes: () => 0,
    onWarning: () => undefined,
  });
  const parser = new FtpControlParser((e) => builder.onEvent(e));
  const lines: Array<['c' | 's', string]> = [
    ['s', '220 ready'],
    ['c', 'PASV'],
    ['s', '227 Entering Passive Mode (198,51,100,20,195,80)'],
    ['c', verb],
    ['s', first],
    ['s', second],
    ['s', '226 Transfer complete.'],
    ['c', 'PWD'],
    ['s', '257 "/" is the current directory'],
  ];
  lines.forEach(([side, text], i) => {
    frame = i + 1;
    if (side === 'c') parser.pushClient(chunk('c2s', `${text}\r\n`, frame));
    else parser.pushServer(chunk('s2c', `${text}\r\n`, frame));
  });
  parser.finish();
  builder.finish();
  return s;
}

const outcome = (s: Session): unknown[] => {
  const t = s.transfers[0];
  const pwd = s.commands.find((c) => c.command === 'PWD')!;
  return [t.reply?.code ?? null, t.closingLine?.frame ?? null, pwd.reply?.code ?? null];
};

describe('a repeated 1xx on a running transfer', () => {
  it('the data connection still open (nothing seen of its close): one more preliminary reply, the 226 is the transfer\'s', () => {
    expect(outcome(run('RETR f.bin', '150 File status okay.', '150 Opening data connection.', null))).toEqual([226, null, 257]);
  });

  it("a download's sender (the server) closed it with its FIN: still a preliminary reply", () => {
    expect(outcome(run('RETR f.bin', '150 File status okay.', '150 Opening data connection.', { finServer: true }))).toEqual([226, null, 257]);
  });

  it("an upload's sender (the client) closed it with its FIN (a48-double-150-pyftpdlib-lftp's STOR): still a preliminary reply", () => {
    expect(outcome(run('STOR f.bin', '150 File status okay.', '150 Opening data connection.', { finClient: true }))).toEqual([226, null, 257]);
  });

  it("a download's receiver (the client) closed it, or either end reset it: the server's last line on the transfer (pure-ftpd)", () => {
    for (const ends of [{ finClient: true }, { rst: true }]) {
      const s = run('RETR f.bin', '150 Accepted data connection', '150 0.002 seconds (measured here), 58.77 Mbytes per second', ends);
      // No final reply: the 226 after it is nobody's, and PWD's own 257 stays PWD's.
      expect(outcome(s)).toEqual([null, 6, 257]);
    }
  });

  it("an upload's receiver (the server) closed it: its last line too", () => {
    expect(outcome(run('STOR f.bin', '150 Accepted data connection', '150 0.002 seconds (measured here)', { finServer: true }))).toEqual([null, 6, 257]);
  });

  it('another code than the start\'s is no such line', () => {
    expect(outcome(run('RETR f.bin', '125 Data connection already open.', '150 Opening data connection.', { rst: true }))).toEqual([226, null, 257]);
  });

  it('markers repeat by design (GridFTP 112 performance markers, 110 restart markers): never the last line, even after a reset', () => {
    expect(outcome(run('RETR f.bin', '112 Perf Marker', '112 End.', { rst: true }))).toEqual([226, null, 257]);
    expect(outcome(run('RETR f.bin', '110 MARK 0 = 0', '110 MARK 100 = 100', { rst: true }))).toEqual([226, null, 257]);
    expect(outcome(run('RETR f.bin', '111 Range Marker 0-100', '111 Range Marker 100-200', { rst: true }))).toEqual([226, null, 257]);
  });
});
