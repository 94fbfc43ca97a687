/**
 * The hostile fixtures (fixtures/hostile/*.py against real vsftpd, and a hostile Python server,
 * both recorded with tcpdump): bounds hold and are reported once each, reply pairing never
 * shifts, malformed tuples are flagged, and nothing printed can drive a terminal.
 */
import { createReadStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeStream } from '../../src/analysis/pipeline.js';
import type { Analysis, Command } from '../../src/analysis/model.js';
import { analysisMemo, runCli } from '../cli/run-cli.js';

const FIXTURES = resolve(__dirname, '../../fixtures');
const CLIENT = join(FIXTURES, 'hostile-client-vsftpd-python.pcap.gz');
const SERVER = join(FIXTURES, 'hostile-server-python.pcap');

/** Any C0 control but newline, DEL, or a C1 control: what could move a cursor or change colours. */
const TERMINAL_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

const analyze = (path: string): Promise<Analysis> => analyzeStream(createReadStream(path), { fileName: path });
const find = (a: Analysis, pred: (c: Command) => boolean): Command[] => a.sessions[0].commands.filter(pred);

describe('hostile client against vsftpd', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await analyze(CLIENT);
  });

  it('keeps every command, flags the bogus tuples with their reason', () => {
    expect(find(a, (c) => c.command === 'NOOP')).toHaveLength(2000);
    expect(find(a, (c) => c.command === 'PORT' && c.tuple?.ok === true)).toHaveLength(10_000);
    const reasons = find(a, (c) => (c.command === 'PORT' || c.command === 'EPRT') && c.tuple?.ok === false).map((c) => [c.arg, c.tuple!.reason]);
    expect(reasons).toEqual([
      ['300,1,2,3,4,5', 'h1 = 300 is over 255'],
      ['192,0,2,10,-1,5', 'p1 = -1 is negative'],
      ['1,2,3', 'expected 6 comma-separated numbers, found 3 fields'],
      ['a,b,c,d,e,f', "h1 = 'a' is not a number"],
      ['|9|x|y|', "unknown address family '9' (1 = IPv4, 2 = IPv6)"],
    ]);
    for (const c of find(a, (x) => x.tuple?.ok === false)) expect(c.reply?.code).toBe(500);
  });

  it('reports each bound once, by name', () => {
    const codes = a.capture.warnings.map((w) => w.code);
    for (const code of ['ftp-pending-commands', 'ftp-expected-data-channels', 'ftp-line-length']) {
      expect(codes.filter((c) => c === code)).toHaveLength(1);
    }
  });

  it('keeps at most 1000 unused announcements and counts the rest', () => {
    const s = a.sessions[0];
    const unused = s.transfers.filter((t) => t.status === 'unused');
    // The bound was reached, then the last PASV was used by its STOR: 999 remain unused.
    expect(unused.length).toBe(999);
    // 5 malformed + 10,000 PORTs + 2 PASVs were announced; the 2 PASVs were used.
    expect(s.forgottenAnnouncements + unused.length + 2).toBe(10_007);
  });

  it('still pairs every reply with its command after thousands of pipelined ones', () => {
    const untracked = find(a, (c) => c.replyUntracked === true);
    expect(untracked.length).toBeGreaterThan(0);
    expect(untracked.every((c) => c.reply === null)).toBe(true);
    // The commands after the flood get their own replies, in order (the last is the 1 MiB line).
    const tail = a.sessions[0].commands.filter((c) => c.command !== null && !c.replyUntracked).slice(-7);
    expect(tail.map((c) => `${c.command!.slice(0, 4)} ${c.reply?.code ?? '-'}`)).toEqual([
      'TYPE 200',
      'PASV 227',
      'STOR 553',
      'PASV 227',
      'STOR 226',
      'LIST 425',
      'AAAA 500', // vsftpd answers the over-long line itself
    ]);
    const stor = a.sessions[0].transfers.find((t) => t.request?.arg === '\u001b[31mred\u001b[0m.txt');
    expect([stor?.status, stor?.bytes]).toEqual(['complete', 15]);
  });

  it('cuts the 1 MiB line at the line bound', () => {
    const last = a.sessions[0].commands.at(-1)!;
    expect(last.command!.startsWith('AAAA')).toBe(true);
    expect(last.malformed).toMatch(/line too long/);
    expect(last.command!.length).toBeLessThanOrEqual(8192);
  });

  it('prints nothing that can drive a terminal', async () => {
    // One analysis of the capture (about a second) for the six outputs.
    const analyses = analysisMemo();
    for (const args of [['summary'], ['commands'], ['transfers'], ['diagnose'], ['sessions']]) {
      const r = await runCli([...args, CLIENT], { tty: false, analyses });
      expect(r.code).toBe(0);
      expect(r.stdout + r.stderr).not.toMatch(TERMINAL_CONTROL);
    }
    const r = await runCli(['commands', CLIENT], { analyses });
    expect(r.stdout).toContain('CWD \\x1b[2J\\x1b[1;31mPWNED\\x1b[0m');
    expect(r.stdout).toContain('MKD nul\\x00byte');
    expect(r.stdout).toContain('CWD caf\\xe9\\xff');
  });
});

describe('hostile server', () => {
  let a: Analysis;
  beforeAll(async () => {
    a = await analyze(SERVER);
  });

  it('bounds the endless greeting and goes on pairing replies', () => {
    expect(a.capture.warnings.filter((w) => w.code === 'ftp-reply-lines')).toHaveLength(1);
    const s = a.sessions[0];
    expect(s.greeting?.startsWith('Welcome')).toBe(true);
    expect(s.commands.filter((c) => c.command !== null).map((c) => `${c.command} ${c.reply?.code}`)).toEqual([
      'USER 331',
      'PASS 230',
      'PASV 227',
      'PASV 227',
      'PASV 227',
      'RETR 226',
      'PASV 227',
      'LIST 226',
      'NOOP 500',
      'QUIT 221',
    ]);
  });

  it('flags junk 227 replies and links the real one', () => {
    const s = a.sessions[0];
    const pasv = s.commands.filter((c) => c.command === 'PASV').map((c) => c.tuple?.ok ? 'ok' : c.tuple?.reason);
    expect(pasv).toEqual(['h1 = 1000 is over 255', 'no h1,h2,h3,h4,p1,p2 tuple in the 227 reply', 'ok', 'ok']);
    const retr = s.transfers.find((t) => t.request?.command === 'RETR')!;
    expect([retr.request!.arg, retr.status, retr.bytes]).toEqual(['../../etc/passwd', 'complete', 30]);
  });

  it('prints nothing that can drive a terminal', async () => {
    for (const args of [['summary'], ['commands'], ['transfers'], ['diagnose']]) {
      const r = await runCli([...args, SERVER]);
      expect(r.code).toBe(0);
      expect(r.stdout + r.stderr).not.toMatch(TERMINAL_CONTROL);
    }
  });
});
