/**
 * The same oracle over the read-only shared captures (../shared/captures), generating tshark's
 * TSVs into a temp dir. Opt-in (FTPCAP_SHARED_ORACLE=1) because it runs tshark ~20 times; skips
 * with a printed reason when the captures or tshark are missing. Nothing derived is kept.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkAgainstTshark, formatMismatches } from './tshark-oracle.js';

const ROOT = join(import.meta.dirname, '../..');
const SHARED = join(ROOT, '../shared/captures');
const SCRIPT = join(ROOT, 'scripts/tshark-fields.sh');

function hasTshark(): boolean {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const reason =
  process.env.FTPCAP_SHARED_ORACLE !== '1'
    ? 'set FTPCAP_SHARED_ORACLE=1 to run'
    : !existsSync(SHARED)
      ? `${SHARED} is absent`
      : !hasTshark()
        ? 'tshark is not installed'
        : '';

describe('decoder agrees with tshark on the shared captures', () => {
  if (reason !== '') {
    it.skip(`skipped: ${reason}`, () => {});
    console.log(`decode shared oracle: skipped, ${reason}`);
    return;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-oracle-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const captures = readdirSync(SHARED, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(SHARED, d.name)).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => join(SHARED, d.name, f)));
  for (const capture of captures) {
    it(capture.slice(SHARED.length + 1), async () => {
      const tsv = join(tmp, capture.replace(/[/\\]/g, '_') + '.tsv');
      execFileSync('bash', [SCRIPT, capture, tsv], { stdio: 'ignore' });
      const r = await checkAgainstTshark(capture, tsv);
      expect(r.frames).toBeGreaterThan(0);
      expect(r.mismatches, formatMismatches(r.mismatches)).toEqual([]);
    });
  }
});
