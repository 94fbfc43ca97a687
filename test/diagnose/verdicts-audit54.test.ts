/**
 * The fifty-fourth verdict audit: a capture that STARTS late (tcpdump started after the login, in
 * the middle of a transfer, a ring buffer whose first file was rotated away) must not make a false
 * verdict. scripts/sweep/suffix-sweep.mjs analysed records k..end of every fixture for many start
 * points k and compared each transfer and session with the full capture's; each mechanism it found is
 * a case here, derived from a committed real fixture by removing its leading records
 * (test/support/pcap-edit.ts), with the full capture's verdicts beside it. Frames are tshark's
 * (NAME.tshark-*.tsv) in the full capture; the derived capture numbers its frames again from 1
 * (`at`). Two real late-start captures (fixtures/record.sh, a54-*) close the file.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { analyze, derived, derivedTexts, facts, flat, ftpRows, outputs, path, type Derived } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit54-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The fixture from full-capture frame `start` on, as a capture started there (frames numbered from 1). */
const from = (name: string, start: number): Promise<Derived> => derived(tmp, name, `from-${start}`, (f) => f >= start);

/** Each transfer: [id, command, request frame, data stream, status, verdict (why), cause]. */
const rows = (a: Analysis): unknown[][] =>
  a.sessions.flatMap((s) =>
    s.transfers.map((t) => [
      `${s.id}.${t.id}`,
      t.request ? `${t.request.command} ${t.request.arg}` : null,
      t.request?.frame ?? null,
      t.connection?.stream ?? null,
      t.status,
      t.verdict.kind + ('why' in t.verdict ? `:${t.verdict.why}` : ''),
      t.diagnosis?.cause ?? null,
    ]),
  );
/** Each session: [id, control verdict, login, cause]. */
const sessionRows = (a: Analysis): unknown[][] => a.sessions.map((s) => [s.id, s.control.kind, s.login, s.diagnosis?.cause ?? null]);

/** Outputs of a capture file, flattened, and summary --json's per-transfer [id, verdict, cause]. */
const texts = (file: string, ...commands: string[]): Promise<{ out: Record<string, string>; json: unknown[][] }> => derivedTexts(file, commands);

const LOGIN = 'a54-late-login-vsftpd-python';

