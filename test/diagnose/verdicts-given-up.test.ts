/**
 * Verdicts when the analysis does not follow everything (its memory budgets, `--max-memory`; here
 * set tiny on real captures). A transfer whose data connection was given up is "not followed",
 * whatever replies came after, never aborted or complete on bytes it did not count; a control
 * connection picked up again is said to be one, never "begun before the capture"; a refusal whose
 * next way was in commands not kept, or a split segment whose siblings were not followed, is not
 * followed, never failed or aborted.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analysis/pipeline.js';
import type { Analysis } from '../../src/analysis/model.js';
import { runCli } from '../cli/run-cli.js';
import { flat, path } from './audit-fixtures.js';

const NAME = 'pget4-vsftpd-lftp';

/** The analysis of lftp pget's capture under a budget of `max` connections, and its outputs. */
async function underConnections(max: number): Promise<{ a: Analysis; out: Record<string, string>; analyses: never }> {
  const analyses = ((paths: string[], o: Parameters<typeof analyzeFiles>[1]) => analyzeFiles(paths, { ...o, thread: false, maxConnections: max })) as never;
  const a = await analyzeFiles([path(NAME)], { fileName: NAME, thread: false, maxConnections: max });
  const out: Record<string, string> = {};
  for (const c of ['summary', 'transfers', 'diagnose', 'explain', 'timeline']) {
    const r = await runCli([c, '--no-color', path(NAME)], { analyses });
    expect(r.code, r.stderr).toBe(0);
    out[c] = flat(r.stdout + r.stderr);
  }
  return { a, out, analyses };
}

describe('pget4-vsftpd-lftp under a budget of 4 connections', () => {
  let a: Analysis;
  let out: Record<string, string>;
  beforeAll(async () => ({ a, out } = await underConnections(4)), 60_000);

  it("transfer 2.1: its data connection (stream 5), not yet carrying a byte, given up at frame 228 for the next one's SYN; lftp's ABOR (273) and the 226 (278) after it are not weighed against 0 counted bytes", () => {
    const t = a.sessions[1].transfers[0];
    expect([t.request?.command, t.connection?.stream, t.connection?.evicted, t.abortFrame, t.reply?.code, t.reply?.frame, t.bytes]).toEqual(['RETR', 5, 228, 273, 226, 278, 0]);
    expect(t.status).toBe('incomplete');
    expect(t.verdict).toMatchObject({ kind: 'incomplete', why: 'not-followed', evictedAt: 228, bytes: 0, expected: 30000 });
    expect(t.diagnosis).toBeNull();
    const words =
      "not followed to its end: 0 of 30,000 announced bytes had moved when the analysis stopped following its connections at frame 228, to make room for others " +
      '(more connections were live at once than its memory budget keeps; a larger --max-memory follows more); ' +
      "the server's 226 (frame 278) came after, but the data after frame 228 was not counted: whether it all moved is not known.";
    for (const c of ['transfers', 'diagnose', 'explain']) expect(out[c], c).toContain(words);
    expect(out.summary).toContain('2.1 passive RETR chunks.bin 198.51.100.20:50082 0 226 not followed');
    const card = out.transfers.slice(out.transfers.indexOf('Transfer 2.1'), out.transfers.indexOf('Transfer 3.1'));
    expect(card).toContain('ABOR frame 273');
    expect(card).not.toMatch(/\baborted\b/);
  });

  it('the control connections that carried bytes outlive the connections that had not yet: every session keeps its commands to its QUIT', () => {
    expect(a.sessions.slice(0, 3).map((s) => [s.client.port, s.commands.at(-1)?.command, s.controlConnection.evicted ?? null])).toEqual([
      [60546, 'QUIT', null],
      [60554, 'QUIT', null],
      [60570, 'QUIT', null],
    ]);
  });
});

