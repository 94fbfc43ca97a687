import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in-process, as a user would type `ftpcap ARGS`, capturing both streams. */
export async function runCli(
  args: string[],
  opts: { stdin?: Buffer; tty?: boolean; env?: Record<string, string> } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s), isTTY: opts.tty ?? false, columns: 80 },
    stderr: { write: (s: string) => (stderr += s), isTTY: opts.tty ?? false },
    stdin: Readable.from(opts.stdin ? [opts.stdin] : []),
    env: opts.env ?? {},
  });
  return { code, stdout, stderr };
}
