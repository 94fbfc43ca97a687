/**
 * The thirty-eighth verdict audit, on real recordings (fixtures/record.sh, "Thirty-eighth verdict
 * audit"): ASCII-mode (TYPE A) downloads cut short. vsftpd (ASCII conversion on) and pure-ftpd send
 * a 120000-byte file of 3-byte LF lines as 160000 bytes (each LF as CRLF) over a slow link; the 150
 * (vsftpd) or SIZE (pure-ftpd) announces the file's 120000. Session 1 downloads whole.txt whole;
 * session 2's server processes are killed once the client has read past 120000 wire bytes of
 * killed.txt (the server's FIN, no reply, the control connection closed by the server); session 3's
 * client closes the data connection of closed.txt past 120000 (its reset). Wire bytes past the
 * announced size are no proof of a whole file in TYPE A: session 2 was "incomplete 149,144/120,000"
 * and is now aborted by the server, its diagnosis giving the file's part of the wire (less one CR
 * per CRLF, counted in the capture). Frames are tshark's (NAME.tshark-ftp.tsv, NAME.tshark-fields.tsv),
 * byte counts its NAME.tshark-streams.tsv; sizes, CRLF counts and sha256 are the recorder's facts.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { analyze, dataStreams, facts, ftpRows, ourRows, outputs, path, reportPage, transferRows, tsv } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit38-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
/** tshark's TCP flags of one frame (tshark-fields), with its ports. */
const tcp = (name: string, frame: number): [string, number, number] => {
  const r = tsv(name, 'fields').find((x) => Number(x['frame.number']) === frame)!;
  return [r['tcp.flags'], Number(r['tcp.srcport']), Number(r['tcp.dstport'])];
};
/** tshark's payload bytes from the server on each TCP stream. */
const toClient = (name: string): Record<string, number> => Object.fromEntries(tsv(name, 'streams').map((r) => [r.stream, Number(r.bytes_dst_to_src)]));

interface Case {
  name: string;
  server: string;
  /** Where the size comes from: the 150's "(120000 bytes)" or SIZE's 213. */
  announced: RegExp;
  /** transferRows plus [TYPE, announced size, CRLF pairs, aborted by, diagnosis evidence]. */
  rows: unknown[][];
  /** Session 2: the server's FIN on the control connection, then on the data connection. */
  killed: { controlFin: number; dataFin: number };
  /** Session 3: the client's reset of the data connection; tshark's count of the stream (bytes after the reset included). */
  closed: { rst: number; tsharkBytes: number; reply: string | null };
}

const CASES: Case[] = [
  {
    name: 'a38-ascii-cut-vsftpd-python',
    server: 'vsftpd',
    announced: /^150 Opening ASCII mode data connection for \w+\.txt \(120000 bytes\)\.$/,
    rows: [
      ['1.1', 'PASV', 18, 'RETR whole.txt', 22, 1, 160000, 226, 244, 'completed', 'A', 120000, 40000, null, null],
      ['2.1', 'PASV', 268, 'RETR killed.txt', 272, 3, 149144, null, null, 'aborted', 'A', 120000, 37286, 'server', [268, 269, 270, 272, 448, 481]],
      ['3.1', 'PASV', 502, 'RETR closed.txt', 506, 5, 121632, 426, 682, 'aborted', 'A', 120000, 30408, 'client', [502, 503, 504, 506, 677, 682]],
    ],
    killed: { controlFin: 448, dataFin: 481 },
    closed: { rst: 677, tsharkBytes: 124528, reply: '426 Failure writing network stream' },
  },
  {
    name: 'a38-ascii-cut-pureftpd-python',
    server: 'pure-ftpd',
    announced: /^213 120000$/,
    rows: [
      ['1.1', 'PASV', 20, 'RETR whole.txt', 24, 1, 160000, 226, 247, 'completed', 'A', 120000, 40000, null, null],
      ['2.1', 'PASV', 274, 'RETR killed.txt', 278, 3, 154936, null, null, 'aborted', 'A', 120000, 38734, 'server', [274, 275, 276, 278, 455, 495]],
      ['3.1', 'PASV', 518, 'RETR closed.txt', 522, 5, 121632, null, null, 'aborted', 'A', 120000, 30408, 'client', [518, 519, 520, 522, 692]],
    ],
    killed: { controlFin: 455, dataFin: 495 },
    closed: { rst: 692, tsharkBytes: 127424, reply: null },
  },
];

