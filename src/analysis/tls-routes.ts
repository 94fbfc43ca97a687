/**
 * Where FTPS meets the connection router: the control connection's TLS (made when the parser sees
 * TLS start, decrypted application data read as FTP text) and a PROT P data connection's TLS
 * (found by its first bytes, a ClientHello; decrypted bytes handed to the transfer's readers in
 * place of the TLS records). The TLS itself is src/tls's.
 */
import type { ControlDecryptor, FtpControlParserOptions } from '../ftp/control-parser.js';
import type { Direction, StreamChunk, TcpConnection } from '../tcp/types.js';
import { TlsConnection, type TlsSecrets } from '../tls/connection.js';
import type { DataLink } from './data-linker.js';
import type { Warning } from '../warnings/catalog.js';
import type { DataConnection, FrameSpan, Transfer } from './model.js';

export interface ControlTls {
  make: NonNullable<FtpControlParserOptions['tls']>;
  connection: TlsConnection | null;
}

/** The control connection's decryptor factory (one TLS connection, made when TLS starts). */
export function controlDecryptor(secrets: TlsSecrets, stream: number, initiatorIsClient: boolean, onWarning: (w: Warning) => void): ControlTls {
  const holder: ControlTls = {
    connection: null,
    make: (plain): ControlDecryptor => {
      const side = (dir: Direction): 'client' | 'server' => ((dir === 'c2s') === initiatorIsClient ? 'client' : 'server');
      const conn = new TlsConnection({
        secrets,
        stream,
        tag: 'control',
        onPlain: (dir, bytes, frame, time) => plain(side(dir), bytes, frame, time),
        onProblem: onWarning,
      });
      holder.connection = conn;
      return {
        push: (s, bytes, gap, frame, time) => conn.push((s === 'client') === initiatorIsClient ? 'c2s' : 's2c', bytes, gap, frame, time),
        get decrypting() {
          return conn.decrypting;
        },
      };
    },
  };
  return holder;
}

type Sink = (transfer: Transfer, chunk: StreamChunk, toServer: boolean) => void;

/** A data connection protected by TLS (PROT P). */
export class DataTls {
  readonly connection: TlsConnection;
  /** Decrypted bytes in the FTP client's and server's terms. */
  private readonly plain: NonNullable<DataConnection['plaintext']> = { toServer: 0, toClient: 0, framesToServer: null, framesToClient: null };
  private sink: Sink | undefined;

  private constructor(
    secrets: TlsSecrets,
    private readonly link: DataLink,
    conn: TcpConnection,
    onWarning: (w: Warning) => void,
  ) {
    this.connection = new TlsConnection({
      secrets,
      stream: conn.id,
      tag: 'data',
      onPlain: (dir, bytes, frame, time) => this.onPlain(dir, bytes, frame, time),
      onProblem: onWarning,
    });
  }

  /**
   * On a data connection's first bytes: TLS when they are a ClientHello record, else null (clear
   * text, PROT C). Undefined while no byte was seen.
   */
  static detect(secrets: TlsSecrets, link: DataLink, conn: TcpConnection, chunk: StreamChunk, onWarning: (w: Warning) => void): DataTls | null | undefined {
    const b = chunk.bytes;
    if (b.length === 0) return chunk.gapBefore > 0 ? null : undefined;
    if (chunk.gapBefore > 0 || b.length < 6 || b[0] !== 0x16 || b[1] !== 0x03 || b[5] !== 0x01) return null;
    return new DataTls(secrets, link, conn, onWarning);
  }

  /** Feed a chunk; decrypted application data goes to `sink`. Always consumes the chunk. */
  push(chunk: StreamChunk, sink: Sink | undefined): boolean {
    this.sink = sink;
    this.connection.push(chunk.dir, chunk.bytes, chunk.gapBefore, chunk.frame, chunk.time);
    return true;
  }

  private onPlain(dir: Direction, bytes: Uint8Array, frame: number, time: number): void {
    const { transfer, swapped } = this.link;
    // As in the router: the responder is the announced side (the client in active mode).
    const fromInitiator = (dir === 'c2s') !== swapped;
    const toServer = transfer.mode === 'passive' ? fromInitiator : !fromInitiator;
    const p = this.plain;
    if (toServer) {
      p.toServer += bytes.length;
      p.framesToServer = spanWith(p.framesToServer, frame);
    } else {
      p.toClient += bytes.length;
      p.framesToClient = spanWith(p.framesToClient, frame);
    }
    this.sink?.(transfer, { dir, bytes, gapBefore: 0, streamOffset: 0, frame, time }, toServer);
  }

  /** The TLS facts into the data connection; decrypted byte counts when it was decrypted. */
  describe(dc: DataConnection): void {
    dc.tls = this.connection.facts;
    const p = this.plain;
    if (this.connection.facts.plaintext !== null) {
      dc.plaintext = { ...p, framesToServer: p.framesToServer && { ...p.framesToServer }, framesToClient: p.framesToClient && { ...p.framesToClient } };
    }
  }
}

function spanWith(span: FrameSpan | null, frame: number): FrameSpan {
  if (span === null) return { first: frame, last: frame };
  span.last = frame;
  return span;
}

/**
 * TLS on connections no announcement explains, between the hosts of a session whose commands TLS
 * hides (no keys): their handshakes still tell version, resumption of the control connection's
 * session, and alerts — the facts the FTPS diagnoses read (OtherConnection.tls, inferred transfers).
 */
export class OtherTls {
  private readonly byConn = new Map<TcpConnection, TlsConnection>();
  private readonly candidates = new WeakSet<TcpConnection>();
  constructor(
    private readonly secrets: TlsSecrets,
    private readonly onWarning: (w: Warning) => void,
  ) {}

  /** A connection noted beside a TLS session: its first bytes decide (see take). */
  note(conn: TcpConnection): void {
    this.candidates.add(conn);
  }

  /**
   * Reads the chunk when the connection is (or now turns out to be) TLS beside a session; false
   * otherwise. Only record headers are read, but they must be the real bytes: not 'count-only'.
   */
  take(conn: TcpConnection, chunk: StreamChunk): boolean {
    let tls = this.byConn.get(conn);
    if (!tls) {
      const b = chunk.bytes;
      if (!this.candidates.has(conn) || chunk.gapBefore > 0 || b.length < 6 || b[0] !== 0x16 || b[1] !== 0x03 || b[5] !== 0x01) return false;
      tls = new TlsConnection({ secrets: this.secrets, stream: conn.id, tag: 'other', onProblem: this.onWarning });
      this.byConn.set(conn, tls);
    }
    tls.push(chunk.dir, chunk.bytes, chunk.gapBefore, chunk.frame, chunk.time);
    return true;
  }

  facts(conn: TcpConnection): TlsConnection['facts'] | undefined {
    return this.byConn.get(conn)?.facts;
  }
}
