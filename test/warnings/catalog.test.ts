/**
 * One warning value for every stage: each warning the recorded fixtures give carries the facts of
 * its code, so the catalog words it again from the value alone, with the catalog's severity.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedFixtureStream } from '../support/shared-analysis.js';
import { WARNINGS, warning, type Warning } from '../../src/warnings/catalog.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures');
const captures = readdirSync(FIXTURES)
  .filter((f) => /\.(pcap|pcapng)(\.gz)?$/.test(f) && statSync(join(FIXTURES, f)).size < 2_000_000)
  .sort();

// The analyses the worker's other files made of the same fixtures (test/support/shared-analysis.ts).
async function warningsOf(name: string): Promise<Warning[]> {
  const a = await sharedFixtureStream(name, { fileName: name });
  return [...a.capture.warnings, ...a.sessions.flatMap((s) => s.warnings)];
}

describe('warnings of the recorded fixtures', () => {
  it('carry their facts: the catalog re-words each from the value alone, with its severity', async () => {
    const seen = new Map<string, string>();
    for (const name of captures) {
      for (const w of await warningsOf(name)) {
        const entry = WARNINGS[w.code] as { severity: string; text(f: unknown, at: unknown): string };
        expect(w.severity, `${name} ${w.code}`).toBe(entry.severity);
        expect(entry.text(w, w), `${name} ${w.code}`).toBe(w.message);
        if (!seen.has(w.code)) seen.set(w.code, `${name} frame ${w.frame}`);
      }
    }
    // Where each code first shows (new recordings may add codes; these must stay).
    expect(Object.fromEntries(seen)).toMatchObject({
      'ftp-pending-commands': 'hostile-client-vsftpd-python.pcap.gz frame 32',
      'ftp-expected-data-channels': 'hostile-client-vsftpd-python.pcap.gz frame 3269',
      'ftp-line-length': 'hostile-client-vsftpd-python.pcap.gz frame 16485',
      'ftp-reply-lines': 'hostile-server-python.pcap frame 32',
      'time-backwards': 'ipv6-epsv-proftpd-lftp.pcapng frame 14',
      'midstream-sessions': 'a22-late-start-vsftpd-lftp.pcap frame 132',
    });
  }, 120_000);

  it('a warning made from facts: code, severity, where, facts and the sentence', () => {
    expect(warning('caplen-exceeds-origlen', { caplen: 70, origlen: 60 }, { frame: 3, offset: 200 })).toEqual({
      code: 'caplen-exceeds-origlen',
      severity: 'note',
      caplen: 70,
      origlen: 60,
      frame: 3,
      offset: 200,
      message: 'frame 3 at byte offset 200: captured length 70 exceeds original length 60 (further frames like this are not reported)',
    });
    // No frame or offset given: none in the value (JSON stays as it was for warnings without them).
    expect(Object.keys(warning('reassembly-buffer-full', { times: 3 }))).toEqual(['code', 'severity', 'message', 'times']);
  });
});
