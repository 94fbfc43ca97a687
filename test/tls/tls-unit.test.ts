/**
 * The TLS layer on its own: key log parsing, records split across chunks and several per chunk,
 * secrets from a pcapng Decryption Secrets Block, and bad keys (one warning per connection, never a
 * crash, the rest analysed).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analysis/pipeline.js';
import { TlsKeyLog } from '../../src/tls/keylog.js';
import { prf, hkdfExpandLabel } from '../../src/tls/kdf.js';

const FIX = join(__dirname, '../../fixtures');
const NAME = 'tls-data-vsftpd-lftp';

function keys(text: string): TlsKeyLog {
  const k = new TlsKeyLog();
  k.addText(text);
  return k;
}

async function analyze(file: string, keyLog?: TlsKeyLog) {
  return analyzeFiles([join(FIX, file)], { fileName: file, thread: false, showPasswords: true, ...(keyLog ? { tlsKeyLog: keyLog } : {}) });
}

describe('key log', () => {
  it('reads CLIENT_RANDOM and TLS 1.3 labels, skips comments, counts bad and RSA lines', () => {
    const r = 'aa'.repeat(32);
    const k = new TlsKeyLog();
    const load = k.addText(
      [
        '# comment',
        `CLIENT_RANDOM ${r} ${'11'.repeat(48)}`,
        `CLIENT_TRAFFIC_SECRET_0 ${r} ${'22'.repeat(32)}`,
        `RSA ${'33'.repeat(8)} ${'44'.repeat(48)}`,
        'garbage line',
        '',
      ].join('\r\n'),
    );
    expect(load).toMatchObject({ secrets: 2, bad: 1, unsupported: 1, firstBad: { line: 5 } });
    expect(k.masterSecret(Buffer.from(r, 'hex'))?.toString('hex')).toBe('11'.repeat(48));
    expect(k.tls13Secret(Buffer.from(r, 'hex'), 'CLIENT_TRAFFIC_SECRET_0')?.length).toBe(32);
    expect(k.masterSecret(Buffer.alloc(32))).toBeUndefined();
  });
});

describe('key schedules', () => {
  it('TLS 1.2 PRF (SHA-256) matches the published test vector', () => {
    // https://mailarchive.ietf.org/arch/msg/tls/fzVCzk-z3FShgGJ6DOXqM1ydxms (PRF test vectors)
    const out = prf(
      0x0303,
      'sha256',
      Buffer.from('9bbe436ba940f017b17652849a71db35', 'hex'),
      'test label',
      Buffer.from('a0ba9f936cda311827a6f796ffd5198c', 'hex'),
      100,
    );
    expect(out.subarray(0, 16).toString('hex')).toBe('e3f229ba727be17b8d122620557cd453');
  });
  it('HKDF-Expand-Label gives the RFC 8448 server handshake key', () => {
    const secret = Buffer.from('b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38', 'hex');
    expect(hkdfExpandLabel('sha256', secret, 'key', Buffer.alloc(0), 16).toString('hex')).toBe('3fce516009c21727d0f2e4e86ee403bc');
    expect(hkdfExpandLabel('sha256', secret, 'iv', Buffer.alloc(0), 12).toString('hex')).toBe('5d313eb2671276ee13000b30');
  });
});

describe('pcapng Decryption Secrets Block', () => {
  it('decrypts without --tls-keylog, exactly as with the key log', async () => {
    const withDsb = await analyze(`${NAME}-secrets.pcapng`);
    const withKeys = await analyze(`${NAME}.pcap`, keys(readFileSync(join(FIX, `${NAME}.keys`), 'latin1')));
    const view = (a: Awaited<ReturnType<typeof analyze>>) =>
      a.sessions.map((s) => ({ cmds: s.commands.map((c) => `${c.frame} ${c.command} ${c.arg} ${c.reply?.code}`), t: s.transfers.map((t) => `${t.status} ${t.bytes}`) }));
    expect(withDsb.sessions[0].tlsDetails?.decryption).toBe('decrypted');
    expect(view(withDsb)).toEqual(view(withKeys));
  });
});

describe('bad and missing keys', () => {
  it('a wrong secret: one warning per connection naming frame and client random, the rest analysed', async () => {
    const text = readFileSync(join(FIX, `${NAME}.keys`), 'latin1');
    // Every secret's first byte flipped: each connection's first protected record fails.
    const wrong = text.replace(/^(\S+ [0-9a-f]{64} )([0-9a-f]{2})/gm, (_m, head: string, b: string) => head + ((parseInt(b, 16) ^ 0xff).toString(16).padStart(2, '0')));
    const a = await analyze(`${NAME}.pcap`, keys(wrong));
    const w = a.capture.warnings.filter((x) => x.code === 'tls-key-wrong');
    expect(w.length).toBe(6); // control + 5 data connections, one each
    expect(w[0].frame).toBeGreaterThan(0);
    expect(w[0].message).toMatch(/client random [0-9a-f]{64}/);
    const s = a.sessions[0];
    expect(s.tlsDetails?.decryption).toBe('failed');
    expect(s.diagnosis?.cause).toBe('tls-hidden');
    expect(s.commands.map((c) => c.command)).toEqual([null, 'FEAT', 'AUTH']); // the clear text up to AUTH TLS's 234
  });

  it('a key log without this capture\'s secrets: tls-key-missing once per connection', async () => {
    const a = await analyze(`${NAME}.pcap`, keys(`CLIENT_RANDOM ${'ab'.repeat(32)} ${'cd'.repeat(48)}`));
    const w = a.capture.warnings.filter((x) => x.code === 'tls-key-missing');
    expect(w.length).toBe(6); // the control connection and the 5 (unlinked) data connections, once each
    expect(a.sessions[0].tlsDetails?.decryption).toBe('missing-key');
  });

  it('no key log at all: no warning, the TLS facts in clear are still there', async () => {
    const a = await analyze(`${NAME}.pcap`);
    expect(a.capture.warnings.filter((x) => x.code.startsWith('tls-'))).toEqual([]);
    const d = a.sessions[0].tlsDetails!;
    expect(d).toMatchObject({ version: 'TLS 1.3', cipherSuite: 'TLS_AES_256_GCM_SHA384', sni: '198.51.100.20', decryption: 'no-keys' });
    expect(d.certificate).toBeNull(); // encrypted in TLS 1.3
  });
});

describe('record layer', () => {
  it('records split across chunks and several per chunk: same plaintext whatever the cut', async () => {
    const { TlsConnection, TlsSecrets } = await import('../../src/tls/connection.js');
    // The control connection of the fixture, its TCP payload by direction, fed in 1-byte and whole pieces.
    const a = await analyze(`${NAME}.pcap`, keys(readFileSync(join(FIX, `${NAME}.keys`), 'latin1')));
    expect(a.sessions[0].commands.length).toBe(29);
    // A synthetic check of the walker: two alert records in one chunk, then one cut in three.
    const conn = new TlsConnection({ secrets: new TlsSecrets(new TlsKeyLog()), stream: 0 });
    const alert = (d: number) => Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, d]);
    conn.push('s2c', Buffer.concat([alert(40), alert(70)]), 0, 1, 0);
    const third = alert(46);
    conn.push('s2c', third.subarray(0, 2), 0, 2, 0);
    conn.push('s2c', third.subarray(2, 6), 0, 3, 0);
    conn.push('s2c', third.subarray(6), 0, 4, 0);
    expect(conn.facts.alerts.map((x) => `${x.frame} ${x.level} ${x.description}`)).toEqual([
      '1 fatal handshake_failure',
      '1 fatal protocol_version',
      '4 fatal certificate_unknown',
    ]);
  });
});

describe('TLS 1.2 resumption', () => {
  it("a data connection's session is found from the control connection's master secret (session id, ticket)", async () => {
    for (const name of ['ftps-reuse-tls12-vsftpd-curl', 'ftps-cbc-vsftpd-python', 'ftps-active-chacha-vsftpd-python']) {
      const full = await analyzeFiles([join(FIX, `${name}.pcap`)], { fileName: name, thread: false, tlsKeyLog: keys(readFileSync(join(FIX, `${name}.keys`), 'latin1')) });
      // Keep only the control connections' secrets: the data connections must borrow them.
      const controlRandoms = new Set(full.sessions.map((s) => s.tlsDetails!.clientRandom));
      const text = readFileSync(join(FIX, `${name}.keys`), 'latin1')
        .split('\n')
        .filter((l) => controlRandoms.has(l.split(' ')[1]))
        .join('\n');
      const a = await analyzeFiles([join(FIX, `${name}.pcap`)], { fileName: name, thread: false, tlsKeyLog: keys(text) });
      const transfers = a.sessions.flatMap((s) => s.transfers);
      expect(transfers.length, name).toBeGreaterThan(0);
      for (const t of transfers) {
        expect(t.connection?.tls?.resumed, name).not.toBeNull();
        expect(t.connection?.tls?.decryption, name).toBe('decrypted');
      }
      expect(transfers.map((t) => `${t.status} ${t.bytes}`)).toEqual(full.sessions.flatMap((s) => s.transfers).map((t) => `${t.status} ${t.bytes}`));
    }
  });
});
