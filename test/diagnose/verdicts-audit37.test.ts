/**
 * The thirty-seventh verdict audit, each on a real recording (fixtures/record.sh, "Thirty-seventh
 * verdict audit"): intermittent data-connection failures. The server's passive range is 50000-50019
 * and the router's firewall opens only 50000-50009 (dropping, or rejecting with a RST or ICMP, the
 * rest), so transfers work or fail by the port the server drew. Each run is captured at the client
 * and at the server. The ports drawn are random: the expected split is computed here from the
 * recorder's facts (what the client itself reported per transfer, a37.transfers) and tshark's 227
 * frames, independently of ftpcap's code, and ftpcap must agree — including when the run drew too
 * few ports to claim a split (MIN_PORTS distinct ports on each side), and when the failing ports
 * interleave with the working ones (every odd port closed).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis, Transfer } from '../../src/analysis/model.js';
import { MIN_PORTS, portSplitAdvice, portSplitReference, portSplitWords } from '../../src/analysis/passive-port-split.js';
import { runCli } from '../cli/run-cli.js';
import { analyze, facts, flat, outputs, path, reportPage, transfers, tsv } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit37-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Attempt {
  port: number;
  ok: boolean;
}

/** tshark's 227 replies in order: [frame, announced port]. */
const announced = (name: string): Array<[number, number]> =>
  tsv(name, 'ftp')
    // pure-ftpd says "227 Logout." to a client that leaves without QUIT: only the 227s naming an address count.
    .filter((r) => r['ftp.response.code'] === '227' && /\(\d+(,\d+){5}\)/.test(r['ftp.response.arg']))
    .map((r) => {
      const m = /\((\d+),(\d+),(\d+),(\d+),(\d+),(\d+)\)/.exec(r['ftp.response.arg'])!;
      return [Number(r['frame.number']), Number(m[5]) * 256 + Number(m[6])];
    });

/** The split the attempts show, decided here from the ground truth: [worked low, high, failed low, high] or null. */
function expectedSplit(attempts: Attempt[]): [number, number, number, number] | null {
  const worked = [...new Set(attempts.filter((x) => x.ok).map((x) => x.port))].sort((x, y) => x - y);
  const failed = [...new Set(attempts.filter((x) => !x.ok).map((x) => x.port))].sort((x, y) => x - y);
  if (worked.length < MIN_PORTS || failed.length < MIN_PORTS) return null;
  const clean = failed[0] > worked[worked.length - 1] || failed[failed.length - 1] < worked[0];
  return clean ? [worked[0], worked[worked.length - 1], failed[0], failed[failed.length - 1]] : null;
}

const passive = (a: Analysis): Transfer[] => transfers(a).filter((t) => t.mode === 'passive' && t.announce?.endpoint);

/** The run's attempts from the client's own report (ftplib), or from the capture's 227s and the client's exit status (curl: one per session). */
function groundTruth(name: string): Attempt[] {
  const f = facts(name);
  if (f.a37?.transfers) return f.a37.transfers.map((x: { port: number; ok: boolean }) => ({ port: x.port, ok: x.ok }));
  const ports = announced(name).map(([, port]) => port);
  return f.a37.sessions.map((x: { exit: number }, i: number) => ({ port: ports[i], ok: x.exit === 0 }));
}

