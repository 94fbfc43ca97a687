/**
 * The teaching subcommands: `dump`, `timeline`, `explain` and `demo`. Each analyses the capture,
 * then reads it a second time for the packet-level facts (src/analysis/packet-trace.ts); standard
 * input and pipes are spooled to a private temporary file first so that they can be read twice. `demo` runs `explain` and
 * `timeline` on a capture bundled in fixtures/, found next to the installed package.
 */
import { createReadStream, existsSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Analysis, Session } from '../analysis/model.js';
import type { SessionLadder } from '../analysis/ladder.js';
import { heapCeiling, limitsFor } from '../analysis/memory-budget.js';
import { TlsRecordCollector } from '../analysis/tls-records.js';
import type { PacketTrace, TraceConnection, TraceOptions, TraceRole } from '../analysis/packet-trace.js';
import { wrap } from '../render/wrap.js';
import { renderTimeline, WIDE_WIDTH } from '../render/timeline.js';
import { twoPassInput, writeWarnings, type CliStream, type TeachDeps } from './io.js';
import { runDemoReport } from './report.js';

// The packet trace, ladders, dumps and the story are imported when a command here runs, not
// when ftpcap starts: most runs are a summary (issue 15: start-up).

const EXIT_USAGE = 1;
const EXIT_UNREADABLE = 2;
const DEFAULT_WIDTH = 80;

export interface TeachOptions {
  session?: number;
  frame?: FrameRange;
  data?: boolean;
  wide?: boolean;
  unicode?: boolean;
  showPasswords?: boolean;
}

export interface FrameRange {
  first: number;
  last: number;
}

/** "N" or "N-M" (1-based frame numbers, N ≤ M). */
export function parseFrameRange(value: string): FrameRange {
  const m = /^(\d+)(?:-(\d+))?$/.exec(value.trim());
  const first = m ? Number(m[1]) : NaN;
  const last = m?.[2] !== undefined ? Number(m[2]) : first;
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last) || first < 1 || last < first) {
    throw new InvalidArgumentError('expected a frame number N or a range N-M with 1 <= N <= M');
  }
  return { first, last };
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

/** The bundled teaching captures `demo` can show. */
export const DEMOS = {
  active: 'active-vsftpd-ftp.pcap',
  passive: 'passive-vsftpd-lftp.pcap',
  ipv6: 'ipv6-epsv-proftpd-lftp.pcapng',
  failed: 'fail-active-drop-vsftpd-ftp.pcap',
} as const;
export type DemoName = keyof typeof DEMOS;

const DEMO_INTROS: Record<DemoName, string> = {
  active:
    'Active mode: the tnftp client logs in to vsftpd, lists a directory, downloads hello.txt and uploads a ' +
    'file. For each of them it announces a port with PORT and the server connects to it from port 20.',
  passive:
    'Passive mode: the lftp client logs in to vsftpd, lists a directory, downloads hello.txt and uploads a ' +
    'file. For each of them it sends PASV, the server answers 227 with a port, and the client connects to it.',
  ipv6:
    'IPv6 and passive mode: the lftp client talks to proftpd over IPv6, lists a directory and downloads ' +
    'hello.txt. EPSV replaces PASV: the 229 reply carries only a port.',
  failed:
    'A failure: the tnftp client asks for hello.txt in active mode, but a firewall on the client drops the ' +
    "server's incoming connection: the server retries its SYN, gives up and answers 425.",
};

/** fixtures/ of the installed package: two levels above this module (src/cli or dist/cli). */
export function fixturesDir(): string {
  return fileURLToPath(new URL('../../fixtures/', import.meta.url));
}

interface Loaded {
  analysis: Analysis;
  /** Opens the capture again. */
  reopen(): Readable | NodeJS.ReadableStream;
  /** Removes the spooled copy, if one was made. */
  dispose(): void;
}

/**
 * Analyse the capture, ready to be read a second time: standard input, a named pipe, /dev/stdin or
 * process substitution can be read only once, so they are first spooled to a private temporary file.
 */
