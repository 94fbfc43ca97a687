/**
 * `diagnose` when many sessions or transfers fail alike: each transfer keeps its own heading, account
 * and evidence, but the same advice is given in full once and then named, and the note on what the
 * capture point cannot see once, for every session it concerns.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../cli/run-cli.js';
import { sharedAnalyzeFiles } from '../support/shared-analysis.js';
import { FIXTURES } from '../support/facts.js';

// lftp tried a passive RETR three times, in three sessions, against a dropped passive range.
const RETRIES = join(FIXTURES, 'fail-passive-retries-pureftpd-lftp.pcap');

describe('diagnose of failures that repeat', () => {
  it('gives the shared advice once and names it for the other transfers, each with its own account and evidence', async () => {
    const a = await sharedAnalyzeFiles([RETRIES], { fileName: RETRIES });
    const failed = a.sessions.flatMap((s) => s.transfers.filter((t) => t.diagnosis).map((t) => ({ s: s.id, t })));
    expect(failed.map((x) => `${x.s}.${x.t.id} ${x.t.diagnosis!.cause}`)).toEqual(['1.1 passive-syn-unanswered', '2.1 passive-syn-unanswered', '3.1 passive-syn-unanswered']);
    const advice = failed[0].t.diagnosis!.advice;
    expect(new Set(failed.map((x) => x.t.diagnosis!.advice))).toEqual(new Set([advice]));

    const { code, stdout } = await runCli(['diagnose', '--no-color', RETRIES]);
    expect(code).toBe(0);
    const flat = stdout.replace(/\n {2}/g, ' ');
    expect(flat.split(`What to change: ${advice}`)).toHaveLength(2);
    expect(flat.match(/What to change: as for session 1, transfer 1 above\./g)).toHaveLength(2);
    for (const { s, t } of failed) {
      expect(stdout).toContain(`Session ${s}, transfer ${t.id}: passive-syn-unanswered\n`);
      expect(flat).toContain(`Evidence: frames ${t.diagnosis!.evidence.join(', ')} What to change`);
    }
  });

  it('says once what the capture point cannot see, for the sessions it concerns', async () => {
    const a = await sharedAnalyzeFiles([RETRIES], { fileName: RETRIES });
    const blind = a.sessions[0].vantage!.blind;
    expect(a.sessions.map((s) => s.vantage?.blind)).toEqual([blind, blind, blind]);
    const { stdout } = await runCli(['diagnose', '--no-color', RETRIES]);
    const flat = stdout.replace(/\n {2}/g, ' ');
    expect(flat.match(/What this capture point cannot see/g)).toHaveLength(1);
    expect(flat).toContain(`What this capture point cannot see (sessions 1–3): ${blind}`);
  });

  it('with one session asked for, gives its advice and note in full', async () => {
    const { stdout } = await runCli(['diagnose', '--no-color', '-s', '2', RETRIES]);
    const flat = stdout.replace(/\n {2}/g, ' ');
    expect(flat).toContain('What this capture point cannot see (session 2): ');
    expect(flat).not.toContain('as for session');
    expect(flat).toMatch(/What to change: Open the server's passive port range/);
  });
});
