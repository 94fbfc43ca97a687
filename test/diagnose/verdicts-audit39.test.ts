/**
 * The thirty-ninth verdict audit, on real recordings (fixtures/record.sh, "Thirty-ninth verdict
 * audit"): FTP client libraries of enterprise captures. Apache Commons Net 3.9 (Java: PASV on IPv4,
 * the 227's address ignored for the control connection's), Node's basic-ftp 6 (EPSV, then PASV; a
 * 227 naming another host than the control connection's is refused by default) and ftpcopy (MLSD,
 * then LIST over the same PASV; a 227 naming another address is "an illegal redirect"). Healthy
 * sessions, a server behind DNAT announcing its inside address, a passive range dropped by a
 * firewall, Commons Net's active mode. Frames are tshark's (NAME.tshark-ftp.tsv,
 * NAME.tshark-data-streams.tsv), byte counts its NAME.tshark-streams.tsv; sha256 the recorder's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { analyze, causes, dataStreams, extractedFiles, facts, factSha, flat, ftpRows, nothingFailed, ourRows, outputs, path, reportPage, transferRows, tsv } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit39-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** tshark's payload bytes on each TCP stream, both ways added. */
const streamBytes = (name: string): Record<string, number> =>
  Object.fromEntries(tsv(name, 'streams').map((r) => [r.stream, Number(r.bytes_src_to_dst) + Number(r.bytes_dst_to_src)]));

/** Every output, flattened: summary, sessions, transfers, diagnose, explain, timeline, Zeek and EVE logs, summary --json, the report page. */
async function everyOutput(name: string): Promise<string[]> {
  const texts = await outputs(name, 'summary', 'sessions', 'transfers', 'diagnose', 'explain', 'timeline');
  const zeek = flat((await runCli(['logs', path(name)])).stdout);
  const eve = flat((await runCli(['logs', '--format', 'eve', path(name)])).stdout);
  const json = (await runCli(['summary', '--json', path(name)])).stdout;
  return [...texts, zeek, eve, json, await reportPage(name, tmp)];
}

/** The transfer rows, with each completed transfer's bytes checked against tshark's count of its data stream. */
async function healthyRows(name: string): Promise<unknown[][]> {
  const a = await analyze(name);
  expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
  const ds = dataStreams(name);
  const bytes = streamBytes(name);
  for (const t of a.sessions[0].transfers) {
    if (t.connection === null) continue;
    // tshark links a data stream to its 227/229 only where the connection went to the announced address
    // and carried data (Wireshark marks ftp-data on segments with payload).
    if (t.connection.addressMismatch === undefined && t.bytes > 0) expect([t.announce!.frame, t.request!.frame]).toEqual(ds[String(t.connection.stream)]);
    expect(t.bytes).toBe(bytes[String(t.connection.stream)]);
  }
  return transferRows(a, (t) => [t.connection?.server.ip ?? null, t.connection?.initiator ?? null]);
}

describe('1. Commons Net -> vsftpd: PASV LIST, RETR, STOR, then enterLocalActiveMode (PORT) LIST, RETR, STOR', () => {
  const name = 'a39-commons-net-vsftpd-java';
  it(`${name}: six transfers complete, the data each way as tshark counts it, the files as sent; nothing failed anywhere`, async () => {
    const f = facts(name);
    expect([f.client.software, f.client.version.split(';')[0], f.server.software]).toEqual(['Apache Commons Net FTPClient (Java)', 'commons-net 3.9.0-1', 'vsftpd']);
    expect(await healthyRows(name)).toEqual([
      ['1.1', 'PASV', 21, 'LIST', 26, 1, 260, 226, 33, 'completed', '198.51.100.20', 'client'],
      ['1.2', 'PASV', 36, 'RETR hello.txt', 40, 2, 511, 226, 47, 'completed', '198.51.100.20', 'client'],
      ['1.3', 'PASV', 50, 'STOR upload-java.txt', 54, 3, 259, 226, 61, 'completed', '198.51.100.20', 'client'],
      ['1.4', 'PORT', 63, 'LIST', 65, 4, 333, 226, 75, 'completed', '198.51.100.20', 'server'],
      ['1.5', 'PORT', 77, 'RETR small.bin', 79, 5, 3000, 226, 93, 'completed', '198.51.100.20', 'server'],
      ['1.6', 'PORT', 95, 'STOR upload-java-active.txt', 97, 6, 259, 226, 107, 'completed', '198.51.100.20', 'server'],
    ]);
    const saved = await extractedFiles(name, tmp);
    expect([saved['s1-t2-hello.txt'], saved['s1-t5-small.bin'], saved['s1-t3-upload-java.txt']]).toEqual([
      factSha(name, 'hello.txt'),
      factSha(name, 'small.bin'),
      factSha(name, 'upload-java.txt'),
    ]);
    await nothingFailed(name, tmp);
  });
});

