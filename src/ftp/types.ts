/**
 * FTP layer contract: the control connection's two byte streams in, protocol facts out.
 * Parsers report facts; the analysis layer decides what they mean.
 */
import type { Warning } from '../warnings/catalog.js';

export interface FtpRequest {
  type: 'request';
  frame: number; // frame carrying the line's final byte (its CRLF)
  time: number;
  /** Frame carrying the line's first byte; present only when it differs from `frame`. */
  firstFrame?: number;
  /** Upper-cased verb as sent (e.g. 'RETR'); the raw verb text is in `raw`. */
  command: string;
  /** Everything after the first space, verbatim (may be ''). */
  arg: string;
  /** The line without its line terminator, as latin1 (byte-for-byte). */
  raw: string;
  /** Line ended without CRLF (bare LF) or was cut at the length bound. */
  malformed?: string;
  /** How far the server's bytes were acknowledged by the segment that ended the line (a stream offset). */
  acked?: number;
}

export interface FtpReply {
  type: 'reply';
  /** Frame of the last line of the reply (where it completes), and of its first line. */
  frame: number;
  firstFrame: number;
  time: number;
  code: number; // 100..599, or 0 when the line has no valid code
  /** Lines' text joined with '\n'; for a one-line reply, the text after "NNN ". For multi-line,
   *  the first line's text after "NNN-", the middle lines verbatim, the last line's after "NNN ". */
  text: string;
  lines: string[];
  multiline: boolean;
  malformed?: string;
  /**
   * Bytes of the client's that the server had acknowledged when it sent this reply's last line and
   * that the capture never delivered (lost before the capture resumed): a command may be in them.
   * Absent when none (or not known: TLS, no acknowledgement seen).
   */
  clientUnseen?: number;
}

/** The control channel switched to TLS (234 answered AUTH TLS/SSL, or implicit FTPS). */
export interface FtpTlsStart {
  type: 'tls-start';
  frame: number;
  time: number;
  implicit: boolean;
}

/** One direction left TLS and speaks clear text again (CCC, RFC 4217 §6): its first clear chunk. */
export interface FtpTlsEnd {
  type: 'tls-end';
  dir: 'client' | 'server';
  frame: number;
  time: number;
}

/**
 * A direction began with something that is not FTP text (binary, or another protocol's banner such
 * as "SSH-2.0-…"): `line` is its printable first line, '' when there is none.
 */
export interface FtpNotFtp {
  type: 'not-ftp';
  dir: 'client' | 'server';
  frame: number;
  time: number;
  line: string;
}

/** Bytes that could not be read as FTP (after TLS, a gap, binary junk): counted, not parsed. */
export interface FtpOpaque {
  type: 'opaque';
  dir: 'client' | 'server';
  frame: number;
  time: number;
  bytes: number;
  reason: 'tls' | 'gap' | 'not-text';
  /** A gap: the frame of the peer's first acknowledgement of the missing bytes, when it came before `frame`. */
  acked?: number;
  /** A gap: the stream offset where the capture resumed (the missing bytes end there). */
  end?: number;
  /** A gap that is only a snaplen's cut off the segment before (its start, where a line begins, captured). */
  cutOnly?: true;
}

export interface FtpLimitExceeded {
  type: 'limit';
  dir: 'client' | 'server';
  frame: number;
  time: number;
  limit: 'line-length' | 'reply-lines';
  warning: Warning<'ftp-line-length' | 'ftp-reply-lines'>;
}

export type FtpEvent = FtpRequest | FtpReply | FtpTlsStart | FtpTlsEnd | FtpNotFtp | FtpOpaque | FtpLimitExceeded;

/** Result of a tuple parser: never throws. */
export type TupleResult =
  | { ok: true; ip: string | null; port: number; family: 4 | 6 | null; arithmetic: string }
  | { ok: false; reason: string };
