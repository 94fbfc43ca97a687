/**
 * `ftpcap logs`: Zeek ftp.log / ftpcap_data.log and Suricata EVE on the project's own recordings —
 * exact records for a healthy and a failed session, escaping of the hostile recordings, header
 * lines that parse (#fields = #types = columns), and the command line (-o DIR, --force, --format).
 */
import { createReadStream, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeStream } from '../../src/analysis/pipeline.js';
import type { Analysis } from '../../src/analysis/model.js';
import { sharedFixtureStream } from '../support/shared-analysis.js';
import { eveLog } from '../../src/render/logs/eve.js';
import { escapeZeek } from '../../src/render/logs/zeek-ascii.js';
import { DATA_COLUMNS, FTP_COLUMNS, zeekDataLog, zeekFtpLog } from '../../src/render/logs/zeek.js';
import { runCli } from '../cli/run-cli.js';
import { readZeekLogs } from './zeek-log-reader.js';
import { sampleFixtures } from '../support/fixture-sample.js';

const FIXTURES = join(__dirname, '../../fixtures');
const fixture = (name: string) => join(FIXTURES, name);

async function analyze(name: string, showPasswords = false): Promise<Analysis> {
  return sharedFixtureStream(name, { fileName: name, showPasswords });
}

const records = (out: string, path: string): string[] => readZeekLogs(out).find((l) => l.path === path)!.lines;

describe('logs --format zeek on real recordings', () => {
  it('healthy passive session (passive-vsftpd-lftp): every ftp.log and ftpcap_data.log record', async () => {
    const r = await runCli(['logs', fixture('passive-vsftpd-lftp.pcap')]);
    expect(r.code).toBe(0);
    const logs = readZeekLogs(r.stdout);
    expect(logs.map((l) => l.path)).toEqual(['ftp', 'ftpcap_data']);
    expect(logs[0].open).toBe('2026-11-21-06-22-52');
    const uid = 'C1biVeLNOFDC3Rw16U';
    const head = `${uid}\t192.0.2.10\t58318\t198.51.100.20\t21\tftpuser\t<hidden>`;
    expect(logs[0].lines).toEqual([
      `1795242172.666601\t${head}\tPASV\t-\t-\t-\t227\tEntering Passive Mode (198,51,100,20,195,152).\tT\t192.0.2.10\t198.51.100.20\t50072\t-`,
      `1795242172.667869\t${head}\tPASV\t-\t-\t-\t227\tEntering Passive Mode (198,51,100,20,195,144).\tT\t192.0.2.10\t198.51.100.20\t50064\t-`,
      `1795242172.668166\t${head}\tRETR\tftp://198.51.100.20/var/tmp/ftpcap-record/home/ftpuser/hello.txt\t-\t511\t226\tTransfer complete.\t-\t-\t-\t-\t-`,
      `1795242172.668979\t${head}\tPASV\t-\t-\t-\t227\tEntering Passive Mode (198,51,100,20,195,98).\tT\t192.0.2.10\t198.51.100.20\t50018\t-`,
      `1795242172.669139\t${head}\tSTOR\tftp://198.51.100.20/var/tmp/ftpcap-record/home/ftpuser/upload-lftp.txt\t-\t-\t226\tTransfer complete.\t-\t-\t-\t-\t-`,
    ]);
    expect(logs[1].lines).toEqual([
      `1795242172.666960\tCODT13DKYk72PbZpb\t192.0.2.10\t49166\t198.51.100.20\t50072\ttcp\tftp-data\t0.000443\t0\t260\tSF\t0\t${uid}\t1\t1\tpassive\tLIST\t(empty)\tcompleted\t-\t-`,
      `1795242172.668140\tC1OFCV7srhbu1NLu6Z\t192.0.2.10\t42000\t198.51.100.20\t50064\ttcp\tftp-data\t0.000566\t0\t511\tSF\t0\t${uid}\t1\t2\tpassive\tRETR\thello.txt\tcompleted\t-\t-`,
      `1795242172.669112\tC1PgcKj3f9A3UxAeeI\t192.0.2.10\t56456\t198.51.100.20\t50018\ttcp\tftp-data\t0.000247\t259\t0\tSF\t0\t${uid}\t1\t3\tpassive\tSTOR\tupload-lftp.txt\tcompleted\t-\t-`,
    ]);
  });

  it('failed active session (fail-active-drop-vsftpd-ftp): the 425 and the unanswered SYNs with the model verdict and cause', async () => {
    const r = await runCli(['logs', fixture('fail-active-drop-vsftpd-ftp.pcap')]);
    const head = 'CtRYXq3EgL4S1yyf7\t192.0.2.10\t46962\t198.51.100.20\t21\tftpuser\t<hidden>';
    expect(records(r.stdout, 'ftp')).toEqual([
      `1795242245.878070\t${head}\tPORT\t192,0,2,10,224,159\t-\t-\t200\tPORT command successful. Consider using PASV.\tF\t198.51.100.20\t192.0.2.10\t57503\t-`,
      `1795242245.878250\t${head}\tRETR\tftp://198.51.100.20/./hello.txt\t-\t511\t425\tFailed to establish connection.\t-\t-\t-\t-\t-`,
    ]);
    expect(records(r.stdout, 'ftpcap_data')).toEqual([
      '1795242245.878692\tCwMD9ygspIqVINVdW\t198.51.100.20\t20\t192.0.2.10\t57503\ttcp\tftp-data\t4.101782\t0\t0\tS0\t0\tCtRYXq3EgL4S1yyf7\t1\t1\tactive\tRETR\thello.txt\tfailed\t-\tactive-syn-unanswered',
    ]);
  });

  it('failed passive session (fail-passive-drop-vsftpd-curl): verdict and cause from the model', async () => {
    const a = await analyze('fail-passive-drop-vsftpd-curl.pcap');
    const data = readZeekLogs([...zeekDataLog(a)].join(''))[0].records;
    expect(data).toHaveLength(1);
    const t = a.sessions[0].transfers[0];
    expect(data[0]).toMatchObject({ conn_state: 'S0', ftpcap_verdict: t.verdict.kind, ftpcap_cause: t.diagnosis!.cause, ftpcap_mode: 'passive' });
    expect(data[0].ftpcap_cause).toBe('passive-syn-unanswered');
  });

  it('--show-passwords shows PASS arguments; --all-commands logs the greeting as <init> and every command', async () => {
    const a = await analyze('passive-vsftpd-lftp.pcap', true);
    const all = readZeekLogs([...zeekFtpLog(a, { showPasswords: true, allCommands: true })].join(''))[0].records;
    expect(all.map((r) => r.command).slice(0, 4)).toEqual(['<init>', 'FEAT', 'USER', 'PASS']);
    expect(all[0].user).toBe('<unknown>');
    const pass = all.find((r) => r.command === 'PASS')!;
    expect(pass.arg).not.toBe('<hidden>');
    expect(pass.password).toBe(pass.arg);
    expect(all.length).toBe(a.sessions[0].commands.length);
  });
});

