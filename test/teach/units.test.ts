/**
 * Unit tests of the teaching renderers' building blocks: flag-bit lines, TCP option lines,
 * tuple arithmetic lines, the box and ladder layout at 80 columns, and the --frame argument.
 * (New bytes and retransmissions per packet are the TCP engine's: test/tcp/segment-hook.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { flagNames } from '../../src/analysis/ladder.js';
import { parseTcpOptions } from '../../src/decode/tcp.js';
import { parseEprtArg, parseEpsvReply, parsePasvReply, parsePortArg } from '../../src/ftp/tuples.js';
import type { AddressTuple, Session } from '../../src/analysis/model.js';
import { bitPicture, flagBitLine, tcpFlagLines, tcpOptionLines } from '../../src/render/dump-fields.js';
import { BOX_WIDTH, dumpBlock, formatLine, renderBox, wrapLine } from '../../src/render/dump.js';
import { tupleText, ASCII_LINES, UNICODE_LINES } from '../../src/render/teach-text.js';
import { parseFrameRange } from '../../src/cli/teach.js';
import { load, tsharkTsv } from './load.js';

const texts = (lines: Array<{ text: string }>): string[] => lines.map((l) => l.text);

describe('flag-bit lines', () => {
  it('draw one bit of a field among dots, a space every four bits', () => {
    expect(bitPicture(0x018, 12, 7)).toBe('.... ...1 ....');
    expect(bitPicture(0x018, 12, 8)).toBe('.... .... 1...');
    expect(bitPicture(0x002, 12, 0, 3)).toBe('000. .... ....');
    expect(bitPicture(0x2, 3, 1)).toBe('.1.');
    expect(bitPicture(0x2, 3, 2)).toBe('..0');
  });

  it('name a set flag and say "No" for a clear one, EtherPeek style', () => {
    expect(flagBitLine(0x018, 12, 7, 'Ack').text).toBe('.... ...1 .... Ack');
    expect(flagBitLine(0x018, 12, 6, 'Urgent pointer').text).toBe('.... ..0. .... (No Urgent pointer)');
  });

  it('give the twelve bits of tcp.flags: reserved, then AE down to FIN', () => {
    expect(texts(tcpFlagLines(0x012))).toEqual([
      '000. .... .... Reserved',
      '...0 .... .... (No Accurate ECN)',
      '.... 0... .... (No Congestion Window Reduced)',
      '.... .0.. .... (No ECN-Echo)',
      '.... ..0. .... (No Urgent pointer)',
      '.... ...1 .... Ack',
      '.... .... 0... (No Push)',
      '.... .... .0.. (No Reset)',
      '.... .... ..1. SYN',
      '.... .... ...0 (No FIN)',
    ]);
    expect(texts(tcpFlagLines(0x0c1)).filter((t) => !t.includes('(No'))).toEqual([
      '000. .... .... Reserved',
      '.... 1... .... Congestion Window Reduced',
      '.... .1.. .... ECN-Echo',
      '.... .... ...1 FIN',
    ]);
  });

  it('name the flags of a ladder arrow textbook style', () => {
    expect([0x002, 0x012, 0x010, 0x011, 0x019, 0x014, 0x004].map(flagNames)).toEqual([
      'SYN',
      'SYN+ACK',
      'ACK',
      'FIN+ACK',
      'FIN+PSH+ACK',
      'RST+ACK',
      'RST',
    ]);
  });
});

describe('TCP option lines', () => {
  const opts = (bytes: number[]) => tcpOptionLines(parseTcpOptions(new Uint8Array(bytes), 0, bytes.length));

  it('decode MSS, SACK permitted, timestamps, NOP, window scale with the shown tshark fields', () => {
    const lines = opts([2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1, 3, 3, 7]);
    expect(texts(lines)).toEqual([
      'Maximum Segment Size, length 4: 1460',
      'SACK Permitted, length 2',
      'Timestamps, length 10: TSval 1, TSecr 2',
      'No-Operation',
      'Window Scale, length 3: shift 7',
    ]);
    expect(lines[4].derived).toBe('×128');
    expect(lines.flatMap((l) => l.fields ?? [])).toEqual([
      { tshark: 'tcp.options.mss_val', value: 1460 },
      { tshark: 'tcp.options.sack_perm', value: 'present' },
      { tshark: 'tcp.options.timestamp.tsval', value: 1 },
      { tshark: 'tcp.options.timestamp.tsecr', value: 2 },
      { tshark: 'tcp.options.wscale.shift', value: 7 },
    ]);
  });

  it('show SACK blocks, unknown and malformed options, and the end of the list', () => {
    expect(texts(opts([5, 10, 0, 0, 0, 10, 0, 0, 0, 20, 30, 4, 0xab, 0xcd, 2, 3, 0, 0]))).toEqual([
      'SACK, length 10: 10-20',
      'Option 30, length 4: abcd',
      'Malformed option 2: option 2 has length 3 (should be 4)',
      'End of Option List',
    ]);
    expect(texts(opts([8, 1]))).toEqual(['Malformed option 8: option 8 has length 1 (minimum 2)']);
  });
});

describe('tuple arithmetic lines', () => {
  const session = { server: { ip: '2001:db8:2::20', port: 21 } } as Session;
  const text = (t: ReturnType<typeof parsePortArg>): string => tupleText(t as AddressTuple, session);

  it('show p1×256+p2 for PORT and 227, the port alone for EPRT and EPSV', () => {
    expect(text(parsePortArg('192,168,0,1,9,39'))).toBe('192.168.0.1:2343 (port 9×256+39 = 2343)');
    expect(text(parsePortArg('192,168,10,232,6,127'))).toBe('192.168.10.232:1663 (port 6×256+127 = 1663)');
    expect(text(parsePasvReply('227 Entering Passive Mode (198,51,100,20,195,152).'))).toBe(
      '198.51.100.20:50072 (port 195×256+152 = 50072)',
    );
    expect(text(parseEprtArg('|2|2001:db8:1::10|48867|'))).toBe('[2001:db8:1::10]:48867 (port written in decimal)');
    expect(text(parseEpsvReply('229 Entering Extended Passive Mode (|||50084|)'))).toBe(
      "[2001:db8:2::20]:50084 (port written in decimal; no address: the control connection's server address)",
    );
    expect(text(parsePortArg('1,2,3,4,5'))).toMatch(/^malformed: /);
  });

  it("decode the PORT line of a real frame as tshark does (active-vsftpd-ftp frame 33)", async () => {
    const { analysis, trace } = await load('active-vsftpd-ftp.pcap', 'connections');
    const k = trace.kept.find((x) => x.decoded.frame === 33)!;
    const lines = dumpBlock(k, analysis, { showPasswords: false }).lines.map((l) => formatLine(l).text.trim());
    const row = tsharkTsv('active-vsftpd-ftp.pcap', 'datachan').find((r) => r['frame.number'] === '33')!;
    expect(lines).toContain('Line 1:                PORT 192,0,2,10,165,177<CR><LF>');
    expect(lines).toContain(`[derived] ${row['ftp.active.cip']}:${row['ftp.active.port']}  (port 165×256+177 = ${row['ftp.active.port']})`);
  });

  it('hide the password unless asked (active-vsftpd-ftp frame 11)', async () => {
    const { analysis, trace } = await load('active-vsftpd-ftp.pcap', 'connections');
    const k = trace.kept.find((x) => x.decoded.frame === 11)!;
    const shown = (showPasswords: boolean): string => dumpBlock(k, analysis, { showPasswords }).lines.map((l) => l.text).join('\n');
    expect(shown(false)).toContain('PASS ****<CR><LF>');
    expect(shown(false)).not.toContain('ftppass');
    expect(shown(true)).toContain('PASS ftppass<CR><LF>');
  });
});

describe('layout at 80 columns', () => {
  it('wraps a long box line at a space, continuing under the value column', () => {
    const long = `  Line 1:                ${'word '.repeat(30)}`.trimEnd();
    const pieces = wrapLine(long, 25);
    expect(pieces.length).toBeGreaterThan(1);
    for (const p of pieces) expect(p.length).toBeLessThanOrEqual(BOX_WIDTH - 4);
    for (const p of pieces.slice(1)) expect(p.startsWith(' '.repeat(25) + 'word')).toBe(true);
    expect(wrapLine('x'.repeat(200), 25).every((p) => p.length <= BOX_WIDTH - 4)).toBe(true);
  });

  it('draws boxes exactly BOX_WIDTH wide, in ASCII by default and in Unicode on request', () => {
    const block = { frame: 1, lines: [{ level: 0 as const, text: 'Title' }, { level: 1 as const, label: 'Field', text: 'y'.repeat(150) }] };
    for (const set of [ASCII_LINES, UNICODE_LINES]) {
      const lines = renderBox(block, set).split('\n');
      for (const l of lines) expect([...l].length).toBe(BOX_WIDTH);
      expect(BOX_WIDTH).toBeLessThanOrEqual(80);
    }
    expect(renderBox(block, ASCII_LINES)).toMatch(/^[\x20-\x7e\n]+$/);
  });
});

describe('--frame', () => {
  it('takes N or N-M', () => {
    expect(parseFrameRange('7')).toEqual({ first: 7, last: 7 });
    expect(parseFrameRange('3-12')).toEqual({ first: 3, last: 12 });
    for (const bad of ['0', '5-3', 'x', '1-', '-4', '2-3-4']) expect(() => parseFrameRange(bad), bad).toThrow();
  });
});
