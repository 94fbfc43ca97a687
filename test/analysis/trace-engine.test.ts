/**
 * The packet trace (the second pass behind dump, timeline, explain and report) runs the TCP engine
 * under the analysis's own budgets (`Analysis.limits`). When the analysis evicted connections, a
 * trace under other budgets numbered the later connections differently and put one connection's
 * packets on another: here, with room for one live connection, active-vsftpd-ftp's data
 * connections evict the control connection, which comes back under a new tcp.stream each time.
 */
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeStream } from '../../src/analysis/pipeline.js';
import { traceConnections, tracePackets } from '../../src/analysis/packet-trace.js';

const FILE = resolve(__dirname, '../../fixtures/active-vsftpd-ftp.pcap');

describe('the packet trace keeps to the analysis budgets', () => {
  it('every traced frame carries the addresses and ports of the connection it is put on', async () => {
    const a = await analyzeStream(createReadStream(FILE), { fileName: 'active-vsftpd-ftp.pcap', maxConnections: 1 });
    expect(a.limits.maxConnections).toBe(1);
    expect(a.capture.warnings.map((w) => w.code)).toContain('connection-limit');
    // A data connection's SYN evicted the control connection, which came back mid-stream under a new
    // stream once the data connection had closed (its packets meanwhile could not push out the live,
    // active data connection: counted, connections-untracked).
    expect(a.sessions.map((s) => [s.stream, s.midstream])).toEqual([
      [0, false],
      [2, true],
      [4, true],
      [6, true],
    ]);
    expect(a.capture.warnings.find((w) => w.code === 'connections-untracked')).toMatchObject({ packets: 3 });
    // Nothing after an eviction is read as a failure: the transfers cut by one were not followed to their end.
    expect(a.sessions.flatMap((s) => s.transfers.map((t) => [t.status, t.verdict.kind, t.diagnosis]))).toEqual([
      ['incomplete', 'incomplete', null],
      ['incomplete', 'incomplete', null],
      ['incomplete', 'incomplete', null],
    ]);
    const placed: Array<{ frame: number; stream: number; frameEnds: string; connEnds: string }> = [];
    const ends = (x: { ip: string; port: number }, y: { ip: string; port: number }): string =>
      [`${x.ip}:${x.port}`, `${y.ip}:${y.port}`].sort().join(' ');
    const t = await tracePackets(createReadStream(FILE), traceConnections(a), {
      fileName: a.capture.file,
      limits: a.limits,
      keep: (_frame, conn) => conn !== null,
      onKept: (k) => {
        const f = k.decoded;
        const c = k.connection!;
        placed.push({
          frame: f.frame,
          stream: c.stream,
          frameEnds: ends({ ip: f.ip!.src, port: f.tcp!.srcPort }, { ip: f.ip!.dst, port: f.tcp!.dstPort }),
          connEnds: ends(c.client, c.server),
        });
      },
    });
    expect(placed.length).toBeGreaterThan(40);
    expect(placed.filter((p) => p.frameEnds !== p.connEnds)).toEqual([]);
    // The second session's control connection holds its own packets: those of port 21.
    const second = t.connections.find((c) => c.stream === 2 && c.role === 'control')!;
    expect(second.packets.length).toBeGreaterThan(0);
    expect(second.packets.every((p) => p.src.port === 21 || p.dst.port === 21)).toBe(true);
  });
});
