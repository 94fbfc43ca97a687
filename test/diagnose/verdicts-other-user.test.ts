/**
 * A refused announcement and another user's session from the same host (fixtures/record.sh,
 * "session 28"): ftplib as one user asks EPSV, pyftpdlib refuses it (502), the script quits; a
 * second ftplib script logs in as anonymous about a second later and downloads hello.txt with PASV.
 * The first client never transferred anything: its refusal is a failure, not a fallback rescued
 * by the other user's session, nor is that session its "later attempt" (fallback.ts, later-attempt.ts:
 * a reconnecting client logs in as it did before). Frames are tshark's (NAME.tshark-ftp.tsv).
 */
import { describe, expect, it } from 'vitest';
import { analyze, facts, ftpRows, outputs, ourRows, tsv } from './audit-fixtures.js';

const NAME = 'refused-epsv-other-user-pyftpdlib-python';

describe(`${NAME}: a refused EPSV, then another user's download from the same host`, () => {
  it('two sessions from one client address, two users; commands and replies are tshark\'s', async () => {
    const a = await analyze(NAME);
    const f = facts(NAME);
    expect(a.sessions.map((s) => [s.client.ip, s.user])).toEqual([
      [f.client.address, f.user],
      [f.client.address, 'anonymous'],
    ]);
    expect(ourRows(a, 1)).toEqual(ftpRows(NAME, '0'));
    expect(ourRows(a, 2)).toEqual(ftpRows(NAME, '1'));
  });

  it("the first user's refused EPSV is its failure: server-refused at frames 13-14, no fallback, no later attempt", async () => {
    const a = await analyze(NAME);
    const rows = tsv(NAME, 'ftp');
    const epsv = rows.find((r) => r['ftp.request.command'] === 'EPSV')!;
    const refused = rows.find((r) => r['ftp.response.code'] === '502')!;
    const t = a.sessions[0].transfers[0];
    expect([t.status, t.verdict.kind, t.diagnosis?.cause]).toEqual(['failed', 'failed', 'server-refused']);
    expect(t.diagnosis?.evidence).toEqual([Number(epsv['frame.number']), Number(refused['frame.number'])]);
    expect(t.laterAttempt).toBeUndefined();
  });

  it("the anonymous download completed with the recorded file's bytes, no diagnosis", async () => {
    const a = await analyze(NAME);
    const t = a.sessions[1].transfers[0];
    const stream = tsv(NAME, 'streams').find((r) => r.stream === String(t.connection?.stream))!;
    expect([t.request?.command, t.request?.arg, t.status, t.bytes, t.diagnosis]).toEqual(['RETR', 'hello.txt', 'complete', Number(stream.bytes_dst_to_src), null]);
    expect(t.bytes).toBe(facts(NAME).files.find((x: { path: string }) => x.path === 'hello.txt').received.size);
  });

  it('every output says the same: session 1 failed, nothing of session 2 offered as its recovery', async () => {
    const [summary, diagnose, explain] = await outputs(NAME, 'summary', 'diagnose', 'explain');
    expect(summary).toMatch(/1 \d+\.\d+\.\d+\.\d+:\d+ \S+ fxm?\w* no [\d.]+ 4 1 failed /);
    expect(summary).not.toMatch(/fell back/);
    expect(diagnose).toMatch(/Session 1, transfer 1: server-refused/);
    expect(diagnose).not.toMatch(/Later:|next attempt/);
    expect(explain).not.toMatch(/fell back|next attempt/);
  });
});
