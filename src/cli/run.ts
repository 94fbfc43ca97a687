/**
 * Process entry point: the bin shim calls this. The rest of the CLI is loaded only after the
 * reading thread has been started (when an argument is a large file): the two start side by side.
 */
import { prestartReader } from '../capture/reader-thread.js';
import { relaunchForCeiling } from './memory.js';

export async function run(): Promise<void> {
  const relaunched = relaunchForCeiling(process.argv.slice(2), process.env);
  if (relaunched !== null) {
    process.exitCode = relaunched;
    return;
  }
  const args = process.argv.slice(2);
  prestartReader(args);
  const [{ EXIT_USAGE, main }, { rawArguments }] = await Promise.all([import('./main.js'), import('./inputs.js')]);
  /** Exit code when standard output cannot be written (disk full, I/O error): the usage/output code. */
  const EXIT_OUTPUT = EXIT_USAGE;
  let failed: NodeJS.ErrnoException | null = null;
  const fail = (err: NodeJS.ErrnoException): void => {
    if (err.code === 'EPIPE') {
      // Output piped into `head` closes early: the reader has what it wanted; end quietly.
      process.exit(0);
    }
    if (failed !== null) return;
    failed = err;
    // One line, then stop: going on would only write more of a document that is already cut.
    process.stderr.write(`ftpcap: cannot write output (${err.code ?? err.message})\n`);
    process.exit(EXIT_OUTPUT);
  };
  process.stdout.on('error', fail);
  const stdout = {
    write: (s: string): boolean => process.stdout.write(s, (err) => err && fail(err as NodeJS.ErrnoException)),
    get isTTY() {
      return process.stdout.isTTY;
    },
    get columns() {
      return process.stdout.columns;
    },
    whenDrained: (): Promise<void> | null => {
      const out = process.stdout;
      if (!out.writableNeedDrain) return null;
      return new Promise<void>((resolve) => {
        const done = (): void => {
          out.off('drain', done);
          out.off('close', done);
          out.off('error', done);
          resolve();
        };
        out.once('drain', done);
        out.once('close', done);
        out.once('error', done);
      });
    },
  };
  const code = await main(args, {
    stdout,
    stderr: process.stderr,
    // Read only when a capture comes from standard input: creating process.stdin costs start-up time.
    get stdin() {
      return process.stdin;
    },
    env: process.env,
    rawArgs: rawArguments(args),
  });
  // Wait until what was written has reached the file or pipe: a late write error still counts.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  process.exitCode = code;
}
