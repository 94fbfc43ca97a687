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

  it('pure-ftpd accepts data connections that start new TLS sessions: no "session not reused" guess without keys', async () => {
    const keyed = await analyze('ftps-pureftpd-python', true);
    const s = keyed.sessions[0];
    expect(s.greeting).toMatch(/^-+ Welcome to Pure-FTPd \[privsep\] \[TLS\] -+/);
    expect(s.transfers.map((t) => `${t.request?.command} ${t.request?.arg} ${t.status} ${t.bytes} ${t.reply?.code}`)).toEqual([
      'LIST  complete 284 226',
      'RETR hello.txt complete 511 226',
      'RETR small.bin complete 3000 226',
      'STOR upload-pure.txt complete 259 226',
    ]);
    // Every data connection did a full TLS 1.3 handshake (after a HelloRetryRequest), none resumed, all succeeded.
    for (const t of s.transfers) {
      expect(t.connection?.tls?.version).toBe('TLS 1.3');
      expect(t.connection?.tls?.resumed).toBeNull();
    }
    expect(s.transfers.map((t) => t.connection?.tls?.clientHelloFrame)).toEqual([37, 66, 90, 117]);
    const plain = await analyze('ftps-pureftpd-python', false);
    expect(plain.sessions[0].diagnosis?.cause).toBe('tls-hidden');
    expect(plain.sessions[0].otherConnections.map((c) => c.tls?.resumed ?? null)).toEqual([null, null, null, null]);
  });

  it('the server killed mid-RETR over PROT P: the data connection ends without close_notify (tls-no-close-notify)', async () => {
    // vsftpd's session processes are killed (kill -9) after the client read 128 KiB of 512 KiB. tshark
    // (-o tls.keylog_file, the data port decoded as TLS) shows the server's FIN at frame 270 with no
    // close_notify before it, the client's fatal decode_error alert at 318 and the server's RST at 319.
    const keyed = await analyze('ftps-server-killed-vsftpd-python', true);
    const [t] = keyed.sessions[0].transfers;
    expect(`${t.request?.command} ${t.request?.arg}`).toBe('RETR half.bin');
    expect(t.bytes).toBe(212992);
    expect(t.expectedSize).toBe(524288);
    expect(t.reply).toBeNull();
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'server', bytes: 212992, expected: 524288, cause: 'tls-no-close-notify' });
    expect(t.connection?.tls?.closeNotify).toEqual({ client: null, server: null });
    expect(t.connection?.tls?.alerts).toEqual([{ frame: 318, by: 'client', level: 'fatal', description: 'decode_error', encrypted: true }]);
    expect(t.diagnosis?.cause).toBe('tls-no-close-notify');
    expect(t.diagnosis?.evidence).toEqual(expect.arrayContaining([270, 318]));
    expect(t.diagnosis?.summary).toMatch(/The server \(the data's sender\) closed the TLS data connection \(stream 1, frame 270\) without a TLS close_notify alert/);
    expect(t.diagnosis?.summary).toMatch(/212992 of the 524288 bytes announced had arrived/);
    expect(t.diagnosis?.summary).toMatch(/fatal decode_error alert from the TLS client at frame 318/);
    // The FIN and RST frames, as tshark reads them (NAME.tshark-fields.tsv).
    const fields = readFileSync(join(FIX, 'ftps-server-killed-vsftpd-python.tshark-fields.tsv'), 'latin1').trim().split('\n');
    const head = fields[0].split('\t');
    const col = (row: string, name: string) => row.split('\t')[head.indexOf(name)];
    const flagged = fields.slice(1).filter((r) => col(r, 'tcp.srcport') === '50095' && /^0x0*(11|19|4|14)$/.test(col(r, 'tcp.flags'))).map((r) => `${col(r, 'frame.number')} ${col(r, 'tcp.flags')}`);
    expect(flagged).toEqual(['270 0x0011', '319 0x0004']);
    // Without keys (TLS 1.3): the close_notify would be an encrypted record like any other, so it is not claimed.
    const plain = await analyze('ftps-server-killed-vsftpd-python', false);
    expect(plain.sessions[0].diagnosis?.cause).toBe('tls-hidden');
    expect(plain.sessions[0].transfers.map((t) => [t.inferred, t.connection?.stream, t.diagnosis?.cause ?? null])).toEqual([['tls-hidden', 1, null]]);
  });

  it('healthy keyed fixtures get no FTPS diagnosis, with or without keys', async () => {
    const ftpsCauses = new Set(['tls-session-not-reused', 'tls-handshake-failed', 'prot-refused', 'tls-no-close-notify', 'tls-mode-mismatch']);
    for (const name of ['tls-data-vsftpd-lftp', 'ftps-tls13-proftpd-lftp', 'ftps-tls12-active-proftpd-lftp', 'ftps-active-chacha-vsftpd-python', 'ftps-cbc-vsftpd-python', 'ftps-implicit-keys-vsftpd-curl', 'ftps-pureftpd-python', 'ftps-implicit-2990-vsftpd-curl']) {
      if (!existsSync(join(FIX, `${name}.pcap`))) continue;
      for (const keys of [true, false]) {
        const a = await analyze(name, keys);
        const causes = a.sessions.flatMap((s) => [s.diagnosis?.cause, ...s.transfers.map((t) => t.diagnosis?.cause)]);
        expect(causes.filter((c) => c && ftpsCauses.has(c)), `${name} keys=${keys}`).toEqual([]);
      }
    }
  });
});
