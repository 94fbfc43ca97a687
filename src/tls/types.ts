/**
 * What one TCP connection's TLS showed: in clear (hellos, TLS ≤ 1.2 certificate, clear alerts,
 * resumption) and, with keys, what decryption added. The analysis model carries these as they are.
 */
import type { Warning } from '../warnings/catalog.js';

export interface TlsAlert {
  frame: number;
  /** The TLS side that sent it. */
  by: 'client' | 'server';
  level: 'warning' | 'fatal' | null;
  /** e.g. 'close_notify', 'certificate_unknown'; null when the alert was encrypted and not decrypted. */
  description: string | null;
  /** Sent inside the encrypted channel (read only because it was decrypted, or not read at all). */
  encrypted: boolean;
}

export type TlsDecryption =
  /** Keys found, every record read. */
  | 'decrypted'
  /** No key log (nor secrets block) was given: nothing to try. */
  | 'no-keys'
  /** Key logs were given but hold nothing for this connection's client random. */
  | 'missing-key'
  /** The secrets did not authenticate a record (wrong key), or a later record failed. */
  | 'failed'
  /** A cipher suite this tool cannot decrypt. */
  | 'unsupported'
  /** No encrypted record to read (the handshake did not get that far). */
  | 'none';

export interface TlsFacts {
  /** 'TLS 1.2', 'TLS 1.3' (from ServerHello / supported_versions); null without a ServerHello. */
  version: string | null;
  cipherSuite: string | null;
  sni: string | null;
  /** The server's certificate (the first of its chain), readable in TLS ≤ 1.2 or once decrypted. */
  certificate: { subject: string; issuer: string; frame: number } | null;
  clientHelloFrame: number | null;
  serverHelloFrame: number | null;
  /** Hex: names the connection in key logs. */
  clientRandom: string | null;
  /** Which TCP end is the TLS client: the connection's initiator (usual) or its responder. */
  tlsClient: 'initiator' | 'responder' | null;
  /** How an abbreviated handshake resumed an earlier session; null for a full handshake. */
  resumed: 'session-id' | 'ticket' | 'psk' | null;
  /** TCP stream index of the connection whose session (id or ticket) was resumed, when seen in this capture. */
  resumedFrom: number | null;
  /** The session this connection's full handshake created (TLS ≤ 1.2 session id), hex, for matching. */
  sessionId: string | null;
  alerts: TlsAlert[];
  /** Frames of each side's close_notify (known in clear, or once decrypted). */
  closeNotify: { client: number | null; server: number | null };
  /** Both sides finished the handshake (their Finished was sent). */
  handshakeDone: boolean;
  decryption: TlsDecryption;
  /**
   * A side whose first bytes were no TLS record: clear text where TLS was expected (implicit FTPS
   * spoken to a plain FTP port, or the other way round), with its first line.
   */
  clearText?: { by: 'client' | 'server'; frame: number; line: string };
  /** Application-data bytes (decrypted plaintext) each TLS side sent; null when not decrypted. */
  plaintext: { client: number; server: number } | null;
  /**
   * How each side's records ended, from their headers (readable without keys): what shows, in
   * TLS 1.3 without keys, whether a side's last record could be its close_notify (close-notify.ts).
   */
  ending: { client: TlsRecordsEnd | null; server: TlsRecordsEnd | null };
}

/** The end of one side's record stream. */
export interface TlsRecordsEnd {
  /**
   * Its last whole record: the frame carrying its end, the header's content type (in TLS 1.3 once
   * protected, only the outer type 23), its length, and whether it was protected (encrypted).
   */
  last: { frame: number; type: number; length: number; protected: boolean } | null;
  /** A record begun and never finished (the side stopped mid-record): its first frame, length (null: header cut), bytes that came. */
  cut: { frame: number; length: number | null; got: number } | null;
}

/** What the TLS layer reports (one per connection at most; see the catalog in src/warnings). */
export type TlsProblem = Warning<'tls-key-missing' | 'tls-key-wrong' | 'tls-record-auth' | 'tls-cipher-unsupported'>;

/**
 * One TLS record as the record layer read it, for a caller that shows records (the dump): its
 * header, the frame carrying its last byte (tshark's frame for it too), and its content when that
 * could be read — in clear, or decrypted. Views, valid only during the call.
 */
export interface TlsRecordSeen {
  /** TCP stream index of the connection. */
  stream: number;
  /** The caller's name for the connection (TlsConnectionOptions.tag), e.g. its FTP role. */
  tag: string | undefined;
  /** 'c2s': sent by the TCP connection's initiator. */
  dir: 'c2s' | 's2c';
  frame: number;
  /** Header fields: type byte, version, length of the body. */
  type: number;
  version: number;
  length: number;
  /** TLS 1.3 protection: the header's type is only an outer wrapper (tshark's opaque type). */
  outerOnly: boolean;
  /** The body in clear or decrypted, with its real content type; null when encrypted and not decrypted. */
  content: { type: number; bytes: Uint8Array; decrypted: boolean } | null;
}
