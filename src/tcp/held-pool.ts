/**
 * Bytes held waiting for the end of what they belong to, in all connections of a capture together:
 * partial lines (ftp/line-framer.ts), multi-line replies still open (ftp/reply-assembler.ts) and
 * TLS handshake messages still arriving (tls/handshake.ts). Each connection's own bounds (a line's
 * 8 KiB, a reply's 256 KiB, a handshake message's 64 KiB) do not bound thousands of connections
 * holding them at once; this does. Units: bytes (a character of text counts one), and PIECE_COST
 * for each piece a partial line is joined from. Whoever would pass `max` treats what comes as past
 * its own bound (counted or skipped, not kept) and calls `onFull`; the owner words it once. What
 * is held is given back when its unit ends.
 */
export interface HeldPool {
  used: number;
  readonly max: number;
  onFull(frame: number): void;
}

/** A partial line grows by one string piece per segment: its header, beside the piece's characters. */
export const PIECE_COST = 32;
