import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/read-capture.js';
import { epb, idb, pcapHeader, pcapRecord, shb } from './build.js';

const CHUNK = 4 * 1024 * 1024;
const PER_CHUNK = 16;
/** Enough 4 MiB chunks to pass 4 GiB. */
const CHUNKS = 1025;

/** The same 4 MiB chunk of whole records, repeated: no allocation per chunk. */
async function* repeated(head: Buffer, chunk: Buffer): AsyncGenerator<Buffer> {
  yield head;
  for (let i = 0; i < CHUNKS; i++) yield chunk;
}

async function lastRecord(input: Readable): Promise<{ frame: number; offset: number; packets: number; bytes: number }> {
  let frame = 0;
  let offset = 0;
  const result = await readCapture(
    input,
    {
      onRecord: (r) => {
        frame = r.frame;
        offset = r.offset;
      },
      onWarning: (w) => {
        throw new Error(w.message);
      },
    },
    { fileName: 'big' },
  );
  return { frame, offset, packets: result.packets, bytes: result.bytes };
}

describe('offsets past 4 GiB', () => {
  it('pcap: offsets keep counting past 2^32', async () => {
    const caplen = CHUNK / PER_CHUNK - 16;
    const record = pcapRecord('le', { sec: 1, sub: 0, data: Buffer.alloc(caplen) });
    const chunk = Buffer.concat(Array.from({ length: PER_CHUNK }, () => record));
    const head = pcapHeader('le', false, { snaplen: 262144 });
    const last = await lastRecord(Readable.from(repeated(head, chunk)));
    const n = CHUNKS * PER_CHUNK;
    expect(last.frame).toBe(n);
    expect(last.offset).toBe(24 + (n - 1) * (CHUNK / PER_CHUNK));
    expect(last.offset).toBeGreaterThan(2 ** 32);
    expect(last.bytes).toBe(24 + CHUNKS * CHUNK);
  });

  it('pcapng: offsets keep counting past 2^32', async () => {
    const block = epb('le', 0, 1n, Buffer.alloc(CHUNK / PER_CHUNK - 32));
    expect(block.length).toBe(CHUNK / PER_CHUNK);
    const chunk = Buffer.concat(Array.from({ length: PER_CHUNK }, () => block));
    const head = Buffer.concat([shb('le'), idb('le', 1, 0)]);
    const last = await lastRecord(Readable.from(repeated(head, chunk)));
    const n = CHUNKS * PER_CHUNK;
    expect(last.frame).toBe(n);
    expect(last.offset).toBe(head.length + (n - 1) * block.length);
    expect(last.offset).toBeGreaterThan(2 ** 32);
    expect(last.bytes).toBe(head.length + CHUNKS * CHUNK);
  });
});
