/**
 * The packet trace handing sessions over as it reads (tracePackets' onSession, what `timeline` and
 * `explain` print from, so that memory does not grow with the capture): with a budget of one packet
 * each session goes as soon as its connections have closed, once, with the packets the full trace
 * has for it (kept, or folded into a data run's first segment while the session is open: see
 * trace-fold.test.ts); packets that come later (a late ACK, a repeated FIN) are counted in
 * `unshown`, and the session's ladder is the full trace's whenever none came.
 */
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildLadder } from '../../src/analysis/ladder.js';
import { traceConnections, tracePackets, type TraceConnection } from '../../src/analysis/packet-trace.js';
import { renderLadder } from '../../src/render/timeline.js';
import { FIXTURES_DIR, load, TEACH_FIXTURES } from './load.js';

// hostile-client: 46 packets come after its connections closed (the only fixture with any).
const FILES = [...TEACH_FIXTURES.filter((f) => !f.startsWith('large-')), 'hostile-client-vsftpd-python.pcap.gz'];

describe.each(FILES)('%s', (file) => {
  it('hands every session over once, with the full trace packets; later ones counted', async () => {
    const { analysis, trace, ladders } = await load(file);
    const handed = new Map<number, TraceConnection[]>();
    const frames = (cs: TraceConnection[]): number[] => cs.flatMap((c) => c.packets.map((p) => p.frame)).sort((x, y) => x - y);
    const stood = (cs: TraceConnection[]): number =>
      cs.reduce((n, c) => n + c.packets.reduce((m, p) => m + 1 + (p.folded ? p.folded.segments + p.folded.acks + p.folded.quietAcks : 0), 0), 0);
    const streamed = await tracePackets(createReadStream(resolve(FIXTURES_DIR, file)), traceConnections(analysis), {
      fileName: analysis.capture.file,
      limits: analysis.limits,
      packetBudget: 1,
      onSession: (id, conns) => {
        expect(handed.has(id), `session ${id} handed twice`).toBe(false);
        // Copied now: the trace drops the packets after the call.
        handed.set(id, conns.map((c) => ({ ...c, packets: [...c.packets] })));
      },
    });
    expect([...handed.keys()].sort((x, y) => x - y)).toEqual(analysis.sessions.map((s) => s.id).sort((x, y) => x - y));
    let missing = 0;
    for (const s of analysis.sessions) {
      const full = frames(trace.connections.filter((c) => c.session === s.id));
      const got = frames(handed.get(s.id)!);
      const count = stood(handed.get(s.id)!);
      // The kept frames are the full trace's first `count` frames, less those folded.
      const first = new Set(full.slice(0, count));
      expect(got.every((f) => first.has(f)), `session ${s.id}`).toBe(true);
      missing += full.length - count;
      if (full.length === count) {
        const l = buildLadder(s, { connections: handed.get(s.id)!, kept: [], frames: 0, unshown: 0 });
        const whole = ladders.find((x) => x.session.id === s.id)!;
        expect(renderLadder(analysis, l, { width: 80 })).toBe(renderLadder(analysis, whole, { width: 80 }));
      }
    }
    expect(streamed.unshown).toBe(missing);
    expect(missing > 0).toBe(file.startsWith('hostile-client'));
    expect(streamed.connections.every((c) => c.packets.length === 0)).toBe(true);
  });
});
