/**
 * The fifty-first verdict audit: a capture that simply stops. Real captures end anywhere (tcpdump -c,
 * a ring buffer rotated, a capture stopped by hand); what was under way at the last packet is not yet
 * known, and must read incomplete / in progress, never failed, with no diagnosis and no advice
 * (analysis/in-flight.ts). scripts/sweep/prefix-sweep.mjs analyses every prefix of every fixture and
 * found the mechanisms these tests pin, each before → after:
 * - the control connection's one SYN at the end: "control-unanswered" → `connecting`;
 * - a login mid-way (PASS unanswered): login "failed" (✗, "the login failed") → `pending`;
 * - the server's data SYN at the end: "active-syn-unanswered" → incomplete, no diagnosis;
 * - pure-ftpd's early 226 with the data still arriving: "completed … the capture lost them" →
 *   incomplete, `arriving`;
 * - a reader's pause, its window shut 3.2 s at the end: "stalled" → incomplete, no diagnosis;
 * and, cut from committed fixtures (whole records, test/support/pcap-edit.ts): a hole not yet sent
 * again (path-loss), a sender's FIN awaiting its 226 after a long pause (stalled), a receiver's
 * reset of whole data awaiting its 426, a sender's drained reset or its FIN-then-reset awaiting the
 * 226 (aborted), a RETR or SYN-ACK as the last packet (not-in-capture, handshake-incomplete), a TLS
 * data connection's SYN (failed), a 226 whose data was not yet acknowledged (completed).
 * Frames are tshark's (NAME.tshark-*.tsv), what each client saved the recorder's (NAME.facts.json).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analysis/pipeline.js';
import { pathLoss } from '../../src/analysis/path-loss.js';
import type { Analysis } from '../../src/analysis/model.js';
import { verdictSentence } from '../../src/render/verdict-words.js';
import { runCli } from '../cli/run-cli.js';
import { filterPcap } from '../support/pcap-edit.js';
import { analyze, facts, flat, nothingFailed, outputs, path, transfer, tsv } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit51-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const num = Number;
/** tshark's per-frame rows: [frame, source port, destination port, TCP flags, payload length, window]. */
const frames = (name: string): Array<[number, number, number, number, number, number]> =>
  tsv(name, 'fields').map((r) => [num(r['frame.number']), num(r['tcp.srcport']), num(r['tcp.dstport']), num(r['tcp.flags']), num(r['tcp.len']), num(r['tcp.window_size_value'])]);
const SYN = 0x002;
const RST = 0x004;
const FIN = 0x001;
const ACK = 0x010;

/** summary --json's sessions: [control kind, login, transfers' [id, status, verdict kind, why, cause]]. */
async function json(file: string): Promise<unknown[]> {
  const r = await runCli(['summary', '--json', file]);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout).sessions.map((s: any) => [
    s.control.kind,
    s.login,
    s.diagnosis?.cause ?? null,
    s.transfers.map((t: any) => [`${s.id}.${t.id}`, t.status, t.verdict.kind, t.verdict.why ?? null, t.diagnosis?.cause ?? null]),
  ]);
}

