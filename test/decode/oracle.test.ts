/**
 * tshark oracle over the committed fixtures: every fixtures/<name>.tshark-fields.tsv (written by
 * scripts/tshark-fields.sh when the fixture was recorded) is compared field by field with our
 * decode of fixtures/<name>.{pcap,pcapng,pcap.gz,pcapng.gz}.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkAgainstTshark, formatMismatches } from './tshark-oracle.js';
import { sampleFixtures } from '../support/fixture-sample.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures');
const SUFFIX = '.tshark-fields.tsv';
const CAPTURE_EXTS = ['.pcap', '.pcapng', '.pcap.gz', '.pcapng.gz'];

function pairs(): Array<{ name: string; capture: string; tsv: string }> {
  if (!existsSync(FIXTURES)) return [];
  const out: Array<{ name: string; capture: string; tsv: string }> = [];
  for (const file of readdirSync(FIXTURES).sort()) {
    // Large views are stored gzip-compressed (NAME.tshark-fields.tsv.gz).
    const plain = file.endsWith('.gz') ? file.slice(0, -3) : file;
    if (!plain.endsWith(SUFFIX)) continue;
    const name = plain.slice(0, -SUFFIX.length);
    const ext = CAPTURE_EXTS.find((e) => existsSync(join(FIXTURES, name + e)));
    if (ext !== undefined) out.push({ name, capture: join(FIXTURES, name + ext), tsv: join(FIXTURES, file) });
  }
  return out;
}

// npm test checks a fixed sample; test:long (and CI) every fixture.
const found = sampleFixtures(pairs(), (p) => p.name);

describe('decoder agrees with tshark on the fixtures', () => {
  if (found.length === 0) {
    it.skip('no fixtures/*.tshark-fields.tsv with a capture beside it yet', () => {});
    console.log('decode oracle: skipped, no fixtures/*.tshark-fields.tsv with a capture beside it');
    return;
  }
  for (const { name, capture, tsv } of found) {
    it(name, async () => {
      const r = await checkAgainstTshark(capture, tsv);
      if (r.explained.length > 0) {
        console.log(`${name}: ${r.explained.length} difference(s) by design on malformed headers:\n` + formatMismatches(r.explained, 10));
      }
      expect(r.frames).toBeGreaterThan(0);
      expect(r.mismatches, formatMismatches(r.mismatches)).toEqual([]);
    });
  }
});
