/**
 * The command line: argument parsing (commander), opening inputs, exit codes, progress and colour.
 * The only module that touches the terminal, process streams or the file system for output.
 * Exit codes: 0 analysed (possibly with warnings), 1 usage error, 2 unreadable or not a capture.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { Analysis } from '../analysis/model.js';
import { CaptureError } from '../capture/types.js';
import type { JsonPart } from '../render/json.js';
import { escapeText } from '../render/escape.js';
import type { RenderStyle } from '../render/style.js';
import { Progress } from './progress.js';
import type { SummaryMessage } from './many.js';
import { addExtractCommand } from './extract.js';
import { addLogsCommand } from './logs.js';
import { addTeachCommands } from './teach.js';
import { EXIT_OK, EXIT_UNREADABLE, EXIT_USAGE, writeWarnings, type CliIo, type TeachDeps } from './io.js';
import { addReportCommand } from './report.js';
import { openStream, resolveInput, spool, undecodableName, type Input, type Spool } from './inputs.js';
import { closeCommands, orList } from './suggest.js';
import { addMaxMemoryOption } from './memory.js';
import { addTlsKeylogOption, keyLogsOf, prepareKeyLogs } from './tls-keylog.js';
import type { AnalyzeOptions } from '../analysis/pipeline.js';

export { EXIT_OK, EXIT_UNREADABLE, EXIT_USAGE, type CliIo, type CliStream } from './io.js';

interface CommonOptions {
  json?: boolean;
  jsonl?: boolean;
  session?: number;
  showPasswords?: boolean;
  color?: boolean;
  /** dump: sees each TLS record the analysis reads. */
  onTlsRecord?: AnalyzeOptions['onTlsRecord'];
}

/** Raised inside actions to stop with an exit code after a one-line message. */
class ExitError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

/**
 * The capture to read: standard input or a pipe-like file as a stream, a regular file by name with
 * its size (read by the pipeline, on a reading thread when large). Errors name the file.
 */
