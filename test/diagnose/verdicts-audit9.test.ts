/**
 * The ninth verdict audit, each on a real recording (fixtures/record.sh, "Ninth verdict audit"): a
 * control connection that loses every third segment each way (TCP retransmits; seen at both ends),
 * AUTH TLS refused by servers without TLS (curl --ssl goes on in clear, --ssl-reqd gives up), an
 * IPv6 EPSV data connection the server's ip6tables drops (seen at both ends), and a server that
 * closes a connection before its greeting (proftpd at MaxInstances). Frame numbers are tshark's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { runCli } from '../cli/run-cli.js';
import { FIXTURES } from '../support/facts.js';
import { analyze, causes, facts, outputs, reportPage, transfers, tsv } from './audit-fixtures.js';

/** tshark's FTP rows with a command or a reply code: [frame, command or code]. */
const ftpRows = (name: string): string[][] =>
  tsv(name, 'ftp')
    .filter((r) => r['ftp.request.command'] || r['ftp.response.code'])
    .map((r) => [r['frame.number'], r['ftp.request.command'] || r['ftp.response.code']]);
/** ftpcap's commands with their final replies (and a 150 before them): [frame, verb, code, reply frame, preliminary frames]. */
const exchanges = (a: Analysis): Array<[number, string, number | null, number | null, number[]]> =>
  a.sessions[0].commands
    .filter((c) => c.command !== null)
    .map((c) => [c.frame, c.command!, c.reply?.code ?? null, c.reply?.frame ?? null, c.preliminary.map((p) => p.frame)]);
