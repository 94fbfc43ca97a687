/**
 * Over its packet budget the trace folds a data run's plain packets into the run's first segment
 * (packet-trace.ts: Folded), so that one long transfer costs its events, not its packets. The
 * ladders, the timeline and the explanation drawn from a folded trace are those of the full one:
 * here with a budget of one packet and no session handed on, on real transfers with loss and
 * reordering, in clear and in TLS.
 */
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildLadder } from '../../src/analysis/ladder.js';
import { traceConnections, tracePackets } from '../../src/analysis/packet-trace.js';
import { renderExplain } from '../../src/render/explain.js';
import { renderTimeline } from '../../src/render/timeline.js';
import { load, FIXTURES_DIR } from '../teach/load.js';

const FILES = ['large-plain-vsftpd-curl.pcap.gz', 'large-lossy-vsftpd-lftp.pcap.gz', 'ftps-large-vsftpd-curl.pcap.gz', 'abort-vsftpd-lftp.pcap', 'active-vsftpd-ftp.pcap'];

describe.each(FILES)('%s', (file) => {
  it('a folded trace draws the same ladders, timeline and explanation, from far fewer packets', async () => {
    const { analysis: a, trace: full, ladders } = await load(file);
    const folded = await tracePackets(createReadStream(resolve(FIXTURES_DIR, file)), traceConnections(a), {
      fileName: a.capture.file,
      limits: a.limits,
      packetBudget: 1,
    });
    const kept = (t: typeof full): number => t.connections.reduce((n, c) => n + c.packets.length, 0);
    const stood = folded.connections.reduce(
      (n, c) => n + c.packets.reduce((m, p) => m + 1 + (p.folded ? p.folded.segments + p.folded.acks + p.folded.quietAcks : 0), 0),
      0,
    );
    // Every packet of the full trace is kept or folded into a kept one.
    expect(stood).toBe(kept(full));
    const foldedLadders = a.sessions.map((s) => buildLadder(s, folded));
    expect(renderTimeline(a, foldedLadders, { width: 100 })).toBe(renderTimeline(a, ladders, { width: 100 }));
    expect(renderExplain(a, foldedLadders)).toBe(renderExplain(a, ladders));
    if (file.startsWith('large') || file.startsWith('ftps-large')) expect(kept(folded)).toBeLessThan(kept(full) / 10);
  });
});
