/**
 * The seventy-fifth verdict audit, on real recordings (fixtures/record.sh, "Seventy-fifth verdict
 * audit"): client and server on ONE host, captured on its loopback interface — what people learning
 * FTP and developers testing a server capture. tcpdump -i lo writes EN10MB with zero MACs; -i any
 * writes LINUX_SLL2. Both ends have the same address (127.0.0.1 ↔ 127.0.0.1, ::1 ↔ ::1) and the same
 * TTL; lo keeps TSO/GSO, so segments are tens of kilobytes; every packet is captured once.
 *
 * Before this audit the vantage point read from the TTLs was "same-segment", and the failures were
 * worded for two hosts: the passive SYNs "in a capture taken on the server's side … dropped by a
 * firewall on the server host or its segment", advice "on any firewall in between"; the active SYNs
 * of the same kind of capture "taken on the client's side"; a 227 naming 127.0.0.2 "a loopback
 * address, unreachable from outside its network" (the client is on that host). Now the model places
 * such a capture on the one host (vantage.ts, 'same-host': the same address at both ends, or two
 * loopback addresses), and the checks word the cause as that host's own (its firewall, its setting).
 *
 * Frames are tshark's (NAME.tshark-*.tsv), sizes and sha256 the recorder's (NAME.facts.json).
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { analyze, facts, flagged, flat, nothingFailed, outputs, path, transfer, transferRows, tsv } from './audit-fixtures.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Words that place the capture or the cause somewhere between two hosts: nonsense on one host. */
const TWO_HOST_WORDS = /client's side|server's side|client's network|server's network|in between|between them, \d|router away|routers? from the|NAT that|in front of the server|load balancer|outside its network/;

const ALL = [
  'a75-lo-healthy-vsftpd-lftp',
  'a75-lo6-any-vsftpd-lftp',
  'a75-lo-pasv-drop-vsftpd-curl',
  'a75-lo-pasv-reject-vsftpd-curl',
  'a75-lo6-pasv-reset-vsftpd-curl',
  'a75-lo-active-drop-vsftpd-python',
  'a75-lo-closed-curl',
  'a75-lo-ctrl-drop-vsftpd-curl',
  'a75-lo-pasv-address-vsftpd-python',
  'a75-lo-abor-vsftpd-python',
  'a75-lo-stor-denied-pyftpdlib-python',
];

/** tshark's payload bytes sent from one TCP port. */
const bytesFrom = (name: string, port: string): number =>
  tsv(name, 'fields').filter((r) => r['tcp.srcport'] === port).reduce((n, r) => n + Number(r['tcp.len'] || 0), 0);

describe('seventy-fifth audit: where a loopback capture was taken', () => {
  it('every capture is on lo (or any), both ends one address and TTL 64: the vantage is the one host, no router, no forwarder', async () => {
    for (const name of ALL) {
      const f = facts(name);
      expect(f.capture.interface).toBe(name.includes('lo6-any') ? 'any' : 'lo');
      expect(f.capture.linktype).toBe(name.includes('lo6-any') ? 'LINUX_SLL2' : 'EN10MB');
      const rows = tsv(name, 'fields');
      const addrs = new Set(rows.flatMap((r) => [r['ip.src'], r['ip.dst'], r['ipv6.src'], r['ipv6.dst']]).filter((x) => x));
      expect([...addrs].every((x) => x === '::1' || x.startsWith('127.'))).toBe(true);
      const a = await analyze(name);
      const s = a.sessions[0];
      expect(s.vantage!.point).toBe('same-host');
      expect(s.vantage!.forwarder).toBeUndefined();
      expect(s.controlConnection.forwardedCopies).toBe(0);
      expect(s.client.ip).toBe(s.server.ip);
      expect(s.vantage!.reason).toBe(`both ends have the address ${s.client.ip}: client and server run on one host, and the capture was taken on that host`);
    }
  });

  it('no output of any loopback capture words a place between two hosts', async () => {
    for (const name of ALL) {
      const texts = await outputs(name, 'summary', 'sessions', 'transfers', 'diagnose', 'explain', 'timeline');
      for (const text of texts) expect(flat(text)).not.toMatch(TWO_HOST_WORDS);
    }
  });
});