/** Frames of the timeline's rows that say "retransmission", or a SYN-ACK or FIN "(retransmitted)". */
const retransmissionRows = (timeline: string): number[] =>
  [...timeline.matchAll(/^\s*[\d.]+\s+(\d+) \d+ \|[<-]+ ?(?:retransmission \(|(?:SYN|FIN)\+ACK \(retransmitted\))/gm)].map((m) => Number(m[1]));

/** The timeline as printed (outputs() flattens the ladder's columns). */
const timelineOf = async (name: string): Promise<string> => (await runCli(['timeline', '--no-color', join(FIXTURES, `${name}.pcap`)])).stdout;

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit9-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('1. a lossy control connection: every third control segment dropped each way, TCP retransmits', () => {
  it('ctrl-lossy-client-side-vsftpd-lftp: each command and reply once, paired, at the frame that carried it (211 at 24, not 18); three transfers complete; no gap, no failure', async () => {
    const name = 'ctrl-lossy-client-side-vsftpd-lftp';
    const f = facts(name);
    expect([f.capture.packets, f.network.dropped]).toEqual([113, '16 18 (packets dropped by the two rules: toward the server, toward the client)']);
    expect(f.files.map((x: any) => [x.op, x.received?.size, x.received_matches ?? null])).toEqual([
      ['LIST', 256, null],
      ['RETR', 511, true],
      ['STOR', 259, true],
    ]);
    // tshark does not dissect the first copies of replies whose originals the router dropped (200 at 57, 227s at 67 and 85, …).
    expect(ftpRows(name).map((r) => r[0])).toEqual(['8', '10', '12', '24', '28', '30', '31', '32', '33', '36', '37', '38', '42', '48', '54', '58', '60', '61', '62', '63', '71', '73', '79', '81', '89', '91', '97', '99', '104', '106', '107', '108']);
    const a = await analyze(name);
    expect(a.sessions).toHaveLength(1);
    // The client's retransmissions (11, 29, 34, 43, …) are not commands again; the replies pair with their commands.
    expect(exchanges(a)).toEqual([
      [10, 'FEAT', 211, 24, []],
      [28, 'USER', 331, 30, []],
      [31, 'PASS', 230, 32, []],
      [33, 'PWD', 257, 36, []],
      [37, 'PASV', 227, 38, []],
      [42, 'LIST', 226, 48, [50]],
      [54, 'TYPE', 200, 57, []],
      [58, 'SIZE', 213, 60, []],
      [61, 'MDTM', 213, 62, []],
      [63, 'PASV', 227, 67, []],
      [71, 'RETR', 226, 79, [73]],
      [81, 'PASV', 227, 85, []],
      [89, 'STOR', 226, 97, [91]],
      [99, 'SITE', 500, 103, []],
      [104, 'SITE', 500, 106, []],
      [107, 'QUIT', 221, 108, []],
    ]);
    expect(a.sessions[0].controlGapBytes).toBe(0);
    expect(transfers(a).map((t) => [t.request?.command, t.bytes, t.reply?.frame, t.verdict])).toEqual([
      ['LIST', 260, 48, expect.objectContaining({ kind: 'completed', missingBytes: 0 })],
      ['RETR', 511, 79, expect.objectContaining({ kind: 'completed', missingBytes: 0 })],
      ['STOR', 259, 97, expect.objectContaining({ kind: 'completed', missingBytes: 0 })],
    ]);
    expect(causes(a)).toEqual([]);
    expect(a.capture.warnings.map((w) => w.code)).toEqual([]);
    const [summary, diagnose, explain, timeline] = await outputs(name, 'summary', 'diagnose', 'explain', 'timeline');
    expect(summary).toContain('fxa9user no 0.000 16 3 complete');
    expect(diagnose).toContain('No failed data connections in 1 session: 3 transfers (3 complete).');
    // Before: "FEAT (frame 10) → 211 Features: (frame 18)": frame 18 carried bytes 78-85 of the reply, its last line came in 24.
    expect(explain).toContain('FEAT (frame 10) → 211 Features: (frame 24)');
    expect(explain).toContain('Compared with the textbook: everything happened as described.');
    for (const o of [summary, diagnose, explain, timeline]) expect(o).not.toMatch(/gap|not captured|capture lost|failed \[|What to change/);
    // The client's retransmissions as tshark flags them (and the server's SYN-ACK sent again); the server's
    // segments whose originals the router dropped are the first copies this capture holds, told as replies.
    const lines = await timelineOf(name);
    expect(retransmissionRows(lines)).toEqual([6, 11, 29, 34, 43, 55, 59, 64, 65, 72, 82, 83, 90, 100, 101, 105, 110]);
    // Frame 26, the server's copy of a lost segment in the middle of the 211 (it filled the hole below
    // frames 14-24), carried reply text already told on the 211's row: no arrow of its own, not "Non-text".
    expect(lines).not.toMatch(/Non-text|^\s*[\d.]+\s+26(-\d+)? /m);
    // LIST's 150 was lost and sent again: the capture holds its copy (frame 50) after the 226 (frame 48).
    // explain tells it first, as the stream has it, and says why; the timeline keeps capture order and notes it.
    const late = 'The server sent its 150 before its 226 (frame 48), but the copy of the 150 this capture holds came later';
    expect(explain).toContain(`150 Here comes the directory listing. (frame 50): the server says the transfer starts. ${late}`);
    expect(explain.indexOf('150 Here comes the directory listing.')).toBeLessThan(explain.indexOf('226 Directory send OK.'));
    expect(timeline).toContain(late.replace(/\s+/g, ' '));
  });

  it('ctrl-lossy-server-side-vsftpd-lftp: the same session at the server: the server\'s retransmissions 5, 6, 27, 28, 38, … told as such, the replies at the frames that first carried them', async () => {
    const name = 'ctrl-lossy-server-side-vsftpd-lftp';
    const a = await analyze(name);
    expect(exchanges(a).map((e) => [e[1], e[3], e[4]])).toEqual([
      ['FEAT', 25, []],
      ['USER', 31, []],
      ['PASS', 34, []],
      ['PWD', 37, []],
      ['PASV', 40, []],
      ['LIST', 50, [45]],
      ['TYPE', 56, []],
      ['SIZE', 62, []],
      ['MDTM', 64, []],
      ['PASV', 66, []],
      ['RETR', 81, [75]],
      ['PASV', 84, []],
      ['STOR', 99, [93]],
      ['SITE', 102, []],
      ['SITE', 108, []],
      ['QUIT', 110, []],
    ]);
    expect(transfers(a).map((t) => [t.request?.command, t.bytes, t.verdict.kind])).toEqual([
      ['LIST', 260, 'completed'],
      ['RETR', 511, 'completed'],
      ['STOR', 259, 'completed'],
    ]);
    expect(causes(a)).toEqual([]);
    // tshark: retransmissions 5, 6, 28, 38, 57, 59, 67, 69, 85, 87, 103, 105 and out-of-order 21, 23, 27, 52
    // (21 and 23 are inside the 211's rows: its lines' frames 12-25).
    expect(retransmissionRows(await timelineOf(name))).toEqual([5, 6, 27, 28, 38, 52, 57, 59, 67, 69, 85, 87, 103, 105]);
  });
});

describe('2. AUTH TLS refused by a server without TLS', () => {
  it('auth-refused-ssl-vsftpd-curl: AUTH SSL (8) and AUTH TLS (11) refused with 530, curl --ssl logs in in clear: RETR and STOR complete, no failure, the refusal noted', async () => {
    const name = 'auth-refused-ssl-vsftpd-curl';
    expect(ftpRows(name).slice(0, 6)).toEqual([['6', '220'], ['8', 'AUTH'], ['10', '530'], ['11', 'AUTH'], ['12', '530'], ['13', 'USER']]);
    const a = await analyze(name);
    const s = a.sessions[0];
    expect([s.tls, s.loggedIn, s.tlsRefusal]).toEqual([false, true, { command: 11, mechanism: 'TLS', code: 530, reply: 12, gaveUp: false }]);
    expect(transfers(a).map((t) => [t.request?.command, t.bytes, t.reply?.frame, t.verdict.kind])).toEqual([
      ['RETR', 511, 37, 'completed'],
      ['STOR', 259, 51, 'completed'],
    ]);
    expect(causes(a)).toEqual([]);
    const [summary, diagnose, timeline] = await outputs(name, 'summary', 'diagnose', 'timeline');
    expect(summary).toContain(
      'TLS the server refused (AUTH) session 1: The server refused TLS: it answered AUTH TLS (frame 11) with 530 Please login with USER and PASS. (frame 12); ' +
        'the client went on in clear text (no failure: its commands, password and files crossed unencrypted).',
    );
    expect(summary).not.toMatch(/\[auth-refused\]|diagnose explains/);
    expect(diagnose).toContain('No failed data connections in 1 session: 2 transfers (2 complete).');
    expect(timeline).toContain('The server refuses TLS (530): the client goes on in clear text');
  });

  it('auth-refused-reqd-vsftpd-curl: both AUTHs refused (530 at 10, 12), curl --ssl-reqd closes (13) without a login: auth-refused in every output', async () => {
    const name = 'auth-refused-reqd-vsftpd-curl';
    const f = facts(name);
    expect([f.capture.packets, f.client.exit_status, f.client.messages]).toEqual([15, 64, 'curl: (64) Requested SSL level failed']);
    const a = await analyze(name);
    const s = a.sessions[0];
    expect([s.control.kind, s.closedBy?.by, s.closedBy?.frame, s.loginAttempts]).toEqual(['opened', 'client', 13, 0]);
    expect(s.tlsRefusal).toEqual({ command: 11, mechanism: 'TLS', code: 530, reply: 12, gaveUp: true });
    // Before: no diagnosis ("No data transfers in 1 FTP session: nothing to diagnose.").
    expect([s.diagnosis?.cause, s.diagnosis?.evidence]).toEqual(['auth-refused', [8, 10, 11, 12, 13]]);
    expect(s.diagnosis!.summary).toContain(
      'it answered AUTH SSL (frame 8) with 530 Please login with USER and PASS (frame 10), AUTH TLS (frame 11) with 530 Please login with USER and PASS (frame 12). ' +
        'The client then closed the connection (frame 13) without logging in: it requires TLS (as curl --ssl-reqd does) and the server does not offer it (530).',
    );
    expect(s.diagnosis!.advice).toMatch(/^The server does not offer FTPS\. Enable it there, with a certificate \(vsftpd: ssl_enable=YES/);
    expect(s.diagnosis!.advice).toContain('curl --ssl instead of --ssl-reqd');
    const [summary, diagnose, explain, timeline] = await outputs(name, 'summary', 'diagnose', 'explain', 'timeline');
    expect(summary).toContain('the client, which requires TLS, closed the connection without logging in; no login or transfer could follow. [auth-refused]');
    expect(diagnose).toContain('Session 1 (auth-refused)');
    expect(diagnose).not.toContain('nothing to diagnose');
    expect(explain).toContain('What went wrong (auth-refused: ');
    expect(explain).toContain('the client asked for TLS and the server refused it (530, frame 12): the client, which requires it, ended the session without logging in');
    expect(timeline).toContain('The server refuses TLS (530): the client, requiring it, will end the session');
    expect(await reportPage(name, tmp)).toContain('auth-refused');
  });

  it('auth-refused-reqd-pureftpd-curl: pure-ftpd -Y 0 answers 500 This security scheme is not implemented (10, 12); curl closes (13); the 500 Logout. after it (14) is not a command\'s reply', async () => {
    const name = 'auth-refused-reqd-pureftpd-curl';
    expect(ftpRows(name)).toEqual([['6', '220'], ['8', 'AUTH'], ['10', '500'], ['11', 'AUTH'], ['12', '500'], ['14', '500']]);
    const a = await analyze(name);
    const s = a.sessions[0];
    expect(s.tlsRefusal).toEqual({ command: 11, mechanism: 'TLS', code: 500, reply: 12, gaveUp: true });
    expect([s.diagnosis?.cause, s.diagnosis?.evidence]).toEqual(['auth-refused', [8, 10, 11, 12, 13]]);
    expect(s.diagnosis!.summary).toContain('AUTH TLS (frame 11) with 500 This security scheme is not implemented (frame 12)');
    const [summary] = await outputs(name, 'summary');
    expect(summary).toContain('it answered AUTH TLS (frame 11) with 500 This security scheme is not implemented (frame 12); the client, which requires TLS, closed');
  });
});

describe('3. IPv6 passive (EPSV) whose data connection the server\'s ip6tables drops', () => {
  it('fail-epsv-drop-ipv6-server-side-vsftpd-curl: 229 (20) names 50006, SYNs 21-29 arrive and get no answer: passive-syn-unanswered, dropped at the server', async () => {
    const name = 'fail-epsv-drop-ipv6-server-side-vsftpd-curl';
    const f = facts(name);
    expect([f.capture.packets, f.family, f.client.exit_status, f.network.filter]).toEqual([32, 'ipv6', 8, 'server: ip6tables -A INPUT -p tcp --dport 50000:50100 -j DROP']);
    expect(tsv(name, 'streams')[1]).toMatchObject({ src: '2001:db8:1::10', dst: '2001:db8:2::20', dstport: '50006', frames: '6' });
    const a = await analyze(name);
    const [t] = transfers(a);
    expect([t.mode, t.announce?.command, t.announce?.reply?.frame, t.request, t.status, t.connection?.synFrames]).toEqual(['passive', 'EPSV', 20, null, 'failed', [21, 23, 24, 25, 26, 29]]);
    expect([a.sessions[0].vantage?.point, t.diagnosis?.cause, t.diagnosis?.evidence]).toEqual(['server-side', 'passive-syn-unanswered', [20, 21, 23, 24, 25, 26, 29]]);
    expect(t.diagnosis!.summary).toContain('The client sent SYN from [2001:db8:1::10]:58462 to [2001:db8:2::20]:50006 at frames 21, 23, 24, 25, 26 and 29');
    expect(t.diagnosis!.summary).toContain("so they reached the server's network and were dropped there — by a firewall on the server host or its segment");
    expect(t.diagnosis!.summary).toContain('The client gave up and closed the control connection 5.8 s after the first SYN (frame 30)');
    expect(causes(a)).toEqual(['passive-syn-unanswered', 'passive-syn-unanswered']);
    const [summary, explain] = await outputs(name, 'summary', 'explain');
    expect(summary).toContain("1.1 passive-syn-unanswered: the client could not reach the server's passive port");
    expect(explain).toContain("passive-syn-unanswered");
  });

  it('fail-epsv-drop-ipv6-client-side-vsftpd-curl: the same session at the client: SYNs 19-27 unanswered, the drop placed anywhere on the way', async () => {
    const name = 'fail-epsv-drop-ipv6-client-side-vsftpd-curl';
    const a = await analyze(name);
    const [t] = transfers(a);
    expect([a.sessions[0].vantage?.point, t.connection?.synFrames, t.diagnosis?.cause, t.diagnosis?.evidence]).toEqual([
      'client-side',
      [19, 21, 22, 23, 24, 27],
      'passive-syn-unanswered',
      [18, 19, 21, 22, 23, 24, 27],
    ]);
    expect(t.diagnosis!.summary).toContain('Something between them, or on the server host, drops inbound connections to that port.');
  });
});

describe('4. a server that closes the connection before any greeting', () => {
  it('no-greeting-maxinstances-proftpd-python: session 2 (14-16) closed by proftpd at frame 17, 0.8 ms later, no 220: hung-up, session-refused in every output; session 1\'s RETR complete', async () => {
    const name = 'no-greeting-maxinstances-proftpd-python';
    const f = facts(name);
    expect([f.capture.packets, f.client.messages]).toEqual([43, 'second refused: EOFError()|226 Transfer complete|221 Goodbye.']);
    expect(tsv(name, 'streams')[1]).toMatchObject({ srcport: '57926', dstport: '21', frames: '6', bytes_src_to_dst: '0', bytes_dst_to_src: '0' });
    const a = await analyze(name);
    const [s1, s2] = a.sessions;
    expect([s1.control.kind, s1.diagnosis, transfers(a).map((t) => [t.request?.command, t.bytes, t.verdict.kind])]).toEqual(['opened', null, [['RETR', 511, 'completed']]]);
    const { after, ...control } = s2.control as Extract<typeof s2.control, { kind: 'hung-up' }>;
    // Before: { kind: 'opened', closedBy: 'server' } and nothing diagnosed.
    expect(control).toEqual({ kind: 'hung-up', how: 'fin', closed: 17, evidence: [14, 15, 17] });
    expect(after).toBeCloseTo(0.000842, 5);
    expect([s2.diagnosis?.cause, s2.diagnosis?.evidence]).toEqual(['session-refused', [14, 15, 17]]);
    expect(s2.diagnosis!.summary).toContain(
      'accepted the TCP connection from 192.0.2.10:57926 (SYN frame 14, SYN-ACK frame 15) and closed it (frame 17) 1 ms later, before any greeting and before the client said anything',
    );
    expect(s2.diagnosis!.advice).toContain('(proftpd: MaxInstances)');
    const [summary, sessions, diagnose, explain, timeline] = await outputs(name, 'summary', 'sessions', 'diagnose', 'explain', 'timeline');
    expect(summary).toContain('session 2: The server closed the connection it had accepted (frame 17) before any greeting and before the client said anything');
    expect(sessions).toContain('none: closed by the server before greeting');
    expect(diagnose).toContain('Session 2 (session-refused)');
    expect(explain).toContain('the server closed the connection before greeting: no login or transfer could follow');
    expect(timeline).toContain('The server closes the connection before greeting: no login or transfer can follow');
    expect(await reportPage(name, tmp)).toContain('closed by the server before greeting');
  });
});
