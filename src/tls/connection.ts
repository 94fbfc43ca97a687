/**
 * One TCP connection's TLS, both directions: the record layer over the reassembled byte stream
 * (records split across segments, several per segment), the handshake read in clear and — with
 * keys from the key logs or from an earlier connection's session (resumption) — decryption of
 * every record. Application data comes out through `onPlain`, stamped with the frame carrying the
 * end of its record. Facts (version, suite, SNI, certificate, resumption, alerts) build up in
 * `facts`. Problems (no key, wrong key, a record that fails authentication) are reported once per
 * connection through `onProblem`; nothing here throws on bad input.
 */
import type { HeldPool } from '../tcp/held-pool.js';
import { nodeCrypto } from './node-crypto.js';
import type { Direction } from '../tcp/types.js';
import { HandshakeAssembler, HS, firstCertificate, parseClientHello, parseServerHello, parseTls12Ticket, parseTls13Ticket, type ClientHello, type ServerHello } from './handshake.js';
import { tls12KeyBlock, tls13NextSecret, tls13TrafficKeys } from './kdf.js';
import type { TlsKeyLog, Tls13Label } from './keylog.js';
import { Tls12AeadCipher, Tls12CbcCipher, Tls13Cipher, type Decrypted, type RecordCipher } from './record-cipher.js';
import { CIPHER_SUITES, CONTENT_TYPE, alertName, cipherSuiteName, versionName, type CipherSuite } from './suites.js';
import { warning } from '../warnings/catalog.js';
import type { TlsFacts, TlsProblem, TlsRecordSeen, TlsRecordsEnd } from './types.js';

const CT = CONTENT_TYPE;
const MAX_RECORD = (1 << 14) + 2048 + 256;
const MAX_ALERTS = 16;
const MAX_EARLY_QUEUE = 64;
/** Records a gap may have held that the next record's sequence number is looked for past (a burst of lost segments of several records each). */
const MAX_LOST_RECORDS = 32;
const TLS13_MIN_FINISHED_RECORD = 4 + 32 + 1 + 16;
const EMPTY = Buffer.alloc(0);

interface CachedSession {
  stream: number;
  master: Buffer | null;
}

/**
 * Every secret the analysis of one capture may use: the key logs (files, pcapng secrets blocks),
 * and the sessions that connections created (session id, ticket), so that a resumed handshake —
 * an FTPS data connection resuming the control connection's session — finds its master secret.
 */
export class TlsSecrets {
  private readonly bySessionId = new Map<string, CachedSession>();
  private readonly byTicket = new Map<string, CachedSession>();
  /**
   * `onRecord` sees every record of every connection of the capture (the dump's TLS lines): it
   * lives here because this is the one object all of an analysis's TLS connections share.
   */
  constructor(
    readonly keyLog: TlsKeyLog,
    readonly onRecord?: (r: TlsRecordSeen) => void,
    /** What every connection's unfinished handshake messages hold, together (tcp/held-pool.ts). */
    readonly held?: HeldPool,
  ) {}

  /** No key log was given at all. */
  get none(): boolean {
    return this.keyLog.empty;
  }

  rememberSession(id: Uint8Array, s: CachedSession): void {
    if (id.length > 0 && this.bySessionId.size < 100_000) this.bySessionId.set(Buffer.from(id).toString('hex'), s);
  }
  rememberTicket(ticket: Uint8Array, s: CachedSession): void {
    if (ticket.length > 0 && this.byTicket.size < 100_000) this.byTicket.set(Buffer.from(ticket).toString('hex'), s);
  }
  session(id: Uint8Array): CachedSession | undefined {
    return id.length > 0 ? this.bySessionId.get(Buffer.from(id).toString('hex')) : undefined;
  }
  ticket(t: Uint8Array): CachedSession | undefined {
    return t.length > 0 ? this.byTicket.get(Buffer.from(t).toString('hex')) : undefined;
  }
}

export interface TlsConnectionOptions {
  secrets: TlsSecrets;
  /** TCP stream index, to name the session a later connection resumes. */
  stream: number;
  /** Handed back with each record to `secrets.onRecord` (what the caller calls this connection). */
  tag?: string;
  /** Decrypted application data, in order per direction (a view, valid during the call). */
  onPlain?(dir: Direction, bytes: Uint8Array, frame: number, time: number): void;
  onProblem?(p: TlsProblem): void;
}

