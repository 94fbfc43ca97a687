/**
 * Byte-stream plumbing for the readers: normalise a Node stream to Buffers, peek its first bytes
 * without losing them (stdin cannot seek), and gunzip. Everything is an AsyncIterator<Buffer> so a
 * reader can stop early: returning the iterator destroys the stream under it.
 */
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';

export type Chunks = AsyncIterator<Buffer>;

/** Output chunk size of gunzip: large, because pcap-parser copies its leftover into every chunk. */
const GUNZIP_CHUNK_BYTES = 1024 * 1024;

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  // A stream in string mode lost its bytes' identity already; latin1 maps chars back 1:1.
  return Buffer.from(String(chunk), 'latin1');
}

/** What the readers accept: a Node readable stream, or any async iterable of byte chunks. */
export type CaptureInput = NodeJS.ReadableStream | Readable | AsyncIterable<Uint8Array>;

/** Iterate a Node readable stream (file, stdin, Readable.from of Buffers) as Buffers. */
export async function* streamChunks(input: CaptureInput): AsyncGenerator<Buffer> {
  for await (const chunk of input as AsyncIterable<unknown>) {
    const buf = toBuffer(chunk);
    if (buf.length > 0) yield buf;
  }
}

export interface Peeked {
  /** Chunks read so far, in order; together at least `want` bytes unless the input ended. */
  head: Buffer[];
  /** Their first bytes joined (at most `want`), for sniffing. */
  prefix: Buffer;
}

/** Read chunks until `want` bytes are seen or the input ends. */
export async function peek(chunks: Chunks, want: number): Promise<Peeked> {
  const head: Buffer[] = [];
  let have = 0;
  while (have < want) {
    const next = await chunks.next();
    if (next.done) break;
    head.push(next.value);
    have += next.value.length;
  }
  const prefix = head.length === 1 ? head[0].subarray(0, want) : Buffer.concat(head).subarray(0, want);
  return { head, prefix };
}

/** The peeked chunks again, then the rest of the input. */
export async function* replay(head: Buffer[], rest: Chunks): AsyncGenerator<Buffer> {
  try {
    for (const chunk of head) yield chunk;
    for (;;) {
      const next = await rest.next();
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // Stopping early (a reader gave up) must release the stream underneath.
    await rest.return?.();
  }
}

/**
 * Decompress a gzip byte stream (concatenated members included). Errors surface from next().
 * Returning early destroys gunzip and waits until the compressed source is released too.
 */
export async function* gunzipChunks(compressed: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const source = Readable.from(compressed);
  const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
  // pipeline forwards source errors into gunzip and destroys the source when gunzip is destroyed.
  pipeline(source, gunzip, () => {});
  try {
    yield* streamChunks(gunzip);
  } finally {
    gunzip.destroy();
    if (!source.closed) await new Promise((resolve) => source.once('close', resolve));
  }
}

/** zlib failures carry codes like Z_DATA_ERROR / Z_BUF_ERROR. */
export function isDecompressError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}