// npm test checks a fixed sample; test:long (and CI) every fixture.
const FORMAT_FIXTURES = sampleFixtures(readdirSync(FIXTURES).filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f) && !f.startsWith('large-')).sort());

describe('header and type lines parse on every recording', () => {
  it.each(FORMAT_FIXTURES)('%s', async (name) => {
    const a = await analyze(name);
    const ftp = readZeekLogs([...zeekFtpLog(a, { showPasswords: false, allCommands: true })].join(''));
    const data = readZeekLogs([...zeekDataLog(a)].join(''));
    expect(ftp).toHaveLength(1);
    expect(ftp[0].fields).toEqual(FTP_COLUMNS.map((c) => c.name));
    expect(ftp[0].types).toEqual(FTP_COLUMNS.map((c) => c.type));
    expect(data[0].fields).toEqual(DATA_COLUMNS.map((c) => c.name));
    expect(data[0].records).toHaveLength(a.sessions.reduce((n, s) => n + s.transfers.length, 0));
    // One assertion over every line (an expect per line was most of this test's time).
    const lines = [...eveLog(a, { showPasswords: false })];
    expect(lines.filter((line) => !line.endsWith('\n') || line.slice(0, -1).includes('\n'))).toEqual([]);
    for (const line of lines) JSON.parse(line);
  });
});

// eslint-disable-next-line no-control-regex
const RAW_UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\p{Cf}]/u;

