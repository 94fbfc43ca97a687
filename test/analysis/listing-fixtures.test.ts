/**
 * `ftpcap transfers --json` gives each listing's entries. On the fixtures the recording servers
 * held big.bin, hello.txt, small.bin and the directory pub, all dated 2024-01-02 (fixtures/README);
 * the file sizes are the ones the recording script noted when it moved those files.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Transfer } from '../../src/analysis/model.js';
import { readTsharkTsv, tsharkSequenceExtent } from '../conformance/peer-readers.js';
import { FIXTURES, listFacts } from '../support/facts.js';
import { runCli } from '../cli/run-cli.js';

const all = listFacts();

/** Sizes of the server's files, from the transfers the script recorded. */
const sizeOf = (path: string): number => {
  // A download resumed with REST moved part of the file: its facts give the part's size (resume-appe-vsftpd-curl).
  const whole = (x: { note?: string }): boolean => !/\bREST \d+/.test(x.note ?? '');
  const sizes = new Set(all.flatMap((f) => f.files ?? []).filter((x) => x.path === path && x.size !== undefined && whole(x)).map((x) => x.size));
  expect(sizes.size).toBe(1);
  return [...sizes][0]!;
};

/** The files and directory every recording server held. */
const STANDARD = new Set(['big.bin', 'hello.txt', 'small.bin', 'pub']);

// A capture of one direction only holds no whole listing to compare (test/diagnose/verdicts-audit22).
// a62-list-missing-dir-*: its listings are of a missing directory (empty), a locked one and pub, none
// of the recording servers' home (verdicts-audit62 checks them).
// a84-abor-*: their LIST of a directory of 3000 empty files is aborted after 8 KiB, cut mid-line
// (verdicts-audit84 checks their entries and their broken last line).
const PARTIAL = new Set(['a62-list-missing-dir-vsftpd-python', 'a84-abor-pyftpdlib-python', 'a84-abor-server-side-pyftpdlib-python', 'a84-abor-list-appe-busybox-python', 'a84-abor-list-appe-inetutils-python']);
const listed = all.filter((f) => !f.tls && !f.capture.one_way && !PARTIAL.has(f.name) && (f.files ?? []).some((x) => ['LIST', 'NLST'].includes(x.op) && x.received));

describe('listings in transfers --json', () => {
  it('covers the fixtures that list', () => {
    expect(listed.length).toBeGreaterThanOrEqual(7);
  });

  for (const facts of listed) {
    const op = facts.files!.find((x) => ['LIST', 'NLST'].includes(x.op))!.op;
    it(`${facts.name}: ${op} entries, and the bytes tshark counts on its data connection`, async () => {
      const r = await runCli(['transfers', '--json', join(FIXTURES, facts.capture.file)]);
      expect(r.code).toBe(0);
      const transfers = (JSON.parse(r.stdout) as { transfers: Transfer[] }).transfers;
      const t = transfers.find((x) => x.request?.command === op)!;
      const listing = t.listing!;
      const row = readTsharkTsv(join(FIXTURES, `${facts.name}.tshark-streams.tsv`)).find((x) => Number(x.stream) === t.connection!.stream)!;
      // tshark counts a packet captured twice twice (-i any on a router); ftpcap once.
      const copies = facts.capture.every_packet_twice ? 2 : 1;
      const counted = (Number(row.bytes_src_to_dst) + Number(row.bytes_dst_to_src)) / copies;
      // tshark's sum counts a segment sent again twice: then the bytes its sequence numbers cover.
      expect(listing.bytes).toBe(listing.bytes === counted ? counted : tsharkSequenceExtent(join(FIXTURES, `${facts.name}.tshark-fields.tsv`), row));
      expect(listing).toMatchObject({ unparsed: 0, gapBytes: 0, cut: null });
      const byName = [...listing.entries].sort((a, b) => a.name.localeCompare(b.name));
      if (op === 'NLST') {
        expect(listing.format).toBe('names');
        expect(byName.map((e) => e.name)).toEqual(['big.bin', 'hello.txt', 'pub', 'small.bin']);
        return;
      }
      expect(listing.format).toBe('unix');
      // A listing of another directory (urllib's LIST pub): the files some recording moved from it, with their sizes.
      const dir = t.request!.arg.trim().replace(/^\.?\/?$/, '');
      if (dir !== '') {
        const inDir = new Set(all.flatMap((f) => f.files ?? []).filter((f) => f.op === 'RETR' && f.path.startsWith(`${dir}/`) && f.size !== undefined).map((f) => f.path));
        expect(inDir.size).toBeGreaterThan(0);
        for (const path of inDir) expect(byName).toContainEqual({ name: path.slice(dir.length + 1), type: 'file', size: sizeOf(path), modified: '2024-01-02' });
        return;
      }
      // A file the scenario added for its own transfer is listed too, with its size (not one in a subdirectory).
      const added = (facts.files ?? []).filter((f) => f.op === 'RETR' && !STANDARD.has(f.path) && !f.path.includes('/') && f.size !== undefined);
      // GridFTP lists . and .., and gives files of 2024 a time instead of a year (so the year read is the
      // capture's): the entries are compared without them, and such a date by month and day.
      const shown = byName
        .filter((e) => e.name !== '.' && e.name !== '..')
        .map((e) => (e.modified !== null && /^\d{4}-01-02T/.test(e.modified) ? { ...e, modified: '2024-01-02' } : e));
      const expected = [
        ...added.map((f) => ({ name: f.path, type: 'file', size: f.size, modified: '2024-01-02' })),
        { name: 'big.bin', type: 'file', size: sizeOf('big.bin'), modified: '2024-01-02' },
        { name: 'hello.txt', type: 'file', size: sizeOf('hello.txt'), modified: '2024-01-02' },
        { name: 'pub', type: 'dir', size: 4096, modified: '2024-01-02' },
        { name: 'small.bin', type: 'file', size: sizeOf('small.bin'), modified: '2024-01-02' },
      ];
      for (const e of expected) expect(shown).toContainEqual(e);
      // Any other entry is a file another scenario of the same recording run moved (an audit's server
      // holds the files of all its scenarios), with the size that recording noted.
      // A file the same fixture uploaded before it listed is dated when it was uploaded (a time of day,
      // as a listing dates its recent files: a82-healthy-twisted-three-clients).
      const storedHere = new Set((facts.files ?? []).filter((f) => f.op === 'STOR').map((f) => f.path));
      for (const e of shown.filter((x) => !expected.some((y) => y.name === x.name))) {
        const modified = storedHere.has(e.name) ? expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/) : '2024-01-02';
        expect(e).toEqual({ name: e.name, type: 'file', size: sizeOf(e.name), modified });
      }
    });
  }

  it('is absent on transfers that are not listings', async () => {
    const r = await runCli(['transfers', '--json', join(FIXTURES, 'passive-vsftpd-lftp.pcap')]);
    const transfers = (JSON.parse(r.stdout) as { transfers: Transfer[] }).transfers;
    expect(transfers.map((t) => [t.request?.command, t.listing === undefined])).toEqual([
      ['LIST', false],
      ['RETR', true],
      ['STOR', true],
    ]);
  });
});
