/**
 * The twenty-ninth verdict audit, each on a real recording (fixtures/record.sh, "Twenty-ninth verdict
 * audit"): clients not recorded before. aria2c and axel split a download over several connections on
 * purpose: each sends REST <segment start> and RETR and the client closes the connection once it has
 * its segment (a reset, the server's 426 or an early 226): such a segment is complete, not aborted,
 * and its extracted piece is a piece of the file, not a truncated file. Ruby's Net::FTP, PHP's ftp
 * extension and lftp mirror --parallel, healthy and failing. Frames are tshark's (NAME.tshark-ftp.tsv);
 * sizes and sha256 are the recorder's facts.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { runCli } from '../cli/run-cli.js';
import { capturePath } from '../support/facts.js';
import { sharedAnalyzeFiles } from '../support/shared-analysis.js';
import { causes, facts, factSha, flat, ftpRows, ourRows, transferRows } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit29-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const file = capturePath;
const analyze = (name: string): Promise<Analysis> => sharedAnalyzeFiles([file(name)], { fileName: name, thread: false });
const outputs = async (name: string, ...commands: string[]): Promise<string[]> =>
  (await Promise.all(commands.map((c) => runCli([c, '--no-color', file(name)])))).map((r) => flat(r.stdout));
/** Each transfer's REST offset and its segment as [start, end, size, next transfer, client's close, whole]. */
const segments = (a: Analysis): unknown[][] =>
  a.sessions.flatMap((s) =>
    s.transfers.map((t) => {
      const g = t.verdict.kind === 'completed' ? t.verdict.segment : undefined;
      return [`${s.id}.${t.id}`, t.restOffset, g ? [g.start, g.end, g.size, `${g.next.session}.${g.next.transfer}`, g.closed, g.whole] : null];
    }),
  );
const ALARM = /\baborted\b|\bfailed\b|truncated|What to change|announced 3293184|capture lacks/i;

/** extract: the manifest's objects, and the file assembled from the pieces at their REST offsets. */
async function extractPieces(name: string): Promise<{ objects: any[]; assembled: string }> {
  const out = join(tmp, name);
  expect((await runCli(['extract', '-o', out, file(name)])).code).toBe(0);
  const objects = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).objects;
  const size = objects.find((o: any) => o.expectedSize !== null).expectedSize;
  const buf = Buffer.alloc(size);
  for (const o of objects) {
    const piece = readFileSync(join(out, o.savedName));
    piece.copy(buf, o.restOffset ?? 0, 0, Math.min(piece.length, size - (o.restOffset ?? 0)));
  }
  return { objects, assembled: createHash('sha256').update(buf).digest('hex') };
}

/** Every control session's commands and replies as tshark shows them. */
function sameAsTshark(a: Analysis, name: string): void {
  for (const s of a.sessions) expect(ourRows(a, s.id)).toEqual(ftpRows(name, String(s.stream)));
}

async function healthySplit(name: string): Promise<void> {
  const a = await analyze(name);
  expect(causes(a)).toEqual([]);
  expect(a.sessions.flatMap((s) => s.transfers).every((t) => t.status === 'complete' && t.diagnosis === null)).toBe(true);
  const texts = await outputs(name, 'summary', 'diagnose', 'explain', 'sessions', 'timeline', 'logs');
  // "No failed data connections", "Not failures": diagnose's headings for what is not a failure.
  for (const t of texts) expect(t.replace(/\bNot failures\b|\bNo failed data connections\b|\b426 Transfer aborted\./g, '')).not.toMatch(ALARM);
  const { objects, assembled } = await extractPieces(name);
  expect(objects.every((o: any) => o.verdict === 'complete')).toBe(true);
  expect(assembled).toBe(factSha(name, 'seg3m.txt'));
  expect(facts(name).files[0].received_matches).toBe(true);
}

describe('1. aria2c -x3 -s3 from vsftpd: three segments, two closed by the client at their end', () => {
  const name = 'a29-aria2c-split-vsftpd';
  it(`${name}: REST 0/2 MiB/1 MiB; 1.1 (426 to the client's close) and 3.1 (226, then the client's reset) are finished segments`, async () => {
    const a = await analyze(name);
    expect([facts(name).client.software, facts(name).server.software]).toEqual(['aria2c', 'vsftpd']);
    sameAsTshark(a, name);
    expect(transferRows(a)).toEqual([
      ['1.1', 'PASV', 28, 'RETR seg3m.txt', 36, 3, 1113488, 426, 2923, 'completed'],
      ['2.1', 'PASV', 145, 'RETR seg3m.txt', 151, 4, 1196032, 226, 2319, 'completed'],
      ['3.1', 'PASV', 690, 'RETR seg3m.txt', 696, 5, 1121472, 226, 2779, 'completed'],
    ]);
    expect(segments(a)).toEqual([
      ['1.1', 0, [0, 1048576, 3293184, '3.1', 2913, true]],
      ['2.1', 2097152, null],
      ['3.1', 1048576, [1048576, 2097152, 3293184, '2.1', 2770, true]],
    ]);
    await healthySplit(name);
    const [explain, summary] = await outputs(name, 'explain', 'summary');
    expect(explain).toContain("completed: one segment of a download split over several connections, there for bytes 0–1,048,576 of the 3,293,184-byte file (REST 0); it carried 1,113,488 bytes from there, and the client closed it (frame 2913)");
    expect(explain).toContain("the server's 426 (frame 2923) answers that close, not a loss");
    expect(summary).toMatch(/1\.1 passive RETR seg3m\.txt 198\.51\.100\.20:50009 1113488 426 complete \(segment\)/);
  });
});

