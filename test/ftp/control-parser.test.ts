import { describe, expect, it } from 'vitest';
import { FtpControlParser } from '../../src/ftp/control-parser.js';
import type { FtpEvent } from '../../src/ftp/types.js';
import { chunk, collector } from './chunks.js';

/** A compact view of events: one string each. */
function brief(events: FtpEvent[]): string[] {
  return events.map((e) => {
    switch (e.type) {
      case 'request':
        return `#${e.frame} > ${e.command}${e.arg === '' ? '' : ` ${e.arg}`}${e.malformed ? ` [${e.malformed}]` : ''}`;
      case 'reply':
        return `#${e.firstFrame}-${e.frame} < ${e.code}${e.multiline ? ' (multi)' : ''}${e.malformed ? ` [${e.malformed}]` : ''}`;
      case 'tls-start':
        return `#${e.frame} tls-start${e.implicit ? ' implicit' : ''}`;
      case 'tls-end':
        return `#${e.frame} tls-end ${e.dir}`;
      case 'not-ftp':
        return `#${e.frame} not-ftp ${e.dir} ${e.line}`;
      case 'opaque':
        return `#${e.frame} opaque ${e.dir} ${e.reason} ${e.bytes}`;
      case 'limit':
        return `#${e.frame} limit ${e.dir} ${e.limit}`;
    }
  });
}

