/**
 * Handshake messages, parsed as far as the analysis needs: ClientHello (random, session id, SNI,
 * ticket, PSK, early data, EMS, encrypt-then-MAC), ServerHello (random, version incl.
 * supported_versions, cipher suite, session id, extensions), Certificate (the first certificate's
 * DER), NewSessionTicket (TLS 1.2 ticket). Pure functions: bytes in, a value or null out; never throw.
 */

import type { HeldPool } from '../tcp/held-pool.js';

export const HS = {
  clientHello: 1,
  serverHello: 2,
  newSessionTicket: 4,
  endOfEarlyData: 5,
  encryptedExtensions: 8,
  certificate: 11,
  serverKeyExchange: 12,
  certificateRequest: 13,
  serverHelloDone: 14,
  certificateVerify: 15,
  clientKeyExchange: 16,
  finished: 20,
  keyUpdate: 24,
} as const;

const HS_NAMES: Record<number, string> = {
  0: 'Hello Request',
  1: 'Client Hello',
  2: 'Server Hello',
  4: 'New Session Ticket',
  5: 'End of Early Data',
  8: 'Encrypted Extensions',
  11: 'Certificate',
  12: 'Server Key Exchange',
  13: 'Certificate Request',
  14: 'Server Hello Done',
  15: 'Certificate Verify',
  16: 'Client Key Exchange',
  20: 'Finished',
  24: 'Key Update',
};

/** A handshake message's type as tshark words it ("Client Hello"). */
export function handshakeTypeName(t: number): string {
  return HS_NAMES[t] ?? `type ${t}`;
}

const EXT = {
  serverName: 0,
  alpn: 16,
  encryptThenMac: 22,
  extendedMasterSecret: 23,
  sessionTicket: 35,
  preSharedKey: 41,
  earlyData: 42,
  supportedVersions: 43,
} as const;

/** SHA-256("HelloRetryRequest"): a ServerHello with this random asks for a second ClientHello. */
const HRR_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');

class Reader {
  at = 0;
  constructor(readonly b: Uint8Array) {}
  get left(): number {
    return this.b.length - this.at;
  }
  u8(): number {
    if (this.left < 1) throw RANGE;
    return this.b[this.at++];
  }
  u16(): number {
    if (this.left < 2) throw RANGE;
    const v = (this.b[this.at] << 8) | this.b[this.at + 1];
    this.at += 2;
    return v;
  }
  u24(): number {
    if (this.left < 3) throw RANGE;
    const v = (this.b[this.at] << 16) | (this.b[this.at + 1] << 8) | this.b[this.at + 2];
    this.at += 3;
    return v;
  }
  bytes(n: number): Uint8Array {
    if (this.left < n) throw RANGE;
    const v = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }
}
const RANGE = new Error('short');

function extensions(r: Reader): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  if (r.left < 2) return out;
  const all = new Reader(r.bytes(r.u16()));
  while (all.left >= 4) {
    const type = all.u16();
    out.set(type, all.bytes(all.u16()));
  }
  return out;
}

export interface ClientHello {
  version: number;
  random: Uint8Array;
  sessionId: Uint8Array;
  sni: string | null;
  /** session_ticket extension content (empty: the client asks for a ticket). */
  ticket: Uint8Array | null;
  psk: boolean;
  /** pre_shared_key identities (TLS 1.3 tickets the client offers to resume with). */
  pskIdentities: Uint8Array[];
  earlyData: boolean;
  extendedMasterSecret: boolean;
  encryptThenMac: boolean;
  /** supported_versions offered (TLS 1.3 clients). */
  versions: number[];
  /** application_layer_protocol_negotiation names offered (RFC 7301), empty without the extension. */
  alpn: string[];
}

