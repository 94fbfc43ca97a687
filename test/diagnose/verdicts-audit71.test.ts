/**
 * The seventy-first verdict audit, on real recordings (fixtures/record.sh, "seventy-first audit"):
 * one failure among many transfers. Bulk clients move trees of small files over several sessions and
 * parallel data connections while a few transfers fail for real reasons; every other one completes.
 *
 * a71-mirror-port-window-proftpd-lftp (and -server-side-): lftp mirror --parallel=3 of 36 files; for
 * 1.5 s the router answers every SYN to the passive range with a reset. Six attempts in six sessions
 * fail at the connection (lftp sends no RETR, closes the session, reconnects); every file arrives on a
 * later attempt. Before this audit: each refused attempt whose port had not opened elsewhere read
 * "the server was reachable, only not on 50031 — as when a firewall opens only part of the range",
 * with advice to match the firewall's range to the server's, although ports all around it (50002,
 * 50075: refused in the spell, opened before or after it) opened before and after: the refusals were a
 * spell in time, not a part of the range. And the retries were paired with the wrong sessions: the
 * attempts of sessions 2 and 3, failed side by side, both named session 5 as their next attempt
 * (session 3's job had reconnected as session 4, opened first), and sessions 1, 4 and 5 all named
 * session 6.
 *
 * Also recorded, every verdict true (each failure the right cause in its own session, every healthy
 * transfer undiagnosed, the counts those of the client's log and the trees' sha256):
 * a71-mirror-perm-vsftpd-lftp (two files mode 000: 550), a71-mirror-r-maxstore-proftpd-lftp
 * (MaxStoreFileSize 3000 B: six uploads answered 552 after their data), a71-mirror-r-quota-pureftpd-lftp
 * (a quota of 16: three uploads refused 552 before any data), a71-rclone-maxperip-pureftpd (and
 * -server-side-: pure-ftpd -C 2, 24 sessions turned away with 421 at the greeting, all 24 files copied),
 * a71-wget-mirror-vanish-pyftpdlib (a file deleted after its directory's listing: 550),
 * a71-curl-multi-synloss-vsftpd (and -server-side-: 16 URLs on one control connection, 8 data SYNs
 * dropped and sent again, one file mode 000), a71-ftplib-threads-missing-pyftpdlib (four overlapping
 * sessions, one missing name), a71-ncftpget-r-perm-vsftpd (its RETR tree.tar probe and one mode 000 file).
 *
 * Frames are tshark's (NAME.tshark-*.tsv), sizes and sha256 the recorder's (NAME.facts.json).
 */
import { describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { analyze, facts, flat, ftpRows, jsonVerdicts, outputs, transfer, transfers, verdicts } from './audit-fixtures.js';

/** Every transfer that did not complete: [id, verdict, cause, argument, final reply code, its frame]. */
const notCompleted = (a: Analysis): unknown[][] =>
  a.sessions.flatMap((s) =>
    s.transfers
      .filter((t) => t.verdict.kind !== 'completed')
      .map((t) => [`${s.id}.${t.id}`, t.verdict.kind, t.diagnosis?.cause ?? null, t.request?.arg ?? null, t.reply?.code ?? null, t.reply?.frame ?? null]),
  );

/** Every completed transfer has no diagnosis; the counts are [transfers, completed]. */
function healthyUndiagnosed(a: Analysis): [number, number] {
  const all = transfers(a);
  const done = all.filter((t) => t.verdict.kind === 'completed');
  for (const t of done) expect(t.diagnosis).toBeNull();
  return [all.length, done.length];
}

/** summary --json says what the model says, transfer by transfer. */
async function jsonAgrees(name: string, a: Analysis): Promise<void> {
  expect(await jsonVerdicts(name)).toEqual(verdicts(a).map(([id, kind, cause]) => [id, kind, cause]));
}

describe('seventy-first audit: lftp mirror --parallel=3, the data port refused for a spell', () => {
  const client = 'a71-mirror-port-window-proftpd-lftp';
  const server = 'a71-mirror-port-window-server-side-proftpd-lftp';
  const failedIds = ['1.12', '2.10', '3.10', '4.1', '5.1', '6.1'];

  it("the recorder's facts: every one of the 36 files arrived whole, on some attempt", () => {
    const f = facts(client);
    expect(f.files).toHaveLength(36);
    expect(f.files.every((x: any) => x.received_matches === true)).toBe(true);
    expect(f.client.exit_status).toBe(0);
  });

  it('six attempts failed at the connection, each in its own session; the other 40 transfers completed, none diagnosed', async () => {
    for (const [name, cause] of [
      [client, 'passive-refused'],
      [server, 'passive-unreached'],
    ] as const) {
      const a = await analyze(name);
      expect(notCompleted(a)).toEqual(failedIds.map((id) => [id, 'failed', cause, null, null, null]));
      expect(healthyUndiagnosed(a)).toEqual([46, 40]);
      await jsonAgrees(name, a);
    }
  });

  it('at the client: a spell of refusals between openings, not a part of the range left closed', async () => {
    const a = await analyze(client);
    for (const id of failedIds) {
      const d = transfer(a, id).diagnosis!;
      // Frame 596: the last SYN that opened before (50009, transfer 1.11); 893 the first after (50061, transfer 8.1);
      // the refused SYNs are frames 616, 636, 656, 751, 766 and 814; port 50075 opened for transfer 2.6 at frame 415.
      expect(d.summary).toContain(
        'Passive data connections to 198.51.100.20 opened until frame 596 (transfer 1.11) and again from frame 893 (transfer 8.1) on; ' +
          'every attempt between them failed: 6 attempts on 6 ports, SYN frames 616 to 814, port 50075 among them, which opened for transfer 2.6 (SYN frame 415)',
      );
      expect(d.summary).not.toMatch(/only not on|opens only part/);
      expect(d.advice).not.toMatch(/must be the range its firewalls open|allow the server's passive port range/);
      expect(d.advice).toContain('rather than at the passive port range');
      expect(d.evidence).toEqual(expect.arrayContaining([415, 596, 893]));
    }
    const [diagnose] = await outputs(client, 'diagnose');
    expect(diagnose).not.toMatch(/only not on|opens only part of/);
  });

  it('each failed attempt names a different later attempt: the new sessions in the order the client opened them', async () => {
    // At the client, failures end at frames 621 (3.10), 641 (2.10), 661 (1.12), 755 (5.1), 770 (4.1), 818 (6.1);
    // the client opened sessions 4, 5, 6, 7, 8, 9 (SYN frames 630, 651, 774, 822, 825, 928) after them.
    for (const name of [client, server]) {
      const a = await analyze(name);
      const later = failedIds.map((id) => {
        const l = transfer(a, id).laterAttempt!;
        return [id, `${l.session}.${l.transfer}`, l.outcome];
      });
      expect(later).toEqual([
        ['1.12', '6.1', 'failed'],
        ['2.10', '5.1', 'failed'],
        ['3.10', '4.1', 'failed'],
        ['4.1', '8.1', 'completed'],
        ['5.1', '7.1', 'completed'],
        ['6.1', '9.1', 'completed'],
      ]);
      expect(new Set(later.map((x) => x[1])).size).toBe(later.length);
    }
  });
});

describe('seventy-first audit: one failure among many, every other transfer completed', () => {
  it('lftp mirror --parallel=3 from vsftpd: the two mode-000 files refused 550 in session 1; 26 completed', async () => {
    const name = 'a71-mirror-perm-vsftpd-lftp';
    const a = await analyze(name);
    expect(ftpRows(name, '0').filter(([fr]) => fr === 216 || fr === 296)).toEqual([
      [216, '550'],
      [296, '550'],
    ]);
    expect(notCompleted(a)).toEqual([
      ['1.8', 'failed', 'server-refused', 'f18.bin', 550, 216],
      ['1.11', 'failed', 'server-refused', 'f05.bin', 550, 296],
    ]);
    expect(healthyUndiagnosed(a)).toEqual([28, 26]);
    expect(facts(name).files.filter((x: any) => x.received === null).map((x: any) => x.path)).toEqual(['tree/d2/f05.bin', 'tree/d3/f18.bin']);
    await jsonAgrees(name, a);
  });

  it('lftp mirror -R to proftpd MaxStoreFileSize 3000 B: the six larger uploads aborted by the server (552 after the data)', async () => {
    const name = 'a71-mirror-r-maxstore-proftpd-lftp';
    const a = await analyze(name);
    expect(notCompleted(a)).toEqual([
      ['1.3', 'aborted', 'aborted', 'f03.bin', 552, 174],
      ['1.7', 'aborted', 'aborted', 'f15.bin', 552, 244],
      ['1.14', 'aborted', 'aborted', 'f19.bin', 552, 471],
      ['2.3', 'aborted', 'aborted', 'f11.bin', 552, 594],
      ['3.3', 'aborted', 'aborted', 'f07.bin', 552, 409],
      ['3.8', 'aborted', 'aborted', 'f23.bin', 552, 652],
    ]);
    for (const t of transfers(a).filter((x) => x.verdict.kind === 'aborted')) expect(t.verdict).toMatchObject({ by: 'server' });
    expect(healthyUndiagnosed(a)).toEqual([28, 22]);
    // The six files over 3000 bytes are the ones the server kept nothing of (proftpd left them empty).
    const files = facts(name).files;
    expect(files.filter((x: any) => x.received === null).map((x: any) => x.path)).toEqual(files.filter((x: any) => x.size > 3000).map((x: any) => x.path));
    expect(files.filter((x: any) => x.size > 3000)).toHaveLength(6);
    await jsonAgrees(name, a);
  });

  it('lftp mirror -R to pure-ftpd over its quota: three uploads refused 552 before any data', async () => {
    const name = 'a71-mirror-r-quota-pureftpd-lftp';
    const a = await analyze(name);
    expect(notCompleted(a)).toEqual([
      ['1.14', 'failed', 'server-refused', 'f22.bin', 552, 431],
      ['3.4', 'failed', 'server-refused', 'f16.bin', 552, 410],
      ['3.5', 'failed', 'server-refused', 'f19.bin', 552, 424],
    ]);
    expect(healthyUndiagnosed(a)).toEqual([19, 16]);
    await jsonAgrees(name, a);
  });

  it('rclone --transfers 4 against pure-ftpd -C 2: 24 sessions turned away at the greeting, all 31 transfers completed', async () => {
    for (const name of ['a71-rclone-maxperip-pureftpd', 'a71-rclone-maxperip-server-side-pureftpd']) {
      const a = await analyze(name);
      const away = a.sessions.filter((s) => s.control.kind === 'turned-away');
      expect(away).toHaveLength(24);
      for (const s of away) expect(s.transfers).toEqual([]);
      expect(notCompleted(a)).toEqual([]);
      expect(healthyUndiagnosed(a)).toEqual([31, 31]);
      await jsonAgrees(name, a);
    }
    expect(facts('a71-rclone-maxperip-pureftpd').files.every((x: any) => x.received_matches === true)).toBe(true);
  });

  it('wget -m: the file deleted after its listing refused 550 (no such file); 27 completed', async () => {
    const name = 'a71-wget-mirror-vanish-pyftpdlib';
    const a = await analyze(name);
    expect(notCompleted(a)).toEqual([['1.19', 'failed', 'server-refused', 'f23.bin', 550, 360]]);
    expect(healthyUndiagnosed(a)).toEqual([28, 27]);
    await jsonAgrees(name, a);
  });

  it('curl with 16 URLs, data SYNs dropped and sent again: 15 completed undiagnosed at both points, the mode-000 file refused', async () => {
    for (const [name, frame] of [
      ['a71-curl-multi-synloss-vsftpd', 184],
      ['a71-curl-multi-synloss-server-side-vsftpd', 181],
    ] as const) {
      const a = await analyze(name);
      expect(notCompleted(a)).toEqual([['1.7', 'failed', 'server-refused', 'f07.bin', 550, frame]]);
      expect(healthyUndiagnosed(a)).toEqual([16, 15]);
      await jsonAgrees(name, a);
    }
  });

  it('four ftplib sessions side by side: the missing name refused in the fourth session only', async () => {
    const name = 'a71-ftplib-threads-missing-pyftpdlib';
    const a = await analyze(name);
    expect(notCompleted(a)).toEqual([['4.3', 'failed', 'server-refused', 'tree/d2/f12.bin', 550, 381]]);
    expect(healthyUndiagnosed(a)).toEqual([20, 19]);
    await jsonAgrees(name, a);
  });

  it("ncftpget -R: its RETR tree.tar probe refused 550 and fallen back from (CWD tree, LIST -a: review 77), the mode-000 file refused 550, the mode-000 directory's LIST and NLST refused in a 226's words; 17 completed", async () => {
    const name = 'a71-ncftpget-r-perm-vsftpd';
    const a = await analyze(name);
    // vsftpd answers a listing of a directory it cannot open with an empty listing and "226 Transfer
    // done (but failed to open directory)": refused, not an empty directory (session 40).
    expect(notCompleted(a)).toEqual([
      ['1.1', 'fell-back', null, 'tree.tar', 550, 59],
      ['1.6', 'failed', 'server-refused', '-a ./d3/d3', 226, 175],
      ['1.7', 'failed', 'server-refused', '-a ./d3/d3', 226, 190],
      ['1.9', 'failed', 'server-refused', 'tree/d1/f04.bin', 550, 222],
    ]);
    expect(transfer(a, '1.6').reply?.text).toBe('Transfer done (but failed to open directory).');
    expect(flat(transfer(a, '1.6').diagnosis!.summary)).toContain('its own words say it failed, though its code says success; nothing came on the data connection: the server could not read the directory');
    expect(healthyUndiagnosed(a)).toEqual([21, 17]);
    await jsonAgrees(name, a);
  });
});
