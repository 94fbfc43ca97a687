/**
 * Review 43 of the recorded expectations (facts.json `expected`) against ftpcap's verdicts.
 *
 * data-reset-vsftpd-curl (fixtures/record.sh sc_data_reset_vsftpd_curl): the router answers the
 * server's data segments past 60 kB with a RST to the server (iptables REJECT --reject-with
 * tcp-reset, connbytes 60000: in the reply direction); vsftpd's write fails and it replies 426; the
 * client, on whose side the capture was taken, saw no reset: its side of the data connection just
 * stopped. ftpcap said "aborted (server)", advice "The server dropped the transfer: check its log
 * and disk space", because the only reset in the capture is the server's stack answering the
 * client's FIN 20 s after the 426 (its socket was gone). Neither end closed or reset the data
 * connection before the 426, so the server's end was reset by neither host: the transfer was
 * aborted by the network. Frames and flags are tshark's (NAME.tshark-ftp.tsv, NAME.tshark-fields.tsv),
 * byte counts its NAME.tshark-streams.tsv; sizes and sha256 the recorder's facts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { serverSideResetUnseen } from '../../src/analysis/verdict.js';
import { analyze, facts, flat, ftpRows, ourRows, outputs, path, reportPage, transferRows, transfers, tsv } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-review43-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** tshark's [TCP flags, source port, destination port, IP TTL] of one frame. */
const tcp = (name: string, frame: number): [string, number, number, number] => {
  const r = tsv(name, 'fields').find((x) => Number(x['frame.number']) === frame)!;
  return [r['tcp.flags'], Number(r['tcp.srcport']), Number(r['tcp.dstport']), Number(r['ip.ttl'])];
};

describe('1. data-reset-vsftpd-curl: the router reset the server\'s end of the data connection; the client side shows no reset before the 426', () => {
  const name = 'data-reset-vsftpd-curl';
  it('the facts: RETR quarter.bin (262144 bytes), 56472 received; 426 at 84; the client\'s FIN at 87, the server\'s RST at 88 only after it', async () => {
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    const f = facts(name).files[0];
    expect([f.op, f.path, f.size, f.received.size]).toEqual(['RETR', 'quarter.bin', 262144, 56472]);
    // tshark: the data connection (stream 1) carried 56472 bytes from the server, none from the client.
    const s1 = tsv(name, 'streams').find((r) => r.stream === '1')!;
    expect([s1.srcport, s1.dstport, s1.bytes_src_to_dst, s1.bytes_dst_to_src]).toEqual(['45860', '50008', '0', '56472']);
    // The client's FIN (its ACK too) 20 s after the 426, the server's bare RST right after, with the server's TTL (63, as its data).
    expect(tcp(name, 87)).toEqual(['0x0011', 45860, 50008, 64]);
    expect(tcp(name, 88)).toEqual(['0x0004', 50008, 45860, 63]);
    expect(tcp(name, 82)).toEqual(['0x0010', 50008, 45860, 63]);
    // No FIN or RST on the data connection before frame 87.
    const closes = tsv(name, 'fields').filter((r) => (r['tcp.srcport'] === '50008' || r['tcp.dstport'] === '50008') && (Number(r['tcp.flags']) & 0x5) !== 0);
    expect(closes.map((r) => Number(r['frame.number']))).toEqual([87, 88]);
  });

  it('the transfer is aborted by a firewall\'s reset (before: by the server, then by the network; audit 48 and session 31: one stopper for both shapes of an unseen reset), cause aborted, 56472 of 262144 bytes', async () => {
    const a = await analyze(name);
    expect(transferRows(a, (t) => [t.diagnosis?.cause, t.connection?.rst])).toEqual([
      ['1.1', 'PASV', 18, 'RETR quarter.bin', 26, 1, 56472, 426, 84, 'aborted', 'aborted', { frame: 88, by: 'server', ttl: 63, noConnection: true }],
    ]);
    const t = transfers(a)[0];
    expect(serverSideResetUnseen(t)).toBe(87);
    expect(t.verdict).toEqual({ kind: 'aborted', by: 'firewall', bytes: 56472, expected: 262144, cause: 'aborted', evidence: [18, 19, 20, 26, 84, 88] });
    const d = t.diagnosis!;
    expect(d.evidence).toEqual([18, 19, 20, 26, 84, 87, 88]);
    expect(flat(d.summary)).toContain(
      'The server replied 426 Failure writing network stream (frame 84). The client closed the data connection 20 s after that reply (FIN, frame 87), and the server answered with a reset (frame 88): it had already dropped the connection, although neither end had closed or reset it before that reply (no FIN, no reset from either in the capture): something other than the client had reset the server\'s end, a firewall\'s REJECT on the path or on the server\'s own host, which this capture cannot tell apart. 56472 bytes of 262144 announced had been transferred.',
    );
    expect(d.advice).toBe(
      "Something other than the client reset the server's end of the data connection: a firewall, router or intrusion-prevention system between them, or a firewall on the server's own host (iptables REJECT --reject-with tcp-reset, a limit on bytes, time or content), which drops the packet it rejects (data lost just before, if any) and resets its sender. This capture, on the client's side, cannot show that reset: a capture at the server shows it arriving from the path (with the TTL of the device that made it) or, with none arriving, the server's own host. Look for that rule or limit; lost data just before it is the packet it stopped, not a failing link.",
    );
  });

  it('every output says the same: aborted by a firewall\'s reset, never "the server dropped the transfer"', async () => {
    const [summary, explain, timeline, diagnose] = await outputs(name, 'summary', 'explain', 'timeline', 'diagnose');
    const logs = (await runCli(['logs', path(name)])).stdout;
    expect(summary).toContain('426 aborted (firewall) [1]');
    expect(flat(explain)).toContain("Verdict: transfer 1 aborted by a firewall's reset (on the path, or on the server's own host: this capture cannot tell which) after 56,472 of 262,144 bytes");
    expect(timeline).toContain('Transfer 1 aborted (firewall)');
    expect(logs).toMatch(/\taborted\tby-firewall\taborted\n/);
    expect(flat(diagnose)).toContain('something other than the client had reset the server\'s end');
    const json = JSON.parse((await runCli(['transfers', '--json', path(name)])).stdout);
    expect(json.transfers.map((t: any) => [t.verdict.kind, t.verdict.by, t.verdict.cause])).toEqual([['aborted', 'firewall', 'aborted']]);
    const report = await reportPage(name, tmp);
    for (const o of [summary, explain, timeline, diagnose, report]) {
      expect(flat(o)).not.toMatch(/The server dropped the transfer|aborted \(server\)|aborted by the server/);
    }
  });
});

