/**
 * The fifty-seventh verdict audit: what the drop sweep (scripts/sweep/drop-sweep.mjs) left — false
 * verdicts when a capture misses packets. Each case removes whole records from a committed real
 * fixture (audit-fixtures.ts derived), as a kernel's or a SPAN port's drops would. Frames are
 * tshark's (NAME.tshark-*.tsv) in the full capture; the derived capture numbers its frames again,
 * one less for each removed frame before (`at`).
 *
 * The rule: when the evidence a verdict needs was not captured, the verdict says not known, never
 * "aborted" or "failed" (a healthy transfer) nor "complete" (one that was cut short).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { analysisMemo, runCli } from '../cli/run-cli.js';
import { derived, flat, ftpRows, tsv, type Derived } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit57-'));
/** One analysis per derived capture, shared by its outputs. */
const analyses = analysisMemo();
afterAll(() => {
  analyses.clear();
  rmSync(tmp, { recursive: true, force: true });
});

/** The fixture without the records `drop` (full-capture frame numbers), as a capture that missed them. */
const without = (name: string, drop: number[]): Promise<Derived> => derived(tmp, name, `without-${drop.join('-')}`, (f) => !drop.includes(f));

/** Each transfer: [id, status, verdict (and why), cause]. */
const rows = (a: Analysis): unknown[][] =>
  a.sessions.flatMap((s) => s.transfers.map((t) => [`${s.id}.${t.id}`, t.status, t.verdict.kind + ('why' in t.verdict ? `:${t.verdict.why}` : ''), t.diagnosis?.cause ?? null]));
/** Each session's diagnosis. */
const sessionCauses = (a: Analysis): unknown[] => a.sessions.map((s) => s.diagnosis?.cause ?? null);

/** Outputs of the derived capture, flattened (without colour); summary --json's per-transfer [id, status, verdict, why, cause] last. */
async function texts(file: string, ...commands: string[]): Promise<{ out: Record<string, string>; json: unknown[][] }> {
  const out: Record<string, string> = {};
  for (const c of commands) {
    const r = await runCli([c, '--no-color', file], { analyses });
    expect(r.code, `${c}: ${r.stderr}`).toBe(0);
    out[c] = flat(r.stdout);
  }
  const j = JSON.parse((await runCli(['summary', '--json', file], { analyses })).stdout);
  const json = j.sessions.flatMap((s: any) => s.transfers.map((t: any) => [`${s.id}.${t.id}`, t.status, t.verdict.kind, t.verdict.why ?? null, t.diagnosis?.cause ?? null]));
  return { out, json };
}

/** tshark's row of one frame (NAME.tshark-fields.tsv). */
const field = (name: string, frame: number): Record<string, string> => tsv(name, 'fields').find((r) => Number(r['frame.number']) === frame)!;

