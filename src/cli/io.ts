/**
 * What every subcommand module shares: exit codes, the streams the CLI writes to, and what the
 * two-pass (teaching, report) commands are given. Here, not in main.ts, so that the subcommands
 * import it without importing the module that imports them.
 */
import type { Readable } from 'node:stream';
import type { Analysis } from '../analysis/model.js';
import type { AnalyzeOptions } from '../analysis/pipeline.js';
import type { Input, Spool } from './inputs.js';

export const EXIT_OK = 0;
export const EXIT_USAGE = 1;
export const EXIT_UNREADABLE = 2;

export interface CliStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
  /** While the stream holds more than it takes (a slow reader of a pipe): when it takes more again; null when it takes more now. */
  whenDrained?(): Promise<void> | null;
}

export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
  stdin: Readable | NodeJS.ReadableStream;
  env: Record<string, string | undefined>;
  /** Arguments that were not valid UTF-8, by their decoded form, with their bytes (inputs.ts). */
  rawArgs?: ReadonlyMap<string, Buffer>;
  /**
   * Analyses capture files by name (default: the pipeline's analyzeFiles). A test that renders one
   * capture many ways in-process passes a memo (test/cli/run-cli.ts).
   */
  analyzeFiles?: (paths: string[], options: AnalyzeOptions) => Promise<Analysis>;
}

/** What the commands that read a capture twice (dump, timeline, explain, demo, report) are given. */
export interface TeachDeps {
  io: CliIo;
  /**
   * Analyse the capture at `path` (a regular file; progress, capture errors → exit 2), shown as
   * `shown` when `path` stands in for it (a spooled pipe).
   */
  analyze(path: string, opts: { showPasswords?: boolean; onTlsRecord?: AnalyzeOptions['onTlsRecord'] }, shown?: string): Promise<Analysis>;
  /** What the argument names: a regular file, standard input, a pipe… (inputs.ts). */
  resolve(capture: string): Input;
  /** Copy standard input or a pipe into a private temporary file. */
  spool(input: Input): Promise<Spool>;
  /** An error that stops the CLI with one line and the exit code. */
  fail(message: string, code: number): Error;
}

/**
 * The capture's warnings on stderr (in table mode too, so a pipe into another tool still sees
 * them). The table renderer is imported here when there are some: `--help` and `--version` load
 * no renderer (issue 15: start-up).
 */
export async function writeWarnings(io: CliIo, a: Analysis): Promise<void> {
  if (a.capture.warnings.length === 0) return;
  const { warningLines } = await import('../render/tables.js');
  io.stderr.write(`${warningLines(a.capture.warnings, a.capture.file)}\n`);
}

/**
 * A capture ready to be read twice (analysis, then its packets again): standard input, a named
 * pipe, /dev/stdin or process substitution can be read only once, so they are first spooled to a
 * private temporary file, removed by `dispose`.
 */
export async function twoPassInput(deps: TeachDeps, capture: string): Promise<{ path: string; shown: string | undefined; dispose(): void }> {
  const input = deps.resolve(capture);
  const shown = input.kind === 'missing' ? undefined : input.label;
  if (input.kind === 'stdin' || input.kind === 'stream') {
    const sp = await deps.spool(input);
    return { path: sp.path, shown, dispose: sp.remove };
  }
  return { path: input.kind === 'file' ? input.path : capture, shown, dispose: () => {} };
}