describe('real captures stopped by tcpdump -c while the software went on (fixtures/record.sh, fifty-first audit)', () => {
  it('a51-stop-syn: only the control connection SYN is captured: connecting, not unanswered', async () => {
    const name = 'a51-stop-syn-vsftpd-lftp';
    // tshark: one packet, the client's SYN to port 21; lftp went on and saved small.bin whole.
    expect(frames(name)).toEqual([[1, 58346, 21, SYN, 0, 64240]]);
    const f = facts(name);
    expect(f.capture).toMatchObject({ packets_requested: 1, packets: 1, count_filter: 'tcp', stopped_before_transfer: true });
    expect(f.files[0]).toMatchObject({ op: 'RETR', path: 'small.bin', received_matches: true });
    const a = await analyze(name);
    // Before: control 'unanswered' and session diagnosis control-unanswered ("a firewall drops them … check that the server is up").
    expect(a.sessions[0].control).toEqual({ kind: 'connecting', synFrames: [1], evidence: [1] });
    expect(a.sessions[0].diagnosis).toBeNull();
    expect(await json(path(name))).toEqual([['connecting', 'none', null, []]]);
    const [summary, diagnose, explain, sessions] = await outputs(name, 'summary', 'diagnose', 'explain', 'sessions');
    expect(summary).not.toContain('control unanswered');
    expect(summary).not.toContain('never opened');
    expect(diagnose).toContain('No data transfers in 1 FTP session: nothing to diagnose.');
    expect(explain).toContain(
      'The capture ended while the client was opening the control connection: its SYN (frame 1) was sent less than a second before the capture\'s end, before any answer was due.',
    );
    expect(explain).toContain('the capture ended before the control connection opened: what followed is not in it');
    expect(explain).not.toMatch(/What went wrong|What to change|No command can follow/);
    expect(sessions).not.toContain('control-unanswered');
    await nothingFailed(name, tmp);
  });

  it('a51-stop-login: the capture ends on PASS, its 230 not yet come: the login is pending, not failed', async () => {
    const name = 'a51-stop-login-vsftpd-lftp';
    const ftp = tsv(name, 'ftp').map((r) => [num(r['frame.number']), r['ftp.request.command'] || r['ftp.response.code']]);
    expect(ftp).toEqual([[3, '220'], [4, 'USER'], [5, '331'], [6, 'PASS']]);
    expect(frames(name).length).toBe(6);
    expect(facts(name).capture).toMatchObject({ packets_requested: 6, packets: 6 });
    expect(facts(name).files[0]).toMatchObject({ path: 'small.bin', received_matches: true });
    const a = await analyze(name);
    const s = a.sessions[0];
    // Before: login 'failed' (the sessions table's "fxa51user ✗", explain's "the login failed, so no listing or transfer could follow").
    expect(s.login).toBe('pending');
    expect(s.loginRefusal).toBeNull();
    expect(s.diagnosis).toBeNull();
    expect(s.control.kind).toBe('opened');
    expect(await json(path(name))).toEqual([['opened', 'pending', null, []]]);
    const [summary, explain] = await outputs(name, 'summary', 'explain');
    expect(summary).toContain('fxa51user ?');
    expect(summary).not.toContain('✗');
    expect(explain).toContain('PASS **** (frame 6) → no reply in the capture.');
    expect(explain).not.toContain('the login failed');
    expect(await reportPage(name)).toContain('(login under way when the capture ended)');
    await nothingFailed(name, tmp);
  });

  it('a51-stop-port-syn: the capture ends on vsftpd\'s data SYN from port 20: incomplete, not active-syn-unanswered', async () => {
    const name = 'a51-stop-port-syn-vsftpd-tnftp';
    const ftp = tsv(name, 'ftp').map((r) => [num(r['frame.number']), r['ftp.request.command'] || r['ftp.response.code']]);
    expect(ftp.slice(-4)).toEqual([[29, '213'], [30, 'PORT'], [31, '200'], [32, 'RETR']]);
    expect(frames(name).slice(-1)).toEqual([[33, 20, 38991, SYN, 0, 64240]]);
    expect(facts(name).files[0]).toMatchObject({ path: 'hello.txt', size: 511, received_matches: true });
    const a = await analyze(name);
    const t = a.sessions[0].transfers[0];
    expect([t.request?.frame, t.connection?.synFrames, t.connection?.synAckFrames]).toEqual([32, [33], []]);
    // Before: active-syn-unanswered ("the server's SYNs to the PORT endpoint were never answered"), and the session's too.
    expect(t.status).toBe('incomplete');
    expect(t.verdict).toMatchObject({ kind: 'incomplete', why: 'capture-ended', bytes: 0, expected: 511 });
    expect(t.diagnosis).toBeNull();
    expect(a.sessions[0].diagnosis).toBeNull();
    expect(await json(path(name))).toEqual([['opened', 'logged-in', null, [['1.1', 'incomplete', 'incomplete', 'capture-ended', null]]]]);
    const [diagnose, transfers] = await outputs(name, 'diagnose', 'transfers');
    for (const text of [diagnose, transfers]) expect(text).toContain('incomplete: 0 of 511 announced bytes had moved when the capture ended, with no final reply.');
    expect(diagnose).not.toContain('active-syn-unanswered');
    await nothingFailed(name, tmp);
  });

  it('a51-stop-early-226: pure-ftpd\'s 226 came with the data still arriving at the end: incomplete (arriving), not completed', async () => {
    const name = 'a51-stop-early-226-pureftpd-curl';
    const ftp = tsv(name, 'ftp').map((r) => [num(r['frame.number']), r['ftp.request.command'] || r['ftp.response.code']]);
    expect(ftp.slice(-4)).toEqual([[23, '213'], [24, 'RETR'], [25, '150'], [86, '226']]);
    const rows = frames(name);
    expect(rows.length).toBe(200);
    const dataPort = rows[rows.length - 1][1];
    // Data from the server after its 226, to the last frame; no FIN from it.
    const after = rows.filter(([f, src, , flags, len]) => f > 86 && src === dataPort && len > 0 && (flags & FIN) === 0);
    expect(after.length).toBeGreaterThan(50);
    expect(rows.some(([, src, , flags]) => src === dataPort && (flags & FIN) !== 0)).toBe(false);
    // The server's bytes by sequence number (tshark's raw ones): its SYN-ACK's + 1 up to the last segment's end.
    const seq = tsv(name, 'fields').filter((r) => num(r['tcp.srcport']) === dataPort).map((r) => [num(r['tcp.flags']), num(r['tcp.seq_raw']), num(r['tcp.len'])]);
    const isn = seq.find(([flags]) => flags === (SYN | ACK))![1];
    const captured = Math.max(...seq.map(([, q, len]) => q + len)) - (isn + 1);
    expect(facts(name).files[0]).toMatchObject({ path: 'early.bin', size: 262144, received_matches: true });
    const a = await analyze(name);
    const t = a.sessions[0].transfers[0];
    expect(t.reply?.frame).toBe(86);
    expect(t.bytes).toBe(captured);
    // Before: completed ("completed according to the server (226, frame 86), but 104,840 of its bytes are missing
    // from the capture (157,304 captured of 262,144 announced): the capture lost them, not the transfer").
    expect(t.status).toBe('incomplete');
    expect(t.verdict).toEqual({
      kind: 'incomplete',
      bytes: captured,
      expected: 262144,
      why: 'capture-ended',
      arriving: { reply: 86, lastData: 200 },
      evidence: [...new Set([...(t.verdict.evidence.filter((f) => f < 86)), 86, 200])],
    });
    expect(t.diagnosis).toBeNull();
    const words =
      `incomplete: ${captured.toLocaleString('en-US')} of 262,144 announced bytes had arrived when the capture ended; the server had already replied 226 (frame 86), ` +
      'as it does once its data is queued, and its data was still arriving (frame 200): the capture ended before the rest of it did.';
    const [diagnose, transfers] = await outputs(name, 'diagnose', 'transfers');
    expect(diagnose).toContain(words);
    expect(transfers).toContain(words);
    expect(transfers).not.toContain('the capture lost them');
    expect(await json(path(name))).toEqual([['opened', 'logged-in', null, [['1.1', 'incomplete', 'incomplete', 'capture-ended', null]]]]);
    await nothingFailed(name, tmp);
  });

  it('a51-stop-reader-pause: the reader\'s window shut 3.2 s at the end, the first pause of the transfer: incomplete, not stalled', async () => {
    const name = 'a51-stop-reader-pause-vsftpd-python';
    const rows = frames(name);
    expect(rows.length).toBe(53);
    const ftp = tsv(name, 'ftp').map((r) => [num(r['frame.number']), r['ftp.request.command'] || r['ftp.response.code']]);
    expect(ftp.slice(-2)).toEqual([[20, 'RETR'], [21, '150']]);
    const clientPort = 36056;
    const zero = rows.filter(([, src, , , len, win]) => src === clientPort && len === 0 && win === 0).map(([f]) => f);
    // The window shut for good at frame 46; vsftpd's probes (47, 49, 50, 52) each answered with the window still shut.
    expect(zero.filter((f) => f >= 45)).toEqual([46, 48, 51, 53]);
    expect(facts(name).files[0]).toMatchObject({ path: 'paused.bin', size: 65536, received_matches: true });
    const a = await analyze(name);
    const t = a.sessions[0].transfers[0];
    expect(t.connection!.windowShut.toClient?.frame).toBe(46);
    expect(a.capture.last! - t.connection!.windowShut.toClient!.time).toBeCloseTo(3.2, 1);
    // Before: stalled ("the receiving side (client) advertised a zero window at frame 46 and kept it shut to the end of the capture, 3.2 s later … it stopped reading").
    expect(t.status).toBe('incomplete');
    expect(t.verdict).toMatchObject({ kind: 'incomplete', why: 'capture-ended', expected: 65536 });
    expect(t.diagnosis).toBeNull();
    expect(await json(path(name))).toEqual([['opened', 'logged-in', null, [['1.1', 'incomplete', 'incomplete', 'capture-ended', null]]]]);
    await nothingFailed(name, tmp);
  });
});

