/** tshark's FTP view of a fixture (fixtures/NAME.tshark-ftp.tsv): one row per FTP frame. */
import { join } from 'node:path';
import { readText } from './read-text.js';

export interface TsharkFtpRow {
  frame: number;
  stream: number;
  command: string;
  arg: string;
  code: number | null;
}

export function tsharkFtp(fixturesDir: string, capture: string): TsharkFtpRow[] {
  const name = capture.replace(/\.(pcap|pcapng)(\.gz)?$/, '');
  const lines = readText(join(fixturesDir, `${name}.tshark-ftp.tsv`), 'utf8').split('\n').filter((l) => l !== '');
  const head = lines[0].split('\t');
  const col = (n: string): number => head.indexOf(n);
  return lines.slice(1).map((l) => {
    const f = l.split('\t');
    const code = f[col('ftp.response.code')];
    return {
      frame: Number(f[col('frame.number')]),
      stream: Number(f[col('tcp.stream')]),
      command: f[col('ftp.request.command')] ?? '',
      arg: f[col('ftp.request.arg')] ?? '',
      code: code ? Number(code) : null,
    };
  });
}

/** The requests tshark saw, as "frame VERB arg" (ours: Command.frame, command, arg). */
export function tsharkRequests(rows: TsharkFtpRow[], upTo = Infinity): string[] {
  return rows.filter((r) => r.command !== '' && r.frame <= upTo).map((r) => `${r.frame} ${r.command} ${r.arg}`.trimEnd());
}

/** The frames where tshark saw a reply code (the first line of each reply). */
export function tsharkReplies(rows: TsharkFtpRow[], upTo = Infinity): string[] {
  return rows.filter((r) => r.code !== null && r.frame <= upTo).map((r) => `${r.code}@${r.frame}`);
}
