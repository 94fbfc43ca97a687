/**
 * The fifty-fifth verdict audit: what audit 53 left of the drop sweep (scripts/sweep/drop-sweep.mjs)
 * — false verdicts when a capture misses packets. Each case removes whole records from a committed
 * real fixture (audit-fixtures.ts derived), as a kernel's or a SPAN port's drops would, and compares
 * the verdicts with the full capture's. Frames are tshark's (NAME.tshark-*.tsv) in the full capture;
 * the derived capture numbers its frames again, one less for each removed frame before (`at`).
 *
 * The rule: what the capture cannot show reads as not known, never as a failure with a cause and
 * advice; a transfer whose evidence is still sufficient stays completed.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { analyzeFiles } from '../../src/analysis/pipeline.js';
import { TlsKeyLog } from '../../src/tls/keylog.js';
import { runCli } from '../cli/run-cli.js';
import { analyze, derived, derivedTexts, flat, ftpRows, tsv, type Derived } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit55-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const FIXTURES = join(__dirname, '../../fixtures');

/** The fixture without the records `drop` (full-capture frame numbers), as a capture that missed them. */
const without = (name: string, drop: number[]): Promise<Derived> => derived(tmp, name, `without-${drop.join('-')}`, (f) => !drop.includes(f));

/** Each transfer: [id, status, verdict, cause]. */
const rows = (a: Analysis): unknown[][] =>
  a.sessions.flatMap((s) => s.transfers.map((t) => [`${s.id}.${t.id}`, t.status, t.verdict.kind, t.diagnosis?.cause ?? null]));
/** Each session: [id, cause, control verdict, login]. */
const sessionRows = (a: Analysis): unknown[][] => a.sessions.map((s) => [s.id, s.diagnosis?.cause ?? null, s.control.kind, s.login]);

/** Outputs of the derived capture, flattened; summary --json's per-transfer [id, status, verdict, why, cause] last. */
const texts = (file: string, ...commands: string[]): Promise<{ out: Record<string, string>; json: unknown[][] }> =>
  derivedTexts(file, commands, (s, t) => [`${s.id}.${t.id}`, t.status, t.verdict.kind, t.verdict.why ?? null, t.diagnosis?.cause ?? null]);

const field = (name: string, frame: number): Record<string, string> => tsv(name, 'fields').find((r) => Number(r['frame.number']) === frame)!;
/** Words that call a transfer or a session failed (diagnose's closing count, "No failed data connections", aside). */
const FAILED = /\b(failed|aborted|cut short|server-refused|refused the command|login-failed|refused the login)\b/i;
const noFailure = (text: string): void => expect(text.replace(/No failed data connections/g, '')).not.toMatch(FAILED);

