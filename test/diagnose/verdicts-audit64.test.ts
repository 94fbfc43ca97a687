/**
 * The sixty-fourth verdict audit, on real recordings (fixtures/record.sh, "sixty-fourth audit"):
 * resumes against files and servers that do not allow them, an upload into a full disk, and path MTU
 * discovery that works (IPv4 "fragmentation needed", ICMPv6 Packet Too Big) through a router whose
 * route to the client has MTU 1280.
 *
 * a64-ipv4-fragneeded-1280-server-side-vsftpd-curl: ten ICMP fragmentation-needed messages from the
 * router (frames 33-37, 43-47) quote the server's first full-sized data segments of the RETR; the
 * server sends again smaller and the RETR completes (226, frame 119). Before this audit the completed
 * verdict's evidence held the ten ICMP frames ([18, 19, 20, 26, 33, …, 47, 119]), so the report marked
 * path-MTU discovery as the evidence of a completed transfer; and the report's ladder labelled each
 * ICMP arrow "server 198.51.100.1:0 to 198.51.100.20:50042", the router named as the server (the
 * side the message reached was taken for its sender; fail-passive-reject-icmp-proftpd-curl read
 * "client 198.51.100.20:0" for the server's port unreachable).
 *
 * Also recorded, every verdict true: a64-wget-continue-changed-proftpd (REST 2000 of a file grown to
 * 6000: 4000 bytes, completed; REST 5000 of a file shrunk to 3000: 554, server-refused, the advice to
 * start from byte 0), a64-stor-restart-off-proftpd-lftp (proftpd AllowStoreRestart off: REST 40000 +
 * STOR answered 451, lftp's REST 0 + STOR and the next put complete), a64-appe-restart-off-proftpd-curl
 * (curl -C -: APPE answered 451, a full STOR in a second session completes),
 * a64-stor-full-zero-proftpd-curl (proftpd reads all 100000 bytes into a full tmpfs, keeps none, 452:
 * aborted by the server, "out of storage", as a62-stor-full-vsftpd-curl), and the IPv6 and client-side
 * PMTU captures (completed, nothing diagnosed; ICMPv6 Packet Too Big is not decoded as an ICMP error).
 *
 * Frames are tshark's (NAME.tshark-*.tsv), sizes and sha256 the recorder's (NAME.facts.json).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { analyze, facts, flagged, ftpRows, jsonVerdicts, nothingFailed, ourRows, outputs, path, reportPage, transfer, tsv, verdicts } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit64-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------------
// Path MTU discovery that works
// ---------------------------------------------------------------------------------------------------
describe('sixty-fourth audit: path MTU discovery through a 1280-byte route', () => {
  const server = 'a64-ipv4-fragneeded-1280-server-side-vsftpd-curl';
  /** The recorder's fragmentation-needed frames (tshark, icmp.type 3 code 4, next-hop MTU 1280). */
  const ptbFrames = (name: string, key: string): number[] => String(facts(name).network[key]).split('|').map((x) => Number(x.split(' ')[0]));
  /** tshark's frame of a command or reply code in a control connection. */
  const frameOf = (name: string, stream: string, what: string): number => ftpRows(name, stream).find(([, c]) => c === what)![0];
  /** The data connection's SYN and SYN-ACK frames, by its client port in tshark's stream table. */
  const handshake = (name: string, stream: string): number[] => {
    const port = tsv(name, 'streams').find((r) => r.stream === stream)!.srcport;
    return [...flagged(name, '0x0002', port), ...flagged(name, '0x0012', port)];
  };

  it("the recorder's facts and tshark: ten fragmentation-needed messages from the router, both files whole", async () => {
    const f = facts(server);
    expect(ptbFrames(server, 'frag_needed_at_server')).toEqual([33, 34, 35, 36, 37, 43, 44, 45, 46, 47]);
    expect(f.network.frag_needed_at_server).toMatch(/^(\d+ 1280\|){9}\d+ 1280$/);
    expect(f.files.map((x: any) => [x.op, x.path, x.size, x.received_matches])).toEqual([
      ['RETR', 'a64-four.bin', 60000, true],
      ['STOR', 'a64-up4.bin', 100000, true],
    ]);
    const a = await analyze(server);
    expect(ourRows(a, 1)).toEqual(ftpRows(server, '0'));
    expect(transfer(a, '1.1').connection!.icmpErrors.map((e) => [e.frame, e.type, e.code, e.reporter])).toEqual(
      ptbFrames(server, 'frag_needed_at_server').map((n) => [n, 3, 4, '198.51.100.1']),
    );
  });

  it('both transfers completed; the completed verdict cites the announcement, handshake, command and 226, not the ICMP', async () => {
    const a = await analyze(server);
    const [pasv, retr, done] = [frameOf(server, '0', '227'), frameOf(server, '0', 'RETR'), frameOf(server, '0', '226')];
    expect(transfer(a, '1.1').verdict).toEqual({ kind: 'completed', bytes: 60000, expected: 60000, missingBytes: 0, sentShort: false, evidence: [pasv, ...handshake(server, '1'), retr, done] });
    expect(transfer(a, '1.1').diagnosis).toBeNull();
    expect(verdicts(a)).toEqual([['1.1', 'completed', null, null], ['2.1', 'completed', null, null]]);
    expect(transfer(a, '2.1').bytes).toBe(Number(tsv(server, 'streams').find((r) => r.stream === '3')!.bytes_src_to_dst));
    expect(await jsonVerdicts(server)).toEqual([['1.1', 'completed', null], ['2.1', 'completed', null]]);
    const json = JSON.parse((await runCli(['transfers', '--json', path(server)])).stdout).transfers;
    expect(json[0].verdict.evidence).toEqual([pasv, ...handshake(server, '1'), retr, done]);
  });

  it("the report's ladder names the router as the ICMP's sender and the server as the side it reached", async () => {
    const page = await reportPage(server, tmp);
    const labels = page.match(/aria-label="Frame \d+, [\d.]+ s: ICMP [^"]*"/g) ?? [];
    expect(labels.length).toBe(10);
    const port = tsv(server, 'streams').find((r) => r.stream === '1')!.dstport;
    for (const l of labels) expect(l).toMatch(new RegExp(`: ICMP fragmentation needed from 198\\.51\\.100\\.1, to the server 198\\.51\\.100\\.20:${port}"$`));
    expect(/server 198\.51\.100\.1:0/.test(page)).toBe(false);
    const [diagnose, timeline] = await outputs(server, 'diagnose', 'timeline');
    expect(diagnose).toContain('No failed data connections in 2 sessions: 2 transfers (2 complete).');
    expect(timeline).toContain('ICMP fragmentation needed from 198.51.100.1');
  });

  it("an ICMP error's sender in the report: the server's port unreachable is the server's, not the client's (fail-passive-reject-icmp-proftpd-curl)", async () => {
    const page = await reportPage('fail-passive-reject-icmp-proftpd-curl', tmp);
    expect(page.includes('ICMP port unreachable from 198.51.100.20, to the client 192.0.2.10:51110')).toBe(true);
    expect(/client 198\.51\.100\.20:0/.test(page)).toBe(false);
  });

  it('the client-side and the IPv6 captures: every transfer completed, nothing diagnosed', async () => {
    for (const name of ['a64-ipv4-fragneeded-1280-vsftpd-curl', 'a64-ipv6-ptb-1280-vsftpd-curl', 'a64-ipv6-ptb-1280-server-side-vsftpd-curl']) {
      const a = await analyze(name);
      expect(verdicts(a)).toEqual([['1.1', 'completed', null, null], ['2.1', 'completed', null, null]]);
      expect(a.sessions.flatMap((s) => s.transfers.map((t) => t.bytes))).toEqual([60000, 100000]);
    }
    // ICMPv6 Packet Too Big (type 2) is not decoded as an ICMP error (decode/icmp.ts): none is attached.
    const six = 'a64-ipv6-ptb-1280-server-side-vsftpd-curl';
    expect(ptbFrames(six, 'ptb_at_server')).toHaveLength(10);
    expect(transfer(await analyze(six), '1.1').connection!.icmpErrors).toEqual([]);
    await nothingFailed('a64-ipv4-fragneeded-1280-vsftpd-curl', tmp);
    await nothingFailed('a64-ipv6-ptb-1280-vsftpd-curl', tmp);
  });
});