describe('a capture that starts late: what came before it is no evidence', () => {
  it('a 227 whose PASV came before the capture announces its endpoint: the RETR reads completed, not "data not captured"', async () => {
    // The capture starts at the 227 (frame 6): its PASV (frame 5) is not in it. Before: the 227
    // answered nothing, so the RETR had no announcement, was taken for active mode, and read
    // "complete (replies; data not captured)" (not-captured) beside its own data connection (stream 1,
    // SYN frame 7) in the capture. The sweep found it at the 227 of 174 fixtures.
    expect(ftpRows(LOGIN, '0').slice(0, 6)).toEqual([[1, 'TYPE'], [3, '200'], [5, 'PASV'], [6, '227'], [10, 'RETR'], [11, '150']]);
    const full = await analyze(LOGIN);
    const d = await from(LOGIN, 6);
    expect(rows(d.a)).toEqual([
      ['1.1', 'RETR late.bin', d.at(10), 1, 'complete', 'completed', null],
      ['1.2', 'STOR a54up.bin', d.at(52), 2, 'complete', 'completed', null],
      ['1.3', 'RETR missing.bin', d.at(84), 3, 'failed', 'failed', 'server-refused'],
    ]);
    expect(rows(d.a).map((r) => r.slice(4))).toEqual(rows(full).map((r) => r.slice(4)));
    const t = d.a.sessions[0].transfers[0];
    expect([t.mode, t.announce?.command, t.announce?.frame, t.announce?.endpoint, t.connection?.synFrame, t.bytes, t.reply?.frame]).toEqual([
      'passive', 'PASV', d.at(6), { ip: '198.51.100.20', port: 50059 }, d.at(7), 20000, d.at(43),
    ]);
    expect(t.verdict.evidence).toEqual([6, 7, 8, 10, 43].map(d.at));
    const { out, json } = await texts(d.file, 'summary', 'transfers', 'explain');
    expect(json).toEqual([['1.1', 'completed', null], ['1.2', 'completed', null], ['1.3', 'failed', 'server-refused']]);
    expect(out.summary).toContain('1.1 passive RETR late.bin 198.51.100.20:50059 20000 226 complete');
    expect(out.summary).not.toMatch(/not captured/);
    expect(out.transfers).toContain('completed: 20,000 bytes, all in the capture (226, frame 38)');
    expect(out.explain).not.toMatch(/not captured|not in the capture/);
  });

  it('a 227 whose PASV came before the capture, that nothing used: unused, not "nobody connected" — whether the client was still there is not in the capture', async () => {
    // ncftp's PASV (frame 45) after pyftpdlib's 421 (41): ncftp had closed the control connection
    // before the 227 (47) came; the full capture reads that announcement unused. From frame 47 on,
    // the 227 announces its endpoint (as above), and the session's first close in the capture comes
    // after it: read as the client moving on, it made the announcement failed, passive-unreached
    // ("nobody connected to the passive endpoint"). Its PASV, and the client's close, came before.
    const name = 'fail-passive-drop-pyftpdlib-ncftp';
    expect(ftpRows(name, '0').slice(-4)).toEqual([[34, '227'], [41, '421'], [45, 'PASV'], [47, '227']]);
    const full = await analyze(name);
    expect(rows(full)[1]).toEqual(['1.2', null, null, null, 'unused', 'unused', null]);
    const d = await from(name, 47);
    expect(rows(d.a)).toEqual([['1.1', null, null, null, 'unused', 'unused', null]]);
    const t = d.a.sessions[0].transfers[0];
    expect([t.announce?.frame, t.announce?.endpoint, t.announce?.askedBeforeCapture]).toEqual([1, { ip: '198.51.100.20', port: 50096 }, true]);
    expect(sessionRows(d.a)).toEqual([[1, 'midstream', 'none', null]]);
  });

  it('a RETR whose PASV, 227 and data SYN came before the capture takes its data connection: mid-stream, not "not in the capture"', async () => {
    // The capture starts at the RETR (frame 10): PASV/227 (5, 6) and the data connection's SYN,
    // SYN-ACK, ACK (7-9) are before it. Before: the RETR read "complete (replies; data not
    // captured)", and its data connection (stream 1, 20,000 bytes) became a second transfer of its
    // own, inferred mid-stream with no command. Now the RETR takes that connection (by hosts and
    // timing): one transfer, mid-stream, its bytes those the capture holds, no diagnosis.
    const d = await from(LOGIN, 10);
    expect(rows(d.a)).toEqual([
      ['1.1', 'RETR late.bin', 1, 1, 'complete', 'unknown:midstream', null],
      ['1.2', 'STOR a54up.bin', d.at(52), 2, 'complete', 'completed', null],
      ['1.3', 'RETR missing.bin', d.at(84), 3, 'failed', 'failed', 'server-refused'],
    ]);
    const t = d.a.sessions[0].transfers[0];
    expect([t.mode, t.announce, t.connection?.synFrame, t.connection?.midstream, t.connection?.match, t.bytes, t.reply?.code, t.reply?.frame]).toEqual([
      'passive', null, null, true, 'hosts', 20000, 226, d.at(43),
    ]);
    expect(t.verdict.evidence).toEqual([10, 43].map(d.at));
    expect(sessionRows(d.a)).toEqual([[1, 'midstream', 'none', null]]);
    const { out, json } = await texts(d.file, 'summary', 'transfers', 'diagnose');
    expect(json).toEqual([['1.1', 'unknown', null], ['1.2', 'completed', null], ['1.3', 'failed', 'server-refused']]);
    expect(out.summary).toContain('1.1 passive RETR late.bin 198.51.100.20:50059 ? 20000 226 mid-stream');
    expect(out.summary).not.toMatch(/not-in-capture|data not captured/);
    expect(out.transfers).toMatch(/Transfer 1\.1: passive, RETR late\.bin — mid-stream/);
    expect(out.diagnose).not.toMatch(/not-in-capture|no such connection/);
    expect(t.verdict).toMatchObject({ kind: 'unknown', why: 'midstream', bytes: 20000, command: 1 });
    const sentence = `unknown: its data connection was already open when the capture began (mid-stream): 20,000 bytes captured after its command (frame 1); how the connection opened, and any bytes before the capture, are not in it; the server's 226 (frame ${d.at(43)}) says how it ended.`;
    expect(out.diagnose).toContain(`Session 1, transfer 1 (RETR late.bin): ${sentence}`);
    expect(out.transfers).toContain(flat(sentence));
    expect(t.announcedBeforeCapture).toBe(true);
    expect(out.transfers).toContain('announced PASV/EPSV before the capture began (the data connection linked by hosts and timing)');
  });

  it('a data connection seen mid-stream had opened: its reset by the server reads aborted on that evidence, not "failed" as a connection that never opened', async () => {
    // pyftpdlib killed mid-RETR: its data connection (stream 1) reset by the server at frame 93 after
    // 65,536 bytes, no final reply. From frame 22 (the RETR) on, the data connection is seen mid-stream
    // (its SYN at 19). Before: the RETR read not-captured, diagnosed not-in-capture ("no such
    // connection … is in the capture") beside its own data connection. Linked to it, the rule for a
    // connection that never opened (no SYN-ACK, a reset) took it for one: "failed." with no cause. It
    // opened before the capture: the server's reset in the capture is the evidence, aborted by the
    // server as in the full capture.
    const name = 'a21-server-killed-pyftpdlib-python';
    expect(ftpRows(name, '0').slice(-4)).toEqual([[18, '227'], [22, 'RETR'], [23, '150'], [95, 'QUIT']]);
    const full = await analyze(name);
    expect(rows(full)).toEqual([['1.1', 'RETR w256k.bin', 22, 1, 'aborted', 'aborted', 'aborted']]);
    expect(full.sessions[0].transfers[0].diagnosis!.evidence).toEqual([18, 19, 20, 22, 93, 94]);
    const d = await from(name, 22);
    expect(rows(d.a)).toEqual([['1.1', 'RETR w256k.bin', 1, 1, 'aborted', 'aborted', 'aborted']]);
    const t = d.a.sessions[0].transfers[0];
    expect([t.bytes, t.connection?.midstream, t.connection?.rst?.frame, t.reply, t.verdict]).toEqual([
      65536, true, d.at(93), null, { kind: 'aborted', by: 'server', bytes: 65536, expected: null, cause: 'aborted', evidence: [22, 93].map(d.at) },
    ]);
    const { out, json } = await texts(d.file, 'summary', 'transfers', 'diagnose');
    expect(json).toEqual([['1.1', 'aborted', 'aborted']]);
    expect(out.summary).toContain('1.1 passive RETR w256k.bin 198.51.100.20:50072 ? 65536 - aborted (server) [1]');
    expect(out.transfers).toContain('aborted by the server after 65,536 bytes.');
    expect(out.diagnose).toContain(`The server reset the data connection at frame ${d.at(93)}. 65536 bytes had been transferred.`);
    expect(out.diagnose).toContain(`Evidence: frames ${d.at(22)}, ${d.at(93)}`);
  });

  it('a 226 after a data connection that began before the capture is no proof the bytes were whole: mid-stream, not completed', async () => {
    // pyftpdlib resets the data connection (frame 102) after 72,272 of 262,144 bytes, then says 226
    // (frame 103): the full capture reads aborted by the server (SIZE said 262144, frame 16). From
    // frame 22 (the RETR) on, the SIZE, PASV and data SYN are gone: the linked connection began before
    // the capture, so its 226 says nothing of whole bytes — unknown (mid-stream), never completed.
    const name = 'a21-retr-rst-early-pyftpdlib-python';
    expect(ftpRows(name, '0').slice(7, 13)).toEqual([[15, 'SIZE'], [16, '213'], [17, 'PASV'], [18, '227'], [22, 'RETR'], [23, '150']]);
    const full = await analyze(name);
    expect(rows(full)).toEqual([['1.1', 'RETR w256k.bin', 22, 1, 'aborted', 'aborted', 'aborted']]);
    const d = await from(name, 22);
    expect(rows(d.a)).toEqual([['1.1', 'RETR w256k.bin', 1, 1, 'complete', 'unknown:midstream', null]]);
    const t = d.a.sessions[0].transfers[0];
    expect([t.bytes, t.connection?.rst?.frame, t.reply?.frame]).toEqual([72272, d.at(102), d.at(103)]);
    const { out, json } = await texts(d.file, 'summary', 'transfers');
    expect(json).toEqual([['1.1', 'unknown', null]]);
    expect(out.summary).toContain('1.1 passive RETR w256k.bin 198.51.100.20:50025 ? 72272 226 mid-stream');
    expect(out.transfers).not.toMatch(/completed:/);
  });
});

