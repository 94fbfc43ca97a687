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
import { createReadStream } from 'node:fs';
import { analyzeStream } from '../../src/analysis/pipeline.js';
import { TlsKeyLog } from '../../src/tls/keylog.js';

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

describe('the secrets the blocks may keep are bounded (memory budget)', () => {
  it('past the bound, secrets of later handshakes are counted, not kept, in one warning; their connections stay encrypted', async () => {
    const file = join(FIX, 'ftps-pureftpd-python-secrets.pcapng');
    const a = await analyzeStream(createReadStream(file), { fileName: 'ftps-pureftpd-python-secrets.pcapng', maxKeyLogHandshakes: 1 });
    const w = a.capture.warnings.filter((x) => x.code === 'tls-secrets-limit');
    expect(w).toHaveLength(1);
    expect(w[0].message).toMatch(/^the capture's Decryption Secrets Blocks name more than 1 TLS handshakes: \d+ secret\(s\) of later ones were counted, not kept/);
    // The control connection's handshake came first: it is read; the data connections' are not.
    const s = a.sessions[0];
    expect(s.tlsDetails?.decryption).toBe('decrypted');
    expect(s.transfers.length).toBeGreaterThan(0);
    for (const t of s.transfers) expect(t.connection?.tls?.decryption).not.toBe('decrypted');
  });

  it('the key log store keeps at most the handshakes it is allowed, more secrets of a kept one still come in', () => {
    const random = (n: number): string => n.toString(16).padStart(64, '0');
    const secret = (n: number, bytes: number): string => n.toString(16).padStart(bytes * 2, '0');
    const k = new TlsKeyLog();
    k.limit(2);
    const load = k.addText(
      [
        `CLIENT_RANDOM ${random(1)} ${secret(1, 48)}`,
        `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${random(2)} ${secret(2, 32)}`,
        `CLIENT_RANDOM ${random(3)} ${secret(3, 48)}`,
        `SERVER_HANDSHAKE_TRAFFIC_SECRET ${random(2)} ${secret(4, 32)}`,
      ].join('\n'),
    );
    expect([load.secrets, load.dropped, k.size]).toEqual([3, 1, 2]);
    expect(k.masterSecret(Buffer.from(random(3), 'hex'))).toBeUndefined();
    expect(k.tls13Secret(Buffer.from(random(2), 'hex'), 'SERVER_HANDSHAKE_TRAFFIC_SECRET')?.toString('hex')).toBe(secret(4, 32));
  });
});
