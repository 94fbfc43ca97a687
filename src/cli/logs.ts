/**
 * `ftpcap logs capture [--format zeek|eve] [-o DIR]`: the analysis in the peers' interchange
 * formats. To standard output by default (zeek: ftp.log, then ftpcap_data.log, and notice.log when a
 * client guessed at logins (Zeek's FTP::Bruteforcing), each a complete
 * log with its own header and #close; eve: JSON lines); with -o, as files in DIR named as Zeek and
 * Suricata name theirs (ftp.log and ftpcap_data.log, or eve.json). Records are written as the
 * renderers produce them, never gathered into one string.
 */
import { closeSync, constants, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import type { Analysis } from '../analysis/model.js';
import { writeWarnings, type CliIo } from './io.js';

const EXIT_USAGE = 1;
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
/** Bytes gathered before one write to a file. */
const WRITE_BUFFER = 64 * 1024;

export interface LogsCliOptions {
  format: 'zeek' | 'eve';
  output?: string;
  force?: boolean;
  allCommands?: boolean;
  showPasswords?: boolean;
}

export interface LogsDeps {
  io: CliIo;
  analyze(capture: string, opts: LogsCliOptions): Promise<Analysis>;
  fail(message: string, code: number): Error;
}

/** The logs of one format: file name in DIR, and its lines. */
async function logsOf(a: Analysis, opts: LogsCliOptions): Promise<Array<{ file: string; lines: Iterable<string> }>> {
  const showPasswords = opts.showPasswords ?? false;
  // Imported here, not when ftpcap starts: most runs are a summary (issue 15: start-up).
  if (opts.format === 'eve') {
    const { eveLog } = await import('../render/logs/eve.js');
    return [{ file: 'eve.json', lines: eveLog(a, { showPasswords }) }];
  }
  const { zeekDataLog, zeekFtpLog, zeekNoticeLog } = await import('../render/logs/zeek.js');
  return [
    { file: 'ftp.log', lines: zeekFtpLog(a, { showPasswords, allCommands: opts.allCommands ?? false }) },
    { file: 'ftpcap_data.log', lines: zeekDataLog(a) },
    // As Zeek: a notice.log only when there is a notice (repeated failed logins, FTP::Bruteforcing).
    ...(a.loginGuessing.length > 0 ? [{ file: 'notice.log', lines: zeekNoticeLog(a) }] : []),
  ];
}

/** Writes lines to a new file in DIR through one descriptor (never following a link), buffered. */
function writeFile(dir: string, file: string, lines: Iterable<string>, force: boolean): void {
  const flags = constants.O_WRONLY | constants.O_CREAT | NOFOLLOW | (force ? constants.O_TRUNC : constants.O_EXCL);
  const fd = openSync(join(dir, file), flags, 0o644);
  try {
    let pending = '';
    for (const line of lines) {
      pending += line;
      if (pending.length >= WRITE_BUFFER) {
        writeSync(fd, Buffer.from(pending, 'utf8'));
        pending = '';
      }
    }
    if (pending !== '') writeSync(fd, Buffer.from(pending, 'utf8'));
  } finally {
    closeSync(fd);
  }
}

export async function runLogs(capture: string, opts: LogsCliOptions, deps: LogsDeps): Promise<void> {
  const { io } = deps;
  if (opts.output !== undefined) {
    // Checked before reading: a long capture should not be read only to fail here.
    try {
      mkdirSync(opts.output, { recursive: true });
      if (!statSync(opts.output).isDirectory()) throw deps.fail(`${opts.output}: not a directory`, EXIT_USAGE);
    } catch (err) {
      if (err instanceof Error && !('code' in err)) throw err;
      throw deps.fail(`${opts.output}: cannot write (${(err as NodeJS.ErrnoException).code ?? 'error'})`, EXIT_USAGE);
    }
  }
  const a = await deps.analyze(capture, opts);
  const logs = await logsOf(a, opts);
  if (opts.output === undefined) {
    for (const log of logs) for (const line of log.lines) io.stdout.write(line);
  } else {
    for (const log of logs) {
      try {
        writeFile(opts.output, log.file, log.lines, opts.force ?? false);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'error';
        const hint = code === 'EEXIST' ? ': it exists (--force replaces it)' : '';
        throw deps.fail(`${join(opts.output, log.file)}: cannot write (${code})${hint}`, EXIT_USAGE);
      }
    }
    io.stdout.write(`${logs.map((l) => join(opts.output!, l.file)).join('\n')}\n`);
  }
  await writeWarnings(io, a);
}

export function addLogsCommand(program: Command, deps: LogsDeps): void {
  program
    .command('logs')
    .description("the analysis as Zeek logs (ftp.log and ftpcap_data.log) or Suricata's EVE JSON (ftp, ftp_data events)")
    .argument('<capture>', 'capture file (pcap, pcapng, optionally gzip-compressed), or - for standard input')
    .addOption(new Option('--format <format>', 'zeek: ftp.log and ftpcap_data.log; eve: EVE JSON lines').choices(['zeek', 'eve']).default('zeek'))
    .option('-o, --output <dir>', 'write ftp.log and ftpcap_data.log (or eve.json) into this directory instead of standard output')
    .option('--force', 'replace log files that already exist in the directory')
    .option('--all-commands', "zeek: log every command, not only Zeek's default FTP::logged_commands")
    .option('--show-passwords', 'show PASS arguments instead of <hidden>')
    .action(async (capture: string, opts: LogsCliOptions) => runLogs(capture, opts, deps));
}
