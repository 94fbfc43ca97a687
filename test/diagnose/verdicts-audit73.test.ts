/**
 * The seventy-third verdict audit, on real recordings (fixtures/record.sh, "Seventy-third audit"):
 * failures captured with a small snapshot length (tcpdump -s 96 or -s 128). Control lines longer than
 * the snaplen leaves are cut (a 227's tuple, a 150's "(N bytes)"), data payload is cut; the TCP
 * headers stay whole. A cut is the capture's setting, never evidence: bytes whose segments the capture
 * holds cut crossed the capture point (DataConnection.cutBytes), they are no capture loss; what a cut
 * removed (the stated size) the verdict says it cannot know.
 *
 * a73-snap96-retr-stall-{,server-side-}proftpd-lftp: the router drops proftpd's data past 50 kB; lftp
 * gives up (net:timeout 3) and resumes with REST. Before this audit the client-side resume (2.1),
 * whose 150 the snaplen cut, read "completed according to the server … 46,794 of its bytes are
 * missing from the capture: the capture lost them, not the transfer"; the first attempt "aborted
 * after 990 of 120,000 bytes" (the captured payload, not what crossed). The server-side 2.1 read
 * "incomplete: … its data was still arriving: the capture ended before the rest of it did".
 *
 * a73-snap128-abor-proftpd-python: ABOR after 64 KiB. Before: "not known: … the capture lost bytes of
 * the control connection before the transfer command" and a capture-gap diagnosis ("the capture
 * dropped them, not the network").
 *
 * a73-snap96-pasv-drop-pureftpd-curl: pure-ftpd's multi-line 226 cut before its closing line; the
 * next PASV's SYNs dropped. Before: the 226 paired with the next PASV, the RETR "not confirmed
 * (reply not captured)", the next 227 swallowed as the 226's inner line and the dropped passive
 * SYNs not diagnosed at all.
 *
 * a73-snap96-server-killed-retr-vsftpd-python: vsftpd's session killed mid-download. Before:
 * "the capture lost segments of this transfer" (capture-gap), 2,760 bytes moved (of 131,072).
 *
 * Frames are tshark's (NAME.tshark-*.tsv), sizes and sha256 the recorder's (NAME.facts.json).
 */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { analyzeStream } from '../../src/analysis/pipeline.js';
import type { Analysis } from '../../src/analysis/model.js';
import { indexCapture, snapRecord } from '../support/capture-records.js';
import { analyze, facts, flat, outputs, path, transfer, transfers, tsv } from './audit-fixtures.js';

/** An earlier audit's real capture as tcpdump -s SNAP would have kept it: every record cut to SNAP bytes. */
async function snapped(name: string, snap: number): Promise<Analysis> {
  let buf: Buffer = readFileSync(path(name));
  const index = indexCapture(buf)!;
  // From the last record back, so that the earlier records' offsets stay valid.
  for (let i = index.records.length - 1; i >= 0; i--) buf = snapRecord(buf, index, i, snap);
  return analyzeStream(Readable.from([buf]), { fileName: name });
}

const SNAP96 = ['a73-snap96-retr-stall-proftpd-lftp', 'a73-snap96-retr-stall-server-side-proftpd-lftp', 'a73-snap96-pasv-drop-pureftpd-curl', 'a73-snap96-server-killed-retr-vsftpd-python'];
const SNAP128 = ['a73-snap128-stor-stall-pureftpd-curl', 'a73-snap128-active-reject-pyftpdlib-wget', 'a73-snap128-abor-proftpd-python'];
const ALL = [...SNAP96, ...SNAP128];

/** Words that read a snaplen's cut as a capture's loss. */
const LOSS_CLAIMS = /the capture lost them|capture dropped them|the capture lost segments|all in the capture/;