describe('a data connection of a session the capture holds nothing else of', () => {
  it('is not given to a session whose control connection opened after it: no transfer ended by a greeting, the session\'s diagnosis kept', async () => {
    // Session 1 (tcp.stream 0) RETR stopped.bin (frame 20), its data connection tcp.stream 1 (SYN 17)
    // stalls; session 2 (tcp.stream 2) opens at frame ~46, 220 at 48, RETR unread.bin at 65, which
    // stalls too. From frame 30 on, session 1's control connection sends nothing more: its data
    // connection is seen mid-stream and no session of its own is in the capture. Before: it became a
    // transfer of session 2 (the first session between the hosts), inferred mid-stream and "ended" by
    // session 2's 220 greeting (frame 48), so session 2 had a transfer that did not fail and lost its
    // diagnosis (stalled). A data connection does not come before its session's control connection.
    const name = 'a40-stalled-beside-slow-vsftpd';
    const full = await analyze(name);
    expect(sessionRows(full).slice(0, 2)).toEqual([[1, 'opened', 'logged-in', 'stalled'], [2, 'opened', 'logged-in', 'stalled']]);
    const d = await from(name, 30);
    expect(sessionRows(d.a)).toEqual([[1, 'opened', 'logged-in', 'stalled'], [2, 'opened', 'logged-in', null]]);
    expect(rows(d.a)).toEqual([
      ['1.1', 'RETR unread.bin', d.at(65), 3, 'incomplete', 'incomplete:capture-ended', 'stalled'],
      ['2.1', 'RETR slow.bin', d.at(120), 5, 'incomplete', 'incomplete:capture-ended', null],
    ]);
    expect(rows(d.a).map((r) => r.slice(4))).toEqual(rows(full).slice(1).map((r) => r.slice(4)));
    expect(d.a.sessions.flatMap((s) => s.transfers).some((t) => t.reply?.code === 220)).toBe(false);
  });
});

