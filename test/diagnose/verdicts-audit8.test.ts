/**
 * The eighth verdict audit, each on a real recording (fixtures/record.sh, "Eighth verdict audit"):
 * vsftpd on port 2121 behind DNAT whose FTP helper watches port 21 only (and the same with the
 * helper on 2121), IPv6 active mode (EPRT |2|) dropped or rejected by the client's ip6tables, an
 * active-mode upload whose data connection the client's firewall drops, and a firewall that admits
 * only part of the server's passive range. Frame numbers are tshark's (the fixtures' tshark views;
 * the port-2121 views decode that port as FTP).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { analyze, causes, facts, outputs, path, reportPage, transfers, tsv } from './audit-fixtures.js';

/** tshark's rows of the commands and replies that set up and end data connections: [frame, command or code, argument]. */
const dataRows = (name: string): string[][] =>
  tsv(name, 'ftp')
    .filter((r) => /^(PASV|PORT|EPRT|LIST|RETR|STOR)$/.test(r['ftp.request.command']) || /^(125|150|226|227|425)$/.test(r['ftp.response.code']))
    .map((r) => [r['frame.number'], r['ftp.request.command'] || r['ftp.response.code'], r['ftp.request.arg'] || r['ftp.response.arg']]);
/** tshark's TCP streams: [src, srcport, dst, dstport, frames, bytes each way]. */
const streams = (name: string): string[][] =>
  tsv(name, 'streams').map((r) => [r.src, r.srcport, r.dst, r.dstport, r.frames, r.bytes_src_to_dst, r.bytes_dst_to_src]);

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit8-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('1. a server on port 2121 behind DNAT, the NAT\'s FTP helper on port 21 only', () => {
  it('dnat-port2121-helper21-vsftpd-lftp: 227 (35) keeps the inside address, SYNs 36-41 unanswered: passive-address-mismatch that names port 2121 and the helper, in every output', async () => {
    const name = 'dnat-port2121-helper21-vsftpd-lftp';
    const f = facts(name);
    expect([f.capture.packets, f.server.port, f.server.public_address]).toEqual([44, 2121, '203.0.113.21']);
    expect(f.network.nat_helper).toContain('--dport 21 -j CT --helper ftp');
    expect(f.files).toEqual([expect.objectContaining({ op: 'RETR', path: 'hello.txt', received: null })]);
    // lftp asks PASV at 34 and connects before RETR: no RETR ever goes out.
    expect(dataRows(name)).toEqual([
      ['34', 'PASV', ''],
      ['35', '227', 'Entering Passive Mode (198,51,100,20,195,111).'],
    ]);
    expect(streams(name)).toEqual([
      ['192.0.2.10', '59334', '203.0.113.21', '2121', '37', '86', '338'],
      ['192.0.2.10', '42144', '198.51.100.20', '50031', '5', '0', '0'],
    ]);
    const a = await analyze(name);
    const [t] = transfers(a);
    expect([a.sessions.length, a.sessions[0].server.port, t.mode, t.request, t.status, t.verdict.kind]).toEqual([1, 2121, 'passive', null, 'failed', 'failed']);
    expect(t.connection?.synFrames).toEqual([36, 38, 39, 40, 41]);
    expect([t.diagnosis?.cause, t.diagnosis?.evidence]).toEqual(['passive-address-mismatch', [35, 36, 38, 39, 40, 41]]);
    // Before: the mismatch alone, with advice about pasv_address and the client; nothing about the helper's port.
    expect(t.diagnosis!.summary).toContain('but the client is talking to the server at 203.0.113.21');
    expect(t.diagnosis!.summary).toContain(
      "The control connection runs on port 2121, not 21: a NAT's FTP helper watches port 21 unless told otherwise (Linux nf_conntrack_ftp ports=21), " +
        'so a NAT between them, even with its helper loaded, never read the 227',
    );
    expect(t.diagnosis!.advice).toMatch(/^Make the NAT's FTP helper watch port 2121 too \(Linux: nf_conntrack_ftp ports=21,2121, or iptables -t raw -A PREROUTING -p tcp --dport 2121 -j CT --helper ftp\)\. Or: Set the server's externally reachable address/);
    // The session's only transfer failed: the session says the same cause.
    expect(causes(a)).toEqual(['passive-address-mismatch', 'passive-address-mismatch']);
    const [summary, diagnose, explain] = await outputs(name, 'summary', 'diagnose', 'explain');
    expect(summary).toContain("1.1 passive-address-mismatch: the 227 reply advertises an address other than the server's");
    for (const o of [diagnose, explain]) {
      expect(o).toContain('The control connection runs on port 2121, not 21');
      expect(o).toContain('nf_conntrack_ftp ports=21,2121');
    }
  });

  it('dnat-port2121-helper2121-vsftpd-lftp: the helper on 2121 rewrote both 227s (30, 50) to 203.0.113.21: LIST 260 B and RETR 511 B complete, nothing diagnosed', async () => {
    const name = 'dnat-port2121-helper2121-vsftpd-lftp';
    const f = facts(name);
    expect(f.network.nat_helper).toContain('--dport 2121 -j CT --helper ftp');
    expect(f.files[1]).toMatchObject({ op: 'RETR', size: 511, received_matches: true });
    expect(dataRows(name).filter((r) => r[1] === '227')).toEqual([
      ['30', '227', 'Entering Passive Mode (203,0,113,21,195,136).'],
      ['50', '227', 'Entering Passive Mode (203,0,113,21,195,177).'],
    ]);
    const a = await analyze(name);
    expect(transfers(a).map((t) => [t.request?.command, t.announce?.endpoint?.port, t.bytes, t.reply?.frame, t.verdict.kind])).toEqual([
      ['LIST', 50056, 260, 41, 'completed'],
      ['RETR', 50097, 511, 61, 'completed'],
    ]);
    expect(causes(a)).toEqual([]);
    const [summary] = await outputs(name, 'summary');
    expect(summary).toContain('1.1 passive LIST 203.0.113.21:50056 260 226 complete');
    expect(summary).toContain('1.2 passive RETR hello.txt 203.0.113.21:50097 511 226 complete');
    expect(summary).not.toMatch(/failed|\[1\]/);
  });
});

