/**
 * Names from captures are hostile: whatever a RETR/STOR argument says, the saved name is one
 * plain component inside the output directory.
 */
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_COMPONENT_BYTES, isPlainNameInside, objectFileName, sanitizeComponent, splitExtension, truncateUtf8, uniqueName } from '../../src/extract/names.js';

const DIR = resolve('/tmp/ftpcap-out');

/** The properties every saved name must have, whatever went in. */
function expectSafe(name: string): void {
  expect(name).not.toBe('');
  expect(name).not.toMatch(/[/\\\0]/);
  // eslint-disable-next-line no-control-regex
  expect(name).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  expect(name).not.toMatch(/^\./);
  expect(name).not.toMatch(/[. ]$/);
  expect(Buffer.byteLength(name)).toBeLessThanOrEqual(255);
  expect(isPlainNameInside(DIR, name)).toBe(true);
  expect(resolve(DIR, name).startsWith(`${DIR}/`)).toBe(true);
}

const HOSTILE = [
  '../../etc/passwd',
  '..',
  '.',
  '../',
  '/etc/shadow',
  '/',
  '//server/share/x',
  'C:\\Windows\\System32\\drivers\\etc\\hosts',
  '..\\..\\boot.ini',
  'a/../../b',
  'evil\u0000.txt',
  'esc\u001b[2J\u001b]0;pwned\u0007.txt',
  'line\r\nbreak',
  'tab\there',
  'del\u007f\u0085\u009b',
  'bidi\u202egnp.exe',
  'zw\u200bsp\u2066x',
  'lone\ud800surrogate',
  'x'.repeat(5000),
  `${'é'.repeat(300)}.txt`,
  `${'🦀'.repeat(200)}.bin`,
  'CON',
  'con.txt',
  'NUL',
  'nul.tar.gz',
  'COM1',
  'lpt9.log',
  'AUX',
  'PRN.',
  'CONIN$',
  'trailing. . ',
  '   ',
  '...',
  '.bashrc',
  'a<b>c:d"e|f?g*h',
  '',
];

describe('sanitizeComponent', () => {
  it.each(HOSTILE.map((h) => [JSON.stringify(h), h]))('keeps %s inside the directory', (_label, raw) => {
    const component = sanitizeComponent(raw);
    for (const name of [component || 'x', objectFileName({ session: 1, transfer: 2, command: 'RETR', path: raw })]) expectSafe(name);
    expect(Buffer.byteLength(component)).toBeLessThanOrEqual(MAX_COMPONENT_BYTES);
  });

  it('takes the last path segment, never a directory', () => {
    expect(sanitizeComponent('../../etc/passwd')).toBe('passwd');
    expect(sanitizeComponent('/etc/shadow')).toBe('shadow');
    expect(sanitizeComponent('C:\\Windows\\win.ini')).toBe('win.ini');
    expect(sanitizeComponent('a/b/')).toBe('b');
    expect(sanitizeComponent('..')).toBe('');
    expect(sanitizeComponent('/')).toBe('');
  });

  it('replaces control, escape, NUL and bidi characters and Windows-forbidden ones', () => {
    expect(sanitizeComponent('evil\u0000.txt')).toBe('evil_.txt');
    expect(sanitizeComponent('esc\u001b[2J.txt')).toBe('esc_[2J.txt');
    expect(sanitizeComponent('bidi\u202egnp.exe')).toBe('bidi_gnp.exe');
    expect(sanitizeComponent('a<b>c:d"e|f?g*h')).toBe('a_b_c_d_e_f_g_h');
  });

  it('hides no file behind a dot and ends in no dot or space', () => {
    expect(sanitizeComponent('.bashrc')).toBe('_bashrc');
    expect(sanitizeComponent('...')).toBe('_');
    expect(sanitizeComponent('trailing. . ')).toBe('trailing');
  });

  it('prefixes Windows device names, with or without an extension', () => {
    for (const d of ['CON', 'con.txt', 'NUL', 'nul.tar.gz', 'COM1', 'lpt9.log', 'AUX', 'CONIN$']) {
      expect(sanitizeComponent(d)).toBe(`_${d}`);
    }
    expect(sanitizeComponent('PRN.')).toBe('_PRN');
    expect(sanitizeComponent('console.txt')).toBe('console.txt');
    expect(sanitizeComponent('COM10')).toBe('COM10');
  });

  it('shortens long names to the byte limit without splitting a character, keeping the extension', () => {
    const long = sanitizeComponent(`${'é'.repeat(300)}.txt`);
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(MAX_COMPONENT_BYTES);
    expect(long.endsWith('_.txt')).toBe(true);
    expect(long).not.toContain('\ufffd');
    expect(truncateUtf8('🦀🦀', 5)).toBe('🦀');
    expect(sanitizeComponent('x'.repeat(5000)).length).toBe(MAX_COMPONENT_BYTES);
  });
});

describe('objectFileName', () => {
  it('starts with the session and transfer, so no name is a device name or hidden', () => {
    expect(objectFileName({ session: 1, transfer: 2, command: 'RETR', path: '/pub/hello.txt' })).toBe('s1-t2-hello.txt');
    expect(objectFileName({ session: 3, transfer: 1, command: 'STOR', path: 'CON' })).toBe('s3-t1-_CON');
    expect(objectFileName({ session: 1, transfer: 4, command: 'STOU', path: null })).toBe('s1-t4-stou');
    expect(objectFileName({ session: 1, transfer: 1, command: 'LIST', path: '/' })).toBe('s1-t1-list.txt');
    expect(objectFileName({ session: 1, transfer: 5, command: 'NLST', path: '/srv/pub' })).toBe('s1-t5-nlst-pub.txt');
    expect(objectFileName({ session: 2, transfer: 7, command: null, path: null, flow: 'to-server' })).toBe('s2-t7-data-to-server.bin');
  });
});

describe('uniqueName', () => {
  it('never returns a taken name; numbers before the extension', () => {
    const taken = new Set(['a.txt', 'a~2.txt']);
    expect(uniqueName('a.txt', (n) => taken.has(n))).toBe('a~3.txt');
    expect(uniqueName('b.txt', (n) => taken.has(n))).toBe('b.txt');
    expect(uniqueName('noext', (n) => n === 'noext')).toBe('noext~2');
    expect(() => uniqueName('x', () => true, 10)).toThrow(/no free name/);
  });

  it('splits only a short plain extension', () => {
    expect(splitExtension('archive.tar.gz')).toEqual({ stem: 'archive.tar', ext: '.gz' });
    expect(splitExtension('weird.ext ension')).toEqual({ stem: 'weird.ext ension', ext: '' });
    expect(splitExtension('_bashrc')).toEqual({ stem: '_bashrc', ext: '' });
  });
});

describe('isPlainNameInside', () => {
  it('accepts one plain component and refuses anything that leaves the directory', () => {
    expect(isPlainNameInside(DIR, 's1-t1-a.txt')).toBe(true);
    for (const bad of ['', '.', '..', '../x', 'a/b', 'a\\b', '/etc/passwd', 'x\0y']) expect(isPlainNameInside(DIR, bad)).toBe(false);
    expect(isPlainNameInside(join(DIR, 'sub', '..'), 'a')).toBe(true);
  });
});
