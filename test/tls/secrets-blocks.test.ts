/**
 * pcapng copies with the key log embedded (`editcap --inject-secrets tls,NAME.keys`, written by
 * fixtures/record.sh's inject_secrets_copy): read without --tls-keylog, each decrypts exactly as the
 * pcap does with its key log — the same commands and replies at the same frames, the same
 * transfers, verdicts and diagnoses — and `diagnose` words the same.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { runCli } from '../cli/run-cli.js';

const FIX = join(__dirname, '../../fixtures');

/**
 * Each copy, and what its key log shows: commands read, the transfers' verdicts and bytes (the
 * files' sizes in NAME.facts.json; a listing's bytes are its CRLF lines, the saved file has LF).
 */
const COPIES: Array<{ name: string; commands: number; transfers: string[] }> = [
  { name: 'ftps-pureftpd-python', commands: 18, transfers: ['completed 284', 'completed 511', 'completed 3000', 'completed 259'] },
  { name: 'ftps-server-killed-vsftpd-python', commands: 8, transfers: ['aborted 212992'] },
  { name: 'ftps-implicit-2990-vsftpd-curl', commands: 13, transfers: ['completed 260', 'completed 511'] },
  { name: 'ftps-implicit-2990-two-vsftpd-curl', commands: 20, transfers: ['completed 3000', 'completed 511'] },
];

async function sessions(args: string[]): Promise<Analysis['sessions']> {
  const r = await runCli(['summary', '--json', ...args]);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as Analysis).sessions;
}

describe('pcapng Decryption Secrets Blocks on the newer FTPS fixtures', () => {
  for (const { name, commands, transfers } of COPIES) {
    it(`${name}-secrets.pcapng decrypts as ${name}.pcap with --tls-keylog`, async () => {
      const embedded = await sessions([join(FIX, `${name}-secrets.pcapng`)]);
      const keyed = await sessions(['--tls-keylog', join(FIX, `${name}.keys`), join(FIX, `${name}.pcap`)]);
      expect(embedded).toEqual(keyed);
      // And what it decrypted: every connection read, the commands and transfers the key log shows.
      for (const s of embedded) {
        expect(s.tlsDetails?.decryption).toBe('decrypted');
        for (const t of s.transfers) expect(t.connection?.tls?.decryption ?? 'decrypted').toBe('decrypted');
      }
      expect(embedded.reduce((k, s) => k + s.commands.filter((c) => c.command !== null).length, 0)).toBe(commands);
      expect(embedded.flatMap((s) => s.transfers.map((t) => `${t.verdict.kind} ${t.bytes}`))).toEqual(transfers);
      const [d1, d2] = await Promise.all([
        runCli(['diagnose', '--no-color', join(FIX, `${name}-secrets.pcapng`)]),
        runCli(['diagnose', '--no-color', '--tls-keylog', join(FIX, `${name}.keys`), join(FIX, `${name}.pcap`)]),
      ]);
      expect(d1.stdout).toBe(d2.stdout);
    });
  }
});