describe('axel → pure-ftpd, one file in segments over eight sessions, with frames the capture missed', () => {
  const name = 'a29-axel-split-pureftpd';

  it('the first segment\'s RETR lost (frame 30): the other segments stay finished pieces — the file\'s size from the segment sent to its end, not "aborted (client)"', async () => {
    // Before: 2.1, 3.1, 4.1, 5.1 and 7.1 aborted by the client (cause aborted): SIZE's 213 (frame 24)
    // was the lost RETR's, and the end of file read only when a member of the split lost control bytes.
    expect(ftpRows(name, '0').filter(([f]) => f >= 23 && f <= 37)).toEqual([[23, 'SIZE'], [24, '213'], [25, 'PASV'], [26, '227'], [30, 'RETR'], [37, '150']]);
    const d = await without(name, [30]);
    expect(rows(d.a)).toEqual([
      ['1.1', 'incomplete', 'unknown:command-lost', null],
      ['2.1', 'complete', 'completed', null],
      ['3.1', 'complete', 'completed', null],
      ['4.1', 'complete', 'completed', null],
      ['5.1', 'complete', 'completed', null],
      ['6.1', 'complete', 'completed', null],
      ['7.1', 'complete', 'completed', null],
      ['8.1', 'complete', 'completed', null],
    ]);
    expect(sessionCauses(d.a)).toEqual([null, null, null, null, null, null, null, null]);
    // 2.1 (REST 1097728) closed once its bytes reached 4.1's start (REST 1646592, frame 2210 of the full capture).
    expect(d.a.sessions[1].transfers[0].verdict).toMatchObject({
      kind: 'completed',
      bytes: 653256,
      segment: { start: 1097728, end: 1646592, size: 3293184, next: { session: 4, transfer: 1, frame: d.at(2210) }, closed: d.at(2496), whole: false },
    });
  });

  it('the 350 to session 4\'s REST lost (frame 2209): 2.1 and 4.1 are not known (split, part not captured), with the lost bytes and the download beside them — not "aborted (client)"', async () => {
    // Before: 2.1 and 4.1 aborted by the client, sessions 2 and 4 diagnosed "aborted": without the
    // 350, 4.1's offset is not in the capture, so neither reads as the piece before the other's start.
    expect(ftpRows(name, '4').filter(([f]) => f >= 2208 && f <= 2211)).toEqual([[2208, 'REST'], [2209, '350'], [2210, 'RETR'], [2211, '150']]);
    expect(field(name, 2496)['tcp.flags']).toBe('0x0014');
    const d = await without(name, [2209]);
    expect(rows(d.a)).toEqual([
      ['1.1', 'complete', 'completed', null],
      ['2.1', 'incomplete', 'incomplete:split-not-captured', null],
      ['3.1', 'complete', 'completed', null],
      ['4.1', 'incomplete', 'incomplete:split-not-captured', null],
      ['5.1', 'complete', 'completed', null],
      ['6.1', 'complete', 'completed', null],
      ['7.1', 'complete', 'completed', null],
      ['8.1', 'complete', 'completed', null],
    ]);
    expect(sessionCauses(d.a)).toEqual([null, null, null, null, null, null, null, null]);
    const [seg2, seg4] = [d.a.sessions[1].transfers[0], d.a.sessions[3].transfers[0]];
    expect(seg2.verdict).toEqual({
      kind: 'incomplete',
      bytes: 653256,
      expected: null,
      about: { kbytes: 2144, low: 2195405, high: 2195507, frame: 1146 },
      why: 'split-not-captured',
      splitLost: { how: 'rst', closed: d.at(2496), reach: 1750984, session: 3, transfer: '3.1', frame: 1239, lost: { what: 'control', session: 4, frame: d.at(2211) } },
      evidence: [1139, 1140, 1141, 1145, 1239, d.at(2211), d.at(2496)],
    });
    expect(seg4.restOffset).toBeNull();
    expect(seg4.verdict).toMatchObject({ why: 'split-not-captured', bytes: 666144, splitLost: { how: 'rst', closed: d.at(3171), reach: 666144, session: 2, transfer: '2.1', frame: 1145, lost: { what: 'control', session: 4 } } });
    const { out, json } = await texts(d.file, 'transfers', 'diagnose');
    expect(json.filter(([id]) => id === '2.1' || id === '4.1')).toEqual([
      ['2.1', 'incomplete', 'incomplete', 'split-not-captured', null],
      ['4.1', 'incomplete', 'incomplete', 'split-not-captured', null],
    ]);
    expect(out.transfers).toContain('Transfer 2.1: passive, RETR seg3m.txt — not known (split, part not captured)');
    expect(out.transfers).toContain(
      `not known: the client reset the data connection (frame ${d.at(2496)}) with 653,256 of about 2,195,456 bytes (the 150 at frame 1146 announced 2144.0 kbytes, rounded: 2,195,405 to 2,195,507 bytes) in (from REST 1,097,728), up to byte 1,750,984 of the file, beside another download from the same server (transfer 3.1, frame 1239);`,
    );
    expect(out.diagnose).toContain(`may be in what the capture lost: bytes of session 4's control connection (the capture picks it up again at frame ${d.at(2211)}). Whether it was a finished piece or a download stopped short is not in the capture.`);
    for (const text of Object.values(out)) expect(text).not.toMatch(/aborted|cut short/i);
  });
});