describe("lftp's reconnect chain (EPSV refused, reconnect, PASV refused, reconnect, PORT) with a PORT the capture lost", () => {
  const name = 'a27-chain-pyftpdlib-lftp';

  it('the chain as recorded: three sessions, EPSV and PASV refused (502), then PORT and RETR over it', async () => {
    expect(ftpRows(name, '0').filter(([f]) => f >= 32 && f <= 33)).toEqual([[32, 'EPSV'], [33, '502']]);
    expect(ftpRows(name, '1').filter(([f]) => f >= 63 && f <= 64)).toEqual([[63, 'PASV'], [64, '502']]);
    expect(ftpRows(name, '2').filter(([f]) => f >= 92)).toEqual([[92, 'TYPE'], [93, '200'], [94, 'PORT'], [98, '200'], [99, 'RETR'], [100, '125'], [106, '226'], [108, 'QUIT'], [109, '221']]);
    expect(rows(await analyze(name))).toEqual([
      ['1.1', 'fell-back', 'fell-back', null],
      ['2.1', 'fell-back', 'fell-back', null],
      ['3.1', 'complete', 'completed', null],
    ]);
  });

  it('PORT not captured (frame 94): EPSV and PASV still fell back — to a command the capture lost, which RETR used — not "failed: server-refused"', async () => {
    // Before: transfers 1.1 and 2.1 failed with server-refused, sessions 1 and 2 diagnosed: the chain
    // had to reach an announcement in the capture; session 3 had none (its PORT lost), only a RETR.
    const full = await analyze(name);
    const d = await without(name, [94]);
    expect(rows(d.a).slice(0, 2)).toEqual(rows(full).slice(0, 2));
    expect(sessionRows(d.a)).toEqual(sessionRows(full));
    const [epsv, pasv] = [d.a.sessions[0].transfers[0], d.a.sessions[1].transfers[0]];
    expect(epsv.verdict).toMatchObject({
      kind: 'fell-back',
      code: 502,
      reply: 33,
      fallback: {
        command: 'RETR hello.txt',
        frame: d.at(99),
        code: 226,
        replyFrame: d.at(106),
        transfer: '3.1',
        completed: true,
        announce: { command: null, frame: null, lacking: true, via: [{ command: 'PASV', frame: 63, code: 502, replyFrame: 64, transfer: '2.1' }] },
      },
    });
    expect(pasv.verdict).toMatchObject({ kind: 'fell-back', fallback: { transfer: '3.1', announce: { command: null, via: [] } } });
    // The RETR itself: its data connection is not linked without the PORT, and is in the capture
    // beside the session: the 226 alone does not say its data came whole (audit 57, announce-lost.ts).
    expect(d.a.sessions[2].transfers[0]).toMatchObject({ announce: null, status: 'incomplete', reply: { code: 226, frame: d.at(106) }, verdict: { kind: 'unknown', why: 'announce-lost' } });
    const { out, json } = await texts(d.file, 'summary', 'transfers', 'diagnose', 'explain');
    expect(json.slice(0, 2)).toEqual([
      ['1.1', 'fell-back', 'fell-back', null, null],
      ['2.1', 'fell-back', 'fell-back', null, null],
    ]);
    const told =
      'refused, and no failure: the server does not implement EPSV (502, frame 33); the client asked with PASV (frame 63, transfer 2.1, refused too: 502, frame 64), ' +
      'then another command instead, which the capture lost, and RETR hello.txt (frame 98, transfer 3.1) over it completed (226, frame 105). Nothing to change.';
    expect(out.transfers).toContain(told);
    expect(out.diagnose).toContain(`Session 1, transfer 1 (passive, no transfer command): ${told}`);
    expect(out.transfers).toContain(
      'refused, and no failure: the server does not implement PASV (502, frame 64); the client asked with another command instead, which the capture lost, and RETR hello.txt (frame 98, transfer 3.1) over it completed (226, frame 105). Nothing to change.',
    );
    expect(out.summary).toContain('1.1 passive - - - - refused, fell back to RETR');
    expect(out.explain).toContain('transfer 1 refused, fell back to RETR, which completed: no failure.');
    for (const text of Object.values(out)) expect(text).not.toMatch(/server-refused|No transfer of session [12] succeeded/);
  });

  it("the PORT's 200 not captured (frame 98): the chain fell back to PORT, which RETR used and completed", async () => {
    // Before: 1.1 and 2.1 failed with server-refused: an accepted announcement had to have its answer in the capture.
    const full = await analyze(name);
    const d = await without(name, [98]);
    expect(rows(d.a)).toEqual(rows(full));
    expect(sessionRows(d.a)).toEqual(sessionRows(full));
    const port = d.a.sessions[2].commands.find((c) => c.command === 'PORT')!;
    expect([port.reply, port.noReply]).toEqual([null, { why: 'capture-gap', gap: d.at(99), later: { command: 'RETR', frame: d.at(99) }, evidence: [94, d.at(99)] }]);
    expect(d.a.sessions[0].transfers[0].verdict).toMatchObject({
      kind: 'fell-back',
      fallback: { command: 'RETR hello.txt', frame: d.at(99), code: 226, transfer: '3.1', completed: true, announce: { command: 'PORT', frame: 94 } },
    });
    const { out } = await texts(d.file, 'transfers', 'diagnose');
    expect(out.transfers).toContain('then PORT instead (frame 94), and RETR hello.txt (frame 98, transfer 3.1) over it completed (226, frame 105). Nothing to change.');
    for (const text of Object.values(out)) expect(text).not.toMatch(/server-refused/);
  });

  it('the 230 and the next command (OPTS UTF8 ON) lost together (frames 19, 20): the OPTS\'s 501 is not a refused login — the login is not known', async () => {
    // Before: session 1 diagnosed login-failed: "it answered PASS (frame 18) with 501 Invalid argument".
    // The server's 501 (frame 21) acknowledged client bytes the capture never delivered (the OPTS).
    expect(ftpRows(name, '0').filter(([f]) => f >= 16 && f <= 23)).toEqual([[16, 'USER'], [17, '331'], [18, 'PASS'], [19, '230'], [20, 'OPTS'], [21, '501'], [22, 'OPTS'], [23, '200']]);
    expect(Number(field(name, 21)['tcp.ack_raw']) - Number(field(name, 20)['tcp.seq_raw'])).toBe(Number(field(name, 20)['tcp.len']));
    const full = await analyze(name);
    const d = await without(name, [19, 20]);
    expect(rows(d.a)).toEqual(rows(full));
    expect(sessionRows(d.a)).toEqual([[1, null, 'opened', 'unknown'], ...sessionRows(full).slice(1)]);
    const s = d.a.sessions[0];
    const pass = s.commands.find((c) => c.command === 'PASS')!;
    expect([pass.reply, pass.noReply]).toEqual([null, { why: 'capture-gap', gap: d.at(21), later: { command: null, frame: d.at(21) }, evidence: [18, d.at(21)] }]);
    // The 501 answers the command the capture lost: nothing waited for it.
    expect(s.commands.filter((c) => c.command === null).map((c) => [c.reply?.code, c.reply?.frame])).toEqual([[220, 6], [501, d.at(21)]]);
    expect(s.loginRefusal).toBeNull();
    const { out } = await texts(d.file, 'summary', 'diagnose', 'explain');
    expect(out.summary).toContain('1 192.0.2.10:41670 198.51.100.20:21 fxa27user ?');
    for (const text of Object.values(out)) expect(text).not.toMatch(/login-failed|refused the login/);
  });
});

