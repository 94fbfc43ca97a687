/**
 * The twenty-second verdict audit, on real recordings (fixtures/record.sh, "Twenty-second verdict
 * audit"): captures that hold one direction only (tcpdump -Q in|out, as a SPAN port or asymmetric
 * routing gives), and a capture started after the login, during a RETR. curl and lftp against
 * vsftpd, passive mode. A missing reply, SYN-ACK or data in a one-way capture is not evidence that
 * the other side never sent it: nothing is called failed or aborted, and no transfer gets a diagnosis.
 * Frame numbers are tshark's (NAME.tshark-ftp.tsv, -streams.tsv); sizes and sha256 are the recorder's facts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze, extractedFiles, facts, flat, ftpRows, nothingFailed, ourRows, outputs, transferRows, tsv } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit22-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));



describe('a one-way capture at the server, only what it received: commands, no replies', () => {
  const name = 'a22-oneway-server-in-vsftpd-curl';
  it("reads the client's commands as tshark does, none answered in the capture", async () => {
    const a = await analyze(name);
    expect(a.sessions.map((s) => s.oneWay)).toEqual(['client']);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(a.sessions[0]!.commands.every((c) => c.reply === null)).toBe(true);
    // The login's answer is not in the capture: unknown, not failed.
    expect(a.sessions[0]!.login).toBe('unknown');
  });
  it('each transfer is passive (its PASV was sent, its 227 not captured) and unknown (one-way), undiagnosed', async () => {
    const a = await analyze(name);
    // Before: mode active ("No PORT or PASV came before it"), no data connection (each left among the
    // "other connections") and diagnosed not-in-capture ("did not complete").
    // Bytes: what the capture holds of each (tshark's streams: the client's only; STOR's upload whole).
    const streams = Object.fromEntries(tsv(name, 'streams').map((r) => [r.stream, Number(r.bytes_src_to_dst) + Number(r.bytes_dst_to_src)]));
    expect(streams['3']).toBe(facts(name).files.find((x: { path: string }) => x.path === 'up64k.bin').size);
    expect(transferRows(a, (t) => [t.mode, t.unansweredAnnounce ?? null, t.connection?.match ?? null, t.diagnosis])).toEqual([
      ['1.1', null, null, 'LIST', 12, 1, streams['1'], null, null, 'unknown', 'passive', { command: 'PASV', frame: 8 }, 'hosts', null],
      ['1.2', null, null, 'RETR w64k.bin', 21, 2, streams['2'], null, null, 'unknown', 'passive', { command: 'PASV', frame: 16 }, 'hosts', null],
      ['1.3', null, null, 'STOR up64k.bin', 45, 3, streams['3'], null, null, 'unknown', 'passive', { command: 'PASV', frame: 42 }, 'hosts', null],
    ]);
    expect(a.sessions[0]!.otherConnections).toEqual([]);
    // TYPE A and TYPE I were sent, their replies not captured: the type in force is unknown (before: 'A' for all).
    expect(a.sessions[0]!.commands.filter((c) => c.command === 'TYPE').map((c) => c.arg)).toEqual(['A', 'I']);
    expect(a.sessions[0]!.transfers.map((t) => t.type)).toEqual([null, null, null]);
    for (const t of a.sessions[0]!.transfers) expect(t.verdict).toMatchObject({ kind: 'unknown', why: 'one-way' });
    const [explain] = await outputs(name, 'explain');
    expect(flat(explain)).toContain("PASV (frame 8): the client asks for passive mode; the server's reply, with the address and port, is not in the capture.");
    expect(flat(explain)).not.toContain('No PORT or PASV came before it');
  });
  it('nothing is called failed in any output', () => nothingFailed(name, tmp));
});

describe('one-way captures of what the server sent (at the client -Q in, at the server -Q out)', () => {
  for (const name of ['a22-oneway-client-in-vsftpd-curl', 'a22-oneway-server-out-vsftpd-curl']) {
    it(`${name}: the server's replies only; transfers built from them (audit 24), none failed`, async () => {
      const a = await analyze(name);
      expect(a.sessions.map((s) => s.oneWay)).toEqual(['server']);
      expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
      expect(a.sessions[0]!.commands.every((c) => c.command === null)).toBe(true);
      // Before audit 24 the 227/150/226 alone made no transfer; now each 150 … 226 is one, its
      // command unknown (verdicts-audit24.test.ts checks them against tshark).
      expect(a.sessions[0]!.transfers.map((t) => [t.inferred, t.request, t.verdict.kind])).toEqual([
        ['one-way', null, 'unknown'],
        ['one-way', null, 'unknown'],
        ['one-way', null, 'unknown'],
      ]);
      await nothingFailed(name, tmp);
    });
  }
});

describe('a one-way capture at the client of what it sent, the passive port dropped by the server', () => {
  const name = 'a22-oneway-passive-drop-vsftpd-curl';
  it("holds the client's commands and its retransmitted SYNs: a hedged passive-syn-unanswered, the verdict unknown (one-way)", async () => {
    const a = await analyze(name);
    const f = facts(name);
    expect(f.network.filter).toMatch(/DROP/);
    expect(a.sessions.map((s) => s.oneWay)).toEqual(['client']);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
    expect(a.sessions[0]!.login).toBe('unknown');
    // The SYNs to the passive port (stream 1), as tshark lists them.
    const syns = tsv(name, 'fields').filter((r) => r['tcp.dstport'] !== '21' && (Number(r['tcp.flags']) & 0x12) === 0x02).map((r) => Number(r['frame.number']));
    expect(syns.length).toBeGreaterThan(1);
    // Before: no transfer at all (curl connects before RETR: PASV, then SYNs, no request), nothing diagnosed.
    expect(transferRows(a, (t) => [t.unansweredAnnounce ?? null, t.connection?.synFrames ?? null, t.diagnosis?.cause ?? null, t.diagnosis?.evidence ?? null])).toEqual([
      ['1.1', null, null, null, null, 1, 0, null, null, 'unknown', { command: 'PASV', frame: 8 }, syns, 'passive-syn-unanswered', [8, ...syns]],
    ]);
    // Its only transfer diagnosed: the session's summary says so, with the same cause.
    expect(a.sessions[0]!.diagnosis?.cause).toBe('passive-syn-unanswered');
    const [summary, diagnose, explain, timeline] = await outputs(name, 'summary', 'diagnose', 'explain', 'timeline');
    // Hedged: what the client's retransmissions show, and what one direction cannot.
    expect(flat(diagnose)).toContain('probably did not complete: the client could not reach the server\'s passive port');
    expect(flat(diagnose)).toContain(`${syns.length} times (frames ${syns.join(', ')})`);
    expect(flat(diagnose)).toContain('whether the server\'s side dropped the SYNs or its answers were lost on the way back cannot be told from it');
    expect(flat(summary)).toMatch(/1\.1 passive - - 0 - unknown \(one side\)/);
    for (const text of [summary, diagnose, explain, timeline]) expect(flat(text)).not.toMatch(/\b(failed|aborted|never answered|no answer)\b/i);
  });
});

describe('a capture started after the login, during a RETR; LIST and STOR follow', () => {
  const name = 'a22-late-start-vsftpd-lftp';
  it('the running RETR is mid-stream (its tail, its 226), LIST and STOR complete with exact bytes', async () => {
    const a = await analyze(name);
    const f = facts(name);
    const streams = Object.fromEntries(tsv(name, 'streams').map((r) => [r.stream, Number(r.bytes_src_to_dst) + Number(r.bytes_dst_to_src)]));
    const size = (p: string): number => f.files.find((x: { path: string }) => x.path === p).size;
    expect(a.sessions.map((s) => [s.midstream, s.login])).toEqual([[true, 'none']]);
    expect(ourRows(a, 1)).toEqual(ftpRows(name, '1'));
    // The running RETR is numbered first, in capture order (audit 24; it was 1.3, after the LIST and STOR that followed it).
    expect(transferRows(a, (t) => [t.inferred ?? null, t.diagnosis])).toEqual([
      ['1.1', null, null, null, null, 0, streams['0'], 226, 132, 'unknown', 'midstream', null],
      ['1.2', 'PASV', 137, 'LIST', 141, 2, streams['2'], 226, 148, 'completed', null, null],
      ['1.3', 'PASV', 153, 'STOR up64k.bin', 157, 3, size('up64k.bin'), 226, 231, 'completed', null, null],
    ]);
    expect(streams['0']).toBeLessThan(size('w384k.bin'));
    const files = await extractedFiles(name, join(tmp, 'late'));
    expect(Object.values(files)).toContain(f.files.find((x: { path: string }) => x.path === 'up64k.bin').sha256);
    await nothingFailed(name, tmp);
  });
});