describe('a download reset by its client the moment it held the file (Python ftplib → pyftpdlib), with frames the capture missed', () => {
  const name = 'a21-client-rst-now-pyftpdlib-python';

  it('SIZE and its 213 lost together (frames 15, 16): the reset of a whole 511 bytes is not known (size not captured), not "aborted"', async () => {
    // Before: 1.1 aborted (cause aborted): without the 213 nothing said 511 bytes was the file, and
    // the capture's loss of both the SIZE and its answer left no trace for size-lost.ts to find.
    expect(ftpRows(name, '0').filter(([f]) => f >= 15 && f <= 27)).toEqual([[15, 'SIZE'], [16, '213'], [17, 'PASV'], [18, '227'], [22, 'RETR'], [23, '150'], [27, '426']]);
    expect([field(name, 24)['tcp.len'], field(name, 26)['tcp.flags'], field(name, 26)['tcp.ack_raw']]).toEqual(['511', '0x0014', '2814204000']);
    const d = await without(name, [15, 16]);
    expect(rows(d.a)).toEqual([
      ['1.1', 'incomplete', 'incomplete:size-not-captured', null],
      ['1.2', 'complete', 'completed', null],
      ['1.3', 'complete', 'completed', null],
    ]);
    expect(sessionCauses(d.a)).toEqual([null]);
    const t = d.a.sessions[0].transfers[0];
    expect(t.controlGapBefore).toBe(d.at(18));
    expect(t.verdict).toEqual({
      kind: 'incomplete',
      bytes: 511,
      expected: null,
      why: 'size-not-captured',
      sizeLost: { frame: d.at(18), lost: 'both' },
      reset: d.at(26),
      evidence: [d.at(18), d.at(19), d.at(20), d.at(22), d.at(26), d.at(27)],
    });
    const { out, json } = await texts(d.file, 'summary', 'transfers', 'diagnose');
    expect(json[0]).toEqual(['1.1', 'incomplete', 'incomplete', 'size-not-captured', null]);
    expect(out.transfers).toContain(
      `not known: the client reset the data connection (frame ${d.at(26)}) holding 511 bytes, every one acknowledged, and the server said 426 (frame ${d.at(27)}); ` +
        `the capture lost bytes of the control connection before the transfer command (picked up again at frame ${d.at(18)}), where the file's size, which says whether that was all of it, may have been asked and stated.`,
    );
    // The 426's own words ("Transfer aborted; 511 bytes transmitted.") are quoted; no verdict says aborted.
    for (const text of Object.values(out)) expect(text).not.toMatch(/aborted \(|aborted by|aborted after/i);
  });
});

describe('a transfer command whose announcement the capture lost, beside the data connection it used', () => {
  it('Python ftplib → pyftpdlib, the client resets the RETR early; PASV and 227 lost (frames 17, 18): not known (announcement not captured), not "complete (replies; data not captured)"', async () => {
    // Before: 1.1 complete, verdict not-captured (the 226 alone): the RETR took RFC 959's default port,
    // and its data connection (SYN frame 19), which the client reset, stayed beside the session.
    const name = 'a21-retr-rst-early-pyftpdlib-python';
    expect(ftpRows(name, '0').filter(([f]) => f >= 17 && f <= 103)).toEqual([[17, 'PASV'], [18, '227'], [22, 'RETR'], [23, '150'], [103, '226']]);
    expect(field(name, 19)['tcp.flags']).toBe('0x0002');
    const d = await without(name, [17, 18]);
    expect(rows(d.a)).toEqual([['1.1', 'incomplete', 'unknown:announce-lost', null]]);
    expect(sessionCauses(d.a)).toEqual([null]);
    const t = d.a.sessions[0].transfers[0];
    expect([t.announce, t.connection, t.request?.command, t.reply?.code]).toEqual([null, null, 'RETR', 226]);
    expect(t.verdict).toEqual({
      kind: 'unknown',
      why: 'announce-lost',
      bytes: 0,
      reply: d.at(103),
      announceLost: { gap: d.at(22), stream: 1, syn: d.at(19) },
      evidence: [d.at(19), d.at(22), d.at(103)],
    });
    const { out, json } = await texts(d.file, 'summary', 'transfers', 'diagnose', 'explain');
    expect(json).toEqual([['1.1', 'incomplete', 'unknown', 'announce-lost', null]]);
    expect(out.transfers).toContain('Transfer 1.1: active, RETR w256k.bin — unknown (announcement not captured)');
    expect(out.transfers).toContain(
      `not known: the announcement this command used (PORT, PASV or their reply) is in control bytes the capture lost (it picks the control connection up again at frame ${d.at(22)}), ` +
        `so its data connection could not be told by the endpoint it named; a connection between the same hosts that no transfer took ran while it did (tcp.stream 1, SYN frame ${d.at(19)}), most likely that one. ` +
        `The server's 226 (frame ${d.at(103)}) alone does not say whether its data came whole.`,
    );
    for (const text of Object.values(out)) expect(text).not.toMatch(/not-in-capture|data not captured|succeeded/);
  });

  it('vsftpd behind a firewall opening part of its passive range, taken at the server; the 227 of the PASV that LIST used lost (frame 38): not known, not "complete (replies; data not captured)"', async () => {
    // Before: LIST took the earlier 227 (frame 35, whose port the firewall dropped), so 1.3 read
    // complete with its data not captured, and its real data connection (SYN frame 40) stayed apart.
    const name = 'a37-range-drop-vsftpd-python-server';
    expect(ftpRows(name, '0').filter(([f]) => f >= 34 && f <= 50)).toEqual([[34, 'PASV'], [35, '227'], [37, 'PASV'], [38, '227'], [43, 'LIST'], [44, '150'], [50, '226']]);
    const d = await without(name, [38]);
    const list = d.a.sessions[0].transfers.find((t) => t.request?.frame === d.at(43))!;
    expect([list.id, list.status, list.verdict.kind, list.diagnosis]).toEqual([3, 'incomplete', 'unknown', null]);
    const pasv = d.a.sessions[0].commands.find((c) => c.frame === 37)!;
    expect(pasv.noReply).toMatchObject({ why: 'capture-gap', gap: d.at(39) });
    expect(list.verdict).toMatchObject({ why: 'announce-lost', reply: d.at(50), announceLost: { gap: d.at(39), syn: d.at(40) } });
    const { out } = await texts(d.file, 'transfers');
    expect(out.transfers).toContain('Transfer 1.3: passive, LIST — unknown (announcement not captured)');
    expect(out.transfers).not.toContain('complete (replies; data not captured)');
  });
  it('the same firewall taken at the client: the 227 LIST used lost (frame 44) — LIST is not "complete" over the earlier 227\'s connection that never opened (SYNs 40–42)', async () => {
    // Before: 1.3 complete, verdict "completed: 0 bytes" — the LIST took the earlier 227 (frame 38),
    // whose data connection to port 50013 got no SYN-ACK, and the 226 read as its success.
    const name = 'a37-range-drop-vsftpd-python';
    expect(ftpRows(name, '0').filter(([f]) => f >= 37 && f <= 56)).toEqual([[37, 'PASV'], [38, '227'], [43, 'PASV'], [44, '227'], [49, 'LIST'], [50, '150'], [56, '226']]);
    expect([40, 41, 42, 46].map((f) => [field(name, f)['tcp.dstport'], field(name, f)['tcp.flags']])).toEqual([['50013', '0x0002'], ['50013', '0x0002'], ['50013', '0x0002'], ['50005', '0x0002']]);
    const d = await without(name, [44]);
    const list = d.a.sessions[0].transfers.find((t) => t.request?.frame === d.at(49))!;
    expect([list.id, list.status, list.diagnosis, list.connection?.established, list.connection?.synFrames]).toEqual([3, 'incomplete', null, false, [40, 41, 42]]);
    expect(list.verdict).toEqual({
      kind: 'unknown',
      why: 'announce-lost',
      bytes: 0,
      reply: d.at(56),
      announceLost: { gap: d.at(45), stream: 4, syn: d.at(46) },
      evidence: [38, 40, 41, 42, d.at(45), d.at(46), d.at(49), d.at(56)],
    });
  });
});

describe('an ABOR after the Telnet interrupt, with the segment holding IAC IP IAC lost', () => {
  it('proftpd, Python ftplib aborts a LIST (frame 54 lost: ff f4 ff): the DM left alone (frame 55) does not hide the ABOR — aborted by the client, not "complete" by ABOR\'s 226', async () => {
    // Before: "\xf2ABOR" was no command, so the server's "226 Abort successful" read as the LIST's reply: complete.
    const name = 'abor-list-drain-proftpd-python';
    // tshark shows the Telnet bytes of frames 54 (IAC IP IAC) and 55 (DM, urgent) as lines of their own.
    expect(ftpRows(name, '0').filter(([f]) => f >= 22 && f <= 68).map(([f, c]) => [f, /^[A-Z0-9]+$/.test(c) ? c : 'telnet'])).toEqual([[22, 'LIST'], [23, '150'], [54, 'telnet'], [55, 'telnet'], [56, 'ABOR'], [66, '226'], [67, '426'], [68, '426']]);
    expect([field(name, 54)['tcp.len'], field(name, 55)['tcp.len'], field(name, 55)['tcp.flags']]).toEqual(['3', '1', '0x0038']);
    const d = await without(name, [54]);
    const abor = d.a.sessions[0].commands.find((c) => c.command === 'ABOR')!;
    expect([abor.frame, abor.firstFrame, abor.reply?.code, abor.reply?.frame]).toEqual([d.at(56), d.at(55), 226, d.at(66)]);
    expect(rows(d.a)).toEqual([
      ['1.1', 'aborted', 'aborted', 'aborted'],
      ['1.2', 'complete', 'completed', null],
    ]);
    expect(d.a.sessions[0].transfers[0].verdict).toEqual({ kind: 'aborted', by: 'client', bytes: 32732, expected: null, cause: 'aborted', evidence: [18, 19, 20, 22, d.at(56), d.at(68)] });
  });
});