describe('a PORT the capture lost after refused announcements in one session (tnftp: EPSV, PASV refused, then PORT)', () => {
  it('the RETR does not take the refused PASV as its announcement: EPSV and PASV fell back; the RETR keeps its own refusal (550)', async () => {
    // Before: the RETR took PASV's refused announcement (the reopen of a standing one), so 1.1 failed
    // with server-refused and the RETR read "passive".
    const name = 'a27-chain-missing-pyftpdlib-tnftp';
    expect(ftpRows(name, '0').filter(([f]) => f >= 24)).toEqual([[24, 'EPSV'], [25, '502'], [26, 'PASV'], [27, '502'], [28, 'PORT'], [32, '200'], [33, 'RETR'], [34, '550'], [36, 'QUIT'], [37, '221']]);
    const full = await analyze(name);
    expect(rows(full)).toEqual([
      ['1.1', 'fell-back', 'fell-back', null],
      ['1.2', 'fell-back', 'fell-back', null],
      ['1.3', 'failed', 'failed', 'server-refused'],
    ]);
    const d = await without(name, [28]);
    expect(rows(d.a)).toEqual(rows(full));
    expect(sessionRows(d.a)).toEqual(sessionRows(full));
    const [, pasv, retr] = d.a.sessions[0].transfers;
    expect([pasv.request, retr.announce, retr.request?.command, retr.reply?.code]).toEqual([null, null, 'RETR', 550]);
    expect(d.a.sessions[0].transfers[0].verdict).toMatchObject({
      kind: 'fell-back',
      fallback: { command: 'RETR missing.txt', code: 550, transfer: '1.3', completed: false, announce: { command: null, via: [{ command: 'PASV', frame: 26 }] } },
    });
    const { out } = await texts(d.file, 'transfers', 'diagnose');
    expect(out.transfers).toContain(
      'refused, and no failure: the server does not implement EPSV (502, frame 25); the client asked with PASV (frame 26, transfer 1.2, refused too: 502, frame 27), then another command instead, which the capture lost, which the server accepted, and RETR missing.txt (frame 32, transfer 1.3) over it was then refused for its own reason (550, frame 33): that refusal is transfer 1.3\'s failure, not this one\'s.',
    );
  });
});

