/**
 * The reading thread: runs the ordinary capture readers (pcap-parser for classic pcap, the pcapng
 * reader, gunzip) over the file(s) and passes every record to the analysing thread through the
 * shared ring (record-ring.ts). An uncompressed file is read straight into the ring's data slots,
 * so the readers' records are views of shared memory and travel without a copy; records from
 * elsewhere (gunzip's output, one straddling two reads) are copied in. Events (header, interfaces,
 * warnings) ride in the batches at their place between records.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { openCaptureFile } from './open-capture.js';
import { readCaptureFiles } from './read-files.js';
import {
  BATCH_RECORDS,
  BATCHES,
  DATA_SLOTS,
  FIELD,
  FIELDS,
  FIRST_BATCH_RECORDS,
  READ_BYTES,
  SLOT_BYTES,
  type ReaderCommand,
  type ReaderData,
  type ReaderEvent,
  type ReaderMessage,
} from './record-ring.js';
import { CaptureError, type CaptureRecord, type CaptureSink } from './types.js';
import { recordWordSum, registerChecksumMemory } from './word-sum.js';

const port = parentPort!;
const { ring } = workerData as ReaderData;
const ringBytes = new Uint8Array(ring.data);
const fields = new Float64Array(ring.fields);
const holders = new Int32Array(ring.slots);
const batchState = new Int32Array(ring.batches);
// Records are summed where they lie in the ring (CaptureRecord.wordSum), without a copy.
if (ring.memory !== null) registerChecksumMemory(ring.memory);

/** The data slot being filled (-1: none), bytes used in it, and whether a file read filled it. */
let slot = -1;
let nextSlot = 0;
let used = 0;
let slotHoldsRead = false;
/** The batch being filled (-1: none), its records, copied-out records and events. */
let batch = -1;
let nextBatch = 0;
let count = 0;
/**
 * Records a batch takes before it goes: a few at first, doubling up to BATCH_RECORDS, so that the
 * analysis starts on the first packets instead of waiting for the whole first read to be parsed.
 */
let batchLimit = FIRST_BATCH_RECORDS;
let inline: Uint8Array[] = [];
let events: Array<{ at: number; e: ReaderEvent }> = [];

const post = (m: ReaderMessage): void => port.postMessage(m);

/**
 * Whether taking the current slot waited long for the analysing thread. This thread is then the
 * faster one, and it sums the slot's records for the checksums (CaptureRecord.wordSum) while their
 * bytes are in its cache; otherwise (pcap-parser reads more slowly than the pcapng reader, and on
 * big.pcap this thread is nearly the slower side) the analysis sums them itself, as without it.
 */
let ahead = false;
/** A wait this long (ms) is slack enough: summing a slot's 3.75 MB takes about 0.3-0.6 ms. */
const AHEAD_WAIT_MS = 1;

/** Take the next data slot once nobody holds it (the reader's own hold: 1). */
function takeSlot(): void {
  releaseSlot();
  const s = nextSlot;
  nextSlot = (nextSlot + 1) % DATA_SLOTS;
  let waitedSince = -1;
  for (;;) {
    const holding = Atomics.load(holders, s);
    if (holding === 0) break;
    if (waitedSince < 0) waitedSince = performance.now();
    Atomics.wait(holders, s, holding);
  }
  ahead = waitedSince >= 0 && performance.now() - waitedSince >= AHEAD_WAIT_MS;
  Atomics.store(holders, s, 1);
  slot = s;
  used = 0;
  slotHoldsRead = false;
}

/** Done with the current data slot: post the batch on it, then drop the reader's hold. */
function releaseSlot(): void {
  postBatch();
  if (slot < 0) return;
  Atomics.sub(holders, slot, 1);
  slot = -1;
}

function openBatch(): void {
  const b = nextBatch;
  nextBatch = (nextBatch + 1) % BATCHES;
  while (Atomics.load(batchState, b) !== 0) Atomics.wait(batchState, b, 1);
  Atomics.store(batchState, b, 1);
  batch = b;
  count = 0;
  inline = [];
  events = [];
}

/** Hand the current batch over; it holds its data slot until the analyser is through with it. */
function postBatch(): void {
  if (batch < 0) return;
  if (count === 0 && events.length === 0) {
    Atomics.store(batchState, batch, 0);
  } else {
    if (slot >= 0) Atomics.add(holders, slot, 1);
    post({ t: 'batch', batch, slot, count, inline, events });
  }
  batch = -1;
}

