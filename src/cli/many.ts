/**
 * `ftpcap summary a.pcap b.pcap …`: several captures at once. The files of one ring buffer are
 * joined into one capture (capture/ring-files.ts says how they are recognised); the captures are
 * then analysed in parallel, one worker thread each (as many at a time as there are cores; small
 * ones, together under the size a reading thread pays for, here one after another), and
 * their summaries printed in the order given: tables one after another, or with --json one JSON
 * array of the documents (a single document when the files were one ring buffer). A capture that cannot be read gets its one-line error on stderr and
 * the others are still analysed; the exit code is then 2.
 */
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { heapPerThread } from './memory.js';
import { THREAD_MIN_BYTES, totalSize } from '../capture/reader-thread.js';
import { CaptureError } from '../capture/types.js';
import { planCaptureInputs, type CaptureInputGroup } from '../capture/ring-files.js';
import { escapeText } from '../render/escape.js';
import type { RenderStyle } from '../render/style.js';
import { Progress } from './progress.js';
import type { CliIo } from './io.js';

export const EXIT_OK = 0;
export const EXIT_UNREADABLE = 2;

/** What a worker is asked to do. */
export interface SummaryJob {
  paths: string[];
  /** The capture's name in the output, and the prefix of its error messages. */
  fileName: string;
  label: string;
  json: boolean;
  showPasswords: boolean;
  style: RenderStyle;
  /** --tls-keylog files' text (NSS key log lines), parsed again in the worker. */
  tlsKeyLog?: string;
  /**
   * The thread's share of the ceiling (bytes), which its budgets are sized from. V8's heap flags
   * (bin/ftpcap's first line) override a worker's resourceLimits, so the worker's own heap limit
   * is the process's and cannot be what keeps the threads together under the ceiling.
   */
  memoryCeiling?: number;
}

export type SummaryMessage =
  | { t: 'progress'; bytes: number }
  | { t: 'done'; text: string; warnings: number }
  | { t: 'failed'; message: string; code: number };

/** The one-line message and exit code for a capture that could not be analysed. */
export function describeFailure(label: string, err: unknown): { message: string; code: number } {
  if (err instanceof CaptureError) {
    const where = [err.frame !== undefined ? `frame ${err.frame}` : null, err.offset !== undefined ? `offset ${err.offset}` : null]
      .filter(Boolean)
      .join(', ');
    return { message: `${label}: ${where ? `${where}: ` : ''}${err.message}`, code: EXIT_UNREADABLE };
  }
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string') return { message: `${label}: cannot read (${code})`, code: EXIT_UNREADABLE };
  return { message: `internal error: ${err instanceof Error ? err.message : String(err)}`, code: EXIT_UNREADABLE };
}

/** How one group is named: the file, or "first … last (N ring-buffer files)". */
export function groupName(paths: string[], names: ReadonlyMap<string, string> = new Map()): string {
  const name = (p: string): string => names.get(p) ?? p;
  if (paths.length === 1) return name(paths[0]);
  return `${name(paths[0])} … ${basename(name(paths[paths.length - 1]))} (${paths.length} ring-buffer files)`;
}

const MIB = 1024 * 1024;
const WORKER_URL = new URL('./summary-worker.js', import.meta.url);

function workersAvailable(): boolean {
  return WORKER_URL.protocol === 'file:' && existsSync(fileURLToPath(WORKER_URL));
}

