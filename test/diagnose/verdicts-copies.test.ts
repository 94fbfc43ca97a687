/**
 * Session 50: packets captured twice with other packets between the two copies
 * (scripts/sweep/dup-sweep.mjs). A router's `-i any` sees a burst arrive, then leave; a mirror
 * port's queue does the same; two ends' captures of one run merged hold every packet that crossed
 * once from each end, the copy after the whole burst and the path's delay. Before, a copy was found
 * only when it repeated the last segment its side sent: the others read as retransmissions, and an
 * upload the server reset read "path-loss". Every capture here is made of the committed recordings'
 * own records (copied, or two capture points of one run merged in time order), never new bytes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { analyzeFiles } from '../../src/analysis/pipeline.js';
import { copiesLate, mergePcap } from '../support/pcap-edit.js';
import { analyze, derivedTexts, path } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-copies-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Per transfer: status, verdict, cause, retransmitted segments and copies on its data connection. */
const rows = (a: Analysis): unknown[][] =>
  a.sessions.flatMap((s) => s.transfers.map((t) => [`${s.id}.${t.id}`, t.status, t.verdict.kind, t.diagnosis?.cause ?? null, t.connection?.retransmissions ?? null, t.connection?.captureCopies ?? null]));

const copiesWarning = (a: Analysis): unknown[] => a.capture.warnings.filter((w) => w.code === 'captured-twice').map((w) => [(w as { count?: number }).count, w.frame]);

async function written(name: string, file: Buffer): Promise<{ file: string; a: Analysis }> {
  const out = join(tmp, name);
  writeFileSync(out, file);
  return { file: out, a: await analyzeFiles([out], { fileName: out, thread: false }) };
}

describe('every packet captured twice, each copy after the packet that follows it', () => {
  // 1, 2, 1', 3, 2' …: data segments of one side follow each other, so a segment's copy comes after
  // the next segment of the same side. Each is the same packet again (same numbers, same IP ID).
  const cases: [string, unknown[][], number][] = [
    // lftp's active STOR reset by vsftpd (a58): aborted, the server's reset; then a healthy RETR.
    ['a58-active-stor-rst-vsftpd-lftp', [['1.1', 'aborted', 'aborted', 'aborted', 0, 70], ['2.1', 'complete', 'completed', null, 0, 5]], 124],
    // curl's passive STOR reset by vsftpd.
    ['upload-reset-vsftpd-curl', [['1.1', 'aborted', 'aborted', 'aborted', 0, 68]], 81],
    // Python's STOR that stalled until vsftpd's data timeout.
    ['a58-stor-data-timeout-vsftpd-python', [['1.1', 'aborted', 'aborted', 'stalled', 0, 64]], 77],
  ];
  for (const [name, want, copies] of cases) {
    it(`${name}: each copy set aside, the verdicts and evidence as in the recording`, async () => {
      const whole = await analyze(name);
      // The recording: the same verdicts, no retransmission, no copy.
      expect(rows(whole)).toEqual(want.map(([id, status, kind, cause]) => [id, status, kind, cause, 0, 0]));
      const { file, frameOf, copyOf } = copiesLate(readFileSync(path(name)));
      const { file: out, a } = await written(`${name}-copies-late.pcap`, file);
      expect(rows(a)).toEqual(want);
      // Before: 46, 45 and 38 retransmitted segments, "path-loss".
      expect(copiesWarning(a)).toEqual([[copies, 7]]);
      // The evidence cites the same packets, and the copy of a SYN-ACK with IP ID 0 besides: two
      // such SYN-ACKs a moment apart may be the server's timer's and its answer to a SYN sent again.
      const evidence = (x: Analysis): number[][] => x.sessions.flatMap((s) => s.transfers.map((t) => t.diagnosis?.evidence ?? []));
      const synAcks = whole.sessions.flatMap((s) => s.transfers.flatMap((t) => t.connection?.synAckFrames ?? []));
      const withCopies = (frames: number[]): number[] => [...frames.map(frameOf), ...frames.filter((f) => synAcks.includes(f)).map(copyOf)].sort((x, y) => x - y);
      expect(evidence(a)).toEqual(evidence(whole).map(withCopies));
      // The JSON and diagnose's words say the same.
      const { out: text, json } = await derivedTexts(out, ['diagnose']);
      expect(json).toEqual(want.map(([id, , kind, cause]) => [id, kind, cause]));
      expect(text.diagnose).not.toMatch(/path-loss|retransmi/);
    });
  }
});

describe("two capture points of one run merged (the client's side and the server's, one router between)", () => {
  // The tri- recordings: client, router and server captured at once on one clock. Each packet that
  // crossed is in both captures, one hop older (TTL 63) at the far end, 0.5 s later where the
  // router's queue held it. mergecap of the two ends, as an engineer merges them.
  it("curl's STOR killed by the server: its 14 retransmissions are the client's, the 57 copies counted once", async () => {
    const c = await analyze('tri-stor-server-killed-client-side-vsftpd-curl');
    const s = await analyze('tri-stor-server-killed-server-side-vsftpd-curl');
    expect(rows(c)).toEqual([['1.1', 'aborted', 'aborted', 'aborted', 14, 0]]);
    expect(rows(s)).toEqual([['1.1', 'aborted', 'aborted', 'aborted', 0, 0]]);
    const { file, frameOf } = mergePcap(readFileSync(path('tri-stor-server-killed-client-side-vsftpd-curl')), readFileSync(path('tri-stor-server-killed-server-side-vsftpd-curl')), 'as-recorded');
    const { a } = await written('tri-stor-server-killed-merged.pcap', file);
    // Before: 41 retransmitted segments (the server side's copies of the client's segments among them).
    expect(rows(a)).toEqual([['1.1', 'aborted', 'aborted', 'aborted', 14, 57]]);
    // The first copy: the client's SYN as the server's end captured it.
    expect(copiesWarning(a)).toEqual([[83, frameOf(1, s.sessions[0].controlConnection.synFrames[0])]]);
  });

  it("wget's RETR through a router dropping its data: path-loss, the server's 11 retransmissions; the healthy RETR after it none", async () => {
    const c = await analyze('tri-data-drop-client-side-vsftpd-wget');
    const s = await analyze('tri-data-drop-server-side-vsftpd-wget');
    // Each end alone: the client saw a stall, the server its segments sent again and again.
    expect(rows(c)).toEqual([['1.1', 'aborted', 'aborted', 'stalled', 5, 0], ['2.1', 'complete', 'completed', null, 0, 0]]);
    expect(rows(s)).toEqual([['1.1', 'aborted', 'aborted', 'path-loss', 11, 0], ['2.1', 'complete', 'completed', null, 0, 0]]);
    const { file } = mergePcap(readFileSync(path('tri-data-drop-client-side-vsftpd-wget')), readFileSync(path('tri-data-drop-server-side-vsftpd-wget')), 'as-recorded');
    const { a } = await written('tri-data-drop-merged.pcap', file);
    // Before: 37 and 79 retransmitted segments (a healthy transfer with 79).
    expect(rows(a)).toEqual([['1.1', 'aborted', 'aborted', 'path-loss', 11, 54], ['2.1', 'complete', 'completed', null, 0, 109]]);
  });
});
