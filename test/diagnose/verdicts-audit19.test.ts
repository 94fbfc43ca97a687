/**
 * The nineteenth verdict audit, on real recordings (fixtures/record.sh, "Nineteenth verdict audit"):
 * a file that arrives on a later attempt. lftp's own retry after its data SYNs time out (proftpd),
 * curl --retry after its data connection is reset twice (vsftpd, 426 each time), wget -c resuming
 * with REST in a second session (pure-ftpd), lftp pget -n 3 with one segment reset and retried
 * (vsftpd), an ftplib script falling back from active to passive mode in the same session (vsftpd).
 * Each failed attempt keeps its own status and cause; each retry that completed is complete with no
 * diagnosis; the failed attempt says (transfer.laterAttempt, worded by verdict-words) that it was
 * tried again and how that went. Frame numbers are tshark's (NAME.tshark-ftp.tsv,
 * NAME.tshark-streams.tsv); sizes and sha256 are the recorder's facts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis, Transfer } from '../../src/analysis/model.js';
import { laterAttemptSentence } from '../../src/render/verdict-words.js';
import { analyze, causes, extractedFiles, facts, factSha, flat, ftpRows, ourRows, outputs, reportPage, transferRows, tsv } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit19-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Every transfer's row, then its REST offset, its cause and its later attempt [session, transfer, frame, outcome]. */
const rows = (a: Analysis): unknown[][] =>
  transferRows(a, (t) => [t.restOffset, t.diagnosis?.cause ?? null, t.laterAttempt ? [t.laterAttempt.session, t.laterAttempt.transfer, t.laterAttempt.frame, t.laterAttempt.outcome] : null]);
