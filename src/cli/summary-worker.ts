/**
 * One capture's summary on a worker thread, for `ftpcap summary a.pcap b.pcap …` (see many.ts):
 * analyse (reading in this thread: the parallelism is across files), render, and hand the text
 * back. Progress goes to the main thread, which owns the terminal.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { analyzeFiles } from '../analysis/pipeline.js';
import { renderJson } from '../render/json.js';
import { renderSummary } from '../render/tables.js';
import { describeFailure, type SummaryJob, type SummaryMessage } from './many.js';
import { TlsKeyLog } from '../tls/keylog.js';

const job = workerData as SummaryJob;
const post = (m: SummaryMessage): void => parentPort!.postMessage(m);

const PROGRESS_MS = 200;
let lastProgress = 0;

analyzeFiles(job.paths, {
  fileName: job.fileName,
  showPasswords: job.showPasswords,
  thread: false,
  memoryCeiling: job.memoryCeiling,
  tlsKeyLog: job.tlsKeyLog !== undefined ? keyLogOf(job.tlsKeyLog) : undefined,
  onProgress: (bytes) => {
    const now = Date.now();
    if (now - lastProgress < PROGRESS_MS) return;
    lastProgress = now;
    post({ t: 'progress', bytes });
  },
}).then(
  (a) => post({ t: 'done', text: job.json ? renderJson(a, 'summary') : `${renderSummary(a, job.style)}\n`, warnings: a.capture.warnings.length }),
  (err: unknown) => {
    const f = describeFailure(job.label, err);
    post({ t: 'failed', message: f.message, code: f.code });
  },
);

function keyLogOf(text: string): TlsKeyLog {
  const k = new TlsKeyLog();
  k.addText(text);
  return k;
}