describe('seventy-fifth audit: healthy transfers on one host', () => {
  it('a75-lo-healthy-vsftpd-lftp: passive LIST and RETR, active LIST and STOR from 127.0.0.1:20, all completed with their byte counts', async () => {
    const name = 'a75-lo-healthy-vsftpd-lftp';
    const f = facts(name);
    expect(f.files.filter((x: { received_matches?: boolean }) => x.received_matches === true).map((x: { path: string }) => x.path)).toEqual(['a75-128k.bin', 'a75-up.bin']);
    const a = await analyze(name);
    expect(transferRows(a, (t) => [t.connection?.server.port === 20 ? 'from port 20' : t.connection?.client.port === 20 ? 'port 20 as client?' : 'ephemeral'])).toEqual([
      ['1.1', 'PASV', 30, 'LIST', 34, 1, 330, 226, 41, 'completed', 'ephemeral'],
      ['1.2', 'PASV', 50, 'RETR a75-128k.bin', 54, 2, 131072, 226, 66, 'completed', 'ephemeral'],
      ['1.3', 'PORT', 70, 'LIST', 72, 3, 330, 226, 82, 'completed', 'from port 20'],
      ['1.4', 'PORT', 86, 'STOR a75-up.bin', 88, 4, 65536, 226, 100, 'completed', 'from port 20'],
    ]);
    // Active: the server (127.0.0.1:20) opened the data connections; tshark's SYNs from port 20 are those frames.
    expect(flagged(name, '0x0002', '20')).toEqual([73, 89]);
    expect(a.sessions[0].transfers.map((t) => t.connection!.synFrame)).toEqual([31, 51, 73, 89]);
    // The bytes are tshark's, each segment counted once (TSO-sized segments on lo, up to tens of kB).
    expect(bytesFrom(name, '50034')).toBe(131072);
    expect(Math.max(...tsv(name, 'fields').map((r) => Number(r['tcp.len'] || 0)))).toBeGreaterThan(30000);
    expect(a.capture.warnings.map((w) => w.code)).not.toContain('capture-loss');
    await nothingFailed(name, mkdtempSync(join(tmpdir(), 'a75-')));
  });

  it('a75-lo6-any-vsftpd-lftp: ::1 through -i any (SLL2), active EPRT from [::1]:20 and a passive EPSV download, all completed', async () => {
    const name = 'a75-lo6-any-vsftpd-lftp';
    const a = await analyze(name);
    expect(a.sessions.length).toBe(1);
    expect(a.sessions[0].transfers.map((t) => [t.mode, t.bytes, t.verdict.kind, t.connection!.server.port === 20])).toEqual([
      ['active', 330, 'completed', true],
      ['active', 131072, 'completed', true],
      ['active', 259, 'completed', true],
      ['passive', 511, 'completed', false],
    ]);
    // Each packet once: tshark's frames are the capture's, and no frame is read as a copy.
    expect(a.capture.packets).toBe(facts(name).capture.packets);
    await nothingFailed(name, mkdtempSync(join(tmpdir(), 'a75-')));
  });
});