const transfer = (a: Analysis, sid: number, tid: number): Transfer => a.sessions.find((s) => s.id === sid)!.transfers.find((t) => t.id === tid)!;
/** tshark's rows of a session, without the Telnet IP/Synch bytes lftp sends before ABOR (tshark reads them as a command). */
const tsharkRows = (name: string, stream: number): Array<[number, string]> => ftpRows(name, String(stream)).filter(([, w]) => /^[A-Z0-9]+$/.test(w));
/** Each session's commands and replies are tshark's. */
function sameCommands(name: string, a: Analysis): void {
  for (const s of a.sessions) expect(ourRows(a, s.id)).toEqual(tsharkRows(name, s.stream));
}
/** diagnose, explain and the report: each diagnosed attempt's header and its later attempt, worded the same. */
async function told(name: string, a: Analysis): Promise<{ diagnose: string; explain: string; html: string }> {
  const [diagnose, explain] = await outputs(name, 'diagnose', 'explain');
  const html = flat(await reportPage(name, tmp));
  for (const s of a.sessions) {
    for (const t of s.transfers) {
      const header = `Session ${s.id}, transfer ${t.id}: ${t.diagnosis?.cause}`;
      const later = laterAttemptSentence(t);
      if (t.diagnosis === null) {
        // A healthy attempt (the retry) has no paragraph in diagnose and nothing said of a later one.
        expect(diagnose).not.toContain(`Session ${s.id}, transfer ${t.id}:`);
        expect(later).toBeNull();
        continue;
      }
      expect(diagnose).toContain(header);
      if (later === null) continue;
      expect(diagnose).toContain(flat(`Later: ${later}`));
      expect(explain).toContain(flat(later));
      expect(html).toContain(flat(later.replace(/'/g, '&#39;')));
    }
  }
  // explain tells what went wrong once per diagnosed attempt and never for a retry that completed;
  // the report has a card for each (and for a session with no success).
  const diagnosed = a.sessions.flatMap((s) => s.transfers).filter((t) => t.diagnosis !== null).length;
  expect(explain.split('What went wrong').length - 1).toBe(diagnosed);
  expect(html.split('<article class="card"').length - 1).toBe(diagnosed + a.sessions.filter((s) => s.diagnosis !== null).length);
  return { diagnose, explain, html };
}

describe('1. lftp -> proftpd: the first passive data connection never opens, lftp times out and retries in a new session', () => {
  const name = 'retry-syn-timeout-proftpd-lftp';
  it('attempt 1 failed (SYNs unanswered, no RETR sent), attempt 2 in session 2 completed: 3000 bytes, sha256 as saved', async () => {
    const a = await analyze(name);
    sameCommands(name, a);
    expect(rows(a)).toEqual([
      ['1.1', 'PASV', 58, null, null, 1, 0, null, null, 'failed', null, 'passive-syn-unanswered', [2, 1, 126, 'completed']],
      ['2.1', 'PASV', 118, 'RETR small.bin', 126, 3, 3000, 226, 138, 'completed', null, null, null],
    ]);
    // tshark: stream 1 is five SYNs to the 227's port (50049), never answered; stream 3 the retry's 3000 bytes.
    const syns = tsv(name, 'streams').find((r) => r.stream === '1')!;
    expect([syns.dstport, syns.frames, syns.bytes_dst_to_src]).toEqual(['50049', '5', '0']);
    expect(transfer(a, 1, 1).connection!.synFrames).toEqual([59, 61, 62, 63, 64]);
    expect(facts(name).files[0]).toMatchObject({ size: 3000, received_matches: true });
    expect(await extractedFiles(name, tmp)).toEqual({ 's2-t1-small.bin': factSha(name, 'small.bin') });
    expect(causes(a)).toEqual(['passive-syn-unanswered', 'passive-syn-unanswered']);
    expect(a.sessions.map((s) => s.diagnosis?.cause ?? null)).toEqual(['passive-syn-unanswered', null]);
    // It never named a file: the later attempt is the client's next one with this server, not "the same file".
    expect(laterAttemptSentence(transfer(a, 1, 1))).toBe(
      'This attempt never sent its command; the client\'s next attempt with this server came in session 2 (a new connection from the same client to the same server): RETR small.bin, frame 126 (transfer 2.1), which completed.',
    );
    await told(name, a);
  });
});

describe('2. curl --retry -> vsftpd: the data connection reset at the server twice (426), the third attempt completes', () => {
  const name = 'retry-426-twice-vsftpd-curl';
  it('attempts 1 and 2 aborted with 426, each tried again in a new session; attempt 3 complete: 131072 bytes', async () => {
    const a = await analyze(name);
    sameCommands(name, a);
    expect(rows(a)).toEqual([
      ['1.1', 'PASV', 18, 'RETR r128k.bin', 26, 1, 59368, 426, 92, 'aborted', null, 'aborted', [2, 1, 117, 'aborted']],
      ['2.1', 'PASV', 109, 'RETR r128k.bin', 117, 3, 64088, 426, 188, 'aborted', null, 'aborted', [3, 1, 217, 'completed']],
      ['3.1', 'PASV', 209, 'RETR r128k.bin', 217, 5, 131072, 226, 335, 'completed', null, null, null],
    ]);
    // The segment the router dropped (its 40th packet from the server) is missing at the client each time.
    for (const t of [transfer(a, 1, 1), transfer(a, 2, 1)]) expect(t.diagnosis!.summary).toContain('1448 bytes of the server\'s data never reached the client');
    // tshark: the server's RSTs (its end already reset, answering the client's duplicate ACKs) at 88-90,
    // then the 426 at 92. Before: the reset was in the evidence but not in the words.
    expect(transfer(a, 1, 1).connection!.rst).toMatchObject({ by: 'server', frame: 88 });
    // Audit 46: the resets answer the client's ACKs (no ACK flag, its acknowledgement as their sequence number): the server's end was gone, reset by neither host.
    expect(transfer(a, 1, 1).diagnosis!.summary).toContain('it answered them with a reset (frame 88) without ACK and with the client\'s acknowledgement as its sequence number');
    expect(transfer(a, 1, 1).diagnosis!.summary).toContain('The server replied 426 Failure writing network stream (frame 92).');
    expect(transfer(a, 1, 1).diagnosis!.evidence).toEqual([18, 19, 20, 26, 88, 92]);
    expect(facts(name).files[0]).toMatchObject({ size: 131072, received_matches: true });
    const saved = await extractedFiles(name, tmp);
    expect(saved['s3-t1-r128k.bin']).toBe(factSha(name, 'r128k.bin'));
    expect(Object.keys(saved).sort()).toEqual(['s1-t1-r128k.bin', 's2-t1-r128k.bin', 's3-t1-r128k.bin']);
    expect(laterAttemptSentence(transfer(a, 1, 1))).toBe(
      'Tried again in session 2 (a new connection from the same client to the same server): RETR r128k.bin, frame 117 (transfer 2.1), which was cut short too.',
    );
    expect(laterAttemptSentence(transfer(a, 2, 1))).toMatch(/^Tried again in session 3 .*: RETR r128k\.bin, frame 217 \(transfer 3\.1\), which completed\.$/);
    const { diagnose } = await told(name, a);
    expect(diagnose).toContain('2 of 3 transfers diagnosed (2 aborted, 1 complete)');
  });
});

describe('3. wget -> pure-ftpd, then wget -c: the resume in a second session carries only the tail (REST)', () => {
  const name = 'resume-wget-c-pureftpd-wget';
  it('session 1 aborted with the client holding 55024 bytes; session 2 REST 55024, the 76048-byte tail, complete', async () => {
    const a = await analyze(name);
    const f = facts(name);
    sameCommands(name, a);
    expect(rows(a)).toEqual([
      // Audit 48: the router's reset of the server's end (its bare RST answering wget's FIN), not path loss.
      ['1.1', 'PASV', 24, 'RETR r128k.bin', 28, 1, 70952, null, null, 'aborted', null, 'aborted', [2, 1, 139, 'completed']],
      ['2.1', 'PASV', 133, 'RETR r128k.bin', 139, 3, 76048, 226, 221, 'completed', 55024, null, null],
    ]);
    // The recorder: the first wget kept 55024 bytes; the second asked for the rest; the whole file matches.
    expect(f.client.partial_bytes).toBe(55024);
    const rest = tsv(name, 'ftp').find((r) => r['ftp.request.command'] === 'REST')!;
    expect([Number(rest['frame.number']), rest['ftp.request.arg']]).toEqual([137, '55024']);
    expect([f.files[0].received.size, f.files[1].size, f.files[1].received_matches]).toEqual([55024, 131072 - 55024, true]);
    const first = transfer(a, 1, 1);
    expect(first.verdict).toMatchObject({ kind: 'aborted', bytes: 70952, expected: 131072 });
    expect(first.diagnosis!.summary).toContain('the client had acknowledged 55024 of them');
    // pure-ftpd sent no final reply; wget's --read-timeout (3 s) closed the data connection, and the
    // server's end, reset by the router, answered with a RST (tshark: FIN 105, RST 106). Before: neither in the words.
    expect(first.diagnosis!.summary).toContain(
      "The client closed the data connection (FIN, frame 105) 3.0 s after the last data, and the server's end of it was already gone: it answered with a reset (frame 106) without ACK",
    );
    expect(first.diagnosis!.evidence).toEqual([24, 25, 26, 28, 105, 106, 110]);
    const saved = await extractedFiles(name, tmp);
    expect(saved['s2-t1-r128k.bin']).toBe(f.files[1].sha256);
    expect(laterAttemptSentence(first)).toBe(
      'Tried again in session 2 (a new connection from the same client to the same server): RETR r128k.bin from offset 55,024 (REST: a resume), frame 139 (transfer 2.1), which completed.',
    );
    await told(name, a);
  });
});

describe('4. lftp pget -n 3 -> vsftpd: one segment reset at the server, retried in the same session', () => {
  const name = 'pget-segment-reset-vsftpd-lftp';
  it('segment 1 aborted (426) and retried at 429; the other segments (REST 87382, 174763) are not its retry; all healthy but one', async () => {
    const a = await analyze(name);
    sameCommands(name, a);
    expect(rows(a)).toEqual([
      ['1.1', 'PASV', 42, 'RETR r256k.bin', 46, 3, 59368, 426, 128, 'aborted', null, 'aborted', [1, 2, 429, 'completed']],
      ['1.2', 'PASV', 425, 'RETR r256k.bin', 429, 6, 262144, 226, 664, 'completed', null, null, null],
      ['2.1', 'PASV', 333, 'RETR r256k.bin', 339, 5, 87381, 226, 420, 'completed', 174763, null, null],
      ['3.1', 'PASV', 157, 'RETR r256k.bin', 163, 4, 174762, 226, 325, 'completed', 87382, null, null],
    ]);
    // Session 2's RETR (frame 339) came after the 426 (frame 128) too, but from offset 174763: beyond
    // the 59368 bytes the failed segment got, another part of the file, not its retry.
    expect(causes(a)).toEqual(['aborted']);
    expect(facts(name).files[0]).toMatchObject({ size: 262144, received_matches: true });
    expect((await extractedFiles(name, tmp))['s1-t2-r256k.bin']).toBe(factSha(name, 'r256k.bin'));
    expect(laterAttemptSentence(transfer(a, 1, 1))).toBe('Tried again in the same session: RETR r256k.bin, frame 429 (transfer 1.2), which completed.');
    await told(name, a);
  });
});

describe('5. ftplib -> vsftpd: active RETR fails at the client\'s firewall (425), the script retries in passive mode', () => {
  const name = 'fallback-port-pasv-vsftpd-python';
  it('1.1 failed, the SYNs from port 20 dropped on the client\'s side; 1.2 (PASV) complete: 511 bytes', async () => {
    const a = await analyze(name);
    sameCommands(name, a);
    expect(rows(a)).toEqual([
      ['1.1', 'PORT', 17, 'RETR hello.txt', 19, 1, 0, 425, 26, 'failed', null, 'active-syn-unanswered', [1, 2, 35, 'completed']],
      ['1.2', 'PASV', 31, 'RETR hello.txt', 35, 2, 511, 226, 42, 'completed', null, null, null],
    ]);
    const d = transfer(a, 1, 1).diagnosis!;
    expect(d.evidence).toEqual([17, 18, 19, 20, 22, 23, 24, 25, 26]);
    expect(d.summary).toContain('dropped there — by a firewall on the client host or its segment');
    expect(d.advice).toMatch(/^The server's SYNs reached the client's side and got no answer there: allow inbound connections to the client's data ports on the client host's firewall .*or use passive mode/);
    // The session had a success: no session diagnosis.
    expect(a.sessions[0].diagnosis).toBeNull();
    expect(facts(name).client.messages).toBe('active failed: 425 Failed to establish connection.|passive: ok');
    expect(await extractedFiles(name, tmp)).toEqual({ 's1-t2-hello.txt': factSha(name, 'hello.txt') });
    expect(laterAttemptSentence(transfer(a, 1, 1))).toBe('Tried again in the same session: RETR hello.txt, frame 35 (transfer 1.2), which completed.');
    await told(name, a);
  });
});

describe('earlier recordings: a later attempt only when one followed', () => {
  it('fail-passive-retries-pureftpd-lftp: each failed attempt names the next, which failed too; the last names none', async () => {
    const a = await analyze('fail-passive-retries-pureftpd-lftp');
    expect(a.sessions.map((s) => s.transfers.map((t) => [t.verdict.kind, t.laterAttempt ? [t.laterAttempt.session, t.laterAttempt.outcome, t.laterAttempt.request] : null]))).toEqual([
      [['failed', [2, 'failed', null]]],
      [['failed', [3, 'failed', null]]],
      [['failed', null]],
    ]);
    expect(laterAttemptSentence(a.sessions[0].transfers[0])).toMatch(/its data connection announced at frame \d+ \(transfer 2\.1\), sending no command either, which failed too\.$/);
  });

  it('pasv-port-reused-vsftpd-python: a session already open beside the failed one is no retry of it', async () => {
    const a = await analyze('pasv-port-reused-vsftpd-python');
    // Session 1 (opened first) fetched the same file after session 2's 425: two sessions of one script.
    expect(rows(a).map((r) => [r[0], r[9], r[12]])).toEqual([
      ['1.1', 'completed', null],
      ['2.1', 'failed', null],
    ]);
  });

  it('bad-ip-vsftpd-python: the RETR refused, then the same RETR in the same session completes', async () => {
    const a = await analyze('bad-ip-vsftpd-python');
    expect(transfer(a, 1, 1).laterAttempt).toMatchObject({ session: 1, transfer: 2, samePath: true, sameSession: true, outcome: 'completed' });
  });
});