describe('1b. Commons Net -> vsftpd: mlistDir() (PASV, its data connection, MLSD: 500), then listFiles() (PASV, LIST)', () => {
  const name = 'a39-commons-net-mlsd-vsftpd-java';
  it(`${name}: the MLSD vsftpd lacks fell back to the LIST that completed; its opened and unused data connection is no failure`, async () => {
    expect(facts(name).client.steps).toBe('mlsd: 0 entries, reply 500|list: 4 entries, reply 226');
    expect(await healthyRows(name)).toEqual([
      ['1.1', 'PASV', 18, 'MLSD', 22, 1, 0, 500, 23, 'fell-back', '198.51.100.20', 'client'],
      ['1.2', 'PASV', 32, 'LIST', 37, 2, 260, 226, 44, 'completed', '198.51.100.20', 'client'],
    ]);
    const a = await analyze(name);
    expect(causes(a)).toEqual([]);
    const [diagnose] = await outputs(name, 'diagnose');
    expect(diagnose).toContain(
      'Session 1, transfer 1 (MLSD): refused, and no failure: the server does not recognise MLSD (500, frame 23); the client fell back to LIST (frame 37, transfer 1.2), which completed (226, frame 44). Nothing to change.',
    );
    for (const o of await everyOutput(name)) expect(flat(o)).not.toMatch(/server-refused|\bfailed:|aborted/);
  });
});

describe('2. Commons Net -> vsftpd behind DNAT (203.0.113.21 -> 198.51.100.20), no pasv_address: the 227 names the inside address', () => {
  const name = 'a39-commons-net-dnat-vsftpd-java';
  it(`${name}: every data connection went to the control address (Commons Net ignores the 227's): complete, no diagnosis, one factual note`, async () => {
    const a = await analyze(name);
    expect(await healthyRows(name)).toEqual([
      ['1.1', 'PASV', 21, 'LIST', 26, 1, 260, 226, 33, 'completed', '203.0.113.21', 'client'],
      ['1.2', 'PASV', 36, 'RETR hello.txt', 40, 2, 511, 226, 47, 'completed', '203.0.113.21', 'client'],
      ['1.3', 'PASV', 50, 'STOR upload-java.txt', 54, 3, 259, 226, 61, 'completed', '203.0.113.21', 'client'],
    ]);
    for (const t of a.sessions[0].transfers) {
      // tshark's 227 names the inside address; the connection went to the control connection's server.
      expect(t.announce!.endpoint!.ip).toBe('198.51.100.20');
      expect(t.connection!.addressMismatch).toEqual({ announced: '198.51.100.20', actual: '203.0.113.21' });
      expect(t.passiveAddress).toEqual({ announced: '198.51.100.20', reading: 'departure' });
    }
    expect(tsv(name, 'datachan').filter((r) => r['ftp.passive.ip']).map((r) => r['ftp.passive.ip'])).toEqual(['198.51.100.20', '198.51.100.20', '198.51.100.20']);
    expect(causes(a)).toEqual([]);
    await nothingFailed(name, tmp);
    const [transfers, explain] = await outputs(name, 'transfers', 'explain');
    expect(transfers).toContain('linked by port: address 203.0.113.21 differs from announced 198.51.100.20');
    expect(explain).toContain('It goes to 203.0.113.21, not the announced 198.51.100.20.');
    for (const o of await everyOutput(name)) expect(flat(o)).not.toMatch(/pasv_address|MasqueradeAddress|passive-address-mismatch|passive-unreached/);
  });
  it('a39-commons-net-dnat-server-side-vsftpd-java: at the server the 227 names its own address: nothing to note', async () => {
    const side = 'a39-commons-net-dnat-server-side-vsftpd-java';
    const a = await analyze(side);
    expect(await healthyRows(side)).toEqual([
      ['1.1', 'PASV', 21, 'LIST', 26, 1, 260, 226, 33, 'completed', '198.51.100.20', 'client'],
      ['1.2', 'PASV', 36, 'RETR hello.txt', 40, 2, 511, 226, 47, 'completed', '198.51.100.20', 'client'],
      ['1.3', 'PASV', 50, 'STOR upload-java.txt', 54, 3, 259, 226, 61, 'completed', '198.51.100.20', 'client'],
    ]);
    expect(a.sessions[0].transfers.map((t) => [t.connection!.addressMismatch ?? null, t.passiveAddress ?? null])).toEqual([
      [null, null],
      [null, null],
      [null, null],
    ]);
    await nothingFailed(side, tmp);
  });
});

