/** `--tls-keylog` through the CLI: on every subcommand, repeatable, unreadable files named (exit 2). */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';

const FIX = join(__dirname, '../../fixtures');
const cap = join(FIX, 'tls-data-vsftpd-lftp.pcap');
const keys = join(FIX, 'tls-data-vsftpd-lftp.keys');

describe('--tls-keylog', () => {
  it('decrypts for commands, and is accepted (repeatable) by every subcommand', async () => {
    const r = await runCli(['commands', cap, '--tls-keylog', join(FIX, 'ccc-proftpd-python.keys'), '--tls-keylog', keys]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/decrypted with the key log/);
    expect(r.stdout).toMatch(/RETR small\.bin/);
    for (const sub of ['summary', 'sessions', 'transfers', 'diagnose', 'timeline', 'explain']) {
      const x = await runCli([sub, cap, '--tls-keylog', keys]);
      expect(x.code, `${sub}: ${x.stderr}`).toBe(0);
    }
  });
  it('an unreadable key log is named, exit 2; a file without secrets gets a note', async () => {
    const r = await runCli(['summary', cap, '--tls-keylog', '/nonexistent/keys']);
    expect([r.code, r.stderr.trim()]).toEqual([2, 'ftpcap: /nonexistent/keys: cannot read key log (ENOENT)']);
    const n = await runCli(['summary', cap, '--tls-keylog', join(FIX, 'tls-data-vsftpd-lftp.facts.json')]);
    expect(n.code).toBe(0);
    expect(n.stderr).toMatch(/note: .*no TLS secret in it/);
  });
});
