/**
 * Record protection, one direction: decrypts and authenticates one record at a time, counting the
 * sequence number. TLS 1.2 (and 1.0/1.1 CBC) AES-GCM, ChaCha20-Poly1305 (RFC 7905), AES-CBC with
 * HMAC in MAC-then-encrypt or encrypt-then-MAC (RFC 7366); TLS 1.3 AEAD with the inner content
 * type (RFC 8446 §5.2). A record that fails authentication gives null: the caller decides.
 */
import type { DecipherGCM } from 'node:crypto';
import { nodeCrypto } from './node-crypto.js';
import type { CipherSuite } from './suites.js';

export interface Decrypted {
  /** Content type: the record's (TLS 1.2) or the inner one (TLS 1.3). */
  type: number;
  plain: Buffer;
}

export interface RecordCipher {
  /** `header` is the record's 5 bytes, `body` its fragment. */
  decrypt(header: Uint8Array, body: Uint8Array): Decrypted | null;
  /**
   * After records the capture lost: the record at this sequence number or at one of the next `most`
   * (each lost record took one), the first that authenticates, from which the count goes on. Null
   * when none does (nothing changes), or when the protection cannot pick up again (TLS 1.0's CBC,
   * whose IV is the lost record's last block).
   */
  decryptAhead(header: Uint8Array, body: Uint8Array, most: number): Decrypted | null;
}

/** Tries `decrypt` at the sequence numbers from `seq` on (`at` sets the cipher's own). */
function ahead(most: number, seq: bigint, at: (n: bigint) => void, decrypt: () => Decrypted | null): Decrypted | null {
  for (let k = 0; k <= most; k++) {
    at(seq + BigInt(k));
    const out = decrypt();
    if (out !== null) return out;
  }
  at(seq);
  return null;
}

const TAG = 16;

function seqBytes(seq: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(seq);
  return b;
}

function xorNonce(iv: Buffer, seq: bigint): Buffer {
  const n = Buffer.from(iv);
  const s = seqBytes(seq);
  for (let i = 0; i < 8; i++) n[n.length - 8 + i] ^= s[i];
  return n;
}

function aeadOpen(cipher: string, key: Buffer, nonce: Buffer, aad: Uint8Array, ct: Uint8Array, tag: Uint8Array): Buffer | null {
  try {
    const d = (
      cipher === 'chacha20-poly1305'
        ? nodeCrypto().createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: TAG })
        : nodeCrypto().createDecipheriv(cipher as 'aes-128-gcm', key, nonce)
    ) as DecipherGCM;
    d.setAAD(aad);
    d.setAuthTag(tag);
    const out = d.update(ct);
    const fin = d.final();
    return fin.length ? Buffer.concat([out, fin]) : out;
  } catch {
    return null;
  }
}

/** TLS 1.3: nonce = iv ⊕ seq, AAD = the record header, inner type after the zero padding. */
export class Tls13Cipher implements RecordCipher {
  private seq = 0n;
  constructor(
    private readonly suite: CipherSuite,
    private readonly key: Buffer,
    private readonly iv: Buffer,
  ) {}

  decryptAhead(header: Uint8Array, body: Uint8Array, most: number): Decrypted | null {
    return ahead(most, this.seq, (n) => (this.seq = n), () => this.decrypt(header, body));
  }

  decrypt(header: Uint8Array, body: Uint8Array): Decrypted | null {
    if (body.length < TAG + 1) return null;
    const plain = aeadOpen(this.suite.cipher, this.key, xorNonce(this.iv, this.seq), header, body.subarray(0, body.length - TAG), body.subarray(body.length - TAG));
    if (plain === null) return null;
    this.seq++;
    let end = plain.length;
    while (end > 0 && plain[end - 1] === 0) end--;
    if (end === 0) return null;
    return { type: plain[end - 1], plain: plain.subarray(0, end - 1) };
  }
}

function aad12(seq: bigint, header: Uint8Array, length: number): Buffer {
  const a = Buffer.alloc(13);
  seqBytes(seq).copy(a, 0);
  a[8] = header[0];
  a[9] = header[1];
  a[10] = header[2];
  a.writeUInt16BE(length, 11);
  return a;
}