async function reportPage(name: string): Promise<string> {
  const html = join(tmp, `${name}.html`);
  expect((await runCli(['report', path(name), '-o', html])).code).toBe(0);
  return readFileSync(html, 'utf8');
}

/** The committed fixture cut after frame `k` (whole records), analysed and written for the CLI. */
async function cut(name: string, k: number): Promise<{ a: Analysis; file: string }> {
  const file = join(tmp, `${name}-${k}.pcap`);
  writeFileSync(file, filterPcap(readFileSync(path(name)), (r) => r.frame <= k));
  return { a: await analyzeFiles([file], { fileName: file, thread: false }), file };
}
/** The fixture's own rows of tshark's fields view, by frame. */
const row = (name: string, frame: number): Record<string, string> => tsv(name, 'fields').find((r) => num(r['frame.number']) === frame)!;

describe('committed captures cut at a frame where something was still under way (whole records)', () => {
  it('a18-gridftp-tnftp cut at RETR, at the data SYN, at its SYN-ACK: incomplete, never not-in-capture, active-syn-unanswered, handshake-incomplete', async () => {
    const name = 'a18-gridftp-tnftp';
    expect(num(row(name, 74)['tcp.flags'])).toBe(SYN);
    expect(num(row(name, 75)['tcp.flags'])).toBe(SYN | ACK);
    const full = (await analyze(name)).sessions[0].transfers.find((t) => t.request?.frame === 73)!;
    expect(full.verdict.kind).toBe('completed');
    for (const k of [73, 74, 75, 76]) {
      const { a, file } = await cut(name, k);
      const t = a.sessions[0].transfers.find((x) => x.request?.frame === 73)!;
      expect([k, t.status, t.verdict.kind, (t.verdict as { why?: string }).why, t.diagnosis]).toEqual([k, 'incomplete', 'incomplete', 'capture-ended', null]);
      expect(a.sessions[0].diagnosis).toBeNull();
      const text = flat((await runCli(['diagnose', '--no-color', file])).stdout);
      expect(text).not.toMatch(/not-in-capture|active-syn-unanswered|handshake-incomplete/);
    }
  });

  it('large-lossy-vsftpd-lftp cut at frame 2910, data sent again not yet acknowledged, still moving: incomplete, no path-loss, no "lost"', async () => {
    const { a } = await cut('large-lossy-vsftpd-lftp', 2910);
    const t = a.sessions[0].transfers.find((x) => x.request?.command === 'RETR')!;
    // What the old reading took for path loss: data sent again and not yet acknowledged when the capture
    // ended (pathLoss's evidence as a capture of no known vantage point shows it).
    expect(pathLoss(t.connection, null)).not.toBeNull();
    // Before: path-loss ("… never reached the client … lost on the path"), and verdict.lost.
    expect(t.diagnosis).toBeNull();
    expect(t.verdict).toMatchObject({ kind: 'incomplete', why: 'capture-ended' });
    expect(t.verdict).not.toHaveProperty('lost');
  });

  it('a40-upload-pause cut at frame 99, after the sender\'s FIN and the receiver\'s, before the 226 (frame 100): incomplete, not stalled', async () => {
    const name = 'a40-upload-pause-vsftpd-python';
    expect([97, 98].map((f) => num(row(name, f)['tcp.flags']) & FIN)).toEqual([FIN, FIN]);
    const { a } = await cut(name, 99);
    const t = a.sessions[0].transfers[0];
    // Before: stalled ("No data moved for 12 s, from frame 63 to frame 67"): the pause that had ended long before.
    expect([t.status, t.verdict.kind, t.diagnosis]).toEqual(['incomplete', 'incomplete', null]);
  });

  it('resets that left nothing undelivered, the reply still to come: incomplete, not aborted', async () => {
    // [fixture, cut, the transfer's command frame, the reset's flags, what the full capture says]
    const cases: Array<[string, number, number, number]> = [
      // The client (receiver) reset the download holding all 3000 stated bytes; the 426 that reports it is frame 126.
      ['a21-client-rst-now-pyftpdlib-python', 125, 117, RST | ACK],
      // The client (sender) reset its upload once every byte was acknowledged; the 226 is frame 187.
      ['a21-client-rst-pyftpdlib-python', 186, 116, RST | ACK],
      // MODE Z upload: the client's FIN (frame 121), the server's late bytes and FIN, the client's reset; the 226 is frame 126.
      ['a35-params-proftpd-python', 125, 117, RST],
    ];
    for (const [name, k, command, flags] of cases) {
      expect(num(row(name, k)['tcp.flags'])).toBe(flags);
      const full = (await analyze(name)).sessions[0].transfers.find((t) => t.request?.frame === command)!;
      expect(full.verdict.kind).toBe('completed');
      const { a } = await cut(name, k);
      const t = a.sessions[0].transfers.find((x) => x.request?.frame === command)!;
      // Before: aborted, cause aborted ("The client reset the data connection at frame …").
      expect([name, t.status, t.verdict.kind, t.diagnosis]).toEqual([name, 'incomplete', 'incomplete', null]);
    }
  });

  it('a41-frag-blackhole server side cut at frame 57, the 226 at 50 and the data unacknowledged: incomplete (arriving), not completed', async () => {
    const name = 'a41-frag-blackhole-vsftpd-python-server-side';
    const full = (await analyze(name)).sessions[0].transfers.find((t) => t.request?.frame === 38)!;
    expect([full.verdict.kind, full.diagnosis?.cause]).toEqual(['aborted', 'path-loss']);
    const { a } = await cut(name, 57);
    const t = a.sessions[0].transfers.find((x) => x.request?.frame === 38)!;
    expect(t.reply?.frame).toBe(50);
    expect(t.connection!.unacknowledgedBytes).toBeGreaterThan(0);
    // Before: completed ("completed according to the server (226, frame 50), but 24,072 … the capture lost them").
    expect([t.status, t.verdict.kind, t.diagnosis]).toEqual(['incomplete', 'incomplete', null]);
    expect(t.verdict).toMatchObject({ why: 'capture-ended', arriving: { reply: 50 } });
  });

  it('auth-ssl-vsftpd-lftp cut at frame 43, a TLS-hidden data connection\'s SYN: unknown (tls-hidden), not failed', async () => {
    const name = 'auth-ssl-vsftpd-lftp';
    expect(num(row(name, 43)['tcp.flags'])).toBe(SYN);
    const { a } = await cut(name, 43);
    const t = a.sessions[0].transfers.find((x) => x.connection?.synFrames.includes(43))!;
    // Before: failed, passive-syn-unanswered.
    expect([t.status, t.verdict.kind, t.diagnosis]).toEqual(['incomplete', 'unknown', null]);
  });

  it('ctrl-drop-vsftpd-curl cut at its first SYN, or just after its second (1.03 s later): connecting; at its third: unanswered, control-unanswered', async () => {
    const name = 'ctrl-drop-vsftpd-curl';
    const syns = tsv(name, 'fields').filter((r) => num(r['tcp.flags']) === SYN).map((r) => num(r['frame.number']));
    expect(syns).toEqual([3, 4, 5, 6, 7, 8, 9]);
    const hs = (await analyze(name)).sessions[0].controlConnection.handshake;
    expect(hs[1].time - hs[0].time).toBeCloseTo(1.03, 2);
    const first = (await cut(name, 3)).a.sessions[0];
    expect([first.control.kind, first.diagnosis]).toEqual(['connecting', null]);
    // The SYN sent once again, the capture ending with it: that copy's answer not due yet, and over a
    // long path (a 1.2 s round trip: a95-sat-data-connect-timeout) the first copy's answer comes after
    // it. Session 50: still connecting, as a data connection's SYN sent once again is (in-flight.ts).
    const second = (await cut(name, 4)).a.sessions[0];
    expect([second.control, second.diagnosis]).toEqual([{ kind: 'connecting', synFrames: [3, 4], evidence: [3, 4] }, null]);
    // Sent a third time (2.05 s after the first): missed twice, whatever came after.
    const third = (await cut(name, 5)).a.sessions[0];
    expect(third.control).toEqual({ kind: 'unanswered', synFrames: [3, 4, 5], evidence: [3, 4, 5] });
    expect(third.diagnosis?.cause).toBe('control-unanswered');
    expect((await analyze(name)).sessions[0].diagnosis?.cause).toBe('control-unanswered');
  });
});

