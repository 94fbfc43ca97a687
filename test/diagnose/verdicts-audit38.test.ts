/**
 * The thirty-eighth verdict audit, on a real recording (fixtures/record.sh, "Thirty-eighth verdict
 * audit"): ASCII-mode (TYPE A) downloads cut short. vsftpd (ASCII conversion on) sends a 120000-byte
 * file of 3-byte LF lines as 160000 bytes (each LF as CRLF) over a slow link; the 150 announces the
 * file's 120000. Session 1 downloads it whole; session 2's server processes are killed once the
 * client has read past 120000 wire bytes (its FIN after 134664, no reply); session 3's client closes
 * the data connection past 120000 (its reset, the server's 426). Wire bytes past the announced size
 * are no proof of a whole file in TYPE A: session 2 was "incomplete 134,664/120,000" and is now
 * aborted by the server, its diagnosis giving the file's part of the wire (less one CR per CRLF).
 * Frames are tshark's (NAME.tshark-ftp.tsv, NAME.tshark-fields.tsv), byte counts its
 * NAME.tshark-streams.tsv; sizes, CRLF counts and sha256 are the recorder's facts.
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

const NAME = 'a38-ascii-cut-vsftpd-python';
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
/** tshark's TCP flags of one frame (tshark-fields), as its hex string. */
const flags = (frame: number): { flags: string; src: number; dst: number } => {
  const r = tsv(NAME, 'fields').find((x) => Number(x['frame.number']) === frame)!;
  return { flags: r['tcp.flags'], src: Number(r['tcp.srcport']), dst: Number(r['tcp.dstport']) };
};
/** tshark's payload bytes from the server on each TCP stream. */
const toClient = (): Record<string, number> => Object.fromEntries(tsv(NAME, 'streams').map((r) => [r.stream, Number(r.bytes_dst_to_src)]));

