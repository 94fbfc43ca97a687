/**
 * The command line: argument parsing (commander), opening inputs, exit codes, progress and colour.
 * The only module that touches the terminal, process streams or the file system for output.
 * Exit codes: 0 analysed (possibly with warnings), 1 usage error, 2 unreadable or not a capture.
 */
import { statSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { analyzeFiles, analyzeStream } from '../analysis/pipeline.js';
import type { Analysis } from '../analysis/model.js';
import { CaptureError } from '../capture/types.js';
import { renderJson, type JsonPart } from '../render/json.js';
import { escapeText } from '../render/escape.js';
import { captureHeading, renderCommands, renderSessions, renderSummary, renderTransfers, warningLines } from '../render/tables.js';
import type { RenderStyle } from '../render/style.js';
import { renderDiagnose } from '../render/diagnose.js';
import { Progress } from './progress.js';
import { describeFailure, summaryOfMany, type SummaryMessage } from './many.js';
import { addExtractCommand } from './extract.js';
import { addTeachCommands } from './teach.js';
import type { AnalyzeOptions } from '../analysis/pipeline.js';

export const EXIT_OK = 0;
export const EXIT_USAGE = 1;
export const EXIT_UNREADABLE = 2;

export interface CliStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
  stdin: Readable | NodeJS.ReadableStream;
  env: Record<string, string | undefined>;
}

interface CommonOptions {
  json?: boolean;
  session?: number;
  showPasswords?: boolean;
  color?: boolean;
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

/** Standard input's stream, or for a file its size (checked readable here; read by the pipeline). */
function openInput(path: string, io: CliIo): { stream: Readable | NodeJS.ReadableStream | null; size: number | null } {
  if (path === '-') return { stream: io.stdin, size: null };
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new ExitError(`${path}: is a directory, not a capture file`, EXIT_UNREADABLE);
    size = st.size;
  } catch (err) {
    if (err instanceof ExitError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ExitError(`${path}: cannot read (${code})`, EXIT_UNREADABLE);
  }
  return { stream: null, size };
}

async function analyze(
  path: string,
  opts: CommonOptions,
  io: CliIo,
  onTransferData?: AnalyzeOptions['onTransferData'],
): Promise<Analysis> {
  const { stream, size } = openInput(path, io);
  const progress = new Progress(io.stderr, path, size);
  try {
    const options = {
      fileName: path === '-' ? '(stdin)' : path,
      showPasswords: opts.showPasswords ?? false,
      onProgress: (n: number) => progress.update(n),
      onTransferData,
    };
    // A file is read on a worker thread beside the analysis (pipeline.ts: analyzeFiles).
    return await (stream === null ? analyzeFiles([path], options) : analyzeStream(stream, options));
  } catch (err) {
    if (err instanceof CaptureError) {
      const where = [err.frame !== undefined ? `frame ${err.frame}` : null, err.offset !== undefined ? `offset ${err.offset}` : null]
        .filter(Boolean)
        .join(', ');
      throw new ExitError(`${path}: ${where ? `${where}: ` : ''}${err.message}`, EXIT_UNREADABLE);
    }
    if ((err as NodeJS.ErrnoException)?.code) {
      throw new ExitError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code})`, EXIT_UNREADABLE);
    }
    throw err;
  } finally {
    progress.done();
    if (stream !== null && 'destroy' in stream && typeof stream.destroy === 'function' && stream !== io.stdin) stream.destroy();
  }
}

/** One capture (or ring) of `summary a b …` analysed in this thread (when workers are not available). */
async function summaryInProcess(paths: string[], fileName: string, opts: CommonOptions, io: CliIo): Promise<SummaryMessage> {
  try {
    const a = await analyzeFiles(paths, { fileName, showPasswords: opts.showPasswords ?? false });
    return { t: 'done', text: opts.json ? renderJson(a, 'summary') : `${renderSummary(a, styleFor(io, opts))}\n`, warnings: a.capture.warnings.length };
  } catch (err) {
    return { t: 'failed', ...describeFailure(fileName, err) };
  }
}

function styleFor(io: CliIo, opts: CommonOptions): RenderStyle {
  const color = opts.color !== false && io.stdout.isTTY === true && io.env.NO_COLOR === undefined;
  return { color, width: io.stdout.columns ?? 80 };
}

type Renderer = (a: Analysis, style: RenderStyle, session?: number) => string;

const TEXT_RENDERERS: Record<JsonPart, Renderer> = {
  summary: (a, style) => renderSummary(a, style),
  sessions: (a, style) => [captureHeading(a), '', renderSessions(a, style)].join('\n'),
  commands: (a, style, session) => renderCommands(a, style, session),
  transfers: (a, style, session) => renderTransfers(a, style, session),
  diagnose: (a, style, session) => renderDiagnose(a, style, session),
};

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
    })
    .showHelpAfterError('(run ftpcap --help for usage)');

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
      .option('--show-passwords', 'show PASS arguments instead of ****')
      .addOption(new Option('--no-color', 'never colour the output'));
    if (withSession) cmd.option('-s, --session <n>', 'only this session', positiveInt);
    cmd.action(async (captures: string | string[], opts: CommonOptions) => {
      if (Array.isArray(captures) && captures.length > 1) {
        exitCode = await summaryOfMany(captures, io, {
          json: opts.json === true,
          showPasswords: opts.showPasswords ?? false,
          style: styleFor(io, opts),
          inProcess: (job) => summaryInProcess(job.paths, job.fileName, opts, io),
        });
        return;
      }
      const capture = Array.isArray(captures) ? captures[0] : captures;
      const a = await analyze(capture, opts, io);
      if (opts.session !== undefined && !a.sessions.some((s) => s.id === opts.session)) {
        throw new ExitError(`no session ${opts.session} in ${capture} (it has ${a.sessions.length})`, EXIT_USAGE);
      }
      if (opts.json) {
        io.stdout.write(renderJson(a, name, opts.session));
      } else {
        io.stdout.write(`${TEXT_RENDERERS[name](a, styleFor(io, opts), opts.session)}\n`);
        // Warnings go to stderr in table mode too, so a pipe into another tool still sees them.
        if (a.capture.warnings.length && name !== 'summary') io.stderr.write(`${warningLines(a.capture.warnings, a.capture.file)}\n`);
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
    analyze: (capture, opts, onTransferData) => analyze(capture, opts, io, onTransferData),
    fail: (message, code) => new ExitError(message, code),
  });
  addTeachCommands(program, {
    io,
    analyze: (capture, opts, input) => analyze(capture, opts, input),
    fail: (message, code) => new ExitError(message, code),
  });

  try {
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
