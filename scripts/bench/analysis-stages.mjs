#!/usr/bin/env node
// The analysis thread's own work, without the reading thread, in CPU time: every record of a capture
// is read into memory first (with its word sum, as the reading thread gives it when it is ahead),
// then handed on, repeatedly, through a 16 MiB ring filled as the reading thread fills its own (so
// the bytes are in cache as in a real run), to four stages: the replay alone, decodeFrame, decode +
// the TCP engine (a listener that only counts), and the whole analysis (analyzeRecords). The
// replay's cost is taken off each stage within its run. On a machine shared with other work, the
// process's CPU time (this thread and V8's compiler threads) varies far less than a whole run's wall
// time; compare two builds by running this script from each (--dist), alternately, a few times.
//
//   node --max-old-space-size=1024 --max-semi-space-size=64 scripts/bench/analysis-stages.mjs FILE [--reps N] [--no-sums] [--dist DIR]
//
// Prints one JSON line: per stage, the CPU ms of each repetition (the first includes V8's warm-up).
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const file = args[0];
if (!file || file.startsWith('--')) throw new Error('usage: analysis-stages.mjs FILE [--reps N] [--no-sums] [--dist DIR]');
const reps = Number(opt('--reps', 5));
const sums = !args.includes('--no-sums');
const dist = resolve(opt('--dist', join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist')));
const load = (m) => import(pathToFileURL(join(dist, m)).href);

const { readCaptureFiles } = await load('capture/read-files.js');
const { analyzeRecords } = await load('analysis/pipeline.js');
const { decodeFrame, newFrameScratch } = await load('decode/frame.js');
const { Ipv4Defragmenter } = await load('decode/ipv4-defrag.js');
const { TcpReassembler } = await load('tcp/reassembler.js');
const { recordWordSum, registerChecksumMemory } = await load('capture/word-sum.js');
const { ringInt } = await load('capture/record-ring.js');

// Every record in one buffer, its fields in a Float64Array (as the ring carries them).
const FIELDS = 11;
const chunks = [];
let fields = new Float64Array(FIELDS * 65536);
let count = 0;
let used = 0;
let header = null;
const result = await readCaptureFiles([file], {
  onHeader: (h) => {
    header = h;
  },
  onRecord: (r) => {
    if ((count + 1) * FIELDS > fields.length) {
      const more = new Float64Array(fields.length * 2);
      more.set(fields);
      fields = more;
    }
    const copy = Uint8Array.from(r.data);
    chunks.push(copy);
    const d = count++ * FIELDS;
    fields.set([r.frame, r.offset, r.tsSec, r.tsNsec, r.time, r.linkType, used, copy.length, r.interfaceId, r.capturedLength, r.originalLength], d);
    used += copy.length;
  },
  onWarning: () => undefined,
});
const all = new Uint8Array(used);
{
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  chunks.length = 0;
}
const wordSums = new Float64Array(count);
for (let i = 0; i < count; i++) {
  const d = i * FIELDS;
  wordSums[i] = sums ? recordWordSum(all.subarray(fields[d + 6], fields[d + 6] + fields[d + 7])) : -1;
}

// The ring: a shared WebAssembly memory the checksum reads in place, as the capture ring.
const SLOTS = 4;
const SLOT_BYTES = 4 << 20;
const READ_BYTES = SLOT_BYTES - (256 << 10);
const memory = new WebAssembly.Memory({ initial: (SLOTS * SLOT_BYTES) >> 16, maximum: (SLOTS * SLOT_BYTES) >> 16, shared: true });
registerChecksumMemory(memory);
const ring = new Uint8Array(memory.buffer);
const ringBuffer = memory.buffer;
const record = { frame: 0, offset: 0, tsSec: 0, tsNsec: 0, time: 0.5, linkType: 0, interfaceId: 0, capturedLength: 0, originalLength: 0, data: new Uint8Array(0), wordSum: -1 };

function replay(onRecord) {
  let slot = -1;
  let slotStart = 0;
  for (let i = 0; i < count; i++) {
    const d = i * FIELDS;
    const at = fields[d + 6];
    const length = fields[d + 7];
    if (slot < 0 || at + length - slotStart > READ_BYTES) {
      slot = (slot + 1) % SLOTS;
      slotStart = at;
      ring.set(all.subarray(at, Math.min(used, at + READ_BYTES)), slot * SLOT_BYTES);
    }
    // Whole numbers as the ring's reader gives them (ringInt, read-parallel.ts).
    record.frame = ringInt(fields[d]);
    record.offset = fields[d + 1];
    record.tsSec = fields[d + 2];
    record.tsNsec = ringInt(fields[d + 3]);
    record.time = fields[d + 4];
    record.linkType = ringInt(fields[d + 5]);
    record.interfaceId = ringInt(fields[d + 8]);
    record.capturedLength = ringInt(fields[d + 9]);
    record.originalLength = ringInt(fields[d + 10]);
    record.data = new Uint8Array(ringBuffer, slot * SLOT_BYTES + (at - slotStart), length);
    record.wordSum = wordSums[i];
    onRecord(record);
  }
}

const stages = {
  replay: () => {
    let n = 0;
    replay((r) => void (n += r.data.length));
  },
  decode: () => {
    const scratch = newFrameScratch();
    const defrag = new Ipv4Defragmenter({});
    let n = 0;
    replay((r) => {
      const f = decodeFrame(r, defrag, scratch);
      if (f.tcp) n += f.payload.length;
    });
  },
  engine: () => {
    const scratch = newFrameScratch();
    const defrag = new Ipv4Defragmenter({});
    const counts = { onOpen() {}, onData: () => 'count-only', onEvent() {}, onClose() {} };
    const engine = new TcpReassembler(counts, {});
    replay((r) => {
      const f = decodeFrame(r, defrag, scratch);
      if (f.tcp || f.icmp) engine.push(f);
    });
    engine.finish();
  },
  analysis: () =>
    analyzeRecords(async (sink) => {
      sink.onHeader?.(header);
      replay(sink.onRecord);
      return result;
    }, { fileName: file }),
};

const ms = {};
for (let k = 0; k < reps; k++) {
  let replayMs = 0;
  for (const [name, run] of Object.entries(stages)) {
    const c0 = process.cpuUsage();
    await run();
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / 1000;
    if (name === 'replay') replayMs = cpu;
    (ms[name] ??= []).push(Math.round(name === 'replay' ? cpu : cpu - replayMs));
  }
}
process.stdout.write(`${JSON.stringify({ packets: count, bytes: used, sums, cpuMs: ms })}\n`);
