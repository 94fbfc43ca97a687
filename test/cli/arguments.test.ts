/**
 * Issue 11 #13: every subcommand but summary takes one capture, and a second is refused (exit 1,
 * naming it) instead of silently ignored; a mistyped subcommand that names no file is refused
 * with a suggestion instead of being read as a capture by the default summary.
 */
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closeCommands, editDistance } from '../../src/cli/suggest.js';
import { runCli } from './run-cli.js';

const ROOT = resolve(__dirname, '../..');
const A = join(ROOT, 'fixtures/passive-vsftpd-lftp.pcap');
const B = join(ROOT, 'fixtures/active-vsftpd-ftp.pcap');

describe('a second capture', () => {
  const one: Array<[string, string[]]> = [
    ['sessions', []],
    ['commands', []],
    ['transfers', []],
    ['diagnose', []],
    ['dump', []],
    ['timeline', []],
    ['explain', []],
    ['extract', ['-o', join(ROOT, 'never-created')]],
  ];
  it.each(one)('%s refuses it, naming it, and prints nothing else', async (cmd, extra) => {
    const r = await runCli([cmd, ...extra, A, B]);
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: `ftpcap: ${cmd}: unexpected argument '${B}': ${cmd} takes one capture (only summary analyses several)\n`,
    });
  });

  it('is refused after options too, and with the extra first', async () => {
    const r = await runCli(['diagnose', A, '--json', B, '-s', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`ftpcap: diagnose: unexpected argument '${B}': diagnose takes one capture (only summary analyses several)\n`);
  });

  it('demo takes one name', async () => {
    expect(await runCli(['demo', 'active', 'passive'])).toEqual({
      code: 1,
      stdout: '',
      stderr: "ftpcap: demo: unexpected argument 'passive': demo takes one demo name\n",
    });
  });

  it('summary (named or by default) still analyses several', async () => {
    for (const argv of [['summary', A, B], [A, B]]) {
      const r = await runCli(argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Capture ${A}: pcap, 83 packets`);
      expect(r.stdout).toContain(`Capture ${B}: pcap`);
    }
  });
});

describe('a mistyped subcommand', () => {
  const cases: Array<[string, string]> = [
    ['sumary', 'summary'],
    ['summray', 'summary'],
    ['sesions', 'sessions'],
    ['comands', 'commands'],
    ['transfer', 'transfers'],
    ['diagnos', 'diagnose'],
    ['diagnosis', 'diagnose'],
    ['extact', 'extract'],
    ['dupm', 'dump'],
    ['timelime', 'timeline'],
    ['explian', 'explain'],
    ['dmeo', 'demo'],
    ['sum', 'summary'],
    ['diag', 'diagnose'],
    ['time', 'timeline'],
    ['ex', 'extract or explain'],
    ['s', 'summary or sessions'],
    ['sesion', 'sessions'],
  ];
  it.each(cases)("'%s' is a usage error: did you mean %s?", async (word, suggestion) => {
    const r = await runCli([word, A]);
    expect(r).toEqual({ code: 1, stdout: '', stderr: `ftpcap: unknown command '${word}' (and no such file): did you mean ${suggestion}?\n` });
  });

  it('a word far from every name is still read as a capture (and missing)', async () => {
    const r = await runCli(['capture.pcap']);
    expect(r).toEqual({ code: 2, stdout: '', stderr: 'ftpcap: capture.pcap: cannot read (ENOENT)\n' });
  });

  it('a real name is not questioned', async () => {
    expect((await runCli(['summary', A])).code).toBe(0);
    expect((await runCli(['sessions', A])).code).toBe(0);
  });
});

describe('edit distance', () => {
  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('sumary', 'summary')).toBe(1);
    expect(editDistance('dmeo', 'demo')).toBe(1);
    expect(editDistance('explian', 'explain')).toBe(1);
    expect(editDistance('abc', 'abc')).toBe(0);
    expect(editDistance('', 'dump')).toBe(4);
    expect(editDistance('x.pcap', 'dump')).toBeGreaterThan(2);
  });
  it('finds close names, closest first, and none for an exact name', () => {
    expect(closeCommands('sesions', ['summary', 'sessions'])).toEqual(['sessions']);
    expect(closeCommands('summary', ['summary', 'sessions'])).toEqual([]);
    expect(closeCommands('Sumary', ['summary'])).toEqual(['summary']);
  });
});
