/**
 * `--tls-keylog FILE` (repeatable) on every subcommand: the TLS key logs that decrypt FTPS (NSS
 * key log format, as SSLKEYLOGFILE makes curl, lftp, Python, OpenSSL, GnuTLS and browsers write it).
 * Reading the files is the CLI's; parsing is src/tls/keylog.ts's.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { TlsKeyLog } from '../tls/keylog.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** Give every subcommand registered so far the option. */
export function addTlsKeylogOption(program: Command): void {
  for (const cmd of program.commands) {
    if (cmd.options.some((o) => o.long === '--tls-keylog')) continue;
    cmd.option(
      '--tls-keylog <file>',
      'TLS key log (SSLKEYLOGFILE, NSS format) to decrypt FTPS with; repeatable (pcapng secrets blocks are read anyway)',
      collect,
    );
  }
}

export interface LoadedKeyLogs {
  keyLog: TlsKeyLog;
  /** The files' text, joined (handed to worker threads). */
  text: string;
  /** One note per file that held no usable secret, or lines that were not key log lines. */
  notes: string[];
}

/** Read and parse the key logs; a file that cannot be read throws `Error('FILE: cannot read (CODE)')`. */
export function loadKeyLogs(files: string[]): LoadedKeyLogs {
  const keyLog = new TlsKeyLog();
  const texts: string[] = [];
  const notes: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'latin1');
    } catch (err) {
      throw new Error(`${file}: cannot read key log (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    texts.push(text);
    const load = keyLog.addText(text);
    if (load.secrets === 0) notes.push(`${file}: no TLS secret in it (not an NSS key log?)`);
    else if (load.bad > 0) notes.push(`${file}: ${load.bad} line(s) are not key log lines (first: line ${load.firstBad!.line})`);
  }
  return { keyLog, text: texts.join('\n'), notes };
}

/** The key logs of the running command, by the CLI call's io (set before the action runs). */
const loadedFor = new WeakMap<object, LoadedKeyLogs>();

/** Before an action: load the key logs its --tls-keylog options name (notes to `stderr`). */
export function prepareKeyLogs(io: { stderr: { write(s: string): unknown } }, files: string[] | undefined): void {
  if (!files || files.length === 0) return;
  const loaded = loadKeyLogs(files);
  for (const n of loaded.notes) io.stderr.write(`ftpcap: note: ${n}\n`);
  loadedFor.set(io, loaded);
}

export function keyLogsOf(io: object): LoadedKeyLogs | undefined {
  return loadedFor.get(io);
}