interface DirState {
  header: Buffer;
  have: number;
  body: Buffer | null;
  fill: number;
  /** Records seen in this direction. */
  seen: number;
  /** Bytes left of a record walked over without copying (-1: none). */
  skip: number;
  /** Records from now on are protected (after CCS in TLS 1.2, after ServerHello in 1.3). */
  protected: boolean;
  cipher: RecordCipher | null;
  /** TLS 1.2: the cipher that a ChangeCipherSpec turns on. */
  pending: RecordCipher | null;
  /** TLS 1.3: candidate after the current one (client: early data → handshake keys). */
  next: RecordCipher | null;
  /** TLS 1.3 traffic secret in use (for key updates). */
  secret: Buffer | null;
  hs: HandshakeAssembler;
  /** A gap or a failed record: nothing more is read in this direction. */
  stopped: boolean;
  /**
   * The capture lost bytes of this direction between whole records while its records were being
   * decrypted: the next record is read at the sequence number it authenticates at (resync).
   */
  resync: boolean;
  decryptedRecords: number;
  undecrypted: number;
  /** TLS 1.3 early data seen before ServerHello (replayed once the suite is known). */
  early: Array<{ header: Buffer; body: Buffer; frame: number; time: number }>;
  /** Frame where the record in progress began (its first header byte). */
  recordFrame: number;
  /** This side's end of records (TlsFacts.ending), kept up to date in place. */
  end: TlsRecordsEnd;
  /** Reused for `end.cut` while a record is in progress. */
  cut: NonNullable<TlsRecordsEnd['cut']>;
}

function newDir(held?: HeldPool): DirState {
  return {
    header: Buffer.alloc(5),
    have: 0,
    body: null,
    fill: 0,
    skip: -1,
    seen: 0,
    protected: false,
    cipher: null,
    pending: null,
    next: null,
    secret: null,
    hs: new HandshakeAssembler(undefined, held),
    stopped: false,
    resync: false,
    decryptedRecords: 0,
    undecrypted: 0,
    early: [],
    recordFrame: 0,
    end: { last: null, cut: null },
    cut: { frame: 0, length: null, got: 0 },
  };
}

export function emptyTlsFacts(): TlsFacts {
  return {
    version: null,
    cipherSuite: null,
    sni: null,
    certificate: null,
    clientHelloFrame: null,
    serverHelloFrame: null,
    clientRandom: null,
    tlsClient: null,
    resumed: null,
    resumedFrom: null,
    sessionId: null,
    alerts: [],
    closeNotify: { client: null, server: null },
    handshakeDone: false,
    decryption: 'none',
    plaintext: null,
    ending: { client: null, server: null },
  };
}

export class TlsConnection {
  readonly facts: TlsFacts = emptyTlsFacts();
  private readonly dirs: Record<Direction, DirState>;
  /** The TCP direction the TLS client sends in (known from the ClientHello). */
  private clientDir: Direction | null = null;
  private hello: ClientHello | null = null;
  private server: ServerHello | null = null;
  private suite: CipherSuite | null = null;
  private master: Buffer | null = null;
  private version = 0;
  private problemReported = false;
  private finished = { client: false, server: false };

  constructor(private readonly opts: TlsConnectionOptions) {
    if (opts.secrets.none) this.facts.decryption = 'no-keys';
    this.dirs = { c2s: newDir(opts.secrets.held), s2c: newDir(opts.secrets.held) };
  }

  /** The connection is gone: what its unfinished handshake messages held goes back to the pool. */
  release(): void {
    this.dirs.c2s.hs.reset();
    this.dirs.s2c.hs.reset();
  }

  /** Keys are in hand for this connection (its application data will be decrypted). */
  get decrypting(): boolean {
    return this.facts.decryption === 'decrypted';
  }

  /** True once the first bytes showed a ClientHello or any record header. */
  get sawHandshake(): boolean {
    return this.hello !== null;
  }