function event(e: ReaderEvent): void {
  if (batch >= 0) events.push({ at: count, e });
  else post({ t: 'event', e });
}

/** A record that travels in the batch's message instead of the ring (rare: huge, or no room). */
function carry(data: Uint8Array): number {
  inline.push(data.slice());
  return -inline.length;
}

/** Where a record's bytes go in the ring (copied when they are not there already), or -1 - k. */
function place(data: Uint8Array): number {
  const n = data.length;
  const base = slot * SLOT_BYTES;
  if (slot >= 0 && data.buffer === ring.data && data.byteOffset >= base && data.byteOffset + n <= base + used) {
    return data.byteOffset;
  }
  if (n > SLOT_BYTES) return carry(data);
  if (slot < 0 || used + n > SLOT_BYTES) {
    // A slot holding a file read stays current until the reader asks for the next read.
    if (slotHoldsRead) return carry(data);
    takeSlot();
    openBatch();
  }
  const at = slot * SLOT_BYTES + used;
  ringBytes.set(data, at);
  used += n;
  return at;
}

const sink: CaptureSink = {
  onHeader: (header) => event({ t: 'header', header }),
  onInterface: (iface) => event({ t: 'interface', iface }),
  onWarning: (warning) => event({ t: 'warning', warning }),
  onSecrets: (type, data) => event({ t: 'secrets', type, data }),
  onRecord: (r: CaptureRecord) => {
    if (batch < 0) openBatch();
    const at = place(r.data);
    if (batch < 0) openBatch();
    const d = (batch * BATCH_RECORDS + count) * FIELDS;
    fields[d + FIELD.frame] = r.frame;
    fields[d + FIELD.offset] = r.offset;
    fields[d + FIELD.tsSec] = r.tsSec;
    fields[d + FIELD.tsNsec] = r.tsNsec;
    fields[d + FIELD.time] = r.time;
    fields[d + FIELD.linkType] = r.linkType;
    fields[d + FIELD.interfaceId] = r.interfaceId;
    fields[d + FIELD.capturedLength] = r.capturedLength;
    fields[d + FIELD.originalLength] = r.originalLength;
    fields[d + FIELD.data] = at;
    fields[d + FIELD.dataLength] = r.data.length;
    fields[d + FIELD.wordSum] = ahead ? recordWordSum(r.data) : -1;
    if (++count === batchLimit) {
      batchLimit = Math.min(2 * batchLimit, BATCH_RECORDS);
      postBatch();
    }
  },
};

/**
 * An uncompressed file read straight into data slots. Each read takes a fresh slot; asking for
 * the next read means every record of the previous one has been emitted (the readers parse a
 * chunk synchronously), so its batch can go.
 */
async function* readIntoRing(path: string): AsyncGenerator<Buffer> {
  const fd = openSync(path, 'r');
  try {
    for (;;) {
      takeSlot();
      const base = slot * SLOT_BYTES;
      const n = readSync(fd, ringBytes, base, READ_BYTES, null);
      if (n === 0) return;
      used = n;
      slotHoldsRead = true;
      yield Buffer.from(ring.data, base, n);
    }
  } finally {
    slotHoldsRead = false;
    closeSync(fd);
  }
}

/**
 * Read into the ring when the file opens, reads and is not gzip-compressed; otherwise through the
 * usual stream: gunzip's output is copied into the ring, and open/read errors are reported by the
 * readers exactly as without the thread.
 */
function readsDirectly(path: string): boolean {
  let fd = -1;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(2);
    const n = readSync(fd, head, 0, 2, 0);
    return n > 0 && !(n === 2 && head[0] === 0x1f && head[1] === 0x8b);
  } catch {
    return false;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

function open(path: string): AsyncIterable<Uint8Array> | ReturnType<typeof openCaptureFile> {
  return readsDirectly(path) ? readIntoRing(path) : openCaptureFile(path);
}

// Started, perhaps ahead of need (reader-thread.ts): read once told what.
port.once('message', (command: ReaderCommand) => void read(command.paths));

function read(paths: string[]): Promise<void> {
  return readCaptureFiles(paths, sink, open).then(
    (result) => {
      releaseSlot();
      post({ t: 'end', result });
    },
    (err: unknown) => {
      releaseSlot();
      if (err instanceof CaptureError) {
        post({ t: 'error', message: err.message, offset: err.offset, frame: err.frame, capture: true });
      } else {
        post({ t: 'error', message: err instanceof Error ? err.message : String(err), capture: false });
      }
    },
  );
}