describe('3. Commons Net -> vsftpd, the passive range dropped by a firewall on the router', () => {
  const name = 'a39-commons-net-pasv-drop-vsftpd-java';
  it(`${name}: five unanswered SYNs each, the 5 s connect timeout, no RETR or LIST sent: passive-syn-unanswered in every output`, async () => {
    const f = facts(name);
    expect(f.client.steps).toBe(
      'step /var/tmp/ftpcap-audit39/client/out/hello.txt failed: java.net.SocketTimeoutException: Connect timed out|step list failed: java.net.SocketTimeoutException: Connect timed out',
    );
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(transferRows(a, (t) => [t.connection!.synFrames, t.connection!.established, t.diagnosis!.cause, t.diagnosis!.evidence])).toEqual([
      ['1.1', 'PASV', 22, null, null, 1, 0, null, null, 'failed', [23, 25, 26, 27, 28], false, 'passive-syn-unanswered', [22, 23, 25, 26, 27, 28]],
      ['1.2', 'PASV', 33, null, null, 2, 0, null, null, 'failed', [35, 36, 37, 38, 39], false, 'passive-syn-unanswered', [33, 35, 36, 37, 38, 39]],
    ]);
    // The Java client names a failed get by its local file (the step's last argument).
    // tshark: the client's SYNs (the first and its retransmissions) and no SYN-ACK on either data stream.
    const data = tsv(name, 'fields').filter((r) => r['tcp.dstport'] !== '21' && r['tcp.srcport'] !== '21' && r['tcp.flags']);
    expect(data.filter((r) => r['tcp.flags'] === '0x0002').map((r) => Number(r['frame.number']))).toEqual([23, 25, 26, 27, 28, 35, 36, 37, 38, 39]);
    expect(data.filter((r) => r['tcp.flags'] !== '0x0002')).toEqual([]);
    expect(a.sessions[0].diagnosis!.cause).toBe('passive-syn-unanswered');
    const [summary, diagnose, explain, timeline] = await outputs(name, 'summary', 'diagnose', 'explain', 'timeline');
    const logs = flat((await runCli(['logs', path(name)])).stdout);
    expect(summary).toContain('1.1 passive - 198.51.100.20:');
    expect(summary).toContain('1.1 passive-syn-unanswered: the client could not reach the server\'s passive port');
    expect(diagnose).toContain('No transfer of session 1 succeeded (2 attempted: 2× passive-syn-unanswered)');
    expect(diagnose).toContain('The client gave up and sent SYST 5.0 s after the first SYN (frame 29).');
    expect(diagnose).toContain('The client gave up and sent QUIT 5.0 s after the first SYN (frame 40).');
    expect(diagnose).toContain('Open the server\'s passive port range (vsftpd: pasv_min_port/pasv_max_port) on the server\'s firewall and on any firewall in between, or use active mode.');
    expect(explain).toContain('Verdict: transfer 1 failed: the client could not reach the server\'s passive port.');
    expect(timeline).toContain('Transfer 2 failed: the client could not reach');
    expect(logs).toContain('1 1 passive - - failed - passive-syn-unanswered');
    expect(logs).toContain('1 2 passive - - failed - passive-syn-unanswered');
    for (const o of await everyOutput(name)) expect(flat(o)).not.toMatch(/pasv_address|MasqueradeAddress|server-refused|server refused/);
  });
});

