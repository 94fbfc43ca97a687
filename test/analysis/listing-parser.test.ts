import { describe, expect, it } from 'vitest';
import { parseDosLine, parseListingLine, parseMlsdLine, parseUnixLine } from '../../src/analysis/listing-parser.js';
import { ListingCollector, parseKept } from '../../src/analysis/listing-collector.js';
import type { Session, Transfer } from '../../src/analysis/model.js';
import type { StreamChunk } from '../../src/tcp/types.js';
import { lineText } from '../../src/analysis/text.js';

const REF = new Date(Date.UTC(2024, 2, 1, 12, 0, 0)); // 2024-03-01 12:00 UTC

describe('ls -l lines', () => {
  it.each([
    // vsftpd and proftpd, as in the fixtures
    ['-rw-r--r--    1 1001     1001          511 Jan 02  2024 hello.txt', { name: 'hello.txt', type: 'file', size: 511, modified: '2024-01-02' }],
    ['drwxr-xr-x   2 ftpuser  ftpuser      4096 Jan  2  2024 pub', { name: 'pub', type: 'dir', size: 4096, modified: '2024-01-02' }],
    ['-rw-r--r--    1 1001     1001            3 Feb 29 10:30 my file  .txt', { name: 'my file  .txt', type: 'file', size: 3, modified: '2024-02-29T10:30' }],
    ['-rw-r--r-- 1 ftp 511 Dec 31 23:59 no-group', { name: 'no-group', type: 'file', size: 511, modified: '2023-12-31T23:59' }],
    ['-rw-r--r--    1 0 0 1 Mar 02 10:00 tomorrow', { name: 'tomorrow', type: 'file', size: 1, modified: '2024-03-02T10:00' }],
    ['-rw-r--r--    1 0 0 1 Jun 01 10:00 last-june', { name: 'last-june', type: 'file', size: 1, modified: '2023-06-01T10:00' }],
    ['crw-rw-rw-    1 0        0          1,   3 Jan 02  2024 null', { name: 'null', type: 'other', size: null, modified: '2024-01-02' }],
    ['-rw-r--r--+   1 0 0 9 Jan 02  2024 acl', { name: 'acl', type: 'file', size: 9, modified: '2024-01-02' }],
  ])('%s', (line, expected) => {
    expect(parseUnixLine(line, REF)).toEqual(expected);
  });

  it('splits a symbolic link into name and target', () => {
    expect(parseUnixLine('lrwxrwxrwx    1 0        0               9 Jan 02  2024 link -> hello.txt', REF)).toEqual({
      name: 'link',
      type: 'link',
      size: 9,
      modified: '2024-01-02',
      target: 'hello.txt',
    });
  });

  it('is no entry for a summary line or an invalid date', () => {
    expect(parseUnixLine('total 16', REF)).toBeNull();
    expect(parseUnixLine('-rw-r--r-- 1 0 0 1 Foo 02 2024 x', REF)).toBeNull();
    expect(parseUnixLine('-rw-r--r-- 1 0 0 1 Jan 32 2024 x', REF)).toBeNull();
    expect(parseUnixLine('-rw-r--r-- 1 0 0 1 Jan 02 25:00 x', REF)).toBeNull();
  });
});

describe('MS-DOS (IIS) lines', () => {
  it('reads directories, files and 12-hour times', () => {
    expect(parseDosLine('01-02-24  03:04AM       <DIR>          pub')).toEqual({ name: 'pub', type: 'dir', size: null, modified: '2024-01-02T03:04' });
    expect(parseDosLine('12-31-1999  12:05PM                  511 hello world.txt')).toEqual({
      name: 'hello world.txt',
      type: 'file',
      size: 511,
      modified: '1999-12-31T12:05',
    });
    expect(parseDosLine('01-02-24  12:00AM 5 midnight')?.modified).toBe('2024-01-02T00:00');
    expect(parseDosLine('13-02-24  03:04AM 5 x')).toBeNull();
  });

  it('is tried for LIST when the line is not ls -l', () => {
    expect(parseListingLine('LIST', '01-02-24  03:04AM       <DIR>          pub', REF)?.format).toBe('dos');
  });
});

