/**
 * Uploads whose client was killed mid-way (fixtures/record.sh, "session 29": lftp and curl, each
 * SIGKILLed after about 2 s of a rate-limited STOR; vsftpd answers 226 to the part it got, after
 * the client is gone). lftp's `put -c` then resumes its file (SIZE, REST, STOR): that resume shows
 * the first upload was cut short, so it is aborted by the client (analysis/resumed-upload.ts).
 * curl then sends its file again whole, from 0: that says nothing of how far the first got, which
 * stays unknown (client gone). Frames are tshark's (NAME.tshark-ftp.tsv).
 */
import { describe, expect, it } from 'vitest';
import { analyze, facts, ftpRows, jsonVerdicts, outputs, ourRows, tsv, verdicts } from './audit-fixtures.js';

const NAME = 'killed-upload-resumed-vsftpd-lftp';

describe(`${NAME}: a killed upload resumed, and one sent again whole`, () => {
  it("four sessions from one client; commands and replies are tshark's", async () => {
    const a = await analyze(NAME);
    expect(a.sessions).toHaveLength(4);
    for (const s of a.sessions) expect(ourRows(a, s.id)).toEqual(ftpRows(NAME, String(s.stream)));
  });

  it('the killed upload the client resumed is aborted by the client, its size from the resume; the one sent again stays unknown', async () => {
    const a = await analyze(NAME);
    const ftp = tsv(NAME, 'ftp');
    const frameOf = (cmd: string, arg?: string, nth = 0): number =>
      Number(ftp.filter((r) => r['ftp.request.command'] === cmd && (arg === undefined || r['ftp.request.arg'] === arg))[nth]['frame.number']);
    const rest = frameOf('REST');
    const resumeStor = ftp.find((r) => Number(r['frame.number']) > rest && r['ftp.request.command'] === 'STOR')!;
    const [resume, again] = facts(NAME).files;
    const partial = Number(facts(NAME).upload.partial_size_after_kill);
    const offset = Number(ftp.find((r) => r['ftp.request.command'] === 'REST')!['ftp.request.arg']);
    // lftp resumes at the server's partial size, and the two parts make the recorded file.
    expect([offset, offset + resume.size]).toEqual([partial, 196608]);
    expect(resume.received_matches).toBe(true);
    expect(verdicts(a)).toEqual([
      ['1.1', 'aborted', 'aborted', `2.1 REST ${offset} completed`],
      ['2.1', 'completed', null, null],
      ['3.1', 'unknown', null, null],
      ['4.1', 'completed', null, null],
    ]);
    const [t1, t2, t3, t4] = a.sessions.map((s) => s.transfers[0]);
    expect([t1.bytes, t2.bytes, t2.restOffset, t3.bytes, t4.bytes]).toEqual([partial, resume.size, offset, Number(facts(NAME).upload2.partial_size_after_kill), again.size]);
    const reply1 = t1.reply!.frame;
    expect(t1.reply!.code).toBe(226);
    expect(t1.verdict).toMatchObject({ kind: 'aborted', by: 'client', bytes: partial, expected: 196608, resumed: { reply: reply1, size: 196608, from: offset, frame: Number(resumeStor['frame.number']) } });
    expect(t1.diagnosis!.evidence).toContain(Number(resumeStor['frame.number']));
    expect(t3.verdict).toMatchObject({ kind: 'unknown', why: 'client-gone', bytes: t3.bytes });
    expect(t3.laterAttempt).toBeUndefined();
    expect(frameOf('STOR', 'again.bin', 1)).toBe(t4.request!.frame);
    expect(await jsonVerdicts(NAME)).toEqual(verdicts(a).map((r) => r.slice(0, 3)));
  });

  it('every output says the same', async () => {
    const a = await analyze(NAME);
    const t1 = a.sessions[0].transfers[0];
    const v = t1.verdict.kind === 'aborted' ? t1.verdict.resumed! : null;
    const [summary, diagnose, explain, transfers] = await outputs(NAME, 'summary', 'diagnose', 'explain', 'transfers');
    expect(summary).toMatch(/1\.1 passive STOR resume\.bin \S+ \d+ 226 aborted \(client\) \[1\]/);
    expect(summary).toMatch(/3\.1 passive STOR again\.bin \S+ \d+ 226 unknown \(client gone\)/);
    expect(diagnose).toMatch(/Session 1, transfer 1: aborted/);
    expect(diagnose).toMatch(new RegExp(`The client later resumed the file from offset ${v!.from} \\(REST, then STOR at frame ${v!.frame}\\), and that resume completed it at 196608 bytes: this upload had stopped ${196608 - t1.bytes} bytes short of the end`));
    expect(diagnose).toMatch(/Session 3, transfer 1 \(STOR again\.bin\): unknown: .*client was gone/);
    expect(diagnose).toMatch(/1 of 4 transfers diagnosed \(1 aborted, 2 complete, 1 unknown\)/);
    for (const text of [explain, transfers]) expect(text).toMatch(/aborted by the client after [\d,]+ of 196,608 bytes: the server said 226/);
  });
});
