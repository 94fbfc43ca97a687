/**
 * The fourth verdict audit, aimed at false alarms, each on a real recording (fixtures/record.sh,
 * "fourth verdict audit"): healthy transfers that look odd on the wire get no diagnosis and the same
 * verdict from every output. Frame numbers are tshark's (the fixtures' tshark-ftp/-streams views).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/extract/manifest.js';
import { runCli } from '../cli/run-cli.js';
import { FIXTURES } from '../support/facts.js';
import { analyze, causes, flat, outputs, path, transfers } from './audit-fixtures.js';
import { readTsharkTsv } from '../conformance/peer-readers.js';

const facts = (name: string): Record<string, any> => JSON.parse(readFileSync(join(FIXTURES, `${name}.facts.json`), 'utf8'));
const streams = (name: string) => readTsharkTsv(join(FIXTURES, `${name}.tshark-streams.tsv`));
/** Words that would be a false alarm on a healthy transfer. */
const ALARM = /stall|zero window|short|missing|incomplete|failed:|truncated|mismatch|Departure from the textbook|not the announced/i;

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit4-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
async function extract(name: string, ...extra: string[]): Promise<Manifest> {
  const dir = join(tmp, `${name}${extra.join('')}`);
  expect((await runCli(['extract', ...extra, path(name), '-o', dir])).code).toBe(0);
  return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
}

describe('1. TYPE A both ways: CRLF on the wire, more bytes than the file, the 150 and SIZE', () => {
  it('ascii-vsftpd-python: RETR 26 → 150 (27) "(7200 bytes)", 226 (43), 7320 bytes; STOR 52 → 226 (103), 7320 bytes; complete', async () => {
    const name = 'ascii-vsftpd-python';
    const f = facts(name);
    // The file holds 7200 bytes in 120 bare-LF lines; each line end is CRLF on the wire.
    expect([f.ascii.file_size, f.ascii.lines, f.ascii.wire_bytes_retr, f.ascii.wire_bytes_stor]).toEqual([7200, 120, 7320, 7320]);
    expect(streams(name).slice(1).map((r) => [r.bytes_src_to_dst, r.bytes_dst_to_src])).toEqual([['0', '7320'], ['7320', '0']]);
    const a = await analyze(name);
    expect(transfers(a).map((t) => [t.request?.command, t.type, t.bytes, t.expectedSize, t.status, t.verdict.kind, t.reply?.code, t.reply?.frame])).toEqual([
      ['RETR', 'A', 7320, 7200, 'complete', 'completed', 226, 43],
      ['STOR', 'A', 7320, null, 'complete', 'completed', 226, 103],
    ]);
    expect(transfers(a).map((t) => t.verdict)).toMatchObject([{ missingBytes: 0 }, { missingBytes: 0 }]);
    expect(causes(a)).toEqual([]);
    const out = await outputs(name, 'summary', 'sessions', 'transfers', 'diagnose', 'explain', 'timeline');
    expect(out[3]).toContain('No failed data connections in 1 session: 2 transfers (2 complete).');
    for (const o of out) expect(o).not.toMatch(ALARM);
    // extract: saved as sent (CRLF), complete; --ascii-to-lf gives the file both sides kept.
    const m = await extract(name);
    expect(m.objects.map((o) => [o.command, o.bytes, o.type, o.verdict, o.notes])).toEqual([
      ['RETR', 7320, 'A', 'complete', ['sent as ASCII (TYPE A): line endings kept as on the wire (--ascii-to-lf converts CRLF)']],
      ['STOR', 7320, 'A', 'complete', ['sent as ASCII (TYPE A): line endings kept as on the wire (--ascii-to-lf converts CRLF)']],
    ]);
    const lf = await extract(name, '--ascii-to-lf');
    expect(lf.objects.map((o) => [o.bytes, o.lineEndingsConverted, o.sha256, o.verdict])).toEqual(
      f.files.map((x: { size: number; sha256: string }) => [x.size, 120, x.sha256, 'complete']),
    );
  });
});

