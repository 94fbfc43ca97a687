/**
 * The report's dump candidates are bounded by their text as well as their number: a generated
 * NOOP flood (200 pipelined NOOPs per segment, one dump line each) would otherwise hold thousands
 * of dumps of hundreds of lines, which filled a 128 MiB heap (`report --max-memory 128` aborted Node).
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { analyzeStream } from '../../src/analysis/pipeline.js';
import { traceConnections, tracePackets } from '../../src/analysis/packet-trace.js';
import { DumpCollector, MAX_CANDIDATE_CHARS, dumpChars } from '../../src/render/report/frames.js';
import * as gen from '../../scripts/bench/adversarial.mjs';

describe('report dump candidates (generated NOOP flood)', () => {
  it('stop once their text passes the bound; the frames kept before it are dumped whole', async () => {
    const bytes = gen.noops(2, 60_000);
    const a = await analyzeStream(Readable.from([bytes]), { fileName: 'generated-noops' });
    const collector = new DumpCollector(a, { showPasswords: false, tlsRecords: new Map() });
    await tracePackets(Readable.from([bytes]), traceConnections(a), { fileName: 'generated-noops', limits: a.limits, keep: collector.keep, onKept: collector.onKept });
    const dumps = [...collector.finish().values()];
    const chars = dumps.map(dumpChars);
    const total = chars.reduce((n, c) => n + c, 0);
    // 600 text segments each way per session were candidates; the text bound stops well before.
    expect(dumps.length).toBeLessThan(2 * 600);
    expect(total).toBeGreaterThanOrEqual(MAX_CANDIDATE_CHARS);
    expect(total).toBeLessThan(MAX_CANDIDATE_CHARS + Math.max(...chars));
    // A NOOP segment's dump: one line per NOOP (200), each as `dump` prints it.
    expect(dumps.some((d) => d.lines.filter((l) => (typeof l === 'string' ? l : l[0]).includes('NOOP')).length >= 200)).toBe(true);
  });
});