/**
 * A refusal the capture ended on, or ended while the client's way past it was under way (curl's
 * EPSV refused by proftpd, then PASV; pyftpdlib's 227 with no address, then PORT; aioftp's MLSD
 * "500 Unknown command", then LIST; lftp closing the session after each refused EPSV and PASV and
 * logging in anew): the refusal is a fact, the failure not yet, as long as the session (or the
 * client's new one) was still going (in-flight.ts, fallback.ts). The full capture shows the client
 * fell back, no failure; cut within its fallback, the refused probe read failed ("server-refused",
 * "announce-malformed", "nat64-active") with advice, until the fallback's 226 came.
 */
describe('a refusal the capture ended on, or during the way past it (whole records)', () => {
  const name = 'fallback-epsv-denied-proftpd-curl';
  /** tshark's FTP rows of the fixture: frame → [command, reply code]. */
  const ftp = (frame: number): [string, string] => {
    const r = tsv(name, 'ftp').find((x) => num(x['frame.number']) === frame)!;
    return [r['ftp.request.command'], r['ftp.response.code']];
  };
  it('the recording: EPSV (17) refused 501 (18), PASV (19) accepted 227 (20), RETR (28), 150 (29), 226 (35); in full the EPSV fell back, no diagnosis', async () => {
    expect([ftp(17), ftp(18), ftp(19), ftp(20), ftp(28), ftp(29), ftp(35)]).toEqual([
      ['EPSV', ''], ['', '501'], ['PASV', ''], ['', '227'], ['RETR', ''], ['', '150'], ['', '226'],
    ]);
    const a = await analyze(name);
    expect([transfer(a, '1.1').status, transfer(a, '1.1').diagnosis, transfer(a, '1.2').status]).toEqual(['fell-back', null, 'complete']);
  });

  it('cut at the 501 (18), the session\'s last word: incomplete, under way at 18, no diagnosis; "failed, server-refused" before', async () => {
    const { a, file } = await cut(name, 18);
    const t = transfer(a, '1.1');
    expect([t.status, t.verdict.kind, t.diagnosis]).toEqual(['incomplete', 'incomplete', null]);
    expect(t.verdict.kind === 'incomplete' && t.verdict.underWay).toEqual({ step: 'waiting', frame: 18 });
    expect(verdictSentence(t)).toBe(
      "incomplete: the server answered EPSV with 501 (frame 18) and the capture ended before the client's next step: whether it asked another way, as clients do after such an answer, is not in the capture.",
    );
    const diag = flat((await runCli(['diagnose', '--no-color', file])).stdout);
    expect(diag).toContain('Not failures, but not the whole story either: Session 1, transfer 1 (passive, no transfer command): incomplete: the server answered EPSV with 501 (frame 18)');
    expect(diag).toContain('No failed data connections in 1 session: 1 transfer (1 incomplete).');
    expect(diag).not.toContain('server-refused');
  });

  it('cut at the PASV (19), unanswered: incomplete, under way at 19', async () => {
    const t = transfer((await cut(name, 19)).a, '1.1');
    expect([t.status, t.diagnosis, t.verdict.kind === 'incomplete' && t.verdict.underWay]).toEqual(['incomplete', null, { step: 'waiting', frame: 19 }]);
    expect(verdictSentence(t)).toBe(
      'incomplete: the server answered EPSV with 501 (frame 18); the session was still going when the capture ended (frame 19): whether the client got past the refusal another way is not in the capture.',
    );
  });

  it('cut at the 227 (20) and at the 150 (29): fell back, the fallback under way (its accepted 227; its RETR at 28); failed before', async () => {
    const at20 = transfer((await cut(name, 20)).a, '1.1');
    expect([at20.status, at20.diagnosis]).toEqual(['fell-back', null]);
    expect(at20.verdict.kind === 'fell-back' && at20.verdict.fallback).toEqual({
      command: null, frame: null, transfer: '1.2', completed: false, directory: null,
      announce: { command: 'PASV', frame: 19, lacking: false, via: [] }, accepted: { code: 227, frame: 20 }, underWay: 20,
    });
    const { a, file } = await cut(name, 29);
    const at29 = transfer(a, '1.1');
    expect([at29.status, at29.diagnosis]).toEqual(['fell-back', null]);
    expect(at29.verdict.kind === 'fell-back' && at29.verdict.fallback).toMatchObject({ command: 'RETR hello.txt', frame: 28, transfer: '1.2', underWay: 28 });
    expect(verdictSentence(at29)).toBe(
      'refused, and no failure: the server refuses EPSV (501, frame 18); the client asked with PASV instead (frame 19), which the server accepted (227, frame 20); ' +
        'it sent RETR hello.txt over it (frame 28, transfer 1.2), and the capture ended while that was still under way (frame 28): how it went is not in the capture.',
    );
    expect([transfer(a, '1.2').status, transfer(a, '1.2').diagnosis]).toEqual(['incomplete', null]);
    const explain = flat((await runCli(['explain', '--no-color', file])).stdout);
    expect(explain).toContain('which was still under way when the capture ended (transfer 1.2): no failure');
  });

  it('a18-vsftpd-aioftp: MLSD (54) answered "500 Unknown command" (55), LIST later (64, 226 at 71); cut at 55, 60 and 65: incomplete, then fell back with LIST under way; failed ("server-refused") before', async () => {
    const probe = 'a18-vsftpd-aioftp';
    const rows = tsv(probe, 'ftp').filter((r) => [54, 55, 64, 71].includes(num(r['frame.number'])));
    expect(rows.map((r) => [num(r['frame.number']), r['ftp.request.command'] || r['ftp.response.code']])).toEqual([[54, 'MLSD'], [55, '500'], [64, 'LIST'], [71, '226']]);
    const full = await analyze(probe);
    expect([transfer(full, '1.3').status, transfer(full, '1.3').diagnosis, transfer(full, '1.4').status]).toEqual(['fell-back', null, 'complete']);
    const at55 = transfer((await cut(probe, 55)).a, '1.3');
    expect([at55.status, at55.diagnosis, at55.verdict.kind === 'incomplete' && at55.verdict.underWay]).toEqual(['incomplete', null, { step: 'waiting', frame: 55 }]);
    // TYPE I (56) and EPSV (58) answered: the client still going at 60, no other way asked yet.
    const at60 = transfer((await cut(probe, 60)).a, '1.3');
    expect([at60.status, at60.diagnosis, at60.verdict.kind === 'incomplete' && at60.verdict.underWay]).toEqual(['incomplete', null, { step: 'waiting', frame: 60 }]);
    const { a, file } = await cut(probe, 65);
    const at65 = transfer(a, '1.3');
    expect([at65.status, at65.diagnosis]).toEqual(['fell-back', null]);
    expect(at65.verdict.kind === 'fell-back' && at65.verdict.fallback).toEqual({ command: 'LIST', frame: 64, transfer: '1.4', completed: false, directory: null, underWay: 64 });
    expect(verdictSentence(at65)).toBe(
      'refused, and no failure so far: the server does not recognise MLSD (500, frame 55); the client asked with LIST instead (frame 64, transfer 1.4), ' +
        'and the capture ended while that was still under way (frame 64): how it went is not in the capture.',
    );
    const zeek = (await runCli(['logs', file])).stdout;
    expect(zeek).toMatch(/\tfell-back\tto-1\.4\t/);
  });

  it("a27-chain-pyftpdlib-lftp: EPSV refused 502 (33), lftp connects anew, PASV refused 502 (64), anew again, PORT (94): cut at 64, 80 and 96 the way past each refusal is under way, never failed", async () => {
    const chain = 'a27-chain-pyftpdlib-lftp';
    const full = await analyze(chain);
    expect(full.sessions.map((s) => s.transfers.map((t) => [`${s.id}.${t.id}`, t.status, t.diagnosis?.cause ?? null])).flat()).toEqual([
      ['1.1', 'fell-back', null], ['2.1', 'fell-back', null], ['3.1', 'complete', null],
    ]);
    const at64 = (await cut(chain, 64)).a;
    const first = transfer(at64, '1.1').verdict;
    expect(first.kind === 'fell-back' && first.fallback).toEqual({
      command: null, frame: null, transfer: null, completed: false, directory: null, session: 2, underWay: 64,
    });
    expect([transfer(at64, '2.1').status, transfer(at64, '2.1').diagnosis]).toEqual(['incomplete', null]);
    const at80 = (await cut(chain, 80)).a;
    for (const id of ['1.1', '2.1']) {
      const t = transfer(at80, id);
      expect([id, t.status, t.diagnosis, t.verdict.kind === 'fell-back' && t.verdict.fallback]).toEqual([
        id, 'fell-back', null, { command: null, frame: null, transfer: null, completed: false, directory: null, session: 3, underWay: 79 },
      ]);
    }
    expect(verdictSentence(transfer(at80, '2.1'))).toBe(
      'refused, and no failure so far: the server refuses PASV (502, frame 64); the client closed that session and connected anew (session 3), ' +
        'and the capture ended while that was still under way (frame 79): how it went is not in the capture.',
    );
    const at96 = (await cut(chain, 96)).a;
    const second = transfer(at96, '2.1').verdict;
    expect(second.kind === 'fell-back' && second.fallback).toMatchObject({ announce: { command: 'PORT', frame: 94 }, transfer: '3.1', underWay: 96 });
  });

  it('a26-pasv-garbage-fallback cut at TYPE (17), its 200 (18) and the PORT (19) after the 227 with no address (16): unused, not "failed, announce-malformed"', async () => {
    const garbage = 'a26-pasv-garbage-fallback-pyftpdlib-python';
    for (const k of [17, 18, 19]) {
      const t = transfer((await cut(garbage, k)).a, '1.1');
      expect([k, t.status, t.diagnosis]).toEqual([k, 'unused', null]);
    }
    // In full the client recovered (PORT at 19, RETR's 226 at 29): unused, as in each cut.
    const full = transfer(await analyze(garbage), '1.1');
    expect([full.status, full.diagnosis]).toEqual(['unused', null]);
  });
});

