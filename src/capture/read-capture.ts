/**
 * Entry point of the capture layer: sniff the format from the first bytes (gzip is unwrapped and
 * sniffed again), then stream every chunk through the pcap or pcapng reader. Damage after the file
 * header becomes warnings on the sink; only "nothing to analyse" rejects, with a CaptureError.
 */
import { gunzipChunks, isDecompressError, peek, replay, streamChunks, type CaptureInput, type Chunks } from './chunks.js';
import type { FormatReader } from './format-reader.js';
import { MAGIC_LENGTH, classifyMagic, magicHex, type Magic } from './magic.js';
import { PcapReader } from './pcap.js';
import { PcapngReader } from './pcapng.js';
import { CaptureError, type CaptureReadResult, type CaptureSink } from './types.js';
import { warning } from '../warnings/catalog.js';

export interface ReadCaptureOptions {
  /** The name the caller knows the input by. Messages do not include it: the CLI prefixes it. */
  fileName: string;
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n', 1)[0];
}

/**
 * System errors read "ENOENT: no such file or directory, open '/path'"; the CLI already names the
 * file, so say "cannot open: no such file or directory (ENOENT)".
 */
function describeReadError(err: unknown): string {
  const e = err as { code?: unknown; syscall?: unknown } | null;
  if (typeof e?.code === 'string' && typeof e.syscall === 'string') {
    const what = firstLine(err)
      .replace(/^[A-Z0-9_]+: /, '')
      .replace(/, \w+( '.*')?$/, '');
    return `cannot ${e.syscall}: ${what} (${e.code})`;
  }
  return `read error: ${firstLine(err)}`;
}

function failure(err: unknown, compressed: boolean): CaptureError {
  if (err instanceof CaptureError) return err;
  if (compressed && isDecompressError(err)) return new CaptureError(`gzip: ${firstLine(err)}`);
  return new CaptureError(describeReadError(err));
}

interface Sniffed {
  magic: Magic;
  compressed: boolean;
  /** Every byte of the (decompressed) capture, from the first. */
  chunks: AsyncGenerator<Buffer>;
}

/** Identify the format; unwrap one level of gzip. Rejects for empty / unknown input. */
async function sniff(input: CaptureInput): Promise<Sniffed> {
  let chunks: Chunks = streamChunks(input);
  let compressed = false;
  try {
    for (;;) {
      const { head, prefix } = await peek(chunks, MAGIC_LENGTH);
      if (head.length === 0) throw new CaptureError(compressed ? 'empty file (after gunzip)' : 'empty file');
      const magic = classifyMagic(prefix);
      if (magic.kind === 'gzip' && !compressed) {
        compressed = true;
        chunks = gunzipChunks(replay(head, chunks));
        continue;
      }
      if (magic.kind === 'gzip' || magic.kind === 'unknown') {
        const after = compressed ? ', after gunzip' : '';
        throw new CaptureError(`not a capture file (magic ${magicHex(prefix)}${after})`, 0);
      }
      return { magic, compressed, chunks: replay(head, chunks) };
    }
  } catch (err) {
    await chunks.return?.().catch(() => undefined);
    throw failure(err, compressed);
  }
}

export async function readCapture(
  input: CaptureInput,
  sink: CaptureSink,
  opts: ReadCaptureOptions,
): Promise<CaptureReadResult> {
  void opts;
  const { magic, compressed, chunks } = await sniff(input);
  const reader: FormatReader =
    magic.kind === 'pcap' ? new PcapReader(sink, magic, compressed) : new PcapngReader(sink, compressed);

  let readError: unknown = null;
  try {
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
      } catch (err) {
        // Only the input's failures are read errors; a throwing sink propagates as it is.
        readError = err;
        break;
      }
      if (next.done || !reader.push(next.value)) break;
    }
  } finally {
    // Stops and releases the input when the reader gave up early; a no-op after the end.
    await chunks.return(undefined).catch(() => undefined);
  }

  if (readError !== null) {
    reader.flush();
    if (reader.fatal !== null) throw reader.fatal;
    if (reader.header === null) throw failure(readError, compressed);
    const at = { offset: reader.bytes };
    if (compressed && isDecompressError(readError)) sink.onWarning(warning('decompress-error', { error: firstLine(readError) }, at));
    else sink.onWarning(warning('read-error', { error: describeReadError(readError) }, at));
  }
  reader.finish();
  if (reader.fatal !== null) throw reader.fatal;
  if (reader.header === null) throw new CaptureError('no capture header could be read', 0);
  return {
    header: reader.header,
    interfaces: reader.interfaces,
    packets: reader.packets,
    bytes: reader.bytes,
  };
}