describe('hostile recordings: text from packets is escaped', () => {
  it.each(['hostile-client-vsftpd-python.pcap.gz', 'hostile-server-python.pcap'])('%s', async (name) => {
    const a = await analyze(name);
    const zeek = [...zeekFtpLog(a, { showPasswords: false, allCommands: true }), ...zeekDataLog(a)].join('');
    // Only printable ASCII, the separator (tab) and line ends: nothing else reaches the log.
    expect(zeek).toMatch(/^[\x20-\x7e\t\n]*$/);
    readZeekLogs(zeek);
    const eve = [...eveLog(a, { showPasswords: false })];
    expect(eve.filter((line) => RAW_UNSAFE.test(line.slice(0, -1)))).toEqual([]);
    for (const line of eve) JSON.parse(line);
    if (name.startsWith('hostile-client')) {
      const rows = readZeekLogs(zeek)[0].lines;
      expect(rows.some((l) => l.includes('\tCWD\tftp://198.51.100.20/./\\x1b[2J\\x1b[1;31mPWNED\\x1b[0m\t'))).toBe(true);
      expect(rows.some((l) => l.includes('\tMKD\tftp://198.51.100.20/./nul\\x00byte\t'))).toBe(true);
      // Bytes of a line that is not UTF-8 are written as the bytes they are.
      expect(rows.some((l) => l.includes('\tCWD\tftp://198.51.100.20/./caf\\xe9\\xff\t'))).toBe(true);
      expect(eve.some((l) => l.includes('"command_data":"\\u001b[2J\\u001b[1;31mPWNED\\u001b[0m"'))).toBe(true);
    } else {
      const rows = readZeekLogs(zeek)[0].lines;
      expect(rows.some((l) => l.includes('\t331\t\\x1b[2J\\x1b]0;owned\\x07Password \\x1b[5mplease\\x1b[0m\t'))).toBe(true);
      expect(eve.some((l) => l.includes('\\u001b]0;owned\\u0007Password'))).toBe(true);
    }
  });

  it('escapeZeek: markers, separator, backslash, non-ASCII and bidi characters', () => {
    expect(escapeZeek('')).toBe('(empty)');
    expect(escapeZeek('-')).toBe('\\x2d');
    expect(escapeZeek('(empty)')).toBe('\\x28empty)');
    expect(escapeZeek('a\tb\nc')).toBe('a\\x09b\\x0ac');
    expect(escapeZeek('C:\\dir')).toBe('C:\\x5cdir');
    expect(escapeZeek('café')).toBe('caf\\xc3\\xa9');
    expect(escapeZeek('x\u202ey')).toBe('x\\xe2\\x80\\xaey');
    expect(escapeZeek('caf\\xe9')).toBe('caf\\xe9'); // the model's form of a non-UTF-8 byte
    expect(escapeZeek('\u007f\u009b')).toBe('\\x7f\\xc2\\x9b');
  });
});

describe('logs on the command line', () => {
  it('--format eve prints one JSON object per line: ftp events and ftp_data events with the verdict', async () => {
    const r = await runCli(['logs', '--format', 'eve', fixture('passive-vsftpd-lftp.pcap')]);
    expect(r.code).toBe(0);
    const events = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    expect(events.filter((e) => e.event_type === 'ftp')).toHaveLength(17);
    const data = events.filter((e) => e.event_type === 'ftp_data');
    expect(data.map((e) => [e.ftp_data.command, e.ftp_data.filename, e.ftpcap.verdict])).toEqual([
      ['LIST', undefined, 'completed'],
      ['RETR', 'hello.txt', 'completed'],
      ['STOR', 'upload-lftp.txt', 'completed'],
    ]);
    const retr = events.find((e) => e.ftp?.command === 'RETR')!;
    expect(retr).toMatchObject({
      timestamp: '2026-11-21T06:22:52.668759+0000',
      pcap_cnt: 59,
      src_ip: '192.0.2.10',
      dest_port: 21,
      proto: 'TCP',
      ftp: { command_data: 'hello.txt', completion_code: ['150', '226'], reply: ['Opening BINARY mode data connection for hello.txt (511 bytes).', 'Transfer complete.'], reply_received: 'yes' },
    });
    const pass = events.find((e) => e.ftp?.command === 'PASS')!;
    expect(pass.ftp.command_data).toBe('<hidden>');
  });

  it('-o DIR writes ftp.log and ftpcap_data.log (eve.json for eve), refuses to replace them without --force', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ftpcap-logs-'));
    try {
      const out = join(dir, 'logs');
      const r = await runCli(['logs', fixture('fail-active-drop-vsftpd-ftp.pcap'), '-o', out]);
      expect(r.code).toBe(0);
      expect(readdirSync(out).sort()).toEqual(['ftp.log', 'ftpcap_data.log']);
      const stdout = await runCli(['logs', fixture('fail-active-drop-vsftpd-ftp.pcap')]);
      expect(readFileSync(join(out, 'ftp.log'), 'utf8') + readFileSync(join(out, 'ftpcap_data.log'), 'utf8')).toBe(stdout.stdout);
      const again = await runCli(['logs', fixture('fail-active-drop-vsftpd-ftp.pcap'), '-o', out]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/ftp\.log: cannot write \(EEXIST\): it exists \(--force replaces it\)/);
      writeFileSync(join(out, 'ftpcap_data.log'), 'old');
      expect((await runCli(['logs', fixture('fail-active-drop-vsftpd-ftp.pcap'), '-o', out, '--force'])).code).toBe(0);
      expect(readFileSync(join(out, 'ftpcap_data.log'), 'utf8')).toContain('active-syn-unanswered');
      expect((await runCli(['logs', '--format', 'eve', fixture('fail-active-drop-vsftpd-ftp.pcap'), '-o', out])).code).toBe(0);
      expect(readdirSync(out).sort()).toEqual(['eve.json', 'ftp.log', 'ftpcap_data.log']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an unknown format is a usage error', async () => {
    const r = await runCli(['logs', '--format', 'csv', fixture('passive-vsftpd-lftp.pcap')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Allowed choices are zeek, eve/);
  });
});
