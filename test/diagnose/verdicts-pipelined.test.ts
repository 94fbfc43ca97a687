/**
 * A client that sends its transfer command without waiting for the reply to its PASV/EPSV
 * (fixtures/record.sh, pipelined-pasv-vsftpd-python: ftplib writing "PASV\r\nRETR small.bin\r\n"
 * in one segment against vsftpd, then "EPSV\r\nLIST\r\n"). The 227/229 arrives after the command
 * was sent and is still that transfer's announcement: two passive transfers, both complete, nothing
 * left unused. Frames are tshark's (NAME.tshark-ftp.tsv, -data-streams.tsv); sizes and sha256 the
 * recorder's facts.
 */
import { describe, expect, it } from 'vitest';
import { analyze, facts, outputs, transfers, tsv } from './audit-fixtures.js';

const name = 'pipelined-pasv-vsftpd-python';

describe('PASV and RETR (EPSV and LIST) sent in one segment', () => {
  it('tshark sees the announcements in the frames that also carry the commands', () => {
    const rows = tsv(name, 'ftp');
    expect(rows.filter((r) => r['ftp.request.command'] === 'PASV' || r['ftp.request.command'] === 'EPSV').map((r) => [Number(r['frame.number']), r['ftp.request.command']])).toEqual([
      [17, 'PASV'],
      [34, 'EPSV'],
    ]);
    expect(rows.filter((r) => r['ftp.response.code'] === '227' || r['ftp.response.code'] === '229').map((r) => Number(r['frame.number']))).toEqual([18, 35]);
    // Wireshark 4.0 links the data streams to the announcements, and (reading one request per segment) to no command.
    expect(tsv(name, 'data-streams').map((r) => [r['tcp.stream'], r['ftp-data.setup-frame'], r['ftp-data.command']])).toEqual([
      ['1', '18', ''],
      ['2', '35', ''],
    ]);
  });

  it('each transfer takes the announcement sent before its command, though its reply came after', async () => {
    const a = await analyze(name);
    const f = facts(name).files as Array<{ op: string; size?: number; received: { size: number } }>;
    expect(
      transfers(a).map((t) => [t.id, t.mode, t.announce?.command, t.announce?.frame, `${t.announce?.endpoint?.ip}:${t.announce?.endpoint?.port}`, t.request?.command, t.request?.frame, t.connection?.stream, t.bytes, t.status]),
    ).toEqual([
      [1, 'passive', 'PASV', 18, '198.51.100.20:50005', 'RETR', 17, 1, f[0].size, 'complete'],
      [2, 'passive', 'EPSV', 35, '198.51.100.20:50005', 'LIST', 34, 2, f[1].received.size, 'complete'],
    ]);
    // tshark's byte counts of the two data connections (server to client).
    expect(tsv(name, 'streams').slice(1).map((r) => [r.stream, Number(r.bytes_dst_to_src)])).toEqual([
      ['1', f[0].size],
      ['2', f[1].received.size],
    ]);
    for (const t of transfers(a)) {
      expect(t.unansweredAnnounce).toBeUndefined();
      expect(t.diagnosis).toBeNull();
    }
  });

  it('no output calls anything unused, failed or "default port"', async () => {
    for (const text of await outputs(name, 'summary', 'transfers', 'diagnose', 'explain', 'timeline')) {
      expect(text.replace('No failed data connections', '')).not.toMatch(/unused|failed|default (data )?port|no PORT or PASV/i);
    }
  });
});
