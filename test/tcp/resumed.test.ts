/**
 * A connection the reassembler gave up before its end (for room, or after its idle timeout) and
 * whose packets come back is picked up again as one that `resumes` it: mid-stream, with the sides
 * it had, never taken for a connection begun before the capture. Real captures, read whole.
 */
import { createReadStream } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/read-capture.js';
import { decodeFrame } from '../../src/decode/frame.js';
import { TcpReassembler, type ReassemblerOptions } from '../../src/tcp/reassembler.js';
import { path } from '../diagnose/audit-fixtures.js';
import { FrameMaker, Recorder } from './helpers.js';

async function reassemble(name: string, opts: ReassemblerOptions) {
  const rec = new Recorder();
  const r = new TcpReassembler(rec, opts);
  await readCapture(
    createReadStream(path(name)),
    {
      onRecord: (record) => {
        const f = decodeFrame(record);
        if (f.tcp !== undefined || f.icmp !== undefined) r.push(f);
      },
      onWarning: () => {},
    },
    { fileName: name },
  );
  r.finish();
  return rec.conns.map((c) => [c.id, c.firstFrame, `${c.client.ip}:${c.client.port}`, `${c.server.ip}:${c.server.port}`, c.midstream, c.evicted ?? null, c.resumes ?? null]);
}

describe('connections picked up again after the reassembler gave them up', () => {
  it('idle: the control connection silent through a slow reader\'s download (frames 47–124) resumes stream 0 with its own sides', async () => {
    // a40-slow-reader-vsftpd-python: the control connection is silent while the data connection
    // (stream 1, frames 19–123) trickles; with a 10 s idle timeout, and its two connections half a
    // budget of 4, it is given up after frame 47.
    expect(await reassemble('a40-slow-reader-vsftpd-python', { idleTimeout: 10, maxConnections: 4 })).toEqual([
      [0, 3, '192.0.2.10:33248', '198.51.100.20:21', false, 47, null],
      [1, 19, '192.0.2.10:52368', '198.51.100.20:50062', false, null, null],
      [2, 124, '192.0.2.10:33248', '198.51.100.20:21', true, null, { stream: 0, evictedAt: 47, why: 'idle' }],
    ]);
    // With room in the table, silence gives nothing up, however long.
    expect((await reassemble('a40-slow-reader-vsftpd-python', { idleTimeout: 10 })).map((c) => c[6])).toEqual([null, null]);
  });

  it("room: lftp pget's control connections given up for newer ones (a budget of 2) resume at their later packets, with their own sides", async () => {
    const conns = await reassemble('pget4-vsftpd-lftp', { maxConnections: 2 });
    expect(conns.slice(1, 3)).toEqual([
      [1, 32, '192.0.2.10:60554', '198.51.100.20:21', false, 35, null],
      [2, 35, '192.0.2.10:60570', '198.51.100.20:21', false, 38, null],
    ]);
    expect(conns.slice(7)).toEqual([
      [7, 347, '192.0.2.10:60570', '198.51.100.20:21', true, null, { stream: 2, evictedAt: 38, why: 'room' }],
      [8, 365, '192.0.2.10:60554', '198.51.100.20:21', true, null, { stream: 1, evictedAt: 35, why: 'room' }],
    ]);
    // Connections given up that never came back resume nothing; none other is marked.
    expect(conns.filter((c) => c[6] !== null)).toHaveLength(2);
  });

  it('a connection that never opened nor carried a byte leaves no record: its later packet is mid-stream, not resumed (generated frames)', () => {
    const rec = new Recorder();
    const r = new TcpReassembler(rec, { maxConnections: 1 });
    const fm = new FrameMaker();
    const a = { ip: '192.0.2.10', port: 40000 };
    const b = { ip: '192.0.2.10', port: 40001 };
    r.push(fm.seg({ from: 'c', flags: 'S', seq: 100, client: a }));
    r.push(fm.seg({ from: 'c', flags: 'S', seq: 500, client: b })); // pushes the first out
    r.push(fm.seg({ from: 'c', flags: 'A', seq: 101, ack: 901, client: a, time: 100 })); // the live one idle past 30 s
    r.finish();
    expect(rec.conns.map((c) => [c.id, c.client.port, c.midstream, c.resumes ?? null])).toEqual([
      [0, 40000, false, null],
      [1, 40001, false, null],
      [2, 40000, true, null],
    ]);
  });
});
