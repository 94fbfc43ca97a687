/**
 * The twenty-fifth verdict audit, on real recordings (fixtures/record.sh, "Twenty-fifth verdict
 * audit"): a data connection ended by its SENDER's reset (SO_LINGER 0, no FIN) while the session
 * states no size (no SIZE; pyftpdlib's 150/125 carries no "(N bytes)"). An abortive close discards
 * what the sender still had queued; one whose queue had drained (every byte acknowledged with an open
 * window, a round trip or more before the reset) discards nothing. pyftpdlib answers 226 either way.
 * (a) RETR and (c) STOR reset 0.2 s after the last send: completed. (b) RETR and (d) STOR reset with the
 * file still queued (the receiver's 8 KiB window): aborted. (e) RETR reset 0.2 s after the last send,
 * but with the client's window shut (zero window) and the file still in the server's send buffer:
 * every byte SENT was acknowledged, yet the client kept 5288 of 98304 bytes — ftpcap called it
 * completed before this audit. Frames are tshark's; sizes and sha256 the recorder's facts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis/model.js';
import { runCli } from '../cli/run-cli.js';
import { analyze, extractedFiles, facts, flat, ftpRows, ourRows, outputs, path, reportPage, transferRows, tsv } from './audit-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'ftpcap-audit25-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const rows = (a: Analysis): unknown[][] =>
  transferRows(a, (t) => [t.preliminary?.code ?? null, t.expectedSize, t.diagnosis?.cause ?? null, t.connection?.rst ? [t.connection.rst.by, t.connection.rst.frame] : null]);

/** tshark's frames with RST set on the data connection (tcp.stream 1 is the only data stream). */
const dataRsts = (name: string): number[] => {
  const port = Number(tsv(name, 'streams').find((r) => r.stream === '1')!.dstport);
  return tsv(name, 'fields')
    .filter((r) => (Number(r['tcp.flags']) & 0x04) !== 0 && (Number(r['tcp.srcport']) === port || Number(r['tcp.dstport']) === port))
    .map((r) => Number(r['frame.number']));
};

/** tshark's frames with a zero receive window from `src` on the data connection. */
const zeroWindows = (name: string, src: string): number[] => {
  const port = Number(tsv(name, 'streams').find((r) => r.stream === '1')!.dstport);
  return tsv(name, 'fields')
    .filter((r) => r['ip.src'] === src && r['tcp.window_size_value'] === '0' && (Number(r['tcp.flags']) & 0x02) === 0 && [r['tcp.srcport'], r['tcp.dstport']].includes(String(port)))
    .map((r) => Number(r['frame.number']));
};

function sameAsTshark(a: Analysis, name: string): void {
  expect(a.sessions.map((s) => s.stream)).toEqual([0]);
  expect(ourRows(a, 1)).toEqual(ftpRows(name, '0'));
  // No SIZE, and no size in the 150/125.
  expect(ftpRows(name, '0').map((r) => r[1])).not.toContain('SIZE');
  expect(tsv(name, 'ftp').filter((r) => /bytes\)/.test(r['ftp.response.arg'] ?? ''))).toEqual([]);
}

