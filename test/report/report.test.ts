/**
 * `ftpcap report` without a browser: the page is one self-contained file whose only script and
 * style are the inlined page.ts / page.css allowed by their CSP hashes, packet text cannot close
 * an element or open one, the bounds hold on the largest fixture, and `demo NAME --html` writes
 * the same page for a bundled capture.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { citedFrames } from '../../src/render/report/report.js';
import { esc, jsonForScript } from '../../src/render/report/html.js';
import { packSpaces } from '../../src/render/report/frames.js';
import { runCli } from '../cli/run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-report-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const sha = (s: string): string => `sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}`;

async function report(fixture: string): Promise<string> {
  const r = await runCli(['report', `fixtures/${fixture}`]);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

function checkShape(html: string): void {
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
  expect(csp).toMatch(/^default-src 'none'; script-src 'sha256-[^']+'; style-src 'sha256-[^']+'; img-src data:;/);
  const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
  expect(scripts.map((m) => m[1])).toEqual([' type="application/json" id="report-data"', '']);
  const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)];
  expect(styles.length).toBe(1);
  expect(csp).toContain(`script-src '${sha(scripts[1][2])}'`);
  expect(csp).toContain(`style-src '${sha(styles[0][1])}'`);
  // Nothing that would fetch: no external reference of any kind.
  expect(html).not.toMatch(/\b(?:src|href)="(?!#)/);
  expect(html).not.toMatch(/url\((?!#)/);
  expect(html).not.toMatch(/\bstyle="/); // inline style attributes would need 'unsafe-inline'
  expect(JSON.parse(scripts[0][2]).frames).toBeTypeOf('object');
}

describe('ftpcap report', () => {
  it.each(['passive-vsftpd-lftp.pcap', 'fail-active-drop-vsftpd-ftp.pcap', 'ipv6-epsv-proftpd-lftp.pcapng', 'hostile-server-python.pcap'])(
    '%s: one self-contained page, script and style allowed by hash only',
    async (f) => checkShape(await report(f)),
  );

  it('writes -o FILE, refuses a terminal without -o, and demo --html gives the same page for a bundled capture', async () => {
    const out = join(tmp, 'r.html');
    const r = await runCli(['report', 'fixtures/passive-vsftpd-lftp.pcap', '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^ftpcap: wrote .*r\.html \(\d+ bytes\)\n$/);
    checkShape(readFileSync(out, 'utf8'));
    const tty = await runCli(['report', 'fixtures/passive-vsftpd-lftp.pcap'], { tty: true });
    expect(tty.code).toBe(1);
    expect(tty.stderr).toContain('give -o FILE');
    const demo = await runCli(['demo', 'failed', '--html']);
    expect(demo.code).toBe(0);
    checkShape(demo.stdout);
    expect(demo.stdout).toContain('<h1>ftpcap demo failed: fixtures/fail-active-drop-vsftpd-ftp.pcap</h1>');
    expect(demo.stdout).toContain('class="card"');
  });

  it('stays within its bound on the largest fixture (under 4 MiB, at most 400 dumps)', async () => {
    const html = await report('large-lossy-vsftpd-lftp.pcap.gz');
    expect(Buffer.byteLength(html)).toBeLessThan(4 * 1024 * 1024);
    const data = JSON.parse(/<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)![1]);
    expect(Object.keys(data.frames).length).toBeLessThanOrEqual(400);
    expect(html).toContain('class="ev band');
  });

  it('embeds FTPS frames as `dump --frame` prints them: TLS records, then the text they decrypt to', async () => {
    const keys = ['--tls-keylog', 'fixtures/ftps-cbc-vsftpd-python.keys'];
    const r = await runCli(['report', 'fixtures/ftps-cbc-vsftpd-python.pcap', ...keys]);
    expect(r.code, r.stderr).toBe(0);
    const data = JSON.parse(/<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(r.stdout)![1]) as {
      frames: Record<string, { lines: Array<string | [string, string]> }>;
    };
    // A box's lines with the page's packed runs of spaces (packSpaces) back as single spaces.
    const squash = (l: string | [string, string]): string => (Array.isArray(l) ? l[0] : l).replace(/\t./g, ' ').replace(/ +/g, ' ').trim();
    // Frame 15: the client's USER, inside the control connection's TLS (its TLS 1.2 CBC records).
    const user = data.frames['15'].lines.map(squash);
    const tlsAt = user.indexOf('TLS - Transport Layer Security (on the FTP control connection)');
    expect(user.slice(tlsAt)).toEqual([
      'TLS - Transport Layer Security (on the FTP control connection)',
      'Record 1: Application Data (23), version 0x0303, 52 bytes',
      '[derived] decrypted: 14 bytes of application data',
      '[derived] FTP Control - File Transfer Protocol, decrypted from the TLS records above',
      'Line 1: [derived] USER ftpuser<CR><LF>',
      '[derived] USER: User name to log in as',
    ]);
    // The same words as the dump command's box of that frame (drawn around them, wrapped at 80 columns).
    const dump = await runCli(['dump', 'fixtures/ftps-cbc-vsftpd-python.pcap', ...keys, '--frame', '15']);
    expect(dump.code, dump.stderr).toBe(0);
    const boxed = dump.stdout.split('\n').filter((l) => l.startsWith('| ')).map((l) => l.slice(2, -2)).join(' ').replace(/ +/g, ' ');
    expect(boxed).toContain(user.slice(tlsAt).join(' '));
    // Without the keys, the same frame shows the record header and says what cannot be read.
    const plain = await runCli(['report', 'fixtures/ftps-cbc-vsftpd-python.pcap']);
    const noKeys = JSON.parse(/<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(plain.stdout)![1]) as typeof data;
    const hidden = noKeys.frames['15'].lines.map((l) => (Array.isArray(l) ? l[0] : l)).join('\n');
    expect(hidden).toContain('Application Data (23), version 0x0303, 52 bytes');
    expect(hidden).toContain('cannot be read without the TLS keys (--tls-keylog)');
    expect(hidden).not.toContain('USER ftpuser');
  });

  it('escapes packet text for HTML, attributes and the JSON block', () => {
    expect(esc('<script>"x"\'</svg>&')).toBe('&lt;script&gt;&quot;x&quot;&#39;&lt;/svg&gt;&amp;');
    expect(esc('a\u001b[31mb\u202e')).toBe('a\\x1b[31mb\\u202e');
    const j = jsonForScript({ t: '</script><!-- \u2028' });
    expect(j).not.toMatch(/[<>\u2028]/);
    expect(JSON.parse(j)).toEqual({ t: '</script><!-- \u2028' });
    expect(packSpaces('  Time:                  0.1')).toBe('  Time:\tR0.1');
    expect(citedFrames('SYN (frames 3, 4), ACK (frame 5); 12 segments, frames 10-40 and frame 7')).toEqual(['3', '4', '5', '10-40', '7']);
  });
});
