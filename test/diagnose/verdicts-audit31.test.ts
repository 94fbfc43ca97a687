/**
 * The thirty-first verdict audit, each on a real recording (fixtures/record.sh, "Thirty-first verdict
 * audit"): situations that could fool the split-download reading (split-download.ts) and the
 * fallback reading (fallback.ts). A download the user interrupted and resumed while another program
 * fetched the same file is a stopped download with a later attempt, not a finished segment; a
 * segment whose data connection the server's side cut stays aborted (by a firewall's reset: session 31) though a retry
 * covers its bytes; a refused PORT naming a third host stays a visible bounce attempt, while the
 * PASV download after it is healthy. Frames are tshark's (NAME.tshark-ftp.tsv); sizes and sha256 are
 * the recorder's facts.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { runCli } from '../cli/run-cli.js';
import { capturePath } from '../support/facts.js';
import { sharedAnalyzeFiles } from '../support/shared-analysis.js';
import { extractedFiles, facts, factSha, flat, ftpRows, ourRows, transferRows } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit31-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const file = capturePath;
const analyze = (name: string): Promise<Analysis> => sharedAnalyzeFiles([file(name)], { fileName: name, thread: false });
const outputs = async (name: string, ...commands: string[]): Promise<string[]> =>
  (await Promise.all(commands.map((c) => runCli([c, '--no-color', file(name)])))).map((r) => flat(r.stdout));
const summaryJson = async (name: string): Promise<any> => JSON.parse((await runCli(['summary', '--json', file(name)])).stdout);
/** Each transfer: [id, status, verdict, cause, REST, segment's next transfer or null, later attempt or null]. */
const verdicts = (a: Analysis): unknown[][] =>
  a.sessions.flatMap((s) =>
    s.transfers.map((t) => {
      const g = t.verdict.kind === 'completed' ? t.verdict.segment : undefined;
      const l = t.laterAttempt;
      return [`${s.id}.${t.id}`, t.status, t.verdict.kind, t.diagnosis?.cause ?? null, t.restOffset, g ? `${g.next.session}.${g.next.transfer}` : null, l ? `${l.session}.${l.transfer} ${l.outcome}` : null];
    }),
  );
function sameAsTshark(a: Analysis, name: string): void {
  for (const s of a.sessions) expect(ourRows(a, s.id)).toEqual(ftpRows(name, String(s.stream)));
}
/** summary --json's per-transfer [id, status, verdict, cause]: the same verdicts as the model's. */
async function jsonVerdicts(name: string): Promise<unknown[][]> {
  const j = await summaryJson(name);
  return j.sessions.flatMap((s: any) => s.transfers.map((t: any) => [`${s.id}.${t.id}`, t.status, t.verdict.kind, t.diagnosis?.cause ?? null]));
}

describe('1. curl interrupted by the user and resumed (curl -C -) while wget fetches the same file', () => {
  const name = 'a31-resume-beside-wget-vsftpd-curl';
  it(`${name}: commands and transfers as tshark shows them`, async () => {
    const a = await analyze(name);
    sameAsTshark(a, name);
    expect(transferRows(a)).toEqual([
      ['1.1', 'PASV', 24, 'RETR seg1m.txt', 28, 1, 1097728, 226, 2370, 'completed'],
      ['2.1', 'PASV', 160, 'RETR seg1m.txt', 168, 3, 299888, 226, 880, 'aborted'],
      ['3.1', 'PASV', 1105, 'RETR seg1m.txt', 1115, 5, 815104, 226, 1832, 'completed'],
    ]);
    // Both programs' files are whole: the resume's REST is what curl had written.
    expect(facts(name).files.map((f: any) => f.received_matches)).toEqual([true, true]);
    expect(282624 + 815104).toBe(facts(name).files[0].size);
  });

  it('the interrupted RETR is aborted by the client, with its resume as later attempt; not a segment of a split download', async () => {
    const a = await analyze(name);
    // Before: 2.1 "completed (segment)": wget's REST 0 download beside it made the group look split,
    // and the resume's REST 282624 (inside 2.1's 299888 bytes) looked like the next segment.
    expect(verdicts(a)).toEqual([
      ['1.1', 'complete', 'completed', null, null, null, null],
      ['2.1', 'aborted', 'aborted', 'aborted', null, null, '3.1 completed'],
      ['3.1', 'complete', 'completed', null, 282624, null, null],
    ]);
    const t = a.sessions[1].transfers[0];
    expect(t.diagnosis!.evidence).toContain(878); // the client's reset of the data connection
    expect(await jsonVerdicts(name)).toEqual(verdicts(a).map((r) => r.slice(0, 4)));
  });

  it('every output words it the same way: the client stopped it, the resume completed; nothing says segment', async () => {
    const [summary, diagnose, explain] = await outputs(name, 'summary', 'diagnose', 'explain');
    expect(summary).toMatch(/2\.1 passive RETR seg1m\.txt \S+ 299888 226 aborted \(client\)/);
    expect(diagnose).toMatch(/The client reset the data connection at frame 878/);
    expect(diagnose).toMatch(/Tried again in session 3 .*RETR seg1m\.txt from offset 282,624 \(REST: a resume\), frame 1115 \(transfer 3\.1\), which completed/);
    expect(diagnose).toMatch(/1 of 3 transfers diagnosed/);
    expect(explain).toMatch(/Verdict: transfer 1 aborted by the client after 299,888 of 1,097,728 bytes/);
    for (const text of [summary, diagnose, explain]) expect(text).not.toMatch(/segment of a download split|\(segment\)/);
  });

  it('extract: the whole file from wget; the resume is the file from offset 282624', async () => {
    const out = join(tmp, name);
    expect((await runCli(['extract', '-o', out, file(name)])).code).toBe(0);
    const objects = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).objects;
    const sha = (o: any): string => createHash('sha256').update(readFileSync(join(out, o.savedName))).digest('hex');
    expect(objects.map((o: any) => [o.restOffset ?? 0, o.verdict])).toEqual([
      [0, 'complete'],
      [0, 'aborted'],
      [282624, 'complete'],
    ]);
    expect(sha(objects[0])).toBe(factSha(name, 'seg1m.txt'));
  });
});

