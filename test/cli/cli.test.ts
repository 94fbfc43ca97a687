import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { runCli } from './run-cli.js';

const ROOT = resolve(__dirname, '../..');
const SAMPLE = join(ROOT, 'fixtures/passive-vsftpd-lftp.pcap');
const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-cli-'));

describe('ftpcap CLI', () => {
  it('summarises a capture when given only a file name', async () => {
    const r = await runCli([SAMPLE]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('pcap, 83 packets');
    expect(r.stdout).toMatch(/│ 1\.2 +│ passive │ RETR hello\.txt +│ 198\.51\.100\.20:50064 │ 511 +│ 226 +│ complete │/);
    expect(r.stdout).not.toContain('\u001b['); // not a TTY: no colour
  });

  it('colours only on a TTY and never with NO_COLOR', async () => {
    expect((await runCli([SAMPLE], { tty: true })).stdout).toContain('\u001b[32mcomplete');
    expect((await runCli([SAMPLE], { tty: true, env: { NO_COLOR: '1' } })).stdout).not.toContain('\u001b[');
  });

  it('prints the JSON document with the documented fields', async () => {
    const r = await runCli(['summary', '--json', SAMPLE]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.capture).toMatchObject({ format: 'pcap', packets: 83, linkTypes: [{ linkType: 1, frames: 83 }], warnings: [] });
    const s = doc.sessions[0];
    expect(s).toMatchObject({ id: 1, client: { ip: '192.0.2.10' }, server: { ip: '198.51.100.20', port: 21 }, user: 'ftpuser', tls: false });
    expect(s.commands.find((c: { command: string }) => c.command === 'PASS').arg).toBe('****');
    expect(s.transfers.map((t: { request: { command: string } }) => t.request.command)).toEqual(['LIST', 'RETR', 'STOR']);
    const retr = s.transfers[1];
    expect(retr).toMatchObject({
      mode: 'passive',
      announce: { frame: 48, command: 'PASV', endpoint: { ip: '198.51.100.20', port: 50064 } },
      request: { frame: 52, command: 'RETR', arg: 'hello.txt' },
      reply: { code: 226, frame: 59 },
      status: 'complete',
      bytes: 511,
    });
    expect(retr.connection).toMatchObject({ initiator: 'client', established: true, bytesToClient: 511, bytesToServer: 0, close: 'fin' });
  });

  it('shows passwords only when asked', async () => {
    const r = await runCli(['commands', '--json', '--show-passwords', SAMPLE]);
    const pass = JSON.parse(r.stdout).sessions[0].commands.find((c: { command: string }) => c.command === 'PASS');
    expect(pass.arg).toBe('ftppass');
  });

  it('lists commands with frames and decoded tuples, for one session', async () => {
    const r = await runCli(['commands', '-s', '1', SAMPLE]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/│ 48 +│ S→C │ 227 Entering Passive Mode \(198,51,1… │ → 198\.51\.100\.20:50064 \(195×256\+144\) │/);
  });

  it('reads standard input', async () => {
    const r = await runCli(['transfers', '--json', '-'], { stdin: readFileSync(SAMPLE) });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).transfers).toHaveLength(3);
  });

  it('exits 1 on usage errors', async () => {
    expect((await runCli(['summary', '--frobnicate', SAMPLE])).code).toBe(1);
    const r = await runCli(['commands', '-s', '9', SAMPLE]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`ftpcap: no session 9 in ${SAMPLE} (it has 1)\n`);
  });

  it('exits 2 with one line when the file is missing or not a capture', async () => {
    const missing = await runCli([join(tmp, 'nope.pcap')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`ftpcap: ${join(tmp, 'nope.pcap')}: cannot read (ENOENT)\n`);
    const notCapture = join(tmp, 'readme.pcap');
    writeFileSync(notCapture, 'this is not a capture file\n');
    const r = await runCli([notCapture]);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')).toHaveLength(2);
    expect(r.stderr).toMatch(/^ftpcap: .*readme\.pcap: .*not a capture/);
  });

  it('analyses a capture cut short as far as it goes, with a warning naming frame and offset', async () => {
    const whole = readFileSync(SAMPLE);
    const cut = join(tmp, 'cut.pcap');
    writeFileSync(cut, whole.subarray(0, whole.length - 10));
    const r = await runCli(['summary', '--json', cut]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.capture.packets).toBe(82);
    const w = doc.capture.warnings.find((x: { code: string }) => x.code === 'truncated-record');
    expect(w).toMatchObject({ frame: 83 });
    expect(w.offset).toBeGreaterThan(0);
    expect(doc.sessions[0].transfers.map((t: { status: string }) => t.status)).toEqual(['complete', 'complete', 'complete']);
  });

  it('runs as a real process through bin/ftpcap', () => {
    // `npm run build`'s compiler, run once for the whole test run (test/support/build-once.ts).
    const build = inject('build');
    expect(build.status, build.output).toBe(0);
    const r = spawnSync(join(ROOT, 'bin/ftpcap'), ['sessions', SAMPLE], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('192.0.2.10:');
    const bad = spawnSync(join(ROOT, 'bin/ftpcap'), [join(tmp, 'nope.pcap')], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).not.toContain('    at '); // never a stack trace
  });
});