describe('2. explicit FTPS with PROT C: encrypted control, clear data, no key log', () => {
  it('ftps-prot-c-vsftpd-python: AUTH TLS → 234 (10); streams 1 (SYN 33, 511 bytes) and 2 (SYN 49, 260 bytes) inferred, in clear, not failed', async () => {
    const name = 'ftps-prot-c-vsftpd-python';
    expect(streams(name).slice(1).map((r) => [r.stream, r.bytes_dst_to_src])).toEqual([['1', '511'], ['2', '260']]);
    const a = await analyze(name);
    const s = a.sessions[0];
    expect([s.tlsMode, s.tlsFrame, s.diagnosis?.cause, s.diagnosis?.evidence]).toEqual(['explicit', 10, 'tls-hidden', [10, 33, 49]]);
    expect(transfers(a).map((t) => [t.inferred, t.connection?.synFrame, t.bytes, t.connection?.tls, t.verdict.kind, t.diagnosis])).toEqual([
      ['tls-hidden', 33, 511, undefined, 'unknown', null],
      ['tls-hidden', 49, 260, undefined, 'unknown', null],
    ]);
    expect(transfers(a).map((t) => t.verdict)).toMatchObject([{ why: 'tls-hidden', cause: null }, { why: 'tls-hidden', cause: null }]);
    // What it says: the data crossed in clear; nothing about failed TLS or a session not resumed.
    expect(s.diagnosis!.summary).toContain('stream 1, stream 2 carried clear text, not TLS records');
    // Before: "Whether PROT P then encrypted the data connections too is hidden as well", beside the clear text it had read.
    expect(s.diagnosis!.summary).not.toContain('is hidden as well');
    const [summary, transfersOut, diagnose] = await outputs(name, 'summary', 'transfers', 'diagnose');
    expect(summary.match(/probable \(TLS\)/g)).toHaveLength(2);
    for (const o of [summary, transfersOut, diagnose]) expect(o).not.toMatch(/handshake failed|not resumed|close_notify|failed:/i);
    // extract: before, "a probable data connection, encrypted (complete)" beside summary's "probable (TLS)";
    // then "its bytes were not kept". The clear data connections are read again from the file: the
    // RETR's 511 bytes are the original hello.txt, the listing's 260 bytes are tshark's count.
    const m = await extract(name);
    const retr = facts(name).files.find((x: any) => x.op === 'RETR');
    expect(m.skipped).toEqual([]);
    expect(m.objects.map((o) => [o.transfer, o.stream, o.command, o.direction, o.bytes, o.status, o.verdict])).toEqual([
      [1, 1, null, 'to-client', 511, 'complete', 'unverified'],
      [2, 2, null, 'to-client', 260, 'complete', 'unverified'],
    ]);
    // The model's verdict (unknown: TLS hid the 226), worded for the file.
    expect(m.objects[0].notes).toEqual([
      "TLS hid the server's final reply: the data connection ended normally, but whether the server counted the transfer complete is not in the capture",
    ]);
    expect(m.objects[0].sha256).toBe(retr.sha256);
    const text = flat((await runCli(['extract', '--no-color', path(name), '-o', join(tmp, 'prot-c-text')])).stdout);
    expect(text).toContain('2 objects saved');
    expect(text).not.toMatch(/encrypted|not kept/);
    // Read from a pipe, the capture cannot be read a second time: the manifest says so.
    const piped = await runCli(['extract', '-', '-o', join(tmp, 'prot-c-pipe')], { stdin: readFileSync(path(name)) });
    expect(piped.code).toBe(0);
    const fromPipe = JSON.parse(readFileSync(join(tmp, 'prot-c-pipe', 'manifest.json'), 'utf8')) as Manifest;
    expect(fromPipe.skipped.map((k) => [k.transfer, k.reason])).toEqual([1, 2].map((id) => [
      id,
      'TLS hid its command: a probable data connection in clear text (no TLS records: PROT C, or no PROT), found from its connection after the capture was read; a capture read from a pipe cannot be read again for its bytes',
    ]));
  });
});

