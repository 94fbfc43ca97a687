/**
 * The thirty-third verdict audit: FTP through NAT64 (fixtures/record.sh, "Thirty-third verdict
 * audit"). The client is IPv6-only (2001:db8:1::10), the server IPv4-only (198.51.100.20); tayga on
 * the router translates with the prefix 2001:db8:64::/96 (the server is 2001:db8:64::c633:6414 to
 * the client) and gives the client 192.0.2.165 from its pool. tayga has no FTP ALG: a 227 naming
 * 198.51.100.20 and an EPRT naming 2001:db8:1::10 cross it untranslated. Each scenario was captured
 * at the client (IPv6 side) and at the server (IPv4 side); the healthy one also on the translator's
 * tun device (the session once as IPv6 and once as IPv4). Frames are tshark's (NAME.tshark-ftp.tsv,
 * NAME.tshark-data-streams.tsv); sizes and sha256 the recorder's facts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { embeddedIpv4 } from '../../src/analysis/nat64.js';
import { analyze, causes, dataStreams, extractedFiles, facts, factSha, flat, ftpRows, nothingFailed, ourRows, outputs, path, transferRows } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit33-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const OUTPUTS = ['summary', 'sessions', 'diagnose', 'explain', 'timeline', 'report', 'logs'];
const allOutputs = async (name: string): Promise<string[]> => [(await runCli(['summary', '--json', path(name)])).stdout, ...(await outputs(name, ...OUTPUTS))];
/** Words that would blame a NAT44 without its helper, a masquerade setting or a firewall for what a NAT64 did. */
const WRONG_BLAME = /nf_conntrack_ftp|masquerade_address|pasv_address|port_promiscuous|FTP helper|firewall that drops/i;
const base = (n: string): string => `a33-nat64-${n}`;

/** Every data stream tshark linked to a command is linked to the same announcement and command here. */
async function linkedAsTshark(name: string): Promise<void> {
  const a = await analyze(name);
  for (const [stream, [setup, cmd]] of Object.entries(dataStreams(name))) {
    const t = a.sessions.flatMap((s) => s.transfers).find((x) => String(x.connection?.stream) === stream)!;
    expect([t.announce?.frame, t.request?.frame]).toEqual([setup, cmd]);
  }
}

describe('the NAT64 reading of an address (RFC 6052 /96)', () => {
  it('reads the IPv4 address in the last 32 bits, not an ordinary host address or a mapped one', () => {
    expect(embeddedIpv4('64:ff9b::c000:20a')).toBe('192.0.2.10');
    expect(embeddedIpv4('64:ff9b::192.0.2.33')).toBe('192.0.2.33');
    expect(embeddedIpv4('2001:db8:64::c633:6414')).toBe('198.51.100.20');
    expect(embeddedIpv4('2001:db8:2::20')).toBeNull();
    expect(embeddedIpv4('::ffff:192.0.2.1')).toBeNull();
    expect(embeddedIpv4('::1')).toBeNull();
    expect(embeddedIpv4('198.51.100.20')).toBeNull();
    // Bits 64-95 not zero: not the /96 form.
    expect(embeddedIpv4('2001:db8:0:0:1:0:c633:6414')).toBeNull();
  });
});

