/**
 * Golden snapshots of the teaching commands: every fixture × timeline and explain (80 columns),
 * and dumps, wide/unicode ladders, one session, and the four demos through the CLI itself.
 * Every golden printed at the default width keeps every line within 80 columns.
 */
import { describe, expect, it } from 'vitest';
import { renderExplain } from '../../src/render/explain.js';
import { renderTimeline } from '../../src/render/timeline.js';
import { runCli } from '../cli/run-cli.js';
import { expectGolden } from './golden.js';
import { baseName, load, TEACH_FIXTURES } from './load.js';

function longest(text: string): { length: number; line: string } {
  let best = { length: 0, line: '' };
  for (const line of text.split('\n')) if (line.length > best.length) best = { length: line.length, line };
  return best;
}

function expectFits(text: string, width = 80): void {
  const l = longest(text);
  expect(l.length, `longest line: ${JSON.stringify(l.line)}`).toBeLessThanOrEqual(width);
}

describe.each(TEACH_FIXTURES)('%s', (file) => {
  const base = baseName(file);
  it('timeline and explain match their goldens and fit 80 columns', async () => {
    const { analysis, ladders } = await load(file);
    const timeline = `${renderTimeline(analysis, ladders, { width: 80 })}\n`;
    const explain = `${renderExplain(analysis, ladders)}\n`;
    expectGolden(`${base}.timeline.txt`, timeline);
    expectGolden(`${base}.explain.txt`, explain);
    expectFits(timeline);
    expectFits(explain);
  });
});

/** [golden name, CLI arguments, width the output must fit or null]. */
const CLI_CASES: Array<[string, string[], number | null]> = [
  ['active-vsftpd-ftp.dump.txt', ['dump', 'fixtures/active-vsftpd-ftp.pcap'], 80],
  ['active-vsftpd-ftp.dump.frame-33.txt', ['dump', '--frame', '33', 'fixtures/active-vsftpd-ftp.pcap'], 80],
  ['ipv6-epsv-proftpd-lftp.dump.frame-49-56.txt', ['dump', '--frame', '49-56', 'fixtures/ipv6-epsv-proftpd-lftp.pcapng'], 80],
  ['passive-vsftpd-lftp.dump.data.frame-27-39.txt', ['dump', '--data', '--frame', '27-39', 'fixtures/passive-vsftpd-lftp.pcap'], 80],
  ['qinq-passive-proftpd-curl.dump.frame-1-5.txt', ['dump', '--frame', '1-5', 'fixtures/qinq-passive-proftpd-curl.pcap'], 80],
  ['vlan-passive-vsftpd-lftp.dump.frame-3-4.txt', ['dump', '--frame', '3-4', 'fixtures/vlan-passive-vsftpd-lftp.pcap'], 80],
  ['sll-eprt4-proftpd-curl.dump.frame-1-4.txt', ['dump', '--frame', '1-4', 'fixtures/sll-eprt4-proftpd-curl.pcap'], 80],
  ['sll2-passive-vsftpd-lftp.dump.frame-1-4.txt', ['dump', '--frame', '1-4', 'fixtures/sll2-passive-vsftpd-lftp.pcap'], 80],
  ['fail-passive-reject-icmp-proftpd-curl.dump.frame-14-21.txt', ['dump', '--frame', '14-21', 'fixtures/fail-passive-reject-icmp-proftpd-curl.pcap'], 80],
  ['offload-on-passive-vsftpd-curl.dump.frame-3-8.txt', ['dump', '--frame', '3-8', 'fixtures/offload-on-passive-vsftpd-curl.pcap'], 80],
  ['nat-active-helper-vsftpd-ftp.dump.session-2.frame-1-30.txt', ['dump', '--session', '2', '--frame', '1-30', 'fixtures/nat-active-helper-vsftpd-ftp.pcap'], 80],
  ['tls-vsftpd-lftp.dump.frame-22-26.txt', ['dump', '--frame', '22-26', 'fixtures/tls-vsftpd-lftp.pcap'], 80],
  // With the key log: record headers, then the decrypted FTP text (control) and data, marked derived.
  ['ftps-tls13-proftpd-lftp.dump.keys.frame-63-65.txt', ['dump', '--tls-keylog', 'fixtures/ftps-tls13-proftpd-lftp.keys', '--frame', '63-65', 'fixtures/ftps-tls13-proftpd-lftp.pcap'], 80],
  ['ftps-tls13-proftpd-lftp.dump.keys.frame-94.txt', ['dump', '--tls-keylog', 'fixtures/ftps-tls13-proftpd-lftp.keys', '--frame', '94', 'fixtures/ftps-tls13-proftpd-lftp.pcap'], 80],
  ['abort-vsftpd-lftp.dump.unicode.frame-60-70.txt', ['dump', '--unicode', '--frame', '60-70', 'fixtures/abort-vsftpd-lftp.pcap'], 80],
  ['active-vsftpd-ftp.timeline.unicode.txt', ['timeline', '--unicode', 'fixtures/active-vsftpd-ftp.pcap'], 80],
  ['bounce-allowed-vsftpd-python.timeline.wide.txt', ['timeline', '--wide', 'fixtures/bounce-allowed-vsftpd-python.pcap'], 132],
  ['passive-vsftpd-lftp.timeline.wide.txt', ['timeline', '--wide', 'fixtures/passive-vsftpd-lftp.pcap'], 132],
  ['nat-active-helper-vsftpd-ftp.timeline.session-2.txt', ['timeline', '-s', '2', 'fixtures/nat-active-helper-vsftpd-ftp.pcap'], 80],
  ['nat-active-nohelper-vsftpd-ftp.explain.session-1.txt', ['explain', '-s', '1', 'fixtures/nat-active-nohelper-vsftpd-ftp.pcap'], 80],
  ['demo.active.txt', ['demo', 'active'], 80],
  ['demo.passive.txt', ['demo', 'passive'], 80],
  ['demo.ipv6.txt', ['demo', 'ipv6'], 80],
  ['demo.failed.txt', ['demo', 'failed'], 80],
];

describe('CLI goldens', () => {
  it.each(CLI_CASES)('%s', async (name, args, width) => {
    const r = await runCli(args);
    // Capture warnings (e.g. timestamps going backwards) go to stderr, nothing else.
    expect(r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('warning: '))).toEqual([]);
    expect(r.code).toBe(0);
    expectGolden(name, r.stdout);
    if (width !== null) expectFits(r.stdout, width);
  });

  it('timeline and explain through the CLI print what the renderers give', async () => {
    const { analysis, ladders } = await load('active-vsftpd-ftp.pcap');
    expect((await runCli(['timeline', 'fixtures/active-vsftpd-ftp.pcap'])).stdout).toBe(`${renderTimeline(analysis, ladders, { width: 80 })}\n`);
    expect((await runCli(['explain', 'fixtures/active-vsftpd-ftp.pcap'])).stdout).toBe(`${renderExplain(analysis, ladders)}\n`);
  });
});