export function parseClientHello(body: Uint8Array): ClientHello | null {
  try {
    const r = new Reader(body);
    const version = r.u16();
    const random = r.bytes(32);
    const sessionId = r.bytes(r.u8());
    r.bytes(r.u16()); // cipher suites
    r.bytes(r.u8()); // compression
    const ext = extensions(r);
    let sni: string | null = null;
    const sn = ext.get(EXT.serverName);
    if (sn) {
      const s = new Reader(sn);
      const list = new Reader(s.bytes(s.u16()));
      while (list.left >= 3 && sni === null) {
        const type = list.u8();
        const name = list.bytes(list.u16());
        if (type === 0) sni = Buffer.from(name).toString('latin1');
      }
    }
    const versions: number[] = [];
    const sv = ext.get(EXT.supportedVersions);
    if (sv && sv.length >= 1) {
      const s = new Reader(sv);
      const list = new Reader(s.bytes(s.u8()));
      while (list.left >= 2) versions.push(list.u16());
    }
    const alpn: string[] = [];
    const al = ext.get(EXT.alpn);
    if (al && al.length >= 2) {
      const s = new Reader(al);
      const list = new Reader(s.bytes(s.u16()));
      while (list.left >= 1) alpn.push(Buffer.from(list.bytes(list.u8())).toString('latin1'));
    }
    const pskIdentities: Uint8Array[] = [];
    const pk = ext.get(EXT.preSharedKey);
    if (pk && pk.length >= 2) {
      const s = new Reader(pk);
      const list = new Reader(s.bytes(s.u16()));
      while (list.left >= 6) {
        pskIdentities.push(list.bytes(list.u16()));
        list.bytes(4);
      }
    }
    return {
      version,
      random,
      sessionId,
      sni,
      ticket: ext.get(EXT.sessionTicket) ?? null,
      psk: ext.has(EXT.preSharedKey),
      pskIdentities,
      earlyData: ext.has(EXT.earlyData),
      extendedMasterSecret: ext.has(EXT.extendedMasterSecret),
      encryptThenMac: ext.has(EXT.encryptThenMac),
      versions,
      alpn,
    };
  } catch {
    return null;
  }
}

export interface ServerHello {
  /** The negotiated version (supported_versions when present, else the legacy field). */
  version: number;
  random: Uint8Array;
  sessionId: Uint8Array;
  cipherSuite: number;
  helloRetry: boolean;
  psk: boolean;
  extendedMasterSecret: boolean;
  encryptThenMac: boolean;
  /** The server will send a NewSessionTicket (TLS 1.2 session_ticket extension echoed). */
  ticketExtension: boolean;
}

export function parseServerHello(body: Uint8Array): ServerHello | null {
  try {
    const r = new Reader(body);
    const legacy = r.u16();
    const random = r.bytes(32);
    const sessionId = r.bytes(r.u8());
    const cipherSuite = r.u16();
    r.u8(); // compression
    const ext = extensions(r);
    const sv = ext.get(EXT.supportedVersions);
    const version = sv && sv.length === 2 ? (sv[0] << 8) | sv[1] : legacy;
    return {
      version,
      random,
      sessionId,
      cipherSuite,
      helloRetry: Buffer.from(random).equals(HRR_RANDOM),
      psk: ext.has(EXT.preSharedKey),
      extendedMasterSecret: ext.has(EXT.extendedMasterSecret),
      encryptThenMac: ext.has(EXT.encryptThenMac),
      ticketExtension: ext.has(EXT.sessionTicket),
    };
  } catch {
    return null;
  }
}

/** The first certificate of a Certificate message (TLS ≤ 1.2 layout; `tls13` adds the context and per-entry extensions). */
export function firstCertificate(body: Uint8Array, tls13: boolean): Uint8Array | null {
  try {
    const r = new Reader(body);
    if (tls13) r.bytes(r.u8());
    const list = new Reader(r.bytes(r.u24()));
    if (list.left < 3) return null;
    return list.bytes(list.u24());
  } catch {
    return null;
  }
}

