/**
 * Reading capture files on a second thread: a worker (read-worker.ts) runs the capture readers and
 * fills the shared ring (record-ring.ts); this side hands each record to the sink as a view of the
 * ring, in capture order, then frees the slot. On a two-core machine the reader (file reads,
 * pcap-parser) and the analysis then run side by side. Same results as readCaptureFiles, which is
 * used instead for standard input, when threads are not wanted, or when the compiled worker is not
 * there (running from the TypeScript sources).
 */
import { readCaptureFiles } from './read-files.js';
import { BATCH_RECORDS, FIELD, FIELDS, ringInt, type ReaderCommand, type ReaderEvent, type ReaderMessage } from './record-ring.js';
import { THREAD_MIN_BYTES, parallelReadAvailable, takeReader, totalSize } from './reader-thread.js';
import { CaptureError, reusableRecord, type CaptureReadResult, type CaptureRecord, type CaptureSink } from './types.js';


export interface ReadFilesOptions {
  /** Read on a worker thread (default true; ignored for standard input). */
  thread?: boolean;
  /**
   * Files smaller than this in total are read in-thread: starting a thread (~70 ms) costs more
   * than it saves on them. Default THREAD_MIN_BYTES.
   */
  minBytes?: number;
  /**
   * Told the WebAssembly memory the records' bytes will lie in (before the first record), so that
   * WebAssembly code can read them in place; not called when reading without the thread.
   */
  onMemory?(memory: WebAssembly.Memory): void;
}

/** readCaptureFiles, on a worker thread when possible. */
export function readCaptureFilesThreaded(
  paths: string[],
  sink: CaptureSink,
  opts: ReadFilesOptions = {},
): Promise<CaptureReadResult> {
  if (
    opts.thread === false ||
    paths.includes('-') ||
    !parallelReadAvailable() ||
    totalSize(paths) < (opts.minBytes ?? THREAD_MIN_BYTES)
  ) {
    return readCaptureFiles(paths, sink);
  }
  const { worker, ring } = takeReader();
  const fields = new Float64Array(ring.fields);
  const holders = new Int32Array(ring.slots);
  const batchState = new Int32Array(ring.batches);
  if (ring.memory !== null) opts.onMemory?.(ring.memory);
  const command: ReaderCommand = { t: 'read', paths };
  worker.postMessage(command);

  return new Promise<CaptureReadResult>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      fn();
    };
    const fail = (err: unknown): void =>
      settle(() => {
        void worker.terminate();
        reject(err);
      });

    const fire = (e: ReaderEvent): void => {
      if (e.t === 'header') sink.onHeader?.(e.header);
      else if (e.t === 'interface') sink.onInterface?.(e.iface);
      else if (e.t === 'secrets') sink.onSecrets?.(e.type, e.data);
      else sink.onWarning(e.warning);
    };

    const record = reusableRecord();
    const deliver = (m: Extract<ReaderMessage, { t: 'batch' }>): void => {
      const { batch, slot, count, inline, events } = m;
      let next = 0;
      for (let i = 0; i < count; i++) {
        while (next < events.length && events[next].at === i) fire(events[next++].e);
        const d = (batch * BATCH_RECORDS + i) * FIELDS;
        const at = fields[d + FIELD.data];
        // One record object for every packet (its data, a view, is valid only during the call
        // anyway): a capture of millions of packets then costs the sink no record allocation.
        // Whole numbers as small integers (ringInt; ftp-100k kept 32 heap numbers a session).
        record.frame = ringInt(fields[d + FIELD.frame]);
        record.offset = fields[d + FIELD.offset];
        record.tsSec = fields[d + FIELD.tsSec];
        record.tsNsec = ringInt(fields[d + FIELD.tsNsec]);
        record.time = fields[d + FIELD.time];
        record.linkType = ringInt(fields[d + FIELD.linkType]);
        record.interfaceId = ringInt(fields[d + FIELD.interfaceId]);
        record.capturedLength = ringInt(fields[d + FIELD.capturedLength]);
        record.originalLength = ringInt(fields[d + FIELD.originalLength]);
        record.wordSum = ringInt(fields[d + FIELD.wordSum]);
        // A plain view: cheaper to make than a Buffer, and valid until the slot is released.
        record.data = at >= 0 ? new Uint8Array(ring.data, at, fields[d + FIELD.dataLength]) : inline[-1 - at];
        sink.onRecord(record);
      }
      while (next < events.length) fire(events[next++].e);
      Atomics.store(batchState, batch, 0);
      Atomics.notify(batchState, batch);
      if (slot >= 0) {
        Atomics.sub(holders, slot, 1);
        Atomics.notify(holders, slot);
      }
    };

    worker.on('message', (m: ReaderMessage) => {
      if (settled) return;
      try {
        switch (m.t) {
          case 'batch':
            deliver(m);
            break;
          case 'event':
            fire(m.e);
            break;
          case 'end':
            settle(() => resolve(m.result));
            break;
          case 'error':
            fail(m.capture ? new CaptureError(m.message, m.offset, m.frame) : new Error(m.message));
            break;
        }
      } catch (err) {
        // The sink threw (a bug downstream): stop the reader and pass the error on as it is.
        fail(err);
      }
    });
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`capture reader thread exited (code ${code}) before the end`)));
  });
}