describe('3. a receiver that pauses (zero window) and then finishes', () => {
  it('zero-window-vsftpd-python: RETR 22 → 150 (23), 226 (109); 65,536 bytes over 6 s with two 3 s zero-window pauses; complete', async () => {
    const name = 'zero-window-vsftpd-python';
    expect(facts(name).zero_window.frames).toBe(7);
    const a = await analyze(name);
    const t = transfers(a)[0];
    expect([t.request?.command, t.bytes, t.status, t.verdict.kind, t.reply?.code, t.reply?.frame, t.connection?.close]).toEqual([
      'RETR', 65536, 'complete', 'completed', 226, 109, 'fin',
    ]);
    // tshark flags frames 29, 47, 50, 53, 83, 85, 88 as zero windows; the model keeps the start of each run.
    expect(t.connection?.zeroWindowFrames).toEqual([29, 47, 83]);
    expect(t.connection?.longestSilence).toMatchObject({ fromFrame: 45, toFrame: 55 });
    expect(t.connection!.longestSilence!.seconds).toBeGreaterThan(2.9);
    expect(causes(a)).toEqual([]);
    const out = await outputs(name, 'summary', 'sessions', 'transfers', 'diagnose', 'explain', 'timeline');
    expect(out[3]).toContain('No failed data connections in 1 session: 1 transfer (1 complete).');
    for (const o of out) expect(o).not.toMatch(ALARM);
    const m = await extract(name);
    expect(m.objects.map((o) => [o.bytes, o.sha256, o.verdict])).toEqual([[65536, facts(name).files[0].sha256, 'complete']]);
  });
});

describe('4. DNAT in front of the server, no helper, pasv_address naming the public address', () => {
  it('dnat-pasv-address-server-side-vsftpd-curl: the 227 (18) names 203.0.113.21, the data connection arrives at 198.51.100.20:50001 (SYN 19); complete, no departure', async () => {
    const name = 'dnat-pasv-address-server-side-vsftpd-curl';
    const a = await analyze(name);
    expect(a.sessions[0].vantage?.point).toBe('server-side');
    const t = transfers(a)[0];
    expect([t.announce?.endpoint, t.announce?.frame, t.connection?.synFrame, t.connection?.server, t.connection?.match]).toEqual([
      { ip: '203.0.113.21', port: 50001 }, 18, 19, { ip: '198.51.100.20', port: 50001 }, 'port',
    ]);
    expect(t.passiveAddress).toEqual({ announced: '203.0.113.21', reading: 'public' });
    expect([t.bytes, t.status, t.verdict.kind, t.reply?.code, t.reply?.frame]).toEqual([511, 'complete', 'completed', 226, 30]);
    expect(causes(a)).toEqual([]);
    const [summary, transfersOut, diagnose, explain, timeline] = await outputs(name, 'summary', 'transfers', 'diagnose', 'explain', 'timeline');
    // Before: explain called the 227 and the data connection departures from the textbook.
    expect(explain).toContain('Compared with the textbook: everything happened as described.');
    expect(explain).toContain('It arrives at 198.51.100.20, the server\'s own address, on the announced port.');
    expect(transfersOut).toContain("linked by port: arrived at 198.51.100.20, the server's own address; the reply named 203.0.113.21, its public address");
    for (const o of [summary, transfersOut, diagnose, explain, timeline]) expect(o).not.toMatch(ALARM);
  });

  it('dnat-pasv-address-client-side-vsftpd-curl: the same session at the client: 227 and data connection both 203.0.113.21; complete', async () => {
    const name = 'dnat-pasv-address-client-side-vsftpd-curl';
    const a = await analyze(name);
    const t = transfers(a)[0];
    expect([t.announce?.endpoint, t.connection?.server, t.connection?.match, t.passiveAddress, t.bytes, t.verdict.kind]).toEqual([
      { ip: '203.0.113.21', port: 50001 }, { ip: '203.0.113.21', port: 50001 }, 'exact', undefined, 511, 'completed',
    ]);
    expect(causes(a)).toEqual([]);
  });

  it('a client that ignored a wrong 227 address is still a departure (pasv-address-ignored-vsftpd-curl, captured at the client)', async () => {
    const a = await analyze('pasv-address-ignored-vsftpd-curl');
    expect(transfers(a)[0].passiveAddress).toEqual({ announced: '203.0.113.99', reading: 'departure' });
  });
});