describe('a command the server lacks, and the transfer command the client fell back to lost by the capture', () => {
  it('aioftp → vsftpd, MLSD refused (500), then LIST lost (frame 32): its 150 and 226 show the server took the client\'s next transfer command — MLSD fell back, not "failed: server-refused"', async () => {
    // Before: 1.1 failed with server-refused: the fallback had to be a transfer command in the capture.
    const name = 'a18-vsftpd-aioftp';
    expect(ftpRows(name, '0').filter(([f]) => f >= 22 && f <= 39)).toEqual([[22, 'MLSD'], [23, '500'], [24, 'TYPE'], [25, '200'], [26, 'EPSV'], [28, '229'], [32, 'LIST'], [33, '150'], [39, '226']]);
    const full = await analyze(name);
    const d = await without(name, [32]);
    expect(rows(d.a)[0]).toEqual(rows(full)[0]);
    expect(sessionRows(d.a)).toEqual(sessionRows(full));
    const [mlsd, lost] = d.a.sessions[0].transfers;
    expect([lost.inferred, lost.request, lost.preliminary?.frame, lost.reply?.code, lost.reply?.frame]).toEqual(['command-lost', null, d.at(33), 226, d.at(39)]);
    expect(mlsd.verdict).toMatchObject({
      kind: 'fell-back',
      code: 500,
      reply: 23,
      fallback: { command: 'a transfer command the capture lost', commandLost: true, frame: d.at(33), code: 226, replyFrame: d.at(39), transfer: '1.2', completed: true, directory: null },
    });
    const { out, json } = await texts(d.file, 'summary', 'transfers', 'diagnose', 'explain');
    expect(json[0]).toEqual(['1.1', 'fell-back', 'fell-back', null, null]);
    const told = 'refused, and no failure: the server does not recognise MLSD (500, frame 23); the client fell back to a transfer command the capture lost (frame 32, transfer 1.2), which completed (226, frame 38). Nothing to change.';
    expect(out.transfers).toContain('Transfer 1.1: passive, MLSD — refused, fell back (command not captured)');
    expect(out.transfers).toContain(told);
    expect(out.diagnose).toContain(`Session 1, transfer 1 (MLSD): ${told}`);
    expect(out.explain).toContain('transfer 1 refused, fell back (command not captured), which completed: no failure.');
    for (const text of Object.values(out)) expect(text).not.toMatch(/server-refused|Session 1, transfer 1 \(MLSD, passive mode\) failed/);
  });
});

describe('a final reply and the client\'s next command lost together', () => {
  it('lftp → vsftpd (IP-in-IP): the STOR\'s 226 and the SITE after it (frames 76–78): the SITE\'s 500 is not the upload\'s reply — not confirmed, not "aborted"', async () => {
    // Before: transfer 1.3 aborted (cause aborted): "The server replied 500 Unknown SITE command".
    const name = 'a32-ipip-vsftpd-lftp';
    expect(ftpRows(name, '0').filter(([f]) => f >= 69 && f <= 81)).toEqual([[69, 'STOR'], [70, '150'], [76, '226'], [78, 'SITE'], [79, '500'], [80, 'SITE'], [81, '500']]);
    // The 500 (frame 79) acknowledged the SITE's bytes (frame 78), which the derived capture lacks.
    expect(Number(field(name, 79)['tcp.ack_raw']) - Number(field(name, 78)['tcp.seq_raw'])).toBe(Number(field(name, 78)['tcp.len']));
    const full = await analyze(name);
    expect(rows(full)[2]).toEqual(['1.3', 'complete', 'completed', null]);
    const d = await without(name, [76, 77, 78]);
    expect(rows(d.a)).toEqual([...rows(full).slice(0, 2), ['1.3', 'incomplete', 'incomplete', null]]);
    expect(sessionRows(d.a)).toEqual(sessionRows(full));
    const t = d.a.sessions[0].transfers[2];
    expect([t.reply, t.bytes, t.connection?.bytesToServer]).toEqual([null, 259, 259]);
    expect(t.verdict).toMatchObject({ kind: 'incomplete', why: 'reply-not-captured', replyInGap: { gap: d.at(79), later: { command: null, frame: d.at(79) } } });
    const stray = d.a.sessions[0].commands.find((c) => c.command === null && c.reply?.code === 500);
    expect(stray?.reply?.frame).toBe(d.at(79));
    const { out, json } = await texts(d.file, 'summary', 'transfers', 'diagnose', 'explain');
    expect(json[2]).toEqual(['1.3', 'incomplete', 'incomplete', 'reply-not-captured', null]);
    const told =
      "not confirmed: 259 bytes moved, and its final reply came in the server's bytes the capture lost (before frame 76): the client sent its next command in bytes the capture lost too, which the server had when it replied at frame 76.";
    expect(out.transfers).toContain(told);
    expect(out.diagnose).toContain(`Session 1, transfer 3 (STOR upload-lftp.txt): ${told}`);
    expect(out.explain).toContain('The server says, unasked: 500 Unknown SITE command. (frame 76).');
    for (const text of Object.values(out)) noFailure(text);
  });

  it("pyftpdlib: the LIST's 226, the client's ACK and its next SIZE lost (frames 25–27): the server's reset after the data is no cut — not confirmed, not \"aborted\"", async () => {
    // Before: 1.1 complete (the SIZE's 213 read as the LIST's final reply); with that fixed, aborted
    // by the server's reset (no success reply): but the reply is in the gap, and the reset came with
    // every byte acknowledged (the full capture reads the same reset as a drained close).
    const name = 'a21-server-rst-pyftpdlib-python';
    expect(ftpRows(name, '0').filter(([f]) => f >= 20 && f <= 30)).toEqual([[20, 'LIST'], [21, '150'], [25, '226'], [27, 'SIZE'], [28, '213'], [29, 'PASV'], [30, '227']]);
    expect([field(name, 24)['tcp.flags'], field(name, 24)['ip.src']]).toEqual(['0x0014', '198.51.100.20']);
    const full = await analyze(name);
    const d = await without(name, [25, 26, 27]);
    expect(rows(d.a)).toEqual([['1.1', 'incomplete', 'incomplete', null], ...rows(full).slice(1)]);
    expect(d.a.sessions[0].transfers[0].verdict).toMatchObject({ kind: 'incomplete', why: 'reply-not-captured', replyInGap: { later: { command: null, frame: d.at(28) } } });
    const { out } = await texts(d.file, 'summary', 'diagnose');
    for (const text of Object.values(out)) noFailure(text);
  });
});