describe('MLSD lines (RFC 3659 7.7.4 style)', () => {
  it('reads facts, case-insensitively, and the name after the first space', () => {
    expect(parseMlsdLine('Type=file;Size=25730;Modify=19940728095854;Perm=; capmux.tar.z')).toEqual({
      name: 'capmux.tar.z',
      type: 'file',
      size: 25730,
      modified: '1994-07-28T09:58:54Z',
      facts: { type: 'file', size: '25730', modify: '19940728095854', perm: '' },
    });
    expect(parseMlsdLine('Type=cdir;Modify=19981107085215;Perm=el; /tmp')).toMatchObject({ name: '/tmp', type: 'dir', size: null });
    expect(parseMlsdLine('type=pdir;modify=19990112030508.123; ..')).toMatchObject({ name: '..', type: 'dir', modified: '1999-01-12T03:05:08.123Z' });
    expect(parseMlsdLine('type=file;size=1;  leading space')).toMatchObject({ name: ' leading space' });
    expect(parseMlsdLine('type=OS.unix=slink:/etc/hosts;modify=20240102030405; hosts')).toMatchObject({ type: 'link', target: '/etc/hosts' });
    expect(parseMlsdLine('type=dir;sizd=4096; pub')).toMatchObject({ type: 'dir', size: 4096 });
  });

  it('is no entry without facts or a name', () => {
    expect(parseMlsdLine('no-facts-here')).toBeNull();
    expect(parseMlsdLine('junk name')).toBeNull();
    expect(parseMlsdLine('type=file; ')).toBeNull();
  });
});

describe('NLST lines', () => {
  it('are names as sent', () => {
    expect(parseListingLine('NLST', 'pub/file name.txt', REF)).toEqual({
      entry: { name: 'pub/file name.txt', type: null, size: null, modified: null },
      format: 'names',
    });
  });
});

describe('parseKept: lines, gaps and cuts', () => {
  const piece = (s: string, gapBefore = 0): { gapBefore: number; bytes: Buffer } => ({ gapBefore, bytes: Buffer.from(s, 'latin1') });
  const kept = (pieces: Array<{ gapBefore: number; bytes: Buffer }>, cut: 'size' | 'total' | null = null) => ({
    pieces,
    bytes: pieces.reduce((n, p) => n + p.bytes.length, 0),
    gapBytes: pieces.reduce((n, p) => n + p.gapBefore, 0),
    cut,
    time: REF.getTime() / 1000,
  });

  it('joins lines split across chunks and strips CR', () => {
    const l = parseKept('NLST', kept([piece('a\r\nb'), piece('c\r\nd')]));
    expect(l.entries.map((e) => e.name)).toEqual(['a', 'bc', 'd']);
    expect(l).toMatchObject({ format: 'names', unparsed: 0, cut: null, bytes: 8 });
  });

  it('does not parse the lines a gap broke, and counts them', () => {
    const l = parseKept('NLST', kept([piece('a\r\nbro'), piece('ken\r\nc\r\n', 5)]));
    expect(l.entries.map((e) => e.name)).toEqual(['a', 'c']);
    expect(l).toMatchObject({ unparsed: 2, gapBytes: 5 });
  });

  it('does not parse the last line of a listing stopped part-way (ABOR, a reset) when it has no newline; a whole one keeps it', () => {
    const pieces = [piece('a\r\nb\r\nentry-num')];
    expect(parseKept('NLST', kept(pieces), true).entries.map((e) => e.name)).toEqual(['a', 'b']);
    expect(parseKept('NLST', kept(pieces), true)).toMatchObject({ unparsed: 1, cut: null });
    expect(parseKept('NLST', kept(pieces)).entries.map((e) => e.name)).toEqual(['a', 'b', 'entry-num']);
    expect(parseKept('NLST', kept([piece('a\r\nb\r\n')]), true)).toMatchObject({ unparsed: 0 });
  });

  it('does not parse the last line of a cut listing', () => {
    const l = parseKept('NLST', kept([piece('a\r\nb\r\nhalf')], 'size'));
    expect(l.entries.map((e) => e.name)).toEqual(['a', 'b']);
    expect(l).toMatchObject({ unparsed: 1, cut: 'size' });
  });

  it('decodes UTF-8 names; other lines as the control channel shows them (lineText)', () => {
    const l = parseKept('NLST', kept([{ gapBefore: 0, bytes: Buffer.concat([Buffer.from('caf\u00e9\r\n', 'utf8'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0d, 0x0a])]) }]));
    expect(l.entries.map((e) => e.name)).toEqual(['caf\u00e9', lineText('caf\u00e9')]);
  });

  it("says mixed when lines of several formats appear; ls -l's total line is a header, not an unread line", () => {
    const l = parseKept('LIST', kept([piece('total 8\r\n-rw-r--r-- 1 0 0 1 Jan 02  2024 a\r\n01-02-24  03:04AM  <DIR> b\r\nnot a listing line\r\n')]));
    expect(l).toMatchObject({ format: 'mixed', unparsed: 1 });
    expect(l.entries.map((e) => e.name)).toEqual(['a', 'b']);
  });

  it('strips every CR before the LF (GridFTP ends LIST lines with CR CR LF)', () => {
    const l = parseKept('LIST', kept([piece('-rw-r--r--   1 u u   511 Jan  2 03:04 hello.txt\r\r\ndrwxr-xr-x   2 u u  4096 Jan  2 03:04 pub\r\r\n')]));
    expect(l).toMatchObject({ format: 'unix', unparsed: 0 });
    expect(l.entries.map((e) => [e.name, e.type, e.size])).toEqual([['hello.txt', 'file', 511], ['pub', 'dir', 4096]]);
  });

  it('is empty for a listing that sent nothing', () => {
    expect(parseKept('LIST', undefined)).toEqual({ format: null, entries: [], unparsed: 0, bytes: 0, gapBytes: 0, cut: null });
  });
});

