/**
 * Key schedules: the TLS 1.2 PRF (RFC 5246 §5) and TLS 1.0/1.1 MD5⊕SHA-1 PRF (RFC 2246 §5) with
 * the key block (RFC 5246 §6.3); TLS 1.3 HKDF-Expand-Label (RFC 8446 §7.1) for traffic keys and
 * key updates. Node's built-in crypto only.
 */
import { nodeCrypto } from './node-crypto.js';

function pHash(hash: string, secret: Uint8Array, seed: Uint8Array, length: number): Buffer {
  const out = Buffer.alloc(length);
  const { createHmac } = nodeCrypto();
  let a: Buffer = createHmac(hash, secret).update(seed).digest();
  let done = 0;
  while (done < length) {
    const block = createHmac(hash, secret).update(a).update(seed).digest();
    block.copy(out, done, 0, Math.min(block.length, length - done));
    done += block.length;
    a = createHmac(hash, secret).update(a).digest();
  }
  return out;
}

/** PRF(secret, label, seed) of `version` (0x0303: P_<hash>; older: P_MD5 ⊕ P_SHA1). */
export function prf(version: number, hash: 'sha256' | 'sha384', secret: Uint8Array, label: string, seed: Uint8Array, length: number): Buffer {
  const labelled = Buffer.concat([Buffer.from(label, 'latin1'), seed]);
  if (version >= 0x0303) return pHash(hash, secret, labelled, length);
  const half = Math.ceil(secret.length / 2);
  const md5 = pHash('md5', secret.subarray(0, half), labelled, length);
  const sha1 = pHash('sha1', secret.subarray(secret.length - half), labelled, length);
  for (let i = 0; i < length; i++) md5[i] ^= sha1[i];
  return md5;
}

export interface Tls12Keys {
  clientMac: Buffer;
  serverMac: Buffer;
  clientKey: Buffer;
  serverKey: Buffer;
  clientIv: Buffer;
  serverIv: Buffer;
}

/** The key block from the master secret, cut as RFC 5246 §6.3 says. */
export function tls12KeyBlock(
  version: number,
  hash: 'sha256' | 'sha384',
  master: Uint8Array,
  clientRandom: Uint8Array,
  serverRandom: Uint8Array,
  sizes: { mac: number; key: number; iv: number },
): Tls12Keys {
  const total = 2 * (sizes.mac + sizes.key + sizes.iv);
  const block = prf(version, hash, master, 'key expansion', Buffer.concat([serverRandom, clientRandom]), total);
  let at = 0;
  const take = (n: number): Buffer => {
    const b = block.subarray(at, at + n);
    at += n;
    return b;
  };
  const clientMac = take(sizes.mac);
  const serverMac = take(sizes.mac);
  const clientKey = take(sizes.key);
  const serverKey = take(sizes.key);
  const clientIv = take(sizes.iv);
  const serverIv = take(sizes.iv);
  return { clientMac, serverMac, clientKey, serverKey, clientIv, serverIv };
}

/** HKDF-Expand (RFC 5869) for lengths up to 255 blocks. */
function hkdfExpand(hash: string, prk: Uint8Array, info: Uint8Array, length: number): Buffer {
  const out = Buffer.alloc(length);
  const { createHmac } = nodeCrypto();
  let t: Buffer = Buffer.alloc(0);
  let done = 0;
  for (let i = 1; done < length; i++) {
    t = createHmac(hash, prk).update(t).update(info).update(Buffer.of(i)).digest();
    t.copy(out, done, 0, Math.min(t.length, length - done));
    done += t.length;
  }
  return out;
}

export function hkdfExpandLabel(hash: 'sha256' | 'sha384', secret: Uint8Array, label: string, context: Uint8Array, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`, 'latin1');
  const info = Buffer.concat([Buffer.of(length >> 8, length & 0xff, full.length), full, Buffer.of(context.length), context]);
  return hkdfExpand(hash, secret, info, length);
}

export function tls13TrafficKeys(hash: 'sha256' | 'sha384', secret: Uint8Array, keyLength: number): { key: Buffer; iv: Buffer } {
  return {
    key: hkdfExpandLabel(hash, secret, 'key', Buffer.alloc(0), keyLength),
    iv: hkdfExpandLabel(hash, secret, 'iv', Buffer.alloc(0), 12),
  };
}

/** application_traffic_secret_N+1 (RFC 8446 §7.2). */
export function tls13NextSecret(hash: 'sha256' | 'sha384', secret: Uint8Array): Buffer {
  return hkdfExpandLabel(hash, secret, 'traffic upd', Buffer.alloc(0), hash === 'sha384' ? 48 : 32);
}