describe('TYPE A downloads of a 120000-byte LF file (160000 on the wire): whole, the server killed, the client closing', () => {
  it('commands, replies, data streams and byte counts are tshark\'s; the ground truth is the recorder\'s', async () => {
    const a = await analyze(NAME);
    const f = facts(NAME);
    expect([f.server.software, f.client.software]).toEqual(['vsftpd', 'python3-ftplib']);
    expect([f.sizes.lines_txt, f.sizes.lines_txt_lines, f.sizes.lines_txt_converted]).toEqual([120000, 40000, 160000]);
    for (const s of a.sessions) expect(ourRows(a, s.id)).toEqual(ftpRows(NAME, String(s.stream)));
    const ds = dataStreams(NAME);
    const bytes = toClient();
    for (const t of a.sessions.flatMap((s) => s.transfers)) {
      expect([t.announce!.frame, t.request!.frame]).toEqual(ds[String(t.connection!.stream)]);
      expect(t.bytes).toBe(bytes[String(t.connection!.stream)]);
    }
    // [id, announce, frame, request, frame, stream, bytes, reply, frame, verdict, TYPE, announced, CRLF pairs]
    expect(transferRows(a, (t) => [t.type, t.expectedSize, t.connection?.crlfPairs])).toEqual([
      ['1.1', 'PASV', 18, 'RETR lines.txt', 22, 1, 160000, 226, 245, 'completed', 'A', 120000, 40000],
      ['2.1', 'PASV', 268, 'RETR lines.txt', 272, 3, 134664, null, null, 'aborted', 'A', 120000, 33666],
      ['3.1', 'PASV', 482, 'RETR lines.txt', 486, 5, 121632, 426, 659, 'aborted', 'A', 120000, 30408],
    ]);
    // The 150 announces the file: "(120000 bytes)".
    const preliminary = tsv(NAME, 'ftp').filter((r) => r['ftp.response.code'] === '150');
    expect(preliminary.map((r) => r['ftp.response.arg'])).toEqual(Array(3).fill('Opening ASCII mode data connection for lines.txt (120000 bytes).'));
    // The CRLF counts are the recorder's count of the wire bytes its client kept (sessions 1 and 2 read all that came).
    const [s1, s2] = a.sessions.map((s) => s.transfers[0]);
    expect([s1.bytes, s1.connection!.crlfPairs]).toEqual([f.s1.wire_bytes, f.s1.wire_crlf]);
    expect([s2.bytes, s2.connection!.crlfPairs]).toEqual([f.s2.wire_bytes, f.s2.wire_crlf]);
    expect([f.s1.wire_is_whole_conversion, f.s1.saved_is_file, f.s2.saved_is_file, f.s3.saved_is_file]).toEqual([true, true, false, false]);
    // Past the announced size on the wire, short of the whole text form: the file's part is short.
    expect(f.s2.wire_bytes).toBeGreaterThan(120000);
    expect(f.s2.wire_bytes).toBeLessThan(160000);
    expect(f.s2.wire_bytes - f.s2.wire_crlf).toBe(f.s2.saved_bytes);
    expect(f.s2.saved_bytes).toBe(100998);
  });

  it('1.1: whole (160000 bytes, 40000 CRLF, 226): completed, no diagnosis', async () => {
    const a = await analyze(NAME);
    const t = a.sessions[0].transfers[0];
    expect([t.status, t.diagnosis, a.sessions[0].diagnosis]).toEqual(['complete', null, null]);
    expect(t.verdict).toMatchObject({ kind: 'completed', bytes: 160000, expected: 120000, missingBytes: 0, sentShort: false });
  });

  it('2.1: the server killed after 134664 wire bytes (100998 of the file): aborted by the server, not complete nor incomplete', async () => {
    const a = await analyze(NAME);
    const s = a.sessions[1];
    const t = s.transfers[0];
    // tshark: frame 447 the server's FIN on the control connection (port 21), frame 461 its FIN on the data connection.
    expect(flags(447)).toEqual({ flags: '0x0011', src: 21, dst: s.client.port });
    expect(flags(461)).toEqual({ flags: '0x0019', src: t.connection!.server.port, dst: t.connection!.client.port });
    expect(s.closedBy).toMatchObject({ by: 'server', frame: 447, how: 'fin' });
    expect(t.reply).toBeNull();
    expect(t.status).toBe('aborted');
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'server', bytes: 134664, expected: 120000, cause: 'aborted' });
    expect(t.diagnosis!.cause).toBe('aborted');
    expect(t.diagnosis!.evidence).toEqual([268, 269, 270, 272, 447, 461]);
    const [summary, diagnose, explain, timeline] = await outputs(NAME, 'summary', 'diagnose', 'explain', 'timeline');
    const logs = (await runCli(['logs', path(NAME)])).stdout.replace(/\s+/g, ' ');
    expect(summary).toMatch(/2\.1 passive RETR lines\.txt 198\.51\.100\.20:\d+ 134664 - aborted \(server\)/);
    expect(summary).not.toMatch(/incomplete 134,664/);
    expect(diagnose).toContain(
      'The server closed the data connection (FIN, frame 461) after 134664 bytes in ASCII mode (TYPE A), where the 120000 bytes announced count the file and the wire carries each line end as CRLF: less the CR before each of its 33666 line ends, 100998 bytes of the file, and the server had already closed the control connection (frame 447) with no final reply',
    );
    expect(explain).toMatch(/Verdict: transfer 1 aborted by the server after 134,664 bytes/);
    expect(explain).toContain('100998 bytes of the file');
    expect(timeline).toContain('Transfer 1 aborted (server)');
    expect(logs).toMatch(/134664 SF 0 \S+ 2 1 passive RETR lines\.txt aborted by-server aborted/);
    const j = JSON.parse((await runCli(['summary', '--json', path(NAME)])).stdout);
    expect(j.sessions[1].transfers[0]).toMatchObject({ status: 'aborted', verdict: { kind: 'aborted', by: 'server' }, diagnosis: { cause: 'aborted' } });
    expect(j.sessions[1].transfers[0].connection.crlfPairs).toBe(33666);
    const page = await reportPage(NAME, tmp);
    expect(page).toContain('Transfer 1 aborted by the server after 134,664 bytes (120,000 announced)');
  });

  it('3.1: the client closed the data connection past 120000 wire bytes (its reset, 426): aborted by the client', async () => {
    const a = await analyze(NAME);
    const t = a.sessions[2].transfers[0];
    expect(flags(656)).toMatchObject({ flags: '0x0004', src: t.connection!.client.port });
    expect(t.connection!.rst).toMatchObject({ frame: 656, by: 'client' });
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'client', bytes: 121632, cause: 'aborted' });
    expect(t.diagnosis!.evidence).toEqual([482, 483, 484, 486, 656, 659]);
    const [diagnose] = await outputs(NAME, 'diagnose');
    expect(diagnose).toContain('121632 bytes (ASCII mode, TYPE A: less the CR before each of their 30408 line ends, 91224 bytes of the file\'s 120000 announced) had been sent');
  });

  it('extract --ascii-to-lf: session 1 is the server\'s file, session 2 what the client saved; the notes give the file\'s part', async () => {
    const out = join(tmp, 'lf');
    expect((await runCli(['extract', '--ascii-to-lf', '-o', out, path(NAME)])).code).toBe(0);
    const objects = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).objects;
    const f = facts(NAME);
    const shaOf = (i: number): string => sha(readFileSync(join(out, objects[i].savedName)));
    expect(shaOf(0)).toBe(f.files[0].sha256);
    expect(shaOf(0)).toBe(f.files[0].received.sha256);
    expect(shaOf(1)).toBe(f.files[1].received.sha256);
    expect(objects.map((o: any) => [o.verdict, o.lineEndingsConverted, readFileSync(join(out, o.savedName)).length])).toEqual([
      ['complete', 40000, 120000],
      ['aborted', 33666, f.s2.saved_bytes],
      ['aborted', 30408, 91224],
    ]);
    expect(objects[0].notes.join(' ')).not.toMatch(/announced/);
    expect(objects[1].notes).toContain('134664 bytes on the wire in ASCII mode (TYPE A), 100998 of the file less the CR of each of 33666 line ends, but the server announced 120000');
  });
});

