/**
 * `diagnose` and `explain` when many sessions or transfers fail alike: each transfer keeps its own
 * heading, account and evidence, but the same advice is given in full once and then named, and
 * (diagnose) the note on what the capture point cannot see once, for every session it concerns.
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

describe('explain of failures that repeat', () => {
  // explain tells each session as its packets end and prints them in order: the advice is given in
  // full by the first session printed, whichever ended first.
  it('gives the shared advice in full in the first session told, and names it in the later ones', async () => {
    const a = await sharedAnalyzeFiles([RETRIES], { fileName: RETRIES });
    const advice = a.sessions[0].transfers.find((t) => t.diagnosis)!.diagnosis!.advice;
    const { code, stdout } = await runCli(['explain', '--no-color', RETRIES]);
    expect(code).toBe(0);
    const bySession = stdout.split(/^Session \d+: /m).slice(1).map((t) => t.replace(/\n\s+/g, ' '));
    expect(bySession).toHaveLength(3);
    expect(bySession[0]).toContain(`What to change: ${advice}`);
    for (const later of bySession.slice(1)) {
      expect(later).toContain('What to change: as for session 1 above.');
      expect(later).not.toContain(advice);
      // What went wrong stays each session's own.
      expect(later).toContain('What went wrong (passive-syn-unanswered');
    }
  });

  it('with one session asked for, gives its advice in full', async () => {
    const a = await sharedAnalyzeFiles([RETRIES], { fileName: RETRIES });
    const advice = a.sessions[1].transfers.find((t) => t.diagnosis)!.diagnosis!.advice;
    const { stdout } = await runCli(['explain', '--no-color', '-s', '3', RETRIES]);
    expect(stdout.replace(/\n\s+/g, ' ')).toContain(`What to change: ${advice}`);
    expect(stdout).not.toContain('as for session');
  });
});