describe('seventy-third audit: captures with a small snapshot length', () => {
  it("the recorder's facts: each capture was taken with tcpdump -s 96 or -s 128, and tshark sees frames cut", () => {
    for (const name of SNAP96) expect(facts(name).capture.snaplen).toBe(96);
    for (const name of SNAP128) expect(facts(name).capture.snaplen).toBe(128);
    for (const name of ALL) {
      const rows = tsv(name, 'fields');
      expect(rows.length).toBeGreaterThan(0);
    }
  });

  it('every healthy transfer reads completed with no diagnosis, its payload said cut by the snaplen, never lost by the capture', async () => {
    const healthy: Record<string, string[]> = {
      'a73-snap96-retr-stall-proftpd-lftp': ['3.1', '3.2'],
      'a73-snap96-retr-stall-server-side-proftpd-lftp': ['3.1', '3.2'],
      'a73-snap128-stor-stall-pureftpd-curl': ['2.1'],
      'a73-snap96-pasv-drop-pureftpd-curl': ['1.1'],
      'a73-snap128-active-reject-pyftpdlib-wget': ['1.1'],
      'a73-snap96-server-killed-retr-vsftpd-python': ['1.1'],
      'a73-snap128-abor-proftpd-python': ['1.1'],
    };
    for (const [name, ids] of Object.entries(healthy)) {
      const a = await analyze(name);
      for (const id of ids) {
        const t = transfer(a, id);
        expect(t.verdict.kind, `${name} ${id}`).toBe('completed');
        expect(t.diagnosis, `${name} ${id}`).toBeNull();
        if (t.verdict.kind !== 'completed') continue;
        expect(t.verdict.missingBytes, `${name} ${id}`).toBe(0);
        expect(t.verdict.payloadCut, `${name} ${id}`).toBeGreaterThan(0);
        expect(t.connection!.gapBytes).toBe(0);
      }
      // hello.txt: 511 bytes crossed (facts: the file's size), whatever the snaplen kept of them.
      const hello = transfers(a).find((t) => t.request?.arg === 'hello.txt')!;
      expect(hello.bytes).toBe(facts(name).files.find((f: { path: string }) => f.path === 'hello.txt').size);
      const [diagnose, transfersText] = await outputs(name, 'diagnose', 'transfers');
      expect(flat(diagnose)).not.toMatch(/the capture lost them|capture-gap|the capture lost segments/);
      expect(flat(transfersText)).not.toMatch(LOSS_CLAIMS);
    }
  });
});

describe('seventy-third audit: a stalled download whose 150 the snaplen cut', () => {
  it('a73-snap96-retr-stall-proftpd-lftp: both stalled attempts aborted by the client (stalled), with the bytes the ACKs show, the size cut said unknown', async () => {
    const name = 'a73-snap96-retr-stall-proftpd-lftp';
    expect(facts(name).client.saved).toContain("120000 bytes, sha256 883f3be3604d"); // lftp resumed until the file was whole
    expect(facts(name).files.slice(0, 3).map((f: { received: { size: number } }) => f.received.size)).toEqual([47784, 47784, 24432]);
    const a = await analyze(name);
    const first = transfer(a, '1.1');
    expect(first.verdict).toMatchObject({ kind: 'aborted', by: 'client', bytes: 47784, expected: 120000, cause: 'stalled' });
    const resumed = transfer(a, '2.1');
    expect(resumed.restOffset).toBe(47784);
    expect(resumed.verdict).toMatchObject({ kind: 'aborted', by: 'client', bytes: 47784, expected: null, cause: 'stalled', sizeCut: 174 });
    expect(transfer(a, '3.1').verdict).toMatchObject({ kind: 'completed', bytes: 24432 }); // 47784 + 47784 + 24432 = 120000
    const [transfersText, diagnose, summary] = await outputs(name, 'transfers', 'diagnose', 'summary');
    expect(flat(transfersText)).toContain("aborted by the client after 47,784 bytes (226, frame 235); whether those were the whole file is not known: the capture's snapshot length cut the 150 (frame 174)");
    expect(flat(diagnose)).toContain('Session 2, transfer 1: stalled');
    expect(flat(summary)).toContain('2.1 passive RETR a73-stall.bin - 47784 226 aborted (client)');
  });

  it('a73-snap96-retr-stall-server-side-proftpd-lftp: the resume the client never acknowledged past 47,784 bytes aborted by the client (path-loss), not in flight', async () => {
    const a = await analyze('a73-snap96-retr-stall-server-side-proftpd-lftp');
    expect(transfer(a, '1.1').verdict).toMatchObject({ kind: 'aborted', by: 'client', cause: 'path-loss' });
    const t = transfer(a, '2.1');
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'client', bytes: 72216, expected: null, cause: 'path-loss', sizeCut: 200 });
    expect(t.connection!.unacknowledgedBytes).toBe(72216 - 47784);
  });
});

