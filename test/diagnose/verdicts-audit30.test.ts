/**
 * The thirtieth verdict audit: FTP through a proxy (fixtures/record.sh, "Thirtieth verdict audit").
 * proftpd's mod_proxy on the third host (203.0.113.30) is a reverse proxy in front of vsftpd: the
 * client's session to the proxy and the proxy's own session to the server carry the same commands;
 * the proxy's 227 names its own address and passive range (51000-51100) on purpose. Each scenario
 * was captured at the client, on the proxy (both legs in one capture) and at the server. Frame
 * numbers are tshark's (NAME.tshark-ftp.tsv, NAME.tshark-data-streams.tsv); sizes and sha256 are
 * the recorder's facts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { analyze, causes, dataStreams, extractedFiles, facts, factSha, FAILURE_WORDS, flat, ftpRows, nothingFailed, ourRows, outputs, path, transferRows } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit30-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const NAT_WORDS = /\bNAT\b|\bALG\b|FTP helper|mismatch|rewr/i;
const OUTPUTS = ['summary', 'sessions', 'diagnose', 'explain', 'timeline', 'report', 'logs'];
/** Every output, `summary --json` first. */
const allOutputs = async (name: string): Promise<string[]> => [
  (await runCli(['summary', '--json', path(name)])).stdout,
  ...(await outputs(name, ...OUTPUTS)),
];
/**
 * Nothing failed: no diagnosis, no failed or aborted verdict, no failure word in any output. The
 * proxy's own AUTH TLS, refused by vsftpd (a notice, no failure), is left out of the words.
 */
async function healthy(name: string): Promise<void> {
  const a = await analyze(name);
  expect(causes(a)).toEqual([]);
  for (const t of a.sessions.flatMap((s) => s.transfers)) expect(['failed', 'aborted']).not.toContain(t.verdict.kind);
  for (const o of await outputs(name, 'summary', 'diagnose', 'explain', 'sessions', 'timeline', 'logs')) {
    const text = flat(o).replace(/\bNo failed data connections\b/g, '').replace(/refused (TLS|it|\(AUTH\))/g, '');
    expect(text).not.toMatch(FAILURE_WORDS);
  }
}

describe('1. lftp -> mod_proxy -> vsftpd, PASV on both legs: LIST, RETR, STOR', () => {
  const base = 'a30-proxy-healthy-vsftpd-lftp';
  it(`${base}-proxy: two sessions, each linked to its own data connections with exact bytes; paired as a relay; nothing failed`, async () => {
    const name = `${base}-proxy`;
    const a = await analyze(name);
    expect(a.sessions.map((s) => [s.client.ip, s.server.ip, s.relay])).toEqual([
      ['192.0.2.10', '203.0.113.30', { session: 2, role: 'front' }],
      ['203.0.113.30', '198.51.100.20', { session: 1, role: 'back' }],
    ]);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(ourRows(a, 2)).toEqual(ftpRows(name, '1'));
    expect(transferRows(a, (t) => [t.connection?.server.ip, t.relay])).toEqual([
      ['1.1', 'PASV', 99, 'LIST', 103, 2, 260, 226, 120, 'completed', '203.0.113.30', { session: 2, transfer: 1 }],
      ['1.2', 'PASV', 137, 'RETR hello.txt', 141, 4, 511, 226, 158, 'completed', '203.0.113.30', { session: 2, transfer: 2 }],
      ['1.3', 'PASV', 163, 'STOR upload-proxy.txt', 167, 6, 259, 226, 184, 'completed', '203.0.113.30', { session: 2, transfer: 3 }],
      ['2.1', 'PASV', 98, 'LIST', 104, 3, 260, 226, 115, 'completed', '198.51.100.20', { session: 1, transfer: 1 }],
      ['2.2', 'PASV', 136, 'RETR hello.txt', 142, 5, 511, 226, 153, 'completed', '198.51.100.20', { session: 1, transfer: 2 }],
      ['2.3', 'PASV', 162, 'STOR upload-proxy.txt', 168, 7, 259, 226, 180, 'completed', '198.51.100.20', { session: 1, transfer: 3 }],
    ]);
    // tshark's ftp-data: every data stream with the 227 and the command that set it up.
    for (const [stream, [setup, cmd]] of Object.entries(dataStreams(name))) {
      const t = a.sessions.flatMap((s) => s.transfers).find((x) => String(x.connection?.stream) === stream)!;
      expect([t.announce?.frame, t.request?.frame]).toEqual([setup, cmd]);
    }
    expect(causes(a)).toEqual([]);
    // The same files on both legs: saved apart, each with its sha256.
    const f = facts(name);
    expect(f.files.find((x: { path: string }) => x.path === 'hello.txt').size).toBe(511);
    expect(await extractedFiles(name, tmp)).toEqual({
      's1-t1-list.txt': expect.any(String),
      's1-t2-hello.txt': factSha(name, 'hello.txt'),
      's1-t3-upload-proxy.txt': factSha(name, 'upload-proxy.txt'),
      's2-t1-list.txt': expect.any(String),
      's2-t2-hello.txt': factSha(name, 'hello.txt'),
      's2-t3-upload-proxy.txt': factSha(name, 'upload-proxy.txt'),
    });
    await healthy(name);
    // The 227 the client gets names the proxy: a proxy's own address, no NAT and no mismatch.
    for (const o of await allOutputs(name)) expect(flat(o).replace(/NAT rewrites, firewall drops/g, '')).not.toMatch(NAT_WORDS);
  });
  for (const side of ['client', 'server']) {
    it(`${base}-${side}: one leg alone: three transfers complete, nothing failed`, async () => {
      const name = `${base}-${side}`;
      const a = await analyze(name);
      expect(a.sessions).toHaveLength(1);
      expect(a.sessions[0].relay).toBeUndefined();
      expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
      expect(transferRows(a).map((r) => [r[3], r[6], r[7], r[9]])).toEqual([
        ['LIST', 260, 226, 'completed'],
        ['RETR hello.txt', 511, 226, 'completed'],
        ['STOR upload-proxy.txt', 259, 226, 'completed'],
      ]);
      if (side === 'client') await nothingFailed(name, tmp);
      else await healthy(name);
    });
  }
});