describe('2. aria2c -s 3 where the server\'s own firewall cuts one segment (426)', () => {
  const name = 'a31-aria2c-server-cut-vsftpd';
  it(`${name}: commands and transfers as tshark shows them`, async () => {
    const a = await analyze(name);
    sameAsTshark(a, name);
    expect(transferRows(a)).toEqual([
      ['1.1', 'PASV', 30, 'RETR seg3m.txt', 36, 3, 1114512, 426, 3044, 'completed'],
      ['2.1', 'PASV', 840, 'RETR seg3m.txt', 846, 5, 1114512, 226, 3047, 'completed'],
      ['3.1', 'PASV', 145, 'RETR seg3m.txt', 151, 4, 890160, 426, 1084, 'aborted'],
      ['4.1', 'PASV', 2040, 'RETR seg3m.txt', 2046, 7, 195280, 426, 2259, 'completed'],
      ['5.1', 'PASV', 2283, 'RETR seg3m.txt', 2289, 9, 147456, 226, 2420, 'completed'],
    ]);
    expect(facts(name).files[0].received_matches).toBe(true);
  });

  it('the cut segment stays aborted, by a firewall\'s reset, though its retry (REST at its end) covers its bytes; the others are segments', async () => {
    const a = await analyze(name);
    expect(verdicts(a)).toEqual([
      ['1.1', 'complete', 'completed', null, 0, '3.1', null],
      ['2.1', 'complete', 'completed', null, 2097152, '5.1', null],
      ['3.1', 'aborted', 'aborted', 'aborted', 1048576, null, '4.1 completed'],
      ['4.1', 'complete', 'completed', null, 1048576 + 890160, '2.1', null],
      ['5.1', 'complete', 'completed', null, 3145728, null, null],
    ]);
    expect(await jsonVerdicts(name)).toEqual(verdicts(a).map((r) => r.slice(0, 4)));
    const [summary, diagnose, explain] = await outputs(name, 'summary', 'diagnose', 'explain');
    expect(summary).toMatch(/3\.1 passive RETR seg3m\.txt \S+ 890160 426 aborted \(firewall\)/);
    // Audit 46: the server's resets answer the client's ACKs (its end already gone): reset by something other than the client — here the server's own firewall, which the client's side cannot tell from one on the path.
    expect(diagnose).toMatch(/it answered them with a reset \(frame 1027\) without ACK .* or a firewall on the server's own host\. .* The server replied 426 Failure writing network stream \(frame 1084\)/);
    expect(diagnose).toMatch(/1 of 5 transfers diagnosed/);
    expect(explain.replace(/\s+/g, ' ')).toContain("Verdict: transfer 1 aborted by a firewall's reset (on the path, or on the server's own host: this capture cannot tell which) after 890,160");
  });
});

describe('3. a refused PORT naming a third host (bounce attempt), then a PASV download', () => {
  const name = 'a31-bounce-then-pasv-vsftpd-python';
  it(`${name}: commands and transfers as tshark shows them`, async () => {
    const a = await analyze(name);
    sameAsTshark(a, name);
    expect(ftpRows(name, '0').filter(([, c]) => /PORT|500|PASV|227|RETR|226/.test(c))).toEqual([
      [17, 'PORT'],
      [18, '500'],
      [21, 'PASV'],
      [22, '227'],
      [26, 'RETR'],
      [33, '226'],
    ]);
    expect(transferRows(a)).toEqual([
      ['1.1', 'PORT', 17, null, null, null, 0, null, null, 'failed'],
      ['1.2', 'PASV', 22, 'RETR hello.txt', 26, 1, 511, 226, 33, 'completed'],
    ]);
    expect(facts(name).files[0].received_matches).toBe(true);
  });

  it('the bounce stays visible (not "fell back"); the download is healthy in every output', async () => {
    const a = await analyze(name);
    // Before: 1.1 "refused, fell back to PASV" with no diagnosis: the bounce attempt was hidden.
    expect(verdicts(a)).toEqual([
      ['1.1', 'failed', 'failed', 'bounce', null, null, '1.2 completed'],
      ['1.2', 'complete', 'completed', null, null, null, null],
    ]);
    expect(a.sessions[0].transfers[0].diagnosis!.evidence).toEqual([17, 18]);
    expect(await jsonVerdicts(name)).toEqual(verdicts(a).map((r) => r.slice(0, 4)));
    const [summary, diagnose, explain] = await outputs(name, 'summary', 'diagnose', 'explain');
    expect(summary).toMatch(/1\.1 bounce: PORT names another address than the client's \(FTP bounce\)/);
    expect(summary).not.toMatch(/fell back/);
    expect(diagnose).toMatch(/the PORT names a third host, port 2121\. The server refused it: 500 Illegal PORT command \(frame 18\)/);
    expect(diagnose).not.toMatch(/Session 1, transfer 2/);
    expect(explain).toMatch(/PORT in frame 17 names 203\.0\.113\.30, not the client's address 192\.0\.2\.10/);
    const got = await extractedFiles(name, tmp);
    expect(Object.values(got)).toContain(factSha(name, 'hello.txt'));
  });
});