describe('4. basic-ftp -> vsftpd: EPSV for LIST, RETR, STOR', () => {
  const name = 'a39-basic-ftp-vsftpd-node';
  it(`${name}: three transfers complete (OPTS UTF8 ON before USER is no login problem); nothing failed anywhere`, async () => {
    const f = facts(name);
    expect([f.client.software, f.client.version.split(';')[0]]).toEqual(['basic-ftp (Node.js)', 'basic-ftp 6.2.6']);
    expect(await healthyRows(name)).toEqual([
      ['1.1', 'EPSV', 35, 'LIST -a', 39, 1, 379, 226, 46, 'completed', '198.51.100.20', 'client'],
      ['1.2', 'EPSV', 49, 'RETR hello.txt', 53, 2, 511, 226, 60, 'completed', '198.51.100.20', 'client'],
      ['1.3', 'EPSV', 63, 'STOR upload-node.txt', 67, 3, 259, 226, 74, 'completed', '198.51.100.20', 'client'],
    ]);
    const a = await analyze(name);
    expect([a.sessions[0].user, a.sessions[0].loggedIn]).toEqual(['fxa39user', true]);
    expect((await extractedFiles(name, tmp))['s1-t2-hello.txt']).toBe(factSha(name, 'hello.txt'));
    await nothingFailed(name, tmp);
  });
});

describe('5. basic-ftp -> proftpd denying EPSV: 501, then PASV for the rest of the session', () => {
  const name = 'a39-basic-ftp-epsv-denied-proftpd-node';
  it(`${name}: the refused EPSV fell back to PASV and its MLSD; every transfer complete; no failure in any output`, async () => {
    expect(await healthyRows(name)).toEqual([
      ['1.1', 'EPSV', 45, null, null, null, 0, null, null, 'fell-back', null, null],
      ['1.2', 'PASV', 47, 'MLSD', 51, 1, 968, 226, 57, 'completed', '198.51.100.20', 'client'],
      ['1.3', 'PASV', 60, 'RETR hello.txt', 64, 2, 511, 226, 71, 'completed', '198.51.100.20', 'client'],
      ['1.4', 'PASV', 74, 'STOR upload-node.txt', 78, 3, 259, 226, 85, 'completed', '198.51.100.20', 'client'],
    ]);
    const a = await analyze(name);
    expect(causes(a)).toEqual([]);
    const [summary, diagnose] = await outputs(name, 'summary', 'diagnose');
    expect(summary).toContain('1 refused (the client fell back), 3 complete');
    expect(diagnose).toContain(
      'refused, and no failure: the server refuses EPSV (501, frame 45); the client asked with PASV instead (frame 46), and MLSD (frame 51, transfer 1.2) over it completed (226, frame 57). Nothing to change.',
    );
    for (const o of await everyOutput(name)) expect(flat(o)).not.toMatch(/server-refused|\bfailed:|allow EPSV/);
  });
});

