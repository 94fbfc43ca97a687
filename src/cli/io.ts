/**
 * What every subcommand module shares: exit codes, the streams the CLI writes to, and what the
 * two-pass (teaching, report) commands are given. Here, not in main.ts, so that the subcommands
 * import it without importing the module that imports them.
 */
import type { Readable } from 'node:stream';
import type { Analysis } from '../analysis/model.js';
import type { Input, Spool } from './inputs.js';

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
  /** Arguments that were not valid UTF-8, by their decoded form, with their bytes (inputs.ts). */
  rawArgs?: ReadonlyMap<string, Buffer>;
}

/** What the commands that read a capture twice (dump, timeline, explain, demo, report) are given. */
export interface TeachDeps {
  io: CliIo;
  /**
   * Analyse the capture at `path` (a regular file; progress, capture errors → exit 2), shown as
   * `shown` when `path` stands in for it (a spooled pipe).
   */
  analyze(path: string, opts: { showPasswords?: boolean }, shown?: string): Promise<Analysis>;
  /** What the argument names: a regular file, standard input, a pipe… (inputs.ts). */
  resolve(capture: string): Input;
  /** Copy standard input or a pipe into a private temporary file. */
  spool(input: Input): Promise<Spool>;
  /** An error that stops the CLI with one line and the exit code. */
  fail(message: string, code: number): Error;
}