describe("a split download cut before its segments overlapped (axel opens its sessions side by side)", () => {
  it('a29-axel-split-pureftpd cut at frame 1240: segment 1.1, closed by the client at 1126 past the next segment\'s start, is complete as in the full capture, not "aborted by the client"', async () => {
    const name = 'a29-axel-split-pureftpd';
    const { a } = await cut(name, 1240);
    const rows = a.sessions.flatMap((s) => s.transfers.map((t) => [`${s.id}.${t.id}`, t.restOffset, t.bytes, t.status, t.diagnosis?.cause ?? null]));
    // Session 2 and 3 opened at 0.543 s and 0.547 s, while 1.1 still downloaded; their data connections began after it closed.
    expect(rows).toEqual([
      ['1.1', 0, 1214408, 'complete', null],
      ['2.1', 1097728, 76744, 'incomplete', null],
      ['3.1', 2195456, 0, 'incomplete', null],
    ]);
    const v = a.sessions[0].transfers[0].verdict;
    expect(v.kind === 'completed' && v.segment).toEqual({ start: 0, end: 1097728, size: 3293184, next: { session: 2, transfer: 1, frame: 1145 }, closed: 1126, whole: false });
    const full = (await analyze(name)).sessions[0].transfers[0];
    expect([full.status, full.verdict.kind === 'completed' && full.verdict.segment && full.verdict.segment.closed]).toEqual(['complete', 1126]);
  });
});

