/**
 * Issue 12 #4: JSON is written as it is produced. The streamed document equals, byte for byte, the
 * one JSON.stringify would give (on every fixture and every part), while no piece written is the
 * whole: the largest is one session. JSON Lines give one parsable object per line.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/analysis/pipeline.js';
import { terminalSafeJson, toJson, writeJson, writeJsonLines, type JsonPart } from '../../src/render/json.js';
import { sharedAnalyzeFiles } from '../support/shared-analysis.js';
import { runCli } from '../cli/run-cli.js';
import { FIXTURES } from '../support/facts.js';
import { sampleFixtures } from '../support/fixture-sample.js';

const PARTS: JsonPart[] = ['summary', 'sessions', 'commands', 'transfers', 'diagnose'];
// npm test checks the fixed sample of fixtures (test/support/fixture-sample.ts); test:long (and CI) every one.
const captures = sampleFixtures(readdirSync(FIXTURES).filter((f) => /\.(pcap|pcapng)$/.test(f)).sort());

describe('streamed JSON', () => {
  it('is the same document as JSON.stringify gives, on every fixture (npm test: the sample) and part', async () => {
    for (const f of captures) {
      // The analyses the worker's other files made of the same fixtures (test/support/shared-analysis.ts).
      const a = await sharedAnalyzeFiles([join(FIXTURES, f)], { fileName: f, thread: false });
      for (const part of PARTS) {
        let out = '';
        writeJson(a, part, (s) => (out += s));
        expect({ f, part, same: out === `${terminalSafeJson(toJson(a, part))}\n` }).toEqual({ f, part, same: true });
      }
    }
  });

  it('writes one piece per session and per transfer, never the whole document at once', async () => {
    const f = 'control-only-vsftpd-lftp.pcap';
    const a = await analyzeFiles([join(FIXTURES, f)], { fileName: f, thread: false });
    const pieces: string[] = [];
    writeJson(a, 'transfers', (s) => pieces.push(s));
    const whole = pieces.join('');
    expect(a.sessions[0].transfers).toHaveLength(41);
    // '{', the capture key, the capture, '[', 41 transfers, ']' and the close.
    expect(pieces.length).toBeGreaterThanOrEqual(41 + 4);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(whole.length / 10);
    expect(JSON.parse(whole).transfers).toHaveLength(41);
  });
});

describe('JSON Lines (--jsonl)', () => {
  it('one object per line: the capture, each session, each of its transfers', async () => {
    const f = join(FIXTURES, 'nat-active-nohelper-vsftpd-ftp.pcap');
    const run = await runCli(['summary', '--jsonl', f]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { record: string; id?: number; session?: number; verdict?: { kind: string } });
    expect(lines.map((l) => l.record)).toEqual(['capture', 'session', 'transfer', 'session', 'transfer']);
    expect(lines.filter((l) => l.record === 'transfer').map((l) => [l.session, l.id, l.verdict?.kind])).toEqual([
      [1, 1, 'failed'],
      [2, 1, 'failed'],
    ]);
    let direct = '';
    writeJsonLines(await analyzeFiles([f], { fileName: f, thread: false }), (s) => (direct += s));
    expect(direct.split('\n').length).toBe(run.stdout.split('\n').length);
  });

  it('-s keeps one session', async () => {
    const run = await runCli(['transfers', '--jsonl', '-s', '2', join(FIXTURES, 'nat-active-nohelper-vsftpd-ftp.pcap')]);
    expect(run.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as { record: string; id?: number }).record)).toEqual(['capture', 'session', 'transfer']);
  });
});