describe('1. lftp -> NAT64 -> vsftpd, EPSV: LIST, RETR, STOR (healthy)', () => {
  const b = base('epsv-vsftpd-lftp');
  const rows = (server: string) => [
    ['1.1', 'EPSV', 29, 'LIST', 33, 1, 260, 226, 40, 'completed', server],
    ['1.2', 'EPSV', 49, 'RETR hello.txt', 53, 2, 511, 226, 60, 'completed', server],
    ['1.3', 'EPSV', 63, 'STOR upload-nat64.txt', 67, 3, 259, 226, 74, 'completed', server],
  ];
  for (const [side, client, server] of [
    ['client', '2001:db8:1::10', '2001:db8:64::c633:6414'],
    ['server', '192.0.2.165', '198.51.100.20'],
  ]) {
    it(`${b}-${side}: one session (${client} -> ${server}), three transfers complete with tshark's frames and the files' sha256; nothing failed`, async () => {
      const name = `${b}-${side}`;
      const a = await analyze(name);
      expect(a.sessions.map((s) => [s.client.ip, s.server.ip])).toEqual([[client, server]]);
      expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
      expect(transferRows(a, (t) => [t.connection?.server.ip])).toEqual(rows(server));
      await linkedAsTshark(name);
      expect(await extractedFiles(name, tmp)).toEqual({
        's1-t1-list.txt': expect.any(String),
        's1-t2-hello.txt': factSha(name, 'hello.txt'),
        's1-t3-upload-nat64.txt': factSha(name, 'upload-nat64.txt'),
      });
      expect(facts(name).files.find((f: { path: string }) => f.path === 'hello.txt').size).toBe(511);
      await nothingFailed(name, tmp);
      for (const o of await allOutputs(name)) expect(flat(o)).not.toMatch(WRONG_BLAME);
    });
  }
  it(`${b}-translator: the session twice, as IPv6 and as IPv4, paired as the two views of one translation; same verdicts, nothing failed`, async () => {
    const name = `${b}-translator`;
    const a = await analyze(name);
    expect(a.sessions.map((s) => [s.client.ip, s.server.ip, s.natPeer?.session, s.natPeer?.side])).toEqual([
      ['2001:db8:1::10', '2001:db8:64::c633:6414', 2, 'inside'],
      ['192.0.2.165', '198.51.100.20', 1, 'outside'],
    ]);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(ourRows(a, 2)).toEqual(ftpRows(name, '1'));
    expect(transferRows(a, (t) => [t.connection?.server.ip])).toEqual([
      ['1.1', 'EPSV', 54, 'LIST', 61, 2, 260, 226, 76, 'completed', '2001:db8:64::c633:6414'],
      ['1.2', 'EPSV', 94, 'RETR hello.txt', 101, 4, 511, 226, 116, 'completed', '2001:db8:64::c633:6414'],
      ['1.3', 'EPSV', 122, 'STOR upload-nat64.txt', 129, 6, 259, 226, 144, 'completed', '2001:db8:64::c633:6414'],
      ['2.1', 'EPSV', 53, 'LIST', 62, 3, 260, 226, 74, 'completed', '198.51.100.20'],
      ['2.2', 'EPSV', 93, 'RETR hello.txt', 102, 5, 511, 226, 115, 'completed', '198.51.100.20'],
      ['2.3', 'EPSV', 121, 'STOR upload-nat64.txt', 130, 7, 259, 226, 143, 'completed', '198.51.100.20'],
    ]);
    await linkedAsTshark(name);
    const files = await extractedFiles(name, tmp);
    expect(files['s1-t2-hello.txt']).toBe(factSha(name, 'hello.txt'));
    expect(files['s2-t2-hello.txt']).toBe(factSha(name, 'hello.txt'));
    expect(files['s2-t3-upload-nat64.txt']).toBe(factSha(name, 'upload-nat64.txt'));
    await nothingFailed(name, tmp);
    const explain = flat((await outputs(name, 'explain'))[0]);
    expect(explain).toContain('the client is [2001:db8:1::10]:57764 inside, 192.0.2.165:57764 outside');
  });
});