async function load(deps: TeachDeps, capture: string, opts: TeachOptions, tls?: TlsRecordCollector): Promise<Loaded> {
  const { path, shown, dispose } = await twoPassInput(deps, capture);
  try {
    const analysis = await deps.analyze(path, { showPasswords: opts.showPasswords, onTlsRecord: tls?.onRecord }, shown);
    if (opts.session !== undefined && !analysis.sessions.some((s) => s.id === opts.session)) {
      throw deps.fail(`no session ${opts.session} in ${capture} (it has ${analysis.sessions.length})`, EXIT_USAGE);
    }
    return { analysis, reopen: () => createReadStream(path, { highWaterMark: 1 << 20 }), dispose };
  } catch (err) {
    dispose();
    throw err;
  }
}

/** Run `body` on the loaded capture, removing any spooled copy afterwards. */
async function withLoaded<T>(deps: TeachDeps, capture: string, opts: TeachOptions, body: (loaded: Loaded) => Promise<T>, tls?: TlsRecordCollector): Promise<T> {
  const loaded = await load(deps, capture, opts, tls);
  try {
    return await body(loaded);
  } finally {
    loaded.dispose();
  }
}

/**
 * The capture read again a chunk at a time, waiting while standard output holds more than it takes
 * (a pipe into `less`, or any slow reader): what dump, timeline and explain print as they read is
 * then never queued in memory ahead of the reader (a dump of 200 MB of text piped into a reader
 * that waited aborted Node under a 96 MiB heap). A stream that closes or fails ends the wait.
 */
async function* paced(input: Readable | NodeJS.ReadableStream, out: CliStream): AsyncGenerator<Uint8Array> {
  for await (const chunk of input as AsyncIterable<Uint8Array>) {
    const wait = out.whenDrained?.() ?? null;
    if (wait !== null) await wait;
    yield chunk;
  }
}