// ---------------------------------------------------------------------------------------------------
// Resumes the file or the server does not allow
// ---------------------------------------------------------------------------------------------------
describe('sixty-fourth audit: resumes against a changed file and a server without restarts', () => {
  it('wget -c: REST 2000 of a file grown to 6000 completed with 4000 bytes; REST 5000 of a file shrunk to 3000 refused (554)', async () => {
    const name = 'a64-wget-continue-changed-proftpd';
    const f = facts(name);
    expect(f.client.saved).toBe("grown.bin 6000 bytes (matches the server's: no); shrunk.bin 5000 bytes (matches the server's: no)");
    expect([f.files[0].size, f.files[0].received_matches]).toEqual([4000, true]);
    expect(ftpRows(name, '2').filter(([fr]) => fr >= 60)).toEqual([[60, 'SIZE'], [61, '213'], [62, 'PASV'], [63, '227'], [67, 'REST'], [68, '350'], [69, 'RETR'], [71, '554']]);
    const a = await analyze(name);
    expect(verdicts(a)).toEqual([['1.1', 'completed', null, null], ['2.1', 'failed', 'server-refused', null]]);
    expect(transfer(a, '1.1').verdict).toEqual({ kind: 'completed', bytes: 4000, expected: 4000, missingBytes: 0, sentShort: false, evidence: [22, 23, 24, 28, 39] });
    expect(transfer(a, '2.1').verdict).toEqual({ kind: 'failed', cause: 'server-refused', evidence: [63, 64, 65, 69, 70, 71] });
    expect(await jsonVerdicts(name)).toEqual([['1.1', 'completed', null], ['2.1', 'failed', 'server-refused']]);
    const [diagnose] = await outputs(name, 'diagnose');
    expect(diagnose).toContain('The client had asked to start at byte 5000 (REST 5000, frame 67); the server gave the file\'s size as 3000 bytes, so the offset is beyond its end.');
    expect(diagnose).toContain('transfer the file from its start on the client');
  });

  it('lftp put -c against AllowStoreRestart off: 451 to REST 40000 + STOR, then REST 0 + STOR and a full put complete', async () => {
    const name = 'a64-stor-restart-off-proftpd-lftp';
    expect(facts(name).resume.commands).toBe('51 SIZE a64-up.bin|58 REST 40000|60 STOR a64-up.bin|68 REST 0|70 STOR a64-up.bin|176 STOR a64-up.bin');
    expect(ftpRows(name, '0').filter(([fr]) => fr >= 58 && fr <= 71)).toEqual([[58, 'REST'], [59, '350'], [60, 'STOR'], [62, '451'], [63, 'PASV'], [64, '227'], [68, 'REST'], [69, '350'], [70, 'STOR'], [71, '150']]);
    const a = await analyze(name);
    expect(verdicts(a)).toEqual([
      ['1.1', 'failed', 'server-refused', '1.2 REST 0 completed'],
      ['1.2', 'completed', null, null],
      ['1.3', 'completed', null, null],
    ]);
    expect(transfer(a, '1.1').verdict).toEqual({ kind: 'failed', cause: 'server-refused', evidence: [54, 55, 56, 60, 61, 62] });
    const [diagnose] = await outputs(name, 'diagnose');
    expect(diagnose).toContain('451 a64-up.bin: Append/Restart not permitted, try again at frame 62');
    expect(diagnose).toContain('(proftpd: AllowStoreRestart on)');
  });

  it('curl -C - against AllowStoreRestart off: APPE answered 451 (no REST sent, none claimed); the full STOR of session 2 completed', async () => {
    const name = 'a64-appe-restart-off-proftpd-curl';
    expect(ftpRows(name, '0').filter(([fr]) => fr >= 22)).toEqual([[22, 'SIZE'], [23, '213'], [24, 'APPE'], [26, '451'], [27, 'QUIT'], [28, '221']]);
    const a = await analyze(name);
    expect(verdicts(a)).toEqual([['1.1', 'failed', 'server-refused', '2.1 REST null completed'], ['2.1', 'completed', null, null]]);
    expect(transfer(a, '2.1').bytes).toBe(facts(name).files[0].size);
    const [diagnose] = await outputs(name, 'diagnose');
    expect(diagnose).not.toContain('REST ');
    expect(diagnose).toContain('Tried again in session 2');
  });

  it('STOR into a full file system: all 100000 bytes read, none kept, 452: aborted by the server, out of storage; the RETR after it completed', async () => {
    const name = 'a64-stor-full-zero-proftpd-curl';
    const f = facts(name);
    expect([f.server.kept, f.files[0].size, f.files[0].received.size]).toEqual(['0', 100000, 0]);
    const a = await analyze(name);
    expect(transfer(a, '1.1').verdict).toEqual({ kind: 'aborted', by: 'server', bytes: 100000, expected: null, cause: 'aborted', evidence: [18, 19, 20, 24, 120] });
    expect(verdicts(a)[1]).toEqual(['1.2', 'completed', null, null]);
    const [diagnose] = await outputs(name, 'diagnose');
    expect(diagnose).toContain('452 Transfer aborted. No space left on device (frame 120): the server is out of storage.');
    expect(diagnose).toContain('free space or raise the quota on the server');
  });
});