/** The same checks (and words) as for a single capture: a missing file, a directory. */
function checkReadable(paths: string[], names: ReadonlyMap<string, string>): SummaryMessage | null {
  for (const path of paths) {
    const p = names.get(path) ?? path;
    if (p === '-') continue;
    try {
      if (statSync(path).isDirectory()) return { t: 'failed', message: `${p}: is a directory, not a capture file`, code: EXIT_UNREADABLE };
    } catch (err) {
      return { t: 'failed', message: `${p}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, code: EXIT_UNREADABLE };
    }
  }
  return null;
}

export interface ManyOptions {
  json: boolean;
  showPasswords: boolean;
  style: RenderStyle;
  /** How to show a path that stands in for another (a spooled pipe, /proc/self/fd/N): by the path. */
  names?: ReadonlyMap<string, string>;
  /** The in-process analysis and rendering, used when worker threads cannot be (from sources). */
  inProcess(job: SummaryJob): Promise<SummaryMessage>;
  tlsKeyLog?: string;
}

function runWorker(job: SummaryJob, heapMib: number, onProgress: (bytes: number) => void): Promise<SummaryMessage> {
  return new Promise((resolve) => {
    // Each analysis thread gets its part of the ceiling; its budgets are sized from it.
    const worker = new Worker(WORKER_URL, { workerData: { ...job, memoryCeiling: heapMib * MIB }, resourceLimits: { maxOldGenerationSizeMb: heapMib } });
    let result: SummaryMessage | null = null;
    worker.on('message', (m: SummaryMessage) => {
      if (m.t === 'progress') onProgress(m.bytes);
      else result = m;
    });
    worker.on('error', (err) => {
      result ??= { t: 'failed', ...describeFailure(job.label, err) };
    });
    worker.on('exit', () => resolve(result ?? { t: 'failed', message: `${job.label}: analysis thread stopped`, code: EXIT_UNREADABLE }));
  });
}

/** Analyse `captures` (more than one path) and print their summaries. Returns the exit code. */
export async function summaryOfMany(captures: string[], io: CliIo, opts: ManyOptions): Promise<number> {
  const names = opts.names ?? new Map<string, string>();
  const groups: CaptureInputGroup[] = await planCaptureInputs(captures);
  for (const g of groups) if (g.note) io.stderr.write(`ftpcap: note: ${escapeText(g.note)}\n`);
  const jobs: SummaryJob[] = groups.map((g) => ({
    paths: g.paths,
    fileName: groupName(g.paths, names),
    label: groupName(g.paths, names),
    json: opts.json,
    showPasswords: opts.showPasswords,
    style: opts.style,
    ...(opts.tlsKeyLog !== undefined ? { tlsKeyLog: opts.tlsKeyLog } : {}),
  }));

  const total = jobs.reduce((n, j) => n + totalSize(j.paths), 0);
  const progress = new Progress(io.stderr, `${jobs.length} captures`, total > 0 ? total : null);
  const done = new Array<number>(jobs.length).fill(0);
  const update = (i: number, bytes: number): void => {
    done[i] = bytes;
    progress.update(done.reduce((a, b) => a + b, 0));
  };

  const results = new Array<SummaryMessage | undefined>(jobs.length);
  // Small captures are analysed here, one after another: starting a thread that loads the CLI again
  // (~0.15 s each) costs more than their analysis (summary of two fixtures: 0.55 → 0.2 s).
  const threads = workersAvailable() && total >= THREAD_MIN_BYTES;
  const parallel = threads ? Math.max(1, Math.min(jobs.length, availableParallelism())) : 1;
  const heapMib = heapPerThread(parallel + 1);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      const unreadable = checkReadable(jobs[i].paths, names);
      if (unreadable) results[i] = unreadable;
      else results[i] = threads ? await runWorker(jobs[i], heapMib, (b) => update(i, b)) : await opts.inProcess(jobs[i]);
      update(i, totalSize(jobs[i].paths));
    }
  };
  try {
    await Promise.all(Array.from({ length: parallel }, lane));
  } finally {
    progress.done();
  }

  let code = EXIT_OK;
  const docs: string[] = [];
  results.forEach((r, i) => {
    if (r === undefined || r.t !== 'done') {
      const failed = r?.t === 'failed' ? r : { message: `${jobs[i].label}: not analysed`, code: EXIT_UNREADABLE };
      io.stderr.write(`ftpcap: ${escapeText(failed.message)}\n`);
      code = Math.max(code, failed.code);
      return;
    }
    if (opts.json) docs.push(r.text.trimEnd());
    else io.stdout.write(`${i > 0 ? '\n' : ''}${r.text}`);
  });
  // One capture (a ring joined into one): its document alone; several: an array of them.
  if (opts.json && jobs.length === 1) io.stdout.write(docs.length ? `${docs[0]}\n` : '');
  else if (opts.json) io.stdout.write(`[\n${docs.join(',\n')}\n]\n`);
  return code;
}
