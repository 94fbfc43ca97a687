/**
 * The seventy-second verdict audit, on real recordings (fixtures/record.sh, "Seventy-second audit"):
 * failures captured with a filter that keeps only the control connection (tcpdump "tcp port 21", the
 * filter people use to keep a capture small). Each session first completes a LIST, whose 226 shows
 * that the capture lacks the data connections; then a transfer fails. A data connection's absence is
 * then no evidence: not of a SYN never sent, nor of bytes never moved (analysis/data-unseen.ts).
 *
 * a72-port21-active-reject-{,server-side-}vsftpd-python: active mode; the client's firewall resets
 * vsftpd's second data SYN and vsftpd answers 425. Before this audit the server-side capture read
 * "failed: no data connection was attempted … the server sent no SYN" (no-attempt), the client-side
 * one "No SYN from the server … reached the client's side".
 *
 * a72-port21-abor-vsftpd-python: the client's ABOR after 64 KiB of a 4 MiB RETR (426, 226). Before:
 * "0 bytes of 4194304 announced had been transferred".
 *
 * a72-port21-client-reset-vsftpd-python: the client resets the data connection after ~40 kB, no
 * ABOR; vsftpd answers 426. Before: "aborted by the server after 0 of 400,000 bytes".
 *
 * a72-port21-pasv-drop-vsftpd-python: the router drops the SYNs to the second passive port; ftplib's
 * connect times out and it QUITs without a transfer command: unused (the capture cannot show the attempt).
 *
 * Frames are tshark's (NAME.tshark-*.tsv), sizes and sha256 the recorder's (NAME.facts.json).
 */
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { analyze, facts, flat, ftpRows, ourRows, outputs, path, transfer, tsv } from './audit-fixtures.js';

/** Words that read a missing data connection as evidence of what happened on it. */
const ABSENCE_CLAIMS = /sent no SYN|No SYN left|none left the client|never tried|No SYN from|None of its SYNs|no data connection was attempted|No data connection was attempted|0 bytes of|after 0 of|\(no data connection\)/;

/** Every frame of the capture is on the control connection (port 21): tshark's view. */
const onlyPort21 = (name: string): boolean => tsv(name, 'fields').every((r) => r['tcp.srcport'] === '21' || r['tcp.dstport'] === '21');

describe('seventy-second audit: captures filtered to the control connection', () => {
  it("the recorder's facts: each capture was taken with filter 'tcp port 21' and holds only the control connection", () => {
    for (const name of ['a72-port21-active-reject-vsftpd-python', 'a72-port21-active-reject-server-side-vsftpd-python', 'a72-port21-pasv-drop-vsftpd-python', 'a72-port21-abor-vsftpd-python', 'a72-port21-client-reset-vsftpd-python']) {
      expect(facts(name).capture.filter).toBe('tcp port 21');
      expect(onlyPort21(name)).toBe(true);
    }
  });

  it('the commands and replies are tshark\'s, and the LIST that proves the data connections missing completed (226)', async () => {
    for (const name of ['a72-port21-active-reject-vsftpd-python', 'a72-port21-active-reject-server-side-vsftpd-python']) {
      expect(ftpRows(name, '0').slice(-9)).toEqual([[19, '226'], [21, 'TYPE'], [22, '200'], [23, 'PORT'], [24, '200'], [25, 'RETR'], [26, '425'], [27, 'QUIT'], [28, '221']]);
      expect(ourRows(await analyze(name), 1)).toEqual(ftpRows(name, '0'));
    }
    // tshark reads the Telnet IP and Synch bytes before the ABOR (frames 27, 28) as commands of their own.
    expect(ftpRows('a72-port21-abor-vsftpd-python', '0').filter(([, what]) => /^[A-Z0-9]+$/.test(what)).slice(-8)).toEqual([[24, '227'], [25, 'RETR'], [26, '150'], [29, 'ABOR'], [31, '426'], [32, '226'], [34, 'QUIT'], [35, '221']]);
    expect(ftpRows('a72-port21-client-reset-vsftpd-python', '0').slice(-5)).toEqual([[25, 'RETR'], [26, '150'], [28, '426'], [30, 'QUIT'], [31, '221']]);
    expect(ftpRows('a72-port21-pasv-drop-vsftpd-python', '0').slice(-4)).toEqual([[23, 'PASV'], [24, '227'], [26, 'QUIT'], [27, '221']]);
  });
});

