/**
 * Session 45: the drop sweep (scripts/sweep/drop-sweep.mjs) over every fixture, read by class. Each
 * capture here is a committed recording with whole records left out (never new bytes): what a
 * kernel's or a TAP's drops leave.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze, derived, derivedTexts, transfer, verdicts } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit90-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * aria2c resumes a86-c.bin (150,000 bytes, SIZE 213 150000) with REST 75296 (frame 183); vsftpd's 350
 * (frame 184) is lost, its 150 names the whole file, and the data connection carries 74,704 bytes, then
 * 226. Exactly the file less the offset: the server started at the offset. Without the 350 the transfer
 * read "aborted by the client after 74,704 of 150,000 bytes" (restart-lost.ts).
 */
describe('a REST whose 350 the capture lost', () => {
  const NAME = 'a86-cut-aria2c-vsftpd';

  it('the data carried the file less the offset: completed, REST 75296, as with the 350', async () => {
    const full = transfer(await analyze(NAME), '3.1');
    expect([full.restOffset, full.bytes, full.status]).toEqual([75_296, 74_704, 'complete']);
    const d = await derived(tmp, NAME, 'without-184', (f) => f !== 184);
    const t = transfer(d.a, '3.1');
    expect(t.restUnconfirmed).toEqual({ offset: 75_296, frame: 183 });
    expect([t.restOffset, t.expectedSize, t.bytes, t.status, t.verdict.kind, t.diagnosis]).toEqual([75_296, 150_000, 74_704, 'complete', 'completed', null]);
    expect(verdicts(d.a)).toEqual(verdicts(await analyze(NAME)));
    const { out, json } = await derivedTexts(d.file, ['transfers', 'explain']);
    expect(out.transfers).toContain('RETR a86-c.bin (frame 184), TYPE I, REST 75296');
    expect(out.transfers).toContain('completed: 74,704 bytes, all in the capture (226, frame 262)');
    for (const text of Object.values(out)) expect(text).not.toMatch(/aborted by the client after 74,704/);
    expect(json.find((r) => r[0] === '3.1')).toEqual(['3.1', 'completed', null]);
  });

  it('the whole file after it: the offset was not taken (REST refused), nothing inferred', async () => {
    // The first session's REST 0 (frame 26) and its 350 (frame 27): an offset of 0 owes the whole file either way.
    const d = await derived(tmp, NAME, 'without-27', (f) => f !== 27);
    const t = transfer(d.a, '1.1');
    expect([t.restUnconfirmed, t.restOffset]).toEqual([undefined, null]);
  });
});