function openInput(path: string, io: CliIo): { input: Input; stream: Readable | NodeJS.ReadableStream | null; size: number | null } {
  const undecodable = undecodableName(path, io.rawArgs ?? new Map());
  if (undecodable !== null) throw new ExitError(undecodable, EXIT_UNREADABLE);
  const input = resolveInput(path, io.rawArgs);
  if (input.kind === 'stdin' || input.kind === 'stream') return { input, stream: openStream(input, io.stdin), size: null };
  let size: number;
  try {
    const st = statSync(input.path);
    if (st.isDirectory()) throw new ExitError(`${input.label}: is a directory, not a capture file`, EXIT_UNREADABLE);
    size = st.size;
  } catch (err) {
    if (err instanceof ExitError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ExitError(`${input.label}: cannot read (${code})`, EXIT_UNREADABLE);
  }
  return { input, stream: null, size };
}

/**
 * Analyse one capture. `shown` names it in the output and errors when `path` is a stand-in (a
 * spooled copy of standard input or of a pipe).
 */
async function analyze(
  path: string,
  opts: CommonOptions,
  io: CliIo,
  reading: Pick<AnalyzeOptions, 'onTransferData' | 'connectionData'> = {},
  shown?: string,
): Promise<Analysis> {
  const { input, stream, size } = openInput(path, io);
  const label = shown ?? input.label;
  const progress = new Progress(io.stderr, label, size);
  try {
    const options = {
      fileName: label === '-' ? '(stdin)' : label,
      showPasswords: opts.showPasswords ?? false,
      onProgress: (n: number) => progress.update(n),
      onTransferData: reading.onTransferData,
      connectionData: reading.connectionData,
      tlsKeyLog: keyLogsOf(io)?.keyLog,
      onTlsRecord: opts.onTlsRecord,
    };
    const { analyzeFiles, analyzeStream } = await import('../analysis/pipeline.js');
    // A file is read on a worker thread beside the analysis (pipeline.ts: analyzeFiles).
    return await (stream === null ? (io.analyzeFiles ?? analyzeFiles)([input.path], options) : analyzeStream(stream, options));
  } catch (err) {
    if (err instanceof CaptureError) {
      const where = [err.frame !== undefined ? `frame ${err.frame}` : null, err.offset !== undefined ? `offset ${err.offset}` : null]
        .filter(Boolean)
        .join(', ');
      throw new ExitError(`${label}: ${where ? `${where}: ` : ''}${err.message}`, EXIT_UNREADABLE);
    }
    if ((err as NodeJS.ErrnoException)?.code) {
      throw new ExitError(`${label}: cannot read (${(err as NodeJS.ErrnoException).code})`, EXIT_UNREADABLE);
    }
    throw err;
  } finally {
    progress.done();
    if (stream !== null && 'destroy' in stream && typeof stream.destroy === 'function' && stream !== io.stdin) stream.destroy();
  }
}

/** One capture (or ring) of `summary a b …` analysed in this thread (when workers are not available). */
async function summaryInProcess(paths: string[], fileName: string, opts: CommonOptions, io: CliIo): Promise<SummaryMessage> {
  const [{ analyzeFiles }, { renderJson }, { renderSummary }, { describeFailure }] = await Promise.all([
    import('../analysis/pipeline.js'),
    import('../render/json.js'),
    import('../render/tables.js'),
    import('./many.js'),
  ]);
  try {
    const a = await analyzeFiles(paths, { fileName, showPasswords: opts.showPasswords ?? false, tlsKeyLog: keyLogsOf(io)?.keyLog });
    return { t: 'done', text: opts.json ? renderJson(a, 'summary') : `${renderSummary(a, styleFor(io, opts))}\n`, warnings: a.capture.warnings.length };
  } catch (err) {
    return { t: 'failed', ...describeFailure(fileName, err) };
  }
}

/** Standard input or a pipe, copied to a private temporary file; its errors name the input. */
async function spoolInput(input: Input, io: CliIo): Promise<Spool> {
  try {
    return await spool(openStream(input, io.stdin));
  } catch (err) {
    throw new ExitError(`${input.label}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, EXIT_UNREADABLE);
  }
}

function styleFor(io: CliIo, opts: CommonOptions): RenderStyle {
  const color = opts.color !== false && io.stdout.isTTY === true && io.env.NO_COLOR === undefined;
  return { color, width: io.stdout.columns ?? 80 };
}

/** Escape each line of a message, keeping its line ends. */
function escapeLines(s: string): string {
  return s
    .split('\n')
    .map((line) => escapeText(line))
    .join('\n');
}

/**
 * `ftpcap sumary x.pcap` would be read as two captures for the default summary. A first word that
 * names no file but is close to a subcommand's name is a usage error with a suggestion instead.
 */
function refuseMistypedCommand(argv: string[], program: Command): void {
  const word = argv.find((a) => !a.startsWith('-'));
  if (word === undefined || existsSync(word)) return;
  const names = program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
  names.push('help');
  const close = closeCommands(word, names);
  if (close.length === 0) return;
  throw new ExitError(`unknown command '${word}' (and no such file): did you mean ${orList(close)}?`, EXIT_USAGE);
}

/** The version in package.json (two levels above this module: src/cli or dist/cli). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

type Renderer = (a: Analysis, style: RenderStyle, session?: number) => string;

/**
 * The table renderer of each part. Imported when a command runs, like the analysis: `--help`
 * and `--version` load neither (issue 15: start-up).
 */
async function textRenderer(part: JsonPart): Promise<Renderer> {
  if (part === 'diagnose') return (await import('../render/diagnose.js')).renderDiagnose;
  const { captureHeading, renderCommands, renderSessions, renderSummary, renderTransfers } = await import('../render/tables.js');
  const renderers: Record<Exclude<JsonPart, 'diagnose'>, Renderer> = {
    summary: (a, style) => renderSummary(a, style),
    sessions: (a, style) => [captureHeading(a), '', renderSessions(a, style)].join('\n'),
    commands: (a, style, session) => renderCommands(a, style, session),
    transfers: (a, style, session) => renderTransfers(a, style, session),
  };
  return renderers[part];
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  let exitCode = EXIT_OK;
  const program = new Command();
  program
    .name('ftpcap')
    .description('Analyse FTP sessions in a packet capture (pcap, pcapng, gzip, or - for stdin)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // Commander's messages quote the command line (an unknown option, a bad value): escaped like all else.
      outputError: (s, write) => write(escapeLines(s)),
    })
    .showHelpAfterError('(run ftpcap --help for usage)')
    .version(packageVersion(), '-V, --version', 'print the version of ftpcap');

  const addCommand = (name: JsonPart, description: string, withSession: boolean, isDefault = false): void => {
    const cmd = program
      .command(name, { isDefault })
      .description(description)
      .argument(
        name === 'summary' ? '<captures...>' : '<capture>',
        name === 'summary'
          ? 'capture file(s) (pcap, pcapng, optionally gzip-compressed), or - for standard input; several are ' +
            'analysed in parallel, and the files of one ring buffer (tcpdump -C/-W, dumpcap -b) as one capture'
          : 'capture file (pcap, pcapng, optionally gzip-compressed), or - for standard input',
      )
      .option('--json', 'print JSON instead of tables')
      .option('--jsonl', 'print JSON Lines: one object per line for the capture, each session and each transfer')
      .option('--show-passwords', 'show PASS arguments instead of ****')
      .addOption(new Option('--no-color', 'never colour the output'));
    if (withSession) cmd.option('-s, --session <n>', 'only this session', positiveInt);
    cmd.action(async (captures: string | string[], opts: CommonOptions) => {
      if (Array.isArray(captures) && captures.length > 1) {
        // Worker threads read files by name: standard input and pipes are spooled to files first.
        const spools: Spool[] = [];
        const names = new Map<string, string>();
        try {
          const paths: string[] = [];
          for (const c of captures) {
            const bad = undecodableName(c, io.rawArgs ?? new Map());
            const input: Input = bad !== null ? { path: c, label: c, kind: 'missing' } : resolveInput(c, io.rawArgs);
            let path = input.path;
            if (input.kind === 'stdin' || input.kind === 'stream') {
              const sp = await spoolInput(input, io);
              spools.push(sp);
              path = sp.path;
            }
            names.set(path, input.kind === 'stdin' ? '(stdin)' : input.label);
            paths.push(path);
          }
          const { summaryOfMany } = await import('./many.js');
          exitCode = await summaryOfMany(paths, io, {
            json: opts.json === true,
            showPasswords: opts.showPasswords ?? false,
            style: styleFor(io, opts),
            names,
            inProcess: (job) => summaryInProcess(job.paths, job.fileName, opts, io),
            tlsKeyLog: keyLogsOf(io)?.text,
          });
        } finally {
          for (const sp of spools) sp.remove();
        }
        return;
      }
      const capture = Array.isArray(captures) ? captures[0] : captures;
      const a = await analyze(capture, opts, io);
      if (opts.session !== undefined && !a.sessions.some((s) => s.id === opts.session)) {
        throw new ExitError(`no session ${opts.session} in ${capture} (it has ${a.sessions.length})`, EXIT_USAGE);
      }
      if (opts.jsonl || opts.json) {
        const { writeJson, writeJsonLines } = await import('../render/json.js');
        if (opts.jsonl) writeJsonLines(a, (text) => io.stdout.write(text), opts.session);
        else writeJson(a, name, (text) => io.stdout.write(text), opts.session);
      } else {
        // The text and its newline written apart: joined, a table of 100,000 rows became one string
        // made of two, which writing copies whole first (ftp-100k: 130 → 60 ms to write).
        io.stdout.write((await textRenderer(name))(a, styleFor(io, opts), opts.session));
        io.stdout.write('\n');
        // The summary's table lists them itself.
        if (name !== 'summary') await writeWarnings(io, a);
      }
    });
  };
  addCommand('summary', 'sessions and transfers at a glance (the default)', false, true);
  addCommand('sessions', 'one line per FTP control session', false);
  addCommand('commands', 'every command and reply with frame numbers and decoded address tuples', true);
  addCommand('transfers', 'every data transfer: announcement, request, data connection, outcome', true);
  addCommand('diagnose', 'why each failed data connection failed, with evidence frames and advice', true);
  addExtractCommand(program, {
    io,
    analyze: (capture, opts, reading) => analyze(capture, opts, io, reading),
    readableAgain: (capture) => resolveInput(capture, io.rawArgs).kind === 'file',
    fail: (message, code) => new ExitError(message, code),
  });
  addLogsCommand(program, {
    io,
    analyze: (capture, opts) => analyze(capture, opts, io),
    fail: (message, code) => new ExitError(message, code),
  });
  const teachDeps: TeachDeps = {
    io,
    analyze: (capture, opts, shown) => analyze(capture, opts, io, {}, shown),
    resolve: (capture) => {
      const bad = undecodableName(capture, io.rawArgs ?? new Map());
      if (bad !== null) throw new ExitError(bad, EXIT_UNREADABLE);
      return resolveInput(capture, io.rawArgs);
    },
    spool: (input) => spoolInput(input, io),
    fail: (message, code) => new ExitError(message, code),
  };
  addTeachCommands(program, teachDeps);
  addReportCommand(program, teachDeps);
  addTlsKeylogOption(program);
  addMaxMemoryOption(program);
  program.hook('preAction', (_program, action) => {
    try {
      prepareKeyLogs(io, action.opts().tlsKeylog as string[] | undefined);
    } catch (err) {
      throw new ExitError((err as Error).message, EXIT_UNREADABLE);
    }
  });
  // Every subcommand but summary takes one capture (or one demo name): a second is refused, not ignored.
  program.hook('preAction', (_program, action) => {
    const declared = action.registeredArguments;
    if (declared.length === 0 || declared[declared.length - 1].variadic) return;
    const extra = action.args.slice(declared.length);
    if (extra.length === 0) return;
    const what = action.name() === 'demo' ? 'one demo name' : 'one capture (only summary analyses several)';
    throw new ExitError(`${action.name()}: unexpected argument '${extra[0]}': ${action.name()} takes ${what}`, EXIT_USAGE);
  });

  try {
    refuseMistypedCommand(argv, program);
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      exitCode = err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    } else if (err instanceof ExitError) {
      io.stderr.write(`ftpcap: ${escapeText(err.message)}\n`);
      exitCode = err.code;
    } else {
      // A bug, not bad input: still one line, never a stack trace.
      const message = err instanceof Error ? err.message : String(err);
      io.stderr.write(`ftpcap: internal error: ${escapeText(message)}\n`);
      exitCode = EXIT_UNREADABLE;
    }
  }
  return exitCode;
}