describe('2. curl -P - -> NAT64 -> vsftpd: EPRT |2| refused (500 Bad EPRT protocol), no PORT possible', () => {
  const b = base('eprt-vsftpd-curl');
  for (const side of ['client', 'server']) {
    it(`${b}-${side}: failed, nat64-active (not a NAT without helper, not a bounce policy); advice EPSV`, async () => {
      const name = `${b}-${side}`;
      const a = await analyze(name);
      expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
      expect(transferRows(a)).toEqual([['1.1', 'EPRT', 17, null, null, null, 0, null, null, 'failed']]);
      expect(a.sessions[0].transfers[0].announce!.endpoint!.ip).toBe('2001:db8:1::10');
      expect(a.sessions[0].transfers[0].announce!.reply!.frame).toBe(18);
      expect(a.sessions[0].transfers[0].diagnosis!.cause).toBe('nat64-active');
      expect(a.sessions[0].transfers[0].diagnosis!.evidence).toEqual([17, 18]);
      const d = flat((await outputs(name, 'diagnose'))[0]);
      expect(d).toMatch(/NAT64 translator/);
      expect(d).toMatch(/500 Bad EPRT protocol \(frame 18\)/);
      expect(d).toMatch(/Use passive mode with EPSV/);
      for (const o of await allOutputs(name)) expect(flat(o)).not.toMatch(WRONG_BLAME);
    });
  }
});

describe('3. lftp active -> NAT64 -> vsftpd: EPRT refused, lftp reconnects with EPSV, RETR completes (healthy)', () => {
  const b = base('eprt-fallback-vsftpd-lftp');
  for (const [side, server] of [
    ['client', '2001:db8:64::c633:6414'],
    ['server', '198.51.100.20'],
  ]) {
    it(`${b}-${side}: the refused EPRT fell back, the RETR completed; no diagnosis`, async () => {
      const name = `${b}-${side}`;
      const a = await analyze(name);
      expect(transferRows(a, (t) => [t.connection?.server.ip ?? null])).toEqual([
        ['1.1', 'EPRT', 37, null, null, null, 0, null, null, 'fell-back', null],
        ['2.1', 'EPSV', 74, 'RETR hello.txt', 78, 2, 511, 226, 85, 'completed', server],
      ]);
      expect(a.sessions[0].transfers[0].announce!.reply!.code).toBe(500);
      await linkedAsTshark(name);
      expect(causes(a)).toEqual([]);
      expect((await extractedFiles(name, tmp))['s2-t1-hello.txt']).toBe(factSha(name, 'hello.txt'));
    });
  }
});

describe('4. busybox -> NAT64 -> pyftpdlib without EPSV: PASV, the 227 names 198.51.100.20, busybox uses the control address (healthy)', () => {
  const b = base('pasv-busybox-pyftpdlib');
  for (const [side, server] of [
    ['client', '2001:db8:64::c633:6414'],
    ['server', '198.51.100.20'],
  ]) {
    it(`${b}-${side}: EPSV refused and fell back, RETR over PASV completed; no diagnosis`, async () => {
      const name = `${b}-${side}`;
      const a = await analyze(name);
      expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
      const final = side === 'client' ? 30 : 29;
      expect(transferRows(a, (t) => [t.connection?.server.ip ?? null])).toEqual([
        ['1.1', 'EPSV', 16, null, null, null, 0, null, null, 'fell-back', null],
        ['1.2', 'PASV', 18, 'RETR hello.txt', 24, 1, 511, 226, final, 'completed', server],
      ]);
      expect(a.sessions[0].transfers[1].announce!.endpoint!.ip).toBe('198.51.100.20');
      expect(causes(a)).toEqual([]);
      expect((await extractedFiles(name, tmp))['s1-t2-hello.txt']).toBe(factSha(name, 'hello.txt'));
      for (const o of await allOutputs(name)) expect(flat(o)).not.toMatch(WRONG_BLAME);
    });
  }
  it(`${b}-client: explain names the translator: the 227's address is the one the NAT64 address embeds, the client took only the port`, async () => {
    const name = `${b}-client`;
    const a = await analyze(name);
    expect(a.sessions[0].transfers[1].passiveAddress).toEqual({ announced: '198.51.100.20', reading: 'nat64' });
    const e = flat((await outputs(name, 'explain'))[0]);
    expect(e).toContain('2001:db8:64::c633:6414 embeds 198.51.100.20 in its last 32 bits');
    expect(e).toContain("the client kept the control connection's address and took only the port");
  });
});

