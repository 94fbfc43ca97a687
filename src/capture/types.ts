/**
 * Capture layer contract: bytes of a capture file in, one CaptureRecord per packet out.
 * Readers never throw for damage after the file header: they report a Warning and stop
 * (or resynchronise where the format allows). Only "this is not a capture at all" is fatal.
 */
import type { Warning } from '../warnings/catalog.js';

export type CaptureFormat = 'pcap' | 'pcapng';

/** One packet record, numbered exactly as Wireshark numbers frames (1-based, every packet record). */
export interface CaptureRecord {
  frame: number;
  /** Byte offset of the record's header in the (decompressed) capture stream. */
  offset: number;
  /** Timestamp as integer seconds + integer nanoseconds (exact), and as float seconds (for display). */
  tsSec: number;
  tsNsec: number;
  time: number;
  /** LINKTYPE_* value (pcap header, or the pcapng interface's IDB). */
  linkType: number;
  /** pcapng interface index (global across sections: section-relative ids are offset); 0 for pcap. */
  interfaceId: number;
  capturedLength: number;
  originalLength: number;
  /** The captured bytes. A view: valid only during the callback unless copied. */
  data: Uint8Array;
  /**
   * The one's-complement word sum of all of `data` (capture/word-sum.ts recordWordSum), when the
   * reader summed it: the reading thread does, as it has the bytes at hand and time to spare, and
   * the decoder then finds a TCP checksum's sum by taking off the few bytes around the segment
   * instead of summing every byte again. Absent or -1: not summed.
   */
  wordSum?: number;
}
// The record itself is valid only during the callback too: the threaded reader reuses one object.

/**
 * A record for a reader to fill and hand out for every packet (the callback's contract allows one
 * object). Its time starts as a double, so V8 stores that field in place from the first packet on.
 */
export function reusableRecord(): CaptureRecord {
  return {
    frame: 0,
    offset: 0,
    tsSec: 0,
    tsNsec: 0,
    time: 0.5,
    linkType: 0,
    interfaceId: 0,
    capturedLength: 0,
    originalLength: 0,
    data: new Uint8Array(0),
    wordSum: -1,
  };
}

export interface CaptureInterface {
  id: number;
  linkType: number;
  snapLength: number;
  name?: string;
  /** Timestamp resolution in units per second (pcap: 1e6 or 1e9; pcapng: from if_tsresol). */
  tsUnitsPerSecond: number;
}

export interface CaptureHeaderInfo {
  format: CaptureFormat;
  /** 'little' | 'big': the byte order of the file (of the first section for pcapng). */
  byteOrder: 'little' | 'big';
  /** pcap: 'microsecond' | 'nanosecond'. pcapng: resolution of the first interface. */
  versionMajor: number;
  versionMinor: number;
  compressed: boolean;
  /** pcap only: 1e6 (microsecond magic) or 1e9 (nanosecond magic). pcapng: see each interface. */
  tsUnitsPerSecond?: number;
}

export interface CaptureSink {
  onHeader?(info: CaptureHeaderInfo): void;
  onInterface?(iface: CaptureInterface): void;
  onRecord(record: CaptureRecord): void;
  onWarning(warning: Warning): void;
  /**
   * pcapng Decryption Secrets Block: its secrets type (0x544c534b 'TLSK': a TLS key log) and data
   * (a copy), in file order with the records.
   */
  onSecrets?(type: number, data: Uint8Array): void;
}

export interface CaptureReadResult {
  header: CaptureHeaderInfo;
  interfaces: CaptureInterface[];
  packets: number;
  /** Bytes of (decompressed) capture consumed. */
  bytes: number;
}

/** Thrown (rejected) only when nothing could be analysed: unreadable, empty, or not a capture. */
export class CaptureError extends Error {
  constructor(
    message: string,
    readonly offset?: number,
    readonly frame?: number,
  ) {
    super(message);
    this.name = 'CaptureError';
  }
}
