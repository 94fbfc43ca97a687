/**
 * The collector between the pipeline's data callback and the sinks, over hand-made model objects
 * (no packets): conversion across chunks and gaps, holes for --fill-gaps, which direction is kept,
 * empty objects, transfers with no data connection, and a sink that fails.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Analysis, Session, Transfer } from '../../src/analysis/model.js';
import { ExtractionCollector, type ExtractSettings, type ObjectSink } from '../../src/extract/collector.js';
import type { StreamChunk } from '../../src/tcp/types.js';

class MemorySink implements ObjectSink {
  parts: Buffer[] = [];
  write(bytes: Uint8Array): void {
    this.parts.push(Buffer.from(bytes));
  }
  skip(n: number): void {
    this.parts.push(Buffer.alloc(n));
  }
  get data(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function transfer(over: Partial<Transfer> & { command?: string | null }): Transfer {
  const command = over.command === undefined ? 'RETR' : over.command;
  return {
    id: 1,
    session: 1,
    request: command ? { frame: 10, time: 0, command, arg: 'a.txt', path: '/a.txt' } : null,
    direction: command === null ? null : command === 'STOR' ? 'upload' : command === 'LIST' ? 'listing' : 'download',
    connection: { established: true, stream: 3, midstream: false },
    status: 'complete',
    reply: { code: 226, frame: 20 },
    type: 'I',
    restOffset: null,
    expectedSize: null,
    // The model's verdict (the collector reads whether an upload's client was gone).
    verdict: { kind: 'completed', bytes: 0, expected: null, missingBytes: 0, sentShort: false, evidence: [] },
    ...over,
  } as unknown as Transfer;
}

/** The session sent the TYPE the transfers carry (frame 5, before their commands at frame 10). */
const TYPE_SENT = { frame: 5, time: 0, command: 'TYPE', arg: '', reply: { code: 200, text: 'ok', frame: 6 }, preliminary: [] };

const analysis = (transfers: Transfer[], over: Partial<Session> = {}): Analysis =>
  ({ capture: { file: 'x.pcap' }, sessions: [{ id: 1, transfers, dataProtection: null, midstream: false, commands: [TYPE_SENT], ...over }] }) as unknown as Analysis;

let offset = 0;
const chunk = (s: string, gapBefore = 0, at?: number): StreamChunk => {
  const streamOffset = at ?? offset + gapBefore;
  offset = streamOffset + Buffer.byteLength(s, 'latin1');
  return { dir: 's2c', bytes: Buffer.from(s, 'latin1'), gapBefore, streamOffset, frame: 1, time: 0 };
};

function collector(over: Partial<ExtractSettings> = {}): { c: ExtractionCollector; sinks: MemorySink[] } {
  const sinks: MemorySink[] = [];
  const c = new ExtractionCollector({
    fillGaps: false,
    asciiToLf: false,
    openSink: () => {
      const s = new MemorySink();
      sinks.push(s);
      return s;
    },
    ...over,
  });
  return { c, sinks };
}

