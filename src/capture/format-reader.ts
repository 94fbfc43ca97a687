import type { CaptureError, CaptureHeaderInfo, CaptureInterface } from './types.js';

/**
 * What read-capture.ts drives: a push parser for one capture format. push() never throws for bad
 * bytes; it returns false once the reader has stopped (damage reported through the sink), after
 * which the caller stops reading. finish() is called once when the input ends (or fails) and
 * reports a record cut short. `fatal` is set when not even the file header could be read.
 */
export interface FormatReader {
  push(chunk: Buffer): boolean;
  /** Parse whatever push() may still hold back (batched small chunks). */
  flush(): void;
  finish(): void;
  readonly fatal: CaptureError | null;
  readonly header: CaptureHeaderInfo | null;
  readonly interfaces: CaptureInterface[];
  /** Packet records delivered to the sink. */
  readonly packets: number;
  /** Bytes up to the end of the last record/block fully read. */
  readonly bytes: number;
}

/** Largest block or record the readers accept: bounds the memory one damaged length can claim. */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;