async function healthy(name: string, a: Analysis, file: string, op: string): Promise<void> {
  expect(a.sessions[0]!.diagnosis).toBeNull();
  const [summary, diagnose, explain, sessions, timeline] = await outputs(name, 'summary', 'diagnose', 'explain', 'sessions', 'timeline');
  expect(diagnose).toContain('No failed data connections in 1 session: 1 transfer (1 complete).');
  for (const text of [summary, diagnose.replace('No failed data connections', ''), explain, sessions, timeline]) {
    expect(text).not.toMatch(/aborted|failed|incomplete|What went wrong|What to change|\[1\]/);
  }
  expect(explain).toContain('Compared with the textbook: everything happened as described.');
  const json = JSON.parse((await runCli(['summary', '--json', path(name)])).stdout);
  expect(json.sessions[0].transfers.map((t: { verdict: { kind: string }; diagnosis: unknown }) => [t.verdict.kind, t.diagnosis])).toEqual([['completed', null]]);
  const logs = (await runCli(['logs', path(name)])).stdout.split('\n').filter((l) => l.includes('ftp-data'));
  expect(logs.map((l) => l.split('\t').slice(-3))).toEqual([['completed', '-', '-']]);
  expect(flat(await reportPage(name, tmp)).split('<article class="card"').length - 1).toBe(0);
  const f = facts(name).files.find((x: { path: string }) => x.path === file);
  expect(f.received_matches).toBe(true);
  expect(Object.values(await extractedFiles(name, tmp))).toEqual([f.sha256]);
  expect(op).toBe(f.op);
}

async function truncated(name: string, a: Analysis, file: string, receivedKey: string, says: RegExp): Promise<void> {
  const t = a.sessions[0]!.transfers[0]!;
  const f = facts(name).files.find((x: { path: string }) => x.path === file);
  // The bytes ftpcap counts are the bytes the receiver kept, fewer than the file.
  expect(t.bytes).toBe(f.received.size);
  expect(t.bytes).toBe(receivedKey.split('.').reduce((o: any, k) => o[k], facts(name)));
  expect(t.bytes).toBeLessThan(f.size);
  expect(t.verdict).toMatchObject({ kind: 'aborted', by: t.connection!.rst!.by, cause: 'aborted' });
  const [summary, diagnose, explain, sessions] = await outputs(name, 'summary', 'diagnose', 'explain', 'sessions');
  expect(summary).toContain(`aborted (${t.connection!.rst!.by})`);
  expect(sessions).toMatch(/aborted/);
  expect(flat(diagnose)).toMatch(says);
  expect(flat(explain)).toMatch(says);
  expect(flat(explain)).not.toContain('everything happened as described');
  const logs = (await runCli(['logs', path(name)])).stdout.split('\n').filter((l) => l.includes('ftp-data'));
  expect(logs.map((l) => l.split('\t').slice(-3)[0])).toEqual(['aborted']);
  expect(Object.values(await extractedFiles(name, tmp)).length).toBeLessThanOrEqual(1);
}

describe('(a) RETR, no size: the server resets 0.2 s after its last send, every byte acknowledged', () => {
  const name = 'a25-retr-drained-rst-pyftpdlib-python';
  it('completed; the model keeps the last data, its ACK and the reset as evidence', async () => {
    const a = await analyze(name);
    sameAsTshark(a, name);
    expect(rows(a)).toEqual([['1.1', 'PASV', 16, 'RETR w96k.bin', 20, 1, 98304, 226, 117, 'completed', 150, null, null, ['server', 116]]]);
    expect(dataRsts(name)).toEqual([116]);
    expect(a.sessions[0]!.transfers[0]!.verdict).toMatchObject({ kind: 'completed', resetDrained: { lastData: 113, ack: 114, reset: 116 } });
    // tshark: frame 113 is the last data segment, 114 the client's ACK of all 98304 bytes (window open), 116 the RST 0.2 s later.
    const f = Object.fromEntries(tsv(name, 'fields').map((r) => [r['frame.number'], r]));
    expect(Number(f['114']!['tcp.window_size_value'])).toBeGreaterThan(0);
    expect(facts(name).client.received_bytes).toBe(98304);
    const [explain] = await outputs(name, 'explain');
    expect(flat(explain)).toContain('The server resets the data connection: RST (frame 116), after the client had acknowledged every byte with room for more (frame 114): nothing was left to discard.');
    await healthy(name, a, 'w96k.bin', 'RETR');
  });
});