describe('a final reply and the next command lost, over a 227 naming another address of the server', () => {
  it('lftp → multihomed vsftpd (frames 37–42: the data FINs, the 226, TYPE I): not confirmed, and no passive-address-mismatch — the data connection to the announced address opened and carried the listing', async () => {
    // Before (with the reply paired right): incomplete with passive-address-mismatch, a cause for a
    // transfer whose data connection the capture shows opened and moving, its final reply only lost.
    const name = 'multihomed-pasv-vsftpd-lftp';
    expect(ftpRows(name, '0').filter(([f]) => f >= 28 && f <= 43)).toEqual([[28, 'PASV'], [29, '227'], [33, 'LIST'], [34, '150'], [40, '226'], [42, 'TYPE'], [43, '200']]);
    expect(tsv(name, 'ftp').find((r) => r['frame.number'] === '29')!['ftp.response.arg']).toBe('Entering Passive Mode (198,51,100,21,195,136).');
    const full = await analyze(name);
    expect(rows(full)[0]).toEqual(['1.1', 'complete', 'completed', null]);
    const d = await without(name, [37, 38, 39, 40, 41, 42]);
    expect(rows(d.a)).toEqual([['1.1', 'incomplete', 'incomplete', null], ...rows(full).slice(1)]);
    expect(sessionRows(d.a)).toEqual(sessionRows(full));
    const t = d.a.sessions[0].transfers[0];
    expect([t.connection?.match, t.connection?.established, t.bytes, t.diagnosis]).toEqual(['exact', true, 260, null]);
    expect(t.verdict).toMatchObject({ kind: 'incomplete', why: 'reply-not-captured', replyInGap: { later: { command: null, frame: d.at(43) } } });
    const { out } = await texts(d.file, 'summary', 'diagnose', 'explain');
    for (const text of Object.values(out)) expect(text).not.toMatch(/passive-address-mismatch|address-mismatch/);
  });
});