describe('ListingCollector bounds', () => {
  const transfer = (id: number, command: string | null): Transfer =>
    ({
      id,
      request: command ? { frame: 1, time: 0, command, arg: '', path: null } : null,
      direction: command === null ? null : ['LIST', 'NLST', 'MLSD'].includes(command) ? 'listing' : 'download',
      connection: { established: true },
    }) as unknown as Transfer;
  const chunk = (s: string, gapBefore = 0): StreamChunk =>
    ({ dir: 's2c', bytes: Buffer.from(s), gapBefore, streamOffset: 0, frame: 1, time: REF.getTime() / 1000 }) as StreamChunk;
  const session = (transfers: Transfer[]): Session => ({ transfers }) as unknown as Session;

  it('keeps at most the per-listing and total bytes, and says which bound cut', () => {
    const c = new ListingCollector({ perListing: 8, total: 12 });
    const a = transfer(1, 'NLST');
    const b = transfer(2, 'NLST');
    c.push(a, chunk('one\r\ntwo\r\nthree\r\n'), false);
    c.push(b, chunk('x\r\ny\r\n'), false);
    c.finish([session([a, b])]);
    expect(a.listing).toMatchObject({ bytes: 8, cut: 'size', entries: [{ name: 'one' }], unparsed: 1 });
    expect(b.listing).toMatchObject({ bytes: 4, cut: 'total', entries: [{ name: 'x' }] });
  });

  it('keeps nothing for other transfers, or for bytes sent to the server', () => {
    const c = new ListingCollector({ perListing: 100, total: 100 });
    const retr = transfer(1, 'RETR');
    const list = transfer(2, 'LIST');
    c.push(retr, chunk('data'), false);
    c.push(list, chunk('ignored'), true);
    c.finish([session([retr, list])]);
    expect(retr.listing).toBeUndefined();
    expect(list.listing).toEqual({ format: null, entries: [], unparsed: 0, bytes: 0, gapBytes: 0, cut: null });
  });

  it('gives back the room of data kept before the request showed it was no listing', () => {
    const c = new ListingCollector({ perListing: 10, total: 10 });
    const early = transfer(1, null);
    c.push(early, chunk('0123456789'), false);
    (early as { request: unknown }).request = { frame: 2, time: 0, command: 'RETR', arg: 'x', path: 'x' };
    (early as { direction: unknown }).direction = 'download';
    c.push(early, chunk('more'), false);
    const list = transfer(2, 'NLST');
    c.push(list, chunk('a\r\nb\r\n'), false);
    c.finish([session([early, list])]);
    expect(list.listing).toMatchObject({ cut: null, entries: [{ name: 'a' }, { name: 'b' }] });
  });
});