describe('6. basic-ftp -> proftpd behind DNAT, EPSV denied, no MasqueradeAddress: the 227 names the inside address', () => {
  const name = 'a39-basic-ftp-dnat-proftpd-node';
  const fallback = (transfer: string, pasv: number, accepted: number) => ({
    command: null,
    transfer,
    completed: false,
    directory: null,
    announce: { command: 'PASV', frame: pasv, lacking: false, via: [] },
    accepted: { code: 227, frame: accepted },
  });
  it(`${name}: each EPSV refusal fell back to a PASV basic-ftp would not use (another host): two passive-address-mismatch failures, not four`, async () => {
    const f = facts(name);
    expect(f.client.steps).toMatch(/^step list failed: Error: None of the available transfer strategies work\. Last error response was 'Error: PASV returned another host \(198\.51\.100\.20\) for data transfer that you have connected to \(203\.0\.113\.21\)/);
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    // tshark: EPSV 47 → 501 (48), PASV 49 → 227 (50), EPSV 51 → 501 (52), PASV 53 → 227 (54); no data stream at all.
    expect(tsv(name, 'streams')).toHaveLength(1);
    expect(transferRows(a, (t) => [t.diagnosis?.cause ?? null])).toEqual([
      // Before: 1.1 and 1.3 failed, server-refused ("use another passive command (PASV for EPSV) ... or allow EPSV on the server"), and "4 attempted".
      ['1.1', 'EPSV', 48, null, null, null, 0, null, null, 'fell-back', null],
      ['1.2', 'PASV', 50, null, null, null, 0, null, null, 'failed', 'passive-address-mismatch'],
      ['1.3', 'EPSV', 52, null, null, null, 0, null, null, 'fell-back', null],
      ['1.4', 'PASV', 54, null, null, null, 0, null, null, 'failed', 'passive-address-mismatch'],
    ]);
    const [t1, , t3] = a.sessions[0].transfers;
    expect(t1.verdict).toEqual({ kind: 'fell-back', code: 501, reply: 48, fallback: fallback('1.2', 49, 50), evidence: [48, 49, 50] });
    expect(t3.verdict.kind === 'fell-back' && t3.verdict.fallback).toEqual(fallback('1.4', 53, 54));
    expect([a.sessions[0].diagnosis!.cause, a.sessions[0].diagnosis!.evidence]).toEqual(['passive-address-mismatch', [50, 54]]);
    const [summary, diagnose, explain] = await outputs(name, 'summary', 'diagnose', 'explain');
    const logs = flat((await runCli(['logs', path(name)])).stdout);
    expect(summary).toContain('1.1 passive - - - - refused, fell back to PASV');
    expect(summary).toContain('1.2 passive - 198.51.100.20:50097 - - failed [1]');
    expect(diagnose).toContain('No transfer of session 1 succeeded (2 attempted: 2× passive-address-mismatch)');
    expect(diagnose).toContain(
      'At frame 50 the server answered PASV with 227 198.51.100.20:50097 (port 195×256+177), but the client is talking to the server at 203.0.113.21. The client made no connection to it.',
    );
    expect(diagnose).toContain('(proftpd: MasqueradeAddress)');
    expect(diagnose).toContain(
      "Session 1, transfer 1 (passive, no transfer command): refused, and no failure: the server refuses EPSV (501, frame 48); the client asked with PASV instead (frame 49), which the server accepted (227, frame 50); the client's attempt over it then failed before any transfer command: that is transfer 1.2's failure, not this one's.",
    );
    expect(diagnose).toContain('2 of 4 transfers diagnosed (2 refused (the client fell back), 2 failed).');
    expect(explain).toContain('transfer 1 refused, fell back to PASV, which got past it (transfer 1.2 failed for its own reason): no failure.');
    expect(logs).toContain('1 1 passive - - fell-back to-1.2 -');
    expect(logs).toContain('1 2 passive - - failed - passive-address-mismatch');
    const eve = (await runCli(['logs', '--format', 'eve', path(name)])).stdout;
    expect(eve).toContain('"transfer":1,"control_flow_id"');
    expect(eve.match(/"verdict":"fell-back","cause":null/g)).toHaveLength(2);
    expect(eve.match(/"verdict":"failed","cause":"passive-address-mismatch"/g)).toHaveLength(2);
    for (const o of await everyOutput(name)) expect(flat(o)).not.toMatch(/server-refused|allow EPSV on the server|PASV for EPSV|firewall that drops/);
  });
  it('a39-basic-ftp-dnat-server-side-proftpd-node: at the server, nobody connected (passive-unreached) after each accepted PASV; the EPSV refusals fell back', async () => {
    const side = 'a39-basic-ftp-dnat-server-side-proftpd-node';
    const a = await analyze(side);
    expect(ourRows(a, 1)).toEqual(ftpRows(side, '0'));
    expect(transferRows(a, (t) => [t.diagnosis?.cause ?? null, t.diagnosis?.evidence ?? null])).toEqual([
      ['1.1', 'EPSV', 46, null, null, null, 0, null, null, 'fell-back', null, null],
      ['1.2', 'PASV', 48, null, null, null, 0, null, null, 'failed', 'passive-unreached', [48, 55]],
      ['1.3', 'EPSV', 50, null, null, null, 0, null, null, 'fell-back', null, null],
      ['1.4', 'PASV', 52, null, null, null, 0, null, null, 'failed', 'passive-unreached', [52, 55]],
    ]);
    const [diagnose] = await outputs(side, 'diagnose');
    expect(diagnose).toContain('No transfer of session 1 succeeded (2 attempted: 2× passive-unreached)');
    expect(diagnose).toContain('(proftpd: MasqueradeAddress)');
    expect(diagnose).not.toMatch(/server-refused|allow EPSV on the server/);
  });
});

describe('7. basic-ftp -> vsftpd, the passive range dropped: EPSV, its SYNs unanswered, then PASV, unanswered too', () => {
  const name = 'a39-basic-ftp-pasv-drop-vsftpd-node';
  it(`${name}: both announcements accepted and their data connections unanswered: two passive-syn-unanswered, no fallback (nothing was refused)`, async () => {
    const f = facts(name);
    expect(f.client.steps).toMatch(/^step get failed: Error: None of the available transfer strategies work\. Last error response was 'Error: Timeout when trying to open data connection to 198\.51\.100\.20:\d+'/);
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(transferRows(a, (t) => [t.connection!.synFrames, t.diagnosis!.cause, t.diagnosis!.evidence])).toEqual([
      ['1.1', 'EPSV', 35, null, null, 1, 0, null, null, 'failed', [36, 38, 39, 40, 41], 'passive-syn-unanswered', [35, 36, 38, 39, 40, 41]],
      ['1.2', 'PASV', 43, null, null, 2, 0, null, null, 'failed', [45, 46, 47, 48, 49], 'passive-syn-unanswered', [43, 45, 46, 47, 48, 49]],
    ]);
    const [diagnose] = await outputs(name, 'diagnose');
    expect(diagnose).toContain('At frame 35 the server answered EPSV with 229 198.51.100.20:');
    expect(diagnose).toContain('The client gave up and sent PASV 5.0 s after the first SYN (frame 42).');
    expect(diagnose).toContain('No transfer of session 1 succeeded (2 attempted: 2× passive-syn-unanswered)');
    for (const o of await everyOutput(name)) expect(flat(o)).not.toMatch(/fell back|fell-back|server-refused|pasv_address/);
  });
});

describe('8. ftpcopy -> vsftpd: a mirror; in pub/ MLSD is refused (500) and LIST uses the same PASV and data connection', () => {
  const name = 'a39-ftpcopy-vsftpd';
  it(`${name}: MLSD fell back to LIST, which carried the 64 bytes; every transfer complete, nothing failed`, async () => {
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    // tshark: PASV → 227 (72), the client connects (73-75, tcp.stream 4), MLSD 76 → 500 (77), LIST 78 → 150 (79), 64 bytes (80), 226 (85).
    expect(tsv(name, 'ftp').filter((r) => ['76', '77', '78'].includes(r['frame.number'])).map((r) => r['ftp.request.command'] || r['ftp.response.code'])).toEqual(['MLSD', '500', 'LIST']);
    expect(streamBytes(name)['4']).toBe(64);
    expect(transferRows(a, (t) => [t.mode])).toEqual([
      ['1.1', 'PASV', 24, 'LIST', 28, 1, 260, 226, 35, 'completed', 'passive'],
      ['1.2', 'PASV', 40, 'LIST /var/tmp/ftpcap-audit39/home/fxa39user', 44, 2, 260, 226, 51, 'completed', 'passive'],
      ['1.3', 'PASV', 56, 'RETR /var/tmp/ftpcap-audit39/home/fxa39user/hello.txt', 60, 3, 511, 226, 67, 'completed', 'passive'],
      // Before: 1.4 MLSD "aborted (server)" with the 64 bytes (diagnosis: aborted), and an "active" LIST with no data ("complete (replies; data not captured)").
      ['1.4', 'PASV', 72, 'MLSD', 76, null, 0, 500, 77, 'fell-back', 'passive'],
      ['1.5', 'PASV', 72, 'LIST', 78, 4, 64, 226, 85, 'completed', 'passive'],
      ['1.6', 'PASV', 88, 'RETR /var/tmp/ftpcap-audit39/home/fxa39user/pub/README', 92, 5, 29, 226, 99, 'completed', 'passive'],
      ['1.7', 'PASV', 102, 'RETR /var/tmp/ftpcap-audit39/home/fxa39user/small.bin', 106, 6, 3000, 226, 114, 'completed', 'passive'],
    ]);
    const t4 = a.sessions[0].transfers[3];
    expect(t4.verdict.kind === 'fell-back' && t4.verdict.fallback).toEqual({
      command: 'LIST',
      frame: 78,
      code: 226,
      replyFrame: 85,
      transfer: '1.5',
      directory: null,
      completed: true,
    });
    expect(causes(a)).toEqual([]);
    const [summary, diagnose] = await outputs(name, 'summary', 'diagnose');
    expect(summary).toContain('6 complete, 1 refused (the client fell back)');
    expect(diagnose).toContain(
      'Session 1, transfer 4 (MLSD): refused, and no failure: the server does not recognise MLSD (500, frame 77); the client fell back to LIST (frame 78, transfer 1.5), which completed (226, frame 85). Nothing to change.',
    );
    const saved = await extractedFiles(name, tmp);
    expect(saved['s1-t7-small.bin']).toBe(factSha(name, 'small.bin'));
    for (const o of await everyOutput(name)) expect(flat(o)).not.toMatch(/aborted|data not captured|\bfailed:/);
  });
});

describe('9. ftpcopy -> vsftpd behind DNAT, no pasv_address: "illegal redirect", ftpcopy gives up', () => {
  const name = 'a39-ftpcopy-dnat-vsftpd';
  it(`${name}: the one PASV's 227 names the inside address, no connection: passive-address-mismatch advising vsftpd's pasv_address`, async () => {
    const f = facts(name);
    expect(f.client.messages).toContain('ftpcopy: fatal: illegal redirect by FTP server in 227 Entering Passive Mode (198,51,100,20,195,124).');
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(transferRows(a, (t) => [t.diagnosis!.cause, t.diagnosis!.evidence])).toEqual([
      ['1.1', 'PASV', 24, null, null, null, 0, null, null, 'failed', 'passive-address-mismatch', [24]],
    ]);
    const [diagnose] = await outputs(name, 'diagnose');
    expect(diagnose).toContain('At frame 24 the server answered PASV with 227 198.51.100.20:50044 (port 195×256+124), but the client is talking to the server at 203.0.113.21. The client made no connection to it.');
    expect(diagnose).toContain('(vsftpd: pasv_address)');
    for (const o of await everyOutput(name)) expect(flat(o)).not.toMatch(/firewall that drops|server-refused|MasqueradeAddress/);
  });
});
