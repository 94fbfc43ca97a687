/**
 * Ground-truth review 78 (review-list-02): FTPS through a DNAT whose FTP helper cannot read the 227
 * inside TLS, read with the recorder's key log.
 *
 * ftps-dnat-helper-client-side-vsftpd-curl and ftps-ccc-refused-dnat-helper-proftpd-curl: the client
 * talks to 203.0.113.21:21, which the router DNATs to the server 198.51.100.20. The 227 (encrypted)
 * names the server's inside address 198.51.100.20; curl ignores it (its default, --ftp-skip-pasv-ip)
 * and connects to the control address 203.0.113.21 at the 227's port, which nothing forwards: the
 * router answers its fourth SYN with ICMP host unreachable. Without the key log the diagnosis was
 * passive-host-unreachable with the 227 inside TLS as the likely reason. With it, before this review,
 * it was passive-address-mismatch — "the 227 reply advertises an address other than the server's …
 * The client ignored the advertised address", advising "let the client use the control connection's
 * address instead (curl does so by default)": what the client had done, and what had failed. The
 * 227's address played no part in that connection: its own failure is the cause, the same with or
 * without keys.
 *
 * ftps-snat-active-promisc-client-side-vsftpd-python: the client behind a MASQUERADE with
 * nf_conntrack_ftp loaded sends PORT 192,0,2,10 inside TLS; vsftpd (port_promiscuous) accepts it,
 * its SYNs to 192.0.2.10 die at the router, 425 after 5 s. Read with the key log, before this review
 * the advice was the catalog's "behind a NAT, enable its FTP helper … so it forwards the announced
 * port" — which a helper cannot do for a PORT inside TLS, and there was one.
 *
 * ftps-dnat-helper-server-side-vsftpd-curl: the same DNAT at the server; no data SYN arrives. Read with
 * the key log, passive-unreached advised "the NAT needs its FTP helper (nf_conntrack_ftp)", which was
 * loaded and could not read the 227 inside TLS.

 * multihomed-pasv-vsftpd-lftp stopped at frame 29, 30 or 31: the 227 names the server's second
 * address 198.51.100.21, the client's SYN to it (30) and its SYN-ACK (31) are the capture's last
 * packets. Before this review each read "was not used: the 227 reply advertises an address other than
 * the server's … got no answer (1 SYN)", advising pasv_address — of a healthy capture whose
 * connection was being made when it stopped. An announcement the capture ended on within the first
 * retransmission timeout (in-flight.ts) is not yet used nor wrong: no diagnosis. fail-pasv-address-
 * vsftpd-lftp, for contrast, is diagnosed once its SYN has had to be sent again (frame 37).
 *
 * Frames are tshark's (NAME.tshark-fields.tsv, NAME.tshark-tls-ftp.tsv).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { analyzeFiles } from '../../src/analysis/pipeline.js';
import { TlsKeyLog } from '../../src/tls/keylog.js';
import { runCli } from '../cli/run-cli.js';
import { FIXTURES } from '../support/facts.js';
import { analyze, derived, facts, flat, path, transfer, tsv } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-review78-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const keysOf = (name: string): string => join(FIXTURES, `${name}.keys`);

const withKeys = (name: string): Promise<Analysis> => {
  const tlsKeyLog = new TlsKeyLog();
  tlsKeyLog.addText(readFileSync(keysOf(name), 'latin1'));
  return analyzeFiles([path(name)], { fileName: name, thread: false, tlsKeyLog });
};

const cases = [
  { name: 'ftps-dnat-helper-client-side-vsftpd-curl', port: 50086, setting: 'vsftpd: pasv_min_port/pasv_max_port' },
  { name: 'ftps-ccc-refused-dnat-helper-proftpd-curl', port: 50082, setting: 'proftpd: PassivePorts' },
];

describe('review 78: a passive data connection to the control address, the 227 (read with keys) naming another', () => {
  for (const { name, port, setting } of cases) {
    it(`${name}: passive-host-unreachable with and without the key log, never the 227's address as the cause`, async () => {
      const fields = new Map(tsv(name, 'fields').map((r) => [r['frame.number'], r]));
      // The client's SYN (frame 33) goes to the control connection's address, not the 227's.
      expect(['ip.src', 'ip.dst', 'tcp.dstport', 'tcp.flags'].map((k) => fields.get('33')![k])).toEqual(['192.0.2.10', '203.0.113.21', String(port), '0x0002']);
      // The router's ICMP host unreachable (type 3 code 1) at frame 38, 3.1 s after that SYN.
      expect(['ip.src', 'icmp.type', 'icmp.code'].map((k) => fields.get('38')![k])).toEqual(['192.0.2.1', '3', '1']);

      const keyed = await withKeys(name);
      const t = transfer(keyed, '1.1');
      // Read with the keys: the 227 names the server's inside address.
      expect([t.announce?.reply?.frame, t.announce?.endpoint]).toEqual([32, { ip: '198.51.100.20', port }]);
      expect([t.connection?.match, t.connection?.server]).toEqual(['port', { ip: '203.0.113.21', port }]);
      expect([t.status, t.diagnosis?.cause, t.diagnosis?.evidence]).toEqual(['failed', 'passive-host-unreachable', [32, 33, 35, 36, 37, 38, 39, 40]]);
      const said = flat(t.diagnosis!.summary);
      expect(said).toContain('The client sent SYN from 192.0.2.10:');
      expect(said).toContain(`to 203.0.113.21:${port} at frames 33, 35, 36 and 37`);
      expect(said).toContain('The 227 was inside TLS, so a firewall or NAT FTP helper on the way could not read it either');
      expect(said).not.toMatch(/advertises an address other than|ignored the advertised address/);
      const advice = flat(t.diagnosis!.advice);
      expect(advice).toContain(`The router at 192.0.2.1 has no host at 203.0.113.21 to deliver 203.0.113.21:${port} to, though the control connection reaches the server at that address`);
      expect(advice).toContain(`Forward the server's passive port range through it to the server`);
      expect(advice).toContain(setting);
      // Neither the client's own way (it did use the control address) nor an announced address nobody answers for.
      expect(advice).not.toMatch(/control connection's address instead|ftp-skip-pasv-ip|names an address nobody answers for/);

      // Without the key log: the same cause, the same advice.
      const plain = transfer(await analyze(name), '1.1');
      expect([plain.status, plain.diagnosis?.cause]).toEqual(['failed', 'passive-host-unreachable']);
      expect(flat(plain.diagnosis!.advice)).toBe(advice);

      // Every output with the keys says the same.
      const r = await runCli(['transfers', '--no-color', '--tls-keylog', keysOf(name), path(name)]);
      expect(r.code, r.stderr).toBe(0);
      expect(flat(r.stdout)).toContain("failed: a router found no host at the passive data connection's address");
      expect(flat(r.stdout)).not.toMatch(/advertises an address other than/);
    });
  }

  it("a20-active-nat-host-unreach-proftpd-lftp: the router's host unreachable for the control connection's own client address is a NAT that forwards nothing there, not an announced address nobody answers for", async () => {
    const t = transfer(await analyze('a20-active-nat-host-unreach-proftpd-lftp'), '1.1');
    expect(t.diagnosis?.cause).toBe('active-host-unreachable');
    expect(t.connection?.client.ip).toBe('203.0.113.50');
    const advice = flat(t.diagnosis!.advice);
    expect(advice).toContain('The router at 198.51.100.1 has no host at 203.0.113.50 to deliver 203.0.113.50:39015 to, though the control connection reaches the client at that address');
    expect(advice).not.toMatch(/names an address nobody answers for/);
  });

  it('ftps-snat-active-promisc-client-side-vsftpd-python, with its key log: the PORT inside TLS, so no advice to enable a NAT FTP helper', async () => {
    const name = 'ftps-snat-active-promisc-client-side-vsftpd-python';
    const rows = new Map(tsv(name, 'tls-ftp').map((r) => [r['frame.number'], r['ftp.request.command'] || r['ftp.response.code']]));
    expect(['30', '31', '32', '34'].map((f) => rows.get(f))).toEqual(['PORT', '200', 'RETR', '425']);
    const t = transfer(await withKeys(name), '1.1');
    expect([t.status, t.diagnosis?.cause, t.diagnosis?.evidence]).toEqual(['failed', 'active-syn-unanswered', [30, 31, 32, 34]]);
    expect(flat(t.diagnosis!.summary)).toContain("The PORT travelled inside TLS (the control connection switched at frame 10): a NAT's FTP helper cannot read or rewrite it");
    expect(t.diagnosis!.advice).toMatch(/^The PORT is encrypted \(FTPS\), so no NAT FTP helper can rewrite it: use passive mode/);
    expect(t.diagnosis!.advice).not.toMatch(/enable its FTP helper/);
  });

  it('ftps-dnat-helper-server-side-vsftpd-curl, with its key log: passive-unreached names the 227 inside TLS, advice without a helper to enable', async () => {
    const name = 'ftps-dnat-helper-server-side-vsftpd-curl';
    expect(facts(name).capture.namespace).toBe('server');
    const t = transfer(await withKeys(name), '1.1');
    expect([t.status, t.diagnosis?.cause, t.diagnosis?.evidence, t.announce?.endpoint]).toEqual(['failed', 'passive-unreached', [32, 35], { ip: '198.51.100.20', port: 50086 }]);
    expect(flat(t.diagnosis!.summary)).toContain("The 227 travelled inside TLS (the control connection switched at frame 10): a NAT's FTP helper cannot read or rewrite it");
    expect(t.diagnosis!.advice).toMatch(/^A firewall or NAT FTP helper cannot read PORT\/227 inside TLS: give the server a fixed passive port range \(vsftpd: pasv_min_port\/pasv_max_port\)/);
    expect(t.diagnosis!.advice).not.toMatch(/needs its FTP helper/);
  });
});

describe('review 78: an announcement the capture ended on is not yet wrong', () => {
  it('multihomed-pasv-vsftpd-lftp stopped at the 227, the SYN to its other address, or that SYN\'s SYN-ACK: unused, no diagnosis', async () => {
    const name = 'multihomed-pasv-vsftpd-lftp';
    const fields = new Map(tsv(name, 'fields').map((r) => [r['frame.number'], r]));
    expect(['30', '31'].map((f) => [fields.get(f)!['ip.src'], fields.get(f)!['ip.dst'], fields.get(f)!['tcp.flags']])).toEqual([
      ['192.0.2.10', '198.51.100.21', '0x0002'],
      ['198.51.100.21', '192.0.2.10', '0x0012'],
    ]);
    for (const end of [29, 30, 31]) {
      const d = await derived(tmp, name, `to-${end}`, (f) => f <= end);
      const t = transfer(d.a, '1.1');
      expect([end, t.announce?.endpoint, t.status, t.diagnosis]).toEqual([end, { ip: '198.51.100.21', port: 50056 }, 'unused', null]);
      const r = await runCli(['diagnose', '--no-color', d.file]);
      expect(flat(r.stdout)).not.toMatch(/advertises an address other than|got no answer/);
    }
    // The whole capture: healthy.
    expect((await analyze(name)).sessions[0].transfers.map((t) => [t.status, t.diagnosis])).toEqual([['complete', null], ['complete', null], ['complete', null]]);
  });

  it('fail-pasv-address-vsftpd-lftp, for contrast: once the SYN to 203.0.113.99 has been sent again (frame 37), failed, passive-address-mismatch', async () => {
    const name = 'fail-pasv-address-vsftpd-lftp';
    for (const [end, want] of [[36, ['unused', null]], [37, ['failed', 'passive-address-mismatch']]] as const) {
      const d = await derived(tmp, name, `to-${end}`, (f) => f <= end);
      const t = transfer(d.a, '1.1');
      expect([end, t.status, t.diagnosis?.cause ?? null]).toEqual([end, ...want]);
    }
  });
});