describe('seventy-second audit: an active 425 where the capture holds no data connection', () => {
  for (const name of ['a72-port21-active-reject-vsftpd-python', 'a72-port21-active-reject-server-side-vsftpd-python']) {
    it(`${name}: failed, the server could not connect (its 425), with no claim about a SYN the capture cannot hold`, async () => {
      expect(facts(name).client.messages).toContain('RETR failed: 425 Failed to establish connection.');
      const a = await analyze(name);
      expect(a.sessions[0].dataUnseen).toEqual({ session: 1, transfer: 1, reply: 19 });
      expect(transfer(a, '1.1').verdict).toEqual({ kind: 'not-captured', replies: 'completed', evidence: [15, 16, 17, 19] });
      const t = transfer(a, '1.2');
      expect(t.verdict).toEqual({ kind: 'failed', cause: 'active-unreached', evidence: [23, 24, 25, 26] });
      expect([t.diagnosis!.cause, t.diagnosis!.evidence]).toEqual(['active-unreached', [19, 23, 24, 25, 26]]);
      const said = flat(t.diagnosis!.summary);
      expect(said).toContain('The server replied 425 Failed to establish connection (frame 26): no data connection from the server to 192.0.2.10:');
      expect(said).toContain("This capture holds no data connection between these hosts, not even transfer 1.1's, which its replies say existed (frame 19)");
      expect(t.diagnosis!.advice).toContain('without a filter that keeps only the control connection (tcpdump "host A and host B", not "port 21")');
      const [diagnose, transfers, explain, timeline, summary] = await outputs(name, 'diagnose', 'transfers', 'explain', 'timeline', 'summary');
      for (const text of [diagnose, transfers, explain, timeline, summary]) expect(flat(text)).not.toMatch(ABSENCE_CLAIMS);
      expect(flat(timeline)).toContain('(no data connection in the capture)');
      const json = JSON.parse((await runCli(['transfers', '--json', path(name)])).stdout).transfers[1];
      expect([json.verdict.kind, json.verdict.cause, json.diagnosis.cause]).toEqual(['failed', 'active-unreached', 'active-unreached']);
    });
  }
});

describe('seventy-second audit: a download stopped part-way where the capture holds no data connection', () => {
  it("a72-port21-abor-vsftpd-python: aborted by the client (its ABOR), how much moved not known, never '0 bytes'", async () => {
    const name = 'a72-port21-abor-vsftpd-python';
    const f = facts(name);
    expect(f.client.messages).toContain('reply 426 Failure writing network stream.|reply 226 ABOR successful.');
    // What the client really received: 64 KiB and more before the ABOR took effect.
    expect(f.files.find((x: { op: string }) => x.op === 'RETR').received.size).toBeGreaterThan(65536);
    const a = await analyze(name);
    const t = transfer(a, '1.2');
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'client', expected: 4194304, cause: 'aborted', dataUnseen: { session: 1, transfer: 1, reply: 19 }, evidence: [24, 25, 29, 31] });
    const [transfers, diagnose, explain] = await outputs(name, 'transfers', 'diagnose', 'explain');
    expect(flat(transfers)).toContain(
      'aborted by the client according to the replies (426, frame 31); its data connection is not in the capture, which holds none between these hosts, ' +
        "not even transfer 1.1's, which its replies say existed (frame 19): a capture filter such as \"port 21\", or a capture on another path, left them out: " +
        'how much of the 4,194,304 bytes announced moved is not known.',
    );
    for (const text of [transfers, diagnose, explain]) expect(flat(text)).not.toMatch(ABSENCE_CLAIMS);
    expect(flat(t.diagnosis!.summary)).toContain('The client sent ABOR at frame 29');
  });

  it('a72-port21-client-reset-vsftpd-python: a 426 with no ABOR names nobody as the one who stopped it', async () => {
    const name = 'a72-port21-client-reset-vsftpd-python';
    expect(facts(name).client.messages).toContain('read 40960 bytes, then reset the data connection|RETR reply: 426 Failure writing network stream.');
    const a = await analyze(name);
    const t = transfer(a, '1.2');
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: null, expected: 400000, cause: 'aborted', dataUnseen: { session: 1, transfer: 1, reply: 19 }, evidence: [24, 25, 28] });
    const [transfers, summary, diagnose] = await outputs(name, 'transfers', 'summary', 'diagnose');
    expect(flat(transfers)).toContain('aborted according to the replies (426, frame 28); its data connection is not in the capture');
    // Which end cut it is not in the capture: the advice names no one (not "the server dropped the transfer").
    expect(t.diagnosis!.advice).toContain('this capture holds no data connection to show which end cut it or how much arrived');
    expect(flat(diagnose)).not.toContain('The server dropped the transfer');
    for (const text of [transfers, summary, diagnose]) {
      expect(flat(text)).not.toMatch(ABSENCE_CLAIMS);
      expect(flat(text)).not.toMatch(/aborted \(server\)|aborted by the server/);
    }
    const zeek = (await runCli(['logs', '--format', 'zeek', path(name)])).stdout;
    expect(zeek).toMatch(/\tRETR\ta72-big\.bin\taborted\t/);
  });
});