describe('2. IPv6 active mode (EPRT |2|) stopped by the client\'s ip6tables', () => {
  it('fail-eprt-drop-ipv6-vsftpd-curl: EPRT 17, RETR 23, the server\'s SYNs 24-29 from port 20 dropped, 425 at 30: active-syn-unanswered, dropped at the client', async () => {
    const name = 'fail-eprt-drop-ipv6-vsftpd-curl';
    const f = facts(name);
    expect([f.capture.packets, f.family, f.client.exit_status, f.network.filter]).toEqual([36, 'ipv6', 19, 'client: ip6tables -A INPUT -p tcp --syn -j DROP']);
    expect(dataRows(name)).toEqual([
      ['17', 'EPRT', '|2|2001:db8:1::10|51189|'],
      ['23', 'RETR', 'hello.txt'],
      ['30', '425', 'Failed to establish connection.'],
    ]);
    expect(streams(name)[1]).toEqual(['2001:db8:2::20', '20', '2001:db8:1::10', '51189', '5', '0', '0']);
    const a = await analyze(name);
    const [t] = transfers(a);
    expect([t.mode, t.announce?.command, t.request?.command, t.status, t.reply?.code, t.connection?.synFrames]).toEqual(['active', 'EPRT', 'RETR', 'failed', 425, [24, 26, 27, 28, 29]]);
    expect([t.diagnosis?.cause, t.diagnosis?.evidence]).toEqual(['active-syn-unanswered', [17, 18, 23, 24, 26, 27, 28, 29, 30]]);
    expect(t.diagnosis!.summary).toContain('The server sent SYN from [2001:db8:2::20]:20 to [2001:db8:1::10]:51189 at frames 24, 26, 27, 28 and 29');
    expect(t.diagnosis!.summary).toContain("they reached the client's network and were dropped there — by a firewall on the client host or its segment");
    expect(causes(a)).toEqual(['active-syn-unanswered', 'active-syn-unanswered']);
    const [summary, explain] = await outputs(name, 'summary', 'explain');
    expect(summary).toContain('1.1 active-syn-unanswered: the server could not reach the client (active mode)');
    expect(explain).toContain('Verdict: transfer 1 failed: the server could not reach the client (active mode) (425, frame 30)');
  });

  it('fail-eprt-reject-icmp6-vsftpd-curl: each SYN (24, 27) answered by the client\'s ICMPv6 administratively prohibited (25, 28), 425 at 29: active-refused by the client host', async () => {
    const name = 'fail-eprt-reject-icmp6-vsftpd-curl';
    expect(facts(name).network.filter).toBe('client: ip6tables -A INPUT -p tcp --syn -j REJECT --reject-with icmp6-adm-prohibited');
    const fields = tsv(name, 'fields');
    expect(fields.filter((r) => r['icmpv6.type'] === '1').map((r) => [r['frame.number'], r['icmpv6.code'], r['ipv6.src']])).toEqual([
      ['25', '1', '2001:db8:1::10'],
      ['28', '1', '2001:db8:1::10'],
    ]);
    const a = await analyze(name);
    const [t] = transfers(a);
    expect([t.status, t.reply?.frame, t.connection?.icmpErrors.map((e) => [e.frame, e.type, e.code, e.reporter])]).toEqual([
      'failed',
      29,
      [
        [25, 1, 1, '2001:db8:1::10'],
        [28, 1, 1, '2001:db8:1::10'],
      ],
    ]);
    expect([t.diagnosis?.cause, t.diagnosis?.evidence]).toEqual(['active-refused', [17, 18, 23, 24, 25, 27, 28, 29]]);
    expect(t.diagnosis!.summary).toContain('It was answered by ICMP destination unreachable (type 1 code 1) from 2001:db8:1::10 at frame 25');
    // The client itself answered: not "a device on the way".
    expect(t.diagnosis!.summary).not.toContain('a device on the way');
    expect(t.diagnosis!.advice).toMatch(/^Use passive mode on the client, or stop the client's firewall from rejecting/);
    const [transfersOut] = await outputs(name, 'transfers');
    expect(transfersOut).toContain("failed: the server's data connection was refused (active mode) (425, frame 29).");
  });
});

describe('3. an active-mode upload whose data connection the client\'s firewall drops', () => {
  it('fail-active-stor-drop-vsftpd-ftp: PORT 32, STOR 34, SYNs 35-40 from port 20 unanswered, 425 at 41: the upload failed with 0 bytes, nothing extracted', async () => {
    const name = 'fail-active-stor-drop-vsftpd-ftp';
    const f = facts(name);
    expect([f.capture.packets, f.files[0].op, f.files[0].size, f.files[0].received]).toEqual([47, 'STOR', 259, null]);
    // vsftpd created the file on STOR, before it tried to connect: it kept 0 bytes.
    expect(f.server.left_file).toMatch(/^upload-ftp\.txt, 0 bytes/);
    expect(dataRows(name)).toEqual([
      ['32', 'PORT', '192,0,2,10,211,33'],
      ['34', 'STOR', 'upload-ftp.txt'],
      ['41', '425', 'Failed to establish connection.'],
    ]);
    const a = await analyze(name);
    const [t] = transfers(a);
    expect([t.direction, t.request?.command, t.bytes, t.status, t.verdict.kind, t.connection?.server.port, t.connection?.synFrames]).toEqual([
      'upload', 'STOR', 0, 'failed', 'failed', 20, [35, 37, 38, 39, 40],
    ]);
    expect([t.diagnosis?.cause, t.diagnosis?.evidence]).toEqual(['active-syn-unanswered', [32, 33, 34, 35, 37, 38, 39, 40, 41]]);
    expect(t.diagnosis!.summary).toContain('Session 1, transfer 1 (STOR upload-ftp.txt, active mode) failed: the server could not reach the client (active mode).');
    expect(t.diagnosis!.summary).toContain('5.0 s after the first SYN the server replied 425 Failed to establish connection (frame 41)');
    const [summary, timeline] = await outputs(name, 'summary', 'timeline');
    expect(summary).toContain('1.1 active-syn-unanswered');
    expect(timeline).toContain('Transfer 1 failed: the server could not reach');
    for (const o of [summary, timeline]) expect(o).not.toMatch(/aborted|complete \(/);
    const dir = join(tmp, 'stor');
    expect((await runCli(['extract', path(name), '-o', dir])).code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).objects).toEqual([]);
  });
});

describe('4. a firewall that admits only part of the server\'s passive range', () => {
  it('pasv-narrow-firewall-pyftpdlib-curl: LIST via 50009 and RETR small.bin via 50005 complete; the PASV to 50051 (32) unanswered: the cause on that one only, naming the ports that got through', async () => {
    const name = 'pasv-narrow-firewall-pyftpdlib-curl';
    const f = facts(name);
    expect([f.capture.packets, f.network.filter]).toEqual([83, 'server: iptables -A INPUT -p tcp --dport 50011:50100 -j DROP (only 50000-50010 of the server\'s passive range admitted)']);
    expect(f.files.map((x: any) => [x.op, x.path, x.received?.size ?? null])).toEqual([
      ['LIST', '/', 252],
      ['RETR', 'hello.txt', null],
      ['RETR', 'small.bin', 3000],
    ]);
    expect(dataRows(name).filter((r) => r[1] === '227').map((r) => r[0])).toEqual(['16', '32', '58']);
    expect(streams(name).slice(1).filter((s) => s[3] !== '21').map((s) => [s[3], s[4], s[6]])).toEqual([
      ['50009', '8', '256'],
      ['50051', '6', '0'],
      ['50005', '12', '3000'],
    ]);
    const a = await analyze(name);
    expect(a.sessions.map((s) => s.transfers.map((t) => [`${s.id}.${t.id}`, t.request?.command ?? null, t.announce?.endpoint?.port, t.bytes, t.verdict.kind, t.diagnosis?.cause ?? null]))).toEqual([
      [
        ['1.1', 'LIST', 50009, 256, 'completed', null],
        ['1.2', null, 50051, 0, 'failed', 'passive-syn-unanswered'],
      ],
      [['2.1', 'RETR', 50005, 3000, 'completed', null]],
    ]);
    const t = a.sessions[0].transfers[1];
    // Before: the cause alone, with the general advice to open the passive range; the ports that got through unsaid.
    expect(t.diagnosis!.evidence).toEqual([17, 32, 33, 35, 36, 37, 38, 41, 59]);
    expect(t.diagnosis!.summary).toContain(
      'Passive data connections to other ports of 198.51.100.20 opened in this capture (port 50009 for transfer 1.1 (SYN frame 17) and port 50005 for transfer 2.1 (SYN frame 59)): ' +
        'the server was reachable, only not on 50051 — as when a firewall opens only part of the range the server picks its passive ports from',
    );
    expect(t.diagnosis!.advice).toContain('Ports 50009 and 50005 got through and 50051 did not: the range the server picks its passive ports from must be the range its firewalls open.');
    // A session with a success says no session-level failure.
    expect(a.sessions.map((s) => s.diagnosis)).toEqual([null, null]);
    expect(causes(a)).toEqual(['passive-syn-unanswered']);
    const [summary, sessions, diagnose, explain] = await outputs(name, 'summary', 'sessions', 'diagnose', 'explain');
    for (const o of [summary, sessions]) expect(o).toContain('1 complete, 1 failed');
    expect(summary).toContain("1.2 passive-syn-unanswered: the client could not reach the server's passive port");
    expect(diagnose).toContain('1 of 3 transfers diagnosed (2 complete, 1 failed).');
    expect(explain).toContain('Verdict: transfer 1 completed: 256 bytes, all in the capture (226, frame 29).');
    expect(explain).toContain('Verdict: transfer 1 completed: 3,000 bytes, all in the capture (226, frame 77).');
    expect(explain).toContain("Verdict: transfer 2 failed: the client could not reach the server's passive port.");
    const page = await reportPage(name, tmp);
    expect(page).toContain('passive-syn-unanswered');
  });
});
