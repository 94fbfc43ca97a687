/**
 * The sixteenth verdict audit, each on a real recording (fixtures/record.sh, "Sixteenth verdict
 * audit"): FTPS failures seen WITHOUT the TLS keys. The recorder kept each key log beside its
 * capture as ground truth only (tshark's decrypted view, NAME.tshark-tls-lines.tsv); ftpcap reads
 * the captures without them, so it must say what the packets show (SYNs unanswered, ICMP, a
 * connection to another address) without claiming an address it could not read.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { FIXTURES } from '../support/facts.js';
import { analyze, causes, extractedFiles, facts, factSha, outputs, path } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit16-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The decrypted control lines tshark read with the key log: frame → line. */
const tlsLines = (name: string): Map<number, string> =>
  new Map(
    readFileSync(join(FIXTURES, `${name}.tshark-tls-lines.tsv`), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split('\t'))
      .map(([f, , line]) => [Number(f), line]),
  );
const ALL = ['summary', 'diagnose', 'explain', 'timeline', 'logs'];
/** Words that would claim a PASV/PORT was missing or read, where TLS hid it. */
const CLAIMS_READ = /no PORT or PASV preceded it|RFC 959 default data port/;

describe('1. curl --ssl-reqd through DNAT with the FTP helper: the helper cannot read the encrypted 227', () => {
  const name = 'ftps-dnat-helper-client-side-vsftpd-curl';
  it(`${name}: one probable passive transfer, failed (ICMP from the router); TLS hiding the 227 from the helper named; no address claimed`, async () => {
    // Ground truth: the 227 named the inside address, unreadable here.
    expect(tlsLines(name).get(32)).toMatch(/^227 Entering Passive Mode \(198,51,100,20,195,166\)/);
    expect(facts(name).files[0].received).toBeFalsy();
    const a = await analyze(name);
    const s = a.sessions[0];
    expect([s.tlsMode, s.tlsFrame, s.diagnosis?.cause, s.diagnosis?.evidence]).toEqual(['explicit', 10, 'tls-hidden', [10, 33]]);
    const t = s.transfers[0];
    expect([s.transfers.length, t.inferred, t.mode, t.connection?.stream, t.bytes, t.verdict.kind]).toEqual([1, 'tls-hidden', 'passive', 1, 0, 'failed']);
    expect([t.diagnosis?.cause, t.diagnosis?.evidence]).toEqual(['passive-host-unreachable', [33, 35, 36, 37, 38, 39, 40]]);
    // Before: "no PORT or PASV preceded it (RFC 959 default data port)", and nothing about the helper.
    expect(t.diagnosis!.summary).not.toMatch(CLAIMS_READ);
    expect(t.diagnosis!.summary).toMatch(/The PASV\/EPSV reply that announced it, if any, was encrypted: its address and port are not readable/);
    expect(t.diagnosis!.summary).toMatch(/The 227 was inside TLS, so a firewall or NAT FTP helper on the way could not read it either/);
    expect(t.diagnosis!.summary).toMatch(/ICMP destination unreachable \(type 3 code 1\) from 192\.0\.2\.1, a device on the way, not the server, at frame 38/);
    expect(t.diagnosis!.advice).toMatch(/cannot read PORT\/227 inside TLS/);
    // The router's ICMP came 3.1 s after the first SYN (its ARP went unanswered: nobody owns the public
    // address's unmapped port), not a firewall's reject. Before: "a firewall or router ... rejects connections".
    expect(t.diagnosis!.summary).toMatch(/3\.1 s after the first SYN: "host unreachable" that late is a router that found no host at 203\.0\.113\.21/);
    // The control connection reaches the server at 203.0.113.21: a NAT forwards it, not this port (review 78;
    // before: "if that address is a NAT's public one, … otherwise the 227 names an address nobody answers for").
    expect(t.diagnosis!.advice).toMatch(/^The router at 192\.0\.2\.1 has no host at 203\.0\.113\.21 to deliver 203\.0\.113\.21:50086 to, though the control connection reaches the server at that address: .* Forward the server's passive port range/);
    expect(t.diagnosis!.advice).not.toMatch(/rejects connections/);
    // Before: "(no transfer command, passive mode)" and, in the ladder, "no transfer command used it".
    // The connection never opened: failed for certain, as the tables say (before: "probably failed" beside "failed").
    expect(t.diagnosis!.summary).toMatch(/^Session 1, transfer 1 \(its command encrypted, passive mode\) failed: a router found no host/);
    const [summary, diagnose] = await outputs(name, 'summary', 'diagnose');
    expect(summary).toMatch(/1\.1 passive - 203\.0\.113\.21:50086 0 - failed \[1\]/);
    // Before: "passive-refused: the server's side refused the client's data connection" (the ICMP came from the client's router).
    expect(summary).toMatch(/\[1\] 1\.1 passive-host-unreachable: a router found no host at the passive data connection's address/);
    for (const o of await outputs(name, ...ALL)) expect(o).not.toMatch(CLAIMS_READ);
    expect(diagnose).not.toMatch(/probably failed/);
    const [timeline] = await outputs(name, 'timeline');
    expect(timeline).toMatch(/Data connection 1 \(passive\) its transfer command, if any, is encrypted: the client opens it, port 39600 → 50086/);
    expect(timeline).not.toMatch(/no transfer command used it/);
    expect(diagnose).not.toMatch(/198\.51\.100\.20/); // the inside address is only in the encrypted 227
  });
  it('the same session at the server: the 227 went out encrypted, no data SYN arrived; nothing claims a transfer', async () => {
    const a = await analyze('ftps-dnat-helper-server-side-vsftpd-curl');
    const s = a.sessions[0];
    expect([s.transfers.length, s.diagnosis?.cause, s.diagnosis?.evidence]).toEqual([0, 'tls-hidden', [10]]);
    expect(s.diagnosis!.summary).toMatch(/No other connection between the two hosts appears while the session runs/);
    expect(s.diagnosis!.summary).toMatch(/taken on the server's side/);
  });
});

describe("2. active FTPS from behind MASQUERADE with the helper, vsftpd port_promiscuous: the server's SYNs to the inside address", () => {
  const name = 'ftps-snat-active-server-side-vsftpd-python';
  it(`${name}: the server's SYNs to 192.0.2.10 (not the control peer 198.51.100.1) are told as the encrypted PORT's likely target`, async () => {
    const lines = tlsLines(name);
    expect(lines.get(30)).toBe('PORT 192,0,2,10,178,191');
    expect(lines.get(39)).toBe('425 Failed to establish connection.');
    const a = await analyze(name);
    const s = a.sessions[0];
    expect([s.client.ip, s.diagnosis?.cause, s.diagnosis?.evidence]).toEqual(['198.51.100.1', 'tls-hidden', [10, 33]]);
    // Before: "No other connection between the two hosts appears": the SYNs at frames 33-38 went untold.
    expect(s.diagnosis!.summary).toMatch(
      /the server opened a connection to a high port of another address than the client's 198\.51\.100\.1: stream 1: 198\.51\.100\.20:35453 → 192\.0\.2\.10:45759 \(never established\)/,
    );
    expect(s.diagnosis!.summary).not.toMatch(/No other connection/);
    const [explain, timeline] = await outputs(name, 'explain', 'timeline');
    expect(explain).toMatch(/The server tries to open a connection to 192\.0\.2\.10:45759 .*not the client's address 198\.51\.100\.1: probably the data connection an encrypted PORT pointed to/);
    expect(timeline).toMatch(/Probably a data connection to where an encrypted PORT pointed, 192\.0\.2\.10 \(not the client's 198\.51\.100\.1\)/);
  });
  it('the same session at the client: no data SYN arrives, and that is all it says', async () => {
    const a = await analyze('ftps-snat-active-promisc-client-side-vsftpd-python');
    const s = a.sessions[0];
    expect([s.transfers.length, s.diagnosis?.cause]).toEqual([0, 'tls-hidden']);
    expect(s.diagnosis!.summary).toMatch(/No other connection between the two hosts appears/);
  });
});

describe("3. FTPS, no NAT: the server's firewall drops its passive range", () => {
  const name = 'ftps-fail-passive-drop-vsftpd-curl';
  it(`${name}: probable passive transfer failed, SYNs unanswered; the address hedged`, async () => {
    expect(tlsLines(name).get(32)).toMatch(/^227 Entering Passive Mode \(198,51,100,20,195,134\)/);
    const a = await analyze(name);
    const t = a.sessions[0].transfers[0];
    expect([t.inferred, t.verdict.kind, t.diagnosis?.cause, t.diagnosis?.evidence]).toEqual(['tls-hidden', 'failed', 'passive-syn-unanswered', [33, 35, 36, 37, 38, 41]]);
    expect(t.diagnosis!.summary).toMatch(/\(its command encrypted, passive mode\) failed: the client could not reach the server's passive port/);
    // Before: "announced: none (default port)", "requested: no transfer command used it", "passive, no command".
    const [transfersBlock] = await outputs(name, 'transfers');
    expect(transfersBlock).toMatch(/Transfer 1\.1: passive, command not seen — failed /);
    expect(transfersBlock).toMatch(/ announced not readable: TLS encrypted its PORT\/PASV exchange requested not readable: TLS encrypted its transfer command, if any /);
    expect(t.diagnosis!.summary).toMatch(/its address and port are not readable in this capture/);
    // The helper is named as a likely reason, hedged: here the server's own firewall closed the range.
    expect(t.diagnosis!.summary).toMatch(/could not open this one: a likely reason, unless that port is closed to every connection anyway/);
    for (const o of await outputs(name, ...ALL)) expect(o).not.toMatch(CLAIMS_READ);
  });
});

describe('4. CCC through the DNAT helper', () => {
  const name = 'ftps-ccc-dnat-helper-proftpd-curl';
  it(`${name}: after CCC the 227 is clear (rewritten by the helper), RETR completes over PROT P: no diagnosis anywhere`, async () => {
    const lines = tlsLines(name);
    expect([lines.get(27), lines.get(28), lines.get(34)]).toEqual(['CCC', '200 Clearing control channel protection', '227 Entering Passive Mode (203,0,113,21,195,101).']);
    const a = await analyze(name);
    const s = a.sessions[0];
    expect([s.tlsFrame, s.tlsEndFrame, s.diagnosis]).toEqual([10, 31, null]);
    const t = s.transfers[0];
    expect([t.announce?.command, t.announce?.reply?.frame, t.request?.frame, t.reply?.code, t.reply?.frame, t.verdict.kind, t.diagnosis]).toEqual([
      'PASV', 34, 46, 226, 63, 'completed', null,
    ]);
    // TLS records on the wire (PROT P): more than the file's 511 bytes.
    expect(facts(name).files[0].size).toBe(511);
    expect(t.bytes).toBe(2482);
    expect(causes(a)).toEqual([]);
    const [diagnose, explain, summary, timeline, logs] = await outputs(name, 'diagnose', 'explain', 'summary', 'timeline', 'logs');
    expect(diagnose).toMatch(/No failed data connections in 1 session: 1 transfer \(1 complete\)\./);
    for (const o of [explain, summary, timeline, logs]) expect(o).not.toMatch(/failed|refused|incomplete|truncated|What to change/i);
    // Before: "2,482 bytes, all in the capture", as if they were the file's.
    expect(explain).toMatch(/They are TLS records \(PROT P\), not the file's bytes/);
    expect(explain).toMatch(/completed: 2,482 bytes of TLS records \(PROT P; the file inside is not readable without a key log, 511 bytes announced\), all in the capture \(226, frame 63\)/);
    // Before: an EMPTY s1-t1-hello.txt saved with the verdict "truncated" (0 bytes against the 511 announced).
    expect(await extractedFiles(name, tmp)).toEqual({});
    const manifest = JSON.parse(readFileSync(join(tmp, name, 'manifest.json'), 'utf8'));
    expect(manifest.skipped.map((k: any) => [k.transfer, k.originalName, k.reason])).toEqual([
      [1, 'hello.txt', 'its data connection is TLS (PROT P) and was not decrypted: its 3103 bytes are TLS records, not the file (a key log would give the file)'],
    ]);
    // With the key log (ground truth) the file comes out whole, its verdict complete (before: "unverified").
    const keyed = join(tmp, 'keyed');
    expect((await runCli(['extract', '--tls-keylog', join(FIXTURES, `${name}.keys`), '-o', keyed, path(name)])).code).toBe(0);
    const m2 = JSON.parse(readFileSync(join(keyed, 'manifest.json'), 'utf8'));
    expect(m2.objects.map((o: any) => [o.originalName, o.bytes, o.sha256, o.verdict])).toEqual([['hello.txt', 511, factSha(name, 'hello.txt'), 'complete']]);
  });
  it('CCC refused (534): the session stays encrypted and fails like case 1', async () => {
    const n2 = 'ftps-ccc-refused-dnat-helper-proftpd-curl';
    expect(tlsLines(n2).get(28)).toBe('534 Unwilling to accept security parameters');
    const a = await analyze(n2);
    const s = a.sessions[0];
    expect([s.tlsEndFrame, s.diagnosis?.cause, s.transfers[0].verdict.kind, s.transfers[0].diagnosis?.cause]).toEqual([undefined, 'tls-hidden', 'failed', 'passive-host-unreachable']);
    expect(s.transfers[0].diagnosis!.summary).toMatch(/NAT FTP helper on the way could not read it either/);
  });
});

describe('5. implicit FTPS, the data connection does not resume the TLS session (require_ssl_reuse)', () => {
  const name = 'ftps-implicit-reuse-required-vsftpd-python';
  it(`${name}: tls-session-not-reused, hedged (the 522 is encrypted); not a network cause`, async () => {
    expect([...tlsLines(name).values()]).toContain('522 SSL connection failed: session reuse required');
    const a = await analyze(name);
    const s = a.sessions[0];
    expect([s.tlsMode, s.server.port, s.diagnosis?.cause]).toEqual(['implicit', 2990, 'tls-session-not-reused']);
    const t = s.transfers[0];
    expect([t.inferred, t.connection?.stream, t.diagnosis?.cause, t.diagnosis?.evidence]).toEqual(['tls-hidden', 1, 'tls-session-not-reused', [32, 33, 37, 42]]);
    expect(t.diagnosis!.summary).toMatch(/the reply that would say so is encrypted/);
    expect(causes(a)).not.toContain('passive-syn-unanswered');
  });
});