describe('an ABOR beside a data connection that began before the capture', () => {
  it('lftp pget\'s late ABOR (its segment whole, 226): mid-stream, not "aborted by the client" on an ABOR that came once the data was done', async () => {
    // The third segment's session (tcp.stream 2): PASV/227 (156, 157), data SYN 158, REST 87382 (161),
    // RETR r256k.bin (163), 150, ABOR (276) once its 174,762 bytes were in, 226 (325): the full
    // capture reads it completed (a segment: the next one began where it stopped), the ABOR a late
    // one. From frame 163 on, the PASV, the SYN and the REST are gone. Before: the RETR read "aborted
    // (client)", diagnosed aborted, its data "not seen in the capture". Now it takes its data
    // connection (seen mid-stream): whether the data was whole when the ABOR came is not in the
    // capture, the 226 stands: unknown (mid-stream), no diagnosis.
    const name = 'pget-segment-reset-vsftpd-lftp';
    expect(ftpRows(name, '2').filter(([f]) => f >= 156 && f <= 325 && f !== 274 && f !== 275)).toEqual([[156, 'PASV'], [157, '227'], [161, 'REST'], [162, '350'], [163, 'RETR'], [164, '150'], [276, 'ABOR'], [325, '226']]);
    const full = await analyze(name);
    expect(rows(full)[3]).toEqual(['3.1', 'RETR r256k.bin', 163, 4, 'complete', 'completed', null]);
    const d = await from(name, 163);
    expect(rows(d.a)[0]).toEqual(['1.1', 'RETR r256k.bin', 1, 1, 'complete', 'unknown:midstream', null]);
    const t = d.a.sessions[0].transfers[0];
    expect([t.abortFrame, t.bytes, t.reply?.frame, t.connection?.midstream, t.verdict.evidence]).toEqual([d.at(276), 174762, d.at(325), true, [163, 276, 325].map(d.at)]);
    const { out, json } = await texts(d.file, 'summary');
    expect(json[0]).toEqual(['1.1', 'unknown', null]);
    expect(out.summary).toContain('1.1 passive RETR r256k.bin 198.51.100.20:50039 ? 174762 226 mid-stream');
    expect(out.summary).not.toMatch(/aborted/);
  });
});

