/**
 * The eighty-sixth verdict audit, on real recordings (fixtures/record.sh, "Eighty-sixth audit"):
 * clients that RETRY after a data-path failure with their own retry settings — wget --tries, curl
 * --retry, rclone --low-level-retries/--retries, aria2c --max-tries — against vsftpd in passive mode:
 *
 * - transient (a86-transient-*): the router drops every SYN to the passive range for the first 4 s
 *   only: the first attempt(s) never get a data connection, the first one after the rule went
 *   completes. Before this audit the failed attempt's diagnosis said "the server was reachable, only
 *   not on 50073 — as when a firewall opens only part of the range" and advised matching the range,
 *   from a port that opened only after the attempt (its own first SYN dropped too): a cause the
 *   capture cannot show. At the server, the diagnosis blamed "a NAT in front of the server … which does
 *   not rewrite the 227" though the same client's later data connection to that very address arrived.
 *   (The same reading fixes retry-syn-timeout-proftpd-lftp and fallback-epsv-pasv-pureftpd-curl, whose
 *   firewalls drop or reset only the first SYNs, and a37's server-side captures.)
 * - cut then resume (a86-cut-*): the router resets the server's side of each data connection past
 *   40 kB for the first 4 s; vsftpd says 426, the client's read timeout gives up, it resumes with REST
 *   (wget, aria2c, rclone) or starts again from 0 (curl). Before this audit the first attempt had no
 *   later attempt: its verdict cites the server's reset answering the client's FIN, which a firewall
 *   let through only seconds later, after the resume had begun — and that late frame was taken for the
 *   attempt's end.
 * - persistent (a86-persistent-*): the drop never ends: every attempt failed with the same cause.
 *
 * Frames are tshark's (NAME.tshark-*.tsv), sizes and sha256 the recorder's (NAME.facts.json).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze, derived, facts, flagged, flat, ftpRows, jsonVerdicts, nothingFailed, outputs, transfer, tsv, verdicts } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit86-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const PART_OF_RANGE = /only part of the range|must be the range its firewalls open|only not on \d+/;
const UNREWRITTEN = /does not rewrite the 227/;

// ---------------------------------------------------------------------------------------------------
// Transient: the passive range dropped for the first seconds only
// ---------------------------------------------------------------------------------------------------
describe('eighty-sixth audit: a passive drop that ended, retried by the client', () => {
  it("wget: tshark's frames; the first attempt failed (SYNs 25 and 27 unanswered), the retry in session 2 completed with the file whole", async () => {
    const name = 'a86-transient-wget-vsftpd';
    const f = facts(name);
    expect(f.client.exit_status).toBe(0);
    expect(f.files.map((x: any) => [x.path, x.size, x.received_matches])).toEqual([['a86-t.bin', 30000, true]]);
    expect(ftpRows(name, '0').filter(([, c]) => c === '227')).toEqual([[24, '227']]);
    expect(flagged(name, '0x0002', '35398')).toEqual([25, 27]);
    expect(flagged(name, '0x0002', '51988')).toEqual([51, 53]);
    const a = await analyze(name);
    expect(verdicts(a)).toEqual([
      ['1.1', 'failed', 'passive-syn-unanswered', '2.1 REST null completed'],
      ['2.1', 'completed', null, null],
    ]);
    expect(transfer(a, '2.1').bytes).toBe(30000);
    expect(await jsonVerdicts(name)).toEqual([['1.1', 'failed', 'passive-syn-unanswered'], ['2.1', 'completed', null]]);
  });

  it('wget, curl, aria2c, rclone: a port that opened only after the failures ended is no part of the range left closed (before: "only part of the range")', async () => {
    const cases: Array<[string, string, number, number]> = [
      // fixture, failed transfer, its last SYN, the first SYN of a connection that opened
      ['a86-transient-wget-vsftpd', '1.1', 27, 51],
      ['a86-transient-curl-vsftpd', '1.1', 19, 37],
      ['a86-transient-aria2c-vsftpd', '1.1', 27, 77],
      ['a86-transient-aria2c-vsftpd', '2.1', 53, 77],
      ['a86-transient-rclone-vsftpd', '1.1', 35, 65],
    ];
    for (const [name, id, last, opened] of cases) {
      const a = await analyze(name);
      const d = transfer(a, id).diagnosis!;
      expect(d.cause, name).toBe('passive-syn-unanswered');
      expect(flat(d.summary), name).not.toMatch(PART_OF_RANGE);
      expect(flat(d.summary), name).toMatch(new RegExp(`opened only after this attempt, the first for transfer [\\d.]+ \\(port \\d+, SYN frame ${opened}\\), and none before: either port \\d+ was closed while port \\d+ was open, or the failure ended mid-capture, between frame ${last} and frame ${opened}`));
      expect(d.evidence, name).toContain(opened);
      expect(flat(d.advice), name).not.toMatch(PART_OF_RANGE);
      expect(flat(d.advice), name).toContain(`stopped doing so between frame ${last} and frame ${opened}`);
    }
  });

  it('no output of the transient captures claims a part of the range left closed', async () => {
    for (const name of ['a86-transient-wget-vsftpd', 'a86-transient-curl-vsftpd', 'a86-transient-aria2c-vsftpd', 'a86-transient-rclone-vsftpd', 'retry-syn-timeout-proftpd-lftp', 'fallback-epsv-pasv-pureftpd-curl']) {
      for (const text of await outputs(name, 'summary', 'diagnose', 'explain', 'transfers')) expect(text, name).not.toMatch(PART_OF_RANGE);
    }
  });

  it('a failure that did not end (later attempts failed on other ports after some opened) keeps the range reading (a37-range-drop-vsftpd-lftp)', async () => {
    const a = await analyze('a37-range-drop-vsftpd-lftp');
    const d = transfer(a, '1.1').diagnosis!;
    expect(flat(d.summary)).toContain('as when a firewall opens only part of the range');
    expect(flat(d.summary)).not.toContain('opened only after this attempt');
  });

  it('at the server: the same client\'s later data connection to the announced address arrived, so no unrewritten 227 (before: "a NAT … which does not rewrite the 227")', async () => {
    const name = 'a86-transient-server-side-wget-vsftpd';
    expect(ftpRows(name, '0').filter(([, c]) => c === '227')).toEqual([[24, '227']]);
    const a = await analyze(name);
    expect(verdicts(a)).toEqual([
      ['1.1', 'failed', 'passive-unreached', '2.1 REST null completed'],
      ['2.1', 'completed', null, null],
    ]);
    const d = transfer(a, '1.1').diagnosis!;
    const syn = transfer(a, '2.1').connection!.synFrame!;
    expect(flagged(name, '0x0002', String(transfer(a, '2.1').connection!.client.port))).toEqual([syn]);
    expect(flat(d.summary)).not.toMatch(UNREWRITTEN);
    expect(flat(d.summary)).toContain(
      `Not for want of a rewritten address: passive data connections from 192.0.2.10 to 198.51.100.20 arrived only after this attempt (port 50070 for transfer 2.1, SYN frame ${syn})`,
    );
    expect(flat(d.summary)).toContain('a firewall closed to that port, or a drop that ended mid-capture');
    expect(d.evidence).toEqual([24, 26, syn]);
    expect(flat(d.advice)).toContain("The announced address is right (transfer 2.1's data connection to it arrived)");
    expect(flat(d.advice)).not.toContain('pasv_address');
    for (const text of await outputs(name, 'diagnose', 'explain')) expect(text).not.toMatch(UNREWRITTEN);
  });

  it('at the server, nothing ever arrived (a86-persistent-server-side-rclone-vsftpd): the unrewritten 227 stays among the readings', async () => {
    const a = await analyze('a86-persistent-server-side-rclone-vsftpd');
    expect(verdicts(a).map((v) => v[2])).toEqual(['passive-unreached', 'passive-unreached', 'passive-unreached']);
    expect(flat(transfer(a, '1.1').diagnosis!.summary)).toMatch(UNREWRITTEN);
  });
});

// ---------------------------------------------------------------------------------------------------
// Cut mid-transfer, then resumed (REST) or started again
// ---------------------------------------------------------------------------------------------------
describe('eighty-sixth audit: a data connection cut mid-transfer for a while, then resumed', () => {
  /** The recorder's bytes per attempt (a58_attempt_facts: what the client kept of each). */
  const kept = (name: string): number[] => facts(name).files.map((x: any) => x.received.size);

  it('wget: three attempts in one session (REST 37648, REST 75296); each cut attempt names the next as its later attempt (before: the first had none)', async () => {
    const name = 'a86-cut-wget-vsftpd';
    expect(facts(name).client.saved).toMatch(/150000 bytes, .* the server's file matched$/);
    expect(kept(name)).toEqual([37648, 37648, 74704]);
    expect(ftpRows(name, '0').filter(([, c]) => ['REST', 'RETR', '426', '226'].includes(c))).toEqual([
      [28, 'RETR'],
      [72, '426'],
      [88, 'REST'],
      [90, 'RETR'],
      [134, '426'],
      [151, 'REST'],
      [153, 'RETR'],
      [231, '226'],
    ]);
    const a = await analyze(name);
    expect(verdicts(a)).toEqual([
      ['1.1', 'aborted', 'aborted', '1.2 REST 37648 aborted'],
      ['1.2', 'aborted', 'aborted', '1.3 REST 75296 completed'],
      ['1.3', 'completed', null, null],
    ]);
    expect(a.sessions[0].transfers.map((t) => [t.bytes, t.restOffset, t.verdict.kind === 'aborted' ? t.verdict.by : null])).toEqual([
      [37648, null, 'firewall'],
      [37648, 37648, 'firewall'],
      [74704, 75296, null],
    ]);
    // The first attempt's verdict cites the server's reset that came only after the resume had begun.
    const first = transfer(a, '1.1');
    expect(Math.max(...first.verdict.evidence)).toBeGreaterThan(90);
    expect(first.laterAttempt).toMatchObject({ session: 1, transfer: 2, frame: 90, rest: 37648, samePath: true, sameSession: true, outcome: 'aborted' });
    const [diagnose] = await outputs(name, 'diagnose');
    expect(diagnose).toContain('Later: Tried again in the same session: RETR a86-c.bin from offset 37,648 (REST: a resume), frame 90 (transfer 1.2), which was cut short too.');
  });

  it('aria2c and rclone: each resume in a new session; the first cut attempt names the next one', async () => {
    for (const [name, first, second, third] of [
      ['a86-cut-aria2c-vsftpd', '1.1', '2.1', '3.1'],
      ['a86-cut-rclone-vsftpd', '1.2', '2.1', '3.1'],
      ['a86-cut-server-side-rclone-vsftpd', '1.2', '2.1', '3.1'],
    ]) {
      const a = await analyze(name);
      expect(facts(name).client.exit_status, name).toBe(0);
      expect(kept(name), name).toEqual([37648, 37648, 74704]);
      expect(verdicts(a).filter((v) => v[0] !== '1.1' || first === '1.1'), name).toEqual([
        [first, 'aborted', 'aborted', `${second} REST 37648 aborted`],
        [second, 'aborted', 'aborted', `${third} REST 75296 completed`],
        [third, 'completed', null, null],
      ]);
      expect(transfer(a, third).bytes, name).toBe(74704);
      expect(transfer(a, third).restOffset, name).toBe(75296);
    }
  });

  it('rclone: the listing before the copy completed; at the client the cut attempts moved 37648 bytes each, at the server 47784 were sent', async () => {
    const client = await analyze('a86-cut-rclone-vsftpd');
    const server = await analyze('a86-cut-server-side-rclone-vsftpd');
    expect(verdicts(client)[0]).toEqual(['1.1', 'completed', null, null]);
    expect([transfer(client, '1.2').bytes, transfer(client, '2.1').bytes]).toEqual([37648, 37648]);
    expect([transfer(server, '1.2').bytes, transfer(server, '2.1').bytes]).toEqual([47784, 47784]);
  });

  it('curl --retry starts again from byte 0: the cut attempt aborted, the new one in session 2 completed all 150000 bytes', async () => {
    const name = 'a86-cut-curl-vsftpd';
    expect(facts(name).files.map((x: any) => [x.size, x.received_matches])).toEqual([[150000, true]]);
    const a = await analyze(name);
    expect(verdicts(a)).toEqual([
      ['1.1', 'aborted', 'aborted', '2.1 REST null completed'],
      ['2.1', 'completed', null, null],
    ]);
    expect([transfer(a, '1.1').bytes, transfer(a, '2.1').bytes]).toEqual([37648, 150000]);
  });
});

