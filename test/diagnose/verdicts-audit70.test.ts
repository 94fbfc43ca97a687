/**
 * The seventieth verdict audit, on real recordings (fixtures/record.sh, "seventieth audit"): IPv6
 * data connections that fail, and the near misses that do not. Every address is 2001:db8::/32, the
 * firewalls ip6tables (client, router or server); no NAT and no FTP helper is anywhere on the path.
 *
 * Wrong before this audit (each test below failed then):
 * - a 229 (EPSV: a port, no address) nobody connected to, captured at the server: the diagnosis
 *   blamed "a NAT in front of the server ... which does not rewrite the 227" and advised setting the
 *   227's public address (pure-ftpd -P, proftpd MasqueradeAddress): a 229 has no address to rewrite
 *   (a70-epsv-router-drop-server-side-pureftpd-lftp, a70-epsv-router-admprohib-server-side-proftpd-wget);
 * - active SYNs seen arriving, unanswered, in a capture at the client (they got through everything
 *   between the hosts) still got "behind a NAT, enable its FTP helper" (a70-eprt-client-drop-pyftpdlib-lftp,
 *   and every IPv4 client-side capture of the same kind);
 * - proftpd's "501 EPRT: Operation not permitted" (<Limit EPRT> DenyAll) to an EPRT naming the
 *   client's own address was read as a refusal of the address, with the advice to allow third-party
 *   transfers (AllowForeignAddress) (a70-eprt-denied-proftpd-curl);
 * - IPv4-only advice on IPv6 sessions: "PASV for LPSV", "active mode (PORT)" (a70-lpsv-fallback-vsftpd-tnftp);
 *   vsftpd's 227 (0,0,0,0,…) to PASV on an IPv6 control connection called "a unspecified address,
 *   unreachable from outside its network" with the advice to set pasv_address (a70-pasv-on-ipv6-vsftpd-python);
 * - a download whose data never arrived at the client (a PMTU black hole: the server's full-sized
 *   segments dropped, its ICMPv6 Packet Too Big dropped too) was told "the server ... never started
 *   sending": the client's side cannot see whether it sent (a70-ptb-blackhole-vsftpd-curl);
 * - an EPRT naming another address of the client's own /64 with a temporary port (a second or
 *   privacy address, or a neighbour's), seen with no reply yet (the capture ending right after it),
 *   was read as "its NAT's public one" (active-address-mismatch): no NAT's outside address lies in the
 *   inside host's own /64 (prefix sweep of a70-eprt-other-address-vsftpd-python).
 *
 * Frames are tshark's (NAME.tshark-*.tsv), sizes and sha256 the recorder's (NAME.facts.json).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze, derived, derivedTexts, facts, flat, ftpRows, jsonVerdicts, nothingFailed, outputs, transfer, tsv, verdicts } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit70-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** tshark's frame of a command or reply code in a control connection. */
const frameOf = (name: string, what: string): number => ftpRows(name, '0').find(([, c]) => c === what)![0];
/** The advice ("What to change") of a transfer's diagnosis, as diagnose prints it. */
const advice = async (name: string, id: string): Promise<string> => transfer(await analyze(name), id).diagnosis!.advice;
const text = async (name: string, id: string): Promise<string> => {
  const d = transfer(await analyze(name), id).diagnosis!;
  return flat(`${d.summary} ${d.advice}`);
};