  push(dir: Direction, bytes: Uint8Array, gapBefore: number, frame: number, time: number): void {
    const d = this.dirs[dir];
    // A stretch lost before this side's first record, which is its ServerHello: the bytes lost were the
    // clear text before TLS (a 234 the capture missed), nothing of TLS; the handshake is read from here.
    const beforeFirst = gapBefore > 0 && d.seen === 0 && d.have === 0 && d.body === null && !d.protected && bytes.length > 5 && bytes[0] === 22 && bytes[5] === 2;
    if (gapBefore > 0 && !beforeFirst && (d.have > 0 || d.body !== null || d.protected || this.hello !== null)) {
      // Records being decrypted: the walk goes on if the bytes after the gap begin a record (a
      // whole segment lost carries whole records), read at the sequence number it authenticates
      // at; a record begun before the gap is lost with it. Otherwise nothing more is read here.
      if (this.canResync(d)) {
        d.have = 0;
        d.body = null;
        d.skip = -1;
        d.resync = true;
      } else d.stopped = true;
    }
    if (d.stopped) return;
    let i = 0;
    const n = bytes.length;
    while (i < n && !d.stopped) {
      if (d.body === null) {
        // Header, possibly split across chunks.
        if (d.have === 0 && n - i >= 5) {
          const len = (bytes[i + 3] << 8) | bytes[i + 4];
          if (!this.validHeader(bytes[i], bytes[i + 1], len)) {
            this.notTls(dir, bytes.subarray(i), frame);
            d.stopped = true;
            return;
          }
          if (n - i - 5 >= len) {
            // The whole record lies in this chunk: no copy.
            this.record(dir, bytes.subarray(i, i + 5), bytes.subarray(i + 5, i + 5 + len), frame, time);
            i += 5 + len;
            continue;
          }
          bytes.subarray(i, i + 5).forEach((b, k) => (d.header[k] = b));
          d.have = 5;
          d.recordFrame = frame;
          i += 5;
        } else {
          if (d.have === 0) d.recordFrame = frame;
          d.header[d.have++] = bytes[i++];
          if (d.have < 5) continue;
        }
        const len = d.header.readUInt16BE(3);
        if (!this.validHeader(d.header[0], d.header[1], len)) {
          d.stopped = true;
          return;
        }
        // A protected record nobody can decrypt is only walked over, not copied.
        d.skip = d.protected && d.cipher === null ? len : -1;
        d.body = d.skip >= 0 ? EMPTY : Buffer.allocUnsafe(len);
        d.fill = 0;
      }
      if (d.skip >= 0) {
        const take = Math.min(d.skip, n - i);
        d.skip -= take;
        i += take;
        if (d.skip === 0) {
          d.skip = -1;
          d.body = null;
          d.have = 0;
          this.record(dir, d.header, EMPTY, frame, time);
        }
        continue;
      }
      const take = Math.min(d.body.length - d.fill, n - i);
      if (take > 0) {
        d.body.set(bytes.subarray(i, i + take), d.fill);
        d.fill += take;
        i += take;
      }
      if (d.fill === d.body.length) {
        const body = d.body;
        d.body = null;
        d.have = 0;
        this.record(dir, d.header, body, frame, time);
      }
    }
    if (!d.stopped) this.noteCut(dir);
  }

  /** A record left unfinished at the end of a chunk: the side's end if nothing more comes. */
  private noteCut(dir: Direction): void {
    const d = this.dirs[dir];
    if (d.have === 0) {
      d.end.cut = null;
      return;
    }
    const length = d.body === null ? null : d.header.readUInt16BE(3);
    d.cut.frame = d.recordFrame;
    d.cut.length = length;
    d.cut.got = length === null ? d.have : d.skip >= 0 ? length - d.skip : d.fill;
    d.end.cut = d.cut;
    this.showEnding();
  }

  /** The first bytes of a direction are no TLS record: note them (clear text where TLS was expected). */
  private notTls(dir: Direction, bytes: Uint8Array, frame: number): void {
    const d = this.dirs[dir];
    if (d.seen > 0 || this.facts.clearText) return;
    let end = 0;
    while (end < bytes.length && end < 80 && bytes[end] >= 0x20 && bytes[end] < 0x7f) end++;
    this.facts.clearText = { by: this.side(dir), frame, line: Buffer.from(bytes.subarray(0, end)).toString('latin1') };
  }

  private validHeader(type: number, major: number, len: number): boolean {
    return type >= CT.ccs && type <= CT.appData && major === 3 && len <= MAX_RECORD;
  }

  private side(dir: Direction): 'client' | 'server' {
    if (this.clientDir === null) return dir === 'c2s' ? 'client' : 'server';
    return dir === this.clientDir ? 'client' : 'server';
  }

