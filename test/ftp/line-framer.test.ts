import { describe, expect, it } from 'vitest';
import { LineFramer, type FramedLine } from '../../src/ftp/line-framer.js';
import { chunk } from './chunks.js';

interface Recorded {
  lines: FramedLine[];
  limits: Array<{ frame: number; message: string }>;
  gaps: Array<{ bytes: number; frame: number }>;
}

function framer(max?: number, stopAfter?: (l: FramedLine) => boolean): { f: LineFramer; rec: Recorded } {
  const rec: Recorded = { lines: [], limits: [], gaps: [] };
  const f = new LineFramer(
    {
      line: (l) => {
        rec.lines.push(l);
        return stopAfter === undefined ? true : !stopAfter(l);
      },
      limit: (frame, _t, w) => rec.limits.push({ frame, message: w.message }),
      gap: (bytes, frame) => rec.gaps.push({ bytes, frame }),
    },
    max,
  );
  return { f, rec };
}

describe('LineFramer', () => {
  it('splits CRLF lines and tracks first and last frames', () => {
    const { f, rec } = framer();
    expect(f.push(chunk('c2s', 'USER a\r\nPA', 1))).toBe(10);
    f.push(chunk('c2s', 'SS b\r', 2));
    f.push(chunk('c2s', '\nQUIT\r\n', 3));
    expect(rec.lines).toEqual([
      { text: 'USER a', firstFrame: 1, firstTime: 0.1, frame: 1, time: 0.1 },
      { text: 'PASS b', firstFrame: 1, firstTime: 0.1, frame: 3, time: 0.3 },
      { text: 'QUIT', firstFrame: 3, firstTime: 0.3, frame: 3, time: 0.3 },
    ]);
  });

  it('accepts a bare LF and notes it', () => {
    const { f, rec } = framer();
    f.push(chunk('c2s', 'NOOP\nSYST\r\n', 5));
    expect(rec.lines.map((l) => [l.text, l.malformed])).toEqual([
      ['NOOP', 'bare LF'],
      ['SYST', undefined],
    ]);
  });

  it('keeps bytes as latin1, one char per byte', () => {
    const { f, rec } = framer();
    f.push(chunk('c2s', new Uint8Array([0x52, 0x45, 0x54, 0x52, 0x20, 0xc3, 0xa9, 0x80, 0x0d, 0x0a]), 1));
    expect(rec.lines[0].text).toBe('RETR \xc3\xa9\x80');
  });

  it('cuts a long line once, skips to its LF and reports the limit once', () => {
    const { f, rec } = framer(10);
    f.push(chunk('c2s', 'STOR 0123456789abc', 1)); // 18 bytes, no LF: cut here
    f.push(chunk('c2s', 'more more\r\nNOOP\r\n', 2));
    f.push(chunk('c2s', 'RETR 0123456789xyz\r\n', 3)); // too long inside one chunk
    expect(rec.lines.map((l) => [l.text, l.malformed, l.firstFrame, l.frame])).toEqual([
      ['STOR 01234', 'line too long', 1, 1],
      ['NOOP', undefined, 2, 2],
      ['RETR 01234', 'line too long', 3, 3],
    ]);
    expect(rec.limits).toEqual([{ frame: 1, message: 'line longer than 10 bytes: cut, rest of the line skipped' }]);
  });

  it('accepts a line of exactly the bound with its CRLF split across chunks', () => {
    const { f, rec } = framer(10);
    f.push(chunk('c2s', '0123456789\r', 1));
    f.push(chunk('c2s', '\n', 2));
    expect(rec.lines).toEqual([{ text: '0123456789', firstFrame: 1, firstTime: 0.1, frame: 2, time: 0.2 }]);
    expect(rec.limits).toEqual([]);
  });

  it('drops the line spanning a gap and reports it', () => {
    const { f, rec } = framer();
    f.push(chunk('c2s', 'USER a\r\nPASS sec', 1));
    f.push(chunk('c2s', 'SYST\r\n', 3, { gapBefore: 20 }));
    expect(rec.lines.map((l) => l.text)).toEqual(['USER a', 'SYST']);
    expect(rec.gaps).toEqual([{ bytes: 28, frame: 3 }]); // 20 lost + 8 of the partial line
  });

  it('reads a line the snaplen cut as far as it goes, marked cut, when the engine says so', () => {
    const { f, rec } = framer();
    f.push(chunk('s2c', '220 ready\r\n227 Entering Passive Mode (198', 1));
    f.push(chunk('s2c', '', 1, { gapBefore: 24, cutBefore: 24 }));
    f.push(chunk('s2c', '150 Opening BINARY mode data c', 3));
    f.push(chunk('s2c', '', 3, { gapBefore: 30, cutBefore: 30 }));
    expect(rec.lines.map((l) => [l.text, l.frame, l.malformed])).toEqual([
      ['220 ready', 1, undefined],
      ['227 Entering Passive Mode (198', 1, 'cut short by a capture gap'],
      ['150 Opening BINARY mode data c', 3, 'cut short by a capture gap'],
    ]);
    expect(rec.gaps).toEqual([
      { bytes: 24, frame: 1 },
      { bytes: 30, frame: 3 },
    ]);
  });

  it('stops reading a chunk when the sink says so', () => {
    const { f, rec } = framer(undefined, (l) => l.text.startsWith('234'));
    const read = f.push(chunk('s2c', '234 AUTH TLS ok\r\n\x16\x03\x01\x00\x05', 4));
    expect(read).toBe(17);
    expect(rec.lines.map((l) => l.text)).toEqual(['234 AUTH TLS ok']);
  });

  it('flushes a partial line at finish, and reset() forgets it', () => {
    const { f, rec } = framer();
    f.push(chunk('c2s', 'QUI', 7));
    f.push(chunk('c2s', 'T', 8));
    f.finish();
    expect(rec.lines).toEqual([
      { text: 'QUIT', firstFrame: 7, firstTime: 0.7, frame: 8, time: 0.8, malformed: 'no line terminator' },
    ]);
    f.push(chunk('c2s', 'NOOP', 9));
    expect(f.atLineStart).toBe(false);
    expect(f.reset()).toBe(4);
    expect(f.atLineStart).toBe(true);
  });
});
