/**
 * The sixty-seventh verdict audit, on real recordings (fixtures/record.sh, "sixty-seventh audit"):
 * clients and servers that give up on time limits, and a lossy but healthy path.
 *
 * a67-lftp-timeout-resume-proftpd (and -server-side-): lftp get -c with net:timeout 3, the router
 * dropping the server's data past 50 kB on every data connection. Each attempt stalls, lftp closes
 * the data and control connections, proftpd (its data written to its own socket at last) answers 226
 * to a client already leaving, and lftp resumes in a new session with REST and no SIZE. Before this
 * audit: proftpd's 150 after REST 47784 ("(72216 bytes)": what is left) was taken for the file's size,
 * so session 2's RETR owed 72216 - 47784 = 24432 bytes and its 47784 bytes read "completed" at the
 * client ("incomplete 72,216/24,432" at the server); and both interrupted attempts read "incomplete:
 * the capture ended before the rest of it did" although the capture went on for seconds, the client
 * had closed the data connection short of the size and then left, and at the server the tail was
 * sent again and never acknowledged.
 *
 * a67-maxtime-slow-retr-proftpd-curl (and -server-side-): curl --max-time 5 ends a RETR paced at
 * 8 KiB/s: curl closes the data connection (49152 of 120000 bytes) and the control connection,
 * proftpd answers 426. The verdict (aborted by the client) was right; the advice was to "have the
 * client wait for the transfer's final reply (226)", as for a client that leaves once its upload is
 * sent: it now says the client stopped the download itself (its own time limit, a user, its exit).
 *
 * a67-speedlimit-cut-stor-proftpd-curl (and -server-side-): curl --speed-limit gives up on an upload
 * paced by the server and closes its control connection only; its kernel still sends what curl had
 * written when the capture ends. The verdict (incomplete, the capture ended) now says the client had left.
 *
 * a67-socket-timeout-server-stopped-vsftpd-python: the whole file arrives at once, vsftpd is stopped
 * (SIGSTOP) before its FIN and 226; the client's 4 s timeout closes both connections, then the server
 * (continued) closes and answers 226. Completed. Cut just after the client's closes, the capture read
 * "incomplete: the control connection closed" (nothing more due), while the server's FIN and 226 came.
 *
 * Also recorded, every verdict true: a67-wget-read-timeout-retry-vsftpd (two attempts stalled and
 * given up by wget's read timeout, the third completes from REST 75296), a67-226-then-blackhole-*
 * (vsftpd's 226 with most of the file undelivered: aborted by the client, stalled at the client,
 * path loss at the server), a67-server-data-timeout-blackhole-* (vsftpd's 421 Data timeout: aborted
 * by the server), a67-speedlimit-slow-stor-* (curl's limit never fires: completed), and
 * a67-lossy-random-* (4 % random loss on control and data, both capture points: all complete,
 * nothing diagnosed).
 *
 * Frames are tshark's (NAME.tshark-*.tsv), sizes and sha256 the recorder's (NAME.facts.json).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze, derived, facts, flat, ftpRows, jsonVerdicts, nothingFailed, outputs, transfer, verdicts } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit67-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('sixty-seventh audit: lftp net:timeout and get -c against proftpd, the data dropped on the path', () => {
  const client = 'a67-lftp-timeout-resume-proftpd';
  const server = 'a67-lftp-timeout-resume-server-side-proftpd';

  it("the recorder's facts: three attempts (REST 0, 47784, 95568), the saved file whole", () => {
    const f = facts(client);
    expect(f.files.map((x: any) => [x.size, x.received.size, x.received_matches])).toEqual([
      [120000, 47784, false],
      [72216, 47784, false],
      [24432, 24432, true],
    ]);
    expect(f.client.saved).toMatch(/^a67-resume\.bin: 120000 bytes, sha256 [0-9a-f]{64}, the server's file matched$/);
    // Session 2 asks no SIZE: REST 47784, RETR, proftpd's 150 counts what is left.
    expect(ftpRows(client, '2').filter(([fr]) => fr >= 156)).toEqual([[156, 'PASV'], [157, '227'], [161, 'REST'], [162, '350'], [163, 'RETR'], [164, '150'], [225, '226']]);
  });

  it("proftpd's 150 after REST with no SIZE counts the rest: the file is 120000 bytes, the attempt owes 72216", async () => {
    for (const name of [client, server]) {
      const t = transfer(await analyze(name), '2.1');
      expect([t.restOffset, t.expectedSize]).toEqual([47784, 120000]);
      expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'client', expected: 72216 });
    }
  });

  it('at the client: each interrupted attempt aborted by the client, stalled; the last completed', async () => {
    const a = await analyze(client);
    expect(verdicts(a)).toEqual([
      ['1.1', 'aborted', 'stalled', '2.1 REST 47784 aborted'],
      ['2.1', 'aborted', 'stalled', '3.1 REST 95568 completed'],
      ['3.1', 'completed', null, null],
    ]);
    expect(transfer(a, '1.1').verdict).toEqual({ kind: 'aborted', by: 'client', bytes: 47784, expected: 120000, cause: 'stalled', evidence: [59, 60, 61, 63, 125] });
    expect(transfer(a, '2.1').verdict).toEqual({ kind: 'aborted', by: 'client', bytes: 47784, expected: 72216, cause: 'stalled', evidence: [157, 158, 159, 163, 225] });
    expect(await jsonVerdicts(client)).toEqual([['1.1', 'aborted', 'stalled'], ['2.1', 'aborted', 'stalled'], ['3.1', 'completed', null]]);
    const [diagnose] = await outputs(client, 'diagnose');
    // The client's FIN (frame 116) came before the 226 (frame 125), which the client reset (frame 126).
    expect(flat(diagnose)).toContain('Before that reply the client had closed the data connection (FIN, frame 116) having acknowledged 47784 of the 120000 bytes announced: it gave up on the transfer.');
    expect(diagnose).not.toMatch(/capture ended before the rest/);
  });

  it('at the server: the same attempts aborted by the client, the data lost on the path (sent again, never acknowledged)', async () => {
    const a = await analyze(server);
    expect(verdicts(a)).toEqual([
      ['1.1', 'aborted', 'path-loss', '2.1 REST 47784 aborted'],
      ['2.1', 'aborted', 'path-loss', '3.1 REST 95568 completed'],
      ['3.1', 'completed', null, null],
    ]);
    // The bytes counted are the server's, sent: what the client acknowledged is `lost` (review 76: not "after 79,640").
    expect(transfer(a, '1.1').verdict).toEqual({ kind: 'aborted', by: 'client', bytes: 79640, expected: 120000, cause: 'path-loss', lost: { sent: 79640, acknowledged: 47784 }, evidence: [57, 58, 59, 61, 150] });
    // The server sent all 72216 bytes and its FIN (frame 256); the client acknowledged 47784 and closed (frame 271).
    expect(transfer(a, '2.1').verdict).toEqual({ kind: 'aborted', by: 'client', bytes: 72216, expected: 72216, cause: 'path-loss', lost: { sent: 72216, acknowledged: 47784 }, evidence: [182, 183, 184, 188, 277] });
    expect(await jsonVerdicts(server)).toEqual([['1.1', 'aborted', 'path-loss'], ['2.1', 'aborted', 'path-loss'], ['3.1', 'completed', null]]);
    const [summary, diagnose] = await outputs(server, 'summary', 'diagnose');
    expect(summary).not.toMatch(/incomplete/);
    expect(flat(diagnose)).toContain('Before that reply the client had closed the data connection (FIN, frame 271) having acknowledged 47784 of the 72216 bytes announced: it gave up on the transfer.');
    expect(diagnose).not.toMatch(/capture ended/);
  });
});

describe('sixty-seventh audit: a client that gives up on its own time limit', () => {
  it('curl --max-time cuts a moving RETR: aborted by the client, the advice about its own time limit, not about waiting for the 226', async () => {
    for (const [name, fin, ctl, reply] of [
      ['a67-maxtime-slow-retr-proftpd-curl', 103, 104, 107],
      ['a67-maxtime-slow-retr-server-side-proftpd-curl', 101, 102, 105],
    ] as const) {
      const a = await analyze(name);
      expect(verdicts(a)).toEqual([['1.1', 'aborted', 'aborted', null], ['2.1', 'completed', null, null]]);
      expect(transfer(a, '1.1').verdict).toMatchObject({ kind: 'aborted', by: 'client', bytes: 49152, expected: 120000 });
      expect(transfer(a, '1.1').diagnosis!.evidence).toContain(fin);
      const [diagnose] = await outputs(name, 'diagnose');
      const text = flat(diagnose);
      expect(text).toContain(`The client closed the data connection itself (FIN, frame ${fin}) 800 ms after its last data, 49152 of the 120000 bytes announced in, before the server had closed it: it stopped the download.`);
      expect(text).toContain(`The client closed the control connection (FIN, frame ${ctl}) before the server had answered the transfer`);
      expect(text).toContain(`The server replied 426 Transfer aborted. Data connection closed (frame ${reply})`);
      expect(text).toContain('a time limit of its own (curl --max-time, a speed or read timeout)');
      expect(text).not.toContain("wait for the transfer's final reply");
    }
    expect(facts('a67-maxtime-slow-retr-proftpd-curl').client.messages).toMatch(/curl: \(28\) Operation timed out after 500\d milliseconds with 49152 out of 120000 bytes received/);
  });

  it('curl --speed-limit gives up on a slow STOR and closes its control connection: incomplete at the capture end, the client gone', async () => {
    for (const [name, ctl] of [
      ['a67-speedlimit-cut-stor-proftpd-curl', 103],
      ['a67-speedlimit-cut-stor-server-side-proftpd-curl', 99],
    ] as const) {
      expect(facts(name).client.exit_status).toBe(28);
      const a = await analyze(name);
      expect(verdicts(a)).toEqual([['1.1', 'incomplete', null, null]]);
      expect(transfer(a, '1.1').verdict).toMatchObject({ kind: 'incomplete', bytes: 47304, why: 'capture-ended', underWay: { step: 'moving' }, clientLeft: { frame: ctl, how: 'fin' } });
      const [transfers, diagnose] = await outputs(name, 'transfers', 'diagnose');
      for (const text of [transfers, diagnose]) {
        expect(flat(text)).toContain(`the client had closed its control connection mid-transfer (FIN, frame ${ctl}), with no QUIT: it had left, and what still moved was what it had handed its TCP stack before.`);
      }
    }
  });

  it("the client's timeout after the whole file, the stopped server's FIN and 226 later: completed; cut after the client's closes, still waiting", async () => {
    const name = 'a67-socket-timeout-server-stopped-vsftpd-python';
    const f = facts(name);
    expect([f.files[0].size, f.files[0].received_matches]).toEqual([100000, true]);
    expect(f.client.messages).toMatch(/RETR timed out after 100000 bytes/);
    const a = await analyze(name);
    expect(transfer(a, '1.1').verdict).toEqual({ kind: 'completed', bytes: 100000, expected: 100000, missingBytes: 0, sentShort: false, evidence: [18, 19, 20, 22, 126] });
    // Frames 120, 121: the client's FINs on the data and control connections; 124, 126: the server's FIN and 226.
    const cut = await derived(tmp, name, 'cut121', (fr) => fr <= 121);
    expect(transfer(cut.a, '1.1').verdict).toMatchObject({ kind: 'incomplete', why: 'capture-ended', underWay: { step: 'waiting', frame: 120 } });
  });
});

describe('sixty-seventh audit: healthy beside the time limits', () => {
  it('4 % random loss on control and data: LIST, RETR, STOR complete at both capture points, nothing diagnosed', async () => {
    for (const name of ['a67-lossy-random-vsftpd-lftp', 'a67-lossy-random-server-side-vsftpd-lftp']) {
      expect(verdicts(await analyze(name))).toEqual([['1.1', 'completed', null, null], ['1.2', 'completed', null, null], ['1.3', 'completed', null, null]]);
      await nothingFailed(name, tmp);
    }
  });

  it('a slow STOR curl hands to its kernel at once: completed, nothing diagnosed', async () => {
    for (const name of ['a67-speedlimit-slow-stor-proftpd-curl', 'a67-speedlimit-slow-stor-server-side-proftpd-curl']) {
      expect(facts(name).client.exit_status).toBe(0);
      await nothingFailed(name, tmp);
    }
  });

  it("who gave up: the server's data timeout (421) vs the client's timeout after an early 226", async () => {
    expect(verdicts(await analyze('a67-server-data-timeout-blackhole-vsftpd-python'))).toEqual([['1.1', 'aborted', 'aborted', null]]);
    expect(transfer(await analyze('a67-server-data-timeout-blackhole-vsftpd-python'), '1.1').verdict).toMatchObject({ kind: 'aborted', by: 'server', bytes: 56472 });
    expect(verdicts(await analyze('a67-server-data-timeout-blackhole-server-side-vsftpd-python'))).toEqual([['1.1', 'aborted', 'path-loss', null]]);
    expect(transfer(await analyze('a67-226-then-blackhole-vsftpd-python'), '1.1').verdict).toMatchObject({ kind: 'aborted', by: 'client', bytes: 56472, cause: 'stalled' });
    expect(transfer(await analyze('a67-226-then-blackhole-server-side-vsftpd-python'), '1.1').verdict).toMatchObject({ kind: 'aborted', by: 'client', cause: 'path-loss' });
    expect(verdicts(await analyze('a67-wget-read-timeout-retry-vsftpd'))).toEqual([
      ['1.1', 'aborted', 'stalled', '2.1 REST 37648 aborted'],
      ['2.1', 'aborted', 'stalled', '3.1 REST 75296 completed'],
      ['3.1', 'completed', null, null],
    ]);
  });
});