describe('pget4-vsftpd-lftp under a budget of 2 connections', () => {
  let a: Analysis;
  let out: Record<string, string>;
  let analyses: never;
  beforeAll(async () => ({ a, out, analyses } = await underConnections(2)), 60_000);

  it("session 5 continues session 3's control connection (stream 2, given up at frame 38): picked up again, not begun before the capture", () => {
    const [s3, s5] = [a.sessions[2], a.sessions[4]];
    expect([s3.client.port, s3.controlConnection.evicted, s5.client.port, s5.midstream]).toEqual([60570, 38, 60570, true]);
    expect(s5.control).toMatchObject({ kind: 'midstream', resumes: { stream: 2, evictedAt: 38, why: 'room' } });
    expect(s5.commands.map((c) => [c.command, c.frame, c.reply?.code])).toEqual([
      [null, 347, 226],
      [null, 348, 225],
      ['QUIT', 355, 221],
    ]);
    const warning =
      "1 session(s) continue a control connection the analysis had given up before its end (more connections at once than its budget, or an idle hour): " +
      "session 5 (tcp.stream 2's, given up at frame 38); the earlier part is another session, and what came in between is not analysed [resumed-sessions]";
    for (const c of ['summary', 'transfers', 'diagnose', 'explain', 'timeline']) {
      expect(out[c], c).toContain(warning);
      expect(out[c], c).not.toContain('began before the capture');
    }
    expect(out.explain).toContain(
      'Control connection: picked up part way: the analysis had stopped following its connection (tcp.stream 2) at frame 38, to make room for others',
    );
    expect(out.explain).toContain('End of the session (textbook step 10): The analysis stopped following the control connection at frame 38, to make room for others: what came after is not in this session.');
    expect(out.explain).not.toContain('The capture begins after it was opened');
  });

  it('the report badges session 5 as picked up part way', async () => {
    const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'ftpcap-given-up-'));
    try {
      const html = join(dir, 'r.html');
      expect((await runCli(['report', path(NAME), '-o', html], { analyses })).code).toBe(0);
      expect(readFileSync(html, 'utf8')).toContain('picked up part way (memory budget)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The transfers' verdicts of a committed fixture analysed with these limits (and without, for the full story). */
async function underBudget(name: string, limits: Record<string, number>) {
  const full = await analyzeFiles([path(name)], { fileName: name, thread: false });
  const small = await analyzeFiles([path(name)], { fileName: name, thread: false, ...limits });
  const analyses = ((paths: string[], o: Parameters<typeof analyzeFiles>[1]) => analyzeFiles(paths, { ...o, thread: false, ...limits })) as never;
  const texts: Record<string, string> = {};
  for (const c of ['transfers', 'diagnose']) texts[c] = flat((await runCli([c, '--no-color', path(name)], { analyses })).stdout);
  const rows = (a: Analysis) => a.sessions.flatMap((s) => s.transfers.map((t) => [`${s.id}.${t.id}`, t.status, t.diagnosis?.cause ?? null]));
  return { full: rows(full), small: rows(small), a: small, texts };
}

describe('a command budget spent before the client\'s next way', () => {
  it("lftp's refused EPSV (1.1) and PASV (2.1), each followed by a new session whose commands were not kept (frame 76 on): not followed, not failed", async () => {
    const { full, small, a, texts } = await underBudget('a27-chain-pyftpdlib-lftp', { maxCommandsTotal: 40 });
    expect(full.slice(0, 2)).toEqual([
      ['1.1', 'fell-back', null],
      ['2.1', 'fell-back', null],
    ]);
    expect(small).toEqual([
      ['1.1', 'incomplete', null],
      ['2.1', 'incomplete', null],
    ]);
    expect(a.sessions[2].commandsNotKept).toEqual({ count: 10, from: 76 });
    expect(a.sessions[0].transfers[0].verdict).toEqual({ kind: 'incomplete', bytes: 0, expected: null, why: 'not-followed', commandsFrom: 76, evidence: [33, 76] });
    expect(a.sessions[1].transfers[0].verdict).toEqual({ kind: 'incomplete', bytes: 0, expected: null, why: 'not-followed', commandsFrom: 76, evidence: [64, 76] });
    expect(texts.transfers).toContain(
      "not followed to its end: the analysis stopped keeping this session's commands at frame 76 (more commands than its memory budget keeps; a larger --max-memory keeps more), " +
        'so what the client did next, which would tell how this announcement ended, is not known.',
    );
    expect(texts.diagnose).not.toContain('server-refused');
  });
});

describe("a split download's siblings not followed whole", () => {
  it('axel: segments 3.1 and 4.1, closed by the client when the next piece began, are not followed (sessions 5 and 6 not kept from frame 3050), not aborted', async () => {
    const { full, small, a, texts } = await underBudget('a29-axel-split-vsftpd', { maxCommandsTotal: 80 });
    expect(full.slice(0, 4).map((r) => r.slice(0, 2))).toEqual([
      ['1.1', 'complete'],
      ['2.1', 'complete'],
      ['3.1', 'complete'],
      ['4.1', 'complete'],
    ]);
    expect(small.slice(0, 4)).toEqual([
      ['1.1', 'complete', null],
      ['2.1', 'complete', null],
      ['3.1', 'incomplete', null],
      ['4.1', 'incomplete', null],
    ]);
    expect([a.sessions[4].commandsNotKept, a.sessions[5].commandsNotKept]).toEqual([
      { count: 5, from: 3050 },
      { count: 7, from: 3415 },
    ]);
    const t = a.sessions[2].transfers[0];
    expect(t.verdict).toMatchObject({ kind: 'incomplete', why: 'not-followed', siblingFrom: 3050, bytes: 1051984, expected: 2195456 });
    expect(texts.transfers).toContain(
      "not followed to its end: the client stopped this download after 1,051,984 of 2,195,456 bytes, and the analysis did not follow all of the client's other sessions to this server " +
        '(from frame 3050: more than its memory budget keeps; a larger --max-memory follows more): a split download would ask for the next piece there, so whether this piece was done or given up is not known.',
    );
    const card = texts.transfers.slice(texts.transfers.indexOf('Transfer 3.1'), texts.transfers.indexOf('Transfer 5.1') > 0 ? texts.transfers.indexOf('Transfer 5.1') : undefined);
    expect(card).not.toMatch(/\baborted by\b/);
    expect(texts.diagnose).not.toMatch(/transfer 1 \(RETR[^)]*\): (the client )?aborted/i);
  });
});

describe('a session budget spent before the client\'s next session', () => {
  it("lftp's refused PASV (frame 64) ended its session; its next sessions were let go (from frame 71): not followed, not failed", async () => {
    const { full, small, a, texts } = await underBudget('a27-chain-pyftpdlib-lftp', { maxSessions: 1 });
    expect(full[1]).toEqual(['2.1', 'fell-back', null]);
    expect(small).toEqual([['1.1', 'incomplete', null]]);
    const s = a.sessions[0];
    expect([s.client.port, s.peersNotKept, s.commands.at(-1)?.command, s.commands.at(-1)?.reply?.code]).toEqual([41686, 71, 'PASV', 502]);
    expect(s.transfers[0].verdict).toEqual({ kind: 'incomplete', bytes: 0, expected: null, why: 'not-followed', sessionsFrom: 71, evidence: [64, 71] });
    expect(texts.transfers).toContain(
      "not followed to its end: the refusal ended the session, and the analysis did not keep the client's later sessions to this server (from frame 71: " +
        'more sessions than its memory budget keeps; a larger --max-memory keeps more), so whether the client got past it another way is not known.',
    );
    expect(texts.diagnose).not.toContain('server-refused');
  });
});

describe('a long download whose control connection is silent for the whole of it', () => {
  it('a40-slow-reader: with room in the table, a 10 s idle timeout gives nothing up (the RETR completes); under pressure the control connection goes, and the 226 lands in a session picked up again', async () => {
    const roomy = await underBudget('a40-slow-reader-vsftpd-python', { idleTimeout: 10 });
    expect(roomy.small).toEqual(roomy.full);
    expect(roomy.small[0].slice(0, 2)).toEqual(['1.1', 'complete']);
    const tight = await underBudget('a40-slow-reader-vsftpd-python', { idleTimeout: 10, maxConnections: 4 });
    expect(tight.small[0]).toEqual(['1.1', 'incomplete', null]);
    expect(tight.a.sessions[0].transfers[0].verdict).toMatchObject({ kind: 'incomplete', why: 'not-followed', evictedAt: 47 });
    expect(tight.a.sessions[1].control).toMatchObject({ kind: 'midstream', resumes: { stream: 0, evictedAt: 47, why: 'idle' } });
  });
});
