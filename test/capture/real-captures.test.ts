import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openCaptureFile } from '../../src/capture/open-capture.js';
import { collect } from './build.js';

const SHARED = join(__dirname, '../../../shared/captures');
const haveShared = existsSync(SHARED);
if (!haveShared) console.log(`skipping real-capture tests: ${SHARED} is absent`);

/** Frame count and first/last frame.time_epoch as printed by tshark 4.0.17 (run by hand). */
const EXPECTED: Array<[string, number, string, string, number]> = [
  ['zeek/bruteforce.pcap', 606, '1389721044.820046000', '1389721103.938346000', 1],
  ['zeek/ipv4.pcap', 95, '1329843161.968492000', '1329843200.079930000', 1],
  ['zeek/ipv6.pcap', 136, '1329327777.822004000', '1329327804.589723000', 1],
  ['zeek/retr.pcap', 67, '1363628702.013625000', '1363628702.272410000', 1],
  ['suricata-verify/ftp-port-memcap.pcap', 18, '1612510490.000000000', '1612510490.000017000', 0],
  ['suricata-verify/ftp-too-long-response.pcap', 255, '1649351258.347586000', '1649351258.389399000', 1],
];

const epoch = (sec: number, nsec: number) => `${sec}.${String(nsec).padStart(9, '0')}`;

describe.skipIf(!haveShared)('real captures from /work/shared', () => {
  for (const [file, packets, first, last, linkType] of EXPECTED) {
    it(`${file}: ${packets} frames, first/last timestamps as tshark prints them`, async () => {
      const c = await collect(createReadStream(join(SHARED, file)));
      expect(c.error).toBeUndefined();
      expect(c.warnings).toEqual([]);
      expect(c.result?.packets).toBe(packets);
      expect(c.records.map((r) => r.frame)).toEqual(Array.from({ length: packets }, (_, i) => i + 1));
      expect(epoch(c.records[0].tsSec, c.records[0].tsNsec)).toBe(first);
      const end = c.records[packets - 1];
      expect(epoch(end.tsSec, end.tsNsec)).toBe(last);
      expect(c.records.every((r) => r.linkType === linkType)).toBe(true);
      // Offsets chain: each record starts where the previous one's bytes ended.
      for (let i = 1; i < packets; i++) {
        const prev = c.records[i - 1];
        expect(c.records[i].offset).toBe(prev.offset + 16 + prev.capturedLength);
      }
    });
  }

  it('openCaptureFile reads a path in large chunks with the same result', async () => {
    const path = join(SHARED, 'zeek/ipv4.pcap');
    const viaOpen = await collect(openCaptureFile(path));
    const bytewise = await collect(createReadStream(path, { highWaterMark: 1 }));
    expect(viaOpen.result?.packets).toBe(95);
    expect(bytewise.records).toEqual(viaOpen.records);
    expect(viaOpen.records[0].time).toBe(1329843161.968492);
  });

  it('openCaptureFile of a missing path rejects with a one-line CaptureError', async () => {
    const c = await collect(openCaptureFile(join(SHARED, 'no-such-file.pcap')));
    expect(c.error?.name).toBe('CaptureError');
    expect(c.error?.message).toBe('cannot open: no such file or directory (ENOENT)');
  });
});
