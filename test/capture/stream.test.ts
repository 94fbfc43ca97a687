import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { openCaptureFile } from '../../src/capture/open-capture.js';
import { readCapture } from '../../src/capture/read-capture.js';
import { block, collect, epb, idb, pcapFile, pcapRecord, shb } from './build.js';

/** A never-ending input that records whether the reader released it. */
function endless(prefix: Buffer, filler: Buffer): { stream: Readable; state: { released: boolean; chunks: number } } {
  const state = { released: false, chunks: 0 };
  async function* gen() {
    try {
      yield prefix;
      for (;;) {
        state.chunks++;
        yield filler;
      }
    } finally {
      state.released = true;
    }
  }
  return { stream: Readable.from(gen()), state };
}

describe('stream handling', () => {
  it('stops reading and releases an endless input after a damaged pcap record', async () => {
    const prefix = Buffer.concat([
      pcapFile('le', false, [{ sec: 1, sub: 0, data: [1] }]),
      pcapRecord('le', { sec: 2, sub: 0, data: [], caplen: 0xffffffff }),
    ]);
    const { stream, state } = endless(prefix, Buffer.alloc(65536));
    const c = await collect(stream);
    expect(c.records).toHaveLength(1);
    expect(c.warnings.map((w) => w.code)).toEqual(['caplen-too-large']);
    expect(state.released).toBe(true);
    expect(stream.destroyed).toBe(true);
  });

  it('stops reading and releases an endless input after a damaged pcapng block', async () => {
    const prefix = Buffer.concat([shb('le'), idb('le', 1, 0), epb('le', 0, 1n, [1]), block(6, Buffer.alloc(20), 'le', { trailing: 8 })]);
    const { stream, state } = endless(prefix, Buffer.alloc(4096));
    const c = await collect(stream);
    expect(c.warnings.map((w) => w.code)).toEqual(['bad-block-length']);
    expect(state.released).toBe(true);
  });

  it('releases the compressed input through gunzip as well', async () => {
    const damaged = Buffer.concat([
      pcapFile('be', false, [{ sec: 1, sub: 0, data: [1] }]),
      pcapRecord('be', { sec: 2, sub: 0, data: [], caplen: 0x7fffffff }),
      randomBytes(1 << 20), // incompressible, so the compressed stream is long too
    ]);
    const gz = gzipSync(damaged);
    const state = { released: false, yielded: 0 };
    async function* gen() {
      try {
        // The reader must give up long before the end (gunzip buffers only a little ahead).
        for (let i = 0; i < gz.length; i += 4096) {
          state.yielded += Math.min(4096, gz.length - i);
          yield gz.subarray(i, i + 4096);
        }
      } finally {
        state.released = true;
      }
    }
    const c = await collect(Readable.from(gen()));
    expect(c.header?.compressed).toBe(true);
    expect(c.warnings.map((w) => [w.code, w.frame, w.offset])).toEqual([['caplen-too-large', 2, 41]]);
    expect(state.released).toBe(true);
    expect(state.yielded).toBeLessThan(gz.length / 2);
  });

  it('propagates an exception thrown by the sink instead of calling it a read error', async () => {
    const file = pcapFile('le', false, [{ sec: 1, sub: 0, data: [1] }]);
    const warnings: string[] = [];
    const run = readCapture(
      Readable.from([file]),
      {
        onRecord: () => {
          throw new Error('consumer bug');
        },
        onWarning: (w) => warnings.push(w.code),
      },
      { fileName: 't' },
    );
    await expect(run).rejects.toThrow('consumer bug');
    expect(warnings).toEqual([]);
  });

  it('turns a stream failure after the header into a read-error warning, keeping earlier packets', async () => {
    const file = pcapFile('le', false, [
      { sec: 1, sub: 0, data: Buffer.alloc(40_000, 1) },
      { sec: 2, sub: 0, data: Buffer.alloc(40_000, 2) },
    ]);
    async function* gen() {
      yield file.subarray(0, 70_000);
      throw new Error('EIO: i/o error, read');
    }
    const c = await collect(Readable.from(gen()));
    expect(c.error).toBeUndefined();
    expect(c.records.map((r) => r.frame)).toEqual([1]);
    expect(c.warnings).toEqual([
      {
        code: 'read-error',
        severity: 'error',
        error: 'read error: EIO: i/o error, read',
        message: 'read error: EIO: i/o error, read (after byte offset 40040 of the capture)',
        offset: 40040,
      },
      {
        code: 'truncated-record',
        severity: 'warning',
        recordNeeds: 40016,
        left: 29960,
        message: 'frame 2 at byte offset 40040 is cut short: the record needs 40016 bytes, the file ends after 29960',
        frame: 2,
        offset: 40040,
      },
    ]);
  });

  it('reports a directory given as the capture in one line', async () => {
    const c = await collect(openCaptureFile(tmpdir()));
    expect(c.error?.name).toBe('CaptureError');
    expect(c.error?.message).toBe('cannot read: illegal operation on a directory (EISDIR)');
  });
});
