/**
 * The twentieth verdict audit, each on a real recording (fixtures/record.sh, "Twentieth verdict
 * audit"): data connections refused or unreachable by ICMP and ICMPv6. A router's late "host
 * unreachable" / ICMPv6 "address unreachable" (active mode to a NAT's outside address that nobody
 * owns: ARP / neighbour discovery unanswered), firewalls rejecting with ICMPv6 adm-prohibited, port
 * unreachable or a reset, and an ICMPv6 error the client never took before its retransmitted SYN
 * opened the connection (healthy). Frame numbers are tshark's (NAME.tshark-*.tsv); sizes and sha256
 * the recorder's facts.
 */
import { describe, expect, it } from 'vitest';
import { analyze, causes, facts, ftpRows, outputs, ourRows, transfers } from './audit-fixtures.js';

const CAUSED = ['summary', 'diagnose', 'explain'];

async function failedWith(name: string, cause: string, icmpFrames: number[], rows = true): Promise<string> {
  const a = await analyze(name);
  if (rows) expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
  const [t] = transfers(a);
  expect(t.status).toBe('failed');
  expect(t.diagnosis?.cause).toBe(cause);
  expect(causes(a).filter((c) => c !== cause)).toEqual([]);
  expect(t.connection?.icmpErrors.map((e) => e.frame) ?? []).toEqual(icmpFrames);
  for (const f of icmpFrames) expect(t.diagnosis!.evidence).toContain(f);
  const outs = await outputs(name, ...CAUSED);
  for (const o of outs) expect(o).toContain(cause);
  return t.diagnosis!.summary + ' ' + (t.diagnosis!.advice ?? '');
}

describe('1. IPv4 active through a NAT that announces an address it does not forward (lftp ftp:port-ipv4)', () => {
  const name = 'a20-active-nat-host-unreach-proftpd-lftp';
  it('at the server: the router 198.51.100.1 answers after ARP fails (frames 65-67): active-host-unreachable', async () => {
    expect(facts(name).files[0].received).toBeNull();
    const words = await failedWith(name, 'active-host-unreachable', [65, 66, 67]);
    expect(words).toContain('from 198.51.100.1, a device on the way, not the client, at frame 65, 3.1 s after the first SYN: "host unreachable"');
    expect(words).toContain('(its ARP went unanswered)');
    // Before: the source-port-20 note ("a client-side firewall ... drops such connections") beside a router's answer.
    expect(words).not.toContain('port 20');
    expect(words).toContain('The router at 198.51.100.1 has no host at 203.0.113.50');
  });
  it('at the client: the client itself announced 203.0.113.50, not a NAT that failed to rewrite it', async () => {
    const words = await failedWith(`${name}-client`, 'active-address-mismatch', []);
    // Before: "a NAT between them rewrote the packets but not the address inside PORT (no FTP helper)".
    expect(words).not.toContain('rewrote the packets');
    expect(words).toContain('the client itself put 203.0.113.50 in the PORT');
    expect(words).toContain('the server replied 425 Unable to build data connection: No route to host (frame 63) 3.1 s after RETR (frame 61)');
    expect(words).toContain('must forward the announced data ports to the client');
  });
});

describe('2. IPv6 EPSV, the server rejects with ICMPv6 administratively prohibited', () => {
  const name = 'a20-epsv-adm-prohibited-vsftpd-lftp';
  it('passive-refused by the server itself, both ICMPv6 errors (frames 37, 40) in evidence', async () => {
    const words = await failedWith(name, 'passive-refused', [37, 40], false);
    expect(words).toContain('(type 1 code 1) from 2001:db8:2::20 at frame 37: "administratively prohibited", sent by the server itself — a firewall on the server rejects the connection');
  });
});

describe('3. IPv6 EPRT, the client rejects the server SYN with ICMPv6 port unreachable', () => {
  const name = 'a20-eprt-client-port-unreach-proftpd-lftp';
  it('active-refused by the client host, named as a firewall (a closed TCP port would reset)', async () => {
    const words = await failedWith(name, 'active-refused', [58, 61]);
    expect(words).toContain('from 2001:db8:1::10 at frame 58: "port unreachable", sent by the client itself — its firewall rejects the connection');
    expect(words).toContain('425 Unable to build data connection: Connection refused (frame 62)');
  });
});

describe('4. IPv6 EPRT (ftplib), the client rejects with a reset', () => {
  const name = 'a20-eprt-client-reset-proftpd-python';
  it('active-refused by a RST from the client at frame 21', async () => {
    const words = await failedWith(name, 'active-refused', []);
    expect(words).toContain('answered by a reset (RST) from the client at frame 21');
  });
});

describe('5. IPv6 active through a NAT66 that does not forward: ICMPv6 address unreachable', () => {
  const name = 'a20-eprt-nat6-addr-unreach-vsftpd-python';
  it('at the server: 2001:db8:2::1 after ND fails (frames 27-29): active-host-unreachable', async () => {
    const words = await failedWith(name, 'active-host-unreachable', [27, 28, 29]);
    expect(words).toContain('(type 1 code 3) from 2001:db8:2::1, a device on the way, not the client, at frame 27, 3.1 s after the first SYN: "address unreachable"');
    expect(words).toContain('(its neighbour discovery went unanswered)');
    // The control connection comes from 2001:db8:3::50 itself: the NAT66 carries it, not this port (review 78;
    // before: "if that address is a NAT's public one, … otherwise the EPRT names an address nobody answers for").
    expect(words).toContain('though the control connection reaches the client at that address');
    expect(words).not.toContain('names an address nobody answers for');
  });
  it('at the client: the client announced the NAT66 address itself', async () => {
    const words = await failedWith(`${name}-client`, 'active-address-mismatch', []);
    expect(words).toContain('the client itself put 2001:db8:3::50 in the EPRT');
  });
});

describe('6. IPv6 EPSV: an ICMPv6 reject of the first SYN that the client never took; the retransmitted SYN connects', () => {
  const name = 'a20-epsv-icmp6-ignored-vsftpd-curl';
  it('completed, 511 bytes matching the facts, no diagnosis in any output', async () => {
    const f = facts(name);
    expect(f.files[0].received_matches).toBe(true);
    const a = await analyze(name);
    const [t] = transfers(a);
    expect([t.status, t.bytes, t.connection?.synFrames, t.connection?.icmpErrors.map((e) => e.frame)]).toEqual(['complete', f.files[0].size, [19, 22], [20]]);
    expect(causes(a)).toEqual([]);
    for (const o of await outputs(name, 'summary', 'diagnose', 'explain', 'timeline')) expect(o).not.toMatch(/failed:|refused|What to change|unreachable|prohibited/);
  });
});