describe('TLS records after a gap (FTPS with its key log: lftp → vsftpd, TLS 1.3)', () => {
  const name = 'tls-data-vsftpd-lftp';
  const keys = join(FIXTURES, `${name}.keys`);
  const withKeys = (file: string): Promise<Analysis> => {
    const tlsKeyLog = new TlsKeyLog();
    tlsKeyLog.addText(readFileSync(keys, 'latin1'));
    return analyzeFiles([file], { fileName: file, thread: false, tlsKeyLog });
  };

  it("the server's Finished not captured (frame 29): its later records are read with its application keys — every transfer completed, as in the full capture", async () => {
    // Before: the server's direction stopped at the gap; no reply after it was read, every transfer
    // read "did not complete: the data connection is not in the capture" (not-in-capture), and the
    // session was diagnosed with it.
    const records = tsv(name, 'tls-records');
    expect(records.find((r) => r['frame.number'] === '29')).toMatchObject({ 'tls.record.content_type': '22', 'tls.handshake.type': '20', 'tls.record.opaque_type': '23' });
    const full = await withKeys(join(FIXTURES, `${name}.pcap`));
    expect(rows(full)).toEqual(['1.1', '1.2', '1.3', '1.4', '1.5'].map((id) => [id, 'complete', 'completed', null]));
    const d = await without(name, [29]);
    const a = await withKeys(d.file);
    expect(rows(a)).toEqual(rows(full));
    expect(sessionRows(a)).toEqual(sessionRows(full));
    // Every reply of the full capture is read, at its frame (one less after the gap).
    const replies = (x: Analysis, at: (f: number) => number = (f) => f): unknown[] => x.sessions[0].commands.map((c) => [c.command, c.reply?.code ?? null, c.reply === null ? null : at(c.reply.frame)]);
    expect(replies(a)).toEqual(replies(full, d.at));
    const r = await runCli(['diagnose', '--no-color', '--tls-keylog', keys, d.file]);
    expect(r.code, r.stderr).toBe(0);
    expect(flat(r.stdout)).toContain('No failed data connections in 1 session: 5 transfers (5 complete).');
    expect(r.stdout).not.toMatch(/not-in-capture|not in the capture/);
  });

  it('a server record lost after the handshake (frame 37, the 331): the next record is read at its sequence number; only the USER\'s reply is not captured', async () => {
    expect(tsv(name, 'tls-ftp').find((r) => r['frame.number'] === '37')!['ftp.response.code']).toBe('331');
    const full = await withKeys(join(FIXTURES, `${name}.pcap`));
    const d = await without(name, [37]);
    const a = await withKeys(d.file);
    expect(rows(a)).toEqual(rows(full));
    expect(sessionRows(a)).toEqual(sessionRows(full));
    const user = a.sessions[0].commands.find((c) => c.command === 'USER')!;
    expect([user.reply, user.noReply?.why]).toEqual([null, 'capture-gap']);
    expect(a.sessions[0].commands.find((c) => c.command === 'PASS')?.reply?.code).toBe(230);
  });
});