describe('FtpControlParser', () => {
  it('emits requests and replies of a passive session in order', () => {
    const { events, emit } = collector();
    const p = new FtpControlParser(emit);
    p.pushServer(chunk('s2c', '220 ready\r\n', 1));
    p.pushClient(chunk('c2s', 'USER anonymous\r\n', 2));
    p.pushServer(chunk('s2c', '331 Guest login ok\r\n', 3));
    p.pushClient(chunk('c2s', 'PASS test\r\n', 4));
    p.pushServer(chunk('s2c', '230-Welcome\r\n230-\r\n', 5));
    p.pushServer(chunk('s2c', '230 Logged in\r\n', 6));
    p.pushClient(chunk('c2s', 'PASV\r\n', 7));
    p.pushServer(chunk('s2c', '227 Entering Passive Mode (10,0,0,1,4,1)\r\n', 8));
    p.finish();
    expect(brief(events)).toEqual([
      '#1-1 < 220',
      '#2 > USER anonymous',
      '#3-3 < 331',
      '#4 > PASS test',
      '#5-6 < 230 (multi)',
      '#7 > PASV',
      '#8-8 < 227',
    ]);
    expect(events[0]).toEqual({
      type: 'reply',
      frame: 1,
      firstFrame: 1,
      time: 0.1,
      code: 220,
      text: 'ready',
      lines: ['220 ready'],
      multiline: false,
    });
    expect(events[1]).toEqual({ type: 'request', frame: 2, time: 0.2, command: 'USER', arg: 'anonymous', raw: 'USER anonymous' });
    // Middle lines are kept verbatim (contract), first/last lose their "230-" / "230 ".
    expect(events[4]).toMatchObject({ text: 'Welcome\n230-\nLogged in', lines: ['230-Welcome', '230-', '230 Logged in'] });
  });

  it('gives a request split over frames its first frame too', () => {
    const { events, emit } = collector();
    const p = new FtpControlParser(emit);
    p.pushClient(chunk('c2s', 'RETR long-na', 3));
    p.pushClient(chunk('c2s', 'me.bin\r\n', 4));
    p.finish();
    expect(events).toEqual([
      { type: 'request', frame: 4, time: 0.4, firstFrame: 3, command: 'RETR', arg: 'long-name.bin', raw: 'RETR long-name.bin' },
    ]);
  });

  it('splits pipelined commands in one chunk and replies in one chunk', () => {
    const { events, emit } = collector();
    const p = new FtpControlParser(emit);
    p.pushClient(chunk('c2s', 'TYPE I\r\nPASV\r\nRETR a.bin\r\n', 10));
    p.pushServer(chunk('s2c', '200 Type set to I.\r\n227 Entering Passive Mode (10,0,0,1,4,1)\r\n150 Opening\r\n', 11));
    p.finish();
    expect(brief(events)).toEqual([
      '#10 > TYPE I',
      '#10 > PASV',
      '#10 > RETR a.bin',
      '#11-11 < 200',
      '#11-11 < 227',
      '#11-11 < 150',
    ]);
  });

  it('switches to TLS after AUTH TLS + 234: no garbage commands, bytes counted per direction', () => {
    const { events, emit } = collector();
    const p = new FtpControlParser(emit);
    p.pushServer(chunk('s2c', '220 ready\r\n', 1));
    p.pushClient(chunk('c2s', 'AUTH TLS\r\n', 2));
    // The 234 and the start of TLS bytes in one chunk: the tail is TLS, not text.
    p.pushServer(chunk('s2c', '234 Proceed with negotiation.\r\nQUIT\r\n', 3));
    p.pushClient(chunk('c2s', new Uint8Array([0x16, 0x03, 0x01, 0x00, 0x0a, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0d, 0x0a]), 4));
    p.pushServer(chunk('s2c', 'USER looks like text\r\n', 5));
    p.pushClient(chunk('c2s', 'PASS also text\r\n', 6));
    p.finish();
    expect(brief(events)).toEqual([
      '#1-1 < 220',
      '#2 > AUTH TLS',
      '#3-3 < 234',
      '#3 tls-start',
      '#4 opaque client tls 29',
      '#3 opaque server tls 28',
    ]);
  });

  it('does not switch on 234 without AUTH TLS, nor after a refused AUTH of another kind', () => {
    const { events, emit } = collector();
    const p = new FtpControlParser(emit);
    p.pushClient(chunk('c2s', 'AUTH GSSAPI\r\n', 1));
    p.pushServer(chunk('s2c', '234 odd\r\n', 2));
    p.pushClient(chunk('c2s', 'USER a\r\n', 3));
    p.finish();
    expect(brief(events)).toEqual(['#1 > AUTH GSSAPI', '#2-2 < 234', '#3 > USER a']);
  });

  it('accepts AUTH SSL in lower case', () => {
    const { events, emit } = collector();
    const p = new FtpControlParser(emit);
    p.pushClient(chunk('c2s', 'auth ssl\r\n', 1));
    p.pushServer(chunk('s2c', '234 AUTH SSL successful\r\n', 2));
    p.finish();
    expect(brief(events)).toEqual(['#1 > AUTH ssl', '#2-2 < 234', '#2 tls-start']);
  });

  it('detects implicit TLS from a TLS record at the start of a direction', () => {
    const { events, emit } = collector();
    const p = new FtpControlParser(emit);
    p.pushClient(chunk('c2s', new Uint8Array([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]), 4));
    p.pushServer(chunk('s2c', new Uint8Array([0x16, 0x03, 0x03, 0x00, 0x5d, 0x02, 0x00]), 5));
    p.pushClient(chunk('c2s', new Uint8Array([0x17, 0x03, 0x03, 0x00, 0x01]), 6));
    p.finish();
    expect(brief(events)).toEqual(['#4 tls-start implicit', '#4 opaque client tls 11', '#5 opaque server tls 7']);
  });

  it('treats the whole connection as TLS with implicitTls', () => {
    const { events, emit } = collector();
    const p = new FtpControlParser(emit, { implicitTls: true });
    p.pushServer(chunk('s2c', '220 would be text\r\n', 3));
    p.finish();
    expect(brief(events)).toEqual(['#3 tls-start implicit', '#3 opaque server tls 19']);
  });

  it('counts a non-text direction as opaque not-text', () => {
    const { events, emit } = collector();
    const p = new FtpControlParser(emit);
    p.pushServer(chunk('s2c', new Uint8Array([0x00, 0x01, 0x02, 0x0a, 0x41]), 2));
    p.pushServer(chunk('s2c', 'more\r\n', 3));
    p.pushClient(chunk('c2s', 'USER x\r\n', 4));
    p.finish();
    // The direction that is not text says so at once (its printable first line, none here).
    expect(brief(events)).toEqual(['#2 not-ftp server ', '#4 > USER x', '#2 opaque server not-text 11']);
  });

  it('keeps a banner with ANSI colour escapes as text', () => {
    const { events, emit } = collector();
    const p = new FtpControlParser(emit);
    p.pushServer(chunk('s2c', '220-\x1b[1mWelcome\x1b[0m\r\n220 ready\r\n', 1));
    p.finish();
    expect(brief(events)).toEqual(['#1-1 < 220 (multi)']);
  });

  it('reports gaps: the split line is dropped, an open multi-line reply is closed by the next reply', () => {
    const { events, emit } = collector();
    const p = new FtpControlParser(emit);
    p.pushServer(chunk('s2c', '220-Welcome\r\n', 1));
    p.pushServer(chunk('s2c', '331 Password required\r\n', 3, { gapBefore: 100 }));
    p.pushClient(chunk('c2s', 'USER a\r\nPA', 2));
    p.pushClient(chunk('c2s', 'QUIT\r\n', 5, { gapBefore: 10 }));
    p.finish();
    expect(brief(events)).toEqual([
      '#3 opaque server gap 100',
      '#1-1 < 220 (multi) [capture gap inside multi-line reply]',
      '#3-3 < 331',
      '#2 > USER a',
      '#5 opaque client gap 12',
      '#5 > QUIT',
    ]);
  });

  it('bounds lines and replies and reports each limit once', () => {
    const { events, emit } = collector();
    const p = new FtpControlParser(emit, { maxLineLength: 16, maxReplyLines: 3 });
    p.pushClient(chunk('c2s', `STOR ${'x'.repeat(40)}\r\nNOOP\r\nSTOR ${'y'.repeat(40)}\r\n`, 1));
    p.pushServer(chunk('s2c', '214-help\r\na\r\nb\r\nc\r\nd\r\n214 end\r\n', 2));
    p.finish();
    expect(brief(events)).toEqual([
      '#1 limit client line-length',
      '#1 > STOR xxxxxxxxxxx [line too long]',
      '#1 > NOOP',
      '#1 > STOR yyyyyyyyyyy [line too long]',
      '#2 limit server reply-lines',
      '#2-2 < 214 (multi) [reply truncated: 2 lines skipped]',
    ]);
  });

  it('flushes unterminated lines at finish', () => {
    const { events, emit } = collector();
    const p = new FtpControlParser(emit);
    p.pushClient(chunk('c2s', 'QUIT', 8));
    p.pushServer(chunk('s2c', '221-Bye\r\n221 Go', 9));
    p.finish();
    p.finish(); // idempotent
    expect(brief(events)).toEqual(['#8 > QUIT [no line terminator]', '#9-9 < 221 (multi) [no line terminator]']);
  });

  it('closes a multi-line reply left open at the end', () => {
    const { events, emit } = collector();
    const p = new FtpControlParser(emit);
    p.pushServer(chunk('s2c', '220-a\r\n', 1));
    p.pushServer(chunk('s2c', 'b\r\n', 2));
    p.finish();
    expect(brief(events)).toEqual(['#1-2 < 220 (multi) [no end of multi-line reply]']);
  });

  it('reads the Zeek odd-reply-code lines as code 0 / missing-space replies', () => {
    const { events, emit } = collector();
    const p = new FtpControlParser(emit);
    p.pushServer(chunk('s2c', '99 PASV invalid\r\n', 16));
    p.pushServer(chunk('s2c', 'SYST not supported\r\n', 17));
    p.pushServer(chunk('s2c', '230_no_space\r\n', 18));
    p.finish();
    expect(brief(events)).toEqual([
      '#16-16 < 0 [invalid reply code]',
      '#17-17 < 0 [missing reply code]',
      '#18-18 < 230 [missing space after reply code]',
    ]);
  });
});