describe('seventieth audit: EPSV data connections stopped by the router (DROP, RST, ICMPv6 adm-prohibited)', () => {
  it("the router's DROP: client side passive-syn-unanswered, server side passive-unreached without a 227 or a NAT that rewrites one", async () => {
    const client = 'a70-epsv-router-drop-pureftpd-lftp';
    const server = 'a70-epsv-router-drop-server-side-pureftpd-lftp';
    expect(facts(client).client.exit_status).toBe(1);
    expect(facts(client).client.saved).toBe('no file hello.txt');
    const a = await analyze(client);
    expect(verdicts(a)).toEqual([['1.1', 'failed', 'passive-syn-unanswered', null]]);
    const c = transfer(a, '1.1').connection!;
    expect([c.synFrames, c.synAckFrames]).toEqual([[33, 35, 36, 37, 38, 39, 42], []]);
    expect(tsv(client, 'streams').find((r) => r.stream === '1')!.dstport).toBe('50013');
    const b = await analyze(server);
    expect(verdicts(b)).toEqual([['1.1', 'failed', 'passive-unreached', null]]);
    expect(transfer(b, '1.1').connection).toBeNull();
    expect(await jsonVerdicts(server)).toEqual([['1.1', 'failed', 'passive-unreached']]);
    const words = await text(server, '1.1');
    expect(words).toContain('the 229 names only a port: the client connects to the address it already reaches, so no address in it needs rewriting');
    expect(words).not.toMatch(/227|ForcePassiveIP|-P \(/);
    expect(await advice(server, '1.1')).toBe(
      'Open the passive port range (pure-ftpd: -p (PassivePortRange)) on every firewall in front of the server, and forward it on any NAT or port forward that ' +
        "forwards the control port (or let that NAT's FTP helper do it); the 229 names no address, so no announced address needs setting. A capture at the client shows where its SYNs went.",
    );
  });

  it("the router's ICMPv6 adm-prohibited: refused by a device on the way (2001:db8:1::1, frames 24, 27) at the client; at the server no MasqueradeAddress advice", async () => {
    const client = 'a70-epsv-router-admprohib-proftpd-wget';
    const server = 'a70-epsv-router-admprohib-server-side-proftpd-wget';
    expect(facts(client).client.exit_status).toBe(4);
    const a = await analyze(client);
    expect(verdicts(a)).toEqual([['1.1', 'failed', 'passive-refused', null]]);
    expect(transfer(a, '1.1').connection!.icmpErrors.map((e) => [e.frame, e.type, e.code, e.reporter])).toEqual([
      [24, 1, 1, '2001:db8:1::1'],
      [27, 1, 1, '2001:db8:1::1'],
    ]);
    expect(await text(client, '1.1')).toContain('from 2001:db8:1::1, a device on the way, not the server, at frame 24');
    const b = await analyze(server);
    expect(verdicts(b)).toEqual([['1.1', 'failed', 'passive-unreached', null]]);
    const words = await text(server, '1.1');
    expect(words).not.toMatch(/227|MasqueradeAddress/);
    expect(words).toContain('(proftpd: PassivePorts)');
  });

  it("the router's forged RST: passive-refused by a device on the way (its TTL), the server's side never saw a SYN", async () => {
    const client = 'a70-epsv-router-rst-pyftpdlib-python';
    expect(facts(client).client.messages).toContain("RETR failed: ConnectionRefusedError(111, 'Connection refused')");
    const a = await analyze(client);
    expect(verdicts(a)).toEqual([['1.1', 'failed', 'passive-refused', null]]);
    expect(transfer(a, '1.1').connection!.rst!.frame).toBe(18);
    expect(await text(client, '1.1')).toContain('a firewall or router between them sent it, not the server');
    const b = await analyze('a70-epsv-router-rst-server-side-pyftpdlib-python');
    expect(verdicts(b)).toEqual([['1.1', 'failed', 'passive-unreached', null]]);
    expect(transfer(b, '1.1').connection).toBeNull();
  });
});

describe('seventieth audit: active mode (EPRT) over IPv6', () => {
  it("EPRT, the client's ip6tables drops the server's SYNs: seen arriving at the client, the advice is the client's firewall, not a NAT's helper", async () => {
    const client = 'a70-eprt-client-drop-pyftpdlib-lftp';
    const a = await analyze(client);
    expect(verdicts(a)).toEqual([['1.1', 'failed', 'active-syn-unanswered', null]]);
    expect(transfer(a, '1.1').connection!.synFrames).toEqual([33, 35, 36, 37, 38, 39, 40]);
    const words = await advice(client, '1.1');
    expect(words).not.toMatch(/NAT|nf_conntrack_ftp|helper/);
    expect(words).toContain("allow inbound connections to the client's data ports on the client host's firewall");
    expect(words).toContain('passive mode (EPSV)');
    // At the server the SYNs' fate beyond it is not in the capture; the EPRT names the client's own
    // control address over IPv6, nothing a NAT's helper would rewrite (review 77): firewalls and EPSV.
    const b = await analyze('a70-eprt-client-drop-server-side-pyftpdlib-lftp');
    expect(verdicts(b)).toEqual([['1.1', 'failed', 'active-syn-unanswered', null]]);
    const serverSide = await advice('a70-eprt-client-drop-server-side-pyftpdlib-lftp', '1.1');
    expect(serverSide).not.toMatch(/nf_conntrack_ftp|helper/);
    expect(serverSide).toContain('passive mode (EPSV)');
  });

  it("proftpd's <Limit EPRT> DenyAll (501 EPRT: Operation not permitted) is a refused command, not a refused address", async () => {
    const name = 'a70-eprt-denied-proftpd-curl';
    expect(facts(name).client.exit_status).toBe(28);
    expect(ftpRows(name, '0').filter(([, c]) => c === 'EPRT' || c === '501')).toEqual([[15, 'EPRT'], [16, '501']]);
    const a = await analyze(name);
    expect(verdicts(a)).toEqual([['1.1', 'failed', 'server-refused', null]]);
    const words = await text(name, '1.1');
    expect(words).toContain("the server refuses EPRT itself, in words that deny the command, not the address it named (2001:db8:1::10, the client's own address on the control connection)");
    expect(words).not.toMatch(/AllowForeignAddress|third-party|will not connect to that address/);
    expect(await advice(name, '1.1')).toBe('The server\'s configuration refuses EPRT: use passive mode (EPSV) on the client, or allow EPRT on the server (proftpd <Limit EPRT>, vsftpd port_enable).');
  });

  it("tnftp's LPSV and LPRT refused by vsftpd: the advice names the IPv6 commands (EPSV, EPRT), never PASV or PORT", async () => {
    const name = 'a70-lpsv-fallback-vsftpd-tnftp';
    expect(ftpRows(name, '0').filter(([fr]) => fr >= 32 && fr <= 35)).toEqual([[32, 'LPSV'], [33, '500'], [34, 'LPRT'], [35, '500']]);
    const a = await analyze(name);
    expect(a.sessions[0].transfers.map((t) => [t.id, t.status, t.verdict.kind])).toEqual([[1, 'failed', 'failed'], [2, 'retry-refused', 'retry-refused']]);
    expect(await advice(name, '1.1')).toBe('The server does not recognise LPSV: use another passive command (EPSV for LPSV) or active mode (EPRT) on the client.');
  });

  it("a multihomed client's EPRT naming its other address: vsftpd refuses it and ftplib's own EPRT completes (fell back); proftpd AllowForeignAddress connects there (completed)", async () => {
    const v = 'a70-eprt-other-address-vsftpd-python';
    expect(facts(v).files.map((x: any) => [x.op, x.path, x.received_matches])).toEqual([['RETR', 'hello.txt', true]]);
    const a = await analyze(v);
    expect(a.sessions[0].transfers.map((t) => [t.id, t.verdict.kind, t.announce?.endpoint?.ip])).toEqual([
      [1, 'fell-back', '2001:db8:1::11'],
      [2, 'completed', '2001:db8:1::10'],
    ]);
    const p = 'a70-eprt-other-address-proftpd-python';
    const b = await analyze(p);
    expect(verdicts(b)).toEqual([['1.1', 'completed', null, null]]);
    expect(transfer(b, '1.1').connection!.client.ip).toBe('2001:db8:1::11');
    expect(transfer(b, '1.1').bytes).toBe(511);
    await nothingFailed(p, tmp);
  });
});

describe("seventieth audit: an EPRT naming the client's other address on its own /64", () => {
  it('the capture ending right after that EPRT (no reply yet): unused, no NAT or bounce read into it (before: active-address-mismatch, "its NAT\'s public one")', async () => {
    const name = 'a70-eprt-other-address-vsftpd-python';
    expect(ftpRows(name, '0').filter(([fr]) => fr >= 17 && fr <= 18)).toEqual([[17, 'EPRT'], [18, '500']]);
    const d = await derived(tmp, name, 'to-17', (f) => f <= 17);
    expect(verdicts(d.a)).toEqual([['1.1', 'unused', null, null]]);
    expect(transfer(d.a, '1.1').announce!.endpoint!.ip).toBe('2001:db8:1::11');
    const { out, json } = await derivedTexts(d.file, ['diagnose', 'explain']);
    expect(json).toEqual([['1.1', 'unused', null]]);
    for (const text of Object.values(out)) expect(text).not.toMatch(/NAT|bounce|third host/);
  });
});

describe('seventieth audit: PASV on an IPv6 control connection', () => {
  it("vsftpd's 227 (0,0,0,0,…), no host, that the client got past with EPSV: unused, no diagnosis (review 77, as pyftpdlib's below); the EPSV RETR completed", async () => {
    const name = 'a70-pasv-on-ipv6-vsftpd-python';
    expect(facts(name).client.messages).toMatch(/^PASV -> 227 Entering Passive Mode \(0,0,0,0,\d+,\d+\)\.\|PASV data connection failed: ConnectionRefusedError/);
    const a = await analyze(name);
    expect(verdicts(a)).toEqual([
      ['1.1', 'unused', null, null],
      ['1.2', 'completed', null, null],
    ]);
    const [diagnose] = await outputs(name, 'diagnose');
    expect(diagnose).toContain('No failed data connections in 1 session: 2 transfers (1 unused, 1 complete).');
    expect(diagnose).not.toMatch(/unreachable from outside|pasv_address|a unspecified/);
    expect(transfer(a, '1.2').bytes).toBe(facts(name).files.at(-1).size);
  });

  it("pure-ftpd's 425 to PASV then EPSV: fell back, nothing failed; pyftpdlib's 227 with an IPv6 address in it: unused, the EPSV RETR completed", async () => {
    const p = 'a70-pasv-on-ipv6-pureftpd-python';
    const a = await analyze(p);
    expect(a.sessions[0].transfers.map((t) => [t.id, t.verdict.kind])).toEqual([[1, 'fell-back'], [2, 'completed']]);
    expect(frameOf(p, '425')).toBe(18);
    const y = 'a70-pasv-on-ipv6-pyftpdlib-python';
    const b = await analyze(y);
    expect(b.sessions[0].transfers.map((t) => [t.id, t.verdict.kind, t.diagnosis])).toEqual([[1, 'unused', null], [2, 'completed', null]]);
    const [diagnose] = await outputs(y, 'diagnose');
    expect(diagnose).toContain('No failed data connections in 1 session: 2 transfers (1 unused, 1 complete).');
  });
});

describe('seventieth audit: an IPv6 path-MTU black hole (MTU 1280 route, Packet Too Big dropped)', () => {
  it('at the client no data arrives: the advice names both readings, not "the server never started sending"', async () => {
    const name = 'a70-ptb-blackhole-vsftpd-curl';
    expect(facts(name).client.exit_status).toBe(28);
    const a = await analyze(name);
    expect(verdicts(a)).toEqual([['1.1', 'aborted', 'stalled', null]]);
    expect(transfer(a, '1.1').bytes).toBe(0);
    const words = await advice(name, '1.1');
    expect(words).not.toContain('never started sending, nor replied');
    expect(words).toContain('or its data was lost on the way while the small packets of the handshake got through (a path-MTU black hole');
  });

  it('at the server the full-sized segments are retransmitted, never acknowledged: path-loss, the black hole named', async () => {
    const name = 'a70-ptb-blackhole-server-side-vsftpd-curl';
    const a = await analyze(name);
    expect(verdicts(a)).toEqual([['1.1', 'aborted', 'path-loss', null]]);
    expect(transfer(a, '1.1').bytes).toBe(15708);
    expect(await advice(name, '1.1')).toContain('path-MTU black hole');
  });
});
