/**
 * The FTPS failures, each on the fixture that recorded it for real, diagnosed with the key log and
 * without it (when the capture shows enough without keys; see each case).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analysis/pipeline.js';
import { TlsKeyLog } from '../../src/tls/keylog.js';

const FIX = join(__dirname, '../../fixtures');

async function analyze(name: string, withKeys: boolean) {
  let tlsKeyLog: TlsKeyLog | undefined;
  if (withKeys) {
    tlsKeyLog = new TlsKeyLog();
    tlsKeyLog.addText(readFileSync(join(FIX, `${name}.keys`), 'latin1'));
  }
  return analyzeFiles([join(FIX, `${name}.pcap`)], { fileName: name, thread: false, ...(tlsKeyLog ? { tlsKeyLog } : {}) });
}

describe('FTPS diagnoses on recorded fixtures', () => {
  it('522 session reuse required (ftplib without session reuse, vsftpd require_ssl_reuse=YES)', async () => {
    const keyed = await analyze('ftps-reuse-required-vsftpd-python', true);
    const t = keyed.sessions[0].transfers[0];
    expect(t.request?.command).toBe('RETR');
    expect(t.reply?.code).toBe(522);
    expect(t.diagnosis?.cause).toBe('tls-session-not-reused');
    expect(t.diagnosis?.evidence).toEqual(expect.arrayContaining([t.connection!.tls!.clientHelloFrame!, t.reply!.frame]));
    expect(t.connection?.tls?.resumed).toBeNull();
    // Without keys: the data handshake shows no resumption of the control session.
    const plain = await analyze('ftps-reuse-required-vsftpd-python', false);
    expect(plain.sessions[0].diagnosis?.cause).toBe('tls-session-not-reused');
    expect(plain.sessions[0].diagnosis?.summary).toMatch(/probably/);
  });

  it('a data connection that resumed the control session is not diagnosed (curl, session id; lftp, PSK)', async () => {
    for (const name of ['ftps-reuse-tls12-vsftpd-curl', 'tls-data-vsftpd-lftp']) {
      for (const keys of [true, false]) {
        const a = await analyze(name, keys);
        expect(a.sessions[0].diagnosis?.cause ?? null, `${name} keys=${keys}`).not.toBe('tls-session-not-reused');
        const conns = keys ? a.sessions[0].transfers.map((t) => t.connection?.tls) : a.sessions[0].otherConnections.map((c) => c.tls);
        for (const tls of conns) {
          expect(tls?.resumed).not.toBeNull();
          // A TLS 1.3 ticket is sent encrypted: which session a PSK resumes is known only with keys.
          if (keys || tls?.version !== 'TLS 1.3') expect(tls?.resumedFrom).toBe(a.sessions[0].stream);
          else expect(tls?.resumedFrom).toBeNull();
        }
      }
    }
  });

  it('certificate refused by the client: a fatal unknown_ca alert, with the certificate named', async () => {
    const a = await analyze('ftps-cert-rejected-vsftpd-curl', false);
    const d = a.sessions[0].diagnosis!;
    expect(d.cause).toBe('tls-handshake-failed');
    expect(d.summary).toMatch(/unknown_ca alert from the TLS client/);
    expect(d.summary).toMatch(/CN=ftp\.example\.test/);
    expect(d.advice).toMatch(/certificate/);
  });

  it('no cipher suite in common: handshake_failure from the server', async () => {
    const a = await analyze('ftps-no-shared-cipher-vsftpd-curl', false);
    expect(a.sessions[0].diagnosis?.cause).toBe('tls-handshake-failed');
    expect(a.sessions[0].diagnosis?.summary).toMatch(/handshake_failure alert from the TLS server/);
    expect(a.sessions[0].diagnosis?.advice).toMatch(/cipher/);
  });

  it('PROT P refused (proftpd TLSRequired ctrl+!data): with keys, both sessions; without keys it is inside TLS', async () => {
    const keyed = await analyze('ftps-prot-refused-proftpd-curl', true);
    expect(keyed.sessions.map((s) => s.diagnosis?.cause)).toEqual(['prot-refused', 'prot-refused']);
    expect(keyed.sessions[0].diagnosis?.summary).toMatch(/534/);
    expect(keyed.sessions[0].diagnosis?.summary).toMatch(/stopped without a transfer/);
    expect(keyed.sessions[1].diagnosis?.summary).toMatch(/clear-text data connections/);
    // Without keys the PROT P and its 534 are encrypted: the session is tls-hidden (not a guess at a cause).
    const plain = await analyze('ftps-prot-refused-proftpd-curl', false);
    expect(plain.sessions[0].diagnosis?.cause).toBe('tls-hidden');
  });

  it('a TLS alert on the data channel (data connections limited to TLS 1.2, proftpd TLS 1.3 only)', async () => {
    const keyed = await analyze('ftps-data-alert-proftpd-python', true);
    const t = keyed.sessions[0].transfers[0];
    expect(t.request?.command).toBe('RETR');
    expect(t.diagnosis?.cause).toBe('tls-handshake-failed');
    expect(t.diagnosis?.summary).toMatch(/fatal protocol_version alert from the TLS server/);
    expect(t.diagnosis?.summary).toMatch(/425/);
    const plain = await analyze('ftps-data-alert-proftpd-python', false);
    expect(plain.sessions[0].diagnosis?.cause).toBe('tls-handshake-failed');
    expect(plain.sessions[0].diagnosis?.summary).toMatch(/probable data connection failed in clear/);
  });

  it('implicit TLS spoken to a plain port, and plain FTP to an implicit port', async () => {
    const a = await analyze('ftps-implicit-to-plain-vsftpd-curl', false);
    expect(a.sessions[0].diagnosis?.cause).toBe('tls-mode-mismatch');
    expect(a.sessions[0].diagnosis?.summary).toMatch(/220 \(vsFTPd 3\.0\.3\)/);
    const b = await analyze('ftps-plain-to-implicit-vsftpd-curl', false);
    expect(b.sessions[0].diagnosis?.cause).toBe('tls-mode-mismatch');
    expect(b.sessions[0].diagnosis?.summary).toMatch(/never began TLS/);
  });

  it('healthy keyed fixtures get no FTPS diagnosis, with or without keys', async () => {
    const ftpsCauses = new Set(['tls-session-not-reused', 'tls-handshake-failed', 'prot-refused', 'tls-no-close-notify', 'tls-mode-mismatch']);
    for (const name of ['tls-data-vsftpd-lftp', 'ftps-tls13-proftpd-lftp', 'ftps-tls12-active-proftpd-lftp', 'ftps-active-chacha-vsftpd-python', 'ftps-cbc-vsftpd-python', 'ftps-implicit-keys-vsftpd-curl']) {
      if (!existsSync(join(FIX, `${name}.pcap`))) continue;
      for (const keys of [true, false]) {
        const a = await analyze(name, keys);
        const causes = a.sessions.flatMap((s) => [s.diagnosis?.cause, ...s.transfers.map((t) => t.diagnosis?.cause)]);
        expect(causes.filter((c) => c && ftpsCauses.has(c)), `${name} keys=${keys}`).toEqual([]);
      }
    }
  });
});