describe("seventy-fifth audit: data connections the one host's own firewall stops", () => {
  it('a75-lo-pasv-drop-vsftpd-curl: the passive SYNs unanswered, dropped by that host itself (INPUT -i lo), not "on the server\'s side"', async () => {
    const name = 'a75-lo-pasv-drop-vsftpd-curl';
    expect(facts(name).client.exit_status).toBe(28);
    const a = await analyze(name);
    const t = transfer(a, '1.1');
    expect([t.verdict.kind, t.diagnosis!.cause]).toEqual(['failed', 'passive-syn-unanswered']);
    expect(flagged(name, '0x0002', '50090')).toEqual([17, 19, 20, 21, 22, 23, 24]);
    const said = flat(t.diagnosis!.summary);
    expect(said).toContain('at frames 17, 19, 20, 21, 22, 23 and 24');
    expect(said).toContain('The SYNs are in a capture taken on the one host that runs both the client and the server, where nothing lies between them: that host dropped them itself');
    expect(said).not.toMatch(TWO_HOST_WORDS);
    expect(t.diagnosis!.advice).toContain("allow the server's passive port range (or use active mode) in that host's own firewall, including its rules for the loopback interface");
    expect(t.diagnosis!.advice).not.toMatch(/in between/);
  });

  it('a75-lo-active-drop-vsftpd-python: the server\'s SYNs from 127.0.0.1:20 unanswered, the same host\'s firewall, 425', async () => {
    const name = 'a75-lo-active-drop-vsftpd-python';
    expect(facts(name).client.messages).toContain('RETR failed: 425 Failed to establish connection.');
    const a = await analyze(name);
    const t = transfer(a, '1.1');
    expect([t.verdict.kind, t.diagnosis!.cause, t.reply?.code, t.reply?.frame]).toEqual(['failed', 'active-syn-unanswered', 425, 24]);
    expect(flagged(name, '0x0002', '20')).toEqual([18, 20, 21, 22, 23]);
    const said = flat(t.diagnosis!.summary);
    expect(said).toContain('The server sent SYN from 127.0.0.1:20 to 127.0.0.1:34429 at frames 18, 20, 21, 22 and 23');
    expect(said).toContain('that host dropped them itself');
    expect(said).not.toMatch(TWO_HOST_WORDS);
    expect(t.diagnosis!.advice).toContain("allow the client's data ports (or use passive mode) in that host's own firewall");
  });

  it("a75-lo-pasv-reject-vsftpd-curl: ICMP port unreachable from 127.0.0.1 itself: refused, advice for the host's own rules", async () => {
    const name = 'a75-lo-pasv-reject-vsftpd-curl';
    expect(facts(name).client.exit_status).toBe(7);
    const icmp = tsv(name, 'fields').filter((r) => r['ip.proto'] === '1').map((r) => Number(r['frame.number']));
    expect(icmp).toEqual([16]);
    const a = await analyze(name);
    const t = transfer(a, '1.1');
    expect([t.verdict.kind, t.diagnosis!.cause]).toEqual(['failed', 'passive-refused']);
    expect(t.diagnosis!.evidence).toEqual([14, 15, 16]);
    expect(t.diagnosis!.advice).toContain("in that host's own firewall instead of rejecting it, including its rules for the loopback interface");
    expect(t.diagnosis!.advice).not.toMatch(/load balancer/);
  });
});

describe('seventy-fifth audit: a reset from the one host', () => {
  it('a75-lo6-pasv-reset-vsftpd-curl: the EPSV data SYN reset by ::1 itself: refused, advice for that host (no load balancer, no firewall between)', async () => {
    const name = 'a75-lo6-pasv-reset-vsftpd-curl';
    expect(facts(name).network.filter).toContain('REJECT --reject-with tcp-reset');
    expect(flagged(name, '0x0014', '50008')).toEqual([18]);
    const a = await analyze(name);
    const t = transfer(a, '1.1');
    expect([t.verdict.kind, t.diagnosis!.cause, t.diagnosis!.evidence]).toEqual(['failed', 'passive-refused', [16, 17, 18]]);
    expect(flat(t.diagnosis!.summary)).toContain('It was answered by a reset (RST) from the server at frame 18');
    expect(t.diagnosis!.advice).toContain('the reset came from that host itself. Check that the server listens on [::1]:50008 when the client connects');
    expect(t.diagnosis!.advice).not.toMatch(/load balancer|between the (client|server|hosts)/);
  });
});