  /** Tell `secrets.onRecord` about a record (nothing to do without one). */
  private tap(dir: Direction, header: Uint8Array, frame: number, content: TlsRecordSeen['content']): void {
    const on = this.opts.secrets.onRecord;
    if (on === undefined) return;
    // In TLS 1.3 every protected record says application_data outside, its real type inside.
    const outerOnly = header[0] === CT.appData && this.version === 0x0304 && this.dirs[dir].protected;
    on({ stream: this.opts.stream, tag: this.opts.tag, dir, frame, type: header[0], version: (header[1] << 8) | header[2], length: (header[3] << 8) | header[4], outerOnly, content });
  }

  private record(dir: Direction, header: Uint8Array, body: Uint8Array, frame: number, time: number): void {
    const d = this.dirs[dir];
    d.seen++;
    const type = header[0];
    this.noteLast(d, dir, frame, type, (header[3] << 8) | header[4]);
    if (type === CT.ccs) {
      this.tap(dir, header, frame, { type, bytes: body, decrypted: false });
      // TLS 1.3 sends a dummy CCS for middlebox compatibility: nothing changes.
      if (this.version !== 0x0304 && this.server !== null && !d.protected) {
        d.protected = true;
        d.cipher = d.pending;
        d.pending = null;
        d.hs.reset();
        // TLS ≤ 1.2 without keys: both sides switched to the new keys, each followed by its (encrypted) Finished.
        if (this.dirs.c2s.protected && this.dirs.s2c.protected && this.facts.decryption !== 'decrypted') this.facts.handshakeDone = true;
      }
      return;
    }
    // TLS 1.2: the gap held this side's ChangeCipherSpec (and its Finished): its new keys are on.
    if (d.resync && !d.protected && this.version !== 0x0304 && d.pending !== null) {
      d.protected = true;
      d.cipher = d.pending;
      d.pending = null;
      d.hs.reset();
    }
    if (!d.protected) {
      const held = type === CT.appData && this.hello?.earlyData === true && this.side(dir) === 'client' && this.server === null;
      // Held early data is told when it is replayed.
      if (!held) this.tap(dir, header, frame, { type, bytes: body, decrypted: false });
      if (type === CT.handshake) d.hs.push(body, (t, b) => this.handshake(dir, t, b, frame, time), frame);
      else if (type === CT.alert) this.alert(dir, body, frame, false);
      else if (held) {
        if (d.early.length < MAX_EARLY_QUEUE) d.early.push({ header: Buffer.from(header), body: Buffer.from(body), frame, time });
      }
      return;
    }
    if (d.cipher === null) {
      this.tap(dir, header, frame, null);
      d.undecrypted++;
      if (type === CT.alert) this.alert(dir, null, frame, true);
      else if (this.version === 0x0304 && this.side(dir) === 'client' && !this.facts.handshakeDone) {
        // TLS 1.3 without keys: a protected record from the client long enough for its Finished (4-byte
        // header, 32 or 48 bytes, content type, 16-byte tag: 53 or more; an alert is 19, an empty
        // Certificate 25) ends the handshake, as far as can be told.
        if (((header[3] << 8) | header[4]) >= TLS13_MIN_FINISHED_RECORD) this.facts.handshakeDone = true;
      }
      return;
    }
    let out: Decrypted | null;
    if (d.resync) {
      d.resync = false;
      out = this.resync(dir, header, body);
      if (out === null) {
        // Not picked up again: nothing more is read in this direction, as after any gap before.
        this.tap(dir, header, frame, null);
        d.stopped = true;
        return;
      }
    } else {
      out = d.cipher.decrypt(header, body);
      if (out === null && d.next !== null) {
        out = d.next.decrypt(header, body);
        if (out !== null) {
          d.cipher = d.next;
          d.next = null;
        }
      }
    }
    if (out === null) {
      this.tap(dir, header, frame, null);
      // A client's 0-RTT data the server did not accept (or whose key is missing) is skipped.
      if (this.version === 0x0304 && this.side(dir) === 'client' && this.hello?.earlyData && !this.finished.client) return;
      const first = d.decryptedRecords === 0;
      this.fail(dir, first ? 'tls-key-wrong' : 'tls-record-auth', frame);
      return;
    }
    d.decryptedRecords++;
    this.tap(dir, header, frame, { type: out.type, bytes: out.plain, decrypted: true });
    if (out.type === CT.appData) {
      const f = this.facts;
      if (f.plaintext) f.plaintext[this.side(dir)] += out.plain.length;
      if (out.plain.length > 0) this.opts.onPlain?.(dir, out.plain, frame, time);
    } else if (out.type === CT.handshake) {
      d.hs.push(out.plain, (t, b) => this.handshake(dir, t, b, frame, time), frame);
    } else if (out.type === CT.alert) {
      this.alert(dir, out.plain, frame, true);
    }
  }