describe('the same against pure-ftpd: its 150 states no size, SIZE (213 120000) does', () => {
  const PURE = 'a38-ascii-cut-pureftpd-python';
  it('2.1 (the server killed after 137560 wire bytes, 103170 of the file) is aborted by the server; 3.1 by the client; 1.1 completed', async () => {
    const a = await analyze(PURE);
    const f = facts(PURE);
    expect([f.server.software, f.sizes.lines_txt, f.sizes.lines_txt_converted]).toEqual(['pure-ftpd', 120000, 160000]);
    for (const s of a.sessions) expect(ourRows(a, s.id)).toEqual(ftpRows(PURE, String(s.stream)));
    // SIZE's 213 is the size: the 150s say "Accepted data connection" and "117.2 kbytes to download".
    const sizes = tsv(PURE, 'ftp').filter((r) => r['ftp.response.code'] === '213').map((r) => r['ftp.response.arg']);
    expect(sizes).toEqual(['120000', '120000', '120000']);
    const bytes = Object.fromEntries(tsv(PURE, 'streams').map((r) => [r.stream, Number(r.bytes_dst_to_src)]));
    expect(transferRows(a, (t) => [t.expectedSize, t.connection?.crlfPairs, t.verdict.kind === 'aborted' ? t.verdict.by : null, t.diagnosis?.evidence ?? null])).toEqual([
      ['1.1', 'PASV', 20, 'RETR lines.txt', 24, 1, bytes['1'], 226, 227, 'completed', 120000, f.s1.wire_crlf, null, null],
      ['2.1', 'PASV', 276, 'RETR lines.txt', 280, 3, bytes['3'], null, null, 'aborted', 120000, f.s2.wire_crlf, 'server', [276, 277, 278, 280, 464, 469]],
      // ftpcap counts the bytes before the client's reset (frame 670); tshark's 124528 include two segments after it.
      ['3.1', 'PASV', 496, 'RETR lines.txt', 500, 5, 121632, null, null, 'aborted', 120000, 30408, 'client', [496, 497, 498, 500, 670]],
    ]);
    expect([bytes['1'], bytes['3'], bytes['5']]).toEqual([f.s1.wire_bytes, f.s2.wire_bytes, 124528]);
    expect(f.s2.wire_bytes - f.s2.wire_crlf).toBe(f.s2.saved_bytes);
    const tcpFlags = (frame: number): string => tsv(PURE, 'fields').find((x) => Number(x['frame.number']) === frame)!['tcp.flags'];
    expect([tcpFlags(464), tcpFlags(469), tcpFlags(670)]).toEqual(['0x0011', '0x0019', '0x0004']);
    expect(a.sessions[1].closedBy).toMatchObject({ by: 'server', frame: 464 });
    expect(a.sessions[0].transfers[0].diagnosis).toBeNull();
    const [summary, diagnose] = await outputs(PURE, 'summary', 'diagnose');
    expect(summary).toMatch(/2\.1 passive RETR lines\.txt 198\.51\.100\.20:\d+ 137560 - aborted \(server\)/);
    expect(diagnose).toContain('after 137560 bytes in ASCII mode (TYPE A), where the 120000 bytes announced count the file and the wire carries each line end as CRLF: less the CR before each of its 34390 line ends, 103170 bytes of the file');
  });
});