describe('a capture that starts at the data connection\'s SYN-ACK or SYN', () => {
  it('the connection whose SYN came before the capture is the RETR\'s, with its data\'s timing: in progress when the capture ended, not "not in the capture", not stalled', async () => {
    // curl's EPSV/229 (frames 17, 18) and its data SYN (19) are before frame 20, the vsftpd's SYN-ACK;
    // TYPE, SIZE (213 150000) and RETR first.bin (26) follow; vsftpd's rate limit pauses the data at
    // 131,072 bytes and the capture ends 12 s later. Before: the RETR read "started (replies; data
    // not captured)", diagnosed not-in-capture, beside its own data connection (stream 0). Linked
    // without its data's timing (a connection routed as "other" kept none), it read stalled ("no
    // data moved for 12 s, from frame 7"). Now: as the full capture, incomplete when the capture ended.
    const name = 'a46-rate-pause-cut-vsftpd-curl';
    expect(ftpRows(name, '0').slice(7, 13)).toEqual([[17, 'EPSV'], [18, '229'], [22, 'TYPE'], [23, '200'], [24, 'SIZE'], [25, '213']]);
    const full = await analyze(name);
    const d = await from(name, 20);
    expect(rows(d.a).map((r) => r.slice(4))).toEqual(rows(full).map((r) => r.slice(4)));
    expect(rows(d.a)[0]).toEqual(['1.1', 'RETR first.bin', d.at(26), 0, 'incomplete', 'incomplete:capture-ended', null]);
    const t = d.a.sessions[0].transfers[0];
    expect([t.mode, t.announcedBeforeCapture, t.connection?.synFrame, t.connection?.synAckFrames, t.connection?.midstream, t.connection?.lastData?.frame, t.bytes, t.expectedSize]).toEqual([
      'passive', true, null, [1], false, d.at(289), 131072, 150000,
    ]);
    expect(t.verdict.evidence).toEqual([20, 26, 289, 290].map(d.at));
    const { out, json } = await texts(d.file, 'summary', 'transfers', 'diagnose');
    expect(json.slice(0, 1)).toEqual([['1.1', 'incomplete', null]]);
    expect(out.summary).toContain('1.1 passive RETR first.bin 198.51.100.20:50010 ? 131072 - incomplete 131,072/150,000');
    const sentence = `incomplete: 131,072 of 150,000 announced bytes had moved when the capture ended, with no final reply; the server had sent nothing for the last 12 s (since frame ${d.at(289)}), every byte acknowledged with the client's window open (frame ${d.at(290)})`;
    expect(out.transfers).toContain(sentence);
    expect(out.diagnose).toContain(`Session 1, transfer 1 (RETR first.bin): ${sentence}`);
    expect(out.diagnose).not.toMatch(/stalled|not-in-capture/);
    // From the data SYN (frame 19) on, the capture's first packet: the connection opened before any
    // packet of its session was in the capture, kept to the end with its data's timing all the same.
    const e = await from(name, 19);
    expect(rows(e.a)[0]).toEqual(['1.1', 'RETR first.bin', e.at(26), 0, 'incomplete', 'incomplete:capture-ended', null]);
    const u = e.a.sessions[0].transfers[0];
    expect([u.connection?.synFrame, u.connection?.lastData?.frame, u.verdict.evidence]).toEqual([e.at(19), e.at(289), [19, 20, 26, 289, 290].map(e.at)]);
  });
});