describe('(b) RETR, no size: the server resets at once with the file still queued (slow reader)', () => {
  const name = 'a25-retr-queued-rst-pyftpdlib-python';
  it('aborted by the server: 134664 of 262144 bytes, data unacknowledged at the reset, yet 226', async () => {
    const a = await analyze(name);
    sameAsTshark(a, name);
    expect(rows(a)).toEqual([['1.1', 'PASV', 16, 'RETR w256k.bin', 20, 1, 134664, 226, 174, 'aborted', 150, null, 'aborted', ['server', 173]]]);
    expect(dataRsts(name)).toEqual([173]);
    expect(a.sessions[0]!.transfers[0]!.diagnosis!.evidence).toEqual(expect.arrayContaining([172, 173, 174]));
    await truncated(name, a, 'w256k.bin', 'client.received_bytes', /no FIN, before its data was acknowledged \(its last data at frame 172\)/);
  });
});

describe('(c) STOR: the client resets 0.2 s after its last send, every byte acknowledged', () => {
  const name = 'a25-stor-drained-rst-pyftpdlib-python';
  it('completed, no diagnosis anywhere', async () => {
    const a = await analyze(name);
    sameAsTshark(a, name);
    expect(rows(a)).toEqual([['1.1', 'PASV', 16, 'STOR up96k.bin', 20, 1, 98304, 226, 115, 'completed', 125, null, null, ['client', 114]]]);
    expect(dataRsts(name)).toEqual([114]);
    expect(a.sessions[0]!.transfers[0]!.verdict).toMatchObject({ kind: 'completed', resetDrained: { lastData: 111, ack: 112, reset: 114 } });
    expect(facts(name).server.received_bytes).toBe(98304);
    const [explain] = await outputs(name, 'explain');
    expect(flat(explain)).toContain('The client resets the data connection: RST (frame 114), after the server had acknowledged every byte with room for more (frame 112): nothing was left to discard.');
    await healthy(name, a, 'up96k.bin', 'STOR');
  });
});

describe('(d) STOR: the client resets at once with the file still queued', () => {
  const name = 'a25-stor-queued-rst-pyftpdlib-python';
  it('aborted by the client: 28328 of 131072 bytes reached the server, yet 226', async () => {
    const a = await analyze(name);
    sameAsTshark(a, name);
    expect(rows(a)).toEqual([['1.1', 'PASV', 16, 'STOR up128k.bin', 20, 1, 28328, 226, 52, 'aborted', 125, null, 'aborted', ['client', 51]]]);
    expect(dataRsts(name)).toEqual([51]);
    await truncated(name, a, 'up128k.bin', 'server.received_bytes', /client ended the data connection with that reset, no FIN, before its data was acknowledged \(its last data at frame 50\)/);
  });
});

describe('(e) RETR, no size: the server resets 0.2 s after its last send, but the client’s window was shut', () => {
  const name = 'a25-retr-zero-window-rst-pyftpdlib-python';
  it('aborted (was: completed): every byte sent acknowledged with a zero window, 5288 of 98304 bytes kept', async () => {
    const a = await analyze(name);
    sameAsTshark(a, name);
    expect(rows(a)).toEqual([['1.1', 'PASV', 16, 'RETR w96k.bin', 20, 1, 5288, 226, 31, 'aborted', 150, null, 'aborted', ['server', 30]]]);
    expect(dataRsts(name)).toEqual([30]);
    // tshark: the client's ACK at frame 28 acknowledges everything (5288 bytes) with window 0.
    expect(zeroWindows(name, '192.0.2.10')).toEqual([28]);
    expect(a.sessions[0]!.transfers[0]!.connection!.unacknowledgedBytes).toBe(0);
    expect(a.sessions[0]!.transfers[0]!.diagnosis!.evidence).toEqual(expect.arrayContaining([26, 28, 30, 31]));
    await truncated(name, a, 'w96k.bin', 'client.received_bytes', /while the client's receive window was shut \(zero window, frame 28\): every byte sent had been acknowledged/);
  });
});