/** TLS 1.2 AES-GCM (explicit 8-byte nonce) and ChaCha20-Poly1305 (implicit nonce). */
export class Tls12AeadCipher implements RecordCipher {
  private seq = 0n;
  constructor(
    private readonly suite: CipherSuite,
    private readonly key: Buffer,
    /** GCM: the 4-byte salt; ChaCha20: the 12-byte IV. */
    private readonly iv: Buffer,
  ) {}

  decryptAhead(header: Uint8Array, body: Uint8Array, most: number): Decrypted | null {
    return ahead(most, this.seq, (n) => (this.seq = n), () => this.decrypt(header, body));
  }

  decrypt(header: Uint8Array, body: Uint8Array): Decrypted | null {
    const chacha = this.suite.cipher === 'chacha20-poly1305';
    const explicit = chacha ? 0 : 8;
    if (body.length < explicit + TAG) return null;
    const nonce = chacha ? xorNonce(this.iv, this.seq) : Buffer.concat([this.iv, body.subarray(0, 8)]);
    const ctLength = body.length - explicit - TAG;
    const plain = aeadOpen(this.suite.cipher, this.key, nonce, aad12(this.seq, header, ctLength), body.subarray(explicit, explicit + ctLength), body.subarray(body.length - TAG));
    if (plain === null) return null;
    this.seq++;
    return { type: header[0], plain };
  }
}

/** AES-CBC with HMAC: MAC-then-encrypt, or encrypt-then-MAC when the hellos agreed on it. */
export class Tls12CbcCipher implements RecordCipher {
  private seq = 0n;
  private readonly macLength: number;
  constructor(
    private readonly suite: CipherSuite,
    private readonly key: Buffer,
    private readonly macKey: Buffer,
    /** TLS 1.0: the IV of the first record; later records chain. Explicit per-record IV from TLS 1.1. */
    private iv: Buffer,
    private readonly explicitIv: boolean,
    private readonly encryptThenMac: boolean,
  ) {
    this.macLength = suite.mac === 'sha1' ? 20 : suite.mac === 'sha256' ? 32 : 48;
  }

  private mac(header: Uint8Array, content: Uint8Array): Buffer {
    return nodeCrypto().createHmac(this.suite.mac!, this.macKey).update(aad12(this.seq, header, content.length)).update(content).digest();
  }

  decryptAhead(header: Uint8Array, body: Uint8Array, most: number): Decrypted | null {
    return this.explicitIv ? ahead(most, this.seq, (n) => (this.seq = n), () => this.decrypt(header, body)) : null;
  }

  decrypt(header: Uint8Array, body: Uint8Array): Decrypted | null {
    const block = 16;
    let data = body;
    if (this.encryptThenMac) {
      if (body.length < this.macLength + block) return null;
      data = body.subarray(0, body.length - this.macLength);
      const got = body.subarray(body.length - this.macLength);
      if (!nodeCrypto().timingSafeEqual(this.mac(header, data), got)) return null;
    }
    let iv = this.iv;
    if (this.explicitIv) {
      if (data.length < 2 * block) return null;
      iv = Buffer.from(data.subarray(0, block));
      data = data.subarray(block);
    }
    if (data.length === 0 || data.length % block !== 0) return null;
    let plain: Buffer;
    try {
      const d = nodeCrypto().createDecipheriv(this.suite.cipher, this.key, iv);
      d.setAutoPadding(false);
      plain = Buffer.concat([d.update(data), d.final()]);
    } catch {
      return null;
    }
    if (!this.explicitIv) this.iv = Buffer.from(data.subarray(data.length - block));
    const pad = plain[plain.length - 1];
    if (pad + 1 > plain.length) return null;
    for (let i = plain.length - 1 - pad; i < plain.length; i++) if (plain[i] !== pad) return null;
    let content = plain.subarray(0, plain.length - pad - 1);
    if (!this.encryptThenMac) {
      if (content.length < this.macLength) return null;
      const got = content.subarray(content.length - this.macLength);
      content = content.subarray(0, content.length - this.macLength);
      if (!nodeCrypto().timingSafeEqual(this.mac(header, content), got)) return null;
    }
    this.seq++;
    return { type: header[0], plain: content };
  }
}