describe('real captures started late (fixtures/record.sh a54-*)', () => {
  it('tcpdump started after the login (the client waited for it): mid-stream session, RETR and STOR completed, the 550 failed', async () => {
    const f = facts(LOGIN);
    expect(f.client.exit_status).toBe(0);
    expect(f.files.map((x: any) => [x.op, x.path, x.size ?? null, x.received_matches ?? null])).toEqual([['RETR', 'late.bin', 20000, true], ['STOR', 'a54up.bin', 12000, true], ['RETR', 'missing.bin', null, null]]);
    const a = await analyze(LOGIN);
    expect(sessionRows(a)).toEqual([[1, 'midstream', 'none', null]]);
    expect(rows(a)).toEqual([
      ['1.1', 'RETR late.bin', 10, 1, 'complete', 'completed', null],
      ['1.2', 'STOR a54up.bin', 52, 2, 'complete', 'completed', null],
      ['1.3', 'RETR missing.bin', 84, 3, 'failed', 'failed', 'server-refused'],
    ]);
    expect(a.sessions[0].transfers.map((t) => t.bytes)).toEqual([20000, 12000, 0]);
    expect(a.sessions[0].transfers[2].diagnosis!.evidence).toEqual([80, 81, 82, 84, 85, 90]);
    const [summary, diagnose] = await outputs(LOGIN, 'summary', 'diagnose');
    expect(summary).not.toMatch(/no greeting|unanswered|login failed/i);
    expect(diagnose).toMatch(/server-refused/);
    expect(diagnose).not.toMatch(/greeting|login-failed|control-unanswered/);
  });

  it('tcpdump started in the middle of a 4 MiB RETR (once 1 MiB was saved): mid-stream, not failed; the next RETR completed', async () => {
    const name = 'a54-late-retr-vsftpd-curl';
    const f = facts(name);
    expect(f.client.exit_status).toBe(0);
    expect(f.files.map((x: any) => [x.path, x.size, x.sha256, x.received_matches])).toEqual([
      ['big4m.txt', 4194304, '70de5dae43888694754b6fd306fa7b619f47a02126ec51c58aa717aa632e7ad5', true],
      ['after.bin', 3000, 'd77191b959532b58f3508ccfc72d1786410a6b98781c3a2c83c0b94669f57891', true],
    ]);
    expect(f.capture.data_bytes_in_capture).toBe(3083568);
    // The capture's first control-connection line is the 226 that ends the first RETR (frame 2246).
    expect(ftpRows(name, '1').slice(0, 3)).toEqual([[2246, '226'], [2248, 'EPSV'], [2249, '229']]);
    const a = await analyze(name);
    expect(sessionRows(a)).toEqual([[1, 'midstream', 'none', null]]);
    expect(rows(a)).toEqual([
      ['1.1', null, null, 0, 'complete', 'unknown:midstream', null],
      ['1.2', 'RETR after.bin', 2255, 2, 'complete', 'completed', null],
    ]);
    const [first, second] = a.sessions[0].transfers;
    expect([first.bytes, first.reply?.frame, first.verdict.evidence]).toEqual([3080192, 2246, [2246]]);
    expect([second.bytes, second.reply?.frame, second.verdict.evidence]).toEqual([3000, 2266, [2249, 2250, 2251, 2255, 2266]]);
    const [summary, transfers] = await outputs(name, 'summary', 'transfers');
    expect(summary).toContain('1.1 passive - 198.51.100.20:50047 ? 3080192 226 mid-stream');
    expect(summary).toContain('1.2 passive RETR after.bin 198.51.100.20:50054 3000 226 complete');
    expect(transfers).toContain('already running when the capture began (mid-stream): 3,080,192');
    expect(summary + transfers).not.toMatch(/failed|aborted|no greeting|not captured/i);
  });
});
