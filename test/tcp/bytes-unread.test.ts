/**
 * Counting without keeping (a listener answering 'count-only'): out-of-order bytes are not copied, yet
 * every chunk comes out at the same offsets, with the same lengths, gaps and frames.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/read-capture.js';
import { decodeFrame } from '../../src/decode/frame.js';
import { DirectionStream } from '../../src/tcp/direction-stream.js';
import { TcpReassembler } from '../../src/tcp/reassembler.js';
import type { ReassemblyListener, TcpConnection } from '../../src/tcp/types.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures');
const LOSSY = 'large-lossy-vsftpd-lftp';

/** Every chunk of the lossy recording: [stream, dir, offset, gap, length, frame], and byte totals. */
async function chunksOf(unread: boolean) {
  const chunks: Array<[number, string, number, number, number, number]> = [];
  const content: Uint8Array[] = [];
  const closed: TcpConnection[] = [];
  const listener: ReassemblyListener = {
    onOpen: () => undefined,
    onData: (c, k) => {
      chunks.push([c.id, k.dir, k.streamOffset, k.gapBefore, k.bytes.length, k.frame]);
      if (c.id === 1 && k.dir === 's2c') content.push(k.bytes.slice());
      return unread ? 'count-only' : undefined;
    },
    onEvent: () => undefined,
    onClose: (c) => void closed.push(c),
  };
  const r = new TcpReassembler(listener);
  await readCapture(
    Readable.from([readFileSync(join(FIXTURES, `${LOSSY}.pcap.gz`))]),
    {
      onRecord: (rec) => {
        const f = decodeFrame(rec);
        if (f.tcp !== undefined || f.icmp !== undefined) r.push(f);
      },
      onWarning: () => undefined,
    },
    { fileName: LOSSY },
  );
  r.finish();
  return { chunks, content, closed };
}

describe("'count-only': counted, not kept", () => {
  it('delivers the lossy recording in exactly the same chunks, and the same byte counts', async () => {
    const kept = await chunksOf(false);
    const counted = await chunksOf(true);
    expect(counted.chunks).toEqual(kept.chunks);
    const totals = (x: typeof kept) => x.closed.map((c) => [c.id, c.bytes.c2s, c.bytes.s2c, c.gapBytes.c2s, c.gapBytes.s2c]);
    expect(totals(counted)).toEqual(totals(kept));
    // The recording reordered segments of the 4 MiB RETR (stream 1), so some chunks waited in
    // the buffer: kept, they hold the file's bytes; counted only, zeros.
    const sha = (parts: Uint8Array[]) => {
      const h = createHash('sha256');
      for (const p of parts) h.update(p);
      return h.digest('hex');
    };
    const facts = JSON.parse(readFileSync(join(FIXTURES, `${LOSSY}.facts.json`), 'utf8'));
    expect(sha(kept.content)).toBe(facts.files[0].sha256);
    expect(sha(counted.content)).not.toBe(facts.files[0].sha256);
  });

  it('merges buffered pieces the same way with or without their bytes', () => {
    const run = (keep: boolean) => {
      const out: Array<[number, number, number, number]> = [];
      const ds = new DirectionStream(
        { deliver: (b, gap, off, frame) => void out.push([off, gap, b.length, frame]) },
        { maxBufferedBytes: 1 << 20, maxBufferedSegments: 64 },
      );
      ds.keepBytes = keep;
      ds.startWithIsn(0);
      // 3,000 one-byte segments in reverse, then a 1,500-byte one, then the first byte.
      for (let i = 3000; i >= 2; i--) ds.segment(i, 1, new Uint8Array([i & 0xff]), i, 0);
      ds.segment(3001, 1500, new Uint8Array(1500).fill(7), 5000, 0);
      const pieces = ds.buffered();
      ds.segment(1, 1, new Uint8Array([1]), 1, 0);
      return { out, pieces };
    };
    const kept = run(true);
    const counted = run(false);
    expect(counted).toEqual(kept);
    expect(kept.out.reduce((n, c) => n + c[2], 0)).toBe(4500);
  });
});