describe('2. aria2c from proftpd, whose 150 after REST counts the bytes left', () => {
  const name = 'a29-aria2c-split-proftpd';
  it(`${name}: the 150's "(2244608 bytes)" after REST 1048576 is the rest of the 3293184-byte file; 3.1's 2088336 bytes are a segment, not a whole`, async () => {
    const a = await analyze(name);
    sameAsTshark(a, name);
    const t = a.sessions.flatMap((s) => s.transfers);
    // Before: expectedSize 2244608 (the 150's), so 3.1 looked whole at 1196032 expected bytes.
    expect(t.map((x) => [x.restOffset, x.expectedSize, x.preliminary?.text.match(/\((\d+) bytes\)/)?.[1]])).toEqual([
      [0, 3293184, '3293184'],
      [2097152, 3293184, '1196032'],
      [1048576, 3293184, '2244608'],
    ]);
    expect(segments(a)).toEqual([
      ['1.1', 0, [0, 1048576, 3293184, '3.1', 3589, true]],
      ['2.1', 2097152, null],
      ['3.1', 1048576, [1048576, 2097152, 3293184, '2.1', 3174, true]],
    ]);
    await healthySplit(name);
  });
});

describe('3. axel -n 3 from pure-ftpd: SIZE on the first connection only, segments re-split', () => {
  const name = 'a29-axel-split-pureftpd';
  it(`${name}: eight RETRs; every one the client closed reached the next segment's start; the pieces make the file`, async () => {
    const a = await analyze(name);
    sameAsTshark(a, name);
    expect(segments(a)).toEqual([
      ['1.1', 0, [0, 1097728, 3293184, '2.1', 1126, true]],
      ['2.1', 1097728, [1097728, 1646592, 3293184, '4.1', 2496, true]],
      ['3.1', 2195456, [2195456, 3018240, 3293184, '5.1', 2968, true]],
      ['4.1', 1646592, [1646592, 2195456, 3293184, '3.1', 3171, true]],
      ['5.1', 3018240, [3018240, 3086976, 3293184, '7.1', 3366, true]],
      ['6.1', 3155712, null],
      ['7.1', 3086976, [3086976, 3155712, 3293184, '6.1', 3554, true]],
      ['8.1', 3224448, null],
    ]);
    // axel asks SIZE once: the later segments state no size of their own.
    expect(a.sessions.flatMap((s) => s.transfers).map((t) => t.expectedSize)).toEqual([3293184, null, null, null, null, null, null, null]);
    await healthySplit(name);
  });
});

describe('4. aria2c where the router resets one segment: a real failure keeps its cause', () => {
  const name = 'a29-aria2c-segment-reset-vsftpd';
  it(`${name}: 1.1 aborted (cause aborted, audit 46: the server's end reset by something other than the client); its retry REST 53576 and the others finished segments`, async () => {
    const a = await analyze(name);
    sameAsTshark(a, name);
    expect(transferRows(a, (t) => [t.restOffset])).toEqual([
      ['1.1', 'PASV', 28, 'RETR seg3m.txt', 38, 3, 64088, 426, 120, 'aborted', 0],
      ['2.1', 'PASV', 154, 'RETR seg3m.txt', 160, 5, 1196032, 226, 2716, 'completed', 2097152],
      ['3.1', 'PASV', 853, 'RETR seg3m.txt', 861, 6, 1114408, 426, 3145, 'completed', 1048576],
      ['4.1', 'PASV', 1044, 'RETR seg3m.txt', 1050, 7, 1304976, 426, 2718, 'completed', 53576],
    ]);
    expect(a.sessions.flatMap((s) => s.transfers).map((x) => x.diagnosis?.cause ?? null)).toEqual(['aborted', null, null, null]);
    const t = a.sessions[0].transfers[0];
    expect([t.verdict.kind === 'aborted' && t.verdict.by, t.connection!.rst]).toEqual(['firewall', expect.objectContaining({ frame: 111, by: 'server', noConnection: true })]);
    expect(segments(a)[3]).toEqual(['4.1', 53576, [53576, 1048576, 3293184, '3.1', 2635, true]]);
    expect(t.laterAttempt).toMatchObject({ session: 4, transfer: 1, rest: 53576, outcome: 'completed' });
    expect(facts(name).files[0].received_matches).toBe(true);
    const [diagnose] = await outputs(name, 'diagnose');
    expect(diagnose).toContain('Session 1, transfer 1: aborted');
    expect(diagnose).not.toMatch(/Session [234], transfer 1/);
  });
});