describe('2. curl -> mod_proxy -> vsftpd whose firewall drops the proxy\'s passive SYNs', () => {
  const base = 'a30-proxy-server-pasv-drop-vsftpd-curl';
  it(`${base}-proxy: the proxy-server leg failed (passive-syn-unanswered); the client's leg is blamed on it (relay-failed), not called a server drop`, async () => {
    const name = `${base}-proxy`;
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(ourRows(a, 2)).toEqual(ftpRows(name, '1'));
    expect(transferRows(a, (t) => [t.diagnosis?.cause, t.relay])).toEqual([
      ['1.1', 'PASV', 47, 'RETR hello.txt', 59, 2, 0, null, null, 'aborted', 'relay-failed', { session: 2, transfer: 1 }],
      ['2.1', 'PASV', 46, 'RETR hello.txt', 60, 3, 0, null, null, 'failed', 'passive-syn-unanswered', { session: 1, transfer: 1 }],
    ]);
    const [front, back] = a.sessions.map((s) => s.transfers[0]);
    // The proxy's SYNs: frame 61, then nine retransmissions to 36 s; the capture ends at 40 s.
    expect(back.connection!.synFrames).toEqual([61, 64, 65, 66, 67, 68, 69, 70, 71, 72]);
    // Before: "The capture ends 41 ms after the first SYN with no reply" (the control connection's last packet).
    expect(back.diagnosis!.summary).toMatch(/The capture ends 40 s after the first SYN with no reply/);
    expect(back.diagnosis!.summary).toMatch(/The client of this session, 203\.0\.113\.30, is a proxy relaying session 1 from 192\.0\.2\.10/);
    expect(back.diagnosis!.advice).toMatch(/^On the leg between the proxy 203\.0\.113\.30 and the server 198\.51\.100\.20: open the server's passive port range \(vsftpd: pasv_min_port\/pasv_max_port\)/);
    // Before: aborted, "The server dropped the transfer: check its log and disk space; a 426 without an ABOR…".
    expect(front.diagnosis!.summary).toMatch(/the proxy's transfer on its other leg failed\. 203\.0\.113\.30, the server of this session, is a proxy/);
    expect(front.diagnosis!.summary).toMatch(/There it failed: the client could not reach the server's passive port \(passive-syn-unanswered; frames 46, 60, 61,/);
    expect(front.diagnosis!.summary).toMatch(/This session's own data connection opened \(frame 50\): nothing failed between 192\.0\.2\.10 and 203\.0\.113\.30/);
    expect(front.diagnosis!.advice).toMatch(/^The failure is on the proxy's leg to the server \(203\.0\.113\.30 to 198\.51\.100\.20\), not between the client and the proxy/);
    expect(front.diagnosis!.evidence).toEqual(expect.arrayContaining([48, 49, 59, 61, 72, 73]));
    expect(front.verdict).toMatchObject({ kind: 'aborted', by: 'client', cause: 'relay-failed' });
    const texts = await allOutputs(name);
    for (const o of texts) {
      expect(o).not.toMatch(/The server dropped the transfer|a 426 without an ABOR/);
      expect(o).not.toMatch(/41 ms after the first SYN/);
    }
    // Every output gives each transfer the same cause.
    const [json, summary, , diagnose] = texts;
    expect(summary).toMatch(/1\.1 relay-failed/);
    expect(summary).toMatch(/2\.1 passive-syn-unanswered/);
    expect(JSON.parse(json).sessions.map((s: any) => s.transfers[0].diagnosis.cause)).toEqual(['relay-failed', 'passive-syn-unanswered']);
    expect(diagnose).toMatch(/Session 1, transfer 1: relay-failed/);
    // Before: an empty s1-t1-hello.txt, as if the proxy had served an empty file.
    expect(await extractedFiles(name, tmp)).toEqual({});
  });
  it(`${base}-client: the client's leg alone: the proxy never sent a byte nor a reply for 39.5 s: stalled, not "the server dropped the transfer"`, async () => {
    const name = `${base}-client`;
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(transferRows(a, (t) => [t.diagnosis?.cause])).toEqual([['1.1', 'PASV', 18, 'RETR hello.txt', 26, 1, 0, null, null, 'aborted', 'stalled']]);
    const d = a.sessions[0].transfers[0].diagnosis!;
    expect(d.summary).toMatch(/No data moved for 40 s, from frame 26 to frame 28\. 0 bytes had moved\. The client then closed the data connection \(FIN, frame 28\) with no final reply/);
    // Seen at the client, no data arriving is also what data lost on the way looks like (audit 70): both readings, the proxy named.
    expect(d.advice).toMatch(/^No data from the server arrived here after the data connection opened, and no final reply came: either the server never started sending/);
    expect(d.advice).toMatch(/proxy or gateway/);
    expect(d.evidence).toEqual([18, 19, 20, 26, 28]);
    for (const o of await outputs(name, 'diagnose', 'explain', 'report')) expect(o).not.toMatch(/The server dropped the transfer/);
  });
  it(`${base}-server: the server's leg alone: passive-syn-unanswered, the capture ending 36 s after the first SYN (its last packet is the last SYN)`, async () => {
    const name = `${base}-server`;
    const a = await analyze(name);
    expect(transferRows(a, (t) => [t.diagnosis?.cause])).toEqual([['1.1', 'PASV', 31, 'RETR hello.txt', 36, 1, 0, null, null, 'failed', 'passive-syn-unanswered']]);
    expect(a.sessions[0].transfers[0].diagnosis!.summary).toMatch(/The capture ends 36 s after the first SYN with no reply/);
  });
});

describe('3. curl -> mod_proxy -> vsftpd, the proxy dropping the client\'s SYNs to its own passive range', () => {
  const base = 'a30-proxy-client-pasv-drop-vsftpd-curl';
  it(`${base}-proxy: the client-proxy leg failed; the proxy's unused PASV to the server is blamed on it (relay-failed), not on the proxy's passive settings`, async () => {
    const name = `${base}-proxy`;
    const a = await analyze(name);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(ourRows(a, 2)).toEqual(ftpRows(name, '1'));
    expect(transferRows(a, (t) => [t.diagnosis?.cause])).toEqual([
      ['1.1', 'PASV', 47, null, null, 2, 0, null, null, 'failed', 'passive-syn-unanswered'],
      ['2.1', 'PASV', 46, null, null, null, 0, null, null, 'failed', 'relay-failed'],
    ]);
    const [front, back] = a.sessions.map((s) => s.transfers[0]);
    expect(front.connection!.synFrames).toEqual([48, 51, 52, 53, 54, 55, 56]);
    // The proxy relays vsftpd's greeting: its own passive ports are not vsftpd's setting.
    expect(front.diagnosis!.summary).toMatch(/The server of this session, 203\.0\.113\.30, is a proxy: it relays the session to 198\.51\.100\.20 \(session 2\)/);
    expect(front.diagnosis!.advice).toMatch(/^On the leg between the client 192\.0\.2\.10 and the proxy 203\.0\.113\.30 \(the proxy's settings, not 198\.51\.100\.20's\): open the server's passive port range on/);
    expect(front.diagnosis!.advice).not.toMatch(/vsftpd|pasv_min_port/);
    // Before: passive-unreached, "The client declined to connect …: check its passive-mode settings (lftp ftp:ignore-pasv-address …)".
    expect(back.diagnosis!.summary).toMatch(/203\.0\.113\.30, the client of this session, is a proxy relaying session 1 from 192\.0\.2\.10, and the same PASV \(no transfer command followed\) crossed that leg as transfer 1\.1/);
    expect(back.diagnosis!.advice).toMatch(/^The failure is on the leg between the client 192\.0\.2\.10 and the proxy 203\.0\.113\.30, not between the proxy and this server/);
    // The proxy's 227 and the client's SYNs (the other leg), its own 227 and its close of the session (frame 60).
    expect(back.diagnosis!.evidence).toEqual([46, 47, 48, 51, 52, 53, 54, 55, 56, 60]);
    for (const o of await allOutputs(name)) expect(o).not.toMatch(/declined to connect|ignore-pasv-address/);
  });
  it(`${base}-client: the client's leg alone: passive-syn-unanswered`, async () => {
    const a = await analyze(`${base}-client`);
    expect(transferRows(a, (t) => [t.diagnosis?.cause])).toEqual([['1.1', 'PASV', 18, null, null, 1, 0, null, null, 'failed', 'passive-syn-unanswered']]);
  });
});