async function checkRun(name: string, failCause: string, split: 'split' | 'none'): Promise<void> {
  const truth = groundTruth(name.replace(/-server$/, ''));
  const a = await analyze(name);
  const list = passive(a);
  // Every 227 of the capture, in order, is a transfer's announcement with tshark's frame and port.
  expect(list.map((t) => [t.announce!.reply!.frame, t.announce!.endpoint!.port])).toEqual(announced(name));
  // Outcome by port, as the client reported it.
  expect(list.map((t) => ({ port: t.announce!.endpoint!.port, ok: t.status === 'complete' }))).toEqual(truth);
  for (const t of list) {
    if (t.status === 'complete') expect(t.diagnosis).toBeNull();
    else expect([t.status, t.diagnosis?.cause]).toEqual(['failed', failCause]);
  }
  const want = expectedSplit(truth);
  expect(want === null ? 'none' : 'split').toBe(split);
  expect(a.passivePortSplits.map((p) => [p.worked.low, p.worked.high, p.failed.low, p.failed.high])).toEqual(want === null ? [] : [want]);
  const [diagnose, explain] = await outputs(name, 'diagnose', 'explain');
  const summaryJson = (await runCli(['summary', '--json', path(name)])).stdout;
  const report = await reportPage(name, tmp);
  const healthy = list.filter((t) => t.status === 'complete');
  if (want === null) {
    for (const o of [diagnose, explain, report]) expect(flat(o)).not.toMatch(/split by port/);
    expect(JSON.parse(summaryJson).passivePortSplits).toEqual([]);
    return;
  }
  const p = a.passivePortSplits[0];
  expect(p.server).toBe('198.51.100.20');
  // The evidence frames are the capture's: the first and the boundary of each side.
  const frames = new Set(tsv(name, 'fields').map((r) => Number(r['frame.number'])));
  for (const fr of p.evidence) expect(frames.has(fr)).toBe(true);
  expect(p.evidence).toContain(p.worked.edge.frame);
  expect(p.evidence).toContain(p.failed.edge.frame);
  // Said once per server in the outputs that list servers, with advice naming the server's setting …
  const words = flat(portSplitWords(p));
  for (const o of [diagnose, report.replace(/&#39;/g, "'").replace(/<[^>]+>/g, ' ')]) expect(flat(o).split(words).length - 1).toBe(1);
  // explain names it once more per session with a failed transfer in it, in one line; a healthy session gets none.
  const line = `belong to a split by port: to ${p.server}, the passive ports that failed all lie in ${p.failed.low}–${p.failed.high} and those that worked in ${p.worked.low}–${p.worked.high}`;
  const failedSessions = new Set(list.filter((t) => t.status !== 'complete').map((t) => t.session));
  expect(flat(explain).split(line).length - 1).toBe(failedSessions.size);
  expect(flat(diagnose)).toContain(flat(portSplitAdvice(p)));
  expect(JSON.parse(summaryJson).passivePortSplits).toHaveLength(1);
  // … and every failed transfer's own diagnosis agrees: its port in the part that failed (the split
  // told once, above), the same advice; explain tells each failed transfer so.
  for (const t of list.filter((x) => x.status !== 'complete')) {
    const port = (t.connection?.server ?? t.announce!.endpoint!).port;
    expect(flat(t.diagnosis!.summary)).toContain(flat(portSplitReference(p, port)));
    expect(t.diagnosis!.advice).toContain(portSplitAdvice(p));
  }
  expect(flat(explain).split(`Port ${p.failed.low}`).length).toBeGreaterThan(1);
  expect(healthy.length).toBeGreaterThanOrEqual(MIN_PORTS);
}

describe('1. ftplib -> vsftpd, one session of 12 transfers; the router drops SYNs to 50010-50019', () => {
  it('client side: passive-syn-unanswered per failed port; the split by port said once and cited by each failure', () =>
    checkRun('a37-range-drop-vsftpd-python', 'passive-syn-unanswered', 'split'));
  it('server side: the dropped SYNs never arrive (passive-unreached); the same split, without the NAT lead', async () => {
    await checkRun('a37-range-drop-vsftpd-python-server', 'passive-unreached', 'split');
    const [diagnose] = await outputs('a37-range-drop-vsftpd-python-server', 'diagnose');
    // Before: "typically a NAT in front of the server whose clients connect to another address" — refuted by the connections that arrived.
    expect(flat(diagnose)).not.toMatch(/typically a NAT/);
  });
  it('the bytes of the transfers that worked are the files', async () => {
    const f = facts('a37-range-drop-vsftpd-python');
    const a = await analyze('a37-range-drop-vsftpd-python');
    const ok = passive(a).filter((t) => t.status === 'complete');
    expect(ok.map((t) => t.bytes)).toEqual(f.a37.transfers.filter((x: { ok: boolean }) => x.ok).map((x: { bytes: number }) => x.bytes));
    for (const file of f.files) if (file.received) expect(file.received_matches).toBe(true);
  });
});

describe('2. ftplib -> proftpd; the router answers SYNs to 50010-50019 with a forged RST', () => {
  const split = expectedSplit(groundTruth('a37-range-reset-proftpd-python')) === null ? 'none' : 'split';
  it('client side: passive-refused per failed port', () => checkRun('a37-range-reset-proftpd-python', 'passive-refused', split));
  it('server side: passive-unreached', () => checkRun('a37-range-reset-proftpd-python-server', 'passive-unreached', split));
});

describe('3. curl -> pure-ftpd, sixteen sessions; the router rejects SYNs to 50010-50019 with ICMP port unreachable', () => {
  const split = expectedSplit(groundTruth('a37-range-icmp-pureftpd-curl')) === null ? 'none' : 'split';
  it('client side: passive-refused per failed session', () => checkRun('a37-range-icmp-pureftpd-curl', 'passive-refused', split));
  it('server side: passive-unreached', () => checkRun('a37-range-icmp-pureftpd-curl-server', 'passive-unreached', split));
});

describe('4. lftp -> vsftpd with DROP: lftp reconnects after net:timeout and tries again', () => {
  it('failed attempts are spread over new sessions; the run drew too few working ports to claim a split', async () => {
    const name = 'a37-range-drop-vsftpd-lftp';
    const a = await analyze(name);
    // lftp gives up a dropped data connection and opens a new control session for its retry.
    expect(a.sessions.length).toBeGreaterThan(1);
    const list = passive(a);
    const truth = list.map((t) => ({ port: t.announce!.endpoint!.port, ok: t.status === 'complete' }));
    for (const x of truth) expect(x.ok).toBe(x.port <= 50009);
    expect(a.passivePortSplits.length).toBe(expectedSplit(truth) === null ? 0 : 1);
    for (const t of list) expect(t.status === 'complete' ? null : t.diagnosis?.cause).toBe(t.status === 'complete' ? null : 'passive-syn-unanswered');
  });
});

describe('5. the failing ports interleave with the working ones (every odd port closed)', () => {
  it('client side: no split claimed', () => checkRun('a37-interleaved-drop-vsftpd-python', 'passive-syn-unanswered', 'none'));
  it('server side: no split claimed', () => checkRun('a37-interleaved-drop-vsftpd-python-server', 'passive-unreached', 'none'));
});