async function trace(deps: TeachDeps, capture: string, loaded: Loaded, opts: TeachOptions, extra: Omit<Partial<TraceOptions>, 'fileName' | 'limits'> = {}): Promise<PacketTrace> {
  const a = loaded.analysis;
  const sessions = opts.session === undefined ? undefined : new Set([opts.session]);
  const roles = extra.roles;
  const { traceConnections, tracePackets } = await import('../analysis/packet-trace.js');
  try {
    return await tracePackets(paced(loaded.reopen(), deps.io.stdout), traceConnections(a, { sessions, roles }), {
      fileName: a.capture.file,
      limits: a.limits,
      ...extra,
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw deps.fail(`${capture}: ${message}`, EXIT_UNREADABLE);
  }
}

async function ladders(a: Analysis, t: PacketTrace, session?: number): Promise<SessionLadder[]> {
  const { buildLadder } = await import('../analysis/ladder.js');
  return a.sessions.filter((s) => session === undefined || s.id === session).map((s) => buildLadder(s, t));
}

/** Prints each box as its frame is read, so a dump of a large capture needs little memory. */
export async function runDump(deps: TeachDeps, capture: string, opts: TeachOptions): Promise<void> {
  // The analysis's TLS reading hands over the records of the frames to dump (their headers, decrypted text).
  const range = opts.frame;
  const tls = new TlsRecordCollector(
    (frame, role) => (range === undefined ? role === 'control' || opts.data === true : frame >= range.first && frame <= range.last),
    limitsFor(heapCeiling()).maxTracePackets,
  );
  return withLoaded(deps, capture, opts, (loaded) => dumpLoaded(deps, capture, loaded, opts, tls), tls);
}

async function dumpLoaded(deps: TeachDeps, capture: string, loaded: Loaded, opts: TeachOptions, tls: TlsRecordCollector): Promise<void> {
  const a = loaded.analysis;
  const range = opts.frame;
  const roles: Set<TraceRole> = range !== undefined || opts.data ? new Set(['control', 'data', 'other']) : new Set(['control']);
  const dumpOpts = { showPasswords: opts.showPasswords ?? false, unicode: opts.unicode, tlsRecords: tls.byFrame, tlsRecordsCutFrom: tls.cutFrom };
  const { NO_FRAMES, renderDumpFrame } = await import('../render/dump.js');
  let printed = 0;
  await trace(deps, capture, loaded, opts, {
    roles,
    keep: (frame, conn) => {
      if (range !== undefined) {
        if (frame < range.first || frame > range.last) return false;
        return opts.session === undefined || conn !== null;
      }
      return conn !== null;
    },
    onKept: (k) => {
      deps.io.stdout.write(`${renderDumpFrame(k, a, dumpOpts)}\n`);
      printed++;
    },
  });
  if (printed === 0) deps.io.stdout.write(`${NO_FRAMES}\n`);
  await writeWarnings(deps.io, a);
}

/**
 * Print one text per session, in session order, each as soon as the trace hands its packets over
 * (tracePackets' onSession): memory holds the sessions still open, not the whole capture.
 */
async function printSessions(deps: TeachDeps, capture: string, loaded: Loaded, opts: TeachOptions, render: (ls: SessionLadder[], shown: Session[]) => string): Promise<void> {
  const a = loaded.analysis;
  const shown = a.sessions.filter((s) => opts.session === undefined || s.id === opts.session);
  const texts = new Map<number, string>();
  let next = 0;
  const write = (): void => {
    for (; next < shown.length && texts.has(shown[next].id); next++) {
      deps.io.stdout.write(`${next > 0 ? '\n\n' : ''}${texts.get(shown[next].id)!}`);
      texts.delete(shown[next].id);
    }
  };
  const { buildLadder } = await import('../analysis/ladder.js');
  const ladderOf = (session: Session, connections: TraceConnection[]): SessionLadder =>
    buildLadder(session, { connections, kept: [], frames: 0, unshown: 0 });
  const byId = new Map(shown.map((s) => [s.id, s]));
  const t = await trace(deps, capture, loaded, opts, {
    onSession: (id, connections) => {
      const s = byId.get(id);
      if (s === undefined) return;
      texts.set(id, render([ladderOf(s, connections)], shown));
      write();
    },
  });
  // Every session's control connection is traced, so each was handed over; this is only a guard.
  for (let i = next; i < shown.length; i++) if (!texts.has(shown[i].id)) texts.set(shown[i].id, render([ladderOf(shown[i], [])], shown));
  write();
  deps.io.stdout.write(`${shown.length === 0 ? render([], shown) : ''}\n`);
  await writeWarnings(deps.io, a);
  if (t.unshown > 0) {
    deps.io.stderr.write(`${t.unshown} packet(s) came after their session's connections had closed and been printed (late ACKs, repeated FINs): not shown\n`);
  }
}

export async function runTimeline(deps: TeachDeps, capture: string, opts: TeachOptions): Promise<void> {
  const width = opts.wide ? WIDE_WIDTH : DEFAULT_WIDTH;
  return withLoaded(deps, capture, opts, (loaded) =>
    printSessions(deps, capture, loaded, opts, (ls) => renderTimeline(loaded.analysis, ls, { width, unicode: opts.unicode })),
  );
}

export async function runExplain(deps: TeachDeps, capture: string, opts: TeachOptions): Promise<void> {
  const { adviceFirstSeen, renderExplain } = await import('../render/explain.js');
  return withLoaded(deps, capture, opts, (loaded) => {
    // Which session gives each advice in full: decided once for all the sessions shown.
    let adviceFirst: Map<string, number> | undefined;
    return printSessions(deps, capture, loaded, opts, (ls, shown) => renderExplain(loaded.analysis, ls, (adviceFirst ??= adviceFirstSeen(shown))));
  });
}

/** A bundled teaching capture: where it is, the name it is shown under, its introduction. */
export function demoCapture(deps: TeachDeps, name: string): { name: string; path: string; shown: string; intro: string } {
  if (!(name in DEMOS)) throw deps.fail(`unknown demo '${name}' (choose one of: ${Object.keys(DEMOS).join(', ')})`, EXIT_USAGE);
  const file = DEMOS[name as DemoName];
  const path = join(fixturesDir(), file);
  if (!existsSync(path)) throw deps.fail(`the teaching capture ${file} is not installed (looked in ${fixturesDir()})`, EXIT_UNREADABLE);
  // Shown under its name in the repository, wherever the package is installed.
  return { name, path, shown: `fixtures/${file}`, intro: DEMO_INTROS[name as DemoName] };
}

export async function runDemo(deps: TeachDeps, name: string): Promise<string> {
  const { path, shown } = demoCapture(deps, name);
  const analysis = await deps.analyze(path, {});
  analysis.capture.file = shown;
  const [{ traceConnections, tracePackets }, { renderExplain }] = await Promise.all([import('../analysis/packet-trace.js'), import('../render/explain.js')]);
  const t = await tracePackets(createReadStream(path), traceConnections(analysis), { fileName: shown, limits: analysis.limits });
  const ls = await ladders(analysis, t);
  const rule = '='.repeat(78);
  return [
    `ftpcap demo ${name}: ${shown}`,
    '',
    wrap(DEMO_INTROS[name as DemoName], 78),
    '',
    'The same, one command at a time (dump shows every header of every packet):',
    `  ftpcap explain ${shown}`,
    `  ftpcap timeline ${shown}`,
    `  ftpcap dump ${shown}`,
    '',
    rule,
    'What happened, step by step (ftpcap explain)',
    rule,
    renderExplain(analysis, ls),
    '',
    rule,
    'The same as a ladder diagram (ftpcap timeline)',
    rule,
    renderTimeline(analysis, ls, { width: DEFAULT_WIDTH }),
  ].join('\n');
}

/** Accepted as on every other subcommand; these commands never colour their output anyway. */
const noColor = (): Option => new Option('--no-color', 'never colour the output (these commands do not)');

/** Register dump, timeline, explain and demo on the program. */
export function addTeachCommands(program: Command, deps: TeachDeps): void {
  const out = (s: string): void => {
    deps.io.stdout.write(`${s}\n`);
  };
  const capture = '<capture>';
  const captureHelp = 'capture file (pcap, pcapng, optionally gzip-compressed), or - for standard input';
  program
    .command('dump')
    .description('EtherPeek-style boxed dumps of every header field of the FTP packets')
    .argument(capture, captureHelp)
    .option('--frame <N[-M]>', 'only frames N to M (any frame, FTP or not, unless --session is given)', parseFrameRange)
    .option('-s, --session <n>', "only this session's packets", positiveInt)
    .option('--data', 'the data connections too (default: the control connections only)')
    .option('--unicode', 'draw the boxes with Unicode lines instead of ASCII')
    .option('--show-passwords', 'show PASS arguments instead of ****')
    .addOption(noColor())
    .action(async (file: string, opts: TeachOptions) => runDump(deps, file, opts));
  program
    .command('timeline')
    .description('a client-server ladder diagram of each session: handshakes, commands, replies, data connections')
    .argument(capture, captureHelp)
    .option('-s, --session <n>', 'only this session', positiveInt)
    .option('--wide', `use ${WIDE_WIDTH} columns instead of ${DEFAULT_WIDTH}`)
    .option('--unicode', 'draw the ladder with Unicode lines instead of ASCII')
    .option('--show-passwords', 'show PASS arguments instead of ****')
    .addOption(noColor())
    .action(async (file: string, opts: TeachOptions) => runTimeline(deps, file, opts));
  program
    .command('explain')
    .description('what happened, step by step, compared with the textbook description of active and passive mode')
    .argument(capture, captureHelp)
    .option('-s, --session <n>', 'only this session', positiveInt)
    .option('--show-passwords', 'show PASS arguments instead of ****')
    .addOption(noColor())
    .action(async (file: string, opts: TeachOptions) => runExplain(deps, file, opts));
  program
    .command('demo')
    .description(`explain and timeline of a bundled teaching capture: ${Object.keys(DEMOS).join(', ')}`)
    .argument('[name]', `which capture (${Object.keys(DEMOS).join(' | ')})`, 'active')
    .option('--html', 'the same as one HTML page (as ftpcap report writes)')
    .option('-o, --output <file>', 'with --html: write the page to this file (default: standard output, when it is not a terminal)')
    .action(async (name: string, opts: { html?: boolean; output?: string }) => {
      if (opts.html) await runDemoReport(deps, demoCapture(deps, name), opts);
      else out(await runDemo(deps, name));
    });
}
