/**
 * A TLS handshake begun in the capture and not finished in it carried no data: a transfer's bytes
 * are then 0, as they are when a fatal alert ends the handshake. The full fuzz set found the
 * difference on a capture cut just before that alert: the cut capture counted the handshake's 162
 * bytes as data where the whole capture counted 0 (a cut capture must never report more).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { analyzeStream } from '../../src/analysis/pipeline.js';

const FILE = join(__dirname, '../../fixtures/ftps-data-alert-proftpd-python.pcap');

/** The first `n` records of a classic pcap, as a capture cut there (its bytes, unchanged). */
function firstRecords(bytes: Buffer, n: number): Buffer {
  let at = 24;
  for (let i = 0; i < n; i++) at += 16 + bytes.readUInt32LE(at + 8);
  return bytes.subarray(0, at);
}

describe('a data connection whose TLS handshake the capture does not see finish', () => {
  it('carries 0 bytes, in the capture cut before its alert as in the whole one', async () => {
    const bytes = readFileSync(FILE);
    const whole = await analyzeStream(Readable.from([bytes]), { fileName: 'whole' });
    const w = whole.sessions[0].transfers[0];
    // The server's fatal alert is frame 37, on the data connection (tcp.stream 1).
    expect([w.connection?.stream, w.status, w.bytes, w.connection?.tls?.alerts[0]?.frame]).toEqual([1, 'failed', 0, 37]);
    const cut = await analyzeStream(Readable.from([firstRecords(bytes, 36)]), { fileName: 'cut' });
    const t = cut.sessions[0].transfers[0];
    expect([t.connection?.stream, t.connection?.tls?.handshakeDone, t.connection?.tls?.alerts.length]).toEqual([1, false, 0]);
    expect(t.connection!.bytesToClient + t.connection!.bytesToServer).toBeGreaterThan(0);
    expect(t.bytes).toBe(0);
  });
});