for (const c of CASES) {
  const name = c.name;
  describe(`${name}: TYPE A downloads of a 120000-byte LF file (160000 on the wire): whole, the server killed, the client closing`, () => {
    it("commands, replies, data streams and byte counts are tshark's; the ground truth is the recorder's", async () => {
      const a = await analyze(name);
      const f = facts(name);
      expect([f.server.software, f.client.software]).toEqual([c.server, 'python3-ftplib']);
      expect([f.sizes.lines_txt, f.sizes.lines_txt_lines, f.sizes.lines_txt_converted, f.ascii.lines]).toEqual([120000, 40000, 160000, 40000]);
      for (const s of a.sessions) expect(ourRows(a, s.id)).toEqual(ftpRows(name, String(s.stream)));
      const ds = dataStreams(name);
      const bytes = toClient(name);
      expect(
        transferRows(a, (t) => [t.type, t.expectedSize, t.connection?.crlfPairs, t.verdict.kind === 'aborted' ? t.verdict.by : null, t.diagnosis?.evidence ?? null]),
      ).toEqual(c.rows);
      for (const t of a.sessions.flatMap((s) => s.transfers)) expect([t.announce!.frame, t.request!.frame]).toEqual(ds[String(t.connection!.stream)]);
      // Where the 120000 comes from, three times (one per session).
      const said = tsv(name, 'ftp').filter((r) => /^(150|213)$/.test(r['ftp.response.code'])).map((r) => `${r['ftp.response.code']} ${r['ftp.response.arg']}`);
      expect(said.filter((x) => c.announced.test(x))).toHaveLength(3);
      // Sessions 1 and 2: the client read every byte that came, as tshark counts them; CRLF counts are the recorder's.
      const [s1, s2, s3] = a.sessions.map((s) => s.transfers[0]);
      expect([s1.bytes, s1.connection!.crlfPairs, bytes['1']]).toEqual([f.s1.wire_bytes, f.s1.wire_crlf, f.s1.wire_bytes]);
      expect([s2.bytes, s2.connection!.crlfPairs, bytes['3']]).toEqual([f.s2.wire_bytes, f.s2.wire_crlf, f.s2.wire_bytes]);
      expect([f.s1.wire_is_whole_conversion, f.s1.saved_is_file, f.s2.saved_is_file, f.s3.saved_is_file]).toEqual([true, true, false, false]);
      // Session 2: past the announced size on the wire, short of the whole text form, the file's part short.
      expect(f.s2.wire_bytes).toBeGreaterThan(120000);
      expect(f.s2.wire_bytes).toBeLessThan(160000);
      expect(f.s2.wire_bytes - f.s2.wire_crlf).toBe(f.s2.saved_bytes);
      expect(f.s2.saved_bytes).toBeLessThan(120000);
      // Session 3: ftpcap counts the bytes before the client's reset; tshark's stream total includes those after it.
      expect([s3.bytes, bytes['5']]).toEqual([121632, c.closed.tsharkBytes]);
      expect(f.s3.wire_bytes).toBeLessThanOrEqual(s3.bytes);
    });

    it('1.1: whole (160000 bytes, 40000 CRLF, 226): completed, no diagnosis', async () => {
      const a = await analyze(name);
      const t = a.sessions[0].transfers[0];
      expect([t.status, t.diagnosis, a.sessions[0].diagnosis]).toEqual(['complete', null, null]);
      expect(t.verdict).toMatchObject({ kind: 'completed', bytes: 160000, expected: 120000, missingBytes: 0, sentShort: false });
    });

    it('2.1: the server killed past the announced size: aborted by the server in every output, not complete nor incomplete', async () => {
      const a = await analyze(name);
      const f = facts(name);
      const s = a.sessions[1];
      const t = s.transfers[0];
      const { controlFin, dataFin } = c.killed;
      expect(tcp(name, controlFin)).toEqual(['0x0011', 21, s.client.port]);
      expect(tcp(name, dataFin)).toEqual(['0x0019', t.connection!.server.port, t.connection!.client.port]);
      expect(s.closedBy).toMatchObject({ by: 'server', frame: controlFin, how: 'fin' });
      expect([t.reply, t.status, t.diagnosis!.cause]).toEqual([null, 'aborted', 'aborted']);
      expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'server', bytes: f.s2.wire_bytes, expected: 120000, cause: 'aborted' });
      const wire = f.s2.wire_bytes;
      const [summary, diagnose, explain, timeline] = await outputs(name, 'summary', 'diagnose', 'explain', 'timeline');
      expect(summary).toMatch(new RegExp(`2\\.1 passive RETR killed\\.txt 198\\.51\\.100\\.20:\\d+ ${wire} - aborted \\(server\\)`));
      expect(summary).not.toMatch(/incomplete \d/);
      expect(diagnose).toContain(
        `The server closed the data connection (FIN, frame ${dataFin}) after ${wire} bytes in ASCII mode (TYPE A), where the 120000 bytes announced count the file and the wire carries each line end as CRLF: ` +
          `less the CR before each of its ${f.s2.wire_crlf} line ends, ${f.s2.saved_bytes} bytes of the file, and the server had already closed the control connection (frame ${controlFin}) with no final reply`,
      );
      expect(explain).toContain(`Verdict: transfer 1 aborted by the server after ${wire.toLocaleString('en-US')} bytes`);
      expect(explain).toContain(`${f.s2.saved_bytes} bytes of the file`);
      expect(timeline).toContain('Transfer 1 aborted (server)');
      const logs = (await runCli(['logs', path(name)])).stdout.replace(/\s+/g, ' ');
      expect(logs).toMatch(new RegExp(`${wire} SF 0 \\S+ 2 1 passive RETR killed\\.txt aborted by-server aborted`));
      const j = JSON.parse((await runCli(['summary', '--json', path(name)])).stdout);
      expect(j.sessions[1].transfers[0]).toMatchObject({ status: 'aborted', verdict: { kind: 'aborted', by: 'server' }, diagnosis: { cause: 'aborted' } });
      expect(j.sessions[1].transfers[0].connection.crlfPairs).toBe(f.s2.wire_crlf);
      expect(await reportPage(name, tmp)).toContain(`Transfer 1 aborted by the server after ${wire.toLocaleString('en-US')} bytes (120,000 announced)`);
    });

    it('3.1: the client closed the data connection past 120000 wire bytes (its reset): aborted by the client', async () => {
      const a = await analyze(name);
      const t = a.sessions[2].transfers[0];
      expect(tcp(name, c.closed.rst)).toEqual(['0x0004', t.connection!.client.port, t.connection!.server.port]);
      expect(t.connection!.rst).toMatchObject({ frame: c.closed.rst, by: 'client' });
      expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'client', bytes: 121632, cause: 'aborted' });
      const [diagnose] = await outputs(name, 'diagnose');
      expect(diagnose).toContain(`The client reset the data connection at frame ${c.closed.rst}.`);
      if (c.closed.reply) expect(diagnose).toContain(`The server replied ${c.closed.reply}`);
      expect(diagnose).toContain("121632 bytes (ASCII mode, TYPE A: less the CR before each of their 30408 line ends, 91224 bytes of the file's 120000 announced) had been sent");
    });

    it("extract --ascii-to-lf: session 1 is the server's file, session 2 what the client saved; the notes give the file's part", async () => {
      const out = join(tmp, `${name}-lf`);
      expect((await runCli(['extract', '--ascii-to-lf', '-o', out, path(name)])).code).toBe(0);
      const objects = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).objects;
      const f = facts(name);
      const shaOf = (i: number): string => sha(readFileSync(join(out, objects[i].savedName)));
      expect([shaOf(0), shaOf(0)]).toEqual([f.files[0].sha256, f.files[0].received.sha256]);
      expect(shaOf(1)).toBe(f.files[1].received.sha256);
      expect(objects.map((o: any) => [o.originalName, o.verdict, o.lineEndingsConverted, readFileSync(join(out, o.savedName)).length])).toEqual([
        ['whole.txt', 'complete', 40000, 120000],
        ['killed.txt', 'aborted', f.s2.wire_crlf, f.s2.saved_bytes],
        ['closed.txt', 'aborted', 30408, 91224],
      ]);
      expect(objects[0].notes.join(' ')).not.toMatch(/announced/);
      expect(objects[1].notes).toContain(
        `${f.s2.wire_bytes} bytes on the wire in ASCII mode (TYPE A), ${f.s2.saved_bytes} of the file less the CR of each of ${f.s2.wire_crlf} line ends, but the server announced 120000`,
      );
    });
  });
}