  /** A direction whose records are being decrypted (or whose new keys are waiting for a ChangeCipherSpec), once the handshake chose its keys. */
  private canResync(d: DirState): boolean {
    if (this.facts.decryption !== 'decrypted' || this.server === null) return false;
    return (d.protected && d.cipher !== null) || (!d.protected && this.version !== 0x0304 && d.pending !== null);
  }

  /**
   * The first record after a gap: the current keys at the next sequence numbers (each lost record
   * took one), the keys that come next (TLS 1.3: the client's handshake keys after early data), or,
   * when the gap held this side's TLS 1.3 Finished, its application keys from their first record.
   * The first that authenticates is taken; null when none does.
   */
  private resync(dir: Direction, header: Uint8Array, body: Uint8Array): Decrypted | null {
    const d = this.dirs[dir];
    let out = d.cipher!.decryptAhead(header, body, MAX_LOST_RECORDS);
    if (out !== null) return out;
    if (d.next !== null) {
      out = d.next.decryptAhead(header, body, MAX_LOST_RECORDS);
      if (out !== null) {
        d.cipher = d.next;
        d.next = null;
        return out;
      }
    }
    const by = this.side(dir);
    if (this.version !== 0x0304 || this.finished[by]) return null;
    const label = by === 'client' ? 'CLIENT_TRAFFIC_SECRET_0' : 'SERVER_TRAFFIC_SECRET_0';
    const app = this.tls13Cipher(label);
    out = app?.decryptAhead(header, body, MAX_LOST_RECORDS) ?? null;
    if (out === null) return null;
    this.finished[by] = true;
    this.facts.handshakeDone = this.finished.client && this.finished.server;
    d.secret = this.opts.secrets.keyLog.tls13Secret(this.hello!.random, label) ?? null;
    d.cipher = app;
    d.next = null;
    d.hs.reset();
    return out;
  }

  /** The side's last whole record so far (one object per side, updated in place). */
  private noteLast(d: DirState, dir: Direction, frame: number, type: number, length: number): void {
    const last = d.end.last ?? (d.end.last = { frame, type, length, protected: d.protected });
    last.frame = frame;
    last.type = type;
    last.length = length;
    last.protected = d.protected;
    d.end.cut = null;
    this.showEnding();
  }

  /** TlsFacts.ending by TLS side (the TLS client may be the TCP responder), null for a side that sent no record. */
  private showEnding(): void {
    const cd: Direction = this.clientDir ?? 'c2s';
    const client = this.dirs[cd].end;
    const server = this.dirs[cd === 'c2s' ? 's2c' : 'c2s'].end;
    this.facts.ending.client = client.last !== null || client.cut !== null ? client : null;
    this.facts.ending.server = server.last !== null || server.cut !== null ? server : null;
  }

  private fail(dir: Direction, code: 'tls-key-wrong' | 'tls-record-auth', frame: number): void {
    const d = this.dirs[dir];
    d.stopped = true;
    d.cipher = null;
    this.facts.decryption = 'failed';
    const who = this.side(dir);
    this.problem(warning(code, { stream: this.opts.stream, clientRandom: this.facts.clientRandom, side: who }, { frame }));
  }

  private problem(p: TlsProblem): void {
    if (this.problemReported) return;
    this.problemReported = true;
    this.opts.onProblem?.(p);
  }

  private alert(dir: Direction, body: Uint8Array | null, frame: number, encrypted: boolean): void {
    const by = this.side(dir);
    const level = body && body.length >= 2 ? (body[0] === 1 ? 'warning' : body[0] === 2 ? 'fatal' : null) : null;
    const description = body && body.length >= 2 ? alertName(body[1]) : null;
    if (description === 'close_notify' && this.facts.closeNotify[by] === null) this.facts.closeNotify[by] = frame;
    if (this.facts.alerts.length < MAX_ALERTS) this.facts.alerts.push({ frame, by, level, description, encrypted });
  }