describe("the client's half-close before the 226 (urllib closes its side once the data is in)", () => {
  it('a18-vsftpd-urllib cut at frame 29, the client\'s FIN on the control connection after the data\'s FIN (28), the 226 at 32 still to come: under way, not "the control connection closed"', async () => {
    const name = 'a18-vsftpd-urllib';
    expect(frames(name).filter(([f]) => f >= 28 && f <= 33).map(([f, sp, dp, flags]) => [f, sp, dp, flags])).toEqual([
      [28, 50021, 60170, FIN | 0x010], [29, 59924, 21, FIN | 0x010], [30, 60170, 50021, FIN | 0x010], [31, 50021, 60170, 0x010], [32, 21, 59924, 0x018], [33, 59924, 21, RST],
    ]);
    const t = (await cut(name, 29)).a.sessions[0].transfers[0];
    expect([t.status, t.bytes, t.diagnosis, t.verdict.kind === 'incomplete' && t.verdict.why, t.verdict.kind === 'incomplete' && t.verdict.underWay]).toEqual([
      'incomplete', 511, null, 'capture-ended', { step: 'waiting', frame: 28 },
    ]);
    // Once the 226 came (32), complete as in the full capture.
    expect((await cut(name, 32)).a.sessions[0].transfers[0].status).toBe('complete');
  });
});
