/**
 * The exit codes documented in the README (0 analysed, possibly with warnings; 1 usage error;
 * 2 unreadable or not a capture), for every subcommand, with one error line naming the file —
 * escaped, since a file name can hold control characters too.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { FIXTURES_DIR, fixture } from '../support/fuzz/corpus.js';
import { applyOps } from '../support/fuzz/mutations.js';
import { TERMINAL_UNSAFE } from '../support/fuzz/run-case.js';

const README = readFileSync(join(FIXTURES_DIR, '..', 'README.md'), 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-exit-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const file = (name: string, bytes: Buffer | string): string => {
  const p = join(tmp, name);
  writeFileSync(p, bytes);
  return p;
};

const GOOD = join(FIXTURES_DIR, 'fail-login-vsftpd-curl.pcap');
const pcap = fixture('fail-login-vsftpd-curl.pcap').bytes;
const SUBCOMMANDS: string[][] = [['summary'], ['sessions'], ['commands'], ['transfers'], ['diagnose'], ['dump'], ['timeline'], ['explain'], ['extract', '-o', 'OUT']];
let outs = 0;
const argv = (sub: string[], capture: string, ...extra: string[]): string[] => [
  ...sub.map((a) => (a === 'OUT' ? join(tmp, `out${++outs}`) : a)),
  ...extra,
  capture,
];

describe('exit codes', () => {
  it('are documented in the README as 0, 1 and 2', () => {
    const table = README.slice(README.indexOf('### Exit codes'));
    expect(table).toMatch(/\| 0 \| analysed \(possibly with warnings/);
    expect(table).toMatch(/\| 1 \| usage error/);
    expect(table).toMatch(/\| 1 \| usage error .*standard output that cannot be written \(`ftpcap: cannot write output \(ENOSPC\)`; a pipe closed early, as by `head`, ends quietly with 0\) \|/);
    expect(table).toMatch(/\| 2 \| unreadable, or not a capture at all/);
  });

  const unreadable: Array<[string, () => string, RegExp]> = [
    ['no such file', () => join(tmp, 'missing.pcap'), /: cannot read \(ENOENT\)$/],
    ['a directory', () => tmp, /: is a directory, not a capture file$/],
    ['an empty file', () => file('empty.pcap', Buffer.alloc(0)), /: empty file$/],
    ['text', () => file('text.pcap', 'USER anonymous\r\n'), /: offset 0: not a capture file \(magic 0x55534552\)$/],
    ['a cut file header', () => file('cut.pcap', pcap.subarray(0, 10)), /: offset 0: truncated pcap file header \(10 of 24 bytes\)$/],
    ['a wrong version', () => file('v3.pcap', applyOps(pcap, [{ op: 'header', field: 'version-major', value: 3 }])), /unsupported pcap version 3\.4/],
    ['gzip of text', () => file('text.pcap.gz', gzipSync('not a capture')), /: offset 0: not a capture file \(magic 0x6e6f7420, after gunzip\)$/],
  ];
  describe.each(SUBCOMMANDS.map((s) => [s[0], s]))('%s', (_name, sub) => {
    it.each(unreadable)('2 for %s, one line naming the file', async (_what, path, message) => {
      const p = path();
      const r = await runCli(argv(sub, p));
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(new RegExp(`^ftpcap: ${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      expect(lines[0]).toMatch(message);
    });

    it('0 for a capture cut short (with its warning), 1 for an unknown option or a session that is not there', async () => {
      const cut = file(`cut-${sub[0]}.pcap`, pcap.subarray(0, pcap.length - 5));
      const ok = await runCli(argv(sub, cut));
      expect(ok.code).toBe(0);
      expect(ok.stdout + ok.stderr).toMatch(/truncated-record/);
      expect((await runCli(argv(sub, GOOD, '--frobnicate'))).code).toBe(1);
      if (sub[0] !== 'summary' && sub[0] !== 'sessions') {
        const r = await runCli(argv(sub, GOOD, '-s', '7'));
        expect(r.code).toBe(1);
        expect(r.stderr).toBe(`ftpcap: no session 7 in ${GOOD} (it has 1)\n`);
        expect((await runCli(argv(sub, GOOD, '-s', 'x'))).code).toBe(1);
      }
    });
  });

  it('a file name with control characters is shown escaped in the error', async () => {
    const name = join(tmp, 'evil\u001b[2J\u0007.pcap');
    writeFileSync(name, 'not a capture');
    const r = await runCli(['summary', name]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(TERMINAL_UNSAFE);
    expect(r.stderr).toContain('evil\\x1b[2J\\x07.pcap');
  });

  it('standard input: 2 for nothing at all, 0 for a capture', async () => {
    expect(await runCli(['summary', '-'], { stdin: Buffer.alloc(0) })).toEqual({ code: 2, stdout: '', stderr: 'ftpcap: -: empty file\n' });
    expect((await runCli(['summary', '-'], { stdin: pcap })).code).toBe(0);
  });
});
