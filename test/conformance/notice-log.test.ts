/**
 * Repeated failed logins from one address (analysis/login-guessing.ts) against Zeek's own
 * FTP::Bruteforcing notice, on the shared real captures (../shared/captures; never copied into the
 * repository): the capture Zeek's btest raised it on gets the same notice.log record (Zeek masks
 * its time; every other field is compared), and every other shared capture gets none. The model's
 * facts and the words of diagnose and summary are checked on the same capture.
 */
import { createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { analyzeStream } from '../../src/analysis/pipeline.js';
import { runCli } from '../cli/run-cli.js';
import { readZeekLog } from './peer-readers.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ZEEK = resolve(REPO, '../shared/captures/zeek');
const have = existsSync(ZEEK);
const BRUTEFORCE = join(ZEEK, 'bruteforce.pcap');

const analyze = (path: string): Promise<Analysis> => analyzeStream(createReadStream(path), { fileName: path });
const flat = (x: string): string => x.replace(/\s+/g, ' ');

describe.skipIf(!have)('FTP::Bruteforcing, as Zeek raises it', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-notice-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('bruteforce.pcap: 30 logins of bro refused (530 to PASS), 20 of them by frame 398: the model names the address, counts and frames', async () => {
    const a = await analyze(BRUTEFORCE);
    expect(a.sessions).toHaveLength(30);
    expect(a.sessions.every((s) => s.diagnosis?.cause === 'login-failed')).toBe(true);
    const [g, ...rest] = a.loginGuessing;
    expect(rest).toEqual([]);
    expect({ ...g, first: g.first.frame, last: g.last.frame, crossed: g.crossed.frame, servers: g.servers, span: Math.floor(g.crossed.time - g.crossed.since) }).toEqual({
      client: '192.168.56.1',
      failures: 30,
      servers: 1,
      first: 12,
      last: 598,
      crossed: 398,
      span: 37,
      users: ['bro'],
      userCount: 1,
      sessions: [1, 2, 3, 4, 5],
      sessionCount: 30,
    });
  });

  it("logs -o: notice.log holds Zeek's record field for field (its time is masked in Zeek's baseline), beside ftp.log and ftpcap_data.log", async () => {
    const out = join(tmp, 'bruteforce');
    const r = await runCli(['logs', '-o', out, BRUTEFORCE]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['ftp.log', 'ftpcap_data.log', 'notice.log']);
    const ours = readZeekLog(join(out, 'notice.log'));
    const zeek = readZeekLog(join(ZEEK, 'bruteforce.zeek.scripts.policy.protocols.ftp.bruteforce.notice.log'));
    expect(ours).toHaveLength(1);
    const { ts, ...fields } = ours[0];
    const { ts: masked, ...expected } = zeek[0];
    expect(masked).toBe('XXXXXXXXXX.XXXXXX');
    expect(fields).toEqual(expected);
    expect(fields.msg).toBe('192.168.56.1 had 20 failed logins on 1 FTP server in 0m37s');
    // The notice's time is the 20th failure's: the 530 of frame 398.
    const a = await analyze(BRUTEFORCE);
    expect(Number(ts)).toBeCloseTo(a.loginGuessing[0].crossed.time, 6);
    // The header names notice's own columns and types, as Zeek's does.
    const header = (p: string): string[] => readFileSync(p, 'utf8').split('\n').filter((l) => l.startsWith('#fields') || l.startsWith('#types'));
    expect(header(join(out, 'notice.log'))).toEqual(header(join(ZEEK, 'bruteforce.zeek.scripts.policy.protocols.ftp.bruteforce.notice.log')));
  });

  it('diagnose, summary and the report say it once, before the sessions, with the same facts', async () => {
    const [diagnose, summary] = await Promise.all([runCli(['diagnose', '--no-color', BRUTEFORCE]), runCli(['summary', '--no-color', BRUTEFORCE])]);
    const sentence =
      '192.168.56.1 had 30 failed logins (a 5xx answering USER or PASS) on 1 FTP server in 56.746 s (frames 12–598), in sessions 1, 2, 3, 4, 5 and 25 more; ' +
      'user names tried: bro. 20 of them within 15 minutes (by frame 398) is what Zeek reports as FTP::Bruteforcing';
    expect(diagnose.stdout.startsWith('Repeated failed logins from 192.168.56.1\n')).toBe(true);
    expect(flat(diagnose.stdout)).toContain(sentence);
    expect(flat(summary.stdout)).toContain(`From one address: ${sentence}`);
    const html = join(tmp, 'bruteforce.html');
    expect((await runCli(['report', BRUTEFORCE, '-o', html])).code).toBe(0);
    const page = flat(readFileSync(html, 'utf8'));
    expect(page).toContain(`<p class="pattern"><strong>Repeated failed logins from 192.168.56.1</strong>: ${sentence}`);
  });

  it('no other shared capture raises it (a single failed login is no pattern), and its logs have no notice.log', async () => {
    const others = readdirSync(ZEEK).filter((f) => f.endsWith('.pcap') && f !== 'bruteforce.pcap');
    expect(others.length).toBeGreaterThan(5);
    for (const f of others) expect((await analyze(join(ZEEK, f))).loginGuessing, f).toEqual([]);
    const out = join(tmp, 'one-failure');
    expect((await runCli(['logs', '-o', out, join(ZEEK, 'ftp-password-pass-command.pcap')])).code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['ftp.log', 'ftpcap_data.log']);
  });
});
