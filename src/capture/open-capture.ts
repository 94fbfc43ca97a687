/**
 * The one place the capture layer touches `process` and the file system: turning a command-line
 * path ('-' for standard input) into a byte stream for readCapture().
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';

/** Large reads: the per-chunk cost (and pcap-parser's leftover copy) is paid once per chunk. */
export const FILE_READ_CHUNK_BYTES = 1024 * 1024;

export function openCaptureFile(path: string): Readable {
  if (path === '-') return process.stdin;
  // Open errors (ENOENT, EISDIR…) surface on the first read, where readCapture reports them.
  return createReadStream(path, { highWaterMark: FILE_READ_CHUNK_BYTES });
}