  private handshake(dir: Direction, type: number, body: Uint8Array, frame: number, time: number): void {
    const f = this.facts;
    if (type === HS.clientHello && this.hello === null) {
      const h = parseClientHello(body);
      if (!h) return;
      this.hello = h;
      this.clientDir = dir;
      f.clientHelloFrame = frame;
      f.clientRandom = Buffer.from(h.random).toString('hex');
      f.tlsClient = dir === 'c2s' ? 'initiator' : 'responder';
      f.sni = h.sni;
      return;
    }
    if (type === HS.serverHello && this.hello !== null) {
      const s = parseServerHello(body);
      if (!s || s.helloRetry) return;
      this.serverHello(s, frame);
      const cd = this.dirs[this.clientDir!];
      for (const e of cd.early.splice(0)) this.record(this.clientDir!, e.header, e.body, e.frame, e.time);
      return;
    }
    const by = this.side(dir);
    switch (type) {
      case HS.certificate: {
        if (by !== 'server' || f.certificate !== null) return;
        const der = firstCertificate(body, this.version === 0x0304);
        if (!der) return;
        try {
          const x = new (nodeCrypto().X509Certificate)(der);
          f.certificate = { subject: x.subject.replace(/\n/g, ', '), issuer: x.issuer.replace(/\n/g, ', '), frame };
        } catch {
          // not a certificate Node can read: left out
        }
        return;
      }
      case HS.newSessionTicket: {
        if (by !== 'server') return;
        const ticket = this.version === 0x0304 ? parseTls13Ticket(body) : parseTls12Ticket(body);
        if (ticket) this.opts.secrets.rememberTicket(ticket, { stream: this.opts.stream, master: this.version === 0x0304 ? null : this.master });
        return;
      }
      case HS.finished: {
        this.finished[by] = true;
        f.handshakeDone = this.finished.client && this.finished.server;
        if (this.version === 0x0304) this.tls13Switch(dir, by === 'client' ? 'CLIENT_TRAFFIC_SECRET_0' : 'SERVER_TRAFFIC_SECRET_0');
        return;
      }
      case HS.endOfEarlyData: {
        if (this.version === 0x0304) this.tls13Switch(dir, 'CLIENT_HANDSHAKE_TRAFFIC_SECRET');
        return;
      }
      case HS.keyUpdate: {
        const d = this.dirs[dir];
        if (this.version !== 0x0304 || !this.suite || !d.secret) return;
        d.secret = tls13NextSecret(this.suite.prfHash, d.secret);
        const k = tls13TrafficKeys(this.suite.prfHash, d.secret, this.suite.keyLength);
        d.cipher = new Tls13Cipher(this.suite, k.key, k.iv);
        d.next = null;
        return;
      }
      default:
        return;
    }
  }