describe('5. Ruby Net::FTP and PHP ftp: healthy, a missing file, a blocked passive range', () => {
  for (const name of ['a29-ruby-vsftpd', 'a29-ruby-proftpd']) {
    it(`${name}: NLST and RETR r64k.bin complete; the file's sha256 is the server's`, async () => {
      const a = await analyze(name);
      sameAsTshark(a, name);
      expect(transferRows(a).map((r) => [r[0], r[3], r[6], r[7], r[9]])).toEqual([
        ['1.1', 'NLST', 46, 226, 'completed'],
        ['1.2', 'RETR r64k.bin', 65536, 226, 'completed'],
      ]);
      expect(causes(a)).toEqual([]);
      expect(facts(name).files[0].received_matches).toBe(true);
    });
  }
  it('a29-php-vsftpd: RETR complete, no diagnosis', async () => {
    const a = await analyze('a29-php-vsftpd');
    sameAsTshark(a, 'a29-php-vsftpd');
    expect(transferRows(a).map((r) => [r[0], r[3], r[6], r[7], r[9]])).toEqual([['1.1', 'RETR r64k.bin', 65536, 226, 'completed']]);
    expect(causes(a)).toEqual([]);
  });
  it('a29-php-pureftpd: r64k.bin complete; missing.bin refused 550 (server-refused)', async () => {
    const name = 'a29-php-pureftpd';
    const a = await analyze(name);
    sameAsTshark(a, name);
    expect(transferRows(a).map((r) => [r[0], r[3], r[6], r[7], r[9]])).toEqual([
      ['1.1', 'RETR r64k.bin', 65536, 226, 'completed'],
      ['1.2', 'RETR missing.bin', 0, 550, 'failed'],
    ]);
    expect(a.sessions[0].transfers.map((t) => t.diagnosis?.cause ?? null)).toEqual([null, 'server-refused']);
  });
  it('a29-ruby-pasv-blocked-vsftpd: the data SYNs dropped at the server: passive-syn-unanswered', async () => {
    const name = 'a29-ruby-pasv-blocked-vsftpd';
    const a = await analyze(name);
    sameAsTshark(a, name);
    expect(a.sessions[0].transfers.map((t) => [t.status, t.diagnosis?.cause, t.connection?.synFrames.length! > 1])).toEqual([['failed', 'passive-syn-unanswered', true]]);
  });
});

describe('6. lftp mirror --parallel=3 and axel against vsftpd', () => {
  it('a29-axel-split-vsftpd: six RETRs (vsftpd chrooted); five closed by the client at their segment\'s end', async () => {
    const name = 'a29-axel-split-vsftpd';
    const a = await analyze(name);
    sameAsTshark(a, name);
    expect(segments(a)).toEqual([
      ['1.1', 0, [0, 1097728, 3293184, '3.1', 1788, true]],
      ['2.1', 2195456, [2195456, 2839040, 3293184, '4.1', 2816, true]],
      ['3.1', 1097728, [1097728, 2126132, 3293184, '6.1', 3445, true]],
      ['4.1', 2839040, [2839040, 3094272, 3293184, '5.1', 3375, true]],
      ['5.1', 3094272, null],
      ['6.1', 2126132, [2126132, 2195456, 3293184, '2.1', 3577, true]],
    ]);
    await healthySplit(name);
  });
  it('a29-axel-nofile-vsftpd: SIZE refused 550, no transfer, no diagnosis', async () => {
    const name = 'a29-axel-nofile-vsftpd';
    const a = await analyze(name);
    sameAsTshark(a, name);
    expect(a.sessions.flatMap((s) => s.transfers)).toEqual([]);
    expect(a.sessions[0].commands.find((c) => c.command === 'SIZE')?.reply?.code).toBe(550);
    expect(causes(a)).toEqual([]);
  });
  it('a29-mirror-parallel-proftpd-lftp: MLSD and five RETRs over three sessions, each file whole', async () => {
    const name = 'a29-mirror-parallel-proftpd-lftp';
    const a = await analyze(name);
    sameAsTshark(a, name);
    const t = a.sessions.flatMap((s) => s.transfers).filter((x) => x.direction === 'download');
    expect(t.map((x) => [x.request!.arg, x.bytes, x.verdict.kind]).sort()).toEqual(
      [1, 2, 3, 4, 5].map((i) => [`f${i}.bin`, 20000 * i, 'completed']),
    );
    expect(causes(a)).toEqual([]);
    expect(facts(name).files.every((f: any) => f.received_matches)).toBe(true);
  });
});
