/**
 * Identifiers for log records. Zeek's uids (`C` + base62 of 96 random bits) and Suricata's flow_id
 * (a random 64-bit hash) differ on every run; ftpcap derives its own from what names a connection
 * in the capture — the TCP stream index, both endpoints and the time of its first packet — so the
 * same capture always gives the same ids, and two connections never share one. They look like the
 * peers' ids and serve the same joins, but cannot equal them.
 */
import { createHash } from 'node:crypto';
import type { Endpoint } from '../../analysis/model.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export interface ConnectionKey {
  stream: number;
  /** The side that opened it (Zeek's originator) and the other. */
  orig: Endpoint;
  resp: Endpoint;
  start: number;
}

function digest(k: ConnectionKey): Buffer {
  const text = `${k.stream}|${k.orig.ip}|${k.orig.port}|${k.resp.ip}|${k.resp.port}|${k.start.toFixed(6)}`;
  return createHash('sha256').update(text).digest();
}

/** `C` + base62 of the key's first 96 hash bits, as long as Zeek's (at most 17 digits). */
export function connectionUid(k: ConnectionKey): string {
  let n = BigInt(`0x${digest(k).subarray(0, 12).toString('hex')}`);
  let out = '';
  while (n > 0n) {
    out = BASE62[Number(n % 62n)] + out;
    n /= 62n;
  }
  return `C${out || '0'}`;
}

/** A positive whole number below 2^53 (exact in JSON readers that use doubles). */
export function flowId(k: ConnectionKey): number {
  const d = digest(k);
  // 53 bits: 6 whole bytes and 5 bits of the seventh.
  return (d.readUIntBE(0, 6) * 32 + (d[6] >> 3)) || 1;
}
