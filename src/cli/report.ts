/**
 * `ftpcap report CAPTURE [-o report.html]` and `ftpcap demo NAME --html`: the analysis, a second
 * read of the capture for the ladders and the chosen frames' header dumps, and the HTML page
 * (src/render/report/) written to a file or to standard output.
 */
import { createReadStream, writeFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import type { Analysis } from '../analysis/model.js';
import { heapCeiling, limitsFor } from '../analysis/memory-budget.js';
import { TlsRecordCollector } from '../analysis/tls-records.js';
import { twoPassInput, writeWarnings, type TeachDeps } from './io.js';

const EXIT_USAGE = 1;
const EXIT_UNREADABLE = 2;
/**
 * Frames whose TLS records (headers, decrypted text) the report keeps for its dumps: those of the
 * control and data connections, the first ones of a capture (the dumps it embeds are bounded too).
 */
const MAX_TLS_FRAMES = 20_000;

/** Gathers, while the capture is analysed, the TLS records the report's FTPS dumps show. */
function reportTlsRecords(): TlsRecordCollector {
  const tls: TlsRecordCollector = new TlsRecordCollector((_frame, role) => role !== 'other' && tls.byFrame.size < MAX_TLS_FRAMES, limitsFor(heapCeiling()).maxTracePackets);
  return tls;
}

export interface ReportOptions {
  output?: string;
  showPasswords?: boolean;
}

/** The page for an analysed capture; `reopen` reads the capture again. */
export async function buildReport(
  a: Analysis,
  reopen: () => Readable | NodeJS.ReadableStream,
  meta: { command: string; showPasswords?: boolean; heading?: string; intro?: string; tls: TlsRecordCollector },
): Promise<string> {
  // Imported here, not when ftpcap starts: most runs are a summary (issue 15: start-up).
  const [{ buildLadder }, { traceConnections, tracePackets }, { DumpCollector }, { renderReport, sessionsToDraw }] = await Promise.all([
    import('../analysis/ladder.js'),
    import('../analysis/packet-trace.js'),
    import('../render/report/frames.js'),
    import('../render/report/report.js'),
  ]);
  const draw = sessionsToDraw(a);
  const collector = new DumpCollector(a, { showPasswords: meta.showPasswords ?? false, tlsRecords: meta.tls.byFrame, tlsRecordsCutFrom: meta.tls.cutFrom });
  const trace = await tracePackets(reopen(), traceConnections(a, { sessions: draw }), {
    fileName: a.capture.file,
    limits: a.limits,
    keep: collector.keep,
    onKept: collector.onKept,
  });
  const ladders = a.sessions.filter((s) => draw.has(s.id)).map((s) => buildLadder(s, trace));
  return renderReport({ analysis: a, ladders, dumps: collector.finish(), command: meta.command, heading: meta.heading, intro: meta.intro });
}

/** Write the page to `-o FILE`, or to standard output when that is not a terminal. */
export function writeReport(deps: TeachDeps, html: string, output: string | undefined): void {
  if (output === undefined || output === '-') {
    if (output === undefined && deps.io.stdout.isTTY === true) {
      throw deps.fail('the report is an HTML page: give -o FILE (e.g. -o report.html) or redirect the output', EXIT_USAGE);
    }
    deps.io.stdout.write(html);
    return;
  }
  try {
    writeFileSync(output, html);
  } catch (err) {
    throw deps.fail(`${output}: cannot write (${(err as NodeJS.ErrnoException).code ?? 'error'})`, EXIT_UNREADABLE);
  }
  deps.io.stderr.write(`ftpcap: wrote ${output} (${Buffer.byteLength(html)} bytes)\n`);
}

export async function runReport(deps: TeachDeps, capture: string, opts: ReportOptions): Promise<void> {
  const { path, shown, dispose } = await twoPassInput(deps, capture);
  try {
    const tls = reportTlsRecords();
    const a = await deps.analyze(path, { showPasswords: opts.showPasswords, onTlsRecord: tls.onRecord }, shown);
    let html: string;
    try {
      html = await buildReport(a, () => createReadStream(path, { highWaterMark: 1 << 20 }), {
        command: `ftpcap report ${capture}`,
        showPasswords: opts.showPasswords,
        tls,
      });
    } catch (err) {
      throw deps.fail(`${capture}: ${err instanceof Error ? err.message : String(err)}`, EXIT_UNREADABLE);
    }
    writeReport(deps, html, opts.output);
    await writeWarnings(deps.io, a);
  } finally {
    dispose();
  }
}

/** `demo NAME --html`: the bundled capture's page, with the demo's introduction. */
export async function runDemoReport(
  deps: TeachDeps,
  demo: { name: string; path: string; shown: string; intro: string },
  opts: ReportOptions,
): Promise<void> {
  const tls = reportTlsRecords();
  const a = await deps.analyze(demo.path, { onTlsRecord: tls.onRecord });
  a.capture.file = demo.shown;
  const html = await buildReport(a, () => createReadStream(demo.path), {
    command: `ftpcap demo ${demo.name} --html`,
    heading: `ftpcap demo ${demo.name}: ${demo.shown}`,
    intro: demo.intro,
    tls,
  });
  writeReport(deps, html, opts.output);
}

/** Register `report` on the program. */
export function addReportCommand(program: Command, deps: TeachDeps): void {
  program
    .command('report')
    .description('one self-contained HTML page: overview, ladders, packet dumps, diagnoses, step-by-step story')
    .argument('<capture>', 'capture file (pcap, pcapng, optionally gzip-compressed), or - for standard input')
    .option('-o, --output <file>', 'write the page to this file (default: standard output, when it is not a terminal)')
    .option('--show-passwords', 'show PASS arguments instead of ****')
    .action(async (file: string, opts: ReportOptions) => runReport(deps, file, opts));
}
