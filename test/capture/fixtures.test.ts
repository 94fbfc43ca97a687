import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { existing, readText } from '../support/read-text.js';
import { sampleFixtures } from '../support/fixture-sample.js';
import { describe, expect, it } from 'vitest';
import { openCaptureFile } from '../../src/capture/open-capture.js';
import { collect } from './build.js';

/**
 * The recorded fixtures (fixtures/record.sh): each NAME.facts.json names its capture and the
 * packet count tshark saw; NAME.tshark-fields.tsv has tshark's frame.number / cap_len / len per
 * frame. First/last frame.time_epoch below were printed by tshark 4.0.17, run by hand.
 */
const FIXTURES = join(__dirname, '../../fixtures');

const TIMES: Record<string, [string, string]> = {
  'active-vsftpd-ftp': ['1795242177.720334000', '1795242177.777498000'],
  'passive-vsftpd-lftp': ['1795242172.626055000', '1795242172.669773000'],
  // dumpcap writes if_tsresol 9: nanoseconds.
  'passive-proftpd-curl': ['1795242182.741185200', '1795242182.771516647'],
  'ipv6-epsv-proftpd-lftp': ['1795242188.096350145', '1795242188.119360202'],
  // tcpdump --time-stamp-precision=nano: the nanosecond pcap magic.
  'nano-epsv-vsftpd-curl': ['1795242198.931119298', '1795242198.981363017'],
};

interface Facts {
  capture?: { file?: string; format?: string; gzip?: boolean; packets?: number; timestamp_precision?: string };
}

// npm test reads a fixed sample against tshark, and the captures whose timestamps are checked above
// (each time format); test:long (and CI) every fixture.
const allFactFiles = existsSync(FIXTURES) ? readdirSync(FIXTURES).filter((f) => f.endsWith('.facts.json')).sort() : [];
const sampled = new Set(sampleFixtures(allFactFiles));
const factFiles = allFactFiles.filter((f) => sampled.has(f) || f.replace(/\.facts\.json$/, '') in TIMES);
if (factFiles.length === 0) console.log(`skipping fixture capture tests: no *.facts.json in ${FIXTURES}`);

const epoch = (sec: number, nsec: number) => `${sec}.${String(nsec).padStart(9, '0')}`;

describe.skipIf(factFiles.length === 0)('recorded fixtures', () => {
  for (const factFile of factFiles) {
    const name = factFile.replace(/\.facts\.json$/, '');
    const facts = JSON.parse(readFileSync(join(FIXTURES, factFile), 'utf8')) as Facts;
    const cap = facts.capture;
    it.skipIf(!cap?.file || !existsSync(join(FIXTURES, cap.file)))(`${name}: matches tshark`, async () => {
      const c = await collect(openCaptureFile(join(FIXTURES, cap!.file!)));
      expect(c.error).toBeUndefined();
      expect(c.warnings).toEqual([]);
      expect(c.result?.packets).toBe(cap!.packets);
      expect(c.header?.format).toBe(cap!.format);
      expect(c.header?.compressed).toBe(cap!.gzip === true);
      if (c.header?.format === 'pcap') {
        expect(c.header.tsUnitsPerSecond).toBe(cap!.timestamp_precision === 'nanosecond' ? 1e9 : 1e6);
      }
      const tsv = existing(join(FIXTURES, `${name}.tshark-fields.tsv`));
      if (tsv) {
        const [head, ...rows] = readText(tsv, 'utf8').trimEnd().split('\n');
        const cols = head.split('\t');
        const [num, caplen, len] = ['frame.number', 'frame.cap_len', 'frame.len'].map((f) => cols.indexOf(f));
        const theirs = rows.map((r) => r.split('\t')).map((f) => [Number(f[num]), Number(f[caplen]), Number(f[len])]);
        expect(c.records.map((r) => [r.frame, r.capturedLength, r.originalLength])).toEqual(theirs);
      }
      const times = TIMES[name];
      if (times) {
        const first = c.records[0];
        const last = c.records[c.records.length - 1];
        expect([epoch(first.tsSec, first.tsNsec), epoch(last.tsSec, last.tsNsec)]).toEqual(times);
      }
    });
  }
});