describe("a download's size the capture lost", () => {
  it("axel → pure-ftpd, the SIZE not captured (frame 23): the file ends where the segment the server sent to its end ends — every segment stays complete", async () => {
    // Before: all seven client-closed segments aborted: no size stated, so no segment was known done.
    const name = 'a29-axel-split-pureftpd';
    expect(ftpRows(name, '0').filter(([f]) => f >= 23 && f <= 30)).toEqual([[23, 'SIZE'], [24, '213'], [25, 'PASV'], [26, '227'], [30, 'RETR']]);
    const full = await analyze(name);
    const d = await without(name, [23]);
    expect(rows(d.a)).toEqual(rows(full));
    expect(sessionRows(d.a)).toEqual(sessionRows(full));
    const seg = (a: Analysis): unknown[] => a.sessions.map((s) => s.transfers[0].verdict).map((v) => (v.kind === 'completed' && v.segment ? [v.segment.start, v.segment.end, v.segment.size] : null));
    expect(seg(d.a)).toEqual(seg(full));
    // The last segment (session 8, from 3224448) ran to the file's end: 3,224,448 + 68,736 = 3,293,184 bytes, SIZE's 213 in the full capture.
    const last = d.a.sessions[7].transfers[0];
    expect([last.restOffset, last.bytes, last.reply?.code, last.connection?.close]).toEqual([3224448, 68736, 226, 'fin']);
    expect(tsv(name, 'ftp').find((r) => r['frame.number'] === '24')!['ftp.response.arg']).toBe('3293184');
  });

  it("axel → pure-ftpd, SIZE's 213 and the PASV lost together (frames 24, 25): the 227 is unasked, and the data connection opened before it was read is still its — every segment complete", async () => {
    // Before: SIZE took the 227 as its reply; with that fixed, the 227 (held by the reassembler until
    // the client's RETR showed the 213's bytes lost) was read after the data SYN (frame 27), which had
    // gone beside the session: 1.1 not-in-capture, and every other segment aborted.
    const name = 'a29-axel-split-pureftpd';
    expect([field(name, 27)['tcp.flags'], field(name, 27)['tcp.dstport']]).toEqual(['0x0002', String(195 * 256 + 167)]);
    const full = await analyze(name);
    const d = await without(name, [24, 25]);
    expect(rows(d.a)).toEqual(rows(full));
    expect(sessionRows(d.a)).toEqual(sessionRows(full));
    const s = d.a.sessions[0];
    expect(s.commands.find((c) => c.command === 'SIZE')?.noReply).toEqual({ why: 'capture-gap', gap: d.at(26), later: { command: null, frame: d.at(26) }, evidence: [23, d.at(26)] });
    const t = s.transfers[0];
    expect([t.announce?.command, t.announce?.frame, t.connection?.synFrame, t.connection?.match, t.bytes, s.otherConnections]).toEqual(['PASV', d.at(26), d.at(27), 'exact', 1214408, []]);
    const { out } = await texts(d.file, 'summary', 'diagnose');
    for (const text of Object.values(out)) noFailure(text);
  });

  it('pyftpdlib, a client that resets the data connection once it has the file: SIZE\'s 213 lost (frame 16) — not known, not "aborted"; SIZE lost (frame 15) — the same, its 213 naming no file', async () => {
    // Before: transfer 1.1 aborted (cause aborted): the 426 answering the client's reset read as a
    // cut, with no size stated to show every byte had come.
    const name = 'a21-client-rst-now-pyftpdlib-python';
    expect(ftpRows(name, '0').filter(([f]) => f >= 15 && f <= 27)).toEqual([[15, 'SIZE'], [16, '213'], [17, 'PASV'], [18, '227'], [22, 'RETR'], [23, '150'], [27, '426']]);
    expect([field(name, 25)['tcp.flags'], field(name, 26)['tcp.flags']]).toEqual(['0x0010', '0x0014']);
    const full = await analyze(name);
    expect(rows(full)[0]).toEqual(['1.1', 'complete', 'completed', null]);
    for (const [drop, lost] of [
      [16, { frame: 15, lost: 'reply' }],
      [15, { frame: 15, lost: 'command' }],
    ] as const) {
      const d = await without(name, [drop]);
      expect(rows(d.a)).toEqual([['1.1', 'incomplete', 'incomplete', null], ...rows(full).slice(1)]);
      expect(sessionRows(d.a)).toEqual(sessionRows(full));
      expect(d.a.sessions[0].transfers[0].verdict).toEqual({ kind: 'incomplete', bytes: 511, expected: null, why: 'size-not-captured', sizeLost: lost, reset: 25, evidence: [15, 17, 18, 19, 21, 25, 26] });
      const { out, json } = await texts(d.file, 'summary', 'transfers', 'diagnose', 'logs');
      expect(json[0]).toEqual(['1.1', 'incomplete', 'incomplete', 'size-not-captured', null]);
      const start = 'not known: the client reset the data connection (frame 25) holding 511 bytes, every one acknowledged, and the server said 426 (frame 26); ';
      const end =
        lost.lost === 'reply'
          ? "the file's size, which says whether that was all of it, is in bytes the capture lost: the server's answer to SIZE (frame 15)."
          : 'the size the server stated (213, frame 15) answered a SIZE the capture lost, so which file it names is not known, nor whether that was all of it.';
      expect(out.transfers).toContain(start + end);
      expect(out.diagnose).toContain(`Session 1, transfer 1 (RETR hello.txt): ${start}${end}`);
      expect(out.summary).toContain('1.1 passive RETR hello.txt 198.51.100.20:50094 511 426 not known (size not captured)');
      expect(out.logs).toContain('RETR hello.txt incomplete size-not-captured -');
      for (const text of Object.values(out)) expect(text).not.toMatch(/\baborted\b(?! ?;)|cut short/);
    }
  });
});

