/**
 * `ftpcap summary a b …` run in-process from the sources (no worker threads there: the captures
 * are analysed one after another, with the same output as the compiled CLI's workers, which
 * test/capture/read-parallel.test.ts runs).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitPcap } from '../support/pcap-edit.js';
import { runCli } from './run-cli.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures');
const facts = (name: string) => JSON.parse(readFileSync(join(FIXTURES, `${name}.facts.json`), 'utf8'));
const A = join(FIXTURES, 'passive-vsftpd-lftp.pcap');
const B = join(FIXTURES, 'fail-login-vsftpd-curl.pcap');

describe('ftpcap summary with several captures', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ftpcap-many-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints each summary in the order given', async () => {
    const r = await runCli(['summary', B, A]);
    expect(r.code).toBe(0);
    expect(r.stdout.indexOf(`Capture ${B}:`)).toBeGreaterThanOrEqual(0);
    expect(r.stdout.indexOf(`Capture ${A}:`)).toBeGreaterThan(r.stdout.indexOf(`Capture ${B}:`));
  });

  it('--json gives an array of documents, one per capture', async () => {
    const r = await runCli(['summary', '--json', A, B]);
    const docs = JSON.parse(r.stdout);
    expect(docs.map((d: { capture: { packets: number } }) => d.capture.packets)).toEqual([
      facts('passive-vsftpd-lftp').capture.packets,
      facts('fail-login-vsftpd-curl').capture.packets,
    ]);
  });

  it('joins the files of a ring buffer into one capture (one JSON document)', async () => {
    const { header, records } = splitPcap(readFileSync(A));
    const half = Math.floor(records.length / 2);
    const p0 = join(dir, 'cap_00001_20240102030405.pcap');
    const p1 = join(dir, 'cap_00002_20240102030406.pcap');
    writeFileSync(p0, Buffer.concat([header, ...records.slice(0, half).map((r) => r.bytes)]));
    writeFileSync(p1, Buffer.concat([header, ...records.slice(half).map((r) => r.bytes)]));
    const joined = JSON.parse((await runCli(['summary', '--json', p1, p0])).stdout);
    const whole = JSON.parse((await runCli(['summary', '--json', A])).stdout);
    expect(joined.capture.file).toContain('(2 ring-buffer files)');
    expect(joined.capture.packets).toBe(facts('passive-vsftpd-lftp').capture.packets);
    expect(JSON.stringify(joined.sessions)).toBe(JSON.stringify(whole.sessions));
  });

  it('goes on past a missing capture and exits 2', async () => {
    const r = await runCli(['summary', join(dir, 'missing.pcap'), A]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing.pcap: cannot read (ENOENT)');
    expect(r.stdout).toContain(`Capture ${A}:`);
  });
});