describe('seventy-second audit: a passive port left after a connect the capture cannot show', () => {
  it('a72-port21-pasv-drop-vsftpd-python: unused, not "nobody connected" nor "the client never tried"', async () => {
    const name = 'a72-port21-pasv-drop-vsftpd-python';
    expect(facts(name).client.messages).toContain("RETR failed: TimeoutError('timed out')");
    const a = await analyze(name);
    expect(a.sessions[0].dataUnseen).toEqual({ session: 1, transfer: 1, reply: 19 });
    const t = transfer(a, '1.2');
    expect([t.status, t.verdict, t.diagnosis]).toEqual(['unused', { kind: 'unused', evidence: [24] }, null]);
    const [diagnose, transfers, explain] = await outputs(name, 'diagnose', 'transfers', 'explain');
    for (const text of [diagnose, transfers, explain]) expect(flat(text)).not.toMatch(ABSENCE_CLAIMS);
  });
});

describe("seventy-second audit: tcpdump's old default snapshot length, 68 bytes", () => {
  it('a72-snaplen68-vsftpd-lftp: a greeting cut to "22" by the capture is no other service\'s banner (not not-ftp)', async () => {
    const name = 'a72-snaplen68-vsftpd-lftp';
    expect(facts(name).capture.snaplen).toBe(68);
    // tshark sees the greeting's first two bytes only: frame 6, "22".
    const greeting = tsv(name, 'fields').find((r) => r['tcp.srcport'] === '21' && Number(r['tcp.len']) > 0)!;
    expect([greeting['frame.number'], greeting['frame.cap_len'], Number(greeting['frame.len']) > 68]).toEqual(['6', '68', true]);
    const a = await analyze(name);
    const s = a.sessions[0];
    expect(s.notFtp).toBeUndefined();
    expect(s.diagnosis?.cause).not.toBe('not-ftp');
    expect(a.capture.warnings.map((w) => w.code)).toContain('truncated-packets');
    const [summary, diagnose] = await outputs(name, 'summary', 'diagnose');
    for (const text of [summary, diagnose]) expect(flat(text)).not.toMatch(/not FTP|not-ftp|does not run an FTP server|speaks no FTP/);
    // No line readable: its transfers cannot be read, which the outputs say instead of "no transfers".
    expect(s.linesCut).toEqual({ frame: 6 });
    expect(flat(summary)).toContain('not readable: every line cut by the snapshot length');
    expect(flat(diagnose)).toContain("No transfer can be read in 1 FTP session: the capture's snapshot length cut every command and reply of it before its verb or code (from frame 6)");
    expect(flat(diagnose)).not.toContain('nothing to diagnose');
  });
});

describe('seventy-second audit: a capture that holds no data connection at all, and no reply that shows one missing', () => {
  it('noconnect-proftpd-python: "the client never tried" keeps its reading and says a port-21 filter would look the same', async () => {
    const name = 'noconnect-proftpd-python';
    const a = await analyze(name);
    const s = a.sessions[0];
    expect([s.dataUnseen, s.noDataSeen]).toEqual([undefined, true]);
    const t = transfer(a, '1.1');
    expect([t.status, t.diagnosis!.cause]).toEqual(['failed', 'no-attempt']);
    expect(flat(t.diagnosis!.summary)).toContain(
      'the client never tried to connect, and the server gave up waiting (a timeout for a data connection that never comes, such as proftpd TimeoutNoTransfer) — ' +
        'unless a capture filter such as "port 21" left the data connections out: the capture holds none between these hosts',
    );
  });
});