  private serverHello(s: ServerHello, frame: number): void {
    const f = this.facts;
    const h = this.hello!;
    this.server = s;
    this.version = s.version;
    f.serverHelloFrame = frame;
    f.version = versionName(s.version);
    f.cipherSuite = cipherSuiteName(s.cipherSuite);
    this.suite = CIPHER_SUITES.get(s.cipherSuite) ?? null;
    const secrets = this.opts.secrets;
    const clientDir = this.clientDir!;
    const serverDir: Direction = clientDir === 'c2s' ? 's2c' : 'c2s';

    if (s.version === 0x0304) {
      if (s.psk) {
        f.resumed = 'psk';
        for (const id of h.pskIdentities) {
          const from = secrets.ticket(id);
          if (from) {
            f.resumedFrom = from.stream;
            break;
          }
        }
      }
      // Everything after ServerHello is protected, in both directions; what was buffered in clear is done with.
      this.dirs[clientDir].protected = true;
      this.dirs[serverDir].protected = true;
      this.dirs[clientDir].hs.reset();
      if (!this.usable(frame)) return;
      const hasClient = secrets.keyLog.tls13Secret(h.random, 'CLIENT_HANDSHAKE_TRAFFIC_SECRET');
      const hasServer = secrets.keyLog.tls13Secret(h.random, 'SERVER_HANDSHAKE_TRAFFIC_SECRET');
      if (!hasClient && !hasServer) {
        this.missing(frame);
        return;
      }
      f.decryption = 'decrypted';
      f.plaintext = { client: 0, server: 0 };
      this.tls13Switch(serverDir, 'SERVER_HANDSHAKE_TRAFFIC_SECRET');
      const early = h.earlyData ? secrets.keyLog.tls13Secret(h.random, 'CLIENT_EARLY_TRAFFIC_SECRET') : undefined;
      if (early) {
        this.tls13Switch(clientDir, 'CLIENT_EARLY_TRAFFIC_SECRET');
        this.dirs[clientDir].next = this.tls13Cipher('CLIENT_HANDSHAKE_TRAFFIC_SECRET');
      } else {
        this.tls13Switch(clientDir, 'CLIENT_HANDSHAKE_TRAFFIC_SECRET');
      }
      return;
    }

    // TLS ≤ 1.2: an abbreviated handshake echoes the client's session id.
    const resumed = s.sessionId.length > 0 && Buffer.from(s.sessionId).equals(Buffer.from(h.sessionId));
    let cached: CachedSession | undefined;
    if (resumed) {
      const byTicket = h.ticket && h.ticket.length > 0 ? secrets.ticket(h.ticket) : undefined;
      cached = byTicket ?? secrets.session(s.sessionId);
      f.resumed = byTicket || (h.ticket && h.ticket.length > 0 && !secrets.session(s.sessionId)) ? 'ticket' : 'session-id';
      f.resumedFrom = cached?.stream ?? null;
    } else {
      f.sessionId = s.sessionId.length > 0 ? Buffer.from(s.sessionId).toString('hex') : null;
    }
    this.master = secrets.keyLog.masterSecret(h.random) ?? cached?.master ?? null;
    if (!resumed) secrets.rememberSession(s.sessionId, { stream: this.opts.stream, master: this.master });
    if (!this.usable(frame)) return;
    if (this.master === null) {
      this.missing(frame);
      return;
    }
    const suite = this.suite!;
    const aead = suite.mac === null;
    const etm = !aead && h.encryptThenMac && s.encryptThenMac;
    const keys = tls12KeyBlock(s.version, suite.prfHash, this.master, h.random, s.random, {
      mac: aead ? 0 : suite.mac === 'sha1' ? 20 : suite.mac === 'sha256' ? 32 : 48,
      key: suite.keyLength,
      iv: aead ? (suite.cipher === 'chacha20-poly1305' ? 12 : 4) : s.version <= 0x0301 ? 16 : 0,
    });
    const make = (key: Buffer, mac: Buffer, iv: Buffer): RecordCipher =>
      aead ? new Tls12AeadCipher(suite, key, iv) : new Tls12CbcCipher(suite, key, mac, s.version <= 0x0301 ? iv : Buffer.alloc(16), s.version > 0x0301, etm);
    this.dirs[clientDir].pending = make(keys.clientKey, keys.clientMac, keys.clientIv);
    this.dirs[serverDir].pending = make(keys.serverKey, keys.serverMac, keys.serverIv);
    f.decryption = 'decrypted';
    f.plaintext = { client: 0, server: 0 };
  }

  /** Keys can be tried: some key log was given and the suite is one this tool decrypts. */
  private usable(frame: number): boolean {
    if (this.opts.secrets.none) return false;
    if (this.suite === null || this.suite.tls13 !== (this.version === 0x0304)) {
      this.facts.decryption = 'unsupported';
      const facts = { stream: this.opts.stream, cipherSuite: this.facts.cipherSuite, version: this.facts.version, clientRandom: this.facts.clientRandom };
      this.problem(warning('tls-cipher-unsupported', facts, { frame }));
      return false;
    }
    return true;
  }

  private missing(frame: number): void {
    this.facts.decryption = 'missing-key';
    this.problem(warning('tls-key-missing', { stream: this.opts.stream, clientRandom: this.facts.clientRandom }, { frame }));
  }

  private tls13Cipher(label: Tls13Label): RecordCipher | null {
    const secret = this.opts.secrets.keyLog.tls13Secret(this.hello!.random, label);
    if (!secret || !this.suite) return null;
    const k = tls13TrafficKeys(this.suite.prfHash, secret, this.suite.keyLength);
    return new Tls13Cipher(this.suite, k.key, k.iv);
  }

  private tls13Switch(dir: Direction, label: Tls13Label): void {
    if (this.facts.decryption !== 'decrypted') return;
    const d = this.dirs[dir];
    const secret = this.opts.secrets.keyLog.tls13Secret(this.hello!.random, label) ?? null;
    d.secret = secret;
    d.cipher = this.tls13Cipher(label);
    d.next = null;
    d.hs.reset();
  }
}