describe("a receiver's last ACK before its reset not captured", () => {
  it("pyftpdlib, the client's ACK of the whole file lost (frame 25): its RST (frame 26) acknowledges all 511 bytes itself — the 426 reports that reset, completed, not \"aborted\"", async () => {
    // Before: 1.1 aborted (cause aborted): without the ACK, 511 bytes read as unacknowledged.
    const name = 'a21-client-rst-now-pyftpdlib-python';
    const [ack, rst, data] = [field(name, 25), field(name, 26), field(name, 24)];
    expect([ack['tcp.flags'], rst['tcp.flags'], rst['ip.src'], data['tcp.len']]).toEqual(['0x0010', '0x0014', '192.0.2.10', '511']);
    // The RST's acknowledgement number is one past the server's last data byte, as the lost ACK's was.
    expect([rst['tcp.ack_raw'], ack['tcp.ack_raw']]).toEqual([String(Number(data['tcp.seq_raw']) + 511), String(Number(data['tcp.seq_raw']) + 511)]);
    const full = await analyze(name);
    const d = await without(name, [25]);
    expect(rows(d.a)).toEqual(rows(full));
    expect(sessionRows(d.a)).toEqual(sessionRows(full));
    const t = d.a.sessions[0].transfers[0];
    expect([t.connection?.unacknowledgedBytes, t.connection?.rst]).toEqual([511, { frame: d.at(26), by: 'client', ttl: 64, acksAll: true }]);
    expect(t.verdict).toMatchObject({ kind: 'completed', bytes: 511, expected: 511, resetAfterWhole: d.at(26) });
    const { out } = await texts(d.file, 'summary', 'transfers', 'diagnose');
    for (const text of Object.values(out)) noFailure(text.replace(/426 Transfer aborted/g, '426'));
  });
});

describe('a resumed upload whose session lost its CWD, and a PASV whose 227 was lost among parallel sessions', () => {
  it('wput → vsftpd, "CWD site" not captured (frame 86): "resume.bin" is still the file the later resume completed — the first upload stays aborted by the client', async () => {
    // Before: complete with the verdict unknown (client-gone): the path left short, "resume.bin", did
    // not meet the resume's "site/resume.bin".
    const name = 'a34-wput-vsftpd';
    expect(ftpRows(name, '3').filter(([f]) => f >= 86 && f <= 100)).toEqual([[86, 'CWD'], [88, '250'], [90, 'TYPE'], [91, '200'], [92, 'SIZE'], [93, '550'], [94, 'PASV'], [95, '227'], [99, 'STOR'], [100, '150']]);
    const full = await analyze(name);
    expect(rows(full)[2]).toEqual(['2.1', 'aborted', 'aborted', 'aborted']);
    const d = await without(name, [86]);
    expect(rows(d.a)).toEqual(rows(full));
    expect(sessionRows(d.a)).toEqual(sessionRows(full));
    const [upload, resume] = [d.a.sessions[1].transfers[0], d.a.sessions[2].transfers[0]];
    expect([upload.request?.path, resume.request?.path]).toEqual(['resume.bin', 'site/resume.bin']);
    expect(upload.verdict).toMatchObject({ kind: 'aborted', by: 'client', resumed: { size: 163840, from: 20992 } });
  });

  it("aria2c → vsftpd, the second session's 227 not captured (frame 840): its data connection, kept beside the third session, is still its — both segments complete", async () => {
    // Before: 2.1 "complete (replies; data not captured)" and 4.1 aborted: the data connection went to
    // the latest session between the hosts (3), and the split lost the segment after 4.1's.
    const name = 'a31-aria2c-server-cut-vsftpd';
    expect(ftpRows(name, '1').filter(([f]) => f >= 839 && f <= 847)).toEqual([[839, 'PASV'], [840, '227'], [844, 'REST'], [845, '350'], [846, 'RETR'], [847, '150']]);
    expect([field(name, 841)['tcp.flags'], field(name, 841)['tcp.dstport']]).toEqual(['0x0002', String(195 * 256 + 176)]);
    const full = await analyze(name);
    const d = await without(name, [840]);
    expect(rows(d.a)).toEqual(rows(full));
    expect(sessionRows(d.a)).toEqual(sessionRows(full));
    const t = d.a.sessions[1].transfers[0];
    expect([t.announce, t.unansweredAnnounce, t.connection?.synFrame, t.connection?.match, t.bytes]).toEqual([null, { command: 'PASV', frame: 839 }, d.at(841), 'hosts', 1114512]);
    expect(d.a.sessions[2].otherConnections).toEqual([]);
  });
});
