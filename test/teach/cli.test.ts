/**
 * The teaching subcommands through the CLI: exit codes (1 usage, 2 unreadable), standard input
 * (read twice from memory), session selection, and what --frame / --data select.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { FIXTURES_DIR, tsharkTsv } from './load.js';

const ACTIVE = 'fixtures/active-vsftpd-ftp.pcap';

/** Frame numbers of the boxes a dump printed. */
function dumpedFrames(out: string): number[] {
  return [...out.matchAll(/^\| Frame (\d+) - /gm)].map((m) => Number(m[1]));
}

describe('teaching commands on the command line', () => {
  it('exit 1 on usage errors, with one line', async () => {
    for (const args of [
      ['dump', '--frame', '9-3', ACTIVE],
      ['timeline', '-s', '0', ACTIVE],
      ['explain', '--session', '2', ACTIVE],
      ['demo', 'nosuchdemo'],
      ['timeline', '--no-such-option', ACTIVE],
    ]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stdout).toBe('');
    }
    expect((await runCli(['explain', '-s', '2', ACTIVE])).stderr).toBe(`ftpcap: no session 2 in ${ACTIVE} (it has 1)\n`);
  });

  it('exit 2 when the capture cannot be read', async () => {
    const missing = await runCli(['timeline', 'fixtures/no-such.pcap']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('ftpcap: fixtures/no-such.pcap: cannot read (ENOENT)\n');
    const notCapture = await runCli(['dump', 'fixtures/README.md']);
    expect(notCapture.code).toBe(2);
    expect(notCapture.stderr).toMatch(/^ftpcap: fixtures\/README\.md: .*not a capture file/);
  });

  it('read standard input twice (from memory) and print what the file gives', async () => {
    const bytes = readFileSync(resolve(FIXTURES_DIR, 'active-vsftpd-ftp.pcap'));
    for (const cmd of ['timeline', 'explain', 'dump']) {
      const fromStdin = await runCli([cmd, '-'], { stdin: bytes });
      const fromFile = await runCli([cmd, ACTIVE]);
      expect(fromStdin.code).toBe(0);
      expect(fromStdin.stdout).toBe(fromFile.stdout);
    }
  });

  it('dump: control packets by default, data connections with --data, any frame with --frame', async () => {
    // tshark's view: stream 0 is the control connection, streams 1-3 the data connections; frames 1-2 are ARP.
    const frames = tsharkTsv('active-vsftpd-ftp.pcap', 'streams').map((r) => Number(r.frames));
    const control = dumpedFrames((await runCli(['dump', ACTIVE])).stdout);
    expect(control.length).toBe(frames[0]);
    const all = dumpedFrames((await runCli(['dump', '--data', ACTIVE])).stdout);
    expect(all.length).toBe(frames.reduce((a, b) => a + b, 0));
    expect(all).toEqual([...all].sort((a, b) => a - b));
    expect(all).toContain(36); // the first data connection's SYN
    expect(control).not.toContain(36);
    const arp = await runCli(['dump', '--frame', '1-3', ACTIVE]);
    expect(dumpedFrames(arp.stdout)).toEqual([1, 2, 3]);
    expect(arp.stdout).toContain('Type:                  0x0806  ARP');
    expect(dumpedFrames((await runCli(['dump', '--frame', '1-3', '-s', '1', ACTIVE])).stdout)).toEqual([3]);
  });

  it('demo finds its capture next to the package, from any working directory', async () => {
    const cwd = process.cwd();
    try {
      process.chdir('/');
      const r = await runCli(['demo', 'passive']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('ftpcap demo passive: fixtures/passive-vsftpd-lftp.pcap');
      expect(r.stdout).toContain('227 (frame 28) answers with the address 198.51.100.20');
    } finally {
      process.chdir(cwd);
    }
  });
});