/** TLS 1.2 NewSessionTicket: lifetime hint, then the ticket. */
export function parseTls12Ticket(body: Uint8Array): Uint8Array | null {
  try {
    const r = new Reader(body);
    r.bytes(4);
    return r.bytes(r.u16());
  } catch {
    return null;
  }
}

/** TLS 1.3 NewSessionTicket: lifetime, age_add, nonce, then the ticket (the PSK identity a later ClientHello offers). */
export function parseTls13Ticket(body: Uint8Array): Uint8Array | null {
  try {
    const r = new Reader(body);
    r.bytes(8);
    r.bytes(r.u8());
    return r.bytes(r.u16());
  } catch {
    return null;
  }
}

/**
 * Handshake messages of one direction, reassembled across records (a message may span records,
 * a record may hold several). Bounded: a message claiming more than `max` bytes stops it, and so
 * does the capture's pool of held bytes (tcp/held-pool.ts) when it cannot hold the rest.
 * Bytes are appended to spare room, never copied again per record: a 64 KiB message sent one
 * byte a record had copied everything held so far for each of its 65,536 records. Bytes given to
 * `each` are never written over (a full buffer is replaced, not reused), so views of them may be kept.
 */
export class HandshakeAssembler {
  private buf: Buffer = EMPTY_BUFFER;
  /** The held bytes are buf[start, end). */
  private start = 0;
  private end = 0;
  private broken = false;
  /** What this assembler holds of the pool: its buffer's size while it holds bytes. */
  private charged = 0;
  /** 64 KiB: a ClientHello, a ServerHello or a certificate chain fits; a hostile length claim costs no more. */
  constructor(
    private readonly max = 1 << 16,
    private readonly pool?: HeldPool,
  ) {}

  push(bytes: Uint8Array, each: (type: number, body: Uint8Array, raw: Uint8Array) => void, frame = 0): void {
    if (this.broken) return;
    if (!this.append(bytes, frame)) return;
    const buf = this.buf;
    let at = this.start;
    while (this.end - at >= 4) {
      const len = (buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3];
      if (len > this.max) {
        this.stop();
        return;
      }
      if (this.end - at < 4 + len) break;
      each(buf[at], buf.subarray(at + 4, at + 4 + len), buf.subarray(at, at + 4 + len));
      if (this.broken || this.buf !== buf) return; // reset or stopped by the callback
      at += 4 + len;
    }
    this.start = at;
    if (this.start === this.end) this.clear();
  }

  /** Discard a partial message (the keys changed under it). */
  reset(): void {
    this.clear();
  }

  /** Copy `bytes` after the held ones; false when the pool cannot hold them (the direction stops). */
  private append(bytes: Uint8Array, frame: number): boolean {
    if (bytes.length === 0) return true;
    const held = this.end - this.start;
    if (this.end + bytes.length > this.buf.length) {
      // A new buffer (the old one may be viewed by what `each` was given): room for twice what is held.
      const size = Math.max(held + bytes.length, Math.min(2 * held, this.max + 4), 256);
      const pool = this.pool;
      if (pool !== undefined) {
        if (pool.used - this.charged + size > pool.max) {
          pool.onFull(frame);
          this.stop();
          return false;
        }
        pool.used += size - this.charged;
        this.charged = size;
      }
      const next = Buffer.allocUnsafe(size);
      this.buf.copy(next, 0, this.start, this.end);
      this.buf = next;
      this.start = 0;
      this.end = held;
    }
    this.buf.set(bytes, this.end);
    this.end += bytes.length;
    return true;
  }

  private clear(): void {
    this.buf = EMPTY_BUFFER;
    this.start = this.end = 0;
    if (this.charged > 0) {
      this.pool!.used -= this.charged;
      this.charged = 0;
    }
  }

  private stop(): void {
    this.broken = true;
    this.clear();
  }
}

const EMPTY_BUFFER = Buffer.alloc(0);