describe('2. the same reset, unseen, in retry-426-twice-vsftpd-curl\'s second attempt, and its first: one stopper; a server that closed itself keeps the server', () => {
  it('retry-426-twice-vsftpd-curl: attempt 2 (426 at 188, the client\'s FIN at 191, the server\'s RST at 192) is aborted by a firewall\'s reset, as attempt 1 (its reset answering the ACKs), cause aborted (audit 46: the reset, not the packet lost before it)', async () => {
    const name = 'retry-426-twice-vsftpd-curl';
    const a = await analyze(name);
    expect(transferRows(a, (t) => [t.diagnosis?.cause ?? null, t.verdict.kind === 'aborted' ? t.verdict.by : null])).toEqual([
      ['1.1', 'PASV', 18, 'RETR r128k.bin', 26, 1, 59368, 426, 92, 'aborted', 'aborted', 'firewall'],
      ['2.1', 'PASV', 109, 'RETR r128k.bin', 117, 3, 64088, 426, 188, 'aborted', 'aborted', 'firewall'],
      ['3.1', 'PASV', 209, 'RETR r128k.bin', 217, 5, 131072, 226, 335, 'completed', null, null],
    ]);
    expect(tcp(name, 191).slice(0, 1)).toEqual(['0x0011']);
    expect(tcp(name, 192).slice(0, 1)).toEqual(['0x0004']);
    // Attempt 1: the server's reset (88) came before its 426 (92) and answered no FIN: not this case.
    expect(serverSideResetUnseen(transfers(a)[0])).toBeNull();
    expect(serverSideResetUnseen(transfers(a)[1])).toBe(191);
  });

  it('file-truncated-vsftpd-python: the server closed the data connection itself (FIN) before its 426: still aborted by the server', async () => {
    const a = await analyze('file-truncated-vsftpd-python');
    const t = transfers(a)[0];
    expect(serverSideResetUnseen(t)).toBeNull();
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'server', bytes: 196608, expected: 200000, cause: 'aborted' });
  });
});
