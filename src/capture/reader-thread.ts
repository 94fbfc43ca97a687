/**
 * The reading thread's worker (read-worker.ts) and its ring, started on demand or ahead of time.
 * A worker thread takes ~0.15 s to start (a new V8 isolate, Node's bootstrap, the readers'
 * modules): started when the analysis first asks for records, the analysis waits for it; started
 * by the CLI's entry point before the rest of the CLI is loaded (`prestartReader`), that start-up
 * runs beside the main thread's own. A thread started ahead and never taken is unreferenced, so
 * it does not keep the process alive; it reads nothing until it is told what to read.
 * Kept small (no capture readers imported here): the entry point loads it first.
 */
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { allocateRing, type ReaderData, type RingBuffers } from './record-ring.js';

// Named from the capture folder: the same file from here and from the CLI's bundle in dist/cli/.
const WORKER_URL = new URL('../capture/read-worker.js', import.meta.url);

/** Below this many bytes of capture files, no reading thread (see ReadFilesOptions.minBytes). */
export const THREAD_MIN_BYTES = 16 * 1024 * 1024;

export interface ReaderThread {
  worker: Worker;
  ring: RingBuffers;
}

let ahead: ReaderThread | null = null;

/** True when records can be read on a worker thread here (the compiled worker exists). */
export function parallelReadAvailable(): boolean {
  return WORKER_URL.protocol === 'file:' && existsSync(fileURLToPath(WORKER_URL));
}

/** Bytes on disk of capture files (a missing one counts 0: the reader reports it). */
export function totalSize(paths: string[]): number {
  let n = 0;
  for (const p of paths) {
    try {
      n += statSync(p).size;
    } catch {
      // the reader reports it
    }
  }
  return n;
}

function start(): ReaderThread {
  const ring = allocateRing();
  const data: ReaderData = { ring };
  // Loaded when a thread starts: Node's worker_threads module costs ~10 ms of every start-up.
  const { Worker: WorkerThread } = createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads');
  return { worker: new WorkerThread(WORKER_URL, { workerData: data }), ring };
}

/**
 * Start the reading thread now when a command line argument is a file large enough to be read on
 * it (only a guess at which arguments are captures: a wrong one costs a thread that idles).
 * Returns the thread started, or null.
 */
export function prestartReader(args: string[]): ReaderThread | null {
  if (ahead !== null || !args.some((a) => !a.startsWith('-') && totalSize([a]) >= THREAD_MIN_BYTES) || !parallelReadAvailable()) return null;
  const thread = start();
  thread.worker.unref();
  // A thread that fails before it is taken is forgotten: the next one is started on demand.
  const forget = (): void => {
    if (ahead === thread) ahead = null;
  };
  thread.worker.on('error', forget);
  thread.worker.on('exit', forget);
  ahead = thread;
  return thread;
}

/** The thread started ahead, or a new one; it reads once given a ReaderCommand. */
export function takeReader(): ReaderThread {
  const thread = ahead ?? start();
  ahead = null;
  thread.worker.ref();
  return thread;
}