describe('seventy-fifth audit: the other failures on one host', () => {
  it('a75-lo-closed-curl: nothing listens on 127.0.0.1:21: the control connection refused by the host itself', async () => {
    const name = 'a75-lo-closed-curl';
    expect(flagged(name, '0x0014', '21')).toEqual([2]);
    const a = await analyze(name);
    expect(a.sessions[0].diagnosis!.cause).toBe('control-refused');
    expect(a.sessions[0].control).toMatchObject({ kind: 'refused', by: 'server' });
  });

  it("a75-lo-ctrl-drop-vsftpd-curl: SYNs to 127.0.0.1:21 unanswered: the host's own firewall, not 'the server's side' nor a firewall in between", async () => {
    const name = 'a75-lo-ctrl-drop-vsftpd-curl';
    expect(facts(name).client.exit_status).toBe(28);
    expect(flagged(name, '0x0002', '21')).toEqual([1, 2, 3, 4, 5]);
    const a = await analyze(name);
    const d = a.sessions[0].diagnosis!;
    expect([d.cause, d.evidence]).toEqual(['control-unanswered', [1, 2, 3, 4, 5]]);
    const said = flat(d.summary);
    expect(said).toContain('that host dropped them itself');
    expect(said).not.toMatch(/server's side|nothing answers at that address/);
    expect(d.advice).toContain("allow connections to port 21 in that host's own firewall, including its rules for the loopback interface");
    expect(d.advice).not.toMatch(/in between|security group|DNS/);
  });

  it('a75-lo-pasv-address-vsftpd-python: a 227 naming 127.0.0.2 on one host is the server\'s own setting, reachable and refused, no NAT', async () => {
    const name = 'a75-lo-pasv-address-vsftpd-python';
    expect(facts(name).client.messages).toContain("RETR failed: ConnectionRefusedError(111, 'Connection refused')");
    const a = await analyze(name);
    const t = transfer(a, '1.1');
    expect([t.verdict.kind, t.diagnosis!.cause]).toEqual(['failed', 'passive-address-mismatch']);
    expect([t.connection!.server.ip, t.connection!.rst?.frame]).toEqual(['127.0.0.2', 18]);
    const said = flat(t.diagnosis!.summary);
    expect(said).toContain('client and server are one host and 127.0.0.2 is another address of it: nothing lies between them to rewrite the reply');
    expect(said).toContain('and was reset (frame 18)');
    expect(said).not.toMatch(/unreachable from outside its network|NAT that/);
    expect(t.diagnosis!.advice).toContain("Remove the server's announced-address setting (vsftpd: pasv_address) or set it to 127.0.0.1");
  });

  it('a75-lo-abor-vsftpd-python: aborted by the client (ABOR), the bytes tshark counts on the data connection', async () => {
    const name = 'a75-lo-abor-vsftpd-python';
    const a = await analyze(name);
    const t = transfer(a, '1.1');
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'client', expected: 4194304 });
    expect(t.bytes).toBe(bytesFrom(name, '50006'));
    expect(t.bytes).toBe(138880);
    // What the client saved is what it read before closing (the rest its TCP had, unread).
    expect(facts(name).files[0].received.size).toBeLessThanOrEqual(t.bytes);
    const json = JSON.parse((await runCli(['transfers', '--json', path(name)])).stdout).transfers[0];
    expect([json.verdict.kind, json.verdict.by]).toEqual(['aborted', 'client']);
  });

  it('a75-lo-stor-denied-pyftpdlib-python: RETR completed, STOR refused by the server (550), not the network', async () => {
    const name = 'a75-lo-stor-denied-pyftpdlib-python';
    const a = await analyze(name);
    expect(a.sessions[0].transfers.map((t) => [t.verdict.kind, t.diagnosis?.cause ?? null, t.reply?.code])).toEqual([
      ['completed', null, 226],
      ['failed', 'server-refused', 550],
    ]);
  });
});
