/**
 * The shared memory between a reading thread and the analysing thread. Two rings:
 *  - data slots: packet bytes. An uncompressed capture file is read straight into a slot and its
 *    records are handed on as views of it (no copy); records that come from elsewhere (gunzip, a
 *    record straddling two reads) are copied into a slot's free space;
 *  - batches: the records' fields, up to BATCH_RECORDS per batch, each batch naming its data slot.
 * The reader posts a batch (a message) when it is full or its data slot is done; the analyser
 * hands the records out, then releases the batch and its hold on the data slot. Each data slot
 * counts its holders (the reader while filling it, plus every batch posted on it): the reader
 * waits (Atomics.wait) for a slot to drop to zero before reusing it. Memory is fixed whatever the
 * capture's size: DATA_SLOTS × SLOT_BYTES plus BATCHES × BATCH_RECORDS × FIELDS × 8 bytes.
 */
import type { Warning } from '../warnings/catalog.js';
import type { CaptureHeaderInfo, CaptureInterface, CaptureReadResult } from './types.js';

/** Data slots in the ring: how far the reader may run ahead. */
export const DATA_SLOTS = 4;
/** Bytes per data slot. */
export const SLOT_BYTES = 4 * 1024 * 1024;
/** Bytes of a slot a file read fills; the rest takes records copied in (straddling ones). */
export const READ_BYTES = SLOT_BYTES - 256 * 1024;
/** Batches in flight and records per batch. */
export const BATCHES = 8;
export const BATCH_RECORDS = 4096;
/** Records of the first batch; each next batch holds twice as many, up to BATCH_RECORDS. */
export const FIRST_BATCH_RECORDS = 64;

/** Record fields, one Float64 each (frame numbers and offsets pass 2^32 on big captures). */
export const FIELD = {
  frame: 0,
  offset: 1,
  tsSec: 2,
  tsNsec: 3,
  time: 4,
  linkType: 5,
  interfaceId: 6,
  capturedLength: 7,
  originalLength: 8,
  /** Byte position in the data ring; -1 - k: the k-th record carried in the message itself. */
  data: 9,
  dataLength: 10,
  /** CaptureRecord.wordSum (-1: not summed). */
  wordSum: 11,
} as const;
export const FIELDS = 12;

/**
 * A whole-number field read back from the ring, as an int32 (a small integer to V8) when it is
 * one: read from a Float64Array it stays a double, and every object a frame number reaches (chunks,
 * commands, replies, transfers) then boxes it in a heap number of its own.
 */
export function ringInt(x: number): number {
  return (x | 0) === x ? x | 0 : x;
}

export interface RingBuffers {
  /**
   * The packet bytes: a shared WebAssembly memory when possible (then `memory` is it), so that
   * WebAssembly code (the checksum) reads the packets where they lie; else a SharedArrayBuffer.
   */
  data: SharedArrayBuffer;
  memory: WebAssembly.Memory | null;
  /** Holders per data slot (Int32). */
  slots: SharedArrayBuffer;
  /** Record fields of every batch (Float64), and each batch's state (Int32: 0 free, 1 busy). */
  fields: SharedArrayBuffer;
  batches: SharedArrayBuffer;
}

const WASM_PAGE = 65536;

export function allocateRing(): RingBuffers {
  const bytes = DATA_SLOTS * SLOT_BYTES;
  let memory: WebAssembly.Memory | null = null;
  try {
    const pages = bytes / WASM_PAGE;
    memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  } catch {
    memory = null;
  }
  return {
    data: memory !== null ? (memory.buffer as unknown as SharedArrayBuffer) : new SharedArrayBuffer(bytes),
    memory,
    slots: new SharedArrayBuffer(DATA_SLOTS * 4),
    fields: new SharedArrayBuffer(BATCHES * BATCH_RECORDS * FIELDS * 8),
    batches: new SharedArrayBuffer(BATCHES * 4),
  };
}

/** An event between records: delivered before record `at` of its batch (or after the last). */
export type ReaderEvent =
  | { t: 'header'; header: CaptureHeaderInfo }
  | { t: 'interface'; iface: CaptureInterface }
  | { t: 'warning'; warning: Warning }
  | { t: 'secrets'; type: number; data: Uint8Array };

/** Messages from the reading thread, in capture order. */
export type ReaderMessage =
  | { t: 'batch'; batch: number; slot: number; count: number; inline: Uint8Array[]; events: Array<{ at: number; e: ReaderEvent }> }
  | { t: 'event'; e: ReaderEvent }
  | { t: 'end'; result: CaptureReadResult }
  | { t: 'error'; message: string; offset?: number; frame?: number; capture: boolean };

/** What the analysing thread starts the reader with. */
/** What the reading thread starts with: the ring only; what to read comes later (ReaderCommand). */
export interface ReaderData {
  ring: RingBuffers;
}

/**
 * What to read, sent once the thread is wanted: it may have been started before the command
 * line was parsed (reader-thread.ts), its start-up then overlapping the analysis's own.
 */
export interface ReaderCommand {
  t: 'read';
  /** Files read one after another as one capture (one path: an ordinary capture file). */
  paths: string[];
}