describe('5. ftplib script -> NAT64 -> pyftpdlib without EPSV: the 227 names 198.51.100.20, unreachable from the IPv6-only client', () => {
  const b = base('pasv-ipv4-pyftpdlib-python');
  it(`${b}-client: the PASV failed for NAT64 (nat64-passive-ipv4), not a masquerade setting; the session's cause too`, async () => {
    const name = `${b}-client`;
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    // Audit 39: the refused EPSV fell back to the PASV the server accepted, whose own attempt failed
    // (NAT64) before any transfer command: that failure is 1.2's. Before: 1.1 failed, server-refused.
    expect(transferRows(a)).toEqual([
      ['1.1', 'EPSV', 16, null, null, null, 0, null, null, 'fell-back'],
      ['1.2', 'PASV', 18, null, null, null, 0, null, null, 'failed'],
    ]);
    expect(causes(a)).toEqual(['nat64-passive-ipv4', 'nat64-passive-ipv4']);
    const fb = a.sessions[0].transfers[0].verdict;
    expect(fb.kind === 'fell-back' && fb.fallback).toEqual({
      command: null,
      transfer: '1.2',
      completed: false,
      directory: null,
      announce: { command: 'PASV', frame: 17, lacking: true, via: [] },
      accepted: { code: 227, frame: 18 },
    });
    expect(a.sessions[0].transfers[1].diagnosis!.evidence).toEqual([18]);
    const d = flat((await outputs(name, 'diagnose'))[0]);
    expect(d).toMatch(/227 198\.51\.100\.20:50030 \(port 195×256\+110\): the server's own IPv4 address/);
    expect(d).toMatch(/embeds 198\.51\.100\.20 in its last 32 bits/);
    expect(d).toMatch(/Use EPSV/);
    for (const o of await allOutputs(name)) expect(flat(o)).not.toMatch(WRONG_BLAME);
  });
  it(`${b}-server: nobody connected (passive-unreached), and the client's QUIT 1 ms after the 227 is told`, async () => {
    const name = `${b}-server`;
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    // Audit 39: the refused EPSV fell back to the accepted PASV (before: server-refused).
    expect(causes(a)).toEqual(['passive-unreached', 'passive-unreached']);
    expect(a.sessions[0].transfers[0].verdict.kind).toBe('fell-back');
    const d = flat((await outputs(name, 'diagnose'))[0]);
    expect(d).toMatch(/The client then ended the session: QUIT \(frame 19, 1 ms after the announcement\), without waiting for a data connection/);
  });
});

describe('6. curl -> NAT64 -> pyftpdlib without EPSV: EPSV refused, curl does not try PASV over IPv6', () => {
  const b = base('noepsv-pyftpdlib-curl');
  it(`${b}-client: server-refused, advised for NAT64 (the server needs EPSV), not "use PASV or PORT"`, async () => {
    const name = `${b}-client`;
    const a = await analyze(name);
    expect(transferRows(a)).toEqual([['1.1', 'EPSV', 16, null, null, null, 0, null, null, 'failed']]);
    expect(causes(a)).toEqual(['server-refused', 'server-refused']);
    const d = flat((await outputs(name, 'diagnose'))[0]);
    expect(d).toMatch(/Through NAT64 the server must answer EPSV/);
    expect(d).not.toMatch(/or active mode \(PORT\) on the client/);
  });
  it(`${b}-server: server-refused; the IPv4 side cannot see the translator, so its advice is the ordinary one`, async () => {
    const name = `${b}-server`;
    const a = await analyze(name);
    expect(causes(a)).toEqual(['server-refused', 'server-refused']);
    expect(flat((await outputs(name, 'diagnose'))[0])).not.toMatch(/NAT64/);
  });
});