describe('ExtractionCollector', () => {
  it('leaves a MODE Z transfer as on the wire even with --ascii-to-lf, and says what it saved', () => {
    const { c } = collector({ asciiToLf: true });
    // TYPE A in MODE Z: the wire carries deflate bytes, where a CR LF pair is no line end.
    const t = transfer({ type: 'A', transferMode: 'Z', expectedSize: 16000 });
    offset = 0;
    c.onTransferData(t, chunk('x\x9c\r\nz'), false);
    const { objects } = c.finish(analysis([t]));
    expect((objects[0].sink as MemorySink).data.toString('latin1')).toBe('x\x9c\r\nz');
    expect(objects[0].entry).toMatchObject({ transferMode: 'Z', convertedToLf: false, verdict: 'complete' });
    expect(objects[0].entry.notes.join(' ')).toMatch(/MODE Z: the saved bytes are the deflate \(zlib\) stream/);
    expect(objects[0].entry.notes.join(' ')).not.toMatch(/announced|line endings/);
  });

  it('converts CRLF in a TYPE A download across chunk boundaries, and hashes what it saves', () => {
    const { c } = collector({ asciiToLf: true });
    const t = transfer({ type: 'A', expectedSize: 10 });
    offset = 0;
    for (const s of ['ab\r', '\ncd\r', '\n', 'ef\r\n']) c.onTransferData(t, chunk(s), false);
    const { objects } = c.finish(analysis([t]));
    const sink = objects[0].sink as MemorySink;
    expect(sink.data.toString()).toBe('ab\ncd\nef\n');
    expect(objects[0].entry).toMatchObject({
      bytes: 9,
      capturedBytes: 12,
      ascii: true,
      convertedToLf: true,
      lineEndingsConverted: 3,
      sha256: createHash('sha256').update('ab\ncd\nef\n').digest('hex'),
      verdict: 'unverified', // 12 bytes on the wire (9 as LF) but the server announced 10
    });
  });

  it('flags TYPE A kept as sent, and accepts the LF size the server announced', () => {
    const { c } = collector();
    const t = transfer({ type: 'A', expectedSize: 4 });
    offset = 0;
    c.onTransferData(t, chunk('a\r\nb\r\n'), false);
    const e = c.finish(analysis([t])).objects[0].entry;
    expect(e).toMatchObject({ ascii: true, convertedToLf: false, bytes: 6, verdict: 'complete' });
    expect(e.notes.join(' ')).toMatch(/sent as ASCII/);
  });

  it('leaves gaps out, or writes them as zeros with --fill-gaps, and records the ranges', () => {
    for (const fillGaps of [false, true]) {
      const { c } = collector({ fillGaps });
      const t = transfer({});
      offset = 0;
      c.onTransferData(t, chunk('aaaa'), false);
      c.onTransferData(t, chunk('bb', 3), false);
      c.onTransferData(t, chunk('', 2), false); // missing at the end (acknowledged, never captured)
      const o = c.finish(analysis([t])).objects[0];
      expect(o.entry).toMatchObject({ missing: [{ start: 4, end: 7 }, { start: 9, end: 11 }], missingBytes: 5, verdict: 'truncated', gapsFilled: fillGaps });
      expect((o.sink as MemorySink).data).toEqual(fillGaps ? Buffer.from('aaaa\0\0\0bb\0\0') : Buffer.from('aaaabb'));
      expect(o.entry.sha256).toBe(createHash('sha256').update((o.sink as MemorySink).data).digest('hex'));
    }
  });

  it('writes at most maxFillBytes of zeros per object, and says the rest was left out', () => {
    const { c } = collector({ fillGaps: true, maxFillBytes: 4 });
    const t = transfer({});
    offset = 0;
    c.onTransferData(t, chunk('a'), false);
    c.onTransferData(t, chunk('b', 3), false);
    c.onTransferData(t, chunk('c', 1_000_000), false);
    const o = c.finish(analysis([t])).objects[0];
    expect((o.sink as MemorySink).data).toEqual(Buffer.from('a\0\0\0bc'));
    expect(o.entry).toMatchObject({ missingBytes: 1_000_003, gapsFilled: false, bytes: 6 });
    expect(o.entry.notes).toContain('1000000 bytes missing from the capture are left out (more zeros than --fill-gaps writes per file): the file is shorter');
  });

  it('releases a CR held at a gap unconverted', () => {
    const { c } = collector({ asciiToLf: true });
    const t = transfer({ type: 'A' });
    offset = 0;
    c.onTransferData(t, chunk('x\r'), false);
    c.onTransferData(t, chunk('\ny', 5), false);
    expect((c.finish(analysis([t])).objects[0].sink as MemorySink).data.toString('latin1')).toBe('x\r\ny');
  });

  it("keeps the upload's bytes to the server and notes bytes the other way", () => {
    const { c, sinks } = collector();
    const t = transfer({ command: 'STOR' });
    offset = 0;
    c.onTransferData(t, chunk('junk'), false);
    offset = 0;
    c.onTransferData(t, chunk('payload'), true);
    const r = c.finish(analysis([t]));
    expect((r.objects[0].sink as MemorySink).data.toString()).toBe('payload');
    expect(r.objects[0].entry.direction).toBe('upload');
    expect(r.objects[0].entry.notes).toContain('4 bytes sent the other way on the data connection were not saved');
    expect(r.discarded).toEqual([sinks[0]]);
  });

  it('saves an empty file for a data connection that carried nothing, and skips transfers without one', () => {
    const { c } = collector();
    const empty = transfer({ id: 1 });
    const none = transfer({ id: 2, connection: null, status: 'failed', reply: { code: 425, frame: 30 } } as Partial<Transfer>);
    const r = c.finish(analysis([empty, none]));
    expect(r.objects.map((o) => [o.entry.transfer, o.entry.bytes, o.entry.sha256.slice(0, 8), o.entry.verdict])).toEqual([[1, 0, 'e3b0c442', 'complete']]);
    expect(r.skipped).toEqual([
      { session: 1, transfer: 2, command: 'RETR', originalName: 'a.txt', status: 'failed', verdict: none.verdict, reason: 'no data connection in the capture' },
    ]);
  });

  it('saves each direction of a data connection no command explains', () => {
    const { c } = collector();
    const t = transfer({ command: null, status: 'unused' });
    offset = 0;
    c.onTransferData(t, chunk('up'), true);
    offset = 0;
    c.onTransferData(t, chunk('down'), false);
    const names = c.finish(analysis([t])).objects.map((o) => [o.entry.savedName, o.entry.direction, o.entry.verdict]);
    expect(names).toEqual([
      ['s1-t1-data-to-client.bin', 'to-client', 'unverified'],
      ['s1-t1-data-to-server.bin', 'to-server', 'unverified'],
    ]);
  });

  it('marks encrypted data unverified and reports REST', () => {
    const { c } = collector();
    const t = transfer({ restOffset: 100, expectedSize: 104 });
    offset = 0;
    c.onTransferData(t, chunk('tail'), false);
    const e = c.finish(analysis([t], { dataProtection: 'P' })).objects[0].entry;
    expect(e.verdict).toBe('unverified');
    expect(e.notes).toContain('REST 100: the data starts at byte 100 of the file');
    expect(e.notes.join(' ')).toMatch(/encrypted \(PROT P\)/);
  });

  it('stops at the first sink error and reports it', () => {
    const c = new ExtractionCollector({
      fillGaps: false,
      asciiToLf: false,
      openSink: () => ({
        write: () => {
          throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
        },
        skip: () => undefined,
      }),
    });
    offset = 0;
    c.onTransferData(transfer({}), chunk('x'), false);
    expect((c.error as NodeJS.ErrnoException).code).toBe('ENOSPC');
  });
});