// ---------------------------------------------------------------------------------------------------
// Persistent: every retry fails the same way
// ---------------------------------------------------------------------------------------------------
describe('eighty-sixth audit: a drop that never ends', () => {
  it('wget, curl, aria2c (4 attempts) and rclone (3): every attempt failed, the same cause, none completed, each naming the next', async () => {
    for (const [name, n, code] of [
      ['a86-persistent-wget-vsftpd', 4, 4],
      ['a86-persistent-curl-vsftpd', 4, 28],
      ['a86-persistent-aria2c-vsftpd', 4, 2],
      ['a86-persistent-rclone-vsftpd', 3, 1],
    ] as Array<[string, number, number]>) {
      expect(facts(name).client.exit_status, name).toBe(code);
      const a = await analyze(name);
      const v = verdicts(a);
      expect(v, name).toEqual(
        Array.from({ length: n }, (_, i) => [`${i + 1}.1`, 'failed', 'passive-syn-unanswered', i + 1 < n ? `${i + 2}.1 REST null failed` : null]),
      );
      for (const t of a.sessions.flatMap((s) => s.transfers)) {
        expect(t.connection!.synAckFrames, name).toEqual([]);
        expect(t.connection!.synFrames.length, name).toBe(2);
        expect(flat(t.diagnosis!.summary), name).not.toMatch(PART_OF_RANGE);
      }
      for (const text of await outputs(name, 'summary', 'sessions')) expect(text, name).not.toMatch(/\bcomplete\b/);
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// Cut by a DROP for a while: the client's read timeout ends the attempt, the server's late data meets
// the client's closed socket
// ---------------------------------------------------------------------------------------------------
describe('eighty-sixth audit: the server\'s data dropped for a while, the client gives up and resumes', () => {
  it('wget at the client: the stall ended it (FIN 74 after 2.0 s of silence), not a reset by the client (its stack answered late data, 224); the resume in session 2 is its later attempt', async () => {
    const name = 'a86-cutdrop-wget-vsftpd';
    expect(facts(name).files.map((x: any) => x.received.size)).toEqual([37648, 112352]);
    const port = String(tsv(name, 'streams').find((r) => r.stream === '1')!.srcport);
    expect(flagged(name, '0x0011', port)[0]).toBe(74);
    expect(flagged(name, '0x0004', port)).toEqual([224]);
    expect(ftpRows(name, '0').filter(([, c]) => c === '426')).toEqual([[225, '426']]);
    const a = await analyze(name);
    // Before: cause aborted ("The client reset the data connection: it was interrupted, timed out or was killed"), no later attempt (the 426 came after session 2 began).
    expect(verdicts(a)).toEqual([
      ['1.1', 'aborted', 'stalled', '2.1 REST 37648 completed'],
      ['2.1', 'completed', null, null],
    ]);
    const t = transfer(a, '1.1');
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'client', bytes: 39096 });
    const d = t.diagnosis!;
    expect(d.evidence).toEqual([24, 25, 26, 28, 71, 74, 224, 225]);
    expect(flat(d.summary)).toContain('No data came from the server for 2.0 s after frame 71, every byte before it acknowledged');
    expect(flat(d.summary)).toContain("The server's data sent after that close was answered with a reset (frame 224): the client's end was closed whole");
    expect(flat(d.advice)).not.toContain('The client reset the data connection');
  });

  it('aria2c: both cut attempts stalled, each naming the next (before: 2.1 aborted by "the client\'s reset", with no later attempt)', async () => {
    const a = await analyze('a86-cutdrop-aria2c-vsftpd');
    expect(verdicts(a)).toEqual([
      ['1.1', 'aborted', 'stalled', '2.1 REST 37648 aborted'],
      ['2.1', 'aborted', 'stalled', '3.1 REST 75296 completed'],
      ['3.1', 'completed', null, null],
    ]);
    expect(flat(transfer(a, '2.1').diagnosis!.summary)).toContain('The client closed the data connection (FIN, frame 158) before the server had ended it: it gave up waiting');
  });

  it('wget at the server: the data sent again and never acknowledged, lost on the path', async () => {
    const a = await analyze('a86-cutdrop-server-side-wget-vsftpd');
    expect(verdicts(a)).toEqual([
      ['1.1', 'aborted', 'path-loss', '2.1 REST 37648 completed'],
      ['2.1', 'completed', null, null],
    ]);
    expect(flat(transfer(a, '1.1').diagnosis!.summary)).toContain('The client never acknowledged 33792 of the bytes the server sent, although they were sent again (10 retransmitted segments)');
  });
});

// ---------------------------------------------------------------------------------------------------
// Active mode: the server's SYNs dropped until after the client had given up
// ---------------------------------------------------------------------------------------------------
describe('eighty-sixth audit: active mode, the server\'s SYNs dropped until the client had left', () => {
  it('at the client: no SYN while it waited; the late one (55) met the reset of a client that had left (27): active-syn-unanswered, not active-refused', async () => {
    const name = 'a86-active-wget-vsftpd';
    expect(ftpRows(name, '0').filter(([, c]) => ['PORT', 'RETR', '425'].includes(c))).toEqual([
      [23, 'PORT'],
      [25, 'RETR'],
      [59, '425'],
    ]);
    expect(flagged(name, '0x0011', '52772')).toEqual([27]);
    expect(flagged(name, '0x0002', '40301')).toEqual([55]);
    const a = await analyze(name);
    expect(verdicts(a)).toEqual([
      ['1.1', 'failed', 'active-syn-unanswered', '2.1 REST null completed'],
      ['2.1', 'completed', null, null],
    ]);
    const d = transfer(a, '1.1').diagnosis!;
    expect(d.evidence).toEqual([23, 24, 25, 27, 55, 56, 59]);
    expect(flat(d.summary)).toContain(
      "the client gave up waiting and closed the control connection (frame 27, 2.0 s after RETR); the server's SYN at frame 55 reached it only after that and met a reset from the client (frame 56)",
    );
    expect(flat(d.summary)).not.toMatch(/failure began mid-capture|refused \(active mode\)/);
    expect(flat(d.advice)).not.toContain("stop the client's firewall from rejecting");
    for (const text of await outputs(name, 'summary', 'diagnose', 'explain')) expect(text).not.toContain('active-refused');
  });

  it('at the server: the SYNs before the client left unanswered; the reset answered the SYN after', async () => {
    const a = await analyze('a86-active-server-side-wget-vsftpd');
    expect(verdicts(a)).toEqual([
      ['1.1', 'failed', 'active-syn-unanswered', '2.1 REST null completed'],
      ['2.1', 'completed', null, null],
    ]);
    const d = transfer(a, '1.1').diagnosis!;
    expect(transfer(a, '1.1').connection!.synFrames).toEqual([26, 28, 30, 56, 59]);
    expect(flat(d.summary)).toContain('It got no answer while the client waited');
    expect(flat(d.summary)).toContain("the server's SYN at frame 59 reached it only after that and met a reset from the client (frame 62)");
  });
});

describe('eighty-sixth audit: a capture that stops just after a SYN sent once again', () => {
  it('a86-active-server-side-wget-vsftpd cut after frame 59: the server\'s second SYN (58) for 2.1 is still being answered, not a failure (before: failed, active-syn-unanswered)', async () => {
    const name = 'a86-active-server-side-wget-vsftpd';
    const a = await analyze(name);
    expect(transfer(a, '2.1').connection!.synFrames).toEqual([55, 58]);
    expect(transfer(a, '2.1').connection!.synAckFrames).toEqual([60]);
    const cut = await derived(tmp, name, 'to-59', (f) => f <= 59);
    const t = transfer(cut.a, '2.1');
    expect([t.status, t.verdict.kind, t.diagnosis]).toEqual(['incomplete', 'incomplete', null]);
    expect(t.verdict).toMatchObject({ why: 'capture-ended', underWay: { step: 'connecting', frame: 58 } });
    // A SYN repeated for 36 s to the capture's end was missed: still failed (a30-proxy-server-pasv-drop-vsftpd-curl-server).
    const proxy = await analyze('a30-proxy-server-pasv-drop-vsftpd-curl-server');
    expect(verdicts(proxy)[0].slice(0, 3)).toEqual(['1.1', 'failed', 'passive-syn-unanswered']);
  });
});

describe('eighty-sixth audit: active mode, the server\'s SYNs dropped for good (wget --tries=4)', () => {
  it('at the client: three attempts answered 425 after the client left, the fourth ended by the client before any reply: no SYN reached it (before: "not-in-capture", a capture filter)', async () => {
    const name = 'a86-activep-wget-vsftpd';
    expect(facts(name).client.exit_status).toBe(4);
    expect(ftpRows(name, '3').filter(([, c]) => ['PORT', 'RETR', '425'].includes(c))).toEqual([
      [103, 'PORT'],
      [105, 'RETR'],
    ]);
    expect(tsv(name, 'fields').filter((r) => r['tcp.flags'] === '0x0002' && r['ip.src'] === '198.51.100.20')).toEqual([]);
    const a = await analyze(name);
    expect(verdicts(a)).toEqual([
      ['1.1', 'failed', 'active-syn-unanswered', '2.1 REST null failed'],
      ['2.1', 'failed', 'active-syn-unanswered', '3.1 REST null failed'],
      ['3.1', 'failed', 'active-syn-unanswered', '4.1 REST null incomplete'],
      ['4.1', 'incomplete', 'active-unreached', null],
    ]);
    const d = transfer(a, '4.1').diagnosis!;
    expect(d.evidence).toEqual([103, 104, 105, 109]);
    expect(flat(d.summary)).toContain("no SYN from the server to 192.0.2.10:42399 reached the client's side, where this capture was taken, in the 2.0 s before the client ended the session (frame 109)");
    for (const text of await outputs(name, 'summary', 'diagnose')) expect(text).not.toMatch(/not-in-capture|the data connection is not in the capture/);
  });

  it('at the server: every attempt\'s SYNs unanswered, four failures, the same cause', async () => {
    const a = await analyze('a86-activep-server-side-wget-vsftpd');
    expect(verdicts(a).map((v) => v.slice(0, 3))).toEqual([
      ['1.1', 'failed', 'active-syn-unanswered'],
      ['2.1', 'failed', 'active-syn-unanswered'],
      ['3.1', 'failed', 'active-syn-unanswered'],
      ['4.1', 'failed', 'active-syn-unanswered'],
    ]);
  });
});

describe('eighty-sixth audit: curl in active mode waits out the drop', () => {
  it('the server\'s SYNs dropped for 4 s before the capture point, the one sent again connects: completed, nothing diagnosed, nothing called failed', async () => {
    const name = 'a86-active-curl-vsftpd';
    expect(facts(name).files.map((x: any) => [x.size, x.received_matches])).toEqual([[30000, true]]);
    const a = await analyze(name);
    expect(verdicts(a)).toEqual([['1.1', 'completed', null, null]]);
    expect(transfer(a, '1.1').bytes).toBe(30000);
    await nothingFailed(name, tmp);
  });
});
