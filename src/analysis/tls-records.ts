/**
 * The TLS records of the frames a dump will show, gathered while the analysis reads the capture
 * (AnalyzeOptions.onTlsRecord): each record's header, the handshake messages that begin in it, and
 * — when it was decrypted — its plaintext. The analysis's own TLS engine read them; nothing here
 * decrypts. Memory: only wanted frames and roles are kept, and of a record's text only what the
 * dump shows (PLAIN_KEPT).
 */
import { CONTENT_TYPE } from '../tls/suites.js';
import type { TlsRecordSeen } from '../tls/types.js';

/** The FTP roles tls-routes.ts tags TLS connections with. */
export type TlsRole = 'control' | 'data' | 'other';

/** Plaintext bytes kept per record: the control connection's lines, another connection's first bytes. */
export const PLAIN_KEPT = { control: 2048, other: 64 } as const;


export interface FrameTlsRecord {
  stream: number;
  dir: 'c2s' | 's2c';
  /** Header: type byte, version, body length. */
  type: number;
  version: number;
  length: number;
  /** TLS 1.3: `type` is an outer wrapper; the real type is `innerType` once decrypted. */
  outerOnly: boolean;
  /** The content type behind the header once decrypted (TLS 1.3), else null. */
  innerType: number | null;
  /** Read only because it was decrypted (its handshake types and text are derived). */
  decrypted: boolean;
  /** Types of the handshake messages that begin in this record. */
  handshakeTypes: number[];
  /** Application data, decrypted: its first PLAIN_KEPT bytes (a copy) and its whole length. */
  plain: { bytes: Uint8Array; length: number } | null;
}

export class TlsRecordCollector {
  /** Records by the frame carrying their last byte, in the order they were read. */
  readonly byFrame = new Map<number, FrameTlsRecord[]>();
  /** Per stream and direction: bytes of a handshake message that began in an earlier record. */
  private readonly carry = new Map<string, number>();
  private kept = 0;
  /**
   * The first frame a wanted record of was not kept (past `maxRecords`), or null: from it on a
   * frame's records may be missing (the dump says so instead of guessing).
   */
  cutFrom: number | null = null;

  /**
   * `want`: keep the records of this frame, on a connection of this role. `maxRecords`: records
   * kept in all (each costs about what a traced packet does: memory-budget.ts's maxTracePackets); a
   * generated control connection of 1-byte TLS records (10,000 to a segment) filled the heap.
   */
  constructor(
    private readonly want: (frame: number, role: TlsRole) => boolean,
    private readonly maxRecords = Infinity,
  ) {}

  readonly onRecord = (r: TlsRecordSeen): void => {
    const c = r.content;
    const handshakeTypes = c !== null && c.type === CONTENT_TYPE.handshake ? this.messageStarts(`${r.stream}/${r.dir}`, c.bytes) : [];
    const role: TlsRole = r.tag === 'control' || r.tag === 'data' ? r.tag : 'other';
    if (!this.want(r.frame, role)) return;
    if (this.kept >= this.maxRecords) {
      this.cutFrom ??= r.frame;
      return;
    }
    this.kept++;
    const kept = role === 'control' ? PLAIN_KEPT.control : PLAIN_KEPT.other;
    const rec: FrameTlsRecord = {
      stream: r.stream,
      dir: r.dir,
      type: r.type,
      version: r.version,
      length: r.length,
      outerOnly: r.outerOnly,
      innerType: r.outerOnly && c !== null ? c.type : null,
      decrypted: c?.decrypted ?? false,
      handshakeTypes,
      plain: c !== null && c.decrypted && c.type === CONTENT_TYPE.appData ? { bytes: c.bytes.slice(0, kept), length: c.bytes.length } : null,
    };
    const list = this.byFrame.get(r.frame);
    if (list) list.push(rec);
    else this.byFrame.set(r.frame, [rec]);
  };

  /** Walk the handshake messages of one record: the types of those that begin in it. */
  private messageStarts(key: string, b: Uint8Array): number[] {
    const types: number[] = [];
    let i = Math.min(this.carry.get(key) ?? 0, b.length);
    let left = (this.carry.get(key) ?? 0) - i;
    while (left === 0 && i + 4 <= b.length) {
      types.push(b[i]);
      const end = i + 4 + ((b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]);
      if (end > b.length) left = end - b.length;
      i = end;
    }
    this.carry.set(key, left);
    return types;
  }
}
