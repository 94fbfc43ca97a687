/**
 * Verdicts when the analysis gives connections up before their end (more connections live at once
 * than its budget: here a budget of 3 on lftp pget's four sessions, a real capture). A transfer
 * whose data connection was given up is "not followed", whatever replies came after, never aborted
 * or complete on bytes it did not count; a control connection picked up again is said to be one,
 * never "begun before the capture".
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analysis/pipeline.js';
import type { Analysis } from '../../src/analysis/model.js';
import { runCli } from '../cli/run-cli.js';
import { flat, path } from './audit-fixtures.js';

const NAME = 'pget4-vsftpd-lftp';
const analyses = ((paths: string[], o: Parameters<typeof analyzeFiles>[1]) => analyzeFiles(paths, { ...o, thread: false, maxConnections: 3 })) as never;

let a: Analysis;
const out: Record<string, string> = {};
beforeAll(async () => {
  a = await analyzeFiles([path(NAME)], { fileName: NAME, thread: false, maxConnections: 3 });
  for (const c of ['summary', 'transfers', 'diagnose', 'explain', 'timeline']) {
    const r = await runCli([c, '--no-color', path(NAME)], { analyses });
    expect(r.code, r.stderr).toBe(0);
    out[c] = flat(r.stdout + r.stderr);
  }
}, 60_000);

describe('pget4-vsftpd-lftp under a budget of 3 connections', () => {
  it('transfer 2.1: its data connection (stream 5) given up at frame 228; lftp\'s ABOR (273) and the 226 (278) after it are not weighed against 0 counted bytes', () => {
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

  it('session 5 continues session 1\'s control connection (stream 0, given up at frame 38): picked up again, not begun before the capture', () => {
    const [s1, s5] = [a.sessions[0], a.sessions[4]];
    expect([s1.client.port, s1.controlConnection.evicted, s5.client.port, s5.midstream]).toEqual([60546, 38, 60546, true]);
    expect(s5.control).toMatchObject({ kind: 'midstream', resumes: { stream: 0, evictedAt: 38, why: 'room' } });
    expect(s5.commands.map((c) => [c.command, c.frame, c.reply?.code])).toEqual([
      ['ABOR', 352, 225],
      ['QUIT', 367, 221],
    ]);
    const warning =
      "frame 350: 1 session(s) continue a control connection the analysis had given up before its end (more connections at once than its budget, or an idle hour): " +
      "session 5 (tcp.stream 0's, given up at frame 38); the earlier part is another session, and what came in between is not analysed [resumed-sessions]";
    for (const c of ['summary', 'transfers', 'diagnose', 'explain', 'timeline']) {
      expect(out[c], c).toContain(warning);
      expect(out[c], c).not.toContain('began before the capture');
    }
    expect(out.explain).toContain(
      'Control connection: picked up part way: the analysis had stopped following its connection (tcp.stream 0) at frame 38, to make room for others',
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
