/**
 * TLS 1.3 record protection built here with Node's crypto (the same RFC 8446 key schedule) and read
 * back by TlsConnection: handshake keys, then application keys after each side's Finished, a
 * KeyUpdate (the sender's next key), records cut anywhere across chunks and several per chunk,
 * and the frame of a record's end on its plaintext. No real capture has a KeyUpdate.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TlsConnection, TlsSecrets } from '../../src/tls/connection.js';
import { hkdfExpandLabel, tls13NextSecret, tls13TrafficKeys } from '../../src/tls/kdf.js';
import { TlsKeyLog } from '../../src/tls/keylog.js';

const clientRandom = randomBytes(32);
const secrets = {
  chts: randomBytes(32),
  shts: randomBytes(32),
  cts0: randomBytes(32),
  sts0: randomBytes(32),
};

function hs(type: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff]), body]);
}
function record(type: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type, 3, 3, body.length >> 8, body.length & 0xff]), body]);
}
function clientHello(): Buffer {
  // version, random, session id (0), one suite, one compression method, supported_versions(1.3)
  const ext = Buffer.from([0x00, 0x2b, 0x00, 0x03, 0x02, 0x03, 0x04]);
  const body = Buffer.concat([Buffer.from([3, 3]), clientRandom, Buffer.from([0, 0, 2, 0x13, 0x01, 1, 0]), Buffer.from([0, ext.length]), ext]);
  return record(22, hs(1, body));
}
function serverHello(): Buffer {
  const ext = Buffer.from([0x00, 0x2b, 0x00, 0x02, 0x03, 0x04]);
  const body = Buffer.concat([Buffer.from([3, 3]), randomBytes(32), Buffer.from([0, 0x13, 0x01, 0]), Buffer.from([0, ext.length]), ext]);
  return record(22, hs(2, body));
}

/** One direction's sealing with a traffic secret; `update()` moves to the next secret. */
class Sealer {
  private seq = 0n;
  private key: Buffer;
  private iv: Buffer;
  constructor(private secret: Buffer) {
    ({ key: this.key, iv: this.iv } = tls13TrafficKeys('sha256', secret, 16));
  }
  update(): void {
    this.secret = tls13NextSecret('sha256', this.secret);
    ({ key: this.key, iv: this.iv } = tls13TrafficKeys('sha256', this.secret, 16));
    this.seq = 0n;
  }
  seal(innerType: number, plain: Buffer): Buffer {
    const inner = Buffer.concat([plain, Buffer.from([innerType])]);
    const header = Buffer.from([23, 3, 3, (inner.length + 16) >> 8, (inner.length + 16) & 0xff]);
    const nonce = Buffer.from(this.iv);
    const s = Buffer.alloc(8);
    s.writeBigUInt64BE(this.seq++);
    for (let i = 0; i < 8; i++) nonce[4 + i] ^= s[i];
    const c = createCipheriv('aes-128-gcm', this.key, nonce);
    c.setAAD(header);
    const ct = Buffer.concat([c.update(inner), c.final()]);
    return Buffer.concat([header, ct, c.getAuthTag()]);
  }
}

describe('TLS 1.3 decryption (synthetic records)', () => {
  it('handshake keys, application keys, a KeyUpdate, records cut anywhere', () => {
    const hex = clientRandom.toString('hex');
    const log = new TlsKeyLog();
    log.addText(
      [
        `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${hex} ${secrets.chts.toString('hex')}`,
        `SERVER_HANDSHAKE_TRAFFIC_SECRET ${hex} ${secrets.shts.toString('hex')}`,
        `CLIENT_TRAFFIC_SECRET_0 ${hex} ${secrets.cts0.toString('hex')}`,
        `SERVER_TRAFFIC_SECRET_0 ${hex} ${secrets.sts0.toString('hex')}`,
      ].join('\n'),
    );
    const plain: string[] = [];
    const conn = new TlsConnection({
      secrets: new TlsSecrets(log),
      stream: 0,
      onPlain: (dir, bytes, frame) => plain.push(`${dir} ${frame} ${Buffer.from(bytes).toString()}`),
    });
    const sh = new Sealer(secrets.shts);
    const ch = new Sealer(secrets.chts);
    const finished = hs(20, randomBytes(32));
    const server = Buffer.concat([
      serverHello(),
      record(20, Buffer.from([1])), // middlebox-compatibility CCS, ignored
      sh.seal(22, Buffer.concat([hs(8, Buffer.from([0, 0])), finished])),
    ]);
    const sa = new Sealer(secrets.sts0);
    const ca = new Sealer(secrets.cts0);
    const server2 = Buffer.concat([sa.seal(23, Buffer.from('220 ready\r\n')), sa.seal(22, hs(24, Buffer.from([0])))]);
    sa.update();
    const server3 = sa.seal(23, Buffer.from('331 after key update\r\n'));

    conn.push('c2s', clientHello(), 0, 1, 0);
    // The server's flight cut into 7-byte pieces, each a frame of its own.
    for (let i = 0; i < server.length; i += 7) conn.push('s2c', server.subarray(i, i + 7), 0, 10 + i, 0);
    conn.push('c2s', Buffer.concat([ch.seal(22, finished), ca.seal(23, Buffer.from('USER x\r\n'))]), 0, 100, 0);
    conn.push('s2c', server2, 0, 101, 0);
    conn.push('s2c', server3.subarray(0, 3), 0, 102, 0);
    conn.push('s2c', server3.subarray(3), 0, 103, 0);
    expect(conn.facts).toMatchObject({ version: 'TLS 1.3', cipherSuite: 'TLS_AES_128_GCM_SHA256', decryption: 'decrypted', handshakeDone: true });
    expect(plain).toEqual(['c2s 100 USER x\r\n', 's2c 101 220 ready\r\n', 's2c 103 331 after key update\r\n']);
    expect(conn.facts.plaintext).toEqual({ client: 8, server: 11 + 22 });
    // The label schedule is RFC 8446's (checked against RFC 8448 in tls-unit.test.ts).
    expect(hkdfExpandLabel('sha256', secrets.sts0, 'traffic upd', Buffer.alloc(0), 32)).toEqual(tls13NextSecret('sha256', secrets.sts0));
  });

  it('a record that fails authentication stops that direction with one warning; nothing throws', () => {
    const hex = clientRandom.toString('hex');
    const log = new TlsKeyLog();
    log.addText(`SERVER_HANDSHAKE_TRAFFIC_SECRET ${hex} ${secrets.shts.toString('hex')}\nCLIENT_HANDSHAKE_TRAFFIC_SECRET ${hex} ${secrets.chts.toString('hex')}`);
    const problems: string[] = [];
    const conn = new TlsConnection({ secrets: new TlsSecrets(log), stream: 3, onProblem: (p) => problems.push(`${p.code} ${p.frame}`) });
    conn.push('c2s', clientHello(), 0, 1, 0);
    const bad = new Sealer(secrets.shts).seal(22, hs(8, Buffer.from([0, 0])));
    bad[bad.length - 1] ^= 1;
    conn.push('s2c', Buffer.concat([serverHello(), bad, bad]), 0, 2, 0);
    expect(problems).toEqual(['tls-key-wrong 2']);
    expect(conn.facts.decryption).toBe('failed');
  });
});