describe('seventy-third audit: failures whose evidence is in the TCP headers', () => {
  it("a73-snap128-abor-proftpd-python: aborted by the client's ABOR after 140,456 bytes, no capture-gap", async () => {
    const name = 'a73-snap128-abor-proftpd-python';
    expect(facts(name).client.messages).toContain('reply 226 Abort successful');
    const a = await analyze(name);
    expect(a.sessions[0].controlGapBytes).toBe(0);
    const t = transfer(a, '1.2');
    expect(t.abortFrame).toBe(106);
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'client', bytes: 140456, cause: 'aborted' });
    expect(t.diagnosis!.cause).toBe('aborted');
    expect(t.connection!.cutBytes).toBe(140456 - 6014);
  });

  it('a73-snap96-pasv-drop-pureftpd-curl: the cut multi-line 226 answers the RETR; the next PASV is seen and its dropped SYNs diagnosed', async () => {
    const name = 'a73-snap96-pasv-drop-pureftpd-curl';
    expect(facts(name).client.exit_status).toBe(28);
    const a = await analyze(name);
    const retr = transfer(a, '1.1');
    expect([retr.reply?.code, retr.reply?.frame]).toEqual([226, 31]);
    expect(retr.verdict.kind).toBe('completed');
    const second = transfer(a, '1.2');
    expect(second.announce?.reply?.frame).toBe(34); // the 227 answering the PASV of frame 33
    expect(second.verdict).toMatchObject({ kind: 'failed', cause: 'passive-syn-unanswered' });
    expect(second.connection!.synFrames).toEqual([35, 37, 38, 39, 40]);
    const pasv = a.sessions[0].commands.find((c) => c.frame === 33)!;
    expect(pasv.reply?.code).toBe(227);
  });

  it('a73-snap128-active-reject-pyftpdlib-wget: the reset data SYN is the active refusal, hello.txt before it healthy', async () => {
    const a = await analyze('a73-snap128-active-reject-pyftpdlib-wget');
    expect(transfer(a, '2.1').verdict).toMatchObject({ kind: 'failed', cause: 'active-refused' });
  });

  it('a73-snap128-stor-stall-pureftpd-curl: the upload the server stopped acknowledging at its 56,472 kept bytes: path-loss, aborted by the client', async () => {
    const name = 'a73-snap128-stor-stall-pureftpd-curl';
    expect(facts(name).server.kept).toBe('56472');
    const a = await analyze(name);
    const t = transfer(a, '1.1');
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'client', cause: 'path-loss' });
    expect(flat(t.diagnosis!.summary)).toContain('the server acknowledged 56472');
  });

  it('a73-snap96-server-killed-retr-vsftpd-python: incomplete (session ended, no final reply) with the 131,072 bytes that crossed, no capture-gap', async () => {
    const name = 'a73-snap96-server-killed-retr-vsftpd-python';
    expect(facts(name).files[1].received.size).toBe(131072);
    const a = await analyze(name);
    const t = transfer(a, '1.2');
    expect(t.verdict).toMatchObject({ kind: 'incomplete', why: 'session-ended', bytes: 131072 });
    expect(t.diagnosis).toBeNull();
  });
});

describe('seventy-third audit: earlier recordings cut to a small snapshot length (the sweep drop-sweep --snaplen)', () => {
  it('a41-frag-blackhole-vsftpd-python at -s 96: first fragments cut, their rest never came: lost on the path, the client gave up (never completed: 0 bytes)', async () => {
    const a = await snapped('a41-frag-blackhole-vsftpd-python', 96);
    const t = transfer(a, '1.2');
    expect(t.connection!.lostFragments).toEqual({ toServer: 0, toClient: 16, firstFrame: 40 });
    expect(t.verdict).toMatchObject({ kind: 'aborted', by: 'client', bytes: 0, cause: 'path-loss' });
    expect(t.verdict.kind === 'aborted' && t.verdict.sizeCut).toBeFalsy();
    expect(transfer(a, '1.1').verdict.kind).toBe('completed');
  });

  it('a39-basic-ftp-dnat-proftpd-node at -s 96: the refused EPSV fell back to a PASV whose 227 the snaplen cut; where the client went not claimed', async () => {
    const a = await snapped('a39-basic-ftp-dnat-proftpd-node', 96);
    for (const [id, next] of [['1.1', '1.2'], ['1.3', '1.4']]) {
      const t = transfer(a, id);
      expect(t.verdict.kind, id).toBe('fell-back');
      if (t.verdict.kind !== 'fell-back') continue;
      expect(t.verdict.fallback).toMatchObject({ command: null, transfer: next, completed: false, tupleCut: true });
      expect(transfer(a, next).verdict.kind).toBe('unused');
    }
  });

  it('a67-lftp-timeout-resume-proftpd at -s 96: the resume the client gave up on is no completion', async () => {
    const a = await snapped('a67-lftp-timeout-resume-proftpd', 96);
    expect(transfer(a, '2.1').verdict).toMatchObject({ kind: 'aborted', by: 'client', cause: 'stalled' });
  });
});
