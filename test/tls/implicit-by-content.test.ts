/**
 * Implicit FTPS off port 990, found by content (ftp/detect.ts looksLikeImplicitFtpsStart, confirmed in
 * analysis/implicit-ftps.ts): vsftpd implicit_ssl on port 2990 with curl ftps://host:2990/ is an FTP
 * session with keys (its commands equal tshark's decrypted view: keyed-fixtures.test.ts) and without
 * (a tls-hidden implicit session with its TLS data connections); HTTPS from curl to openssl s_server
 * on 443 and on 4433 is never taken for FTP, with or without its key log.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analysis/pipeline.js';
import { looksLikeImplicitFtpsStart } from '../../src/ftp/detect.js';
import { TlsKeyLog } from '../../src/tls/keylog.js';

const FIX = join(__dirname, '../../fixtures');

async function analyze(name: string, withKeys: boolean) {
  const tlsKeyLog = new TlsKeyLog();
  if (withKeys) tlsKeyLog.addText(readFileSync(join(FIX, `${name}.keys`), 'latin1'));
  return analyzeFiles([join(FIX, `${name}.pcap`)], { fileName: name, thread: false, showPasswords: true, tlsKeyLog });
}

/** tshark's decrypted control lines (record.sh write_tshark_tls_view: port 2990 decoded as TLS). */
function tsharkClientLines(name: string): string[] {
  const rows = readFileSync(join(FIX, `${name}.tshark-tls-lines.tsv`), 'latin1').trim().split('\n').slice(1);
  return rows.map((r) => r.split('\t')).filter((f) => f[1] === 'client').map((f) => `${f[0]} ${f[2]}`);
}

describe('implicit FTPS found by content', () => {
  it('vsftpd implicit_ssl on port 2990, with keys: every command read, transfers linked and complete', async () => {
    const a = await analyze('ftps-implicit-2990-vsftpd-curl', true);
    expect(a.sessions).toHaveLength(1);
    const s = a.sessions[0];
    expect(s.server.port).toBe(2990);
    expect(s.tlsMode).toBe('implicit');
    expect(s.greeting).toBe('(vsFTPd 3.0.3)');
    const lines = s.commands.filter((c) => c.command !== null).map((c) => `${c.frame} ${c.command} ${c.arg}`.trimEnd());
    expect(lines).toEqual(tsharkClientLines('ftps-implicit-2990-vsftpd-curl'));
    expect(lines[0]).toBe('18 USER ftpsuser');
    expect(s.transfers.map((t) => `${t.request?.command} ${t.status} ${t.bytes} ${t.connection?.tls?.decryption}`)).toEqual([
      'LIST complete 260 decrypted',
      'RETR complete 511 decrypted',
    ]);
  });

  it('without keys: one tls-hidden implicit session on 2990 with its two TLS data connections', async () => {
    const a = await analyze('ftps-implicit-2990-vsftpd-curl', false);
    expect(a.sessions).toHaveLength(1);
    const s = a.sessions[0];
    expect([s.server.port, s.tlsMode, s.diagnosis?.cause]).toEqual([2990, 'implicit', 'tls-hidden']);
    expect(s.tlsDetails?.clientHelloFrame).toBe(6); // the first payload frame of each stream, as tshark numbers them
    expect(s.otherConnections.map((c) => [c.stream, c.to.port, c.tls?.clientHelloFrame])).toEqual([
      [1, 50065, 35],
      [2, 50096, 64],
    ]);
  });

  it('HTTPS on 443 and on 4433 (curl, ALPN h2/http/1.1) is not FTP, with or without keys', async () => {
    for (const keys of [false, true]) {
      const a = await analyze('https-not-ftp-openssl-curl', keys);
      expect(a.capture.tcpConnections).toBe(2);
      expect(a.sessions, `keys=${keys}`).toEqual([]);
    }
  });

  it('the first-bytes rule: a ClientHello on a known TLS port, or offering HTTP ALPN, is no implicit FTPS', () => {
    const hello = (alpn: string[]): Uint8Array => {
      const ext: number[] = [];
      if (alpn.length > 0) {
        const list = alpn.flatMap((p) => [p.length, ...Buffer.from(p)]);
        ext.push(0x00, 0x10, 0, list.length + 2, 0, list.length, ...list);
      }
      const body = [0x03, 0x03, ...new Array(32).fill(7), 0, 0, 2, 0x13, 0x01, 1, 0, 0, ext.length, ...ext];
      const hs = [0x01, 0, 0, body.length, ...body];
      return Uint8Array.from([0x16, 0x03, 0x01, 0, hs.length, ...hs]);
    };
    expect(looksLikeImplicitFtpsStart(hello([]), 2990)).toBe(true);
    expect(looksLikeImplicitFtpsStart(hello(['ftp']), 2990)).toBe(true);
    expect(looksLikeImplicitFtpsStart(hello([]), 443)).toBe(false);
    expect(looksLikeImplicitFtpsStart(hello(['h2', 'http/1.1']), 4433)).toBe(false);
    expect(looksLikeImplicitFtpsStart(Buffer.from('USER anonymous\r\n'), 2990)).toBe(false);
  });
});

describe('implicit FTPS by content, two control connections at once', () => {
  // Two curl sessions to port 2990 that overlap in time (the first slowed by --limit-rate): the
  // second control connection is a session too, not TLS data beside the first.
  it('with keys: two sessions, each with its transfer', async () => {
    const a = await analyze('ftps-implicit-2990-two-vsftpd-curl', true);
    expect(a.sessions.map((s) => [s.stream, s.server.port, s.tlsMode, s.user])).toEqual([
      [0, 2990, 'implicit', 'ftpsuser'],
      [1, 2990, 'implicit', 'ftpsuser'],
    ]);
    expect(a.sessions.map((s) => s.transfers.map((t) => `${t.request?.arg} ${t.status} ${t.bytes} stream ${t.connection?.stream}`))).toEqual([
      ['small.bin complete 3000 stream 2'],
      ['hello.txt complete 511 stream 3'],
    ]);
    expect(a.sessions.every((s) => s.otherConnections.length === 0)).toBe(true);
  });

  it('without keys: both sessions kept (one confirmed by the TLS data connections confirms its endpoint)', async () => {
    const a = await analyze('ftps-implicit-2990-two-vsftpd-curl', false);
    expect(a.sessions.map((s) => [s.stream, s.tlsMode, s.diagnosis?.cause])).toEqual([
      [0, 'implicit', 'tls-hidden'],
      [1, 'implicit', 'tls-hidden'],
    ]);
    // Each data connection goes to the session whose control connection spoke just before its SYN
    // (its encrypted 229): stream 2 to session 1, stream 3 to session 2, as the keyed reading has them.
    expect(a.sessions.map((s) => s.otherConnections.map((c) => c.stream))).toEqual([[2], [3]]);
  });
});
